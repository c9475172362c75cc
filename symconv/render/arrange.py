"""Fitting the vocabulary to a page: what every document printer does with its own measurements.

A printer says how wide a node is in its format (:meth:`ArrangingPrinter.measure`,
:meth:`ArrangingPrinter.cell_width`) and how wide its line is (``line_width``); the decisions made
here follow from those numbers alone, so a printer never needs a fudge factor and every format
fits its own page:

- a matrix shows at most :data:`MAX_ROWS` rows (in every format) and as many columns as fit the
  format's line; ``⋮`` and ``⋯`` stand for the rest;
- a whole tensor (:class:`~symconv.document.TensorView`) is one matrix, a wide one wrapped into
  blocks of whole columns, slices over its batch and channel axes (each slice whole, wrapped the
  same way), or, when its entries are too long to stand side by side, a list of entries (the
  first of every slice);
- a gallery puts as many items on a row as its ``columns`` asks and the line holds;
- an equation breaks between its sides and at the ``+`` of a long sum.
"""

from __future__ import annotations

from contextlib import contextmanager
from math import prod
from typing import Any, Callable

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
    return any(type(atom) is not Symbol and _has_stack(atom.notation())
               for monomial in value.terms for atom in monomial)


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
        coefficient: Any
        for monomial, coefficient in side.sorted_terms():
            if not tokens:  # a leading minus stays with its term: "= -x + y", not "= - x + y"
                tokens.append(("", Poly({monomial: coefficient})))
                continue
            tokens.append(("-" if coefficient < 0 else "+", Poly({monomial: abs(coefficient)})))
        return tokens
    return [("", side)]


def text_operator(operator: str) -> int:
    """The width of `` + `` or `` = `` in characters: the sign and a space on each side."""
    return len(operator) + 2


def break_equation(equation: Equation, measure: Callable[[object], float], width: float,
                   operator: Callable[[str], float] = text_operator,
                   indent: float = 4) -> list[list[tuple[str, object]]]:
    """Lines of (operator, piece) tokens; the first token of a continuation line carries the
    ``=`` or ``+`` it starts with. Greedy: a line takes tokens while they fit in ``width``;
    ``operator(sign)`` is a sign's width with its spacing, ``indent`` a continuation line's."""
    lines: list[list[tuple[str, object]]] = [[]]
    used: float = 0
    equals = operator("=")
    for number, side in enumerate(equation.sides):
        tokens = split_side(side)
        costs = [measure(piece) + (operator(sign) if sign else 0) for sign, piece in tokens]
        # A side that fits on a line of its own starts one rather than being split.
        if (number and lines[-1] and used + sum(costs) + equals > width
                and indent + equals + sum(costs) <= width):
            lines.append([])
            used = indent
        for position, ((sign, piece), cost) in enumerate(zip(tokens, costs)):
            if number and position == 0:
                sign = "=" if sign == "" else "= " + sign
                cost += equals
            if lines[-1] and used + cost > width:
                lines.append([])
                used = indent
            lines[-1].append((sign, piece))
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
    indent: float = 4  # of an equation's continuation lines
    column_gap: float = 2  # between matrix columns
    bracket_width: float = 4  # both brackets of a matrix
    ellipsis_width: float = 3  # a ⋯ column
    gallery_gap: float = 4
    gallery_width: float = 98
    # Rows of a matrix shown whole that one page holds (None: the page scrolls); a taller one is
    # cut into bands of rows, as a display cannot break across pages.
    page_rows: int | None = None

    def measure(self, node) -> float:
        raise NotImplementedError

    def operator_width(self, sign: str) -> float:
        """`` + `` or `` = `` between the pieces of an equation, with its spacing."""
        return text_operator(sign)

    @property
    def matrix_width(self) -> float:
        """How wide a matrix may be: it may have to stand on a continuation line of an equation."""
        return self.line_width

    @contextmanager
    def narrower(self, amount: float):
        """While printing something set beside ``amount`` of other math (a label), matrices have
        that much less room."""
        self.__dict__["_taken"] = self.taken + amount
        try:
            yield
        finally:
            self.__dict__["_taken"] = self.taken - amount

    @property
    def taken(self) -> float:
        return self.__dict__.get("_taken", 0.0)

    def equation_lines(self, equation: Equation, width: float | None = None):
        return break_equation(equation, self.measure, self.line_width if width is None else width,
                              self.operator_width, self.indent)

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
    def cell_widths(self, array: np.ndarray, marked: bool = False, rows: int = MAX_ROWS) -> np.ndarray:
        grid = as_grid(array)[:rows]
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
                                     grid.shape[0], self.matrix_width - self.taken, self.column_gap,
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

    def column_blocks(self, array: np.ndarray, slice_label: str = "",
                      whole: bool = False) -> list | None:
        """A result matrix too wide for a line, wrapped into the fewest blocks of whole columns
        that fit, as even in width as they can be (every entry is shown; only rows beyond
        :data:`MAX_ROWS` are cut, and blocks beyond :data:`MAX_COLUMN_BLOCKS`, unless the matrix
        is to be shown ``whole``). None when that takes a block per column: such a tensor reads
        better entry by entry (a ``whole`` matrix is wrapped all the same). ``slice_label``
        (``n = 0, c = 1``): the matrix is that slice, labelled so beside it, and each block
        ``n = 0, c = 1, columns 1–2``."""
        grid = as_grid(array)
        count = grid.shape[1]
        if whole:  # every row is shown: the widest cell of each column, over all of them
            widths = self.cell_widths(grid, rows=grid.shape[0]).max(axis=0, keepdims=True)
            rows = grid.shape[0]
        else:
            widths = self.cell_widths(grid)
            rows = min(grid.shape[0], MAX_ROWS)
        room_whole = self.matrix_width - (self.label_width(slice_label) if slice_label else 0)
        if self.fits(widths, list(range(count)), room_whole):
            if not whole:
                matrix = self.fitted(Matrix(array))
                return [Labeled(slice_label, matrix) if slice_label else matrix]
            bands = self.row_bands(grid, whole)
            if len(bands) == 1:
                matrix = Matrix(array, frozenset(), rows, count)
                return [Labeled(slice_label, matrix) if slice_label else matrix]
            return [Labeled(f"{slice_label}, {label[:-2]}" if slice_label else label[:-2],
                            Matrix(band, frozenset(), band.shape[0], count))
                    for label, band in bands]
        prefix = f"{slice_label}, " if slice_label else ""
        room = self.matrix_width - self.label_width(f"{prefix}columns {count}–{count}")
        groups: list[list[int]] = []
        while sum(map(len, groups)) < count:  # greedy: as many columns as fit, block by block
            start = sum(map(len, groups))
            stop = start + 1
            while stop < count and self.fits(widths, list(range(start, stop + 1)), room):
                stop += 1
            groups.append(list(range(start, stop)))
        if len(groups) == count and not whole:
            return None
        if len(groups) <= MAX_COLUMN_BLOCKS:
            groups = self.balanced(widths, count, len(groups))
        if rows < grid.shape[0]:
            self.note_cut()
        shown = groups if whole else groups[:MAX_COLUMN_BLOCKS]
        blocks: list = []
        for band_label, band in self.row_bands(grid, whole):
            for group in shown:
                start, stop = group[0] + 1, group[-1] + 1
                label = f"column {start}" if start == stop else f"columns {start}–{stop}"
                blocks.append(Labeled(prefix + band_label + label,
                                      Matrix(band[:, start - 1:stop], frozenset(),
                                             min(rows, band.shape[0]), len(group))))
        if len(shown) < len(groups):
            self.note_cut()
            blocks.append(Labeled(f"{prefix}columns {groups[MAX_COLUMN_BLOCKS][0] + 1}–{count}",
                                  "left out; they follow the same pattern"))
        return blocks

    def row_bands(self, grid: np.ndarray, whole: bool) -> list[tuple[str, np.ndarray]]:
        """A ``whole`` matrix taller than a page in bands of :attr:`page_rows` rows, each with its
        label (``rows 1–32, ``); else the matrix itself, unlabelled."""
        if not whole or self.page_rows is None or grid.shape[0] <= self.page_rows:
            return [("", grid)]
        size, count = self.page_rows, grid.shape[0]
        return [(f"rows {start + 1}–{min(start + size, count)}, ", grid[start:start + size])
                for start in range(0, count, size)]

    def balanced(self, widths: np.ndarray, count: int, parts: int) -> list[list[int]]:
        """``count`` columns in ``parts`` consecutive blocks whose widest is as narrow as it can
        be (so no block is left with one thin column when the others could share)."""
        column = widths[:MAX_ROWS].max(axis=0) + self.column_gap

        def span(start: int, stop: int) -> float:
            return float(column[start:stop].sum())

        best: dict[tuple[int, int], tuple[float, list[int]]] = {}  # (columns, parts) -> (widest, cuts)
        for end in range(1, count + 1):
            best[end, 1] = (span(0, end), [])
        for k in range(2, parts + 1):
            for end in range(k, count + 1):
                best[end, k] = min(((max(best[cut, k - 1][0], span(cut, end)),
                                     best[cut, k - 1][1] + [cut]) for cut in range(k - 1, end)),
                                   key=lambda option: option[0])
        cuts = [0, *best[count, parts][1], count]
        return [list(range(a, b)) for a, b in zip(cuts, cuts[1:])]

    def fits(self, widths: np.ndarray, columns: list[int], room: float) -> bool:
        """Whether these columns of a matrix fit ``room`` side by side."""
        shown = shown_window(widths[:, columns], widths.shape[0], room, self.column_gap,
                             self.bracket_width, self.ellipsis_width)[1]
        return shown == len(columns)

    def label_width(self, label: str) -> float:
        """The room a label takes beside a matrix (``columns 3–4: ``); none where a label too
        wide to sit beside its matrix goes above it instead (text)."""
        return 0.0

    # -- whole tensors -------------------------------------------------------------------------------
    def too_long(self, array: np.ndarray) -> bool:
        """Whether some entry is too long (or too tall) to sit in a matrix next to others."""
        shown = array.reshape(-1)[:MAX_ROWS * as_grid(array).shape[-1]]  # what a matrix would show
        # the entries of most terms first: one too long is enough to know
        likely_first = sorted(shown, key=lambda value: -len(value.terms) if isinstance(value, Poly) else 0)
        return (any(self.cell_width(value, False) > self.line_width * 3 // 4 for value in likely_first)
                or any(is_tall(value) for value in shown))

    def arrange(self, view: TensorView) -> list:
        """The blocks that show a whole tensor on this printer's page."""
        label = view.label if view.label is not None else (
            Derivative(view.gradient_of, view.tensor) if view.gradient_of else Formula(view.tensor.name))
        if self.too_long(view.array):
            return self.entry_list(label, view)
        if not view.axes:
            blocks = self.column_blocks(view.array, whole=view.whole)
            if blocks is None:
                return self.entry_list(label, view)
            if view.label is None:
                return [Display(tuple(blocks))]
            if len(blocks) == 1:
                return [Display((Equation((view.label, blocks[0])),))]
            tall = len(self.row_bands(as_grid(view.array), view.whole)) > 1
            words = (" is too tall for one page; here it is in blocks of rows:" if tall else
                     " is too wide for one line; here it is in blocks of columns:")
            return [Paragraph((view.label, words)), Display(tuple(blocks))]
        items = self.slices(view)
        if items is None:
            return self.entry_list(label, view)
        gallery = [Gallery(tuple(items)), *self.slices_note(view)]
        if view.label is None:
            return gallery
        return [Paragraph((view.label, f" ({shape_text(view.array.shape)}), slice by slice over"
                           f" ({', '.join(view.axes)}):")), *gallery]

    def slice_labels(self, view: TensorView) -> list[tuple[tuple[int, ...], str]]:
        """The first :data:`MAX_SLICES` slices over the leading axes: (index, ``n = 0, c = 1``)."""
        labelled = []
        for number, index in enumerate(np.ndindex(*view.array.shape[:len(view.axes)])):
            if number == MAX_SLICES:
                break
            labelled.append((index, ", ".join(f"{a} = {i + view.label_base}"
                                              for a, i in zip(view.axes, index))))
        return labelled

    def slices(self, view: TensorView) -> list | None:
        """Each slice whole: one matrix, or blocks of whole columns when it is too wide (never cut
        with ⋯, as a tensor without slices); None when a slice would take a block per column (the
        tensor then reads better entry by entry)."""
        items: list = []
        for index, label in self.slice_labels(view):
            blocks = self.column_blocks(view.array[index], label)
            if blocks is None:
                return None
            items += blocks
        return items

    def slices_note(self, view: TensorView) -> list:
        count = prod(view.array.shape[:len(view.axes)])
        if count <= MAX_SLICES:
            return []
        return [Paragraph((f"(The first {MAX_SLICES} of the {count} slices of {view.tensor.name}"
                           " are shown; the others are formed the same way.)",))]

    def entry_list(self, label, view: TensorView) -> list:
        """The entries one per line: the first :data:`MAX_LISTED_ENTRIES` of each slice (of the
        first :data:`MAX_SLICES`), so every slice a matrix would show is listed too; all of them
        when the view is to be shown ``whole``."""
        values = view.array.reshape(-1)
        per_slice = prod(view.array.shape[len(view.axes):])
        listed = per_slice if view.whole else MAX_LISTED_ENTRIES
        starts = [int(np.ravel_multi_index(index, view.array.shape[:len(view.axes)])) * per_slice
                  for index, _ in self.slice_labels(view)] if view.axes else [0]
        shown = [flat for start in starts for flat in range(start, start + min(per_slice, listed))]

        def name(flat: int):
            symbol = Symbol(view.tensor, flat)
            return Derivative(view.gradient_of, symbol) if view.gradient_of else symbol

        blocks: list = [Paragraph((label, f" ({shape_text(view.array.shape)}) has entries too long"
                                   " for a matrix; entry by entry:",)),
                        Display(tuple(equation(name(flat), values[flat]) for flat in shown))]
        if per_slice > listed:
            where = " of each slice" if view.axes else ""
            blocks.append(Paragraph((f"(The first {MAX_LISTED_ENTRIES} of the {per_slice} entries"
                                     f"{where} are listed.)",)))
        return blocks + (self.slices_note(view) if view.axes else [])

    # -- the document -------------------------------------------------------------------------------
    def blocks(self, document: Document) -> list[str]:
        """Every block of the document printed, in order. The sections are printed first, so the
        introduction can say whether a large matrix was cut anywhere."""
        body = [text for section in document.sections for block in section.blocks
                if (text := self.doprint(block))]  # a format may draw no picture: nothing then
        introduction = [self.doprint(block) for block in document.introduction]
        if self.cut:
            introduction.append(self.doprint(Paragraph((
                f"Large matrices show their first {MAX_ROWS} rows at most and as many columns as fit"
                " the line; ⋮ and ⋯ stand for the rest, which follow the same pattern.",))))
        return introduction + body

    # -- galleries -----------------------------------------------------------------------------------
    def gallery_rows(self, node: Gallery, widths: list[float]) -> list[list[int]]:
        """Item positions per row. A gallery with ``columns`` is a grid (receptive fields laid out
        like the outputs): each of its rows stays a row, or is split into the fewest equal parts
        that fit ``gallery_width``; without ``columns``, as many items as fit."""
        if node.columns is None:
            return self.packed(list(range(len(widths))), widths)
        rows: list[list[int]] = []
        for start in range(0, len(widths), node.columns):
            row = list(range(start, min(start + node.columns, len(widths))))
            parts = 1
            while parts < len(row) and any(self.too_wide(part, widths)
                                           for part in split_evenly(row, parts)):
                parts += 1
            rows += split_evenly(row, parts)
        return rows

    def too_wide(self, positions: list[int], widths: list[float]) -> bool:
        return (sum(widths[i] for i in positions) + self.gallery_gap * (len(positions) - 1)
                > self.gallery_width)

    def packed(self, positions: list[int], widths: list[float]) -> list[list[int]]:
        """As many items on a row as fit ``gallery_width``."""
        rows: list[list[int]] = []
        current: list[int] = []
        used: float = 0
        for position in positions:
            width = widths[position]
            if current and used + width + self.gallery_gap > self.gallery_width:
                rows.append(current)
                current, used = [], 0
            current.append(position)
            used += width + self.gallery_gap
        return rows + ([current] if current else [])


def split_evenly(items: list, parts: int) -> list[list]:
    """``items`` in ``parts`` consecutive pieces whose lengths differ by at most one (longer first)."""
    size, extra = divmod(len(items), parts)
    pieces, start = [], 0
    for part in range(parts):
        stop = start + size + (1 if part < extra else 0)
        pieces.append(items[start:stop])
        start = stop
    return pieces
