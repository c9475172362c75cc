"""What max, average and LP pooling share: windows, connectivity, sections, a builder.

Every channel (and batch entry) is pooled on its own, so a pooling layer is laid out as
``(lead, *spatial)`` where ``lead`` is the product of the declared axes in front of the spatial
ones; the output keeps those axes. The windows are those of a one-channel convolution with the
same kernel, stride and padding (and dilation 1), so the connectivity is the conv's index
arithmetic with the kernel offset as the position inside the window::

    Y[n, o] = pool_{k}  X[n, o·S − P + k]        (k over the window, row-major)

Overlapping windows (stride < kernel) read an input entry from several outputs; its gradient is the
sum over all of them, which the chain-rule terms and both numeric routes do by construction. Each
pooling type (:mod:`.maxpool`, :mod:`.avgpool`, :mod:`.lppool`) adds its local derivative, its
formula and what its sections say about it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from functools import cached_property, partial
from math import prod
from typing import Any, Callable, ClassVar, NamedTuple, Sequence, TypeVar, cast

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..core.contract import Array, Arrays, Connections, LocalDerivative, ValuesOf
from ..engine.derivation import Terms
from ..core.document import (Concat, Derivative, Display, Figure, Formula, Gallery, Grid, Heading, Labeled,
                        Matrix, Note, Paragraph, Section, Window, equation)
from ..engine.figures import entry_grid, grid_position, is_pictured, slice_label
from ..core.poly import Atom, Number, Poly, Symbol
from ..engine.sections import (Case, Context, entry_cases, kernel_front, more, object_array, output_blocks,
                        output_matrix, planes, remarks)
from ..core.spec import SpecError, get_per_axis, output_tensor
from ..core.tensors import FactorTable, Tensor
from ..core.wording import axis_names, compact_shape, per_axis, shape_text
from .sliding.geometry import ConvGeometry, GeometryError, padding_pairs, require_at_least
from .sliding.sections import axis_sizes, letters, shapes_section, size_arithmetic
from ..engine.registry import LayerRequest, WrongVariant, only


@dataclass(frozen=True)
class PoolGeometry:
    """Sizes of one pooling layer; validated on construction (PyTorch's limits)."""

    leading: tuple[int, ...]  # the declared axes before the spatial ones (batch, channels)
    input_size: tuple[int, ...]
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...]

    def __post_init__(self) -> None:
        axes = self.conv_axes
        require_at_least(axes, (("kernel_size", self.kernel, 1), ("stride", self.stride, 1),
                                ("padding", self.padding, 0)))
        for axis, h, k, p in zip(axes, self.input_size, self.kernel, self.padding):
            if 2 * p > k:
                raise GeometryError("padding",
                    f"padding {p} on axis {axis} is more than half the window (kernel_size {k});"
                    f" PyTorch allows at most kernel_size / 2, here padding = {k // 2}")
            if h + 2 * p < k:
                raise GeometryError("kernel_size",
                    f"pooling window larger than the padded input on axis {axis}: H + 2P = {h} +"
                    f" 2·{p} = {h + 2 * p} < kernel_size = {k}; use a smaller window or padding",
                    about_input=True)

    @property
    def conv_axes(self) -> str:
        return axis_names(len(self.input_size))

    @property
    def dims(self) -> int:
        return len(self.input_size)

    @property
    def window_size(self) -> int:
        return prod(self.kernel)

    @property
    def conv(self) -> ConvGeometry:
        """The one-channel convolution whose windows these are."""
        return ConvGeometry(prod(self.leading), 1, 1, 1, self.input_size, self.kernel, self.stride,
                            padding_pairs(self.padding), (1,) * self.dims)

    @property
    def output_size(self) -> tuple[int, ...]:
        return self.conv.output_size

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (prod(self.leading), *self.input_size)

    @property
    def output_shape(self) -> tuple[int, ...]:
        return (prod(self.leading), *self.output_size)

    @property
    def declared_output_shape(self) -> tuple[int, ...]:
        return (*self.leading, *self.output_size)

    @property
    def overlapping(self) -> bool:
        return any(s < k for s, k in zip(self.stride, self.kernel))

    def windows(self, x: np.ndarray, fill: float) -> np.ndarray:
        """(lead, *out, K): each output's window of ``x`` (canonical layout), padding = ``fill``."""
        dtype = x.dtype if fill == 0 or x.dtype == object else np.result_type(x.dtype, float)
        padded = np.full((x.shape[0], *self.conv.padded_size), fill, dtype=dtype)
        padded[(slice(None), *[slice(p, p + h) for p, h in zip(self.padding, self.input_size)])] = x
        view = sliding_window_view(padded, self.kernel, axis=tuple(range(1, 1 + self.dims)))
        view = view[(slice(None), *[slice(None, s * (o - 1) + 1, s)
                                    for s, o in zip(self.stride, self.output_size)])]
        return view.reshape(*self.output_shape, self.window_size)

    def scatter(self, per_offset: Callable[[int], np.ndarray]) -> np.ndarray:
        """The input-shaped sum of ``per_offset(k)`` (an output-shaped array for window offset k)
        over all offsets: the adjoint of :meth:`windows`, looping over offsets, never pixels."""
        total = None
        for flat, k in enumerate(np.ndindex(*self.kernel)):
            contribution = per_offset(flat)
            if total is None:
                total = np.zeros((self.output_shape[0], *self.conv.padded_size),
                                 dtype=contribution.dtype)
            target = tuple(slice(i, i + s * (o - 1) + 1, s)
                           for i, s, o in zip(k, self.stride, self.output_size))
            total[(slice(None), *target)] += contribution
        assert total is not None  # every window has at least one offset
        return total[(slice(None), *[slice(p, p + h) for p, h in zip(self.padding, self.input_size)])]


_Entry = TypeVar("_Entry")  # what an entry of a window is given as: a number or symbol, or a symbol


@dataclass(frozen=True)
class InWindow:
    """Local derivatives that depend on a whole pooling window of ``tensor``.

    ``windows[o]`` lists the flat positions of output o's window in row-major order (−1 where it
    covers padding, which never wins and is left out); term t belongs to output ``rows[t]`` and its
    target sits at ``offset[t]`` in that window. The windows are shared, not copied per term.
    Each pooling type says what its factor is, :meth:`factor`, for a window and a position in it.
    """

    tensor: Tensor
    windows: np.ndarray  # (outputs, K)
    rows: np.ndarray  # (terms,)
    offset: np.ndarray  # (terms,)

    def take(self: _InWindow, order: np.ndarray) -> _InWindow:
        return replace(self, rows=self.rows[order], offset=self.offset[order])

    def window_of(self, row: int, entry: Callable[[int], _Entry]) -> tuple[tuple[_Entry, ...], int]:
        """For term ``row``: the window's entries (``entry(flat)``, padding left out) and the
        target's position among them."""
        window = self.windows[int(self.rows[row])]
        valid = window >= 0
        return tuple(entry(i) for i in window[valid].tolist()), int(valid[:int(self.offset[row])].sum())

    def factor(self, window: tuple[Number | Symbol, ...], position: int) -> Number | Atom:
        raise NotImplementedError

    def factors(self, start: int, stop: int) -> list[Number | Atom]:
        return [self.factor(*self.window_of(row, self.tensor.entry)) for row in range(start, stop)]

    def factor_table(self) -> FactorTable:
        return self.factors(0, len(self.rows))

    def named(self, row: int) -> Number | Atom:
        """The factor over the window's symbols (an indicator, LP's root; 1/N stays a number)."""
        return self.factor(*self.window_of(row, self.tensor.symbols.__getitem__))

    def named_table(self) -> FactorTable:
        return cast(FactorTable, [self.named(row) for row in range(len(self.rows))])

    def window_values(self, values_of: ValuesOf, fill: float) -> np.ndarray:
        """(outputs, K): the values in every output's window, ``fill`` on padding."""
        values = values_of(self.tensor).reshape(-1).astype(float)[self.windows]
        return np.where(self.windows >= 0, values, fill)


_Pool = TypeVar("_Pool", bound="PoolLayer")
_InWindow = TypeVar("_InWindow", bound=InWindow)


@dataclass(frozen=True, eq=False)
class PoolLayer(ABC):
    """What every pooling layer shares: geometry, windows, connectivity; no parameters."""

    geometry: PoolGeometry
    input: Tensor
    output: Tensor
    kind: ClassVar[str]  # each pooling type's
    exact = True
    positive_inputs = False

    @property
    def parameters(self) -> tuple[Tensor, ...]:
        return ()

    def with_output(self: _Pool, output: Tensor) -> _Pool:
        return replace(self, output=output)

    def term_count(self) -> int:
        return self.geometry.conv.product_count()

    def allocation(self) -> tuple[int, str]:
        padded = self.geometry.conv.padded_size
        return (prod(self.geometry.leading) * prod(padded) * max(1, self.geometry.window_size),
                f"the windows of the padded input {shape_text(padded)}")

    def unused_positions(self) -> list[tuple[int, ...]]:
        return self.geometry.conv.unused_positions()

    def branch(self, x: np.ndarray) -> np.ndarray | None:
        return None

    def notes(self) -> list[Note]:
        return []

    def sizes_text(self) -> str:
        g = self.geometry
        return (f"input {compact_shape(self.input.shape)}, window {compact_shape(g.kernel)},"
                f" stride {per_axis(g.stride)}, padding {per_axis(g.padding)}")

    def closed_form(self, x: Array, params: Arrays, dy: Array) -> dict[str, Array] | None:
        return None

    # Each pooling type's own (abstract: mypy refuses to build a type that forgets one):
    @abstractmethod
    def local(self, y: np.ndarray, offset: np.ndarray) -> LocalDerivative:
        """The local derivatives of the window members (output ``y``, position ``offset``)."""

    @abstractmethod
    def reference_forward(self, x: Array, params: Arrays) -> Array: ...

    @abstractmethod
    def reference_backward(self, x: Array, params: Arrays, dy: Array) -> dict[str, Array]: ...

    def connections(self, wrt: Tensor, targets: np.ndarray | None = None) -> Connections:
        """Every window member's term; with ``targets``, theirs (the windows are bounded by the
        allocation limit, so they are built whole)."""
        if wrt is not self.input:
            raise KeyError(wrt.name)
        y, x, offset = self.triples
        found = Connections(x, y, self.local(y, offset))
        return found if targets is None else only(found, targets)

    @cached_property
    def triples(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(output, input, offset in window) of every window member, computed on first use."""
        return self.geometry.conv.index_triples()

    @cached_property
    def window_matrix(self) -> np.ndarray:
        """(outputs, K): flat input positions of every output's window, −1 on padding."""
        y, x, offset = self.triples
        window = np.full((prod(self.geometry.output_shape), self.geometry.window_size), -1,
                         dtype=np.int64)
        window[y, offset] = x
        return window

    def canonical(self, x: np.ndarray) -> np.ndarray:
        return x.reshape(self.geometry.input_shape)

    def declared(self, grad: np.ndarray) -> dict[str, np.ndarray]:
        return {self.input.name: grad.reshape(self.input.shape)}


# -- building -----------------------------------------------------------------------------------------
POOL_KEYS = ("kernel_size", "stride", "padding")


def pool_geometry(request: LayerRequest, *, padding: bool = True) -> tuple[PoolGeometry, Tensor]:
    """The geometry of a pooling layer from its table (``kernel_size``, ``stride`` defaulting to
    ``kernel_size``, ``padding``), and its output tensor."""
    table, path, layer_input, dims, rank = request[:5]
    kind = table["type"]
    if "kernel_size" not in table:
        raise SpecError(path, f"a {kind} layer needs kernel_size, e.g. kernel_size = 2"
                              + (f" or {[2] + [1] * (dims - 1)}" if dims > 1 else ""))
    kernel = get_per_axis(table, "kernel_size", 2, dims, path)
    stride = get_per_axis(table, "stride", 2, dims, path) if "stride" in table else kernel
    if table.get("padding") in ("same", "valid"):  # a convolution's words
        raise SpecError(path + ("padding",), f"padding = \"{table['padding']}\" is for conv and"
                                             f" conv_transpose layers; a {kind} layer takes a whole"
                                             " number per spatial axis (at most kernel_size / 2),"
                                             " e.g. padding = 1")
    pads = get_per_axis(table, "padding", 0, dims, path) if padding else (0,) * dims
    shape = layer_input.shape
    try:
        geometry = PoolGeometry(tuple(shape[:-dims]), tuple(shape[-dims:]), kernel, stride, pads)
    except GeometryError as error:
        raise SpecError(path + (error.key,), str(error), about_input=error.about_input) from None
    output = output_tensor(table, path, request.default_output, geometry.declared_output_shape,
                           layer_input, rank + 1,
                           leading_axes=("n", "f"))  # the documents call every output's channels f
    return geometry, output


def pool_output_size(layer: PoolLayer) -> tuple[str, ...]:
    """The output size along each axis, as a message writes it (the convolution's arithmetic,
    the window as its kernel)."""
    return tuple(size_arithmetic(axis) for axis in axis_sizes(layer.geometry.conv))


def pool_title(layer: PoolLayer, name: str) -> str:
    """``2 × 2 max pooling, stride 1`` (and the padding when there is some), for the title."""
    g = layer.geometry
    return (f"{shape_text(g.kernel)} {name}, stride {per_axis(g.stride)}"
            + (f", padding {per_axis(g.padding)}" if any(g.padding) else ""))


def pool_words(layer: PoolLayer, context: Context) -> str:
    g = layer.geometry
    return (f"{context.arrow(layer)}: kernel {per_axis(g.kernel)}, stride {per_axis(g.stride)},"
            f" padding {per_axis(g.padding)}")


def pool_cases(layer: PoolLayer, tensor: Tensor) -> list[Case] | None:
    """The input's entries by where they sit (a corner, an edge, the interior), as for a
    convolution with the same windows."""
    return entry_cases(tensor, layer.geometry.conv.input_cases()) if tensor is layer.input else None


# -- sections -----------------------------------------------------------------------------------------


class PoolWindow(NamedTuple):
    """One output's window: ``cells`` in row-major window order (the entries, numbers where given,
    None on padding) and ``names`` the same cells as symbols; for max pooling with numbers,
    ``winner`` is the cell of the first maximum and ``tied`` every cell that equals it."""

    output: Symbol
    cells: np.ndarray  # kernel-shaped object array
    names: np.ndarray  # kernel-shaped object array of Symbols (None on padding)
    upstream: Number | Symbol
    value: Number | None  # the output's value when the input has numbers (not for LP's roots)
    winner: int | None = None
    tied: tuple[int, ...] = ()

    def inside(self) -> tuple[Symbol, ...]:
        """The window's entries that lie in the input (padding left out), as symbols."""
        return tuple(n for n in self.names.flat if n is not None)


def pool_windows(layer: PoolLayer, upstream: Tensor, count: int,
                 winner: Callable[[list[Number | Symbol]], int] | None = None,
                 start: int = 0) -> tuple[PoolWindow, ...]:
    """The windows of ``count`` outputs from ``start`` on, in row-major output order;
    ``winner(values)`` marks the entry that takes the gradient when the window holds numbers (max
    pooling)."""
    x = layer.input
    kernel = layer.geometry.kernel
    windows = []
    for o, positions in enumerate(layer.window_matrix[start:start + count].tolist(), start=start):
        cells = [x.entry(i) if i >= 0 else None for i in positions]
        names = [Symbol(x, i) if i >= 0 else None for i in positions]
        inside = [c for c in cells if c is not None]
        output = layer.output.entry(o)
        value = output if not isinstance(output, Symbol) else None
        best: int | None = None
        tied: tuple[int, ...] = ()
        if winner is not None and not any(isinstance(c, Symbol) for c in inside):
            valid = [i for i, c in enumerate(cells) if c is not None]
            best = valid[winner(inside)]
            tied = tuple(i for i in valid if cells[i] == cells[best])
        windows.append(PoolWindow(Symbol(layer.output, o), object_array(cells, kernel),
                                  object_array(names, kernel), upstream.entry(o), value, best, tied))
    return tuple(windows)


def expression_of(formula: Callable[[Any, PoolWindow], object]) -> Callable[[PoolLayer, int], object]:
    """A pooling type's :attr:`~symconv.engine.registry.LayerType.expression` from the formula its
    forward section writes: the formula of output ``flat``'s window, over the window's symbols."""
    def expression(layer: PoolLayer, flat: int) -> object:
        [window] = pool_windows(layer, layer.output, 1, start=flat)
        return formula(layer, window)

    return expression


def window_items(window: PoolWindow) -> list[Labeled]:
    """A window's entries (``pad`` on padding), the max-pooling winner marked, labelled with its
    output: one matrix, or in 3-D one per depth d of the window."""
    cells = np.vectorize(lambda c: Formula("pad") if c is None else c, otypes=[object])(window.cells)
    found = planes(cells, kernel_front(cells.ndim))
    size = cells.size // len(found)
    items = []
    for number, (label, index) in enumerate(found):
        marked = frozenset() if window.winner is None else frozenset(
            {window.winner - number * size} & set(range(size)))
        name = Concat((window.output, Formula(", " + label))) if label else window.output
        items.append(Labeled(name, Matrix(cells[index], marked)))
    return items


def window_gallery(layer: PoolLayer, windows: tuple[PoolWindow, ...]) -> Gallery:
    """The windows laid out like the output grid; a 3-D window's depth slices make one row."""
    items = tuple(item for w in windows for item in window_items(w))
    per_window = len(items) // max(len(windows), 1)
    columns = layer.geometry.output_size[-1] if per_window == 1 else per_window
    return Gallery(items, columns=columns)


def pool_shapes(layer: PoolLayer, context: Context) -> Section:
    words = letters("The windows slide over the input like a kernel, so the output size along each"
                    " axis is (", [("I", "input"), ("K", "window"), ("P", "padding"), ("S", "stride")],
                    context)
    return shapes_section(layer, context, axis_sizes(layer.geometry.conv), words, None,
                          input_remark=" (pooling has no weights)")


def pool_forward(layer: PoolLayer, context: Context, kind: str, formula: Callable[[PoolWindow], object],
                 winner: Callable[[list[Number | Symbol]], int] | None = None) -> Section:
    """Every window (the winner marked), every output as ``formula(window)``, the output."""
    y = layer.output
    windows = pool_windows(layer, context.upstream_of(layer), context.detail.fields, winner)
    marked = " (the maximum is marked)" if any(w.winner is not None for w in windows) else ""
    blocks: list[object] = [Heading("Forward pass" + context.where(layer)),
                    Paragraph((f"{kind}. The windows{marked}:",)),
                    window_gallery(layer, windows),
                    *windows_figure(layer, windows)]
    if context.detail.once:  # a handout: the outputs as one result, after their windows
        every = pool_windows(layer, context.upstream_of(layer), y.size, winner)
        outputs = object_array([w.value if w.value is not None else formula(w) for w in every], y.shape)
        blocks += more(len(windows), y.size, "windows")
        return Section("forward", tuple(blocks + output_blocks(context, ("So the output is",), y,
                                                                outputs)))
    blocks.append(Paragraph(("Each output written out:",)))
    rows = []
    for window in windows:
        sides: tuple[object, ...] = (window.output, formula(window))
        if window.value is not None and window.value != sides[1]:
            sides += (window.value,)
        rows.append(equation(*sides))
    blocks.append(Display(tuple(rows)))
    blocks += more(len(windows), y.size, "outputs")
    return Section("forward", tuple(blocks + output_matrix(layer, context)))


def windows_figure(layer: PoolLayer, windows: tuple[PoolWindow, ...]) -> list[Figure]:
    """The windows outlined on the padded input (those of its first slice among ``windows``), each
    window's maximum ringed, entries that several windows read shaded."""
    g = layer.geometry
    if not is_pictured(g.dims):
        return []
    x = layer.input
    size = g.output_size if g.dims == 2 else (1, *g.output_size)
    stride, kernel = (g.stride, g.kernel) if g.dims == 2 else ((1, *g.stride), (1, *g.kernel))
    grid = entry_grid(x, g.dims, 0, padding_pairs(g.padding))
    drawn = [w for w in windows if w.output.flat < prod(size)]
    outlines: list[Window] = []
    reads: dict[int, int] = {}
    for window in drawn:
        row, column = divmod(window.output.flat, size[1])
        top, left = row * stride[0], column * stride[1]
        cells = [grid_position(grid, top + offset // kernel[1], left + offset % kernel[1])
                 for offset in range(kernel[0] * kernel[1])]
        for cell in cells:
            reads[cell] = reads.get(cell, 0) + 1
        ringed = frozenset() if window.winner is None else frozenset({cells[window.winner]})
        outlines.append(Window((top, left), (top + kernel[0] - 1, left + kernel[1] - 1), ringed))
    winners = any(window.ringed for window in outlines)
    shared = frozenset(cell for cell, count in reads.items() if count > 1)
    caption: list[str] = [f"The {'first ' if len(drawn) < prod(size) else ''}windows outlined on"
                     f" {x.name}" + (" (padding grey)" if any(g.padding) else "")]
    if shared:
        caption.append(f"; the windows overlap (stride {per_axis(g.stride)}, smaller than the window"
                       f" {per_axis(g.kernel)}), and entries read by several windows are shaded")
    if winners:
        caption.append("; each window's maximum is ringed in the window's colour")
    grids = (Grid(grid, slice_label(x, g.dims, 0, "padded" if any(g.padding) else ""),
                  (shared,) if shared else (), windows=tuple(outlines)),)
    return [Figure(grids, tuple(caption + ["."]))]


def pool_gradient(layer: PoolLayer, context: Context, explanation: Sequence[object], extra: Callable[
        [tuple[PoolWindow, ...]], Sequence[object]],
                  winner: Callable[[list[Number | Symbol]], int] | None = None) -> Section:
    """∂L/∂X of a pooling layer: ``explanation`` (what its local derivative is), the overlap, the
    local derivatives of the first window, ``extra(windows)`` (routing, the notes' 1/N matrix),
    then the result."""
    x = layer.input
    g = layer.geometry
    windows = pool_windows(layer, context.upstream_of(layer), context.detail.fields, winner)
    blocks: list[object] = [Heading(f"Gradient with respect to {x.name}" + context.where(layer)),
                            *explanation]
    if g.overlapping:
        blocks.append(Paragraph((
            f"The windows overlap (stride {per_axis(g.stride)} is smaller than the window"
            f" {per_axis(g.kernel)}), so an entry read by several windows adds up what it gets"
            " from each of them.",)))
    first = windows[0]
    block = next(b for b in context.derivation.gradient(x.name).blocks if b.output is layer.output)
    rows, named_factors = [], []
    for entry in first.inside():
        start, stop = int(block.offsets[entry.flat]), int(block.offsets[entry.flat + 1])
        row = start + block.outputs[start:stop].tolist().index(first.output.flat)
        [value] = block.local.factors(row, row + 1)
        named = block.local.named(row)
        named_factors.append(named)
        sides: tuple[object, ...] = (Derivative(first.output, entry), named)
        if value != named:
            sides += (value,)
        rows.append(equation(*sides))
    blocks += [Paragraph(("The local derivatives in the first window, that of ", first.output, ":")),
               Display(tuple(rows)), *remarks(named_factors)]
    blocks += extra(windows)
    blocks += context.result_blocks(("Adding up what every entry receives",), x)
    return Section("dx", tuple(blocks))


# -- mistakes -----------------------------------------------------------------------------------------


def overlap_mistakes(layer: PoolLayer, target: Tensor, dy_polys: list[Poly], terms: Terms, loss: str,
                     routes: bool = False) -> list[WrongVariant]:
    """Overlapping windows counted once: each entry takes the gradient of only the first (or the
    last) window that reads it (``routes``: that routes to it, for max pooling)."""
    g = layer.geometry
    if not g.overlapping:
        return []
    return [WrongVariant(
        "overlap-counted-once",
        f"overlapping windows (kernel {per_axis(g.kernel)}, stride {per_axis(g.stride)}) were"
        f" counted once: each entry of ∂{loss}/∂{layer.input.name} got the gradient of only the"
        f" {which} window"
        f" {'that routes to it' if routes else 'containing it'}; it gets the sum over all of them",
        partial(one_window, terms, dy_polys, pick)) for which, pick in (("first", 0), ("last", -1))]


def one_window(terms: Terms, dy_polys: list[Poly], pick: int) -> list[Poly]:
    """Every entry with only one of its chain-rule terms (``pick``: 0 the first window, −1 the
    last), among those whose local derivative is not 0."""
    values = []
    for flat in range(terms.wrt.size):
        start, stop = int(terms.offsets[flat]), int(terms.offsets[flat + 1])
        kept = [(output, local) for output, local in zip(terms.outputs[start:stop].tolist(),
                                                         terms.local.factors(start, stop))
                if local != 0]
        values.append(dy_polys[kept[pick][0]] * kept[pick][1] if kept else Poly())
    return values
