"""Worked solutions as one self-contained, interactive HTML page, the mathematics in MathML.

Browsers typeset MathML themselves, so the page needs nothing from the network: no script, font or
stylesheet is fetched; its small style sheet and script are inline. Every displayed tensor entry
carries ``data-tensor="NAME" data-index="i,j"`` and every displayed gradient entry ∂L/∂NAME_ij
``data-grad="NAME" data-index="i,j"`` (0-based, in the tensor's declared shape, whatever its
display base). Gradient entries whose chain rule the document knows
(:attr:`~symconv.document.Document.relations`) can be focused (``tabindex``): hovering or focusing
one marks it ``sc-active``, marks every displayed entry its chain rule reads ``sc-related`` (the
next layer's gradient entries it sums over and the entries its local derivatives are), and shows
its chain-rule equation at the bottom of the page.

Widths are measured in pixels from the LaTeX printer's estimate of the same math: browsers set
MathML in Latin Modern Math (or a font of its metrics) at the page's 17 pixels, 16.5 pixels per
em of that estimate, 17 more for each matrix's stretched brackets and 4 for each fraction
(measured in Chromium on every example). Text stays in a column of 62 em; a display may be as wide as
:data:`DISPLAY_EM` where the window has room (a 5 × 5 matrix of sums is not cut into blocks in a
1400-pixel window) and scrolls sideways in a narrower one.
"""

from __future__ import annotations

import html
import json
import re
from fractions import Fraction
from typing import NamedTuple

import numpy as np

from ..document import (Bracket, Call, ChainFactors, Concat, Derivative, Display, Document, Equation, Figure,
                        Formula, Gallery, Group, Hadamard, Heading, Labeled, Matrix, Numbered, Paragraph,
                        Power, Product, Quotient, Sum, TensorView, Truncated)
from ..poly import Poly, Symbol
from ..tensors import Tensor
from .arrange import MAX_ROWS, ArrangingPrinter, Captioned, as_grid, is_tall
from .latex import LatexPrinter
from .latex_width import COLUMN_GAP, MATRIX_SIDES, latex_width
from .picture import svg
from .text_document import TextDocumentPrinter

INVISIBLE_TIMES = "<mo>&#x2062;</mo>"
MINUS = "−"


class Tagged(NamedTuple):
    """A matrix cell that is a tensor's entry or a gradient's entry: ``attributes`` say which.
    Other printers (the text printer that measures) see only its value."""

    value: object
    attributes: str

    def notation(self):
        return self.value


def index_text(tensor: Tensor, flat: int) -> str:
    return ",".join(map(str, tensor.index_of(flat)))


def escape(text: str) -> str:
    return html.escape(text, quote=True)


def mrow(*parts: str) -> str:
    return "<mrow>" + "".join(parts) + "</mrow>"


def operator(text: str) -> str:
    return f"<mo>{escape(text)}</mo>"


def fence(opening: str, inner: str, closing: str, stretchy: bool = False) -> str:
    """``( inner )`` as its own row; brackets stretch only around tall content (a matrix, a
    fraction): stretched parentheses around a line of text come out wide and loose."""
    attribute = "" if stretchy else ' stretchy="false"'
    return mrow(f"<mo{attribute}>{escape(opening)}</mo>", inner, f"<mo{attribute}>{escape(closing)}</mo>")


def identifier_markup(word: str) -> str:
    """``A`` (italic), ``Y1`` (Y then 1), ``rot180`` or ``max`` (upright, one word)."""
    letters = re.fullmatch(r"([A-Za-z])(\d+)", word)
    if letters:
        return mrow(f"<mi>{letters.group(1)}</mi>", f"<mn>{letters.group(2)}</mn>")
    return f"<mi>{escape(word)}</mi>"


FENCES = {"(": ")", "[": "]", "⌊": "⌋", "{": "}"}
TIGHT = ("∂", "/")  # written without space around them, as in ∂L/∂x
FORMULA_TOKEN = re.compile(r"\s*(\d+|[A-Za-z][A-Za-z0-9]*|.)", re.S)


def formula_markup(text: str) -> str:
    """Our Unicode math notation (``O = ⌊(I − K + 2P)/S⌋ + 1``, ``Σ_k``, ``x^(p−1)``) as MathML."""
    tokens = [t for t in FORMULA_TOKEN.findall(text) if t.strip()]
    pieces, _ = formula_pieces(tokens, 0, None)
    return mrow(*pieces)


def formula_pieces(tokens: list[str], at: int, closing: str | None) -> tuple[list[str], int]:
    pieces: list[str] = []
    while at < len(tokens):
        token = tokens[at]
        if token == closing:
            return pieces, at + 1
        at += 1
        if token in "_^" and pieces and at < len(tokens):
            if tokens[at] in "({":
                inner, at = formula_pieces(tokens, at + 1, ")" if tokens[at] == "(" else "}")
                script = mrow(*inner)
            else:
                script, at = formula_pieces([tokens[at]], 0, None)[0][0], at + 1
            tag = "msub" if token == "_" else "msup"
            pieces[-1] = f"<{tag}>{pieces[-1]}{script}</{tag}>"
        elif token.isdigit():
            pieces.append(f"<mn>{token}</mn>")
        elif token[0].isalpha():
            pieces.append(identifier_markup(token))
        elif token in FENCES:  # a fence opens its own row, so its spacing is that of a fence
            inner, at = formula_pieces(tokens, at, FENCES[token])
            pieces.append(fence(token, mrow(*inner), FENCES[token]))
        elif token in TIGHT:
            pieces.append(f'<mo lspace="0" rspace="0">{escape(token)}</mo>')
        else:
            pieces.append(operator(token))
    return pieces, at


FONT_PX = 17  # the page's text, and its math
PX_PER_EM = 16.5  # MathML's pixels per em of the LaTeX printer's estimate (render/latex_width.py)
MATRIX_PX = 17  # more for each matrix: its stretched brackets
FRACTION_PX = 4  # more for each fraction
DISPLAY_EM = 80  # the widest a display may be (the text is 62 em wide)
CONTINUED = ' class="sc-more"'  # a line that goes on with a sum: indented


class HtmlPrinter(ArrangingPrinter):
    """MathML for the math nodes, HTML for the blocks, SVG for the pictures; one page. Widths are
    in pixels."""

    interactive = True  # its documents need the chain-rule relations
    times = INVISIBLE_TIMES
    line_width = 0.97 * DISPLAY_EM * FONT_PX  # less 3 %: what browsers set is within 3 % of the estimate
    gallery_width = 0.95 * DISPLAY_EM * FONT_PX  # small matrices: within 5 %
    indent = 3 * FONT_PX  # .sc-more
    column_gap = 0.9 * FONT_PX  # mtd's padding
    bracket_width = MATRIX_SIDES * PX_PER_EM + MATRIX_PX
    ellipsis_width = (COLUMN_GAP + 1.2) * PX_PER_EM
    gallery_gap = 2.5 * FONT_PX  # .sc-grid's gap
    tag_width = 4 * FONT_PX  # "(25)" and the gap before it, beside a numbered equation
    figure_width = 62 * FONT_PX  # the page's column
    smallest_gallery = 0.75  # as a footnote's math

    def __init__(self, loss: str = "L"):
        self.loss = loss
        self.latex = LatexPrinter(loss)  # measures widths
        self.text = TextDocumentPrinter(loss)  # a picture's labels and its caption's words
        self.factors: dict[str, ChainFactors] = {}  # "NAME:i,j" -> its chain rule, when known
        self.upstream: str | None = None  # the last output: the given upstream's entries are its gradient's
        self.shown: dict[str, None] = {}  # the focusable entries printed so far, in order
        self.recording = True  # off while printing the equations the page shows on focus

    # -- measuring ----------------------------------------------------------------------------------
    def measure(self, node) -> float:
        return pixels(self.latex.doprint(self.fit_all(node)))

    def cell_width(self, value, marked: bool) -> float:
        return self.latex.cell_width(value, marked) * PX_PER_EM

    def operator_width(self, sign: str) -> float:
        return self.latex.operator_width(sign) * PX_PER_EM

    def label_width(self, label: str) -> float:
        return self.latex.label_width(label) * PX_PER_EM

    def plain(self, value):
        return value.value if isinstance(value, Tagged) else value

    def too_long(self, array: np.ndarray) -> bool:
        untagged = np.vectorize(self.plain, otypes=[object])
        return super().too_long(untagged(array) if array.size else array)

    # -- which entry an element shows -----------------------------------------------------------------
    def gradient_attributes(self, name: str, index: str, also: str = "") -> str:
        key = f"{name}:{index}"
        attributes = f' data-grad="{escape(name)}"{also} data-index="{index}"'
        if key in self.factors and self.recording:
            self.shown[key] = None
            attributes += ' class="sc-entry" tabindex="0"'
        return attributes

    def entry_attributes(self, symbol: Symbol) -> str:
        """Which entry a displayed symbol is: a tensor's (``data-tensor``), a gradient's
        (``data-grad``: written ∂L/∂Y_00, or the given upstream ``d1``), or both."""
        tensor = symbol.tensor
        index = index_text(tensor, symbol.flat)
        if tensor.derivative_of:
            return self.gradient_attributes(tensor.name, index)
        if tensor.role == "upstream" and self.upstream is not None:
            return self.gradient_attributes(self.upstream, index, f' data-tensor="{escape(tensor.name)}"')
        return f' data-tensor="{escape(tensor.name)}" data-index="{index}"'

    def tagged_array(self, view: TensorView) -> np.ndarray:
        """The view's array with each cell saying whose entry it is: a gradient view's cells are
        ∂L/∂T's entries, a tensor's own entries (the problem statement) are T's; anything else
        in a tensor's shape (a running sum) is left as it is."""
        tensor, array = view.tensor, view.array
        if view.gradient_of:
            cells = [Tagged(v, self.gradient_attributes(tensor.name, index_text(tensor, flat)))
                     for flat, v in enumerate(array.flat)]
        elif array.size == tensor.size and all(v == e for v, e in zip(array.flat, tensor.entries())):
            cells = [Tagged(v, self.entry_attributes(Symbol(tensor, flat)))
                     for flat, v in enumerate(array.flat)]
        else:
            return array
        tagged = np.empty(len(cells), dtype=object)
        tagged[:] = cells
        return tagged.reshape(array.shape)

    # -- numbers, names, polynomials ------------------------------------------------------------------
    def _print_int(self, number: int) -> str:
        return f"<mn>{number}</mn>" if number >= 0 else mrow(operator(MINUS), f"<mn>{-number}</mn>")

    def _print_Fraction(self, number: Fraction) -> str:
        fraction = f"<mfrac><mn>{abs(number.numerator)}</mn><mn>{number.denominator}</mn></mfrac>"
        return mrow(operator(MINUS), fraction) if number < 0 else fraction

    def name_markup(self, symbol: Symbol) -> str:
        base, subscript, _ = symbol.tensor.entry_name(symbol.flat)
        if not subscript:
            return identifier_markup(base)
        numbers = ("".join(map(str, subscript)) if len(subscript) <= 2 and max(subscript) <= 9
                   else ",".join(map(str, subscript)))
        return f"<msub>{identifier_markup(base)}<mn>{numbers}</mn></msub>"

    def partial(self, top: str, bottom: str, attributes: str = "") -> str:
        return (f"<mfrac{attributes}>{mrow(operator('∂'), top)}{mrow(operator('∂'), bottom)}"
                "</mfrac>")

    def _print_Symbol(self, symbol: Symbol, attributes: str | None = None) -> str:
        attributes = self.entry_attributes(symbol) if attributes is None else attributes
        loss = symbol.tensor.derivative_of
        if loss:
            return self.partial(identifier_markup(loss), self.name_markup(symbol), attributes)
        return f"<mrow{attributes}>{self.name_markup(symbol)}</mrow>"

    def _print_Tensor(self, tensor: Tensor) -> str:
        return identifier_markup(tensor.name)

    def raised(self, name: str, count: int) -> str:
        return f"<msup>{name}<mn>{count}</mn></msup>"

    def symbol_name(self, atom) -> str:
        return self.doprint(atom)  # not remembered: an entry's attributes depend on where it stands

    def monomial_markup(self, coefficient, symbols: tuple) -> str:
        parts = [] if coefficient == 1 and symbols else [self.doprint(coefficient)]
        return INVISIBLE_TIMES.join(parts + ([self.monomial(symbols)] if symbols else []))

    def _print_Poly(self, poly: Poly) -> str:
        pieces: list[str] = []
        for monomial, coefficient in poly.sorted_terms():
            body = self.monomial_markup(abs(coefficient), monomial)
            if pieces:
                pieces.append(operator(MINUS if coefficient < 0 else "+") + body)
            else:
                pieces.append((operator(MINUS) if coefficient < 0 else "") + body)
        return mrow(*pieces) if pieces else "<mn>0</mn>"

    def _print_str(self, text: str) -> str:
        return f"<mtext>{escape(text)}</mtext>"

    def _print_Formula(self, formula: Formula) -> str:
        return formula_markup(formula.text)

    # -- math nodes -----------------------------------------------------------------------------------
    def _print_Derivative(self, node: Derivative) -> str:
        top = (identifier_markup(node.top) if isinstance(node.top, str)
               else self.name_markup(node.top))
        if isinstance(node.bottom, Symbol):
            attributes = ""
            if isinstance(node.top, str):  # ∂L/∂x_ij: an entry of a gradient
                attributes = self.gradient_attributes(node.bottom.tensor.name,
                                                      index_text(node.bottom.tensor, node.bottom.flat))
            return self.partial(top, self.name_markup(node.bottom), attributes)
        return self.partial(top, self.doprint(node.bottom))

    def _print_Sum(self, node: Sum) -> str:
        return mrow(*[(operator("+") if i else "") + self.doprint(t) for i, t in enumerate(node.terms)]) \
            if node.terms else "<mn>0</mn>"

    def is_negative(self, node) -> bool:
        if isinstance(node, (int, Fraction)):
            return node < 0
        if isinstance(node, Poly) and node.terms:
            return node.sorted_terms()[0][1] < 0
        return False

    def _print_Product(self, node: Product) -> str:
        factors = [fence("(", self.doprint(f), ")") if self.is_negative(f) else self.doprint(f)
                   for f in node.factors]
        return mrow(INVISIBLE_TIMES.join(factors))

    def _print_Call(self, node: Call) -> str:
        arguments = operator(",").join(self.doprint(a) for a in node.args)
        return mrow(identifier_markup(node.name), fence("(", arguments, ")"))

    def _print_Group(self, node: Group) -> str:
        return fence("(", self.doprint(node.inner), ")", is_tall(node.inner))

    def _print_Bracket(self, node: Bracket) -> str:
        return fence("[", self.doprint(node.inner), "]")

    def _print_Power(self, node: Power) -> str:
        return f"<msup>{self.doprint(node.base)}{self.doprint(node.exponent)}</msup>"

    def _print_Quotient(self, node: Quotient) -> str:
        return f"<mfrac>{self.doprint(node.numerator)}{self.doprint(node.denominator)}</mfrac>"

    def divided(self, text: str, divisor: int) -> str:
        return f"<mfrac>{text}<mn>{divisor}</mn></mfrac>"

    def root(self, text: str, p: int, *, divided: bool) -> str:
        if p == 2:
            return f"<msqrt>{text}</msqrt>"
        return f"<msup>{fence('(', text, ')', divided)}{self.doprint(Fraction(1, p))}</msup>"

    def _print_Truncated(self, node: Truncated) -> str:
        return mrow(self.doprint(node.shown), operator("+"), f"<mtext>{escape(node.rest)}</mtext>")

    def _print_Hadamard(self, node: Hadamard) -> str:
        return mrow(self.doprint(node.left), operator("⊙"), self.doprint(node.right))

    def _print_Labeled(self, node: Labeled) -> str:
        label = self.doprint(node.label)
        return mrow(label, '<mo rspace="0.5em">:</mo>', self.doprint(node.value))

    def _print_Concat(self, node: Concat) -> str:
        return mrow(*[self.doprint(part) for part in node.parts])

    def _print_Tagged(self, node: Tagged) -> str:
        if isinstance(node.value, Symbol):
            return self._print_Symbol(node.value, node.attributes)
        return f"<mrow{node.attributes}>{self.doprint(node.value)}</mrow>"

    def _print_Matrix(self, node: Matrix) -> str:
        node = self.fitted(node)
        grid = as_grid(node.array)
        rows = node.rows or grid.shape[0]
        columns = node.columns or grid.shape[1]
        lines = []
        for r in range(rows):
            cells = [self.cell(grid[r, c], r * grid.shape[1] + c in node.marked) for c in range(columns)]
            if columns < grid.shape[1]:
                cells.append(f"<mtd>{operator('⋯')}</mtd>")
            lines.append("<mtr>" + "".join(cells) + "</mtr>")
        if rows < grid.shape[0]:
            dots = [f"<mtd>{operator('⋮')}</mtd>"] * columns
            lines.append("<mtr>" + "".join(dots + ([f"<mtd>{operator('⋱')}</mtd>"]
                                                   if columns < grid.shape[1] else [])) + "</mtr>")
        return fence("[", "<mtable>" + "".join(lines) + "</mtable>", "]", stretchy=True)

    def cell(self, value, marked: bool) -> str:
        mark = ' class="sc-marked"' if marked else ""
        if isinstance(value, Tagged):
            inner = (self.name_markup(value.value) if isinstance(value.value, Symbol)
                     and not value.value.tensor.derivative_of else self.doprint(value.value))
            attributes = value.attributes
            if marked:
                attributes = (attributes.replace('class="', 'class="sc-marked ') if "class=" in attributes
                              else attributes + mark)
            return f"<mtd{attributes}>{inner}</mtd>"
        return f"<mtd{mark}>{self.doprint(value)}</mtd>"

    def tokens_markup(self, tokens) -> str:
        parts = []
        for operator_text, piece in tokens:
            for symbol in operator_text.split():
                parts.append(operator(MINUS if symbol == "-" else symbol))
            parts.append(self.doprint(piece))
        return mrow(*parts)

    def _print_Equation(self, node: Equation) -> str:
        return mrow(*[(operator("=") if i else "") + self.doprint(side) for i, side in enumerate(node.sides)])

    def _print_TensorView(self, node: TensorView) -> str:
        return "\n".join(self.doprint(block) for block in self.arrange(node))

    def arrange(self, view: TensorView) -> list:
        return super().arrange(view._replace(array=self.tagged_array(view)))

    # -- blocks ---------------------------------------------------------------------------------------
    def display_math(self, node, width: float | None = None) -> str:
        """A displayed formula; a long equation broken into lines (of ``width``, a display's by
        default), the lines that go on with a sum indented (one that starts with "=", a side of
        its own, such as a wide matrix, is not)."""
        if isinstance(node, Equation):
            lines = self.equation_lines(node, width)
            if len(lines) > 1:
                return '<div class="sc-lines">' + "".join(
                    f'<math display="block"{"" if not i or tokens[0][0].startswith("=") else CONTINUED}>'
                    f"{self.tokens_markup(tokens)}</math>" for i, tokens in enumerate(lines)) + "</div>"
            return f'<math display="block">{self.tokens_markup(lines[0])}</math>'
        return f'<math display="block">{self.doprint(node)}</math>'

    def inline(self, part) -> str:
        return escape(part) if isinstance(part, str) else f"<math>{self.doprint(part)}</math>"

    def _print_Heading(self, node: Heading) -> str:
        tag = "h2" if node.level == 1 else "h3"
        return f"<{tag}>{''.join(self.inline(p) for p in node.parts)}</{tag}>"

    def _print_Paragraph(self, node: Paragraph) -> str:
        return f"<p>{''.join(self.inline(p) for p in node.parts)}</p>"

    def _print_Display(self, node: Display) -> str:
        return '<div class="sc-display">' + "".join(self.display_math(r) for r in node.rows) + "</div>"

    def _print_Numbered(self, node: Numbered) -> str:
        body = self.display_math(node.math, self.line_width - self.tag_width)
        return (f'<div class="sc-numbered"><div class="sc-body">{body}</div>'
                f'<span class="sc-number">({node.number})</span></div>')

    def _print_Captioned(self, node: Captioned) -> str:
        return (f"<mtable><mtr><mtd>{self.doprint(node.value)}</mtd></mtr>"
                f"<mtr><mtd>{self.doprint(node.label)}</mtd></mtr></mtable>")

    def _print_Gallery(self, node: Gallery) -> str:
        """A grid gallery as a CSS grid of as many columns as its lines hold (the items of a
        column aligned), set smaller when it has to be; another as lines of items."""
        items = self.gallery_items(node)
        printed = [self.doprint(item) for item in items]
        scale, rows = self.gallery_rows(node, [self.measure(item) for item in items])
        if node.columns is None:
            return '<div class="sc-gallery">' + "".join(
                '<div class="sc-row">' + "".join(f'<math display="block">{printed[i]}</math>' for i in row)
                + "</div>" for row in rows) + "</div>"
        size = "" if scale == 1 else f"font-size:{scale:.0%};"
        return (f'<div class="sc-gallery"><div class="sc-grid" style="{size}grid-template-columns:'
                f'repeat({len(rows[0])},max-content)">'
                + "".join(f'<math display="block">{text}</math>' for text in printed) + "</div></div>")

    def figure_text(self, value) -> str:
        return self.text.doprint(value)

    def figure_attributes(self, value) -> str:
        return self.entry_attributes(value).replace(' class="sc-entry" tabindex="0"', "") \
            if isinstance(value, Symbol) else ""

    def _print_Figure(self, node: Figure) -> str:
        pictures = svg(node, self.figure_text, self.figure_width, self.figure_attributes,
                       "".join(p if isinstance(p, str) else self.text.doprint(p) for p in node.caption))
        return (f'<figure class="sc-figure"><div class="sc-picture">{pictures}</div>'
                f"<figcaption>{''.join(self.inline(p) for p in node.caption)}</figcaption></figure>")

    # -- the page -------------------------------------------------------------------------------------
    def relations_script(self) -> tuple[str, str]:
        """The relations of every focusable entry shown (JSON) and their equations (templates)."""
        self.recording = False
        data, templates = {}, []
        for number, key in enumerate(self.shown):
            factors = self.factors[key]
            data[key] = {"g": [f"{s.tensor.name}:{index_text(s.tensor, s.flat)}" for s in factors.upstream],
                         "t": [f"{s.tensor.name}:{index_text(s.tensor, s.flat)}" for s in factors.local],
                         "e": number}
            templates.append(f'<template id="sc-eq-{number}">{self.display_math(factors.equation)}</template>')
        text = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
        return f'<script type="application/json" id="sc-relations">{text}</script>', "".join(templates)

    def _print_Document(self, document: Document) -> str:
        if document.relations is not None:
            self.upstream = document.relations.upstream
            self.factors = {f"{f.entry.tensor.name}:{index_text(f.entry.tensor, f.entry.flat)}": f
                            for f in document.relations.entries}
        sections, contents = [], []
        for number, section in enumerate(document.sections):
            anchor = f"sc-{section.name}-{number}"
            heading = next((b for b in section.blocks if isinstance(b, Heading)), None)
            if heading is not None:
                contents.append(f'<li><a href="#{anchor}">'
                                f"{''.join(self.inline(p) for p in heading.parts)}</a></li>")
            sections.append(f'<section id="{anchor}">'
                            + "\n".join(self.doprint(b) for b in section.blocks) + "</section>")
        introduction = [self.doprint(block) for block in document.introduction]
        if self.cut:
            introduction.append(self.doprint(Paragraph((
                f"Large matrices show their first {MAX_ROWS} rows at most and as many columns as fit"
                " the line;"
                " ⋮ and ⋯ stand for the rest, which follow the same pattern.",))))
        relations, templates = self.relations_script()
        hint = (f"Hover over a gradient entry ∂{self.loss}/∂… (or reach it with Tab) to see its"
                " chain rule: the entries it reads light up." if self.shown else "")
        return PAGE.format(title=escape(document.title), style=STYLE, script=SCRIPT,
                           contents="".join(contents), introduction="\n".join(introduction),
                           sections="\n".join(sections), relations=relations, templates=templates,
                           hint=escape(hint))


def pixels(latex: str) -> float:
    """How wide browsers set, as MathML, the math the LaTeX printer writes as ``latex``."""
    return (latex_width(latex) * PX_PER_EM + latex.count(r"\begin{bmatrix}") * MATRIX_PX
            + latex.count(r"\frac") * FRACTION_PX)


def notebook_frame(page: str, height: int = 640) -> str:
    """The page inside a notebook cell: an iframe, so its style sheet and script stay its own."""
    return (f'<iframe srcdoc="{escape(page)}" title="symconv worked solution" sandbox="allow-scripts"'
            f' style="width:100%;height:{height}px;border:1px solid #d0d7de;border-radius:6px"></iframe>')


STYLE = """
body{font-family:"Source Serif 4",Georgia,"DejaVu Serif",serif;font-size:17px;line-height:1.5;
color:#1b1b1b;background:#fff;margin:0}
main{max-width:62em;margin:0 auto;padding:1.5em 2em 7em}
h1{font-size:1.7em;margin:.4em 0 .2em}h2{font-size:1.35em;margin-top:2em;border-bottom:1px solid #d0d7de}
h3{font-size:1.1em;margin-top:1.4em}
nav ol{columns:2;font-size:.9em;padding-left:1.2em}
math{font-family:math,"STIX Two Math","Latin Modern Math","DejaVu Math TeX Gyre",serif}
math[display=block]{margin:.5em 0}
.sc-display,.sc-gallery,.sc-numbered{width:max(100%,min(80em,calc(100vw - 2em)));
margin-left:calc((100% - max(100%,min(80em,calc(100vw - 2em))))/2);overflow-x:auto}
.sc-lines math.sc-more{padding-left:3em}
.sc-numbered{display:flex;align-items:center;gap:1em;overflow-x:auto}
.sc-numbered .sc-body{flex:1}.sc-number{color:#57606a}
.sc-row{display:flex;flex-wrap:wrap;gap:0 2.5em;align-items:center}
.sc-grid{display:grid;gap:0 2.5em;align-items:center;justify-content:center}
mtd{padding:.15em .45em}
mtd.sc-marked{outline:1.5px solid #1b1b1b;outline-offset:-2px}
.sc-entry{cursor:pointer;border-radius:3px}
.sc-entry:focus{outline:2px solid #1f6feb;outline-offset:1px}
.sc-active{background:#ffe066!important}
.sc-related{background:#b2f2bb!important}
g.sc-related>rect:first-child{fill:#b2f2bb}
figure.sc-figure{margin:1em 0;overflow-x:auto}
figcaption{font-size:.92em;color:#3d444d;margin-top:.3em}
#sc-panel{position:fixed;left:0;right:0;bottom:0;background:#f6f8fa;border-top:1px solid #d0d7de;
padding:.3em 2em;max-height:25vh;overflow:auto;font-size:.95em;box-sizing:border-box}
#sc-panel:empty{display:none}
#sc-hint{color:#57606a;margin:.2em 0}
"""

SCRIPT = """
(function () {
  var relations = JSON.parse(document.getElementById("sc-relations").textContent);
  var panel = document.getElementById("sc-equation");
  var current = null, how = null;  // the active entry, and whether the mouse or the focus chose it
  function entries(kind, key) {
    var split = key.lastIndexOf(":");
    return document.querySelectorAll("[data-" + kind + "=\\"" + key.slice(0, split) +
      "\\"][data-index=\\"" + key.slice(split + 1) + "\\"]");
  }
  function clear() {
    document.querySelectorAll(".sc-active, .sc-related").forEach(function (element) {
      element.classList.remove("sc-active", "sc-related");
    });
    current = how = null;
  }
  function activate(element, by) {
    if (element === current) { how = by; return; }
    clear();
    var entry = relations[element.getAttribute("data-grad") + ":" + element.getAttribute("data-index")];
    if (!entry) return;
    current = element;
    how = by;
    panel.replaceChildren(document.getElementById("sc-eq-" + entry.e).content.cloneNode(true));
    element.classList.add("sc-active");
    entry.g.forEach(function (key) { entries("grad", key).forEach(function (e) { e.classList.add("sc-related"); }); });
    entry.t.forEach(function (key) { entries("tensor", key).forEach(function (e) { e.classList.add("sc-related"); }); });
  }
  function entryAt(node) {
    var element = node && node.closest ? node.closest(".sc-entry") : null;
    return element && !element.closest("#sc-panel") ? element : null;
  }
  // A page that scrolls under a resting pointer (a focused entry brought into view) sends mouse
  // events without the pointer moving: they must not take the entry away from the keyboard.
  var resting = false;
  document.addEventListener("mousemove", function (event) {
    if (!(event.movementX || event.movementY)) return;
    resting = false;
    var element = entryAt(event.target);
    if (element && element !== current) activate(element, "mouse");
  });
  document.addEventListener("mouseover", function (event) {
    var element = entryAt(event.target);
    if (element && !(how === "focus" && resting)) activate(element, "mouse");
  });
  document.addEventListener("mouseout", function (event) {
    if (how === "mouse" && !(event.relatedTarget && current.contains(event.relatedTarget))) clear();
  });
  document.addEventListener("focusin", function (event) {
    var element = entryAt(event.target);
    if (element) {
      activate(element, "focus");
      resting = true;
    }
  });
  document.addEventListener("focusout", function (event) {
    if (how === "focus" && event.target === current) clear();
  });
})();
"""

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="symconv">
<title>{title}</title>
<style>{style}</style>
</head>
<body>
<main>
<h1>{title}</h1>
<nav><ol>{contents}</ol></nav>
{introduction}
{sections}
</main>
<aside id="sc-panel" aria-live="polite"><p id="sc-hint">{hint}</p><div id="sc-equation"></div></aside>
{relations}
{templates}
<script>{script}</script>
</body>
</html>
"""
