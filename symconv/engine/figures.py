"""Building pictures (:class:`~symconv.core.document.Figure`) of tensors: grids of entries, padded or
zero-inserted, with cells highlighted and marked.

Layer types draw their own pictures with these helpers (a receptive field, pooling windows, the
zero-inserted upstream gradient); :mod:`symconv.solutions.solution` draws which outputs read an entry. A
grid shows one 2-D slice (one row for 1-D): the first batch entry and channel unless the picture
is about another one.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..core.document import Grid
from ..core.poly import Symbol
from .sections import leading_axes
from ..core.tensors import Tensor

MAX_PICTURED = 3  # 2-D slices of one tensor drawn in a picture


def spatial_shape(tensor: Tensor, dims: int) -> tuple[int, int]:
    """The (rows, columns) a slice of the tensor is drawn as (1-D: one row)."""
    spatial = tensor.shape[len(tensor.shape) - dims:] if dims else tensor.shape
    return (1, spatial[0]) if len(spatial) == 1 else (spatial[-2], spatial[-1])


def slice_of(tensor: Tensor, dims: int, flat: int) -> tuple[int, int]:
    """(slice number, flat position inside the slice's grid) of an entry."""
    rows, columns = spatial_shape(tensor, dims)
    return divmod(flat, rows * columns)


def entry_grid(tensor: Tensor, dims: int, number: int = 0,
               padding: tuple[tuple[int, int], ...] = ()) -> np.ndarray:
    """Slice ``number`` of the tensor as a grid of its entries (symbols), with cells of None for
    the ``padding``: (before, after) on each spatial axis (1-D: the row's two ends; none when
    left out)."""
    rows, columns = spatial_shape(tensor, dims)
    pairs = tuple(padding) or ((0, 0),) * max(dims, 1)
    (top, bottom), (left, right) = ((0, 0), pairs[0]) if len(pairs) == 1 else pairs[-2:]
    grid = np.full((rows + top + bottom, columns + left + right), None, dtype=object)
    start = number * rows * columns
    symbols = tensor.symbols[start:start + rows * columns]
    inner = np.empty(len(symbols), dtype=object)
    inner[:] = symbols
    grid[top:top + rows, left:left + columns] = inner.reshape(rows, columns)
    return grid


def slice_label(tensor: Tensor, dims: int, number: int, words: str = "") -> str:
    """``X``, ``X, padded`` or ``X (n = 0, c = 1)``: a grid's label."""
    axes = leading_axes(tensor, dims)
    label = tensor.name + (f", {words}" if words else "")
    if not axes:
        return label
    index = np.unravel_index(number, tensor.shape[:len(axes)])
    where = ", ".join(f"{a} = {i + tensor.index_base}" for a, i in zip(axes, index))
    return f"{label} ({where})"


def grid_position(grid: np.ndarray, row: int, column: int) -> int:
    return row * grid.shape[1] + column


def positions_of(grid: np.ndarray, symbols: Iterable[Symbol]) -> frozenset[int]:
    """The flat positions of these entries in a grid (entries not in it are left out)."""
    wanted = set(symbols)
    return frozenset(int(i) for i, cell in enumerate(grid.flat)
                     if isinstance(cell, Symbol) and cell in wanted)


def entries_grids(tensor: Tensor, dims: int, symbols: Iterable[Symbol], *,
                  marked: bool = False) -> list[Grid]:
    """The slices of ``tensor`` that hold some of ``symbols`` (the first few), those entries
    highlighted (``marked``: ringed)."""
    wanted = list(symbols)
    numbers = sorted({slice_of(tensor, dims, s.flat)[0] for s in wanted})[:MAX_PICTURED] or [0]
    grids = []
    for number in numbers:
        grid = entry_grid(tensor, dims, number)
        found = positions_of(grid, wanted)
        grids.append(Grid(grid, slice_label(tensor, dims, number),
                          () if marked else (found,), found if marked else frozenset()))
    return grids


def is_pictured(dims: int) -> bool:
    """Pictures are drawn for 1-D and 2-D layers."""
    return dims in (1, 2)
