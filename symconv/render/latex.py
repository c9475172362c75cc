"""Worked solutions as LaTeX (a standalone ``article`` by default, or only the body).

Printed from the term data directly: symbols through :func:`latex_entry_name`, polynomials through
the shared :class:`Printer` logic. sympy's ``latex()`` is never used here (it is some 400× slower).
Needs only amsmath, amssymb and geometry (Debian: texlive-latex-base, texlive-latex-recommended).
"""

from __future__ import annotations

import re
from fractions import Fraction

import numpy as np

from ..document import (Bracket, Call, Concat, Derivative, Display, Document, Equation, Formula,
                        Gallery, Group, Hadamard, Heading, Labeled, Matrix, Numbered, Paragraph, Power,
                        Product, Quotient, Root, TensorView, Truncated)
from ..poly import Poly, Symbol
from ..tensors import Tensor
from .arrange import ArrangingPrinter, as_grid, break_equation
from .latex_names import latex_entry_name
from .text_document import TextDocumentPrinter

PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[a4paper,margin=2cm]{geometry}
\usepackage{amsmath,amssymb}
\setcounter{MaxMatrixCols}{40}
\renewcommand{\arraystretch}{1.3}
\allowdisplaybreaks
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.6em}
"""

# Our own Unicode math notation (Formula nodes, words) and what it is in LaTeX math.
MATH_CHARACTERS = {"−": "-", "·": r"\cdot ", "×": r"\times ", "⊙": r"\odot ", "∂": r"\partial ",
                   "⌊": r"\left\lfloor ", "⌋": r"\right\rfloor ", "…": r"\dots ", "⋯": r"\cdots ",
                   "→": r"\to ", "Σ": r"\sum ", "≤": r"\le ", "°": r"^\circ ", "⋮": r"\vdots "}
TEXT_SPECIALS = {"–": "--", "—": "---", "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$",
                 "&": r"\&", "#": r"\#", "^": r"\^{}", "_": r"\_", "%": r"\%", "~": r"\~{}"}


def latex_words(text: str) -> str:
    """Words (ours, or a problem's title) for LaTeX text mode: specials escaped, our Unicode math
    characters as math, any other non-ASCII character as ``?`` (pdflatex cannot set it)."""
    out = []
    for char in text:
        if char in TEXT_SPECIALS:
            out.append(TEXT_SPECIALS[char])
        elif char in MATH_CHARACTERS:
            out.append(f"${MATH_CHARACTERS[char].strip()}$")
        elif ord(char) > 126 or (ord(char) < 32 and char not in "\n"):
            out.append("?")
        else:
            out.append(char)
    return "".join(out)


def latex_math_text(text: str) -> str:
    """Our Unicode math notation in LaTeX; words such as ``rot180`` or ``size`` set upright."""
    text = re.sub(r"[a-z]{3,}\d*", lambda word: rf"\operatorname{{{word.group()}}}", text)
    text = re.sub(r"\^\(([^()]*)\)", r"^{\1}", text)  # x^(p − 1): the whole exponent raised
    return "".join(MATH_CHARACTERS.get(char, char) for char in text)


class LatexPrinter(ArrangingPrinter):
    """LaTeX math for the document nodes; blocks as LaTeX display environments."""

    times = " "
    power = "^"
    # Widths are measured with the text printer; typeset math is narrower than its text form
    # (stacked fractions, small subscripts, no ·), so a LaTeX line holds more text characters.
    line_width = 120
    gallery_width = 88  # matrices set side by side take their full text width, \qquad more

    def __init__(self, loss: str = "L"):
        self.loss = loss
        self.text = TextDocumentPrinter(loss)  # measures widths for line breaks

    def measure(self, piece) -> int:
        """Text width, a quarter more for indicators ([x = max(…)], [x > 0]): unlike fractions and
        subscripts they typeset no narrower than their text."""
        width = self.text.measure(self.fit_all(piece))
        if isinstance(piece, Poly) and any(isinstance(atom.notation(), Bracket)
                                           for monomial in piece.terms for atom in monomial):
            width += width // 4
        return width

    def cell_width(self, value, marked: bool) -> int:
        return self.text.cell_width(value, marked)

    # -- numbers and names --------------------------------------------------------------------------
    def _print_Fraction(self, number: Fraction) -> str:
        sign = "-" if number < 0 else ""
        return rf"{sign}\frac{{{abs(number.numerator)}}}{{{number.denominator}}}"

    def _print_Symbol(self, symbol: Symbol) -> str:
        return latex_entry_name(symbol)

    def monomial(self, symbols) -> str:
        return re.sub(r"\^(\d{2,})", r"^{\1}", super().monomial(symbols))  # x^{10}, not x^10

    # -- powers and quotients (LP pooling's root) ------------------------------------------------
    def _print_Power(self, node: Power) -> str:
        return rf"{self.doprint(node.base)}^{{{self.doprint(node.exponent)}}}"

    def _print_Quotient(self, node: Quotient) -> str:
        return rf"\frac{{{self.doprint(node.numerator)}}}{{{self.doprint(node.denominator)}}}"

    def _print_Tensor(self, tensor: Tensor) -> str:
        return tensor.name

    def _print_str(self, text: str) -> str:
        return rf"\text{{{latex_words(text)}}}"

    def _print_Formula(self, formula: Formula) -> str:
        return latex_math_text(formula.text)

    # -- math ---------------------------------------------------------------------------------------
    def name_only(self, symbol: Symbol) -> str:
        return latex_entry_name(symbol, with_derivative=False)

    def _print_Derivative(self, node: Derivative) -> str:
        top = node.top if isinstance(node.top, str) else self.name_only(node.top)
        bottom = (self.name_only(node.bottom) if isinstance(node.bottom, Symbol)
                  else self.doprint(node.bottom))
        return rf"\frac{{\partial {top}}}{{\partial {bottom}}}"

    def _print_Product(self, node: Product) -> str:
        return " ".join(self.product_factor(f) for f in node.factors)

    def _print_Truncated(self, node: Truncated) -> str:
        return f"{self.doprint(node.shown)} + {self.doprint(node.rest)}"

    def _print_Call(self, node: Call) -> str:
        return rf"\{node.name}({', '.join(self.doprint(a) for a in node.args)})"

    def _print_Group(self, node: Group) -> str:
        return rf"\left({self.doprint(node.inner)}\right)"

    def _print_Root(self, node: Root) -> str:
        """``\\sqrt{\\frac{Σ x^2}{N}}`` for p = 2, else ``\\left(\\frac{Σ x^p}{N}\\right)^{1/p}``."""
        inner = self.doprint(node.power_sum)
        if node.divisor > 1:
            inner = rf"\frac{{{inner}}}{{{node.divisor}}}"
        if node.p == 1:  # no root to take
            return inner
        if node.p == 2:
            return rf"\sqrt{{{inner}}}"
        return rf"\left({inner}\right)^{{1/{node.p}}}"

    def _print_Hadamard(self, node: Hadamard) -> str:
        return rf"{self.doprint(node.left)} \odot {self.doprint(node.right)}"

    def _print_Labeled(self, node: Labeled) -> str:
        label = (rf"\text{{{latex_words(node.label)}}}" if isinstance(node.label, str)
                 else self.doprint(node.label))
        return rf"{label}\colon\ {self.doprint(node.value)}"

    def _print_Concat(self, node: Concat) -> str:
        return "".join(self.doprint(part) for part in node.parts)

    def _print_TensorView(self, node: TensorView) -> str:
        return "\n\n".join(self.doprint(block) for block in self.arrange(node))

    def _print_Matrix(self, node: Matrix) -> str:
        node = self.fitted(node)
        grid = as_grid(node.array)
        rows = node.rows or grid.shape[0]
        columns = node.columns or grid.shape[1]
        lines = []
        for r in range(rows):
            cells = [self.cell(grid, r, c, node.marked) for c in range(columns)]
            if columns < grid.shape[1]:
                cells.append(r"\cdots")
            lines.append(" & ".join(cells))
        if rows < grid.shape[0]:
            corner = [r"\ddots"] if columns < grid.shape[1] else []
            lines.append(" & ".join([r"\vdots"] * columns + corner))
        return r"\begin{bmatrix} " + r" \\ ".join(lines) + r" \end{bmatrix}"

    def cell(self, grid: np.ndarray, row: int, column: int, marked: frozenset) -> str:
        text = self.doprint(grid[row, column])
        return rf"\boxed{{{text}}}" if row * grid.shape[1] + column in marked else text

    def _print_Equation(self, node: Equation) -> str:
        lines = break_equation(node, self.measure, self.line_width)
        if len(lines) == 1:
            return self.tokens(lines[0])
        # aligned: the first line aligns at its first "=", continuation lines start at that "="
        first = lines[0]
        split = next((i for i, (operator, _) in enumerate(first) if operator.startswith("=")), 0)
        lead = self.tokens(first[:split]) + " " if split else ""
        printed = [lead + "&" + self.tokens(first[split:])]
        for tokens in lines[1:]:
            lead = "&" if tokens[0][0].startswith("=") else r"&\quad "
            printed.append(lead + self.tokens(tokens))
        return r"\begin{aligned} " + r" \\ ".join(printed) + r" \end{aligned}"

    def tokens(self, tokens) -> str:
        return " ".join(f"{operator} {self.doprint(piece)}" if operator else self.doprint(piece)
                        for operator, piece in tokens)

    # -- blocks -------------------------------------------------------------------------------------
    def _print_Heading(self, node: Heading) -> str:
        command = {1: "section", 2: "subsection"}.get(node.level, "subsubsection")
        return rf"\{command}*{{{''.join(self.inline(part) for part in node.parts)}}}"

    def inline(self, part) -> str:
        return latex_words(part) if isinstance(part, str) else f"${self.doprint(part)}$"

    def _print_Paragraph(self, node: Paragraph) -> str:
        return "".join(self.inline(part) for part in node.parts)

    def display(self, math: str) -> str:
        return "\\[\n" + math + "\n\\]"

    def _print_Display(self, node: Display) -> str:
        return "\n".join(self.display(self.doprint(row)) for row in node.rows)

    def _print_Numbered(self, node: Numbered) -> str:
        return ("\\begin{equation*}\n" + self.doprint(node.math) + rf" \tag{{{node.number}}}"
                + "\n\\end{equation*}")

    def gallery_lines(self, node: Gallery) -> list[str]:
        """Each row of the gallery as one line of math, items a \\qquad apart."""
        rows = self.gallery_rows(node, [self.text.measure(self.fit_all(item)) for item in node.items])
        return [r" \qquad ".join(self.doprint(node.items[i]) for i in row) for row in rows]

    def _print_Gallery(self, node: Gallery) -> str:
        return "\n".join(self.display(line) for line in self.gallery_lines(node))

    def body(self, document: Document) -> str:
        return "\n\n".join(self.blocks(document)) + "\n"

    def _print_Document(self, document: Document) -> str:
        return (PREAMBLE + "\\begin{document}\n"
                + rf"\begin{{center}}\Large {latex_words(document.title)}\end{{center}}" + "\n\n"
                + self.body(document) + "\\end{document}\n")
