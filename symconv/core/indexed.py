"""A long sum written by its general term: ``Σ_{i=1}^{14} Σ_{j=1}^{10} ∂L/∂Z_{i,j}·A_{i,j+1}``.

The terms of a convolution's sums follow its index arithmetic: the outputs a weight entry meets
form a box of indices, and the input entry each of them reads is an affine function of the
output's indices. :func:`general_term` finds that box and those functions from the terms
themselves (it knows no layer), so the same code writes a chain-rule sum, a forward sum over a
kernel and a bias gradient; it gives None for sums that do not follow such a pattern (indicators
of max pooling, the numbers of a chain), which are then cut short instead.

The analysis works on the terms as columns (:class:`TermColumns`: the entries of a factor by their
flat positions, a factor the same in every term, derivatives of such), so a worked solution takes
the ∂L/∂W entry of 3,969 terms straight from the derivation's arrays
(:meth:`~symconv.sections.Context.term_columns`); :func:`general_term` takes terms as objects.
"""

from __future__ import annotations

from fractions import Fraction
from math import prod
from typing import Any, NamedTuple, Sequence

import numpy as np

from .document import Derivative, Indexed, IndexedSum, Product
from .poly import Symbol
from .tensors import EntryFactors, FactorTable, Tensor

SPATIAL_LETTERS = {1: ("i",), 2: ("i", "j"), 3: ("k", "i", "j")}
SPARE_LETTERS = ("p", "q", "r", "s", "t", "u", "v")


def letters_for(axes: Sequence[str], dims: int, taken: set[str]) -> list[str]:
    """A letter for each axis of a tensor laid out as ``axes`` (its leading axes, ``n``, ``c``,
    ``f``) then ``dims`` spatial ones; letters that name a tensor or the loss are skipped."""
    wanted = list(axes) + list(SPATIAL_LETTERS[dims])
    spare = [letter for letter in SPARE_LETTERS if letter not in taken and letter not in wanted]
    chosen = []
    for letter in wanted:
        if letter in taken or letter in chosen:
            letter = spare.pop(0)
        chosen.append(letter)
    return chosen


class Same(NamedTuple):
    """A factor that is the same in every term (a number, the loss's name, a fixed entry)."""

    value: Any


class Derivatives(NamedTuple):
    """∂top/∂bottom in every term, ``top`` and ``bottom`` being columns themselves."""

    top: "Column"
    bottom: "Column"


#: One factor of every term of a sum, without an object per term: entries of one tensor by name
#: (:class:`~symconv.tensors.EntryFactors`), the same factor in every term, or derivatives of
#: such columns.
Column = EntryFactors | Same | Derivatives


class TermColumns(NamedTuple):
    """The terms of a sum as columns: factor p of term t is the t-th of ``columns[p]`` (None: a
    factor with no general form), and the Σ runs over the indices of the entries ``running``."""

    columns: tuple[Column | None, ...]
    running: EntryFactors

    @property
    def term_count(self) -> int:
        return len(self.running.flats)


def column(factors: Sequence) -> Column | None:
    """The factors of every term (numbers, entries, derivatives) as a :data:`Column`, or None
    when they have no general form."""
    first = factors[0]
    if all(type(f) is type(first) and f == first for f in factors):
        return Same(first)
    if isinstance(first, Derivative):
        if not all(isinstance(f, Derivative) for f in factors):
            return None
        top, bottom = column([f.top for f in factors]), column([f.bottom for f in factors])
        return None if top is None or bottom is None else Derivatives(top, bottom)
    if not all(isinstance(f, Symbol) and f.tensor is first.tensor for f in factors):
        return None
    return EntryFactors(first.tensor, np.array([f.flat for f in factors], dtype=np.int64), named=True)


def factor_column(table: FactorTable, start: int, stop: int) -> Column | None:
    """Rows ``start`` to ``stop`` of a table of chain-rule factors (entries of a tensor, one
    number, or a number or atom per row) as a :data:`Column`: entries by name when the table
    names them or the tensor has no values, else their values."""
    if isinstance(table, EntryFactors):
        flats = table.flats[start:stop]
        if table.named or table.tensor.values is None:
            return EntryFactors(table.tensor, flats, named=True)
        return column(table.tensor.values.reshape(-1)[flats].tolist())
    if isinstance(table, (int, Fraction)):
        return Same(table)
    return column(list(table[start:stop]))


def general_term(terms: Sequence[tuple], running: Sequence[Symbol], letters: Sequence[str], *,
                 counted: bool = True) -> IndexedSum | None:
    """The terms (each a tuple of factors: an entry, ∂loss/∂entry, or a number) as one
    :class:`IndexedSum`, its letters running over the indices of ``running[t]`` (an entry per
    term, whose display indices must fill a box; ``letters`` name its axes). Every entry factor
    must be an affine function of those indices, and every number the same in every term; else
    None. ``counted``: the sum says its number of terms."""
    if len(terms) < 2 or len(running) != len(terms):
        return None
    entries = column(running)
    if not isinstance(entries, EntryFactors):
        return None
    columns = tuple(column([term[position] for term in terms]) for position in range(len(terms[0])))
    return columns_general_term(TermColumns(columns, entries), letters, counted=counted)


def columns_general_term(table: TermColumns, letters: Sequence[str], *,
                         counted: bool = True) -> IndexedSum | None:
    """:func:`general_term` of terms given as columns: index arithmetic on arrays, nothing made
    per term (a ∂L/∂W entry at the worked-solution limit has 3,969 terms)."""
    count = table.term_count
    if count < 2:
        return None
    indices = subscript_numbers(table.running)
    if indices.shape[1] != len(letters):
        return None
    varying, ranges, values = [], [], []
    for axis in range(indices.shape[1]):
        found = lattice(indices[:, axis])
        if found is None:
            return None
        (low, high), letter_values = found
        if low != high:
            varying.append(axis)
            ranges.append((low, high))
            values.append(letter_values)
    sizes = [high - low + 1 for low, high in ranges]
    if prod(sizes) != count or not varying:
        return None
    codes = np.ravel_multi_index([v - low for v, (low, _) in zip(values, ranges)], sizes)
    if np.bincount(codes, minlength=count).max() > 1:
        return None  # not every index combination of the box: no single Σ
    rows = np.empty(count, dtype=np.int64)
    rows[codes] = np.arange(count)
    # the term where every letter is at its lowest, then each letter one above it
    corners = rows[[0, *(prod(sizes[axis + 1:]) for axis in range(len(sizes)))]]
    box = Box(np.column_stack([np.ones(count, dtype=np.int64), *values]), corners,
              np.array([low for low, _ in ranges]), [letters[axis] for axis in varying])
    factors = []
    for found_column in table.columns:
        factor = None if found_column is None else affine_factor(found_column, box)
        if factor is None:
            return None
        if factor != 1:
            factors.append(factor)
    term = factors[0] if len(factors) == 1 else Product(tuple(factors))
    return IndexedSum(tuple(box.names), tuple(ranges), term, count if counted else None)


class Box(NamedTuple):
    """The letters of a Σ over a box of indices: ``design`` has a row per term (1, then each
    letter's value), ``corners`` the rows where every letter is at its lowest (``lows``) and where
    each letter in turn is one above it, ``names`` the letters."""

    design: np.ndarray
    corners: np.ndarray
    lows: np.ndarray
    names: list[str]


def subscript_numbers(entries: EntryFactors) -> np.ndarray:
    """The numbers of each entry's name, in its display base (one per axis, or its flat
    position), a row per entry."""
    return entries.tensor.per_entry(subscript_table)[entries.flats]


def subscript_table(tensor: Tensor) -> np.ndarray:
    """The numbers of every entry's name (:attr:`~symconv.tensors.Tensor.subscripts`), a row per
    entry."""
    if not tensor.subscripts:
        return np.zeros((tensor.size, 0), dtype=np.int64)
    return np.stack(tensor.subscripts, axis=1)


def lattice(numbers: np.ndarray) -> tuple[tuple[int, int], np.ndarray] | None:
    """The range of a letter running over these index numbers, and its value at each: the
    numbers themselves when they are consecutive (``i``); when they step by S (the outputs of a
    stride), a letter from ``low // S`` whose S multiple plus a constant they are (``2i+1``, i =
    0..2 for 1, 3, 5); None when they are not evenly spaced."""
    distinct = sorted(set(numbers.tolist()))
    low, high = distinct[0], distinct[-1]
    if len(distinct) == 1:
        return (low, low), numbers
    step = distinct[1] - distinct[0]
    if distinct != list(range(low, high + 1, step)):
        return None
    if step == 1:
        return (low, high), numbers
    start = low // step
    offset = low - step * start
    return (start, start + len(distinct) - 1), (numbers - offset) // step


# Any: the factor as the terms hold it (a number, a symbol, a derivative) or its general form
def affine_factor(found: Column, box: Box) -> Any:
    """One factor of every term as a general factor: the same in every term (a number, a fixed
    entry), entries of one tensor whose indices are affine in the letters, or a derivative whose
    top and bottom are such factors; else None."""
    if isinstance(found, Same):
        return found.value
    if isinstance(found, Derivatives):
        top = affine_factor(found.top, box)
        bottom = affine_factor(found.bottom, box)
        return None if top is None or bottom is None else Derivative(top, bottom)
    flats = found.flats
    if (flats == flats[0]).all():
        return Symbol(found.tensor, int(flats[0]))
    numbers = subscript_numbers(found)
    if numbers.shape[1] == 0:
        return None
    # An affine function on a whole box is fixed by its corners: each letter's coefficient is
    # the step from the lowest corner, then every term must agree.
    corners = numbers[box.corners]
    slopes = corners[1:] - corners[0]
    coefficients = np.concatenate([(corners[0] - box.lows @ slopes)[np.newaxis], slopes])
    if not (box.design @ coefficients == numbers).all():
        return None
    return Indexed(found.tensor, tuple(affine_text(int(axis[0]), axis[1:].tolist(), box.names)
                                       for axis in coefficients.T))


def affine_text(constant: int, coefficients: list[int], names: list[str]) -> str:
    """``2i+j−1``, ``i``, ``3``: a constant plus letters with whole coefficients."""
    text = ""
    for coefficient, name in zip(coefficients, names):
        if coefficient == 0:
            continue
        sign = "−" if coefficient < 0 else ("+" if text else "")
        size = abs(coefficient)
        text += sign + ("" if size == 1 else str(size)) + name
    if constant or not text:
        text += (("−" if constant < 0 else "+") if text else ("−" if constant < 0 else "")) + str(abs(constant))
    return text
