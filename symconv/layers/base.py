"""What every layer gives the derivation engine: connectivity as index arrays.

A layer is an immutable configuration plus pure functions. For each tensor it differentiates
(its input and its parameters) it returns :class:`Connections`: one row per chain-rule term,
``target`` (the entry being differentiated), ``output`` (the output entry it feeds) and the local
derivative ∂output/∂target as data. Rows come in forward order (output by output, and within an
output in the order its forward sum is written), so a stable sort by target gives every entry's
terms in reading order.

Every local-derivative kind answers three questions on its per-term data: ``take(order)`` (the
rows reordered), ``factors(start, stop)`` (the exact local derivatives of rows start..stop: numbers
or :class:`~symconv.poly.Atom`) and ``numeric(values_of)`` (all rows as numbers, vectorised).
A fourth, ``factor_table()``, gives every row's exact local derivative at once, for printers that
work on whole arrays: an :class:`~symconv.tensors.EntryFactors` (row t's factor is an entry of a
tensor), one number shared by every row, or a sequence with one number or atom per row.

Local derivatives that are not tensor entries or numbers are atoms (opaque factors of a monomial):

``IsMax``       ``[x = max(window)]`` of max pooling: 1 for the *first* maximum in row-major window
                order (PyTorch's rule for ties), else 0.
``IsPositive``  ``[x > 0]`` of ReLU (0 at x = 0, as PyTorch).
``LpFactor``    ∂y/∂x of LP pooling, y = (Σ x^p / N)^(1/p): ``x^(p−1) · (Σ x^p / N)^(1/p − 1) / N``.

Once the entries they read are numbers, indicators are built as 0 or 1 instead; LP's root stays an
atom (its value is irrational in general) and is evaluated in floating point.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Protocol, Sequence

import numpy as np

from ..poly import (FACTOR_RANK, Atom, Number, Poly, Symbol, entry_key, normalize, poly_sum,
                    product_of)
from ..tensors import EntryFactors, Tensor

FactorTable = EntryFactors | Number | Sequence[Number | Atom]


# -- atoms: local derivatives that are not polynomials ----------------------------------------------
def first_maximum(values) -> int:
    """Position of the first maximum (row-major window order), PyTorch's tie rule."""
    best = 0
    for i, value in enumerate(values):
        if value > values[best]:
            best = i
    return best


class IsMax(Atom):
    """``[window[position] = max(window)]``, 1 only for the first maximum when entries tie."""

    __slots__ = ("window", "position")

    def __init__(self, window: tuple[Symbol, ...], position: int):
        self.window = window
        self.position = position
        self._key = (FACTOR_RANK, 0, tuple(s._key for s in window), position)

    @property
    def entry(self) -> Symbol:
        return self.window[self.position]

    def value(self, value_of):
        return int(first_maximum([value_of(s) for s in self.window]) == self.position)

    def free_symbols(self):
        return self.window

    def __repr__(self):
        return f"IsMax({self.entry!r} in {list(self.window)!r})"


def is_window_max(window: tuple, position: int) -> Number | IsMax:
    """The local derivative of max pooling: 0/1 when the window holds numbers, else the atom."""
    if any(isinstance(entry, Symbol) for entry in window):
        return IsMax(window, position)
    return int(first_maximum(window) == position)


class IsPositive(Atom):
    """``[x > 0]``, the local derivative of ReLU."""

    __slots__ = ("entry",)

    def __init__(self, entry: Symbol):
        self.entry = entry
        self._key = (FACTOR_RANK, 1, entry._key)

    def value(self, value_of):
        return int(value_of(self.entry) > 0)

    def free_symbols(self):
        return (self.entry,)

    def __repr__(self):
        return f"IsPositive({self.entry!r})"


def is_positive(entry) -> Number | IsPositive:
    return IsPositive(entry) if isinstance(entry, Symbol) else int(entry > 0)


class LpFactor(Atom):
    """∂y/∂x for LP pooling ``y = (Σ_window x^p / N)^(1/p)``: ``x^(p−1) · (Σ x^p / N)^(1/p − 1) / N``.

    ``divisor`` N is the window size for ``normalize = "mean"`` and 1 for ``"sum"``; ``p`` is a
    whole number ≥ 2 (p = 1 is the constant 1/N and is never built as an atom).
    """

    __slots__ = ("window", "position", "p", "divisor")

    def __init__(self, window: tuple, position: int, p: int, divisor: int):
        self.window = window
        self.position = position
        self.p = p
        self.divisor = divisor
        self._key = (FACTOR_RANK, 2, p, divisor, tuple(entry_key(e) for e in window), position)

    @property
    def entry(self):
        return self.window[self.position]

    @property
    def power_sum(self) -> Poly:
        """Σ x^p over the window (numbers where the window holds numbers)."""
        return poly_sum(product_of([entry] * self.p) for entry in self.window)

    @property
    def exponent(self) -> Fraction:
        return Fraction(1 - self.p, self.p)

    def value(self, value_of):
        numbers = [value_of(e) if isinstance(e, Symbol) else float(e) for e in self.window]
        mean = sum(v ** self.p for v in numbers) / self.divisor
        return numbers[self.position] ** (self.p - 1) * mean ** float(self.exponent) / self.divisor

    def free_symbols(self):
        return tuple(e for e in self.window if isinstance(e, Symbol))

    def __repr__(self):
        return f"LpFactor(p={self.p}, N={self.divisor}, {self.entry!r} in {list(self.window)!r})"


def lp_local(window: tuple, position: int, p: int, divisor: int) -> Number | LpFactor:
    if p == 1:
        return normalize(Fraction(1, divisor))
    if window[position] == 0 and not isinstance(window[position], Symbol):
        return 0  # x^(p−1) = 0 while the window's sum is not (all-zero windows are refused)
    return LpFactor(window, position, p, divisor)


# -- local-derivative kinds: per-term data held by a block of chain-rule terms ----------------------
@dataclass(frozen=True)
class EntryOf:
    """∂y/∂x is an entry of another tensor (a weight for ∂/∂X, an input entry for ∂/∂W)."""

    tensor: Tensor
    index: np.ndarray

    def take(self, order: np.ndarray) -> "EntryOf":
        return replace(self, index=self.index[order])

    def factors(self, start: int, stop: int) -> list:
        return [self.tensor.entry(i) for i in self.index[start:stop].tolist()]

    def factor_table(self) -> FactorTable:
        return EntryFactors(self.tensor, self.index)

    def numeric(self, values_of) -> np.ndarray:
        return values_of(self.tensor).reshape(-1)[self.index]


@dataclass(frozen=True)
class Constant:
    """∂y/∂x is the same number for every term (1 for a bias, 1/N for average pooling)."""

    value: Number

    def take(self, order: np.ndarray) -> "Constant":
        return self

    def factors(self, start: int, stop: int) -> list:
        return [self.value] * (stop - start)

    def factor_table(self) -> FactorTable:
        return self.value

    def numeric(self, values_of) -> Number | float:
        # An int stays an int, so integer arrays give exact integer gradients.
        return self.value if isinstance(self.value, int) else float(self.value)


@dataclass(frozen=True)
class Numbers:
    """∂y/∂x is an exact number per term (1/N of average pooling when N varies at the border)."""

    values: np.ndarray  # object array of int | Fraction

    def take(self, order: np.ndarray) -> "Numbers":
        return Numbers(self.values[order])

    def factors(self, start: int, stop: int) -> list:
        return self.values[start:stop].tolist()

    def factor_table(self) -> FactorTable:
        return self.values.tolist()

    def numeric(self, values_of) -> np.ndarray:
        return self.values.astype(float)


@dataclass(frozen=True)
class InWindow:
    """Local derivatives that depend on a whole pooling window of ``tensor``.

    ``windows[o]`` lists the flat positions of output o's window in row-major order (−1 where it
    covers padding, which never wins and is left out); term t belongs to output ``rows[t]`` and its
    target sits at ``offset[t]`` in that window. The windows are shared, not copied per term.
    """

    tensor: Tensor
    windows: np.ndarray  # (outputs, K)
    rows: np.ndarray  # (terms,)
    offset: np.ndarray  # (terms,)

    def take(self, order: np.ndarray):
        return replace(self, rows=self.rows[order], offset=self.offset[order])

    def entries(self, start: int, stop: int):
        """For terms start..stop: the window's entries (padding left out) and the target's
        position among them."""
        for row, offset in zip(self.rows[start:stop].tolist(), self.offset[start:stop].tolist()):
            window = self.windows[row]
            valid = window >= 0
            yield (tuple(self.tensor.entry(i) for i in window[valid].tolist()),
                   int(valid[:offset].sum()))

    def window_values(self, values_of, fill: float) -> np.ndarray:
        """(outputs, K): the values in every output's window, ``fill`` on padding."""
        values = values_of(self.tensor).reshape(-1).astype(float)[self.windows]
        return np.where(self.windows >= 0, values, fill)


@dataclass(frozen=True)
class WindowMax(InWindow):
    """∂y/∂x of max pooling: ``[x = max(window)]``."""

    def factors(self, start: int, stop: int) -> list:
        return [is_window_max(window, position) for window, position in self.entries(start, stop)]

    def factor_table(self) -> FactorTable:
        return self.factors(0, len(self.rows))

    def numeric(self, values_of) -> np.ndarray:
        first = np.argmax(self.window_values(values_of, -np.inf), axis=1)  # first maximum
        return (first[self.rows] == self.offset).astype(int)  # 0/1, exact with integer arrays


@dataclass(frozen=True)
class LpRoot(InWindow):
    """∂y/∂x of LP pooling (see :class:`LpFactor`)."""

    p: int = 2
    divisor: int = 1

    def factors(self, start: int, stop: int) -> list:
        return [lp_local(window, position, self.p, self.divisor)
                for window, position in self.entries(start, stop)]

    def factor_table(self) -> FactorTable:
        return self.factors(0, len(self.rows))

    def numeric(self, values_of) -> np.ndarray:
        values = self.window_values(values_of, 0.0)
        mean = (values ** self.p).sum(axis=1) / self.divisor
        target = values[self.rows, self.offset]
        return target ** (self.p - 1) * mean[self.rows] ** ((1 - self.p) / self.p) / self.divisor


@dataclass(frozen=True)
class Positive(EntryOf):
    """∂y/∂x of ReLU: ``[x > 0]`` of the entry ``index`` of ``tensor``."""

    def factors(self, start: int, stop: int) -> list:
        return [is_positive(self.tensor.entry(i)) for i in self.index[start:stop].tolist()]

    def factor_table(self) -> FactorTable:
        return self.factors(0, len(self.index))

    def numeric(self, values_of) -> np.ndarray:
        return (values_of(self.tensor).reshape(-1)[self.index] > 0).astype(int)


LocalDerivative = EntryOf | Constant | Numbers | WindowMax | LpRoot | Positive


@dataclass(frozen=True)
class Connections:
    target: np.ndarray  # flat index into the differentiated tensor
    output: np.ndarray  # flat index into the layer's output
    local: LocalDerivative


class Layer(Protocol):
    """What the derivation, the problem and the checks need from a layer.

    ``closed_form`` (same signature as ``reference_backward``) is defined only by layers that have
    one; ``exact`` says whether ``reference_forward`` stays exact on object arrays of int/Fraction
    (so numeric inputs give numeric outputs, and indicators further on become 0/1); ``branch``
    gives the piece of a piecewise-linear forward pass (ReLU mask, max routing), or None.
    """

    input: Tensor
    output: Tensor
    exact: bool

    @property
    def parameters(self) -> tuple[Tensor, ...]: ...

    def connections(self, wrt: Tensor) -> Connections: ...

    def term_count(self) -> int: ...

    def unused_positions(self) -> list[tuple[int, ...]]: ...

    def reference_forward(self, x: np.ndarray, params: dict) -> np.ndarray: ...

    def reference_backward(self, x: np.ndarray, params: dict, dy: np.ndarray) -> dict: ...

    def branch(self, x: np.ndarray) -> np.ndarray | None: ...
