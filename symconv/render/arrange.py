"""Fitting the vocabulary to a page: what every document printer does with its own measurements.

A printer says how wide a node is in its format (:meth:`ArrangingPrinter.measure`,
:meth:`ArrangingPrinter.cell_width`) and how wide its line is (``line_width``); the decisions made
here follow from those numbers alone, so a printer never needs a fudge factor and every format
fits its own page:

- a matrix shows at most :data:`MAX_ROWS` rows (in every format) and as many columns as fit the
  format's line; ``⋮`` and ``⋯`` stand for the rest;
- a whole tensor (:class:`~symconv.core.document.TensorView`) is one matrix, a wide one wrapped into
  blocks of two or more whole columns (never one of six columns or fewer), slices over its batch
  and channel axes (each slice whole, wrapped the same way), or, when its entries are too long to
  stand side by side, a list of entries (the first of every slice);
- a gallery laid out as a grid (``columns``) keeps one grid row to a line, set smaller when it must
  (never smaller than its text stays readable), else cuts every row into the same equal pieces;
  another puts as many items on a line as fit;
- an equation breaks between its sides and at the ``+`` of a long sum.
"""

from __future__ import annotations

from math import prod
from typing import Any, Callable, Hashable, NamedTuple

import numpy as np

from ..core.document import (MAX_LISTED_ENTRIES, MAX_ROWS, MAX_SLICES, Derivative, Display, Document, Equation, Figure, Formula, Gallery, IndexedSum,
                        Labeled, Matrix, Numbered, Paragraph, Power, Quotient, Sum, TensorView, Truncated,
                        equation)
from ..core.poly import Poly, Symbol
from ..core.wording import shape_text
from .printer import Printer

FIRST_MEASURED = 64  # terms of a long polynomial measured before the whole, to find it too wide
MAX_COLUMN_BLOCKS = 4  # blocks of columns a wide matrix is wrapped into
MIN_SPLIT_COLUMNS = 7  # a matrix of fewer columns is never cut into blocks (entry by entry instead)
LEFT_OUT = "left out; they follow the same pattern"  # beside the columns of blocks not shown
# What a document whose matrices are cut says in its introduction, in every format.
CUT_NOTE = Paragraph((f"Large matrices show their first {MAX_ROWS} rows at most and as many columns as"
                      " fit the line; ⋮ and ⋯ stand for the rest, which follow the same pattern.",))


def as_grid(array: np.ndarray) -> np.ndarray:
    """A 1-D array as one row; 2-D arrays as they are."""
    return array.reshape(1, -1) if array.ndim == 1 else array


def is_tall(value: object) -> bool:
    """Whether a value typesets taller than a line (a root under a fraction power, a stacked
    fraction, a Σ with its limits): such entries are listed, never set in a matrix cell, in
    every format."""
    if isinstance(value, IndexedSum):
        return True
    if not isinstance(value, Poly):
        return False
    return any(type(atom) is not Symbol and _has_stack(atom.notation())
               for monomial in value.terms for atom in monomial)


def _has_stack(node: object) -> bool:
    if isinstance(node, (Power, Quotient)):
        return True
    return isinstance(node, tuple) and any(_has_stack(part) for part in node)


# -- breaking long equations ---------------------------------------------------------------------


def split_side(side: object) -> list[tuple[str, object]]:
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


def value_key(node: object) -> Hashable | None:
    """A printed value as a key for what is computed from it (its markup, its width): a
    polynomial, or one cut short, by value; None for a node that has no hashable value (a
    matrix, a sum of polynomials)."""
    if isinstance(node, Truncated) and isinstance(node.shown, Poly):
        return (Truncated, node.shown.key, node.total)
    if isinstance(node, Poly):
        return (Poly, node.key)
    try:
        hash(node)
    except TypeError:
        return None
    return node


def numbered_words(paragraph: Paragraph, number: int | None) -> Paragraph:
    """A numbered result said in words: ``(2) ∂L/∂W (3 × 3) has entries too long for a matrix;
    they are those of (17)–(25).``"""
    return Paragraph((f"({number}) ", *paragraph.parts))


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
    smallest_gallery: float = 1.0  # the smallest size a gallery may be set at (1: never smaller)
    gallery_steps: tuple[float, ...] | None = None  # the sizes it may be set at (None: any)
    # Rows of a matrix shown whole that one page holds (None: the page scrolls); a taller one is
    # cut into bands of rows, as a display cannot break across pages.
    page_rows: int | None = None

    def measure(self, node: object) -> float:
        raise NotImplementedError

    def operator_width(self, sign: str) -> float:
        """`` + `` or `` = `` between the pieces of an equation, with its spacing."""
        return text_operator(sign)

    @property
    def matrix_width(self) -> float:
        """How wide a matrix may be: it may have to stand on a continuation line of an equation."""
        return self.line_width

    def equation_lines(self, equation: Equation,
                       width: float | None = None) -> list[list[tuple[str, object]]]:
        return break_equation(equation, self.measure, self.line_width if width is None else width,
                              self.operator_width, self.indent)

    def term_width(self, piece: object, width_of: Callable[[object], float]) -> float:
        """``width_of(piece)``, remembered when the piece is a term of a long sum (a one-term
        polynomial): the same terms come back in a document's other equations (a ∂L/∂W entry's in
        its chain rule, its listing and the closed form)."""
        if not (isinstance(piece, Poly) and len(piece.terms) == 1):
            return width_of(piece)
        widths: dict[tuple[object, object], float] = self.__dict__.setdefault("_term_widths", {})
        [term] = piece.terms.items()
        if term not in widths:
            widths[term] = width_of(piece)
        return widths[term]

    def cell_width(self, value: object, marked: bool) -> float:
        """The width of one matrix cell (a marked cell is boxed)."""
        raise NotImplementedError

    @property
    def files(self) -> dict[str, str]:
        """The files the document printed last refers to (name -> content): Markdown's pictures
        in files of their own; none in other formats."""
        return self.__dict__.setdefault("_files", {})

    def document_pieces(self, document: Document) -> list[str]:
        """The printed document as pieces whose join is :meth:`doprint`'s text (a format that
        prints a large document in pieces keeps them apart for the caller to write)."""
        return [self.doprint(document)]

    def start_document(self) -> None:
        """Forget the files of the document printed before: a printer prints any number of
        documents, each as if it were the first."""
        self.__dict__.pop("_files", None)

    # -- matrices --------------------------------------------------------------------------------
    def cell_widths(self, array: np.ndarray, marked: bool = False, rows: int = MAX_ROWS) -> np.ndarray:
        grid = as_grid(array)[:rows]
        widths = np.zeros(grid.shape)
        for index, value in np.ndenumerate(grid):
            widths[index] = self.cell_width(value, marked)
        return widths

    def fitted(self, matrix: Matrix, beside: float = 0.0) -> Matrix:
        """The matrix with the rows and columns that fit this printer's line, less ``beside`` (the
        width of what stands beside it: a label)."""
        if matrix.rows is not None or matrix.columns is not None:
            return matrix
        grid = as_grid(matrix.array)
        rows, columns = shown_window(self.cell_widths(matrix.array, bool(matrix.marked)),
                                     grid.shape[0], self.matrix_width - beside, self.column_gap,
                                     self.bracket_width, self.ellipsis_width)
        return matrix._replace(rows=rows, columns=columns)

    def fit_all(self, node: object, beside: float = 0.0) -> object:
        """The node with every matrix in it fitted to this printer's line, less ``beside``
        (:meth:`fitted`) and less the labels set beside it (:meth:`room_beside`), before it is
        measured or printed."""
        if isinstance(node, Matrix):
            return self.fitted(node, beside)
        if isinstance(node, Labeled):
            return node._replace(value=self.fit_all(node.value, beside + self.room_beside(node.label)))
        if isinstance(node, tuple) and hasattr(node, "_fields"):
            # a node of the vocabulary (a NamedTuple) is rebuilt from its fields
            return type(node)(*[self.fit_all(part, beside) for part in node])  # type: ignore[arg-type]
        if isinstance(node, tuple):
            return tuple(self.fit_all(part, beside) for part in node)
        return node

    def column_blocks(self, array: np.ndarray, slice_label: str = "",
                      whole: bool = False) -> list | None:
        """A result matrix too wide for a line, wrapped into the fewest blocks of at least two
        whole columns that fit, as even in width as they can be (every entry is shown; only rows
        beyond :data:`MAX_ROWS` are cut, and blocks beyond :data:`MAX_COLUMN_BLOCKS`, unless the
        matrix is to be shown ``whole``). None when it cannot be: a matrix of fewer than
        :data:`MIN_SPLIT_COLUMNS` columns, or one with a column that fits beside no other, reads
        better entry by entry. ``slice_label`` (``n = 0, c = 1``): the matrix is that slice,
        labelled so beside it, and each block ``n = 0, c = 1, columns 1–2``."""
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
        if count < MIN_SPLIT_COLUMNS:
            return None
        prefix = f"{slice_label}, " if slice_label else ""
        room = self.matrix_width - self.label_width(f"{prefix}columns {count}–{count}")
        groups = self.wrapped(widths, count, room)
        if groups is None:
            return None
        shown = groups if whole else groups[:MAX_COLUMN_BLOCKS]
        blocks: list = []
        for band_label, band in self.row_bands(grid, whole):
            for group in shown:
                start, stop = group[0] + 1, group[-1] + 1
                blocks.append(Labeled(f"{prefix}{band_label}columns {start}–{stop}",
                                      Matrix(band[:, start - 1:stop], frozenset(),
                                             min(rows, band.shape[0]), len(group))))
        if len(shown) < len(groups):
            blocks.append(Labeled(f"{prefix}columns {groups[MAX_COLUMN_BLOCKS][0] + 1}–{count}",
                                  LEFT_OUT))
        return blocks

    def row_bands(self, grid: np.ndarray, whole: bool) -> list[tuple[str, np.ndarray]]:
        """A ``whole`` matrix taller than a page in bands of :attr:`page_rows` rows, each with its
        label (``rows 1–32, ``); else the matrix itself, unlabelled."""
        if not whole or self.page_rows is None or grid.shape[0] <= self.page_rows:
            return [("", grid)]
        size, count = self.page_rows, grid.shape[0]
        return [(f"rows {start + 1}–{min(start + size, count)}, ", grid[start:start + size])
                for start in range(0, count, size)]

    def wrapped(self, widths: np.ndarray, count: int, room: float) -> list[list[int]] | None:
        """``count`` columns in consecutive blocks of at least two columns that each fit ``room``:
        as few blocks as can be, and of those up to :data:`MAX_COLUMN_BLOCKS` blocks the division
        whose widest block is narrowest (so no block is left with one thin column when the others
        could share); beyond that many, as many columns in each as fit. None when no division
        has every block fit (a column too wide to stand beside either neighbour)."""
        column = widths[:MAX_ROWS].max(axis=0) + self.column_gap
        ends = np.concatenate([[0.0], np.cumsum(column)])

        def fits(start: int, stop: int) -> bool:
            return stop - start >= 2 and self.bracket_width + ends[stop] - ends[start] <= room

        # The best division of the first `stop` columns into `parts` blocks: its widest block
        # (infinite: there is none) and its last cut, for every stop at once. Only when the
        # columns can fit in that many blocks at all: a long vector (a 1-D input of thousands of
        # entries) goes straight to as many blocks as it needs, in linear time.
        block_room = room - self.bracket_width
        few_enough = ends[count] <= MAX_COLUMN_BLOCKS * block_room + 1e-9
        stops = np.arange(count + 1)
        widest = np.where((stops >= 2) & (self.bracket_width + ends - ends[0] <= room), ends, np.inf)
        last_cuts: list[np.ndarray] = []
        if few_enough:
            spans = ends[:, None] - ends[None, :]  # [stop, cut]: the block from cut to stop
            block_fits = (self.bracket_width + ends)[:, None] - ends[None, :] <= room  # as fits() adds up
            # a block ending at stop starts no further back than its room allows (one column more
            # is tried, which block_fits turns down, against rounding)
            reach = np.searchsorted(ends, ends - block_room) - 1
        for parts in range(1, min(MAX_COLUMN_BLOCKS, count // 2) + 1 if few_enough else 1):
            if parts > 1:
                cuts = stops[None, :]
                allowed = (block_fits & (cuts >= np.maximum(2 * parts - 2, reach)[:, None])
                           & (cuts <= stops[:, None] - 2) & (stops[:, None] >= 2 * parts))
                options = np.where(allowed, np.maximum(widest[None, :], spans), np.inf)
                last_cuts.append(options.argmin(axis=1))  # the first of the narrowest, as min() gives
                widest = options[stops, last_cuts[-1]]
            if np.isfinite(widest[count]):
                edges = [count]
                for last_cut in reversed(last_cuts):
                    edges.insert(0, int(last_cut[edges[0]]))
                edges.insert(0, 0)
                return [list(range(a, b)) for a, b in zip(edges, edges[1:])]
        groups: list[list[int]] = []  # many blocks: as many columns in each as fit
        start = 0
        while start < count:
            stop = start + 2
            while stop < count and fits(start, stop + 1):
                stop += 1
            groups.append(list(range(start, min(stop, count))))
            start = stop
        if len(groups[-1]) == 1:  # the last block takes a column from the one before
            groups[-2:] = [groups[-2][:-1], groups[-2][-1:] + groups[-1]]
        if all(fits(group[0], group[-1] + 1) for group in groups):
            return groups
        return None

    def fits(self, widths: np.ndarray, columns: list[int], room: float) -> bool:
        """Whether these columns of a matrix fit ``room`` side by side."""
        shown = shown_window(widths[:, columns], widths.shape[0], room, self.column_gap,
                             self.bracket_width, self.ellipsis_width)[1]
        return shown == len(columns)

    def room_beside(self, label: object) -> float:
        """The room a :class:`Labeled` value's label takes from the matrices on its line: none
        where a format sets labels above or apart (LaTeX writes ``label: value``)."""
        return 0.0

    def label_width(self, label: str) -> float:
        """The room a label takes beside a matrix (``columns 3–4: ``); none where a label too
        wide to sit beside its matrix goes above it instead (text)."""
        return 0.0

    # -- whole tensors -------------------------------------------------------------------------------
    def cell_value(self, value: object) -> object:
        """A cell's value as the document gave it (a format may have wrapped it)."""
        return value

    def too_long(self, array: np.ndarray) -> bool:
        """Whether some entry is too long (or too tall) to sit in a matrix next to others."""
        shown = [self.cell_value(value)  # what a matrix would show
                 for value in array.reshape(-1)[:MAX_ROWS * as_grid(array).shape[-1]]]
        # the entries of most terms first: one too long is enough to know
        likely_first = sorted(shown, key=lambda value: -len(value.terms) if isinstance(value, Poly) else 0)
        return (any(self.wider_than(value, self.line_width * 3 // 4) for value in likely_first)
                or any(is_tall(value) for value in shown))

    def wider_than(self, value: object, width: float) -> bool:
        """Whether a cell is wider than ``width``. A long polynomial's first terms are measured
        first: they are printed first, so when they alone are too wide, so is the whole (a ∂L/∂W
        entry of 3,969 terms is not printed whole to find that out)."""
        if isinstance(value, Poly) and len(value.terms) > FIRST_MEASURED:
            if self.cell_width(value.first_terms(FIRST_MEASURED), False) > width:
                return True
        return self.cell_width(value, False) > width

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

    def numbered_blocks(self, node: Numbered) -> list:
        """A numbered result (a whole tensor, a gallery, a display) as blocks, the number on its
        first display: the first equation or block of columns, or the first row of a gallery."""
        blocks = self.arrange(node.math) if isinstance(node.math, TensorView) else [node.math]
        # a list of the entries some equations leave out is numbered in its words, not by its
        # first entry
        listed_rest = (isinstance(node.math, TensorView) and bool(node.math.rest)
                       and isinstance(blocks[0], Paragraph))
        for position, block in enumerate([] if listed_rest else blocks):
            if isinstance(block, Display) and block.rows:
                rest = [Display(block.rows[1:])] if len(block.rows) > 1 else []
                return blocks[:position] + [Numbered(block.rows[0], node.number), *rest] + blocks[position + 1:]
            if isinstance(block, Gallery):
                return blocks[:position] + [Numbered(block, node.number)] + blocks[position + 1:]
        first = blocks[0]  # no display (the entries are named by their equations): in words
        assert isinstance(first, Paragraph)
        return [self.numbered_paragraph(first, node.number), *blocks[1:]]

    def numbered_paragraph(self, paragraph: Paragraph, number: int | None) -> object:
        """A numbered result said in words (:func:`numbered_words`), as this format's block."""
        return numbered_words(paragraph, number)

    def slice_labels(self, view: TensorView, listing: bool = False) -> list[tuple[tuple[int, ...], str]]:
        """The first :data:`MAX_SLICES` slices over the leading axes (or as many as the view lists,
        when ``listing`` its entries; with ``nonzero``, those not all 0): (index, ``n = 0, c = 1``)."""
        def label(index: tuple[int, ...]) -> str:
            return ", ".join(f"{a} = {i + view.label_base}" for a, i in zip(view.axes, index))

        labelled: list[tuple[tuple[int, ...], str]] = []
        every = list(np.ndindex(*view.array.shape[:len(view.axes)]))
        for index in every:
            if len(labelled) == self.slice_limit(view, listing):
                break
            if not (view.nonzero and all(value == 0 for value in view.array[index].flat)):
                labelled.append((index, label(index)))
        return labelled or [(every[0], label(every[0]))]

    @staticmethod
    def slice_limit(view: TensorView, listing: bool = False) -> int:
        limits = [MAX_SLICES, view.slices, view.listed_slices if listing else None]
        return min(limit for limit in limits if limit is not None)

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

    def slices_note(self, view: TensorView, listing: bool = False) -> list:
        count = prod(view.array.shape[:len(view.axes)])
        shown = len(self.slice_labels(view, listing))
        rest = count - shown
        if view.nonzero and rest and shown < self.slice_limit(view, listing):
            return [Paragraph(("(The other slice is 0.)" if rest == 1 else f"(The other {rest} slices"
                               " are 0.)",))]
        if count <= shown:
            return []
        first = "Only the first" if shown == 1 else f"The first {shown}"
        verb = "is" if shown == 1 else "are"
        return [Paragraph((f"({first} of the {count} slices of {view.tensor.name} {verb} shown; the"
                           " others are formed the same way.)",))]

    def entry_list(self, label: object, view: TensorView) -> list:
        """The entries one per line: the first :data:`MAX_LISTED_ENTRIES` of each slice (of the
        first :data:`MAX_SLICES`), so every slice a matrix would show is listed too; all of them
        when the view is to be shown ``whole``. Entries that are 0 (most of a running sum's) are
        left out, and the list says so."""
        values = view.array.reshape(-1)
        per_slice = prod(view.array.shape[len(view.axes):])
        listed = per_slice if view.whole else (MAX_LISTED_ENTRIES if view.listed is None else view.listed)
        starts = [int(np.ravel_multi_index(index, view.array.shape[:len(view.axes)])) * per_slice
                  for index, _ in self.slice_labels(view, listing=True)] if view.axes else [0]
        shown = [flat for start in starts for flat in range(start, start + min(per_slice, listed))]

        def name(flat: int) -> Symbol | Derivative:
            symbol = Symbol(view.tensor, flat)
            return Derivative(view.gradient_of, symbol) if view.gradient_of else symbol

        if view.equations:
            first, last = view.equations
            if view.array.size == 1:
                return [Paragraph((label, " has one entry, written in ", first, "."))]
            if view.rest:
                count = view.array.size - len(view.rest)
                return [Paragraph((label, f" ({shape_text(view.array.shape)}) has entries too long"
                                   f" for a matrix; {count} of them are written in ", first, "–",
                                   last, f", the other {len(view.rest)} are:")),
                        Display(tuple(equation(name(flat), self.cell_value(values[flat])) for flat in view.rest))]
            if view.covered == 1:
                return [Paragraph((label, f" ({shape_text(view.array.shape)}) has entries too long"
                                   " for a matrix; the first is that of ", first, ", the others are"
                                   " formed the same way."))]
            if view.covered is not None:
                return [Paragraph((label, f" ({shape_text(view.array.shape)}) has entries too long"
                                   f" for a matrix; the first {view.covered} are those of ", first,
                                   "–", last, ", the others are formed the same way."))]
            return [Paragraph((label, f" ({shape_text(view.array.shape)}) has entries too long for"
                               " a matrix; they are those of ", first, "–", last, "."))]
        written = [flat for flat in shown if not is_zero(self.cell_value(values[flat]))]
        blocks: list = [Paragraph((label, f" ({shape_text(view.array.shape)}) has entries too long"
                                   " for a matrix; entry by entry" + (", those that are not 0:"
                                                                      if len(written) < len(shown) else ":"),)),
                        Display(tuple(equation(name(flat), self.cell_value(values[flat]))
                                      for flat in written))]
        if per_slice > listed:
            where = " of each slice" if view.axes else ""
            blocks.append(Paragraph((f"(The first {listed} of the {per_slice} entries"
                                     f"{where} are listed.)",)))
        return blocks + (self.slices_note(view, listing=True) if view.axes else [])

    # -- the document -------------------------------------------------------------------------------
    def blocks(self, document: Document) -> list[str]:
        """Every block of the document printed, in order, the whole document laid out first
        (:meth:`fitted_blocks`), so that the introduction says whether a large matrix is cut
        anywhere (:data:`CUT_NOTE`) before anything is printed."""
        self.start_document()
        laid = [(block, self.fitted_blocks(block)) for block in document.blocks]
        cut = any(cut_short(part) for _, parts in laid for part in parts)
        printed = [self.laid_text(block, parts) for block, parts in laid]
        opening = len(document.introduction)
        return (printed[:opening] + ([self.doprint(CUT_NOTE)] if cut else [])
                + [text for text in printed[opening:] if text])  # a format may draw no picture: nothing

    def laid_text(self, block: object, laid: list[object]) -> str:
        """A block printed from its laid-out parts (:meth:`fitted_blocks`), joined as a whole
        tensor's blocks or a numbered result's are."""
        texts = [self.doprint(part) for part in laid]
        if isinstance(block, (TensorView, Figure)):
            return self.joined(texts)
        if isinstance(block, Numbered) and isinstance(block.math, (TensorView, Display)):
            return self.numbered_joined(texts)
        return texts[0]

    def joined(self, texts: list[str]) -> str:
        """The blocks that show a whole tensor, one after another."""
        return "\n\n".join(texts)

    def numbered_joined(self, texts: list[str]) -> str:
        """The blocks of a numbered result (:meth:`numbered_blocks`), one after another."""
        return "\n\n".join(texts)

    def _print_Numbered(self, node: Numbered) -> str:
        """A numbered whole tensor or display as its blocks, the number on the first
        (:meth:`numbered_blocks`); a numbered equation or gallery as the format tags it."""
        if isinstance(node.math, (TensorView, Display)):
            return self.numbered_joined([self.doprint(block) for block in self.numbered_blocks(node)])
        return self.tagged(node)

    def tagged(self, node: Numbered) -> str:
        """A numbered equation or gallery, its number beside it."""
        raise NotImplementedError

    def _print_TensorView(self, node: TensorView) -> str:
        return self.joined([self.doprint(block) for block in self.arrange(node)])

    def fitted_blocks(self, block: object) -> list[object]:
        """A section's block as this printer's page shows it, before anything is printed: a whole
        tensor arranged (:meth:`arrange`, :meth:`numbered_blocks`), every matrix fitted to the
        line (a picture draws its own). Printing the blocks prints the block."""
        if isinstance(block, TensorView):
            return [laid for arranged in self.arrange(block) for laid in self.fitted_blocks(arranged)]
        if isinstance(block, Numbered) and isinstance(block.math, (TensorView, Display)):
            return [laid for numbered in self.numbered_blocks(block) for laid in self.fitted_blocks(numbered)]
        if isinstance(block, Figure):
            return [part if isinstance(part, Figure) else self.fit_all(part) for part in self.figure_blocks(block)]
        return [self.fit_all(block)]

    def figure_blocks(self, figure: Figure) -> list:
        """A picture as this printer shows it: the picture itself, unless a format draws it with
        other blocks (text: its grids as matrices)."""
        return [figure]

    # -- galleries -----------------------------------------------------------------------------------
    def gallery_items(self, node: Gallery) -> list:
        """The items as set: in a grid (``columns``) each label goes under its item, where it takes
        no width from the row."""
        if node.columns is None:
            return list(node.items)
        return [Captioned(item.value, item.label) if isinstance(item, Labeled) else item
                for item in node.items]

    def gallery_scale(self, widths: list[float], lines: list[list[int]]) -> float | None:
        """The size (1: as printed) at which the widest of these lines fits the line, as large as
        :attr:`gallery_steps` allow; None when that would be smaller than :attr:`smallest_gallery`."""
        needed = max(sum(widths[i] for i in line) + self.gallery_gap * (len(line) - 1) for line in lines)
        scale = min(1.0, self.gallery_width / needed)
        if self.gallery_steps is not None:
            scale = max((step for step in self.gallery_steps if step <= scale + 1e-9), default=0.0)
        return scale if scale >= self.smallest_gallery - 1e-9 else None

    def gallery_rows(self, node: Gallery, widths: list[float]) -> tuple[float, list[list[int]]]:
        """(the size to set the gallery at, the item positions of each line). A gallery with
        ``columns`` is a grid (receptive fields laid out like the outputs): each grid row is one
        line, the whole gallery set smaller when that is what it takes, down to
        :attr:`smallest_gallery`; failing that, every grid row is cut into the same number of
        equal pieces, as few as fit (a row of three: three lines of one, never two and one).
        Without ``columns``, as many items on a line as fit."""
        if node.columns is None:
            return 1.0, self.packed(list(range(len(widths))), widths)
        grid = [list(range(start, min(start + node.columns, len(widths))))
                for start in range(0, len(widths), node.columns)]
        for size in [size for size in range(node.columns, 1, -1) if node.columns % size == 0]:
            lines = [row[start:start + size] for row in grid for start in range(0, len(row), size)]
            scale = self.gallery_scale(widths, lines)
            if scale is not None:
                return scale, lines
        lines = [[position] for position in range(len(widths))]
        return self.gallery_scale(widths, lines) or self.smallest_gallery, lines

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


class Captioned(NamedTuple):
    """A gallery item with its label under it (in a grid: the output a receptive field is for)."""

    value: object
    label: object


def cut_short(node: object) -> bool:
    """Whether a laid-out node (:meth:`ArrangingPrinter.fitted_blocks`) shows less than a whole matrix:
    rows or columns left to ⋮ and ⋯, or blocks of columns left out."""
    if isinstance(node, Matrix):
        grid = as_grid(node.array)
        return (node.rows or grid.shape[0]) < grid.shape[0] or (node.columns or grid.shape[1]) < grid.shape[1]
    if isinstance(node, Labeled) and isinstance(node.value, str) and node.value == LEFT_OUT:
        return True
    return isinstance(node, tuple) and any(cut_short(part) for part in node)


def is_zero(value: object) -> bool:
    return (isinstance(value, Poly) and not value.terms) or (not isinstance(value, Poly) and value == 0)
