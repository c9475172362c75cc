"""A long sum written by its general term: ``Σ_{i=1}^{14} Σ_{j=1}^{10} ∂L/∂Z_{i,j}·A_{i,j+1}``.

The terms of a convolution's sums follow its index arithmetic: the outputs a weight entry meets
form a box of indices, and the input entry each of them reads is an affine function of the
output's indices. :func:`general_term` finds that box and those functions from the terms
themselves (it knows no layer), so the same code writes a chain-rule sum, a forward sum over a
kernel and a bias gradient; it gives None for sums that do not follow such a pattern (indicators
of max pooling, the numbers of a chain), which are then cut short instead.
"""

from __future__ import annotations

from math import prod
from typing import Any, Sequence

import numpy as np

from .document import Derivative, Indexed, IndexedSum, Product
from .poly import Symbol

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


def subscript_numbers(symbol: Symbol) -> tuple[int, ...]:
    """The numbers of an entry's name, in its display base: one per axis, or its flat position."""
    return symbol.tensor.entry_name(symbol.flat).subscript


def general_term(terms: Sequence[tuple], running: Sequence[Symbol], letters: Sequence[str], *,
                 counted: bool = True) -> IndexedSum | None:
    """The terms (each a tuple of factors: an entry, ∂loss/∂entry, or a number) as one
    :class:`IndexedSum`, its letters running over the indices of ``running[t]`` (an entry per
    term, whose display indices must fill a box; ``letters`` name its axes). Every entry factor
    must be an affine function of those indices, and every number the same in every term; else
    None. ``counted``: the sum says its number of terms."""
    count = len(terms)
    if count < 2 or len(running) != count:
        return None
    indices = np.array([subscript_numbers(symbol) for symbol in running], dtype=np.int64)
    if indices.ndim != 2 or indices.shape[1] != len(letters):
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
    if prod(sizes) != count or len({tuple(row) for row in zip(*values)}) != count:
        return None  # not every index combination of the box: no single Σ
    design = np.column_stack([np.ones(count, dtype=np.int64), *values])
    names = [letters[axis] for axis in varying]
    factors = []
    for position in range(len(terms[0])):
        column = [term[position] for term in terms]
        factor = affine_factor(column, design, names)
        if factor is None:
            return None
        if factor != 1:
            factors.append(factor)
    term = factors[0] if len(factors) == 1 else Product(tuple(factors))
    return IndexedSum(tuple(names), tuple(ranges), term, count if counted else None)


def lattice(numbers: np.ndarray) -> tuple[tuple[int, int], np.ndarray] | None:
    """The range of a letter running over these index numbers, and its value at each: the
    numbers themselves when they are consecutive (``i``); when they step by S (the outputs of a
    stride), a letter from ``low // S`` whose S multiple plus a constant they are (``2i+1``, i =
    0..2 for 1, 3, 5); None when they are not evenly spaced."""
    distinct = sorted(set(numbers.tolist()))
    low = distinct[0]
    if len(distinct) == 1:
        return (low, low), numbers
    step = distinct[1] - distinct[0]
    if distinct != list(range(low, distinct[-1] + 1, step)):
        return None
    if step == 1:
        return (low, distinct[-1]), numbers
    start = low // step
    offset = low - step * start
    return (start, start + len(distinct) - 1), (numbers - offset) // step


# Any: the factor as the terms hold it (a number, a symbol, a derivative) or its general form
def affine_factor(column: list, design: np.ndarray, names: list[str]) -> Any:
    """One factor of every term as a general factor: the same in every term (a number, a fixed
    entry), entries of one tensor whose indices are affine in the letters, or a derivative whose
    top and bottom are such factors; else None."""
    first = column[0]
    if all(type(f) is type(first) and f == first for f in column):
        return first
    if isinstance(first, Derivative):
        if not all(isinstance(f, Derivative) for f in column):
            return None
        top = affine_factor([f.top for f in column], design, names)
        bottom = affine_factor([f.bottom for f in column], design, names)
        return None if top is None or bottom is None else Derivative(top, bottom)
    if not all(isinstance(f, Symbol) and f.tensor is first.tensor for f in column):
        return None
    numbers = np.array([subscript_numbers(s) for s in column], dtype=np.int64)
    if numbers.ndim != 2 or numbers.shape[1] == 0:
        return None
    expressions = []
    for axis in range(numbers.shape[1]):
        solution, *_ = np.linalg.lstsq(design.astype(float), numbers[:, axis].astype(float),
                                       rcond=None)
        coefficients = np.rint(solution).astype(np.int64)
        if not np.array_equal(design @ coefficients, numbers[:, axis]):
            return None
        expressions.append(affine_text(int(coefficients[0]), coefficients[1:].tolist(), names))
    return Indexed(first.tensor, tuple(expressions))


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
