"""What every section of a worked solution is built from: the problem, its derivation, and the
vocabulary of :mod:`symconv.document`.

Layer types write their own sections (:attr:`symconv.layers.registry.LayerType.sections`) with the
helpers here; :mod:`symconv.solution` writes the sections that span the whole problem (the chain
rule entry by entry, connectivity, the checks). Everything here is format-neutral: how much of a
matrix fits a line is the printers' business.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from math import prod
from typing import NamedTuple, Protocol, Sequence

import numpy as np

from .derivation import Derivation, Gradient, derive
from .document import Derivative, Formula, Labeled, Matrix, Paragraph, TensorView
from .errors import SizeLimitError
from .poly import Atom, Number, Poly, Symbol, poly_sum, product_of
from .product_sums import TermFactors, named_as_valued
from .tensors import Tensor
from .wording import axis_names

MAX_SLICES = 6  # 2-D slices of a tensor with more than two axes written out
MAX_LISTED = 32  # items listed in a sentence before the rest are counted
MAX_CARRIED_TERMS = 4  # terms of a value carried back through a chain into a layer's sections


class SolutionLimits(NamedTuple):
    """How many items a section writes out before it summarises the rest."""

    fields: int = 9  # receptive fields in the forward, ∂L/∂W and ∂L/∂X sections
    steps: int = 4  # running "mapped back" matrices before the final one
    equations: int = 25  # chain-rule equations per tensor (the homework's 5×5 has 25)


class ProblemView(Protocol):
    """What sections read of a problem (:class:`symconv.problem.Problem`)."""

    @property
    def loss(self) -> str: ...

    @property
    def dims(self) -> int: ...

    @property
    def input(self) -> Tensor: ...

    @property
    def upstream(self) -> Tensor: ...

    @property
    def layers(self) -> tuple: ...

    def upstream_of(self, layer) -> Tensor: ...


@dataclass(frozen=True)
class Context:
    problem: ProblemView
    derived: Derivation | None  # None: derived when a section first asks (a statement never does)
    limits: SolutionLimits
    _results: dict = field(default_factory=dict, repr=False)

    @cached_property
    def derivation(self) -> Derivation:
        return self.derived if self.derived is not None else derive(self.problem)

    @property
    def loss(self) -> str:
        return self.problem.loss

    @property
    def dims(self) -> int:
        return self.problem.dims

    def upstream_of(self, layer) -> Tensor:
        return self.problem.upstream_of(layer)

    def result(self, tensor: Tensor) -> np.ndarray:
        """∂L/∂tensor from the derivation, in the tensor's shape; computed once per solution (the
        ∂L/∂W, ∂L/∂X and chain-rule sections all show it)."""
        if tensor.name not in self._results:
            polys = self.derivation.gradient(tensor.name).polys()
            self._results[tensor.name] = object_array(polys, tensor.shape)
        return self._results[tensor.name]

    def carried(self, layer) -> np.ndarray | None:
        """∂L/∂(the layer's output) expanded down to the given upstream gradient, in the output's
        shape, when that leaves only numbers and the given upstream gradient's entries (every
        value between this layer and the loss is known): the numbers a worked solution carries
        back through a chain. None for the last layer (its upstream gradient is given), and where
        indicators of unknown values would remain, or an entry of more than
        :data:`MAX_CARRIED_TERMS` terms (it would not read as a factor of ⊙; the sections then
        write ∂L/∂(output)'s entries by name, and the chain-rule section expands them)."""
        if layer is self.problem.layers[-1]:
            return None
        key = ("carried", layer.output.name)
        if key not in self._results:
            try:
                polys = self.derivation.gradient(layer.output.name).expanded()
            except SizeLimitError:
                polys = None
            given = self.problem.upstream
            if polys is not None and all(len(poly.terms) <= MAX_CARRIED_TERMS for poly in polys) and all(
                    isinstance(atom, Symbol) and atom.tensor is given
                    for poly in polys for atom in poly.symbols()):
                self._results[key] = object_array([plain(p) for p in polys], layer.output.shape)
            else:
                self._results[key] = None
        return self._results[key]

    def layer_result(self, layer, tensor: Tensor) -> np.ndarray:
        """∂L/∂tensor as the layer's own sections write it: in terms of the given upstream
        gradient when the layer's upstream is :meth:`carried`, else through ∂L/∂(its output)."""
        if self.carried(layer) is None:
            return self.result(tensor)
        key = ("expanded", tensor.name)
        if key not in self._results:
            polys = self.derivation.gradient(tensor.name).expanded()
            self._results[key] = object_array([plain(p) for p in polys], tensor.shape)
        return self._results[key]

    def upstream_entries(self, layer) -> list:
        """What each output of the layer passes back, as its sections write it: the carried
        value (``d3 − d5 + d6``, or a number) in a chain, else the upstream entry itself."""
        carried = self.carried(layer)
        if carried is not None:
            return list(carried.reshape(-1))
        return self.upstream_of(layer).entries()

    def first_time(self, key) -> bool:
        """Whether ``key`` comes up for the first time in this solution: a fact several sections
        rely on (a layer's carried upstream gradient) is stated in the first of them only."""
        seen = self._results.setdefault("said", set())
        if key in seen:
            return False
        seen.add(key)
        return True

    def where(self, layer) -> str:
        """`` (layer 2: Y1 → Y2)`` in a chain, nothing for a single layer."""
        layers = self.problem.layers
        if len(layers) == 1:
            return ""
        return f" (layer {layers.index(layer) + 1}: {layer.input.name} → {layer.output.name})"

    def arrow(self, layer) -> str:
        """`` (layer 2: Y1 → Y2)`` in a chain, `` (X → Y)`` for a single layer."""
        return self.where(layer) or f" ({layer.input.name} → {layer.output.name})"

    def view(self, label, array: np.ndarray, tensor: Tensor, *, gradient: bool = False) -> TensorView:
        """``label = array`` shown whole (slice by slice when the tensor has batch or channel axes);
        ``gradient``: the array is ∂L/∂tensor, so listed entries are named ∂L/∂T_i."""
        return TensorView(label, array, tensor, slice_axes(tensor, self.dims),
                          self.loss if gradient else None, self.label_base(tensor))

    def label_base(self, tensor: Tensor) -> int:
        return label_base(self.problem, tensor)

    def gradient_view(self, tensor: Tensor, array: np.ndarray | None = None) -> TensorView:
        """∂L/∂tensor (the derivation's result unless ``array`` is given)."""
        return self.view(Derivative(self.loss, tensor),
                         self.result(tensor) if array is None else array, tensor, gradient=True)

    def slices(self, array: np.ndarray, tensor: Tensor, marked=frozenset(), name: str = "") -> list:
        """A tensor as one matrix, or as labelled 2-D slices (the first few) when it has batch,
        channel, filter or depth axes; ``marked`` flat positions are highlighted."""
        axes = slice_axes(tensor, self.dims)
        if not axes:
            return [Labeled(name, Matrix(array, frozenset(marked))) if name
                    else Matrix(array, frozenset(marked))]
        size = prod(array.shape[len(axes):])
        items: list = []
        for number, index in enumerate(np.ndindex(*array.shape[:len(axes)])):
            if number == MAX_SLICES:
                break
            start = number * size
            local = frozenset(m - start for m in marked if start <= m < start + size)
            label = ", ".join(f"{a} = {i + self.label_base(tensor)}" for a, i in zip(axes, index))
            items.append(Labeled(f"{name}, {label}" if name else label, Matrix(array[index], local)))
        return items


# -- arrays of entries ---------------------------------------------------------------------------


def object_array(items: Sequence, shape) -> np.ndarray:
    array = np.empty(len(items), dtype=object)
    array[:] = list(items)
    return array.reshape(shape)


def plain(poly: Poly) -> Number | Poly:
    """A constant polynomial as its number (``3``, not a polynomial), anything else as it is."""
    return poly.number if poly.is_number else poly


def entry_array(tensor: Tensor, shape=None) -> np.ndarray:
    """The tensor's entries (numbers where values are given, else symbols)."""
    return object_array(tensor.entries(), shape or tensor.shape)


def named_array(tensor: Tensor, shape=None) -> np.ndarray:
    """The tensor's entries as symbols, even where values are given (for names such as ``X_{11}``)."""
    return object_array(tensor.symbols, shape or tensor.shape)


def leading_axes(tensor: Tensor, dims: int) -> tuple[str, ...]:
    """Names of the axes in front of the spatial ones: batch ``n``, channel ``c``, filter ``f``."""
    extra = len(tensor.shape) - dims
    names = tensor.leading or {"weight": ("f", "c"), "input": ("n", "c")}.get(tensor.role, ("n", "f"))
    return names[len(names) - extra:] if extra > 0 else ()


def label_base(problem: ProblemView, tensor: Tensor) -> int:
    """Where the slice labels of ``tensor`` (``n = 0, c = 1``) count from: its own index base
    when its entries are named by axis (``Y_{1,2,…}`` sits under ``n = 1, f = 2``), else the
    problem input's (``d7`` or a bare ``b`` has no axis subscripts to agree with, so its
    slices count like the input's: one image is ``n = 0`` in every tensor of the problem)."""
    return tensor.index_base if tensor.naming == "indexed" else problem.input.index_base


def slice_axes(tensor: Tensor, dims: int) -> tuple[str, ...]:
    """Names of every axis in front of the last two, over which a tensor is shown slice by slice:
    the leading axes, then the spatial ones before the last two (depth ``d`` in 3-D)."""
    spatial = len(tensor.shape) >= dims  # a bias has one axis, never spatial
    return leading_axes(tensor, dims) + (spatial_front(dims) if spatial else ())


def spatial_front(dims: int) -> tuple[str, ...]:
    """The spatial axes in front of the last two (``("d",)`` in 3-D), as slice labels name them."""
    return tuple(axis_names(dims)[:-2].lower())


def kernel_front(dims: int) -> tuple[str, ...]:
    """The kernel offsets in front of the last two (``("k_D",)`` in 3-D), for the slices of a
    window or a kernel."""
    return tuple(f"k_{axis}" for axis in axis_names(dims)[:-2])


def planes(array: np.ndarray, names: Sequence[str],
           base: int = 0) -> list[tuple[str, tuple[int, ...]]]:
    """Every 2-D plane of an array whose axes in front of the last two are ``names`` (a 1-D or
    2-D array is one plane): its label (``c = 0, d = 1``, counted from ``base``) and its index."""
    front = len(names)
    return [(", ".join(f"{name} = {i + base}" for name, i in zip(names, index)), index)
            for index in np.ndindex(*array.shape[:front])]


# -- sentences ------------------------------------------------------------------------------------


def more(shown: int, total: int, what: str) -> list:
    if shown >= total:
        return []
    return [Paragraph((f"Only the first {shown} of the {total} {what} are written out; the"
                       f" other {total - shown} are formed the same way.",))]


def joined(items: list) -> list:
    """``a``, ``a and b``, ``a, b and c`` (names and math, for a sentence)."""
    parts: list = []
    for number, item in enumerate(items):
        if number:
            parts.append(" and " if number == len(items) - 1 else ", ")
        parts.append(item)
    return parts


def listing(items: list, total: int | None = None) -> list:
    """``a, b, c.``; after :data:`MAX_LISTED` items, the count of the rest (of ``total`` items in
    all, when only the first ones are given)."""
    total = len(items) if total is None else total
    parts: list = []
    for number, item in enumerate(items[:MAX_LISTED]):
        if number:
            parts.append(", ")
        parts.append(item)
    if total > MAX_LISTED:
        parts.append(f" and {total - MAX_LISTED} more")
    return parts + ["."] if total else []


def output_matrix(layer, context: Context) -> list:
    """``So the output is: Y = […]``, the end of a forward section, when the output has values."""
    y = layer.output
    if not y.is_numeric:
        return []
    return [Paragraph(("So the output is:",)), context.view(Formula(y.name), entry_array(y), y)]


def slices_note(tensor: Tensor, dims: int) -> list:
    axes = slice_axes(tensor, dims)
    count = prod(tensor.shape[:len(axes)]) if axes else 1
    if count <= MAX_SLICES:
        return []
    return [Paragraph((f"(The first {MAX_SLICES} of the {count} slices of {tensor.name} are"
                       f" shown; the others are formed the same way.)",))]


# -- chain-rule terms with their factors named ------------------------------------------------------


class NamedTerm(NamedTuple):
    """A chain-rule term with its local derivative named even when it has a value: for ∂L/∂W of
    the CS7643 image, ``local`` is the symbol ``X_{11}`` while the term's value uses 1."""

    output: Symbol
    upstream: Number | Symbol
    local: Number | Atom  # a number, a symbol or another atom (an indicator, LP's root)


def named_terms(gradient: Gradient, flat: int, limit: int | None = None) -> list[NamedTerm]:
    """The chain-rule terms of entry ``flat`` (the first ``limit`` of them)."""
    terms: list[NamedTerm] = []
    for block in gradient.blocks:
        start, stop = int(block.offsets[flat]), int(block.offsets[flat + 1])
        if limit is not None:
            stop = min(stop, start + limit - len(terms))
        for row in range(start, stop):
            output = int(block.outputs[row])
            terms.append(NamedTerm(Symbol(block.output, output), block.upstream.entry(output),
                                   block.local.named(row)))
    return terms


def term_count(gradient: Gradient, flat: int) -> int:
    """How many chain-rule terms entry ``flat`` has."""
    return sum(int(block.offsets[flat + 1] - block.offsets[flat]) for block in gradient.blocks)


def named_values(gradient: Gradient, flats: Sequence[int]) -> list[Poly]:
    """The sums of the entries ``flats`` with their local derivatives named
    (:func:`named_terms`): on arrays when every factor is a symbol or an integer."""
    if named_as_valued(block.named_tables()[1] for block in gradient.blocks):
        values = gradient.polys()  # no factor has a value to be named by
        return [values[flat] for flat in flats]
    factors = TermFactors(gradient.blocks, named=True)
    if factors.exact:
        return factors.polys(np.asarray(flats, dtype=np.int64))
    return [named_sum(named_terms(gradient, flat)) for flat in flats]


def named_factor_lists(gradient: Gradient) -> list:
    """Each block's named local derivatives as a list when they are numbers or atoms (which may
    have remarks, :func:`entry_remarks`), None where they are tensor entries or one number."""
    return [local if isinstance(local, list) else None
            for _, local in (block.named_tables() for block in gradient.blocks)]


def entry_remarks(gradient: Gradient, factor_lists: list, flat: int) -> list:
    """:func:`remarks` of entry ``flat``'s named local derivatives (``factor_lists`` from
    :func:`named_factor_lists`): symbols and numbers make none."""
    return remarks(factor for block, factors in zip(gradient.blocks, factor_lists) if factors is not None
                   for factor in factors[int(block.offsets[flat]):int(block.offsets[flat + 1])])


def remarks(factors) -> list:
    """A paragraph for each different remark the factors make about their values (a tied maximum:
    which one takes the gradient), in order."""
    said: list = []
    for factor in factors:
        words = factor.remark() if isinstance(factor, Atom) else ()
        if words and words not in said:
            said.append(words)
    return [Paragraph(words) for words in said]


def named_sum(terms: list[NamedTerm]) -> Poly:
    return poly_sum(product_of((t.upstream, t.local)) for t in terms)
