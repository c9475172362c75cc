"""Pictures (:class:`~symconv.core.document.Figure`) laid out once and drawn as SVG or TikZ.

:func:`layout` places the grids cell by cell, in pixels (y down), within the width a format gives
it; :func:`svg` writes that as an SVG document (HTML inline, Markdown as files) and :func:`tikz`
as a ``tikzpicture`` (LaTeX, y up). Padding cells are grey with a dashed border, inserted zeros
white, highlighted groups each in their own colour, windows outlined in theirs, a window's marked
cells ringed in its colour and other marked cells in red.

A picture is never scaled down: its smallest text (a subscript, :data:`SCRIPT` pixels, 7 pt in
LaTeX) stays as large as the footnotes of the document. What does not fit is rearranged instead,
first of these that fits the width and :data:`MAX_HEIGHT`: the grids side by side; the grids in
lines, one under another; large grids cut down to the rows and columns around what they show
(⋯ and ⋮ stand for the rest), side by side and then in lines.
"""

from __future__ import annotations

import html
from typing import Callable, Iterator, NamedTuple


from ..core.document import Figure, Grid
from ..core.poly import Symbol
from .names import derivative_of, entry_text, subscript_names

FONT = 16  # px: a cell's label and a grid's name (TikZ: \normalsize of the 10 pt document)
SCRIPT = 12  # px: a label's subscript (TikZ: 7 pt)
CELL_HEIGHT = 40
CELL_PADDING = 14  # px between a cell's label and its sides, together
MIN_CELL_WIDTH = 48
WINDOW_ROOM = 12  # more px each way in a grid with windows: their outlines are set inside the cells
GRID_GAP = 40  # between grids side by side
LINE_GAP = 24  # between lines of grids
LABEL_HEIGHT = 26  # a grid's name above it
ELLIPSIS = 26  # the width of a ⋯ column, the height of a ⋮ row
MAX_HEIGHT = 560  # px: about half the text block of the LaTeX page (350 pt)
SPANS = (8, 7, 6, 5, 4)  # rows or columns a large grid is cut down to, tried in turn
#: (fill, stroke) of highlight groups and windows, in order
COLOURS = (("#cfe2ff", "#1f6feb"), ("#ffe3c2", "#d9730d"), ("#d3f9d8", "#2f9e44"),
           ("#f3d9fa", "#ae3ec9"))
PADDING_FILL, PADDING_STROKE, TEXT, FAINT, RING = "#ececec", "#9a9a9a", "#1b1b1b", "#8a8a8a", "#c92a2a"
TIKZ_COLOURS = ("blue!18", "orange!28", "green!18", "violet!18")
TIKZ_STROKES = ("blue!70!black", "orange!85!black", "green!50!black", "violet!80!black")
TIKZ_RING = "red!75!black"
RED = -1  # the ring of a marked cell that belongs to no window


class Elision(NamedTuple):
    """What stands for the rows (``⋮``) or columns (``⋯``) of a grid left out of its picture."""

    text: str


class Cell(NamedTuple):
    x: float
    y: float
    width: float
    height: float
    value: object  # a Symbol, a number, None (padding) or an Elision
    groups: tuple[int, ...]  # highlight groups: the first fills the cell, the others frame it
    rings: tuple[int, ...]  # the colours of its rings: a window's, or RED


class Outline(NamedTuple):
    x: float
    y: float
    width: float
    height: float
    colour: int


class Caption(NamedTuple):
    x: float
    y: float
    label: object


class Layout(NamedTuple):
    width: float
    height: float
    cells: list[Cell]
    outlines: list[Outline]
    captions: list[Caption]

    def shifted(self, dx: float, dy: float) -> Layout:
        return Layout(self.width, self.height, [c._replace(x=c.x + dx, y=c.y + dy) for c in self.cells],
                      [o._replace(x=o.x + dx, y=o.y + dy) for o in self.outlines],
                      [c._replace(x=c.x + dx, y=c.y + dy) for c in self.captions])


class Label(NamedTuple):
    """A cell's label: ``head`` (``A``, ``∂L/∂Y``, a number), ``subscript`` (``11``, ``1,10``) and
    whether it names an entry (italic and dark) or is a number or padding's 0 (upright, grey)."""

    head: str
    subscript: str
    entry: bool


def cell_label(value: object, text_of: Callable[[object], str]) -> Label:
    if isinstance(value, Symbol):
        tensor, loss = value.tensor, derivative_of(value.tensor)
        return Label(f"∂{loss}/∂{tensor.name}" if loss else tensor.name,
                     entry_text(tensor, value.flat, subscript_names), True)
    if isinstance(value, Elision):
        return Label(value.text, "", False)
    return Label("0" if value is None else text_of(value), "", False)


# -- which part of a grid is drawn ---------------------------------------------------------------


def cells_shown(grid: Grid) -> tuple[list[int], list[int]]:
    """The rows and columns of the cells a grid is drawn for: highlighted, marked, in a window."""
    columns = grid.cells.shape[-1]
    flats = {flat for group in grid.highlighted for flat in group} | set(grid.marked)
    rows, cols = [flat // columns for flat in flats], [flat % columns for flat in flats]
    for window in grid.windows:
        rows += [window.top_left[0], window.bottom_right[0]]
        cols += [window.top_left[1], window.bottom_right[1]]
    return rows or [0], cols or [0]


def kept(size: int, wanted: list[int], span: int | None) -> range:
    """The run of ``span`` indices out of ``size`` that shows the ``wanted`` ones (the first
    ``span`` of them when there are more): from the start when they begin near it, else from one
    before the first; all of them when ``span`` is None or leaving out one would save nothing."""
    if span is None or size <= span + 1:
        return range(size)
    first, last = min(wanted), max(wanted)
    start = 0 if last < span or first <= 2 else first - 1
    start = min(start, size - span)
    return range(start, start + span)


def grid_layout(grid: Grid, measure: Callable[[object], float], span: int | None) -> Layout:
    """One grid with its name above it, at (0, 0); large grids cut down to ``span`` rows and
    columns around what they show."""
    array = grid.cells.reshape(1, -1) if grid.cells.ndim == 1 else grid.cells
    total_rows, total_columns = array.shape
    wanted_rows, wanted_columns = cells_shown(grid)
    rows, columns = kept(total_rows, wanted_rows, span), kept(total_columns, wanted_columns, span)
    room = WINDOW_ROOM if grid.windows else 0
    width = room + max(MIN_CELL_WIDTH, CELL_PADDING + max(measure(array[r, c]) for r in rows for c in columns))
    height = CELL_HEIGHT + room
    before, after = columns.start > 0, columns.stop < total_columns
    above, below = rows.start > 0, rows.stop < total_rows
    grid_width = width * len(columns) + ELLIPSIS * (before + after)
    name_width = measure(grid.label)
    left = max(0.0, (name_width - grid_width) / 2) + (ELLIPSIS if before else 0)
    top = LABEL_HEIGHT + (ELLIPSIS if above else 0)

    def x(column: int) -> float:
        return left + (column - columns.start) * width

    def y(row: int) -> float:
        return top + (row - rows.start) * height

    groups: dict[int, tuple[int, ...]] = {}
    for number, group in enumerate(grid.highlighted):
        for flat in group:
            groups[flat] = groups.get(flat, ()) + (number,)
    rings: dict[int, tuple[int, ...]] = {flat: (RED,) for flat in grid.marked}
    for number, window in enumerate(grid.windows):
        for flat in window.ringed:
            rings[flat] = rings.get(flat, ()) + (number % len(COLOURS),)
    cells = [Cell(x(c), y(r), width, height, array[r, c], groups.get(flat, ()), rings.get(flat, ()))
             for r in rows for c in columns for flat in (r * total_columns + c,)]
    for side, column in ((before, columns.start - 1), (after, columns.stop)):
        if side:
            cells += [Cell(x(column) + (width - ELLIPSIS if column < columns.start else 0), y(r), ELLIPSIS,
                           height, Elision("⋯"), (), ()) for r in rows]
    for side, row in ((above, rows.start - 1), (below, rows.stop)):
        if side:
            cells += [Cell(x(c), y(row) + (height - ELLIPSIS if row < rows.start else 0), width, ELLIPSIS,
                           Elision("⋮"), (), ()) for c in columns]
    outlines = []
    for number, window in enumerate(grid.windows):
        (top_row, first), (bottom_row, last) = window.top_left, window.bottom_right
        top_row, first = max(top_row, rows.start), max(first, columns.start)
        bottom_row, last = min(bottom_row, rows.stop - 1), min(last, columns.stop - 1)
        if top_row > bottom_row or first > last:
            continue  # the window lies in the part left out
        inset = 3 + 3 * (number % 4)
        outlines.append(Outline(x(first) + inset, y(top_row) + inset, (last - first + 1) * width - 2 * inset,
                                (bottom_row - top_row + 1) * height - 2 * inset, number % len(COLOURS)))
    bottom = top + len(rows) * height + (ELLIPSIS if below else 0)
    caption = Caption(left - (ELLIPSIS if before else 0) + grid_width / 2, LABEL_HEIGHT - 8, grid.label)
    return Layout(max(grid_width, name_width), bottom, cells, outlines, [caption])


def in_lines(pieces: list[Layout], width: float | None) -> Layout:
    """The pieces side by side, starting a new line (centred under the others) whenever the next
    would pass ``width`` (None: one line)."""
    lines: list[list[Layout]] = [[]]
    for piece in pieces:
        used = sum(p.width for p in lines[-1]) + GRID_GAP * len(lines[-1])
        if width is not None and lines[-1] and used + piece.width > width:
            lines.append([])
        lines[-1].append(piece)
    widths = [sum(p.width for p in line) + GRID_GAP * (len(line) - 1) for line in lines]
    total = max(widths)
    cells: list[Cell] = []
    outlines: list[Outline] = []
    captions: list[Caption] = []
    top: float = 0
    for line, line_width in zip(lines, widths):
        left = (total - line_width) / 2
        for piece in line:
            moved = piece.shifted(left, top)
            cells += moved.cells
            outlines += moved.outlines
            captions += moved.captions
            left += piece.width + GRID_GAP
        top += max(p.height for p in line) + LINE_GAP
    return Layout(total + 2, top - LINE_GAP + 2, cells, outlines, captions)


def arrangements(figure: Figure, measure: Callable[[object], float], width: float) -> Iterator[Layout]:
    """The ways to draw the figure, in the order they are preferred."""
    whole = [grid_layout(grid, measure, None) for grid in figure.grids]
    yield in_lines(whole, None)
    yield in_lines(whole, width)
    for lines in (None, width):
        for span in SPANS:
            yield in_lines([grid_layout(grid, measure, span) for grid in figure.grids], lines)


def layout(figure: Figure, measure: Callable[[object], float], width: float) -> Layout:
    """Every cell, window outline and grid name of the figure, placed within ``width`` pixels;
    ``measure`` gives the width of a cell's value or a grid's name (its label's size)."""
    for arranged in arrangements(figure, measure, width):
        if arranged.width <= width and arranged.height <= MAX_HEIGHT:
            return arranged
    return arranged


def framed(cell: Cell) -> tuple[int, ...]:
    """The groups drawn as frames: all of a padding cell's (it stays grey), the others after the
    first (which fills the cell)."""
    return cell.groups if cell.value is None else cell.groups[1:]


def ring_sizes(cell: Cell) -> Iterator[tuple[int, float, float]]:
    """(colour, x radius, y radius) of each ring of a cell, one inside the other."""
    for number, colour in enumerate(cell.rings):
        yield colour, cell.width / 2 - 5 - 4 * number, cell.height / 2 - 6 - 4 * number


# -- SVG --------------------------------------------------------------------------------------------

HEAD_ADVANCE = 0.68 * FONT  # px per character of a label, in the widest serif fonts
SCRIPT_ADVANCE = 0.66 * SCRIPT


def svg_measure(text_of: Callable[[object], str]) -> Callable[[object], float]:
    """The width of a cell's label or a grid's name as :func:`svg` writes them."""
    def measure(value: object) -> float:
        label = cell_label(value, text_of)
        return len(label.head) * HEAD_ADVANCE + len(label.subscript) * SCRIPT_ADVANCE
    return measure


def svg_label(label: Label) -> str:
    """``A`` with subscript ``22``, a number, or a grey 0."""
    head = html.escape(label.head)
    if not label.subscript:
        return head
    return f'{head}<tspan dy="5" font-size="{SCRIPT}">{label.subscript}</tspan>'


def svg(figure: Figure, text_of: Callable[[object], str], width: float,
        attributes: Callable[[object], str] = lambda value: "", title: str = "") -> str:
    """The figure as one SVG element (standalone: it declares its namespace), at most ``width``
    pixels wide where it can be. ``attributes(value)`` adds attributes to each cell's group (the
    HTML page's ``data-tensor``)."""
    picture = layout(figure, svg_measure(text_of), width)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{picture.width:.0f}"'
             f' height="{picture.height:.0f}" viewBox="0 0 {picture.width:.0f} {picture.height:.0f}"'
             f' font-family="serif" font-size="{FONT}" role="img">']
    if title:
        parts.append(f"<title>{html.escape(title)}</title>")
    for cell in picture.cells:
        label = cell_label(cell.value, text_of)
        centre_x, centre_y = cell.x + cell.width / 2, cell.y + cell.height / 2
        if isinstance(cell.value, Elision):
            parts.append(f'<text x="{centre_x:.1f}" y="{centre_y + 5:.1f}" text-anchor="middle"'
                         f' fill="{FAINT}">{label.head}</text>')
            continue
        if cell.value is None:
            fill, stroke, dash = PADDING_FILL, PADDING_STROKE, ' stroke-dasharray="3 2"'
        else:
            fill = COLOURS[cell.groups[0] % len(COLOURS)][0] if cell.groups else "#ffffff"
            stroke, dash = "#555555", ""
        parts.append(f'<g class="sc-cell"{attributes(cell.value)}><rect x="{cell.x:.1f}" y="{cell.y:.1f}"'
                     f' width="{cell.width:.1f}" height="{cell.height:.1f}" fill="{fill}"'
                     f' stroke="{stroke}"{dash}/>')
        for group in framed(cell):
            parts.append(f'<rect x="{cell.x + 2:.1f}" y="{cell.y + 2:.1f}" width="{cell.width - 4:.1f}"'
                         f' height="{cell.height - 4:.1f}" fill="none"'
                         f' stroke="{COLOURS[group % len(COLOURS)][1]}" stroke-width="2"/>')
        for colour, rx, ry in ring_sizes(cell):
            parts.append(f'<ellipse cx="{centre_x:.1f}" cy="{centre_y:.1f}" rx="{rx:.1f}" ry="{ry:.1f}"'
                         f' fill="none" stroke="{RING if colour == RED else COLOURS[colour][1]}"'
                         ' stroke-width="2"/>')
        style = ' font-style="italic"' if label.entry else ""
        parts.append(f'<text x="{centre_x:.1f}" y="{centre_y + 4:.1f}" text-anchor="middle"'
                     f' fill="{TEXT if label.entry else FAINT}"{style}>{svg_label(label)}</text></g>')
    for outline in picture.outlines:
        parts.append(f'<rect x="{outline.x:.1f}" y="{outline.y:.1f}" width="{outline.width:.1f}"'
                     f' height="{outline.height:.1f}" rx="4" fill="none"'
                     f' stroke="{COLOURS[outline.colour][1]}" stroke-width="2"/>')
    for caption in picture.captions:
        parts.append(f'<text x="{caption.x:.1f}" y="{caption.y:.1f}" text-anchor="middle"'
                     f' fill="{TEXT}">{html.escape(text_of(caption.label))}</text>')
    return "".join(parts) + "</svg>"


# -- TikZ -------------------------------------------------------------------------------------------

TIKZ_UNIT = 0.022  # cm per pixel of the layout: a 40-pixel cell is 0.88 cm
PX_PER_EM = 10 / (TIKZ_UNIT / 2.54 * 72.27)  # pixels per em of the picture's 10 pt font


def tikz_label(value: object, math_of: Callable[[object], str]) -> str:
    """A cell's label as LaTeX math, on one line (``\\partial L/\\partial Y_{11}``, never a
    stacked fraction, whose parts would be set smaller than a subscript)."""
    if isinstance(value, Symbol):
        label = cell_label(value, str)
        head = label.head.replace("∂", r"\partial ")
        return f"{head}_{{{label.subscript}}}" if label.subscript else head
    if isinstance(value, Elision):
        return {"⋯": r"\cdots", "⋮": r"\vdots"}[value.text]
    return "0" if value is None else math_of(value)


def tikz(figure: Figure, math_of: Callable[[object], str], measure: Callable[[str], float],
         width: float) -> str:
    """The figure as a ``tikzpicture`` (needs only the tikz package) at most ``width`` pixels wide
    where it can be; ``math_of`` gives a grid name's LaTeX math and ``measure`` the width of
    LaTeX math in the picture's font, in em."""
    picture = layout(figure, lambda value: measure(tikz_label(value, math_of)) * PX_PER_EM, width)
    flip = picture.height

    def point(x: float, y: float) -> str:
        return f"({x * TIKZ_UNIT:.2f},{(flip - y) * TIKZ_UNIT:.2f})"

    lines = [r"\begin{tikzpicture}[font=\normalsize]"]
    for cell in picture.cells:
        centre = point(cell.x + cell.width / 2, cell.y + cell.height / 2)
        if isinstance(cell.value, Elision):
            lines.append(rf"\node[text=black!55, inner sep=0pt] at {centre} {{${tikz_label(cell.value, math_of)}$}};")
            continue
        corner, opposite = point(cell.x, cell.y + cell.height), point(cell.x + cell.width, cell.y)
        if cell.value is None:
            style = "fill=black!8, draw=black!45, dashed"
        elif cell.groups:
            style = f"fill={TIKZ_COLOURS[cell.groups[0] % len(TIKZ_COLOURS)]}, draw=black!70"
        else:
            style = "draw=black!70"
        lines.append(rf"\draw[{style}] {corner} rectangle {opposite};")
        for group in framed(cell):
            lines.append(rf"\draw[{TIKZ_STROKES[group % len(TIKZ_STROKES)]}, line width=1pt]"
                         rf" {point(cell.x + 2, cell.y + cell.height - 2)} rectangle"
                         rf" {point(cell.x + cell.width - 2, cell.y + 2)};")
        for colour, rx, ry in ring_sizes(cell):
            stroke = TIKZ_RING if colour == RED else TIKZ_STROKES[colour]
            lines.append(rf"\draw[{stroke}, line width=1pt] {centre}"
                         rf" ellipse ({rx * TIKZ_UNIT:.2f} and {ry * TIKZ_UNIT:.2f});")
        faint = "" if isinstance(cell.value, Symbol) else "text=black!55, "
        lines.append(rf"\node[{faint}inner sep=0pt] at {centre} {{${tikz_label(cell.value, math_of)}$}};")
    for outline in picture.outlines:
        lines.append(rf"\draw[{TIKZ_STROKES[outline.colour]}, line width=1.1pt, rounded corners=2pt]"
                     rf" {point(outline.x, outline.y + outline.height)} rectangle"
                     rf" {point(outline.x + outline.width, outline.y)};")
    for caption in picture.captions:
        lines.append(rf"\node at {point(caption.x, caption.y - 4)} {{${math_of(caption.label)}$}};")
    return "\n".join(lines + [r"\end{tikzpicture}"])
