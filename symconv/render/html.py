"""Worked solutions as one self-contained, interactive HTML page, the mathematics in MathML.

Browsers typeset MathML themselves, so the page needs nothing from the network: no script, font or
stylesheet is fetched; its small style sheet and script are inline. Every displayed tensor entry
carries ``data-tensor="NAME" data-index="i,j"`` and every displayed gradient entry ∂L/∂NAME_ij
``data-grad="NAME" data-index="i,j"`` (0-based, in the tensor's declared shape, whatever its
display base). Gradient entries whose chain rule the document knows
(:attr:`~symconv.core.document.Document.relations`) can be focused (``tabindex``): hovering or focusing
one marks it ``sc-active``, marks every displayed entry its chain rule reads ``sc-related`` (the
next layer's gradient entries it sums over and the entries its local derivatives are), and shows
its chain-rule equation at the bottom of the page.

That equation is built in the page, when it is needed, from compact data (:meth:`chain_data`): for
each gradient entry the page shows, the outputs its terms read and the entries of their local
derivatives as flat positions, and its sum as monomials of references; every tensor's entry names
are spelled once, as arrays (:func:`subscripts`), as are the names printed in the document.

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
from functools import lru_cache, partial
from string import Formatter
from typing import Any, Callable, Hashable, Iterable, NamedTuple, TypeVar

import numpy as np

from ..core.document import (MAX_ROWS, MAX_SUM_TERMS, Bracket, Call, ChainTerms, Concat, Derivative, Display, Document,
                        Equation, Figure, Formula, Gallery, Group, Hadamard, Heading, Indexed, IndexedSum,
                        Labeled, Matrix, Numbered, Paragraph, Power, Product, Quotient, Reference, Relations,
                        Sum, TensorView, Truncated, short)
from ..core.poly import Atom, Poly, Symbol
from ..engine.product_sums import (BlockTerms, Codes, Sums, TermFactors, block_products, named_as_valued, objects,
                            product_polys)
from ..core.tensors import EntryFactors, FactorTable, Role, Tensor
from .arrange import (CUT_NOTE, ArrangingPrinter, Captioned, as_grid, cut_short, is_tall, numbered_words,
                      value_key)
from .names import NAMED_AT_ONCE, entry_text, subscript_names, written
from .latex import LatexPrinter
from .latex_width import COLUMN_GAP, MATRIX_SIDES, latex_width
from .picture import svg
from .text_document import TextDocumentPrinter

T = TypeVar("T")

INVISIBLE_TIMES = "<mo>&#x2062;</mo>"
MINUS = "−"
PARTIAL = "<mo>∂</mo>"


class NumberedParagraph(NamedTuple):
    """A numbered result said in words (``(2) ∂L/∂W … are those of (17)–(25).``), which
    references link to by its number."""

    paragraph: Paragraph
    number: int | None


class EntryMarks(NamedTuple):
    """What an element showing a tensor's entry carries (:meth:`HtmlPrinter.entry_marks`): its
    attributes before and after the entry's index, and the gradient whose entry it is, when the
    page shows that entry's chain rule on focus."""

    before: str
    after: str
    focus: str | None


class Tagged(NamedTuple):
    """A matrix cell that is entry ``flat`` of ``tensor`` (``gradient``: of ∂L/∂tensor); its
    attributes are written when it is printed. Other printers (the text printer that measures)
    see only its value."""

    value: object
    tensor: Tensor
    flat: int
    gradient: bool

    def notation(self) -> object:
        return self.value


def index_text(tensor: Tensor, flat: int) -> str:
    return entry_text(tensor, flat, index_texts, one_index_text)


def one_index_text(tensor: Tensor, flat: int) -> str:
    """One entry's ``data-index``, as :func:`index_texts` writes every entry's."""
    return ",".join(map(str, tensor.index_of(flat)))


def index_texts(tensor: Tensor) -> np.ndarray:
    """Every entry's 0-based index in the declared shape, ``i,j``, as ``data-index`` writes it."""
    columns = np.unravel_index(np.arange(tensor.size), tensor.shape) if tensor.shape else ()
    return written(list(columns), "", ",", "") if columns else np.array([""], dtype=object)


def subscripts(tensor: Tensor) -> np.ndarray | None:
    """Every entry's subscript as its name writes it (``00``, ``0,12``; None for a bare name)."""
    return subscript_names(tensor) if tensor.subscripts else None


def name_markups(tensor: Tensor) -> np.ndarray:
    """Every entry's name as MathML (``<msub><mi>X</mi><mn>00</mn></msub>``), spelled at once."""
    base = identifier_markup(tensor.name)
    numbers = subscripts(tensor)
    if numbers is None:
        return np.full(tensor.size, base, dtype=object)
    return f"<msub>{base}<mn>" + numbers + "</mn></msub>"


def name_markup_of(tensor: Tensor, flat: int) -> str:
    """One entry's name as :func:`name_markups` writes it."""
    base = identifier_markup(tensor.name)
    if not tensor.subscripts:
        return base
    return f"<msub>{base}<mn>{subscript_names(tensor, np.array([flat]))[0]}</mn></msub>"


def distinct_symbols(monomial: tuple) -> bool:
    """Whether a monomial's atoms are tensor entries, none raised to a power, and there is one."""
    keys = {atom._key for atom in monomial if type(atom) is Symbol}  # tuples: hashed without a Python call
    return bool(monomial) and len(keys) == len(monomial)


def derivative_key(top: str | Symbol, bottom: Symbol) -> tuple:
    """∂top/∂bottom of two names (or a loss and a name) as a key: the names' keys, tuples hashed
    in C (a symbol's own hash is a Python call, and a chain rule has thousands of these); atoms
    are equal exactly when their keys are."""
    return (top if isinstance(top, str) else top._key, bottom._key)


def equation_key(node: object, width: float | None) -> tuple | None:
    """An equation that states a value (``∂L/∂W_11 = …``, which a listing, an entry's chain rule
    and the closed form may each display) and a width, as a key, its polynomials by value. None
    for another node, for an equation with a side that has no value key (a matrix), and for one
    that works a value out (three sides or more: a chain rule's sum of products, shown once, and
    as long to hash as to lay out)."""
    if not isinstance(node, Equation) or len(node.sides) != 2:
        return None
    sides = tuple(value_key(side) for side in node.sides)
    return None if None in sides else (width, sides)


def escape(text: str) -> str:
    return html.escape(text, quote=True)


@lru_cache(maxsize=256)
def escaped_name(name: str) -> str:
    """A tensor's name as an attribute value: :func:`escape`, remembered (every cell of a
    matrix names its tensor)."""
    return escape(name)


def mrow(*parts: str) -> str:
    return "<mrow>" + "".join(parts) + "</mrow>"


@lru_cache(maxsize=256)
def operator(text: str) -> str:
    """``<mo>text</mo>``, remembered: a page writes a few signs tens of thousands of times."""
    return f"<mo>{escape(text)}</mo>"


@lru_cache(maxsize=64)
def signs_markup(text: str) -> str:
    """The signs that start a piece of a broken equation (``=``, ``+``, ``= -``), each an
    ``<mo>``."""
    return "".join(operator(MINUS if sign == "-" else sign) for sign in text.split())


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

    def __init__(self, loss: str = "L", **settings: object) -> None:
        super().__init__(loss, **settings)
        self.latex = LatexPrinter(loss)  # measures widths
        self.text = TextDocumentPrinter(loss)  # a picture's labels and its caption's words
        # A page's own printer (:meth:`page_printer`) knows its document's chain rules; this one
        # knows none, so nothing it prints is focusable and :attr:`shown` stays empty.
        self.chains: dict[str, ChainTerms] = {}  # gradient name -> its chain rule
        self.upstream: str | None = None  # the last output: the given upstream's entries are its gradient's
        self.shown: dict[tuple[str, int], None] = {}  # the focusable entries printed, in order
        self.entry_marks_made: dict[tuple[Tensor, bool, bool], EntryMarks] = {}
        self.derivative_widths: dict[tuple, float] = {}

    def page_printer(self, relations: Relations | None) -> HtmlPrinter:
        """A printer for one page: this one's settings and the document's chain rules. It collects
        the focusable entries it prints (:attr:`shown`) and is dropped with the page, so the
        printer that made it prints any number of documents, each as if it were the first."""
        page = type(self)(self.loss, **self.settings)
        if relations is not None:
            page.upstream = relations.upstream
            page.chains = {chain.tensor.name: chain for chain in relations.gradients}
        return page

    # -- measuring ----------------------------------------------------------------------------------
    def measure(self, node: object) -> float:
        """The LaTeX printer's measure in pixels (:func:`pixels`); as there, the factors of a
        product and the names of a monomial stand side by side, so their widths add up, each
        name's read once however often it comes."""
        if isinstance(node, Product):
            return sum(self.factor_width(factor) for factor in node.factors)
        return self.term_width(node, self.width_of)

    def width_of(self, node: object) -> float:
        parts = self.latex.monomial_parts(node)
        if parts is not None:
            return sum(pixels(part) for part in parts)
        return pixels(self.latex.doprint(self.fit_all(node)))

    def factor_width(self, factor: object) -> float:
        """A factor of a product; ∂a/∂b of two names from the widths of ∂a and ∂b, and one
        fraction, remembered (a chain rule's ∂L/∂y_k comes back in every entry that reads y_k)."""
        if (isinstance(factor, Derivative) and isinstance(factor.top, (str, Symbol))
                and isinstance(factor.bottom, Symbol)):
            key = derivative_key(factor.top, factor.bottom)
            width = self.derivative_widths.get(key)
            if width is None:
                width = self.derivative_widths[key] = self.latex.factor_width(factor) * PX_PER_EM + FRACTION_PX
            return width
        return pixels(self.latex.product_factor(factor))

    def cell_width(self, value: object, marked: bool) -> float:
        return self.latex.cell_width(self.cell_value(value), marked) * PX_PER_EM

    def operator_width(self, sign: str) -> float:
        return self.latex.operator_width(sign) * PX_PER_EM

    def label_width(self, label: str) -> float:
        return self.latex.label_width(label) * PX_PER_EM

    def cell_value(self, value: object) -> object:
        return value.value if isinstance(value, Tagged) else value

    # -- which entry an element shows -----------------------------------------------------------------
    def entry_marks(self, tensor: Tensor, gradient: bool = False, focusable: bool = True) -> EntryMarks:
        """How an entry of ``tensor`` says which entry it is: a tensor's (``data-tensor``), a
        gradient's (``data-grad``: written ∂L/∂Y_00, or the given upstream ``d1``; or
        ``gradient``: of ∂L/∂tensor), or both. An entry whose chain rule the page knows is
        focusable, and the page gets its chain rule (:meth:`chain_data`). Made once per tensor: a
        page at the limit marks tens of thousands of entries."""
        key = (tensor, gradient, focusable)
        marks = self.entry_marks_made.get(key)
        if marks is None:
            tensor_attribute = f' data-tensor="{escaped_name(tensor.name)}"'
            if gradient or tensor.derivative_of:
                name, also = tensor.name, ""
            elif tensor.role is Role.UPSTREAM and self.upstream is not None:
                name, also = self.upstream, tensor_attribute
            else:
                name, also = None, tensor_attribute
            if name is None:
                marks = EntryMarks(f'{also} data-index="', '"', None)
            else:
                focus = name if name in self.chains and focusable else None
                marks = EntryMarks(f' data-grad="{escaped_name(name)}"{also} data-index="',
                                   '"' + (' class="sc-entry" tabindex="0"' if focus else ""), focus)
            self.entry_marks_made[key] = marks
        return marks

    def entry_attributes(self, tensor: Tensor, flat: int, *, gradient: bool = False,
                         focusable: bool = True) -> str:
        """The attributes of entry ``flat`` of ``tensor`` (:meth:`entry_marks`); a focusable one
        is shown."""
        before, after, focus = self.entry_marks(tensor, gradient, focusable)
        if focus is not None:
            self.shown[focus, flat] = None
        return before + index_text(tensor, flat) + after

    def tagged_array(self, view: TensorView) -> np.ndarray:
        """The view's array with each cell saying whose entry it is: a gradient view's cells are
        ∂L/∂T's entries (a long sum cut short, as in every format), a tensor's own entries (the
        problem statement) are T's; anything else in a tensor's shape (a running sum) is left as
        it is."""
        tensor, array = view.tensor, view.array
        gradient = bool(view.gradient_of)
        if not gradient and not (array.size == tensor.size and array.ravel().tolist() == tensor.entries()):
            return array
        # Only the cells a matrix can show are tagged: the first MAX_ROWS rows of each slice that
        # is a matrix, unless it is shown whole (the rest of a 67 × 67 gradient is measured and
        # printed nowhere; a vector is one row).
        matrices = array.ndim - len(view.axes) == 2 and not view.whole
        region = (..., slice(0, MAX_ROWS), slice(None)) if matrices else (...,)
        flats = np.arange(array.size).reshape(array.shape)[region]
        values = array[region]
        cells = [Tagged(short(v) if gradient else v, tensor, flat, gradient)
                 for flat, v in zip(flats.ravel().tolist(), values.flat)]
        tagged = array.copy()
        tagged[region] = objects(cells).reshape(values.shape)
        return tagged

    def tagged_attributes(self, node: Tagged) -> str:
        return self.entry_attributes(node.tensor, node.flat, gradient=node.gradient)

    # -- numbers, names, polynomials ------------------------------------------------------------------
    def _print_int(self, number: int) -> str:
        return f"<mn>{number}</mn>" if number >= 0 else mrow(operator(MINUS), f"<mn>{-number}</mn>")

    def _print_Fraction(self, number: Fraction) -> str:
        fraction = f"<mfrac><mn>{abs(number.numerator)}</mn><mn>{number.denominator}</mn></mfrac>"
        return mrow(operator(MINUS), fraction) if number < 0 else fraction

    def name_markup(self, symbol: Symbol) -> str:
        return entry_text(symbol.tensor, symbol.flat, name_markups, name_markup_of)

    def partial(self, top: str, bottom: str, attributes: str = "") -> str:
        return f"<mfrac{attributes}><mrow>{PARTIAL}{top}</mrow><mrow>{PARTIAL}{bottom}</mrow></mfrac>"

    def _print_Symbol(self, symbol: Symbol, attributes: str | None = None) -> str:
        if attributes is None:
            return self.symbol_markup(symbol)
        loss = symbol.tensor.derivative_of
        if loss:
            return self.partial(identifier_markup(loss), self.name_markup(symbol), attributes)
        return f"<mrow{attributes}>{self.name_markup(symbol)}</mrow>"

    def symbol_markup(self, symbol: Symbol) -> str:
        """A symbol with its attributes, written once per symbol (a document shows the same
        entries many times); the page learns again that a focusable one is shown."""
        written = self.__dict__.setdefault("_symbols", {})
        if symbol._key not in written:
            written[symbol._key] = (self._print_Symbol(symbol, self.entry_attributes(symbol.tensor, symbol.flat)),
                                    self.focus(symbol))
        markup, focus = written[symbol._key]
        if focus is not None:
            self.shown[focus] = None
        return markup

    def focus(self, symbol: Symbol) -> tuple[str, int] | None:
        """The gradient entry a displayed symbol is, when the page knows its chain rule (the
        entry :meth:`entry_attributes` makes focusable)."""
        name = self.entry_marks(symbol.tensor).focus
        return None if name is None else (name, symbol.flat)

    def _print_Tensor(self, tensor: Tensor) -> str:
        return identifier_markup(tensor.name)

    def raised(self, name: str, count: int) -> str:
        return f"<msup>{name}<mn>{count}</mn></msup>"

    def symbol_name(self, atom: Atom) -> str:
        return self.doprint(atom)  # not remembered: an entry's attributes depend on where it stands

    def monomial_markup(self, coefficient: object, symbols: tuple) -> str:
        parts = [] if coefficient == 1 and symbols else [self.doprint(coefficient)]
        return INVISIBLE_TIMES.join(parts + ([self.monomial(symbols)] if symbols else []))

    def _print_Poly(self, poly: Poly) -> str:
        """Written once per value; printing it again tells the page again which focusable
        entries it shows."""
        written = self.__dict__.setdefault("_polys", {})
        # a term of a long sum (most polynomials a page prints) is its own key
        term = next(iter(poly.terms.items())) if len(poly.terms) == 1 else None
        key: Hashable = poly.key if term is None else term
        found = written.get(key)
        if found is None:
            found = written[key] = (self.term_markup(*term) if term is not None and distinct_symbols(term[0])
                                    else self.poly_markup_shown(poly))
        markup, shown = found
        if shown:
            self.shown.update(dict.fromkeys(shown))
        return markup

    def poly_markup_shown(self, poly: Poly) -> tuple[str, list[tuple[str, int]]]:
        """The polynomial's markup and the focusable entries it shows, in reading order."""
        focus = [self.focus(atom) for monomial, _ in poly.sorted_terms() for atom in monomial
                 if isinstance(atom, Symbol)]
        return self.poly_markup(poly), [f for f in focus if f is not None]

    def term_markup(self, monomial: tuple, coefficient: Any) -> tuple[str, list[tuple[str, int]]]:
        """:meth:`poly_markup_shown` of one term whose symbols are entries, each once: their
        names as :meth:`symbol_markup` writes them, without the printer's dispatch (a page writes
        tens of thousands of such terms)."""
        magnitude = abs(coefficient)
        parts = [] if magnitude == 1 else [self.doprint(magnitude)]
        shown = []
        for symbol in monomial:
            parts.append(self.symbol_markup(symbol))
            focus = self.focus(symbol)
            if focus is not None:
                shown.append(focus)
        sign = operator(MINUS) if coefficient < 0 else ""
        return f"<mrow>{sign}{INVISIBLE_TIMES.join(parts)}</mrow>", shown

    def poly_markup(self, poly: Poly) -> str:
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
        top, entry = node.top, node.bottom
        if not (isinstance(top, (str, Symbol)) and isinstance(entry, Symbol)):
            upper = identifier_markup(top) if isinstance(top, str) else self.doprint(top)
            return self.partial(upper, self.name_markup(entry) if isinstance(entry, Symbol) else self.doprint(entry))
        # ∂L/∂x_ij or ∂y_k/∂x_ij, written once each (a chain rule writes each ∂L/∂y_k many
        # times); the page learns again that a focusable one is shown
        written = self.__dict__.setdefault("_derivatives", {})
        key = derivative_key(top, entry)
        found = written.get(key)
        if found is None:
            if isinstance(top, str):  # ∂L/∂x_ij: an entry of a gradient
                attributes = self.entry_attributes(entry.tensor, entry.flat, gradient=True)
                name = self.entry_marks(entry.tensor, gradient=True).focus
                focus = None if name is None else (name, entry.flat)
                upper = identifier_markup(top)
            else:
                attributes, focus, upper = "", None, self.name_markup(top)
            found = written[key] = self.partial(upper, self.name_markup(entry), attributes), focus
        markup, focus = found
        if focus is not None:
            self.shown[focus] = None
        return markup

    def _print_Sum(self, node: Sum) -> str:
        return mrow(*[(operator("+") if i else "") + self.doprint(t) for i, t in enumerate(node.terms)]) \
            if node.terms else "<mn>0</mn>"

    def is_negative(self, node: object) -> bool:
        if isinstance(node, (int, Fraction)):
            return node < 0
        if isinstance(node, Poly) and node.terms:
            return node.sorted_terms()[0][1] < 0
        return False

    def _print_Product(self, node: Product) -> str:
        factors = [fence("(", self.doprint(f), ")") if type(f) is not Derivative and self.is_negative(f)
                   else self.doprint(f) for f in node.factors]  # a chain rule's ∂L/∂y_k ∂y_k/∂x: no sign
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
            return self._print_Symbol(node.value, self.tagged_attributes(node))
        return f"<mrow{self.tagged_attributes(node)}>{self.doprint(node.value)}</mrow>"

    def _print_Matrix(self, node: Matrix) -> str:
        node = self.fitted(node)
        grid = as_grid(node.array)
        rows = node.rows or grid.shape[0]
        columns = node.columns or grid.shape[1]
        cells = self.tagged_cells(grid[:rows, :columns]) if not node.marked else None
        lines = []
        for r in range(rows):
            row = (cells[r] if cells is not None
                   else [self.cell(grid[r, c], r * grid.shape[1] + c in node.marked) for c in range(columns)])
            if columns < grid.shape[1]:
                row.append(f"<mtd>{operator('⋯')}</mtd>")
            lines.append("<mtr>" + "".join(row) + "</mtr>")
        if rows < grid.shape[0]:
            dots = [f"<mtd>{operator('⋮')}</mtd>"] * columns
            lines.append("<mtr>" + "".join(dots + ([f"<mtd>{operator('⋱')}</mtd>"]
                                                   if columns < grid.shape[1] else [])) + "</mtr>")
        return fence("[", "<mtable>" + "".join(lines) + "</mtable>", "]", stretchy=True)

    def tagged_cells(self, shown: np.ndarray) -> list[list[str]] | None:
        """:meth:`cell` of every cell ``shown``, row by row, when each is an entry of one tensor
        (a matrix at the limit shows thousands): their attributes from the tensor's
        :meth:`entry_marks` and index texts, spelled at once; the entries they show are shown in
        reading order. None for any other matrix."""
        values = shown.ravel().tolist()
        first = values[0] if values else None
        if not (isinstance(first, Tagged) and all(
                type(v) is Tagged and v.tensor is first.tensor and v.gradient == first.gradient for v in values)):
            return None
        before, after, focus = self.entry_marks(first.tensor, first.gradient)
        indices = index_texts_of(first.tensor, np.fromiter((v.flat for v in values), np.int64, len(values)))
        cells = []
        for value, index in zip(values, indices):
            content = self.tagged_content(value.value)
            if focus is not None:
                self.shown[focus, value.flat] = None
            cells.append(f"<mtd{before}{index}{after}>{content}</mtd>")
        width = shown.shape[1]
        return [cells[at:at + width] for at in range(0, len(cells), width)]

    def tagged_content(self, value: object) -> str:
        """What a tagged cell shows: an entry's bare name (the cell's attributes say whose it is),
        or its value."""
        if isinstance(value, Symbol) and not value.tensor.derivative_of:
            return self.name_markup(value)
        return self.doprint(value)

    def cell(self, value: object, marked: bool) -> str:
        mark = ' class="sc-marked"' if marked else ""
        if isinstance(value, Tagged):
            inner = self.tagged_content(value.value)
            attributes = self.tagged_attributes(value)
            if marked:
                attributes = (attributes.replace('class="', 'class="sc-marked ') if "class=" in attributes
                              else attributes + mark)
            return f"<mtd{attributes}>{inner}</mtd>"
        return f"<mtd{mark}>{self.doprint(value)}</mtd>"

    def tokens_markup(self, tokens: list[tuple[str, object]]) -> str:
        parts = []
        for operator_text, piece in tokens:
            if operator_text:
                parts.append(signs_markup(operator_text))
            parts.append(self.doprint(piece))
        return mrow(*parts)

    def _print_Equation(self, node: Equation) -> str:
        return mrow(*[(operator("=") if i else "") + self.doprint(side) for i, side in enumerate(node.sides)])

    def joined(self, texts: list[str]) -> str:
        return "\n".join(texts)

    def numbered_joined(self, texts: list[str]) -> str:
        return "\n".join(texts)

    def arrange(self, view: TensorView) -> list:
        return super().arrange(view._replace(array=self.tagged_array(view)))

    # -- blocks ---------------------------------------------------------------------------------------
    def display_math(self, node: object, width: float | None = None) -> str:
        """A displayed formula; a long equation broken into lines (of ``width``, a display's by
        default), the lines that go on with a sum indented (one that starts with "=", a side of
        its own, such as a wide matrix, is not). An equation the page has displayed before at
        this width (a ∂L/∂W entry's in its listing, its chain rule and the closed form) is laid
        out and written once: the entries it shows are known to the page already."""
        key = equation_key(node, width)
        if key is None:
            return self.laid_out_math(node, width)
        written = self.__dict__.setdefault("_displays", {})
        if key not in written:
            written[key] = self.laid_out_math(node, width)
        return written[key]

    def laid_out_math(self, node: object, width: float | None) -> str:
        if isinstance(node, Equation):
            lines = self.equation_lines(node, width)
            if len(lines) > 1:
                return '<div class="sc-lines">' + "".join(
                    f'<math display="block"{"" if not i or tokens[0][0].startswith("=") else CONTINUED}>'
                    f"{self.tokens_markup(tokens)}</math>" for i, tokens in enumerate(lines)) + "</div>"
            return f'<math display="block">{self.tokens_markup(lines[0])}</math>'
        return f'<math display="block">{self.doprint(node)}</math>'

    def inline(self, part: object) -> str:
        if isinstance(part, Reference):
            return f'<a class="sc-ref" href="#sc-n{part.number}">({part.number})</a>'
        return escape(part) if isinstance(part, str) else f"<math>{self.doprint(part)}</math>"

    def _print_Heading(self, node: Heading) -> str:
        tag = "h2" if node.level == 1 else "h3"
        return f"<{tag}>{''.join(self.inline(p) for p in node.parts)}</{tag}>"

    def _print_Paragraph(self, node: Paragraph, attributes: str = "") -> str:
        return f"<p{attributes}>{''.join(self.inline(p) for p in node.parts)}</p>"

    def numbered_paragraph(self, paragraph: Paragraph, number: int | None) -> object:
        # the target of the links to it ("∂L/∂W is the same as (2)"), as a numbered display is
        return NumberedParagraph(numbered_words(paragraph, number), number)

    def _print_NumberedParagraph(self, node: NumberedParagraph) -> str:
        return self._print_Paragraph(node.paragraph, f' id="sc-n{node.number}"')

    def block_pieces(self, block: object) -> list[str]:
        """A laid-out block as pieces whose join is its markup: a display's equations (megabytes
        at the limit, many written before) are not copied into one string."""
        if isinstance(block, Display):
            return ['<div class="sc-display">', *[self.display_math(r) for r in block.rows], "</div>"]
        if isinstance(block, Numbered) and not isinstance(block.math, (TensorView, Display)):
            body = (self.doprint(block.math) if isinstance(block.math, Gallery)
                    else self.display_math(block.math, self.line_width - self.tag_width))
            return [f'<div class="sc-numbered" id="sc-n{block.number}"><div class="sc-body">', body,
                    f'</div><span class="sc-number">({block.number})</span></div>']
        return [self.doprint(block)]

    def _print_Display(self, node: Display) -> str:
        return "".join(self.block_pieces(node))

    def tagged(self, node: Numbered) -> str:
        return "".join(self.block_pieces(node))

    def _print_Reference(self, node: Reference) -> str:
        number = f"<mtext>({node.number})</mtext>"
        return number if node.label is None else mrow(self.doprint(node.label), "<mspace width=\"0.3em\"/>", number)

    def _print_Indexed(self, node: Indexed) -> str:
        name = identifier_markup(node.tensor.name)
        if node.indices and node.tensor.naming != "bare":
            separator = operator(node.separator) if node.separator else ""
            name = f"<msub>{name}{mrow(separator.join(formula_markup(i) for i in node.indices))}</msub>"
        loss = node.tensor.derivative_of
        return self.partial(identifier_markup(loss), name) if loss else name

    def _print_IndexedSum(self, node: IndexedSum) -> str:
        sums = "".join(f"<munderover>{operator('∑')}{mrow(identifier_markup(letter), operator('='), f'<mn>{low}</mn>')}"
                       f"<mn>{high}</mn></munderover>"
                       for letter, (low, high) in zip(node.letters, node.ranges))
        count = f"<mspace width=\"1em\"/><mtext>{escape(node.count_text)}</mtext>" if node.terms is not None else ""
        return mrow(sums, self.doprint(node.term), count)

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

    def figure_text(self, value: object) -> str:
        return self.text.doprint(value)

    def figure_attributes(self, value: object) -> str:
        if not isinstance(value, Symbol):
            return ""
        written = self.__dict__.setdefault("_figure_attributes", {})  # a figure's cells, once each
        if value._key not in written:
            written[value._key] = self.entry_attributes(value.tensor, value.flat, focusable=False)
        return written[value._key]

    def _print_Figure(self, node: Figure) -> str:
        pictures = svg(node, self.figure_text, self.figure_width, self.figure_attributes,
                       "".join(p if isinstance(p, str) else self.text.doprint(p) for p in node.caption))
        return (f'<figure class="sc-figure"><div class="sc-picture">{pictures}</div>'
                f"<figcaption>{''.join(self.inline(p) for p in node.caption)}</figcaption></figure>")

    # -- the page -------------------------------------------------------------------------------------
    def chain_data(self, shown: Iterable[tuple[str, int]]) -> list[str]:
        """The chain rule of every focusable entry ``shown`` (gradient name, flat position), as
        compact JSON for the page's script, in pieces:

        ``tensors``: every tensor named, once: its name, its MathML name without a subscript, its
        entries' subscripts (``00``, ``0,12``; null for a bare name), its shape and the loss when
        its entries are written ∂L/∂…; ``pieces``: MathML of the factors that are not a tensor's
        entry (numbers, an indicator, an LP root), each once; ``entries``: ``"X:i,j"`` → ``o``
        (per layer that reads X: the output tensor and the outputs y_k the terms read), ``t``
        (per tensor: the entries the local derivatives are; both list flat positions, a run of
        three or more consecutive ones as its first and −(how many follow): :func:`runs`),
        ``s`` (the terms' sum with the local derivatives named) and ``v`` (the value, when it is
        written otherwise). A sum is ``[number of terms, monomials]``, the first
        :data:`MAX_SUM_TERMS` monomials, each ``[sign, coefficient piece or −1, [factor…]]``, a
        factor a tensor entry ``flat·T + tensor`` (T tensors) or a piece ``−1 − piece``; ``x`` is
        the entry itself, ``[tensor, flat]``. Tensors and pieces are numbered in the order the
        entries name them."""
        data = ChainData(PanelPrinter(self.loss).doprint)
        by_tensor: dict[str, list[int]] = {}
        for name, flat in shown:
            by_tensor.setdefault(name, []).append(flat)
        for name, flats in by_tensor.items():
            data.add(self.chains[name], flats)
        return data.json(identifier_markup(self.loss))

    def _print_Document(self, document: Document) -> str:
        return "".join(self.document_pieces(document))

    def document_pieces(self, document: Document) -> list[str]:
        """The page, laid out before anything is printed (:meth:`fitted_blocks`: every whole tensor
        arranged, every matrix fitted), so what it says follows from the laid-out blocks: the
        introduction says how large matrices are cut when one is (:func:`cut_short`). Then it is
        printed in reading order by a printer made for this page (:meth:`page_printer`), which
        collects the focusable entries whose chain rules the page's data holds. In pieces, as
        printed: a page at the worked-solution limit is megabytes, joined only where it is kept
        whole."""
        page = self.page_printer(document.relations)
        opening, *sections = [[laid for block in blocks for laid in page.fitted_blocks(block)]
                              for blocks in [document.introduction, *(s.blocks for s in document.sections)]]
        cut = any(cut_short(block) for blocks in (opening, *sections) for block in blocks)
        introduction = [page.doprint(block) for block in (*opening, *([CUT_NOTE] if cut else []))]
        contents: list[str] = []
        printed: list[str] = []
        for number, (section, blocks) in enumerate(zip(document.sections, sections)):
            anchor = f"sc-{section.name}-{number}"
            heading = next((b for b in section.blocks if isinstance(b, Heading)), None)
            if heading is not None:
                contents.append(f'<li><a href="#{anchor}">'
                                f"{''.join(page.inline(p) for p in heading.parts)}</a></li>")
            body = interleaved([page.block_pieces(b) for b in blocks], ["\n"])
            printed += [*(["\n"] if printed else []), f'<section id="{anchor}">',
                        *[piece for pieces in body for piece in pieces], "</section>"]
        hint = (f"Hover over a gradient entry ∂{self.loss}/∂… (or reach it with Tab) to see its"
                " chain rule: the entries it reads light up." if page.shown else "")
        return filled(PAGE, head=page_head(document.title, STYLE), title=escape(document.title), script=SCRIPT,
                      contents="".join(contents), introduction="\n".join(introduction),
                      sections=printed, chains=page.chain_data(page.shown), hint=escape(hint))


class PanelPrinter(HtmlPrinter):
    """The MathML of the pieces of the chain rule shown on focus (:class:`ChainData`): no entry is
    marked there."""

    def _print_Symbol(self, symbol: Symbol, attributes: str | None = None) -> str:
        return super()._print_Symbol(symbol, "")


TensorKey = tuple[str, str | None]  # a tensor's name, and the loss when its entries are written ∂L/∂…


def tensor_key(tensor: Tensor) -> TensorKey:
    return tensor.name, tensor.derivative_of


class ChainData:
    """The page's data for the chain rules it shows (:meth:`HtmlPrinter.chain_data`), gradient by
    gradient. Where every factor is a symbol or an integer and the named sums are the values (no
    factor has a value to be named by: every convolution of a symbolic problem), the sums are
    written on arrays (:class:`~symconv.engine.product_sums.Sums`), a string per term made at once;
    otherwise monomial by monomial from the polynomials. Both name tensors and pieces in the
    order an entry after the other meets them: its layers' outputs and local tensors, then the
    symbols and coefficients of its sum's terms, then its value's. A tensor is told from another
    by its name and whether its entries are written ∂L/∂… (:func:`tensor_key`): a layer's output Y
    and the upstream gradient ∂L/∂Y given for it share a name."""

    def __init__(self, piece: Callable[[object], str]):
        self.markup = piece  # the MathML of a number or an atom
        self.tensors: dict[TensorKey, Tensor] = {}
        self.pieces: dict[str, int] = {}
        # Each gradient's entries as "key":{…}, once every tensor has its number.
        self.gradients: list[Callable[[dict[TensorKey, int]], list[str]]] = []

    def piece(self, node: object) -> int:
        return self.pieces.setdefault(self.markup(node), len(self.pieces))

    def add(self, chain: ChainTerms, flats: list[int]) -> None:
        """The entries ``flats`` of ``chain``'s gradient."""
        self.meet(chain.tensor)
        found = array_sums(chain, np.asarray(flats, dtype=np.int64))
        if found is None:
            self.add_polys(chain, flats)
        else:
            self.add_arrays(chain, flats, *found)

    def reads(self, chain: ChainTerms, flat: int, meet: Callable[[Tensor], None]) -> tuple[list, list]:
        """An entry's ``o`` and ``t`` (by :func:`tensor_key`); ``meet`` is told each tensor they name."""
        reads: list = []
        local: dict[TensorKey, dict[int, None]] = {}
        for block in chain.blocks:
            start, stop = int(block.offsets[flat]), int(block.offsets[flat + 1])
            meet(block.output)
            reads.append([tensor_key(block.output), runs(block.outputs[start:stop].tolist())])
            for tensor, found in local_entries(block.local, start, stop):
                meet(tensor)
                local.setdefault(tensor_key(tensor), {}).update(dict.fromkeys(found))
        return reads, [[t, runs(list(found))] for t, found in local.items()]

    def meet(self, tensor: Tensor) -> None:
        self.tensors.setdefault(tensor_key(tensor), tensor)

    def add_polys(self, chain: ChainTerms, flats: list[int]) -> None:
        named = ([chain.values[flat] for flat in flats]  # no factor has a value to be named by
                 if named_as_valued(block.local for block in chain.blocks) else named_sums(chain, flats))
        key = tensor_key(chain.tensor)
        entries = {}
        for flat, sum_named in zip(flats, named):
            reads, local = self.reads(chain, flat, self.meet)
            entry = {"x": [key, flat], "o": reads, "t": local,
                     "s": self.monomials(sum_named)}
            value = chain.values[flat]
            if value != sum_named:
                entry["v"] = self.monomials(value)
            entries[entry_key(chain.tensor, flat)] = entry
        self.gradients.append(partial(polys_json, entries))

    def monomials(self, poly: Poly) -> list:
        written = []
        for monomial, coefficient in poly.sorted_terms()[:MAX_SUM_TERMS]:
            magnitude = abs(coefficient)
            factors: list = []
            for atom in monomial:
                if isinstance(atom, Symbol):
                    self.meet(atom.tensor)
                    factors.append(atom)
                else:
                    factors.append(-1 - self.piece(atom))
            written.append([-1 if coefficient < 0 else 1,
                            -1 if magnitude == 1 and monomial else self.piece(magnitude), factors])
        return [len(poly.terms), written]

    def add_arrays(self, chain: ChainTerms, flats: list[int], sums: Sums, entries: np.ndarray,
                   codes: Codes) -> None:
        """The entries ``flats`` from their sums on arrays: ``entries`` of ``sums``."""
        met: dict[TensorKey, tuple[tuple[int, int, int], Tensor]] = {}  # where each tensor is first met
        reads = [BlockReads.of(block, np.asarray(flats, dtype=np.int64)) for block in chain.blocks]
        # As :meth:`reads` meets them entry after entry: every block's output at the first entry,
        # a block's local tensor at the first entry with terms in that block.
        meetings = sorted([(0, 2 * b, r.output) for b, r in enumerate(reads)]
                          + [(r.first, 2 * b + 1, r.local) for b, r in enumerate(reads)
                             if r.local is not None and r.first is not None], key=lambda m: m[:2])
        for entry, _, tensor in meetings:
            if tensor_key(tensor) not in met:
                met[tensor_key(tensor)] = ((entry, 0, len(met)), tensor)
        entry_of, low, high, coefficients, counts = sums.leading(entries, MAX_SUM_TERMS)  # the terms written
        tensor_of = np.repeat(np.arange(len(codes.tensors) + 1),
                              [t.size for t in codes.tensors] + [1])  # of a code; the last: none
        sides = tensor_of[low], np.where(high >= 0, tensor_of[np.maximum(high, 0)], -1)
        for number, tensor in enumerate(codes.tensors):  # where the terms first name each tensor
            for slot, side in enumerate(sides):
                found = np.flatnonzero(side == number)
                if len(found):
                    at = (int(entry_of[found[0]]), 1, 2 * int(found[0]) + slot)
                    if tensor_key(tensor) not in met or at < met[tensor_key(tensor)][0]:
                        met[tensor_key(tensor)] = (at, tensor)
        for _, tensor in sorted(met.values(), key=lambda item: item[0]):
            self.meet(tensor)
        magnitudes = np.abs(coefficients)
        written = ~((magnitudes == 1) & (low != sums.none))  # a coefficient that is written
        values, first = np.unique(magnitudes[written], return_index=True)
        pieces = np.full(len(low), -1, dtype=np.int64)
        if len(values):
            numbers = np.empty(len(values), dtype=np.int64)
            for index in np.argsort(first).tolist():
                numbers[index] = self.piece(int(values[index]))
            pieces[written] = numbers[np.searchsorted(values, magnitudes[written])]
        terms = TermArrays(entry_of, np.where(coefficients < 0, -1, 1), pieces, low, high, sums.none,
                           codes, counts)
        self.gradients.append(partial(arrays_json, chain.tensor, flats, reads, terms))

    def json(self, loss: str) -> list[str]:
        order = {key: number for number, key in enumerate(self.tensors)}
        table = [{"n": t.name, "b": identifier_markup(t.name),
                  "s": None if names is None else names.tolist(), "shape": list(t.shape),
                  "d": t.derivative_of} for t in self.tensors.values() for names in [subscripts(t)]]
        head = json.dumps({"loss": loss, "cut": MAX_SUM_TERMS, "tensors": table, "pieces": list(self.pieces)},
                          separators=(",", ":"), ensure_ascii=False)
        # in pieces (a megabyte and more at the limit); only the head's MathML can hold "</",
        # which would end the script element: the entries are numbers and names
        entries = [entry for write in self.gradients for entry in write(order)]
        return [head[:-1].replace("</", "<\\/") + ',"entries":{', *interleaved(entries, ","), "}}"]


def entry_key(tensor: Tensor, flat: int) -> str:
    """``"X:i,j"`` as JSON, the key of an entry's data (the page reads ``data-grad`` and
    ``data-index``)."""
    return json.dumps(f"{tensor.name}:{index_text(tensor, flat)}", ensure_ascii=False)


def polys_json(entries: dict[str, dict[str, Any]], order: dict[TensorKey, int]) -> list[str]:
    """The entries' data from :meth:`ChainData.add_polys`, their tensors numbered by ``order``."""
    count = len(order)

    def references(sum_written: list) -> list:
        return [sum_written[0], [[sign, coefficient, [f.flat * count + order[tensor_key(f.tensor)]
                                                     if isinstance(f, Symbol) else f for f in factors]]
                                 for sign, coefficient, factors in sum_written[1]]]

    texts = []
    for key, entry in entries.items():
        written = {"x": [order[entry["x"][0]], entry["x"][1]],
                   "o": [[order[t], flats] for t, flats in entry["o"]],
                   "t": [[order[t], flats] for t, flats in entry["t"]], "s": references(entry["s"])}
        if "v" in entry:
            written["v"] = references(entry["v"])
        texts.append(key + ":" + json.dumps(written, separators=(",", ":"), ensure_ascii=False))
    return texts


class TermArrays(NamedTuple):
    """The terms written of some entries' sums (:meth:`ChainData.add_arrays`): each term's entry,
    sign, coefficient piece (−1: none) and symbols' codes (``low``, ``high`` as in
    :class:`~symconv.engine.product_sums.Sums`); ``counts``: every entry's number of terms."""

    entry: np.ndarray
    sign: np.ndarray
    piece: np.ndarray
    low: np.ndarray
    high: np.ndarray
    none: int
    codes: Codes
    counts: np.ndarray

    def texts(self, order: dict[TensorKey, int]) -> list[str]:
        """Every term as JSON, its tensors numbered by ``order``: a string per term, made at once."""
        if not len(self.low):
            return []
        count = len(order)  # a tensor that no term written names has no number, and needs none
        references = np.concatenate([np.arange(t.size, dtype=np.int64) * count + order.get(tensor_key(t), 0)
                                     for t in self.codes.tensors] + [np.zeros(1, dtype=np.int64)])
        # "[low" and ",high]]" (or "[" and "]]" where there is no symbol), each from a table
        low = number_texts(references[self.low], "[")
        low[self.low == self.none] = "["
        high = number_texts(references[np.maximum(self.high, 0)], ",", "]]")
        high[self.high < 0] = "]]"
        # the sign and coefficient piece of every term, from a table of the pairs that occur
        pairs, which = np.unique(2 * self.piece + (self.sign > 0), return_inverse=True)
        leads = objects([f"[{1 if pair % 2 else -1},{pair // 2}," for pair in pairs.tolist()])[which]
        return (leads + low + high).tolist()


def arrays_json(tensor: Tensor, flats: list[int], reads: list[BlockReads], terms: TermArrays,
                order: dict[TensorKey, int]) -> list[str]:
    """The entries ``flats``' data from :meth:`ChainData.add_arrays` (``reads``: what they read,
    block by block), their tensors numbered by ``order``."""
    texts = terms.texts(order)
    starts = np.searchsorted(terms.entry, np.arange(len(flats) + 1)).tolist()
    counts = terms.counts.tolist()
    outputs = [read.outputs_json(order) for read in reads]
    local = local_json([read for read in reads if read.local is not None], order, len(flats))
    keys = entry_keys(tensor, flats)
    x = f'"x":[{order[tensor_key(tensor)]},'
    return [f'{keys[at]}:{{{x}{flat}],"o":[{",".join(o[at] for o in outputs)}],"t":[{local[at]}],'
            f'"s":[{counts[at]},[{",".join(texts[starts[at]:starts[at + 1]])}]]}}'
            for at, flat in enumerate(flats)]


class BlockReads(NamedTuple):
    """What some entries' terms in one chain block read (:meth:`ChainData.add_arrays`), spelled
    at once: the block's output and, when its local derivatives are a tensor's entries, that
    tensor; each entry's outputs as the page lists them (:func:`listed_texts`), and every term's
    local entry, entry after entry (entry ``at``'s terms are ``bounds[at]``). ``repeats``: an
    entry's terms read a local entry twice (it is listed once). ``first``: the first entry with
    a term in the block (None: none has)."""

    output: Tensor
    local: Tensor | None
    outputs: list[str]
    locals: np.ndarray
    bounds: list[tuple[int, int]]
    repeats: bool
    first: int | None

    @staticmethod
    def of(block: Any, flats: np.ndarray) -> BlockReads:
        """The block's reads for the entries ``flats``: only their terms are spelled."""
        starts, stops = block.offsets[flats], block.offsets[flats + 1]
        counts = stops - starts
        ends = np.cumsum(counts)
        bounds = list(zip([0, *ends[:-1].tolist()], ends.tolist()))
        terms = np.arange(int(ends[-1]) if len(ends) else 0, dtype=np.int64) + np.repeat(starts - (ends - counts), counts)
        outputs = listed_texts(block.outputs[terms], counts)
        found = np.flatnonzero(counts)
        first = int(found[0]) if len(found) else None
        if not isinstance(block.local, EntryFactors):
            return BlockReads(block.output, None, outputs, np.zeros(0, dtype=np.int64), bounds, False, first)
        entries = block.local.flats[terms]
        return BlockReads(block.output, block.local.tensor, outputs, entries, bounds,
                          repeats_within(entries, counts, block.local.tensor.size), first)

    def outputs_json(self, order: dict[TensorKey, int]) -> list[str]:
        """Each entry's ``[output tensor, [outputs…]]``."""
        head = f"[{order[tensor_key(self.output)]},["
        return [head + listed + "]]" for listed in self.outputs]

    def locals_texts(self) -> list[str]:
        """Each entry's local entries as the page lists them, each once."""
        if not self.repeats:
            return listed_texts(self.locals, np.diff([0, *[b for _, b in self.bounds]]))
        return [listed_text(self.locals_of(at)) for at in range(len(self.bounds))]

    def locals_of(self, at: int) -> list[int]:
        """Entry ``at``'s local entries, each once."""
        a, b = self.bounds[at]
        found = self.locals[a:b].tolist()
        return list(dict.fromkeys(found)) if self.repeats else found


def repeats_within(entries: np.ndarray, counts: np.ndarray, size: int) -> bool:
    """Whether some run of ``entries`` (runs of ``counts``: each gradient entry's terms) names an
    entry of a tensor of ``size`` entries twice. A strictly monotone run has no repeat (each of a
    convolution's: its outputs in order read the kernel or the input in order); else sorted."""
    steps = np.sign(np.diff(entries))
    inside = np.ones(len(steps), dtype=bool)  # the step is between two terms of one run
    ends = np.cumsum(counts)[:-1]
    inside[ends[(ends > 0) & (ends < len(entries))] - 1] = False
    if not ((steps == 0) & inside).any() and not ((steps[1:] != steps[:-1]) & inside[1:] & inside[:-1]).any():
        return False
    ordered = np.sort(np.repeat(np.arange(len(counts)), counts) * size + entries)
    return bool((ordered[1:] == ordered[:-1]).any())


def local_json(reads: list[BlockReads], order: dict[TensorKey, int], count: int) -> list[str]:
    """Each of ``count`` entries' ``t`` without its brackets: per local tensor, in the order the
    entry's blocks name them, ``[tensor, [entries…]]``, an entry listed once however many blocks
    read it."""
    names = [tensor_key(read.local) for read in reads if read.local is not None]
    if len(set(names)) < len(names):  # a tensor local to several blocks: entry by entry
        def merged(at: int) -> str:
            local: dict[TensorKey, dict[int, None]] = {}
            for name, read in zip(names, reads):
                if read.bounds[at][1] > read.bounds[at][0]:
                    local.setdefault(name, {}).update(dict.fromkeys(read.locals_of(at)))
            return ",".join(f"[{order[name]},[{listed_text(list(found))}]]" for name, found in local.items())
        return [merged(at) for at in range(count)]
    columns = [[f"[{order[name]},[{listed}]]" if b > a else ""
                for (a, b), listed in zip(read.bounds, read.locals_texts())] for name, read in zip(names, reads)]
    return [",".join(text for text in texts if text) for texts in zip(*columns)] if columns else [""] * count


def runs(flats: list[int]) -> list[int]:
    """Flat positions as the page's data lists them: a run of three or more consecutive ones as
    its first and −(how many follow): ``[4, 5, 6, 7, 9]`` → ``[4, -3, 9]`` (a ∂L/∂W entry reads
    every output, 0 to 3,968 at the limit: ``[0, -3968]``). The page's script expands them."""
    listed: list[int] = []
    start = 0
    while start < len(flats):
        stop = start + 1
        while stop < len(flats) and flats[stop] == flats[stop - 1] + 1:
            stop += 1
        listed += [flats[start], start + 1 - stop] if stop - start >= 3 else flats[start:stop]
        start = stop
    return listed


def listed_text(flats: list[int]) -> str:
    """:func:`runs` of the flats as the items of a JSON list."""
    return ",".join(map(str, runs(flats)))


def listed_texts(flats: np.ndarray, counts: np.ndarray) -> list[str]:
    """:func:`listed_text` of each of the consecutive lists of ``counts`` flats in ``flats``, all
    at once (a page at the limit lists 200,000 flats)."""
    follows = np.zeros(len(flats), dtype=bool)  # the flat is one more than the one before it in its list
    follows[1:] = flats[1:] == flats[:-1] + 1
    starts = np.cumsum(counts) - counts
    follows[starts[starts < len(flats)]] = False
    run = np.cumsum(~follows) - 1
    lengths = np.bincount(run)[run]  # of the flat's run
    long_run = lengths >= 3
    second = follows & ~np.concatenate([[False], follows[:-1]])  # the second of its run
    counted = second & long_run  # stands for the rest of its run: −(how many follow the first)
    kept = ~follows | ~long_run | second
    texts = number_texts(np.where(counted, lengths - 1, flats)[kept])  # only the items listed are spelled
    negative = counted[kept]
    texts[negative] = "-" + texts[negative]
    items = texts.tolist()
    bounds = np.concatenate([[0], np.cumsum(kept)])[np.concatenate([starts, [len(flats)]])].tolist()
    return [",".join(items[a:b]) for a, b in zip(bounds, bounds[1:])]


def entry_keys(tensor: Tensor, flats: list[int]) -> list[str]:
    """Each entry's :func:`entry_key`, spelled at once."""
    prefix = json.dumps(f"{tensor.name}:", ensure_ascii=False)[:-1]
    return [prefix + index + '"' for index in index_texts_of(tensor, np.asarray(flats, dtype=np.int64))]


def index_texts_of(tensor: Tensor, flats: np.ndarray) -> list[str]:
    """:func:`index_text` of the entries ``flats``."""
    if tensor.size <= NAMED_AT_ONCE:
        return tensor.per_entry(index_texts)[flats].tolist()
    return [one_index_text(tensor, int(flat)) for flat in flats]


def number_texts(numbers: np.ndarray | list[int], before: str = "", after: str = "") -> np.ndarray:
    """Non-negative integers as text (between ``before`` and ``after``), an object array, taken
    from a table of all the numbers up to the largest (a ∂L/∂W entry's data lists thousands of
    outputs; ``str`` one at a time costs six times as much)."""
    numbers = np.asarray(numbers, dtype=np.int64)
    largest = int(numbers.max()) if len(numbers) else 0
    if largest > 4 * len(numbers) + 1024:  # a few entries of a large tensor: no table that large
        return objects([f"{before}{number}{after}" for number in numbers.tolist()])
    return number_table(1 << largest.bit_length(), before, after)[numbers]


@lru_cache(maxsize=64)
def number_table(size: int, before: str = "", after: str = "") -> np.ndarray:
    """``before + str(i) + after`` for every ``i`` below ``size``, as an object array."""
    return objects([f"{before}{number}{after}" for number in range(size)])


def array_sums(chain: ChainTerms, flats: np.ndarray) -> tuple[Sums, np.ndarray, Codes] | None:
    """The named sums of the entries ``flats`` on arrays, when they are the values (no factor has
    a value to be named by) and every factor is a symbol or an integer: (sums, which of their
    entries are ``flats``, the codes of their symbols); else None. The derivation's own sums of
    the values serve when their codes are these (the same tensors' symbols)."""
    if not named_as_valued(block.local for block in chain.blocks):
        return None
    factors = TermFactors([NamedBlock(block.offsets, EntryFactors(block.upstream, block.outputs), block.local)
                           for block in chain.blocks], named=True)
    if not factors.exact:
        return None
    known, codes = chain.known, factors.codes
    if known is not None and same_codes(known.symbols, codes):
        return known.sums, flats, codes
    return factors.sums(flats), np.arange(len(flats)), codes


def same_codes(symbols: np.ndarray, codes: Codes) -> bool:
    """Whether ``symbols`` (the symbol of each code, then None) are ``codes``' symbols: the same
    tensors' (each tensor's entries in order, so their first symbols tell)."""
    return len(symbols) == codes.count + 1 and all(
        symbols[codes.offsets[tensor.name]] is tensor.symbols[0] for tensor in codes.tensors)


class NamedBlock(NamedTuple):
    """A chain block as :class:`~symconv.engine.product_sums.TermFactors` reads it: its upstream factors
    and its named local derivatives."""

    offsets: np.ndarray
    upstream: EntryFactors
    local: Any  # a FactorTable

    def factor_tables(self) -> tuple[EntryFactors, Any]:
        return self.upstream, self.local

    def named_tables(self) -> tuple[EntryFactors, Any]:
        return self.upstream, self.local


def named_sums(chain: ChainTerms, flats: list[int]) -> list[Poly]:
    """The entries' sums with their local derivatives named (``X_11`` where the value is 1), from
    the chain's arrays: each term's upstream entry (its number when given) times its named local
    derivative, each entry's polynomial built once (:func:`~symconv.engine.product_sums.product_polys`)."""
    blocks = [BlockTerms(block.offsets, block.outputs, block.upstream.entries(), block.local)
              for block in chain.blocks]
    return product_polys(*block_products(blocks, np.asarray(flats, dtype=np.int64))).tolist()


def local_entries(local: FactorTable, start: int, stop: int) -> list[tuple[Tensor, list[int]]]:
    """The tensor entries the named local derivatives of terms ``start`` to ``stop`` are (an
    indicator's or an LP root's whole window), as (tensor, flat positions) in the order met."""
    if isinstance(local, EntryFactors):
        return [(local.tensor, local.flats[start:stop].tolist())] if stop > start else []
    if isinstance(local, (int, Fraction)):
        return []
    return [(symbol.tensor, [symbol.flat]) for factor in local[start:stop] if isinstance(factor, Atom)
            for symbol in factor.free_symbols()]


@lru_cache(maxsize=1 << 16)
def pixels(latex: str) -> float:
    """How wide browsers set, as MathML, the math the LaTeX printer writes as ``latex`` (remembered,
    as :func:`latex_width` is: the same names are measured many times)."""
    return (latex_width(latex) * PX_PER_EM + latex.count(r"\begin{bmatrix}") * MATRIX_PX
            + latex.count(r"\frac") * FRACTION_PX)


def notebook_frame(page: str, height: int = 640) -> str:
    """The page inside a notebook cell: an iframe, so its style sheet and script stay its own.
    The page is the frame's ``srcdoc``, with ``&`` and ``"`` escaped, as a quoted attribute needs,
    and ``<``, so nothing that scans the cell's HTML finds a tag of the page's. ``>`` is left as
    it is, which an attribute's value allows: the page is mostly MathML tags, and ``&gt;`` would
    add 1.9 MB to the 67×67 page's 7.6 MB."""
    source = page.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return (f'<iframe srcdoc="{source}" title="symconv worked solution" sandbox="allow-scripts"'
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
.sc-display,.sc-numbered,.sc-gallery,figure.sc-figure{content-visibility:auto;contain-intrinsic-size:auto 4em}
.sc-lines math.sc-more{padding-left:3em}
.sc-numbered{display:flex;align-items:center;gap:1em;overflow-x:auto}
.sc-numbered .sc-body{flex:1}.sc-number{color:#57606a}
.sc-row{display:flex;flex-wrap:wrap;gap:0 2.5em;align-items:center;justify-content:center}
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
  var data = JSON.parse(document.getElementById("sc-relations").textContent);
  var tensors = data.tensors, count = tensors.length, pieces = data.pieces;
  var panel = document.getElementById("sc-equation");
  var TIMES = "<mo>\\u2062</mo>", PER_LINE = 8;
  var current = null, how = null;  // the active entry, and whether the mouse or the focus chose it
  // -- names and sums, from the page's data (spelled once per tensor) --------------------------
  function index(t, flat) {
    var shape = tensors[t].shape, parts = [];
    for (var axis = shape.length - 1; axis >= 0; axis--) {
      parts.unshift(flat % shape[axis]);
      flat = Math.floor(flat / shape[axis]);
    }
    return parts.join(",");
  }
  function name(t, flat) {
    var tensor = tensors[t];
    return tensor.s ? "<msub>" + tensor.b + "<mn>" + tensor.s[flat] + "</mn></msub>" : tensor.b;
  }
  function partial(top, bottom) {
    return "<mfrac><mrow><mo>\\u2202</mo>" + top + "</mrow><mrow><mo>\\u2202</mo>" + bottom +
      "</mrow></mfrac>";
  }
  function factor(reference) {
    if (reference < 0) return pieces[-1 - reference];
    var t = reference % count, flat = Math.floor(reference / count);
    return tensors[t].d ? partial(data.loss, name(t, flat)) : name(t, flat);
  }
  function monomial(m) {
    var parts = m[1] >= 0 ? [pieces[m[1]]] : [], factors = m[2];
    for (var i = 0; i < factors.length;) {
      var j = i;
      while (j < factors.length && factors[j] === factors[i]) j++;
      var written = factor(factors[i]);
      parts.push(j - i > 1 ? "<msup>" + written + "<mn>" + (j - i) + "</mn></msup>" : written);
      i = j;
    }
    return "<mrow>" + parts.join(TIMES) + "</mrow>";
  }
  function rest(total) { return "<mo>+</mo><mtext>\\u22ef (" + total + " terms in all)</mtext>"; }
  function sum(written) {  // [number of terms, monomials]: the terms of one side
    var tokens = written[1].map(function (m, i) {
      return (m[0] < 0 ? "<mo>\\u2212</mo>" : i ? "<mo>+</mo>" : "") + monomial(m);
    });
    if (!tokens.length) tokens.push("<mn>0</mn>");
    if (written[0] > written[1].length) tokens.push(rest(written[0]));
    return tokens;
  }
  function flats(listed) {  // a run of flats is listed as its first and -(how many follow)
    var all = [];
    listed.forEach(function (flat) {
      if (flat >= 0) all.push(flat);
      else for (var last = all[all.length - 1], i = 1; i <= -flat; i++) all.push(last + i);
    });
    return all;
  }
  function products(entry) {  // ∂L/∂y_k ∂y_k/∂x for the terms, as they are summed
    var x = name(entry.x[0], entry.x[1]), tokens = [], total = 0;
    entry.o.forEach(function (group) {
      flats(group[1]).forEach(function (k) {
        total++;
        if (tokens.length < data.cut) {
          var y = name(group[0], k);
          tokens.push((tokens.length ? "<mo>+</mo>" : "") + "<mrow>" + partial(data.loss, y) + TIMES +
                      partial(y, x) + "</mrow>");
        }
      });
    });
    if (total > tokens.length) tokens.push(rest(total));
    return tokens;
  }
  function equation(entry) {
    var left = partial(data.loss, name(entry.x[0], entry.x[1]));
    var sides = [products(entry)];
    if (sides[0].length) sides.push(sum(entry.s)); else sides[0] = ["<mn>0</mn>"];
    if (entry.v) sides.push(sum(entry.v));
    var lines = [];
    sides.forEach(function (tokens, side) {
      for (var at = 0; at < tokens.length; at += PER_LINE) {
        var lead = at ? "" : side ? "<mo>=</mo>" : left + "<mo>=</mo>";
        lines.push('<math display="block"' + (lines.length ? ' class="sc-more"' : "") + "><mrow>" +
                   lead + tokens.slice(at, at + PER_LINE).join("") + "</mrow></math>");
      }
    });
    return '<div class="sc-lines">' + lines.join("") + "</div>";
  }
  // -- the entries a chain rule reads, found once -----------------------------------------------
  var elements = null;
  function shown(kind, t, flat) {
    if (!elements) {
      elements = new Map();
      document.querySelectorAll("[data-grad],[data-tensor]").forEach(function (element) {
        ["grad", "tensor"].forEach(function (which) {
          var of = element.getAttribute("data-" + which);
          if (of === null) return;
          var key = which + ":" + of + ":" + element.getAttribute("data-index");
          if (!elements.has(key)) elements.set(key, []);
          elements.get(key).push(element);
        });
      });
    }
    return elements.get(kind + ":" + tensors[t].n + ":" + index(t, flat)) || [];
  }
  function light(kind, groups) {
    groups.forEach(function (group) {
      flats(group[1]).forEach(function (flat) {
        shown(kind, group[0], flat).forEach(function (e) { e.classList.add("sc-related"); });
      });
    });
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
    var entry = data.entries[element.getAttribute("data-grad") + ":" + element.getAttribute("data-index")];
    if (!entry) return;
    current = element;
    how = by;
    panel.innerHTML = equation(entry);
    element.classList.add("sc-active");
    light("grad", entry.o);
    light("tensor", entry.t);
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

HEAD = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="{generator}">
<title>{title}</title>
<style>{style}</style>
</head>
"""


def filled(template: str, **values: str | list[str]) -> list[str]:
    """``template.format(**values)`` as pieces, a value given as a list of pieces spliced in (a
    page's sections are megabytes of them: each join would copy them again)."""
    pieces: list[str] = []
    for literal, field, _, _ in Formatter().parse(template):
        pieces.append(literal)
        if field is not None:
            value = values[field]
            pieces += value if isinstance(value, list) else [value]
    return pieces


def interleaved(pieces: list[T], separator: T) -> list[T]:
    """``pieces`` with ``separator`` between each two (``separator.join(pieces)`` in pieces)."""
    return [part for piece in pieces for part in (separator, piece)][1:]


def page_head(title: str, style: str, generator: str = "symconv") -> str:
    """Every symconv page's start, up to its ``<body>``: the (escaped) title, the inline style
    sheet, and which command wrote it."""
    return HEAD.format(title=escape(title), style=style, generator=generator)


PAGE = """{head}<body>
<main>
<h1>{title}</h1>
<nav><ol>{contents}</ol></nav>
{introduction}
{sections}
</main>
<aside id="sc-panel" aria-live="polite"><p id="sc-hint">{hint}</p><div id="sc-equation"></div></aside>
<script type="application/json" id="sc-relations">{chains}</script>
<script>{script}</script>
</body>
</html>
"""
