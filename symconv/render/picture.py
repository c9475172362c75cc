"""Pictures (:class:`~symconv.document.Figure`) laid out once and drawn as SVG or TikZ.

:func:`layout` places the grids side by side, cell by cell, in pixels (y down); :func:`svg` writes
that as an SVG document (HTML inline, Markdown as files) and :func:`tikz` as a ``tikzpicture``
(LaTeX, y up). Padding cells are grey with a dashed border, inserted zeros white, highlighted
groups each in their own colour, marked cells ringed in red, windows outlined.
"""

from __future__ import annotations

import html
from typing import Callable, NamedTuple

import numpy as np

from ..document import Figure
from ..poly import Symbol

CELL_HEIGHT = 40
MIN_CELL_WIDTH = 48
CHARACTER_WIDTH = 8.5  # of the 15-pixel labels
GRID_GAP = 40
LABEL_HEIGHT = 24
SMALL_GRID = 20  # rows or columns beyond which cells are drawn without labels
SMALL_CELL = 14
#: (fill, stroke) of highlight groups, in order; windows are outlined in the strokes
COLOURS = (("#cfe2ff", "#1f6feb"), ("#ffe3c2", "#d9730d"), ("#d3f9d8", "#2f9e44"),
           ("#f3d9fa", "#ae3ec9"))
PADDING_FILL, PADDING_STROKE, TEXT, FAINT, RING = "#ececec", "#9a9a9a", "#1b1b1b", "#8a8a8a", "#c92a2a"
TIKZ_COLOURS = ("blue!18", "orange!28", "green!18", "violet!18")
TIKZ_STROKES = ("blue!70!black", "orange!85!black", "green!50!black", "violet!80!black")


class Cell(NamedTuple):
    x: float
    y: float
    width: float
    height: float
    value: object  # a Symbol, a number, or None (padding)
    groups: tuple[int, ...]  # highlight groups: the first fills the cell, the others frame it
    marked: bool
    labelled: bool


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


def label_length(value, text_of: Callable[[object], str]) -> int:
    if value is None:
        return 1
    return len(text_of(value).replace("_", ""))


def layout(figure: Figure, text_of: Callable[[object], str]) -> Layout:
    """Every cell, window outline and grid label of the figure, placed; ``text_of`` gives a label's
    text (its length sets the cell width)."""
    cells: list[Cell] = []
    outlines: list[Outline] = []
    captions: list[Caption] = []
    left: float = 0
    height: float = 0
    for grid in figure.grids:
        array = grid.cells.reshape(1, -1) if grid.cells.ndim == 1 else grid.cells
        rows, columns = array.shape
        labelled = max(rows, columns) <= SMALL_GRID
        if labelled:
            longest = max(label_length(v, text_of) for v in array.flat)
            width, cell_height = max(MIN_CELL_WIDTH, 10 + CHARACTER_WIDTH * longest), CELL_HEIGHT
        else:
            width = cell_height = SMALL_CELL
        label_width = CHARACTER_WIDTH * len(text_of(grid.label))
        offset = max(0.0, (label_width - width * columns) / 2)
        groups: dict[int, tuple[int, ...]] = {}
        for number, group in enumerate(grid.highlighted):
            for flat in group:
                groups[flat] = groups.get(flat, ()) + (number,)
        for (row, column), value in np.ndenumerate(array):
            flat = row * columns + column
            cells.append(Cell(left + offset + column * width, LABEL_HEIGHT + row * cell_height, width,
                              cell_height, value, groups.get(flat, ()), flat in grid.marked, labelled))
        for number, ((top, first), (bottom, last)) in enumerate(grid.windows):
            inset = 3 + 3 * (number % 4)
            outlines.append(Outline(left + offset + first * width + inset,
                                    LABEL_HEIGHT + top * cell_height + inset,
                                    (last - first + 1) * width - 2 * inset,
                                    (bottom - top + 1) * cell_height - 2 * inset, number % len(COLOURS)))
        captions.append(Caption(left + offset + width * columns / 2, LABEL_HEIGHT - 8, grid.label))
        left += max(width * columns, label_width) + GRID_GAP
        height = max(height, LABEL_HEIGHT + rows * cell_height)
    return Layout(left - GRID_GAP + 2, height + 2, cells, outlines, captions)


def framed(cell: Cell) -> tuple[int, ...]:
    """The groups drawn as frames: all of a padding cell's (it stays grey), the others after the
    first (which fills the cell)."""
    return cell.groups if cell.value is None else cell.groups[1:]


# -- SVG --------------------------------------------------------------------------------------------


def svg_label(value, text_of: Callable[[object], str]) -> str:
    """A cell's label: ``A`` with subscript ``22`` for an entry, the number, or a grey 0."""
    if isinstance(value, Symbol):
        base, subscript, loss = value.tensor.entry_name(value.flat)
        head = html.escape(f"∂{loss}/∂{base}" if loss else base)
        if not subscript:
            return head
        numbers = "".join(map(str, subscript)) if len(subscript) <= 2 and max(subscript) <= 9 \
            else ",".join(map(str, subscript))
        return f'{head}<tspan dy="5" font-size="11">{numbers}</tspan>'
    return html.escape("0" if value is None else text_of(value))


def svg(figure: Figure, text_of: Callable[[object], str],
        attributes: Callable[[object], str] = lambda value: "", title: str = "") -> str:
    """The figure as one SVG element (standalone: it declares its namespace). ``attributes(value)``
    adds attributes to each cell's group (the HTML page's ``data-tensor``)."""
    picture = layout(figure, text_of)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{picture.width:.0f}"'
             f' height="{picture.height:.0f}" viewBox="0 0 {picture.width:.0f} {picture.height:.0f}"'
             f' font-family="serif" font-size="15" role="img">']
    if title:
        parts.append(f"<title>{html.escape(title)}</title>")
    for cell in picture.cells:
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
        if cell.marked:
            parts.append(f'<ellipse cx="{cell.x + cell.width / 2:.1f}" cy="{cell.y + cell.height / 2:.1f}"'
                         f' rx="{cell.width / 2 - 5:.1f}" ry="{cell.height / 2 - 6:.1f}" fill="none"'
                         f' stroke="{RING}" stroke-width="2"/>')
        if cell.labelled:
            colour = FAINT if cell.value is None or not isinstance(cell.value, Symbol) else TEXT
            style = ' font-style="italic"' if isinstance(cell.value, Symbol) else ""
            parts.append(f'<text x="{cell.x + cell.width / 2:.1f}" y="{cell.y + cell.height / 2 + 4:.1f}"'
                         f' text-anchor="middle" fill="{colour}"{style}>{svg_label(cell.value, text_of)}'
                         "</text>")
        parts.append("</g>")
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


def tikz(picture: Layout, math_of: Callable[[object], str]) -> str:
    """A figure laid out (:func:`layout`) as a ``tikzpicture`` (needs only the tikz package);
    ``math_of`` gives a label's LaTeX math."""
    flip = picture.height

    def point(x: float, y: float) -> str:
        return f"({x * TIKZ_UNIT:.2f},{(flip - y) * TIKZ_UNIT:.2f})"

    lines = [r"\begin{tikzpicture}[font=\small]"]
    for cell in picture.cells:
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
        if cell.marked:
            lines.append(rf"\draw[red!75!black, line width=1pt] {point(cell.x + cell.width / 2, cell.y + cell.height / 2)}"
                         rf" ellipse ({(cell.width / 2 - 5) * TIKZ_UNIT:.2f} and {(cell.height / 2 - 6) * TIKZ_UNIT:.2f});")
        if cell.labelled:
            label = "0" if cell.value is None else math_of(cell.value)
            colour = "" if isinstance(cell.value, Symbol) else "text=black!55, "
            lines.append(rf"\node[{colour}inner sep=0pt] at {point(cell.x + cell.width / 2, cell.y + cell.height / 2)}"
                         rf" {{${label}$}};")
    for outline in picture.outlines:
        lines.append(rf"\draw[{TIKZ_STROKES[outline.colour]}, line width=1.1pt, rounded corners=2pt]"
                     rf" {point(outline.x, outline.y + outline.height)} rectangle"
                     rf" {point(outline.x + outline.width, outline.y)};")
    for caption in picture.captions:
        lines.append(rf"\node at {point(caption.x, caption.y - 4)} {{${math_of(caption.label)}$}};")
    return "\n".join(lines + [r"\end{tikzpicture}"])
