"""The matrix view of a layer that is linear in its input (a convolution, a transposed one).

Flattened row by row over the declared shapes (``vec``; the padding is not part of vec(X))::

    vec(Y) = C·vec(X) + vec(b)       C[r, c] = ∂Y_r/∂X_c: the weight joining output r and input c
    vec(∂L/∂X) = Cᵀ·vec(∂L/∂Y)       the backward pass is multiplication by the transpose
    ∂L/∂W_g = A_g·B_gᵀ               the im2col product, one per group (conv: A = ∂L/∂Y,
                                     B = im2col(X); conv_transpose: A = X, B = im2col(∂L/∂Y))

C is read from the layer's own chain-rule connections (∂Y/∂X, term by term), so it needs nothing
new from a layer type; the im2col product is the layer type's
(:attr:`~symconv.engine.registry.LayerType.im2col`), and a layer type that gives it says its
layer is linear in its input. d2l's ``kernel2matrix`` example, a 3×3 input and the kernel
[[1, 2], [3, 4]], gives the 4×9 matrix of its book.
"""

from __future__ import annotations

from math import prod
from typing import Any, Iterator, NamedTuple, Sequence

import numpy as np

from ..core.contract import Array, Arrays, Layer
from ..core.document import Derivative, Document, Formula, Heading, Paragraph, Section, TensorView, settle
from ..core.errors import ProblemError
from ..layers import LAYER_TYPES, Im2col, layer_type
from ..core.poly import poly_sum, product_of
from .problem import Problem
from ..engine.sections import Context, object_array
from ..core.spec import SpecError
from ..core.tensors import Role, Tensor

MAX_SIDE = 64  # rows and columns of a matrix printed whole


class LayerMatrix(NamedTuple):
    """C of one layer as its non-zero terms: term t puts ``local`` factor t at
    (``rows[t]``, ``columns[t]``)."""

    layer: Any
    rows: np.ndarray  # output positions (flat, row-major)
    columns: np.ndarray  # input positions
    local: Any  # the terms' local derivatives ∂Y_r/∂X_c (see symconv.engine.local_derivatives)

    @property
    def shape(self) -> tuple[int, int]:
        return self.layer.output.size, self.layer.input.size

    def entries(self, named: bool = False) -> dict[tuple[int, int], object]:
        """The non-zero entries by (row, column): weight entries (numbers where given; symbols
        with ``named``), summed where several terms share a place."""
        factors = ([self.local.named(t) for t in range(len(self.rows))] if named
                   else self.local.factors(0, len(self.rows)))
        found: dict[tuple[int, int], list] = {}
        for r, c, factor in zip(self.rows.tolist(), self.columns.tolist(), factors):
            found.setdefault((r, c), []).append(factor)
        return {place: parts[0] if len(parts) == 1 else poly_sum(parts)
                for place, parts in sorted(found.items())}

    def dense(self) -> np.ndarray:
        """C as an m × n object array, 0 where no term is."""
        array = object_array([0] * prod(self.shape), self.shape)
        for (r, c), value in self.entries().items():
            array[r, c] = value
        return array


def has_matrix(layer: Layer) -> bool:
    return layer_type(layer).im2col is not None


def matrix_of(layer: Layer) -> LayerMatrix:
    connections = layer.connections(layer.input)
    return LayerMatrix(layer, connections.output, connections.target, connections.local)


def im2col_of(layer: Layer) -> Im2col:
    im2col = layer_type(layer).im2col
    assert im2col is not None  # has_matrix(layer)
    return im2col(layer)


def matrix_layer(problem: Problem, name: str | None = None) -> Layer:
    """The layer the matrix view is about: the one whose output is ``name``, else the first with a
    matrix form."""
    kinds = " and ".join(kind for kind, t in LAYER_TYPES.items() if t.im2col is not None)
    if name is None:
        layer = next((layer for layer in problem.layers if has_matrix(layer)), None)
        if layer is None:
            raise ProblemError(f"no layer of this problem is a matrix product; the matrix view is"
                               f" for {kinds} layers")
        return layer
    for layer in problem.layers:
        if layer.output.name == name:
            if not has_matrix(layer):
                raise ProblemError(f"the {layer.kind} layer writing {name} is not a matrix product;"
                                   f" the matrix view is for {kinds} layers")
            return layer
    names = ", ".join(layer.output.name for layer in problem.layers)
    raise ProblemError(f"no layer writes a tensor named {name!r}; --layer takes a layer's output"
                       f" name: {names}")


def printable_sizes(layer: Layer) -> Iterator[tuple[str, tuple[int, int]]]:
    """The matrices the view prints: C (its size from the layer's tensors, nothing built), then
    im2col's per group (built only once C is known to be small)."""
    yield "C", (layer.output.size, layer.input.size)
    yield "im2col", im2col_of(layer).columns.shape[1:]


def printable(layer: Layer) -> bool:
    """Whether every matrix of the view is small enough to print."""
    return all(max(shape) <= MAX_SIDE for _, shape in printable_sizes(layer))


def check_printable(problem: Problem, layer: Layer) -> None:
    """A matrix too large to print is refused (a :class:`SpecError` about the layer's table)."""
    for name, (rows, columns) in printable_sizes(layer):
        if rows > MAX_SIDE or columns > MAX_SIDE:
            raise SpecError(("layers", problem.layers.index(layer)),
                            f"the matrix {name} of this layer is {rows} × {columns}, over the"
                            f" limit of {MAX_SIDE} × {MAX_SIDE} that symconv prints; --format json"
                            f" gives C's non-zero entries, or take a smaller input (e.g. 5 × 5)")


# -- the numeric route of `symconv check` ---------------------------------------------------------


def matrix_backward(layer: Layer, x: Array, params: Arrays, dy: Array) -> dict[str, Array]:
    """Every gradient of the layer by tensor name through its matrices: ∂L/∂X = Cᵀ·∂L/∂Y (C
    from the connections, evaluated at the values), ∂L/∂W by the im2col products, ∂L/∂b by the
    bias's connections. Exact on integer and object arrays."""
    tensors = {layer.input.name: x, **params}
    upstream = dy.reshape(-1)
    matrix = matrix_of(layer)
    factors = np.asarray(matrix.local.numeric(lambda t: tensors[t.name]))
    products = upstream[matrix.rows] * factors
    dx = np.zeros(layer.input.size, dtype=products.dtype)
    np.add.at(dx, matrix.columns, products)
    grads = {layer.input.name: dx.reshape(layer.input.shape)}
    im2col = im2col_of(layer)
    sources = {Role.INPUT: x.reshape(-1), Role.UPSTREAM: upstream}
    a = gathered(sources[im2col.rows_of], im2col.rows)
    b = gathered(sources[im2col.columns_of], im2col.columns)
    weight = next(p for p in layer.parameters if p.role is Role.WEIGHT)
    grads[weight.name] = np.einsum("grn,gcn->grc", a, b).reshape(weight.shape)
    for bias in (p for p in layer.parameters if p.role is Role.BIAS):
        connections = layer.connections(bias)
        db = np.zeros(bias.size, dtype=upstream.dtype)
        np.add.at(db, connections.target, upstream[connections.output])
        grads[bias.name] = db.reshape(bias.shape)
    return grads


def gathered(values: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """``values[positions]``, 0 where a position is −1 (a padding zero)."""
    out = values[np.maximum(positions, 0)]
    return np.where(positions >= 0, out, 0 * out)


# -- the section and the document -------------------------------------------------------------------


def matrix_section(context: Context, layer: Layer) -> Section:
    """The layer as vec(Y) = C·vec(X) + vec(b), its backward pass as Cᵀ, ∂L/∂W as im2col."""
    loss = context.loss
    x, y = layer.input, layer.output
    weight = next(p for p in layer.parameters if p.role is Role.WEIGHT)
    bias = next((p for p in layer.parameters if p.role is Role.BIAS), None)
    matrix = matrix_of(layer)
    rows, columns = matrix.shape
    dense = matrix.dense()
    upstream = context.upstream_of(layer)
    blocks: list = [
        Heading("Matrix form" + context.arrow(layer)),
        Paragraph((f"Flatten every tensor row by row (vec: its entries in row-major order of its"
                   f" declared shape; the padding is not part of vec({x.name})). Then the layer is"
                   f" one matrix product, ",
                   Formula(f"vec({y.name}) = C·vec({x.name})" + (f" + vec({bias.name})" if bias
                                                                  else "")),
                   f", with C of {rows} × {columns}: row r of C is output r of vec({y.name}),"
                   f" column c is input c of vec({x.name}), and the entry is the weight that joins"
                   " them (0 where they are not connected).",)),
        vector(Formula(f"vec({x.name})ᵀ"), x.symbols, x),
        vector(Formula(f"vec({y.name})ᵀ"), y.symbols, y),
        TensorView(Formula("C"), dense, standing_in("C", dense), whole=True),
        Paragraph(("The backward pass multiplies by the transpose, ",
                   Formula(f"vec(∂{loss}/∂{x.name}) = Cᵀ·vec(∂{loss}/∂{y.name})"), ":",)),
        vector(Formula(f"vec(∂{loss}/∂{y.name})ᵀ"), upstream.entries(), upstream)]
    transposed = [poly_sum(product_of((dense[r, c], upstream.entry(r))) for r in range(rows))
                  for c in range(columns)]
    blocks += [vector(Formula(f"(Cᵀ·vec(∂{loss}/∂{y.name}))ᵀ"), transposed, x, gradient_of=loss),
               *context.result_blocks(("which is ", Derivative(loss, x), " row by row"), x,
                                      object_array(transposed, x.shape))]
    blocks += im2col_blocks(context, layer, weight)
    return Section("matrix", tuple(blocks))


def standing_in(name: str, matrix: np.ndarray) -> Tensor:
    """A tensor in the shape of a matrix that is no tensor of the problem (C, an im2col matrix),
    for a view of it: were its entries too long to stand side by side, they are listed by row and
    column (``C_{1,2} = …``), not under a tensor of another shape."""
    return Tensor(name, matrix.shape, Role.OUTPUT, index_base=1, index_style="comma", leading_axes=())


def vector(label: Formula, entries: Sequence[object], tensor: Tensor,
           gradient_of: str | None = None) -> TensorView:
    """A vec(…)ᵀ as one row, every entry shown (listed as ∂L/∂tensor's entries, with the loss
    ``gradient_of``, when they are too long for a row)."""
    return TensorView(label, object_array(list(entries), (len(entries),)), tensor,
                      gradient_of=gradient_of, whole=True)


def im2col_blocks(context: Context, layer: Layer, weight: Tensor) -> list:
    loss, y = context.loss, layer.output
    im2col = im2col_of(layer)
    upstream = context.upstream_of(layer)
    sources = {Role.INPUT: (layer.input, layer.input.name),
               Role.UPSTREAM: (upstream, f"∂{loss}/∂{y.name}")}
    (a_tensor, a_name), (b_tensor, b_name) = sources[im2col.rows_of], sources[im2col.columns_of]
    groups = im2col.rows.shape[0]
    by_output = im2col.rows_of is Role.UPSTREAM  # a convolution: the rows are ∂L/∂Y's filters
    position, window, row = (("output position", "the receptive field that output reads", "filter")
                             if by_output else
                             ("input position", f"the window of {b_name} its product lands on",
                              "input channel"))
    blocks: list = [Paragraph((Derivative(loss, weight), " is the im2col product ",
                               Formula(f"{a_name}·im2col({b_name})ᵀ"),
                               f": im2col({b_name}) has one column per {position}, holding {window}"
                               f" (0 on the padding), and {a_name} has one row per {row} and the"
                               " same columns" + (", one product per group" if groups > 1 else "")
                               + ":",))]
    products = []
    for g in range(groups):
        a = entries_at(a_tensor, im2col.rows[g])
        b = entries_at(b_tensor, im2col.columns[g])
        suffix = f" (group {g + 1})" if groups > 1 else ""
        blocks.append(TensorView(Formula(f"im2col({b_name}){suffix}"), b, standing_in("im2col", b),
                                 whole=True))
        blocks.append(TensorView(Formula(f"{a_name}{suffix}"), a, standing_in("A", a), whole=True))
        products.append([[poly_sum(product_of((p, q)) for p, q in zip(a_row, b_row)) for b_row in b]
                         for a_row in a])
    result = np.array(products, dtype=object).reshape(weight.shape)
    blocks += context.result_blocks((f"The product, one row per {row}, reshaped to the shape of"
                                     f" {weight.name}",), weight, result)
    return blocks


def entries_at(tensor: Tensor, positions: np.ndarray) -> np.ndarray:
    """A tensor's entries at flat positions, 0 where a position is −1 (a padding zero)."""
    return object_array([tensor.entry(int(i)) if i >= 0 else 0 for i in positions.flat],
                        positions.shape)


def matrix_document(context: Context, layer: Layer) -> Document:
    """``symconv matrix``'s document: the matrix section of one layer."""
    return settle(Document(f"Matrix form of {layer.input.name} → {layer.output.name}", (),
                           (matrix_section(context, layer),)), repeat=not context.detail.once)
