"""Worked solutions as plain Unicode text for a terminal (at most 100 columns).

Math is laid out in two dimensions where it has to be: a matrix is a block of lines, and pieces
set side by side (``window ⊙ kernel``) are joined block by block, vertically centred.
"""

from __future__ import annotations

import textwrap

import numpy as np

from ..core.document import (Concat, Derivative, Display, Document, Equation, Figure, Gallery, Hadamard, Heading, Indexed,
                        IndexedSum, Labeled, Matrix, Numbered, Paragraph, Product, Reference,
                        Truncated)
from ..core.poly import Symbol
from ..core.tensors import Tensor
from .arrange import ArrangingPrinter, Captioned, as_grid
from .names import document_text_names
from .text import TextPrinter

TERMINAL_WIDTH = 100
GALLERY_GAP = "    "


def hcat(pieces: list[str]) -> str:
    """Multi-line strings side by side, each vertically centred on the tallest."""
    blocks = [piece.split("\n") for piece in pieces]
    height = max(len(block) for block in blocks)
    columns = []
    for block in blocks:
        width = max(len(line) for line in block)
        top = (height - len(block)) // 2
        padded = [""] * top + block + [""] * (height - len(block) - top)
        columns.append([line.ljust(width) for line in padded])
    return "\n".join("".join(parts).rstrip() for parts in zip(*columns))


def fold(line: str) -> str:
    """A line still too wide for the terminal, folded at its spaces: a single piece can be wider
    than a line (a root over a 3×3 window), and equations break only between pieces."""
    if width_of(line) <= TERMINAL_WIDTH:
        return line
    indent = line[:len(line) - len(line.lstrip())]
    return "\n".join(textwrap.wrap(line.lstrip(), TERMINAL_WIDTH, initial_indent=indent,
                                    subsequent_indent=indent + "        ", break_on_hyphens=False))


def width_of(text: str) -> int:
    return max(len(line) for line in text.split("\n"))


class TextDocumentPrinter(ArrangingPrinter, TextPrinter):
    """Prints :mod:`symconv.core.document` nodes as text; widths are counted in characters."""

    line_width = TERMINAL_WIDTH - 10
    gallery_width = TERMINAL_WIDTH - 2
    spell = document_text_names  # one index style per tensor in a document

    def measure(self, node: object) -> int:
        if isinstance(node, Product):  # its factors side by side, each printed once (remembered)
            pieces = [self.product_factor(f) for f in node.factors]
            if not any("\n" in piece for piece in pieces):
                return sum(map(len, pieces)) + len(self.times) * (len(pieces) - 1)
        return width_of(self.doprint(node))

    def cell_width(self, value: object, marked: bool) -> int:
        return width_of(self.doprint(value)) + (2 if marked else 0)  # [value]

    # -- math ---------------------------------------------------------------------------------------
    def _print_Tensor(self, tensor: Tensor) -> str:
        return tensor.name

    def _print_Derivative(self, node: Derivative) -> str:
        top = (node.top if isinstance(node.top, str) else self.name_only(node.top)
               if isinstance(node.top, Symbol) else self.doprint(node.top))
        bottom = self.name_only(node.bottom) if isinstance(node.bottom, Symbol) else self.doprint(node.bottom)
        return f"∂{top}/∂{bottom}"

    def _print_Product(self, node: Product) -> str:
        pieces = [self.product_factor(f) for f in node.factors]
        if not any("\n" in piece for piece in pieces):
            return self.times.join(pieces)
        return hcat([part for piece in pieces for part in (piece, f" {self.times} ")][:-1])

    def _print_Truncated(self, node: Truncated) -> str:
        return f"{self.doprint(node.shown)} + {node.rest}"

    def _print_Reference(self, node: Reference) -> str:
        number = f"({node.number})"
        return number if node.label is None else f"{self.doprint(node.label)} {number}"

    def _print_Indexed(self, node: Indexed) -> str:
        name = node.tensor.name
        if node.indices and node.tensor.naming != "bare":
            name += "_{" + node.subscript + "}"
        loss = node.tensor.derivative_of
        return f"∂{loss}/∂{name}" if loss else name

    def _print_IndexedSum(self, node: IndexedSum) -> str:
        sums = " ".join(f"Σ_{{{letter}={low}..{high}}}"
                        for letter, (low, high) in zip(node.letters, node.ranges))
        count = f"  {node.count_text}" if node.terms is not None else ""
        return f"{sums} {self.doprint(node.term)}{count}"

    def _print_Hadamard(self, node: Hadamard) -> str:
        return hcat([self.doprint(node.left), " ⊙ ", self.doprint(node.right)])

    def _print_Labeled(self, node: Labeled) -> str:
        label, value = f"{self.doprint(node.label)}:", self.doprint(node.value)
        if width_of(label) + 1 + width_of(value) > TERMINAL_WIDTH - 2:
            return label + "\n" + textwrap.indent(value, "  ")  # too wide side by side: stack
        return hcat([label + " ", value])

    def _print_Concat(self, node: Concat) -> str:
        return hcat([self.doprint(part) for part in node.parts])

    def _print_Matrix(self, node: Matrix) -> str:
        node = self.fitted(node)
        grid = as_grid(node.array)
        rows = node.rows or grid.shape[0]
        columns = node.columns or grid.shape[1]
        cells = [[self.cell(grid, r, c, node.marked) for c in range(columns)] for r in range(rows)]
        if columns < grid.shape[1]:
            cells = [row + ["⋯"] for row in cells]
        if rows < grid.shape[0]:
            cells.append(["⋮"] * len(cells[0]))
        widths = [max(len(row[c]) for row in cells) for c in range(len(cells[0]))]
        lines = ["  ".join(cell.rjust(w) for cell, w in zip(row, widths)) for row in cells]
        if len(lines) == 1:
            return f"[ {lines[0]} ]"
        left = ["⎡"] + ["⎢"] * (len(lines) - 2) + ["⎣"]
        right = ["⎤"] + ["⎥"] * (len(lines) - 2) + ["⎦"]
        return "\n".join(f"{l} {line} {r}" for l, line, r in zip(left, lines, right))

    def cell(self, grid: np.ndarray, row: int, column: int, marked: frozenset) -> str:
        text = self.doprint(grid[row, column])
        flat = row * grid.shape[1] + column
        return f"[{text}]" if flat in marked else text

    def _print_Equation(self, node: Equation) -> str:
        lines = []
        for number, tokens in enumerate(self.equation_lines(node)):
            pieces = ["    "] if number else []
            for position, (operator, piece) in enumerate(tokens):
                if operator:
                    pieces.append(f"{operator} " if position == 0 else f" {operator} ")
                pieces.append(self.doprint(piece))
            lines.append(hcat(pieces))
        return "\n".join(lines)

    # -- blocks -------------------------------------------------------------------------------------
    def _print_Heading(self, node: Heading) -> str:
        underline = "=" if node.level == 1 else "-"
        text = "".join(self.doprint(part) for part in node.parts)
        return f"{text}\n{underline * min(len(text), TERMINAL_WIDTH)}"

    def _print_Paragraph(self, node: Paragraph) -> str:
        text = "".join(self.doprint(part) for part in node.parts)
        return textwrap.fill(text, TERMINAL_WIDTH, break_long_words=False, break_on_hyphens=False)

    def _print_Display(self, node: Display) -> str:
        """Equations one under another, line after line (as LaTeX's align*); with a blank line
        between them when one is set in two dimensions (a matrix), or is not an equation."""
        rows = [textwrap.indent(self.doprint(row), "  ") for row in node.rows]
        flat = all(isinstance(row, Equation) and "⎡" not in text for row, text in zip(node.rows, rows))
        return ("\n" if flat else "\n\n").join(rows)

    def tagged(self, node: Numbered) -> str:
        label = f"({node.number}) "
        lines = self.doprint(node.math).split("\n")
        if isinstance(node.math, Gallery):  # its rows are indented; the number goes in front
            lines = [line[2:] for line in lines]
        return "\n".join([label + lines[0]] + [(" " * len(label) + line).rstrip() for line in lines[1:]])

    def _print_Captioned(self, node: Captioned) -> str:
        value, label = self.doprint(node.value), self.doprint(node.label)
        width = max(width_of(value), width_of(label))
        return value + "\n" + label.center(width).rstrip()

    def _print_Gallery(self, node: Gallery) -> str:
        texts = [self.doprint(item) for item in self.gallery_items(node)]
        _, rows = self.gallery_rows(node, [width_of(text) for text in texts])
        return "\n\n".join(textwrap.indent(hcat([part for i in row for part in (texts[i], GALLERY_GAP)][:-1]),
                                           "  ") for row in rows)

    def _print_Figure(self, node: Figure) -> str:
        return self.joined([self.doprint(block) for block in self.figure_blocks(node)])

    def figure_blocks(self, figure: Figure) -> list:
        """A terminal draws no pictures: the matrices beside them say the same, unless the
        picture stands ``alone``; then its grids are matrices, highlighted and ringed cells
        marked [like this], and its caption follows."""
        if not figure.alone:
            return []
        items = []
        for grid in figure.grids:
            cells = np.vectorize(lambda cell: 0 if cell is None else cell, otypes=[object])(grid.cells)
            marked = frozenset(grid.marked).union(*grid.highlighted)
            items.append(Labeled(grid.label, Matrix(cells, marked)))
        caption = Paragraph(tuple(figure.caption) + (" (Ringed and shaded entries are marked [like this].)",))
        return [Gallery(tuple(items)), caption]

    def _print_Document(self, document: Document) -> str:
        title = document.title
        parts = [f"{title}\n{'#' * min(len(title), TERMINAL_WIDTH)}"]
        parts += self.blocks(document)
        return "\n".join(fold(line) for line in "\n\n".join(parts).split("\n")) + "\n"
