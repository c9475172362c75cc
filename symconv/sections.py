"""What every section of a worked solution is built from: the problem, its derivation, and the
vocabulary of :mod:`symconv.document`.

Layer types write their own sections (:attr:`symconv.layers.registry.LayerType.sections`) with the
helpers here; :mod:`symconv.solution` writes the sections that span the whole problem (the chain
rule entry by entry, connectivity, the checks). Everything here is format-neutral: how much of a
matrix fits a line is the printers' business.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import prod
from typing import NamedTuple, Protocol, Sequence

import numpy as np

from .derivation import Derivation, Gradient
from .document import Derivative, Labeled, Matrix, Paragraph, TensorView
from .poly import Number, Poly, Symbol, poly_sum, product_of
from .tensors import Tensor

MAX_SLICES = 6  # 2-D slices of a 3-D or 4-D tensor written out
MAX_LISTED = 32  # items listed in a sentence before the rest are counted


class SolutionLimits(NamedTuple):
    """How many items a section writes out before it summarises the rest."""

    fields: int = 9  # receptive fields in the forward, ∂L/∂W and ∂L/∂X sections
    steps: int = 4  # running "mapped back" matrices before the final one
    equations: int = 25  # chain-rule equations per tensor (the homework's 5×5 has 25)


class ProblemView(Protocol):
    """What sections read of a problem (:class:`symconv.problem.Problem`)."""

    loss: str
    dims: int
    input: Tensor
    upstream: Tensor
    layers: tuple

    def upstream_of(self, layer) -> Tensor: ...


@dataclass(frozen=True)
class Context:
    problem: ProblemView
    derivation: Derivation
    limits: SolutionLimits
    _results: dict = field(default_factory=dict, repr=False)

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
        return TensorView(label, array, tensor, leading_axes(tensor, self.dims),
                          self.loss if gradient else None)

    def gradient_view(self, tensor: Tensor, array: np.ndarray | None = None) -> TensorView:
        """∂L/∂tensor (the derivation's result unless ``array`` is given)."""
        return self.view(Derivative(self.loss, tensor),
                         self.result(tensor) if array is None else array, tensor, gradient=True)

    def slices(self, array: np.ndarray, tensor: Tensor, marked=frozenset(), name: str = "") -> list:
        """A tensor as one matrix, or as labelled 2-D slices (the first few) when it has batch,
        channel or filter axes; ``marked`` flat positions are highlighted."""
        axes = leading_axes(tensor, self.dims)
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
            label = ", ".join(f"{a} = {i + tensor.index_base}" for a, i in zip(axes, index))
            items.append(Labeled(f"{name}, {label}" if name else label, Matrix(array[index], local)))
        return items


# -- arrays of entries ---------------------------------------------------------------------------


def object_array(items: Sequence, shape) -> np.ndarray:
    array = np.empty(len(items), dtype=object)
    array[:] = list(items)
    return array.reshape(shape)


def entry_array(tensor: Tensor, shape=None) -> np.ndarray:
    """The tensor's entries (numbers where values are given, else symbols)."""
    return object_array(tensor.entries(), shape or tensor.shape)


def named_array(tensor: Tensor, shape=None) -> np.ndarray:
    """The tensor's entries as symbols, even where values are given (for names such as ``X_{11}``)."""
    return object_array(tensor.symbols, shape or tensor.shape)


def leading_axes(tensor: Tensor, dims: int) -> tuple[str, ...]:
    """Names of the axes in front of the spatial ones: batch ``n``, channel ``c``, filter ``f``."""
    extra = len(tensor.shape) - dims
    names = {"weight": ("f", "c"), "input": ("n", "c")}.get(tensor.role, ("n", "f"))
    return names[len(names) - extra:] if extra > 0 else ()


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


def listing(items: list) -> list:
    """``a, b, c.``; after :data:`MAX_LISTED` items, the count of the rest."""
    parts: list = []
    for number, item in enumerate(items[:MAX_LISTED]):
        if number:
            parts.append(", ")
        parts.append(item)
    if len(items) > MAX_LISTED:
        parts.append(f" and {len(items) - MAX_LISTED} more")
    return parts + ["."] if items else []


def slices_note(tensor: Tensor, dims: int) -> list:
    axes = leading_axes(tensor, dims)
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
    local: object  # a number, a symbol or another atom (an indicator, LP's root)


def named_terms(gradient: Gradient, flat: int) -> list[NamedTerm]:
    terms = []
    for block in gradient.blocks:
        start, stop = int(block.offsets[flat]), int(block.offsets[flat + 1])
        for row in range(start, stop):
            output = int(block.outputs[row])
            terms.append(NamedTerm(Symbol(block.output, output), block.upstream.entry(output),
                                   block.local.named(row)))
    return terms


def named_sum(terms: list[NamedTerm]) -> Poly:
    return poly_sum(product_of((t.upstream, t.local)) for t in terms)
