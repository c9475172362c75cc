"""How a printer divides a matrix too wide for its line into blocks of columns, against a brute
force over every division (render/arrange.py, ``ArrangingPrinter.wrapped``)."""

from __future__ import annotations

from itertools import combinations

import numpy as np
from hypothesis import given, settings, strategies as st

from symconv.render.arrange import MAX_COLUMN_BLOCKS
from symconv.render.text_document import TextDocumentPrinter

PRINTER = TextDocumentPrinter()


def block_width(column: np.ndarray, block: range) -> float:
    return PRINTER.bracket_width + float(column[block.start:block.stop].sum())


def divisions(count: int, parts: int):
    """Every division of ``count`` columns into ``parts`` consecutive blocks of two or more."""
    for cuts in combinations(range(2, count - 1), parts - 1):
        edges = [0, *cuts, count]
        blocks = [range(a, b) for a, b in zip(edges, edges[1:])]
        if all(len(block) >= 2 for block in blocks):
            yield blocks


# widths in whole units, where a block can fill its room exactly, and in fractions (rounding)
WIDTHS = st.one_of(st.integers(1, 30), st.floats(0.5, 30, allow_nan=False).map(lambda w: round(w, 3)))


@settings(max_examples=400, deadline=None)
@given(widths=st.lists(WIDTHS, min_size=7, max_size=14), room=st.one_of(st.integers(10, 90), st.floats(10, 90)))
def test_blocks_are_the_fewest_of_two_columns_or_more_and_the_most_even(widths, room):
    widths_array = np.array([widths], dtype=float)
    column = widths_array.max(axis=0) + PRINTER.column_gap
    count = len(widths)
    groups = PRINTER.wrapped(widths_array, count, room)
    best = None
    for parts in range(1, MAX_COLUMN_BLOCKS + 1):
        fitting = [division for division in divisions(count, parts)
                   if all(block_width(column, block) <= room for block in division)]
        if fitting:
            best = min(max(block_width(column, block) for block in division) for division in fitting)
            break
    if best is None:  # more than MAX_COLUMN_BLOCKS blocks, or none at all
        if groups is None:
            return
        assert len(groups) > MAX_COLUMN_BLOCKS
    else:
        assert groups is not None and len(groups) == parts
        assert max(block_width(column, range(g[0], g[-1] + 1)) for g in groups) == best
    assert [i for group in groups for i in group] == list(range(count))
    assert all(len(group) >= 2 and block_width(column, range(group[0], group[-1] + 1)) <= room
               for group in groups)


def test_a_column_too_wide_for_either_neighbour_leaves_no_division():
    widths = np.array([[3, 3, 3, 40, 3, 3, 3]], dtype=float)
    assert PRINTER.wrapped(widths, 7, 30) is None


@settings(max_examples=40, deadline=None)
@given(size=st.integers(1, 150), width=st.floats(1, 400), form=st.sampled_from(["latex", "text"]))
def test_a_long_polynomial_is_too_wide_exactly_when_its_whole_text_is(size, width, form):
    """ArrangingPrinter.wider_than measures a long polynomial's first terms before the whole:
    the answer is the whole text's, for the LaTeX and the text printer."""
    from symconv.core.poly import Poly, Symbol
    from symconv.render.latex import LatexPrinter
    from symconv.core.tensors import Role, Tensor

    x = Tensor("X", (12, 13), Role.INPUT, rank=1, leading_axes=("n", "c"))
    w = Tensor("W", (3, 3), Role.WEIGHT, rank=2, leading_axes=("f", "c"))
    poly = Poly({(Symbol(x, i % x.size), Symbol(w, i % 9)): (-1) ** i * (i % 4 + 1) for i in range(size)})
    printer = LatexPrinter() if form == "latex" else TextDocumentPrinter()
    assert printer.wider_than(poly, width) == (printer.cell_width(poly, False) > width)
