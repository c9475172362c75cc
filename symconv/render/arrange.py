"""Fitting the vocabulary to a page: what every document printer does with its own measurements.

A printer says how wide a node is in its format (:meth:`ArrangingPrinter.measure`,
:meth:`ArrangingPrinter.cell_width`) and how wide its line is (``line_width``); the decisions made
here follow from those numbers alone, so a printer never needs a fudge factor and every format
fits its own page:

- a matrix shows at most :data:`MAX_ROWS` rows (in every format) and as many columns as fit the
  format's line; ``⋮`` and ``⋯`` stand for the rest;
- a whole tensor (:class:`~symconv.document.TensorView`) is one matrix, a wide one wrapped into
  blocks of whole columns, slices over its batch and channel axes, or, when its entries are too long
  to stand side by side, a list of entries;
- a gallery puts as many items on a row as its ``columns`` asks and the line holds;
- an equation breaks between its sides and at the ``+`` of a long sum.
"""

from __future__ import annotations

from math import prod
from typing import Callable

import numpy as np

from ..document import (Derivative, Display, Document, Equation, Formula, Gallery, Labeled, Matrix, Paragraph,
                        Power, Quotient, Sum, TensorView, Truncated, equation)
from ..poly import Poly, Symbol
from ..wording import shape_text
from .printer import Printer

MAX_ROWS = 16  # rows of a matrix shown, in every format
MAX_COLUMN_BLOCKS = 4  # blocks of columns a wide matrix is wrapped into
MAX_LISTED_ENTRIES = 32  # entries listed one per line when they are too long for a matrix
MAX_SLICES = 6  # 2-D slices of a tensor with batch or channel axes


def as_grid(array: np.ndarray) -> np.ndarray:
    """A 1-D array as one row; 2-D arrays as they are."""
    return array.reshape(1, -1) if array.ndim == 1 else array


def is_tall(value) -> bool:
    """Whether a value typesets taller than a line (a root under a fraction power, a stacked
    fraction): such entries are listed, never set in a matrix cell, in every format."""
    if not isinstance(value, Poly):
        return False
    atoms = {atom for monomial in value.terms for atom in monomial if not isinstance(atom, Symbol)}
    return any(_has_stack(atom.notation()) for atom in atoms)


def _has_stack(node) -> bool:
    if isinstance(node, (Power, Quotient)):
        return True
    return isinstance(node, tuple) and any(_has_stack(part) for part in node)


# -- breaking long equations ---------------------------------------------------------------------


def split_side(side) -> list[tuple[str, object]]:
    """A side as (operator, piece) tokens: a :class:`Sum` or :class:`Poly` splits at its signs."""
    if isinstance(side, Truncated):
        return split_side(side.shown) + [("+", side.rest)]
    if isinstance(side, Sum) and side.terms:
        return [("", side.terms[0])] + [("+", t) for t in side.terms[1:]]
    if isinstance(side, Poly) and len(side.terms) > 1:
        tokens: list[tuple[str, object]] = []
        for monomial, coefficient in side.sorted_terms():
            if not tokens:  # a leading minus stays with its term: "= -x + y", not "= - x + y"
                tokens.append(("", Poly({monomial: coefficient})))
                continue
            tokens.append(("-" if coefficient < 0 else "+", Poly({monomial: abs(coefficient)})))
        return tokens
    return [("", side)]


def break_equation(equation: Equation, measure: Callable[[object], float],
                   width: float) -> list[list[tuple[str, object]]]:
    """Lines of (operator, piece) tokens; the first token of a continuation line carries the
    ``=`` or ``+`` it starts with. Greedy: a line takes tokens while they fit in ``width``."""
    lines: list[list[tuple[str, object]]] = [[]]
    used: float = 0
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


def shown_window(cell_widths: np.ndarray, rows: int, width: float, gap: float, brackets: float,
                 ellipsis: float) -> tuple[int, int]:
    """Rows and columns of a matrix to show so that it fits ``width``; at least one of each.

    ``cell_widths`` holds the widths of (at most :data:`MAX_ROWS` of) the ``rows`` rows; columns
    are ``gap`` apart, the brackets take ``brackets`` and a ⋯ column ``ellipsis``.
    """
    columns = cell_widths.shape[1]
    column_widths = cell_widths[:MAX_ROWS].max(axis=0)
    shown, used = 0, brackets
    for w in column_widths:
        extra = w + gap + (ellipsis if shown + 1 < columns else 0)
        if shown and used + extra > width:
            break
        used += w + gap
        shown += 1
    return min(rows, MAX_ROWS), shown


class ArrangingPrinter(Printer):
    """A document printer: measures its nodes and fits matrices, tensors and galleries to its line.

    Subclasses give ``line_width``, :meth:`measure`, :meth:`cell_width` and the matrix gaps.
    """

    line_width: float = 90
    column_gap: float = 2  # between matrix columns
    bracket_width: float = 4  # both brackets of a matrix
    ellipsis_width: float = 3  # a ⋯ column
    gallery_gap: float = 4
    gallery_width: float = 98

    def measure(self, node) -> float:
        raise NotImplementedError

    def cell_width(self, value, marked: bool) -> float:
        """The width of one matrix cell (a marked cell is boxed)."""
        raise NotImplementedError

    @property
    def cut(self) -> bool:
        """Whether some matrix was cut so far (the document then says how)."""
        return bool(self.__dict__.get("_cut"))

    def note_cut(self) -> None:
        self.__dict__["_cut"] = True

    # -- matrices --------------------------------------------------------------------------------
    def cell_widths(self, array: np.ndarray, marked: bool = False) -> np.ndarray:
        grid = as_grid(array)[:MAX_ROWS]
        widths = np.zeros(grid.shape)
        for index, value in np.ndenumerate(grid):
            widths[index] = self.cell_width(value, marked)
        return widths

    def fitted(self, matrix: Matrix) -> Matrix:
        """The matrix with the rows and columns that fit this printer's line."""
        if matrix.rows is not None or matrix.columns is not None:
            return matrix
        grid = as_grid(matrix.array)
        rows, columns = shown_window(self.cell_widths(matrix.array, bool(matrix.marked)),
                                     grid.shape[0], self.line_width, self.column_gap,
                                     self.bracket_width, self.ellipsis_width)
        if rows < grid.shape[0] or columns < grid.shape[1]:
            self.note_cut()
            return matrix._replace(rows=rows, columns=columns)
        return matrix._replace(rows=grid.shape[0], columns=grid.shape[1])

    def fit_all(self, node):
        """The node with every matrix in it fitted to this printer's line (for measuring)."""
        if isinstance(node, Matrix):
            return self.fitted(node)
        if isinstance(node, tuple) and hasattr(node, "_fields"):
            return type(node)(*[self.fit_all(part) for part in node])
        if isinstance(node, tuple):
            return tuple(self.fit_all(part) for part in node)
        return node

    def column_blocks(self, array: np.ndarray) -> list:
        """A result matrix too wide for a line, wrapped into blocks of whole columns (every entry is
        shown; only rows beyond :data:`MAX_ROWS` are cut)."""
        grid = as_grid(array)
        widths = self.cell_widths(grid)
        blocks: list = []
        start = 0
        while start < grid.shape[1]:
            if len(blocks) == MAX_COLUMN_BLOCKS:
                self.note_cut()
                blocks.append(Labeled(f"columns {start + 1}–{grid.shape[1]}",
                                      "left out; they follow the same pattern"))
                break
            rows, columns = shown_window(widths[:, start:], grid.shape[0], self.line_width,
                                         self.column_gap, self.bracket_width, self.ellipsis_width)
            if start == 0 and columns == grid.shape[1]:
                return [self.fitted(Matrix(array))]
            stop = start + columns
            if rows < grid.shape[0]:
                self.note_cut()
            label = f"column {start + 1}" if columns == 1 else f"columns {start + 1}–{stop}"
            blocks.append(Labeled(label, Matrix(grid[:, start:stop], frozenset(), rows, columns)))
            start = stop
        return blocks

    # -- whole tensors -------------------------------------------------------------------------------
    def too_long(self, array: np.ndarray) -> bool:
        """Whether some entry is too long (or too tall) to sit in a matrix next to others."""
        shown = array.reshape(-1)[:MAX_ROWS * as_grid(array).shape[-1]]  # what a matrix would show
        return (any(is_tall(value) for value in shown)
                or max((self.cell_width(value, False) for value in shown), default=0)
                > self.line_width * 3 // 4)

    def arrange(self, view: TensorView) -> list:
        """The blocks that show a whole tensor on this printer's page."""
        label = view.label if view.label is not None else Formula(view.tensor.name)
        if self.too_long(view.array):
            return self.entry_list(label, view)
        if not view.axes:
            blocks = self.column_blocks(view.array)
            if view.label is None:
                return [Display(tuple(blocks))]
            if len(blocks) == 1:
                return [Display((Equation((view.label, blocks[0])),))]
            return [Paragraph((view.label, " is too wide for one line; here it is in blocks of"
                               " columns:")), Display(tuple(blocks))]
        gallery = [Gallery(tuple(self.slices(view))), *self.slices_note(view)]
        if view.label is None:
            return gallery
        return [Paragraph((view.label, f" ({shape_text(view.array.shape)}), slice by slice over"
                           f" ({', '.join(view.axes)}):")), *gallery]

    def slices(self, view: TensorView) -> list:
        items = []
        for number, index in enumerate(np.ndindex(*view.array.shape[:len(view.axes)])):
            if number == MAX_SLICES:
                break
            label = ", ".join(f"{a} = {i + view.tensor.index_base}" for a, i in zip(view.axes, index))
            items.append(Labeled(label, Matrix(view.array[index])))
        return items

    def slices_note(self, view: TensorView) -> list:
        count = prod(view.array.shape[:len(view.axes)])
        if count <= MAX_SLICES:
            return []
        return [Paragraph((f"(The first {MAX_SLICES} of the {count} slices of {view.tensor.name}"
                           " are shown; the others are formed the same way.)",))]

    def entry_list(self, label, view: TensorView) -> list:
        values = view.array.reshape(-1)
        shown = min(len(values), MAX_LISTED_ENTRIES)

        def name(flat: int):
            symbol = Symbol(view.tensor, flat)
            return Derivative(view.gradient_of, symbol) if view.gradient_of else symbol

        blocks: list = [Paragraph((label, f" ({shape_text(view.array.shape)}) has entries too long"
                                   " for a matrix; entry by entry:",)),
                        Display(tuple(equation(name(flat), values[flat]) for flat in range(shown)))]
        if shown < len(values):
            blocks.append(Paragraph((f"(The first {shown} of the {len(values)} entries are"
                                     " listed.)",)))
        return blocks

    # -- the document -------------------------------------------------------------------------------
    def blocks(self, document: Document) -> list[str]:
        """Every block of the document printed, in order. The sections are printed first, so the
        introduction can say whether a large matrix was cut anywhere."""
        body = [self.doprint(block) for section in document.sections for block in section.blocks]
        introduction = [self.doprint(block) for block in document.introduction]
        if self.cut:
            introduction.append(self.doprint(Paragraph((
                f"Large matrices show their first {MAX_ROWS} rows at most and as many columns as fit"
                " the line; ⋮ and ⋯ stand for the rest, which follow the same pattern.",))))
        return introduction + body

    # -- galleries -----------------------------------------------------------------------------------
    def gallery_rows(self, node: Gallery, widths: list[float]) -> list[list[int]]:
        """Item positions per row: as many as ``columns`` asks and ``gallery_width`` holds."""
        rows: list[list[int]] = []
        current: list[int] = []
        used: float = 0
        for position, width in enumerate(widths):
            full = node.columns is not None and len(current) == node.columns
            if current and (full or used + width + self.gallery_gap > self.gallery_width):
                rows.append(current)
                current, used = [], 0
            current.append(position)
            used += width + self.gallery_gap
        return rows + ([current] if current else [])
