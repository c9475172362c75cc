"""Worked solutions as LaTeX (a standalone ``article`` by default, or only the body).

Printed from the term data directly: symbols through :func:`.names.latex_names`, polynomials through
the shared :class:`Printer` logic. sympy's ``latex()`` is never used here (it is some 400× slower).
Needs only amsmath, amssymb, geometry, graphicx and tikz (Debian: texlive-latex-base,
texlive-latex-recommended, texlive-pictures); pictures are TikZ.
"""

from __future__ import annotations

import re
from fractions import Fraction

import numpy as np

from ..core.document import (Call, Concat, Derivative, Display, Document, Equation, Figure, Formula,
                        Gallery, Group, Hadamard, Heading, Indexed, IndexedSum, Labeled, Matrix, Numbered,
                        Paragraph, Power, Product, Quotient, Reference, Truncated)
from ..core.poly import Atom, Poly, Symbol
from ..core.tensors import Tensor
from .arrange import ArrangingPrinter, Captioned, as_grid, break_equation, value_key
from .names import document_latex_names
from .latex_width import BOX, COLUMN_GAP, MATRIX_SIDES, TEX_OPERATORS, fraction_width, latex_width
from .picture import tikz

PREAMBLE = r"""\documentclass[10pt]{article}
\usepackage[a4paper,margin=2cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{graphicx,tikz}
\setcounter{MaxMatrixCols}{40}
\renewcommand{\arraystretch}{1.3}
\allowdisplaybreaks
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.5em}
\sloppy  % lists of names in inline math: loose lines rather than lines past the margin
\makeatletter  % displays follow each other closely: a handout is mostly displays
\g@addto@macro\normalsize{\setlength\abovedisplayskip{5pt plus 2pt minus 2pt}%
\setlength\belowdisplayskip{5pt plus 2pt minus 2pt}%
\setlength\abovedisplayshortskip{2pt plus 2pt}\setlength\belowdisplayshortskip{4pt plus 2pt}}
\makeatother
"""

DISPLAYS = ("\\[", "\\begin{align*}", "\\begin{equation*}")  # how the blocks of displayed math begin
SIZE_COMMANDS = {0.9: r"\small", 0.8: r"\footnotesize", 0.7: r"\scriptsize"}  # KaTeX's (and MathJax's)
FIGURE_WIDTH = 770  # pixels of a picture's layout (picture.TIKZ_UNIT) that the text block holds

# Our own Unicode math notation (Formula nodes, words) and what it is in LaTeX math.
MATH_CHARACTERS = {"−": "-", "·": r"\cdot ", "×": r"\times ", "⊙": r"\odot ", "∂": r"\partial ",
                   "⌊": r"\left\lfloor ", "⌋": r"\right\rfloor ", "…": r"\dots ", "⋯": r"\cdots ",
                   "→": r"\to ", "Σ": r"\sum ", "≤": r"\le ", "°": r"^\circ ", "⋮": r"\vdots ",
                   "ᵀ": r"^\top ", "⌈": r"\lceil ", "⌉": r"\rceil ", "∗": r"\ast ", "²": "^2"}
TEXT_SPECIALS = {"–": "--", "—": "---", "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$",
                 "&": r"\&", "#": r"\#", "^": r"\^{}", "_": r"\_\allowbreak{}", "%": r"\%", "~": r"\~{}"}


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
    text = re.sub(r"(?<![A-Za-z0-9\\])[a-z][a-z0-9]*", lambda word: rf"\operatorname{{{word.group()}}}"
                  if sum(c.isalpha() for c in word.group()) >= 3 else word.group(), text)  # im2col, rot180
    text = re.sub(r"_(\\operatorname\{\w+\})", r"_{\1}", text)  # P_before: the whole word low
    text = re.sub(r"\^\(([^()]*)\)", r"^{\1}", text)  # x^(p − 1): the whole exponent raised
    return "".join(MATH_CHARACTERS.get(char, char) for char in text)


class LatexPrinter(ArrangingPrinter):
    """LaTeX math for the document nodes; blocks as LaTeX display environments."""

    times = " "
    power = "^"
    spell = document_latex_names  # names without the ∂L/∂, which _print_Symbol writes
    # Measured in em of the document's 10 pt font (latex_width.py reads the printed LaTeX back):
    # the text block of an A4 page with 2 cm margins is 483.7 pt = 48.4 em wide.
    line_width = 46.4  # less 4 %: the estimate is within 3 % of what TeX sets (at 11 pt; less sure at 10)
    tag_width = 3.0  # "(25)" and the space before it, beside a numbered equation
    column_gap = COLUMN_GAP
    bracket_width = MATRIX_SIDES
    ellipsis_width = COLUMN_GAP + 1.2  # a \cdots column
    gallery_gap = 2.0  # \qquad
    gallery_width = 46.4
    # A gallery may be set as small as a footnote's math at 11 pt: 8.25 pt, its subscripts 6 pt.
    smallest_gallery = 0.825
    size_commands = False  # KaTeX and MathJax: a smaller gallery is set with \small and the like
    # The text block is 257 mm = 731 pt high and a matrix row (\arraystretch 1.3) 15.6 pt: 46 rows
    # fill a page alone; a band leaves room for the text around it.
    page_rows = 36

    default_settings: dict[str, object] = {"fragment": False}  # fragment: the body only, to \\input

    def measure(self, piece: object) -> float:
        """The typeset width of the piece in em: its LaTeX, read back. A product's factors stand
        side by side, so their widths add up: each factor is read once however often it comes."""
        if isinstance(piece, Product):
            return sum(self.factor_width(factor) for factor in piece.factors)
        return self.term_width(piece, self.width_of)

    def width_of(self, piece: object) -> float:
        parts = self.monomial_parts(piece)
        if parts is not None:
            return sum(latex_width(part) for part in parts)
        return latex_width(self.doprint(self.fit_all(piece)))

    def monomial_parts(self, piece: object) -> list[str] | None:
        """A monomial of different symbols as the LaTeX of what stands side by side in it (its
        sign and coefficient, then each name), whose widths add up; None for anything else."""
        if not (isinstance(piece, Poly) and len(piece.terms) == 1):
            return None
        [(monomial, coefficient)] = piece.terms.items()
        if not monomial or len(set(monomial)) != len(monomial) or not all(
                isinstance(atom, Symbol) for atom in monomial):
            return None
        sign = "-" if coefficient < 0 else ""
        return [sign + self.coefficient(abs(coefficient), True), *map(self.symbol_name, monomial)]

    def factor_width(self, factor: object) -> float:
        """A factor of a product; a derivative ∂a/∂b from the widths of ∂a and ∂b."""
        if isinstance(factor, Derivative) and isinstance(factor.bottom, (str, Symbol)):
            top, bottom = self.derivative_parts(factor)
            return fraction_width(top, bottom)
        return latex_width(self.product_factor(factor))

    def cell_width(self, value: object, marked: bool) -> float:
        """A matrix cell's width, remembered by value: a matrix's cells are measured to decide
        whether it is too long for a matrix, then again to fit its columns."""
        key = value_key(value)
        if key is None:
            return latex_width(self.doprint(value), style=1) + (BOX if marked else 0.0)
        widths: dict[object, float] = self.__dict__.setdefault("_cell_widths", {})
        width = widths.get(key)
        if width is None:
            width = widths[key] = latex_width(self.doprint(value), style=1)
        return width + (BOX if marked else 0.0)

    def operator_width(self, sign: str) -> float:
        return latex_width(f"a {sign} b") - 2 * latex_width("a")

    def label_width(self, label: str) -> float:
        return latex_width(rf"\text{{{latex_words(label)}}}\colon\ ")

    @property
    def matrix_width(self) -> float:
        """A matrix may stand alone on an equation's continuation line, after its ``=``."""
        return self.line_width - 1.0 - self.operator_width("=")

    # -- numbers and names --------------------------------------------------------------------------
    def _print_Fraction(self, number: Fraction) -> str:
        sign = "-" if number < 0 else ""
        return rf"{sign}\frac{{{abs(number.numerator)}}}{{{number.denominator}}}"

    def _print_Symbol(self, symbol: Symbol) -> str:
        name = self.name_only(symbol)
        loss = symbol.tensor.derivative_of if symbol.tensor.naming != "bare" else None
        return rf"\frac{{\partial {loss}}}{{\partial {name}}}" if loss else name

    def monomial(self, symbols: tuple[Atom, ...]) -> str:
        text = super().monomial(symbols)
        return re.sub(r"\^(\d{2,})", r"^{\1}", text) if "^" in text else text  # x^{10}, not x^10

    # -- powers and quotients ---------------------------------------------------------------------
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
        return self.entry_name(symbol.tensor, symbol.flat)

    def _print_Derivative(self, node: Derivative) -> str:
        if not isinstance(node.bottom, (str, Symbol)):
            return self.derivative(node)
        printed = self.__dict__.setdefault("_derivatives", {})  # a chain rule repeats each many times
        if node not in printed:
            printed[node] = self.derivative(node)
        return printed[node]

    def derivative(self, node: Derivative) -> str:
        return r"\frac{%s}{%s}" % self.derivative_parts(node)

    def derivative_parts(self, node: Derivative) -> tuple[str, str]:
        """``∂top`` and ``∂bottom`` of ∂top/∂bottom, in LaTeX."""
        top = (node.top if isinstance(node.top, str) else self.name_only(node.top)
               if isinstance(node.top, Symbol) else self.doprint(node.top))
        bottom = (self.name_only(node.bottom) if isinstance(node.bottom, Symbol)
                  else self.doprint(node.bottom))
        return rf"\partial {top}", rf"\partial {bottom}"

    def _print_Product(self, node: Product) -> str:
        return " ".join(self.product_factor(f) for f in node.factors)

    def _print_Truncated(self, node: Truncated) -> str:
        return f"{self.doprint(node.shown)} + {self.doprint(node.rest)}"

    def _print_Call(self, node: Call) -> str:
        return f"{self.function_name(node)}({', '.join(self.doprint(a) for a in node.args)})"

    @staticmethod
    def function_name(node: Call) -> str:
        """The node's own LaTeX name, TeX's operator of that name (``\\max``), or
        ``\\operatorname{sigmoid}``, as sympy's printer falls back to."""
        if node.latex is not None:
            return node.latex
        return rf"\{node.name}" if node.name in TEX_OPERATORS else rf"\operatorname{{{node.name}}}"

    def _print_Group(self, node: Group) -> str:
        return rf"\left({self.doprint(node.inner)}\right)"

    def root(self, text: str, p: int, *, divided: bool) -> str:
        """``\\sqrt{…}`` for p = 2, else ``\\left(…\\right)^{1/p}``."""
        return rf"\sqrt{{{text}}}" if p == 2 else rf"\left({text}\right)^{{1/{p}}}"

    def _print_Hadamard(self, node: Hadamard) -> str:
        return rf"{self.doprint(node.left)} \odot {self.doprint(node.right)}"

    def _print_Labeled(self, node: Labeled) -> str:
        return self.label_prefix(node.label) + self.doprint(self.fit_all(node.value, self.room_beside(node.label)))

    def label_prefix(self, label: object) -> str:
        """``label: `` before a labelled value, on its line."""
        return (rf"\text{{{latex_words(label)}}}" if isinstance(label, str) else self.doprint(label)) + r"\colon\ "

    def room_beside(self, label: object) -> float:
        return latex_width(self.label_prefix(label))

    def _print_Concat(self, node: Concat) -> str:
        return "".join(self.doprint(part) for part in node.parts)

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
        rows = self.equation_rows(node)
        if len(rows) == 1:
            return rows[0].replace("&", "", 1)
        return r"\begin{aligned} " + r" \\ ".join(rows) + r" \end{aligned}"

    def equation_rows(self, node: Equation, width: float | None = None) -> list[str]:
        """The equation broken to fit (the line, or ``width``), each row aligned at its first
        line's "=": continuation rows start under it (after the left side), with a \\quad when
        they continue a sum."""
        lines = break_equation(node, self.measure, self.line_width if width is None else width,
                               self.operator_width, self.measure(node.sides[0]) + 1.0)
        first = lines[0]
        split = next((i for i, (operator, _) in enumerate(first) if operator.startswith("=")), 0)
        lead = self.tokens(first[:split]) + " " if split else ""
        printed = [lead + "&" + self.tokens(first[split:])]
        for tokens in lines[1:]:
            lead = "&" if tokens[0][0].startswith("=") else r"&\quad "
            printed.append(lead + self.tokens(tokens))
        return printed

    def display_equation(self, node: object, tag: str = "", width: float | None = None) -> str:
        """One displayed equation (broken to fit ``width``, the line's by default); one that takes
        several rows is an ``align*``, whose rows can break across pages (a chain-rule sum of 140
        terms is taller than a page)."""
        if isinstance(node, Equation):
            rows = self.equation_rows(node, width)
            if len(rows) > 1:
                return ("\\begin{align*}\n" + " \\\\\n".join([rows[0] + tag, *rows[1:]])
                        + "\n\\end{align*}")
        math = self.doprint(node)
        if tag:
            return "\\begin{equation*}\n" + math + tag + "\n\\end{equation*}"
        return self.display(math)

    def tokens(self, tokens: list[tuple[str, object]]) -> str:
        return " ".join(f"{operator} {self.doprint(piece)}" if operator else self.doprint(piece)
                        for operator, piece in tokens)

    # -- blocks -------------------------------------------------------------------------------------
    def _print_Heading(self, node: Heading) -> str:
        command = {1: "section", 2: "subsection"}.get(node.level, "subsubsection")
        return rf"\{command}*{{{''.join(self.inline(part) for part in node.parts)}}}"

    def inline(self, part: object) -> str:
        if isinstance(part, Reference):
            return f"({part.number})"
        return latex_words(part) if isinstance(part, str) else f"${self.doprint(part)}$"

    def _print_Paragraph(self, node: Paragraph) -> str:
        return "".join(self.inline(part) for part in node.parts)

    def display(self, math: str) -> str:
        return "\\[\n" + math + "\n\\]"

    def _print_Display(self, node: Display) -> str:
        """Equations one under another as one ``align*``, aligned at their "=" (a display per
        row would put a display's space above and below each); anything else a display each."""
        if len(node.rows) > 1 and all(isinstance(row, Equation) for row in node.rows):
            equations = [" \\\\\n".join(self.equation_rows(row)) for row in node.rows]
            return "\\begin{align*}\n" + " \\\\[2pt]\n".join(equations) + "\n\\end{align*}"
        return self.displays([self.display_equation(row) for row in node.rows])

    def displays(self, printed: list[str]) -> str:
        """Displays one after the other; consecutive one-line ones share a ``gather*``, so that
        they stand a line apart rather than two display skips."""
        parts: list[str] = []
        run: list[str] = []

        def flush() -> None:
            if len(run) == 1:
                parts.append(self.display(run[0]))
            elif run:
                parts.append("\\begin{gather*}\n" + " \\\\\n".join(run) + "\n\\end{gather*}")
            run.clear()

        for text in printed:
            if text.startswith("\\[\n") and text.endswith("\n\\]"):
                run.append(text[3:-3])
            else:
                flush()
                parts.append(text)
        flush()
        return "\n".join(parts)

    def tagged(self, node: Numbered) -> str:
        tag = rf" \tag{{{node.number}}}"
        if isinstance(node.math, Gallery):
            first, *rest = self.gallery_lines(node.math)
            return "\n".join(["\\begin{equation*}\n" + first + tag + "\n\\end{equation*}",
                              *(self.display(line) for line in rest)])
        return self.display_equation(node.math, tag, self.line_width - self.tag_width)  # beside its number

    def _print_Reference(self, node: Reference) -> str:
        number = rf"\text{{({node.number})}}"
        return number if node.label is None else rf"{self.doprint(node.label)}\ {number}"

    def _print_Indexed(self, node: Indexed) -> str:
        name = node.tensor.name
        if node.indices and node.tensor.naming != "bare":
            name += "_{" + node.separator.join(latex_math_text(i) for i in node.indices) + "}"
        loss = node.tensor.derivative_of
        return rf"\frac{{\partial {loss}}}{{\partial {name}}}" if loss else name

    def _print_IndexedSum(self, node: IndexedSum) -> str:
        sums = " ".join(rf"\sum_{{{letter}={low}}}^{{{high}}}"
                        for letter, (low, high) in zip(node.letters, node.ranges))
        count = rf" \quad \text{{{node.count_text}}}" if node.terms is not None else ""
        return f"{sums} {self.doprint(node.term)}{count}"

    def gallery_lines(self, node: Gallery) -> list[str]:
        """Each line of the gallery as one line of math, items a \\qquad apart, set smaller
        when the gallery has to be."""
        items = self.gallery_items(node)
        printed = [self.doprint(item) for item in items]
        scale, rows = self.gallery_rows(node, [self.measure(item) for item in items])
        return [self.scaled(r" \qquad ".join(printed[i] for i in row), scale) for row in rows]

    def scaled(self, math: str, scale: float) -> str:
        """Math set at ``scale`` of its size: scaled as a whole in LaTeX (a size command such as
        \\small is not allowed in math); KaTeX and MathJax have \\small, \\footnotesize and
        \\scriptsize in math, at 0.9, 0.8 and 0.7."""
        if scale == 1:
            return math
        if self.size_commands:
            return f"{{{SIZE_COMMANDS[scale]} {math}}}"
        return rf"\scalebox{{{scale:.3f}}}{{$\displaystyle {math}$}}"

    def _print_Captioned(self, node: Captioned) -> str:
        return rf"\begin{{gathered}} {self.doprint(node.value)} \\ {self.doprint(node.label)} \end{{gathered}}"

    def _print_Gallery(self, node: Gallery) -> str:
        return self.displays([self.display(line) for line in self.gallery_lines(node)])

    def _print_Figure(self, node: Figure) -> str:
        """A float: where the picture does not fit the rest of the page, the text goes on around
        it rather than leaving the page half empty."""
        picture = tikz(node, self.doprint, lambda math: latex_width(math, style=1), FIGURE_WIDTH)
        return ("\\begin{figure}[htbp]\n{\\centering\n" + picture + "\\par}\n\\medskip\n"
                + "".join(self.inline(part) for part in node.caption) + "\n\\end{figure}")

    def body(self, document: Document) -> str:
        return self.laid_out(self.blocks(document)) + "\n"

    def joined(self, texts: list[str]) -> str:
        return self.laid_out(texts)

    def laid_out(self, blocks: list[str]) -> str:
        """Blocks one after another, a blank line between paragraphs; a display goes on from the
        paragraph before it (a display that starts a paragraph leaves an empty line above it)."""
        return "".join(("\n" if block.startswith(DISPLAYS) else "\n\n") + block if number else block
                       for number, block in enumerate(blocks))

    def _print_Document(self, document: Document) -> str:
        if self.settings["fragment"]:
            return self.body(document)
        return (PREAMBLE + "\\begin{document}\n"
                + rf"\begin{{center}}\Large {latex_words(document.title)}\end{{center}}" + "\n\n"
                + self.body(document) + "\\end{document}\n")


class KatexPrinter(LatexPrinter):
    """The LaTeX math of Markdown viewers and notebooks, which KaTeX or MathJax typeset: a smaller
    gallery is set with \\small, \\footnotesize or \\scriptsize, which they have in math."""

    size_commands = True
    gallery_steps = (1.0, *SIZE_COMMANDS)
    smallest_gallery = 0.7  # KaTeX sets math at 1.21 times the text: 0.7 of it is 0.85 of the text
    # a Markdown page is not the 10 pt PDF: its math is measured as on an 11 pt page, as before
    line_width = 42.8
    gallery_width = 42.8

