"""The pieces a worked solution is made of, as data: math nodes and document blocks.

:mod:`symconv.render.layout` turns the solution's sections into these; each output format
(LaTeX, Markdown, text) is a printer with one ``_print_<Class>`` method per node, so every format
says the same thing in the same order. Line breaking is decided here, once, from widths measured
by the text printer, so long sums break at the same ``+`` in every format.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

from ..poly import Poly

# -- math -------------------------------------------------------------------------------------------


class Derivative(NamedTuple):
    """∂top/∂bottom: ``top`` is the loss name or an output entry, ``bottom`` an entry or a
    whole tensor (then only its name is written)."""

    top: object  # str | Symbol
    bottom: object  # Symbol | Tensor


class Formula(NamedTuple):
    """Math we write ourselves in Unicode notation (``O = ⌊(I − K + 2P)/S⌋ + 1``); printers map
    the few special characters (⌊ ⌋ · − × ⊙ …) to their format."""

    text: str


class Product(NamedTuple):
    """Factors written side by side (``A_{11}W_{11}``; ``∂E/∂C_{11} ∂C_{11}/∂A_{12}``)."""

    factors: tuple


class Sum(NamedTuple):
    """Terms joined by ``+`` in the given order (a forward sum, a chain-rule sum)."""

    terms: tuple


class Matrix(NamedTuple):
    """A 1-D or 2-D object array of numbers, symbols or polynomials; ``marked`` flat positions are
    highlighted. ``rows``/``columns`` say how many are shown (the rest become ⋮ / ⋯)."""

    array: np.ndarray
    marked: frozenset = frozenset()
    rows: int | None = None
    columns: int | None = None


class Hadamard(NamedTuple):
    """``left ⊙ right`` (a receptive field times the kernel, or times an upstream entry)."""

    left: object
    right: object


class Labeled(NamedTuple):
    """``label: value``; the label is words (``n = 0, c = 1``: one slice of a 4-D tensor) or math."""

    label: object
    value: object


class Concat(NamedTuple):
    """Math pieces written one after the other (``Y_{0,0,1,1}`` then ``, c = 0``)."""

    parts: tuple


class Call(NamedTuple):
    """``name(arg, arg, …)``: ``max(C_{11}, C_{12}, …)`` of max pooling."""

    name: str
    args: tuple


class Group(NamedTuple):
    """Math in parentheses: ``1/4·(y_{00} + y_{01} + …)``."""

    inner: object


class Root(NamedTuple):
    """LP pooling's ``(Σ x^p / N)^(1/p)`` over a window: ``power_sum`` is Σ x^p as a polynomial,
    ``divisor`` N (1 for ``normalize = "sum"``)."""

    power_sum: object
    divisor: int
    p: int


class Truncated(NamedTuple):
    """The first terms of a long sum, then ``+ ⋯ (total terms in all)``."""

    shown: object  # a Sum or a Poly
    total: int

    @property
    def rest(self) -> str:
        return f"⋯ ({self.total} terms in all)"


class Equation(NamedTuple):
    """``sides[0] = sides[1] = …``; long sides break at their ``+``."""

    sides: tuple


# -- blocks -----------------------------------------------------------------------------------------


class Heading(NamedTuple):
    """A section heading: words, or a tuple of words and inline math."""

    text: str | tuple
    level: int = 1

    @property
    def parts(self) -> tuple:
        return self.text if isinstance(self.text, tuple) else (self.text,)


class Paragraph(NamedTuple):
    """Words and inline math: ``parts`` are ``str`` (words) or math nodes."""

    parts: tuple


class Display(NamedTuple):
    """One display equation (or piece of math) per row, unnumbered."""

    rows: tuple


class Numbered(NamedTuple):
    """A display equation with its number, like the homework's (1) … (25)."""

    math: object
    number: int


class Gallery(NamedTuple):
    """Math items set side by side, as many per line as fit (the handout's receptive fields)."""

    items: tuple


class Document(NamedTuple):
    title: str
    blocks: tuple


# -- breaking long equations ---------------------------------------------------------------------

LINE_WIDTH = 90  # measured in text-printer characters; a little under a 100-column terminal


def split_side(side) -> list[tuple[str, object]]:
    """A side as (operator, piece) tokens: a :class:`Sum` or :class:`Poly` splits at its signs."""
    if isinstance(side, Truncated):
        return split_side(side.shown) + [("+", side.rest)]
    if isinstance(side, Sum) and side.terms:
        return [("", side.terms[0])] + [("+", t) for t in side.terms[1:]]
    if isinstance(side, Poly) and len(side.terms) > 1:
        tokens = []
        for monomial, coefficient in side.sorted_terms():
            if not tokens:  # a leading minus stays with its term: "= -x + y", not "= - x + y"
                tokens.append(("", Poly({monomial: coefficient})))
                continue
            tokens.append(("-" if coefficient < 0 else "+", Poly({monomial: abs(coefficient)})))
        return tokens
    return [("", side)]


def break_equation(equation: Equation, measure: Callable[[object], int],
                   width: int = LINE_WIDTH) -> list[list[tuple[str, object]]]:
    """Lines of (operator, piece) tokens; the first token of a continuation line carries the
    ``=`` or ``+`` it starts with. Greedy: a line takes tokens while they fit in ``width``."""
    lines: list[list[tuple[str, object]]] = [[]]
    used = 0
    for number, side in enumerate(equation.sides):
        tokens = split_side(side)
        costs = [measure(piece) + (len(operator) + 2 if operator else 0) for operator, piece in tokens]
        # A side that fits on a line of its own starts one rather than being split.
        if number and lines[-1] and used + sum(costs) + 3 > width and sum(costs) + 7 <= width:
            lines.append([])
            used = 4  # continuation indent
        for position, ((operator, piece), cost) in enumerate(zip(tokens, costs)):
            if number and position == 0:
                operator = "=" if operator == "" else "= " + operator
                cost += 3
            if lines[-1] and used + cost > width:
                lines.append([])
                used = 4
            lines[-1].append((operator, piece))
            used += cost
    return lines


# -- which part of a big matrix to show ------------------------------------------------------------

MAX_ROWS = 16


def shown_window(cell_widths: np.ndarray, rows: int, width: int = LINE_WIDTH) -> tuple[int, int]:
    """Rows and columns of a matrix to show so that it fits ``width`` text columns; at least one.

    ``cell_widths`` holds the printed widths of (at most :data:`MAX_ROWS` of) the ``rows`` rows;
    columns are 2 characters apart.
    """
    columns = cell_widths.shape[1]
    column_widths = cell_widths[:MAX_ROWS].max(axis=0)
    shown, used = 0, 4  # brackets
    for w in column_widths:
        extra = w + 2 + (3 if shown + 1 < columns else 0)  # room for a ⋯ column
        if shown and used + extra > width:
            break
        used += w + 2
        shown += 1
    return min(rows, MAX_ROWS), shown


def as_grid(array: np.ndarray) -> np.ndarray:
    """A 1-D array as one row; 2-D arrays as they are."""
    return array.reshape(1, -1) if array.ndim == 1 else array
