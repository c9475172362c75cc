"""The shared vocabulary of worked solutions: math nodes and document blocks, as pure data.

Layer types (:mod:`symconv.layers`) write their sections in this vocabulary, with every fact
already stated (sizes, windows and their winners, the factors of every chain-rule term, named);
the printers of :mod:`symconv.render` (LaTeX, Markdown, text, HTML) turn it into their format.
Neither side knows the other: a printer never sees a layer, a layer never writes a format.

Nothing here is sized for a page. A :class:`Matrix` or :class:`TensorView` says what to show; each
printer measures the nodes in its own format and decides how much of a large matrix fits its line,
whether a wide result is wrapped into blocks of columns, and where a long sum breaks.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, NamedTuple, Sequence

import numpy as np

from .poly import Poly, Symbol
from .tensors import FactorTable, Tensor

# -- math -------------------------------------------------------------------------------------------


class Derivative(NamedTuple):
    """∂top/∂bottom: ``top`` is the loss name or an output entry, ``bottom`` an entry or a
    whole tensor (then only its name is written)."""

    top: str | Symbol  # the loss, or an output entry
    bottom: object  # Symbol | Tensor | Formula


class Formula(NamedTuple):
    """Math we write ourselves in Unicode notation (``O = ⌊(I − K + 2P)/S⌋ + 1``); printers map
    the few special characters (⌊ ⌋ · − × ⊙ …) to their format."""

    text: str


def with_math(text: str) -> tuple:
    """Paragraph parts from words with their formulas between dollars, each a :class:`Formula`:
    ``with_math("insert $S − 1$ zeros")`` is ``("insert ", Formula("S − 1"), " zeros")``."""
    pieces = text.split("$")
    if len(pieces) % 2 == 0:
        raise ValueError(f"unbalanced $ in {text!r}")
    return tuple(Formula(piece) if odd else piece for odd, piece in
                 ((n % 2 == 1, piece) for n, piece in enumerate(pieces)) if piece)


class Product(NamedTuple):
    """Factors written side by side (``A_{11}W_{11}``; ``∂E/∂C_{11} ∂C_{11}/∂A_{12}``); a factor
    that prints with a leading minus is set in parentheses."""

    factors: tuple


class Sum(NamedTuple):
    """Terms joined by ``+`` in the given order (a forward sum, a chain-rule sum)."""

    terms: tuple


class Matrix(NamedTuple):
    """A 1-D or 2-D object array of numbers, symbols or polynomials; ``marked`` flat positions are
    highlighted. ``rows``/``columns``, when set, say how many are shown (the rest become ⋮ / ⋯);
    when left out, the printer shows as much as fits its line."""

    array: np.ndarray
    marked: frozenset = frozenset()
    rows: int | None = None
    columns: int | None = None


class Hadamard(NamedTuple):
    """``left ⊙ right`` (a receptive field times the kernel, or times an upstream entry)."""

    left: object
    right: object


class Labeled(NamedTuple):
    """``label: value``; the label is words (``n = 0, c = 1``: one slice of a 4-D tensor) or math."""

    label: object
    value: object


class Concat(NamedTuple):
    """Math pieces written one after the other (``Y_{0,0,1,1}`` then ``, c = 0``)."""

    parts: tuple


class Call(NamedTuple):
    """``name(arg, arg, …)``: a function applied to its arguments (``max(C_{11}, C_{12}, …)``,
    ``sigmoid(x)``, ``softmax(z)``). ``name`` is how it is written in Unicode (text, MathML);
    ``latex``, how LaTeX writes it: when left out, TeX's own operator where TeX has one
    (``\\max``), else ``\\operatorname{name}``. A new function needs no printer edits."""

    name: str
    args: tuple
    latex: str | None = None


class Group(NamedTuple):
    """Math in parentheses: ``1/4·(y_{00} + y_{01} + …)``."""

    inner: object


class Bracket(NamedTuple):
    """Iverson's bracket: 1 when the statement inside holds, else 0 (``[x > 0]``)."""

    inner: object


class Power(NamedTuple):
    """``base^exponent`` with a number as the exponent (``(Σ x²/4)^(−1/2)``)."""

    base: object
    exponent: int | Fraction


class Quotient(NamedTuple):
    """``numerator / denominator``: a stacked fraction where the format has one."""

    numerator: object
    denominator: object


class Root(NamedTuple):
    """The ``degree``-th root of ``radicand``: ``√x`` for degree 2, else ``x^(1/degree)``, as each
    format writes roots (LP pooling's ``(Σ x^p / N)^(1/p)``)."""

    radicand: object
    degree: int


class Truncated(NamedTuple):
    """The first terms of a long sum, then ``+ ⋯ (total terms in all)``."""

    shown: object  # a Sum or a Poly
    total: int

    @property
    def rest(self) -> str:
        return f"⋯ ({self.total} terms in all)"


class Indexed(NamedTuple):
    """An entry of ``tensor`` named by index expressions, in the general term of an
    :class:`IndexedSum`: ``A_{i,j+1}``, ``∂L/∂Z_{i,j}`` (a derivative-notation tensor), ``d_{3i+j+1}``
    (a flat-named one). Each expression is a letter of the sum, a number, or both
    (``2i−1``)."""

    tensor: Tensor
    indices: tuple[str, ...]

    @property
    def separator(self) -> str:
        """Between the indices: nothing (``C_{ij}``), like the tensor's numbered entries
        (``C_{11}``), when each is one letter or digit; else a comma (``A_{i,j+1}``)."""
        together = not self.tensor.comma_indices and all(len(i) == 1 for i in self.indices)
        return "" if together else ","

    @property
    def subscript(self) -> str:
        return self.separator.join(self.indices)


class IndexedSum(NamedTuple):
    """``Σ_{i=1}^{14} Σ_{j=1}^{10} term``: a long sum written by its general term, ``letters``
    running over ``ranges`` (inclusive, in the entries' display numbering), with its number of
    terms, ``terms``, written after it (None: said elsewhere in the equation)."""

    letters: tuple[str, ...]
    ranges: tuple[tuple[int, int], ...]
    term: object
    terms: int | None

    @property
    def count_text(self) -> str:
        return "" if self.terms is None else f"({self.terms} terms)"


class Equation(NamedTuple):
    """``sides[0] = sides[1] = …``; long sides break at their ``+``."""

    sides: tuple


MAX_SUM_TERMS = 150  # terms of one sum written out (the recitation's 140 fit)
MAX_SLICES = 6  # 2-D slices of a tensor with batch, channel or depth axes written out, at most
MAX_ROWS = 16  # rows of a matrix shown, in every format
MAX_LISTED_ENTRIES = 32  # entries listed one per line when they are too long for a matrix


def equation(*sides: object) -> Equation:
    """An equation whose sums of more than :data:`MAX_SUM_TERMS` terms are cut short."""
    return Equation(tuple(short(side) for side in sides))


def short(side: object) -> object:
    """A sum (written out, or a polynomial) of more than :data:`MAX_SUM_TERMS` terms cut short."""
    if isinstance(side, Sum) and len(side.terms) > MAX_SUM_TERMS:
        return Truncated(Sum(side.terms[:MAX_SUM_TERMS]), len(side.terms))
    if isinstance(side, Poly) and len(side.terms) > MAX_SUM_TERMS:
        return Truncated(side.first_terms(MAX_SUM_TERMS), len(side.terms))
    return side


# -- blocks -----------------------------------------------------------------------------------------


class Heading(NamedTuple):
    """A section heading: words, or a tuple of words and inline math."""

    text: str | tuple
    level: int = 1

    @property
    def parts(self) -> tuple:
        return self.text if isinstance(self.text, tuple) else (self.text,)


class Paragraph(NamedTuple):
    """Words and inline math: ``parts`` are ``str`` (words) or math nodes."""

    parts: tuple


class Display(NamedTuple):
    """One display equation (or piece of math) per row, unnumbered."""

    rows: tuple


class Numbered(NamedTuple):
    """A display with its number, like the homework's (1) … (25): an equation, or a result (a
    :class:`TensorView`, a :class:`Gallery`) that later blocks refer to. Sections leave
    ``number`` None; :func:`settle` numbers the document in order. A ``key`` says what the display
    shows (``("gradient", "X")``), for a :class:`Reference`; an ``optional`` number is given only
    when a reference points at it."""

    math: object
    number: int | None = None
    key: tuple | None = None
    optional: bool = False


class Gallery(NamedTuple):
    """Math items set side by side. ``columns`` is how many a row should hold when they fit (a
    gallery of receptive fields is laid out like the output grid); printers put fewer on a row when
    the line is too narrow."""

    items: tuple
    columns: int | None = None


class TensorView(NamedTuple):
    """``label = array`` for a whole tensor (or an array in its shape), as a printer sees fit:
    one matrix; a wide matrix wrapped into blocks of columns; slice by slice over the ``axes`` in
    front of the spatial ones (batch ``n``, channel ``c``, filter ``f``); or, when its entries are
    too long to stand side by side, entry by entry. Listed entries are named after ``tensor``,
    as ``∂loss/∂name`` when ``gradient_of`` gives the loss. ``label`` None: the matrix alone.
    ``label_base``: the number slice labels (``n = 0, c = 1``) count from. ``whole``: a 1-D or
    2-D array shown with every row and column, wrapped into as many blocks of columns as it needs
    (the matrix view's C, which is worth nothing cut). ``listed`` and ``listed_slices`` (None:
    the printers' own limits) say how many entries of how many slices are listed when they are
    too long for a matrix; ``nonzero`` leaves out slices of zeros. ``equations``: the numbered
    equations that already write every entry (or the first ``covered``, those a list would
    show; or all but the ``rest``, which are listed), which the printers name instead of listing
    the entries again."""

    label: object
    array: np.ndarray
    tensor: Tensor
    axes: tuple[str, ...] = ()
    gradient_of: str | None = None
    label_base: int = 0
    whole: bool = False
    listed: int | None = None  # entries listed per slice when they are too long for a matrix
    listed_slices: int | None = None  # slices listed at most
    slices: int | None = None  # slices shown at most (None: the printers' own limit)
    nonzero: bool = False  # slices whose entries are all 0 are left out (a running sum)
    equations: tuple = ()  # (first, last) References: every entry is written in these equations
    covered: int | None = None  # ... or only the first this many (those a list would show)
    rest: tuple[int, ...] = ()  # ... or some, and these entries (flat positions) are listed


class Note(NamedTuple):
    """A remark about ∂loss/∂``tensor`` (unread input positions, the tie rule of max pooling);
    ``flows_back``: it also concerns every tensor whose gradient passes through ``tensor``."""

    tensor: Tensor
    parts: tuple
    flows_back: bool = False


class Window(NamedTuple):
    """A rectangle outlined around cells of a grid (a pooling window), ``top_left`` and
    ``bottom_right`` (row, column) inclusive, each window in its own colour; its ``ringed`` cells
    (flat positions: its maximum) get a ring in the same colour."""

    top_left: tuple[int, int]
    bottom_right: tuple[int, int]
    ringed: frozenset = frozenset()


class Grid(NamedTuple):
    """One grid of a picture: a tensor's 2-D slice (one row for 1-D), as padded or zero-inserted as
    the picture needs. ``cells`` holds what each cell is: an entry (a :class:`Symbol`, named in its
    cell), a number (an inserted zero) or None (padding, drawn as a grey 0). ``highlighted`` groups
    flat positions, each group in its own colour (a receptive field, the next one a stride
    further); ``marked`` cells get a red ring (the chosen entry); ``windows`` are outlined."""

    cells: np.ndarray
    label: object  # math or words written above the grid
    highlighted: tuple[frozenset, ...] = ()
    marked: frozenset = frozenset()
    windows: tuple[Window, ...] = ()


class Figure(NamedTuple):
    """A picture: grids drawn side by side (as the page allows), and a caption of words and math
    (like a :class:`Paragraph`'s parts) that says what the colours and marks are. ``alone``: no
    other block says what it shows, so a format without pictures (text) writes its grids as
    matrices with the highlighted and ringed cells marked."""

    grids: tuple[Grid, ...]
    caption: tuple
    alone: bool = False


class Once(NamedTuple):
    """Blocks that depend on what the document has shown before: ``first`` where ``key`` comes up
    for the first time, ``again`` (which refers back, or is empty) where it comes up later. A
    ``result`` (a gradient, an output of short sums) is shown every time in a document that
    repeats results (``--detail full``); anything else (an explanation, a fact several sections
    rely on, a result with a long sum) is said once in every document. :func:`settle` decides, in
    document order."""

    key: tuple
    first: tuple
    again: tuple = ()
    result: bool = False
    label: object = None  # what ``first`` shows (∂L/∂Y2), for a reference from another label


class Reference(NamedTuple):
    """``(7)``: the number of the display that shows ``key`` (filled in by :func:`settle`).
    ``of``: the label the referring text gives the thing (``∂L/∂Y1 is the same as (7)``); when
    the display showed it under another label (a :class:`Once`'s), :func:`settle` fills in
    ``label`` with that one, printed before the number (``the same as ∂L/∂Y2 (7)``)."""

    key: tuple
    number: int | None = None
    of: object = None
    label: object = None


class Section(NamedTuple):
    """One section of a worked solution: its name (``dx``, ``chain``, …) and its blocks."""

    name: str
    blocks: tuple


class ChainBlock(NamedTuple):
    """The chain-rule terms of a gradient through one layer, as arrays grouped by entry: entry i's
    terms are ``offsets[i]`` to ``offsets[i + 1]``; term t reads the layer's output entry
    ``outputs[t]`` of ``output`` through ∂loss/∂y (``upstream``'s entry there: a symbol, or its
    number), times its local derivative, named (``local``: a tensor's entries as symbols, one
    number for every term, or a number or atom per term)."""

    output: Tensor
    upstream: Tensor
    offsets: np.ndarray
    outputs: np.ndarray
    local: FactorTable  # named


class ChainTerms(NamedTuple):
    """∂loss/∂``tensor``'s chain rule for every entry, as arrays (one block per layer that reads
    it), and every entry's value: what a printer that shows an entry's chain rule on demand (HTML)
    needs, for whichever entries it shows."""

    tensor: Tensor
    blocks: tuple[ChainBlock, ...]
    values: Sequence[Poly]
    # The values as the derivation summed them on arrays (its Known), when it did: a page whose
    # named sums are the values takes them from there rather than summing again.
    known: Any = None


class Relations(NamedTuple):
    """The chain rule of every gradient entry of a problem. ``upstream`` names the last layer's
    output: the given upstream gradient's entries (``d1``, …, or ``∂L/∂Y_00`` with values) are
    the entries of ∂loss/∂``upstream``."""

    loss: str
    gradients: tuple[ChainTerms, ...]
    upstream: str


class Document(NamedTuple):
    """A worked solution; ``relations`` (when given) tells interactive printers which entries each
    gradient entry's chain rule reads."""

    title: str
    introduction: tuple
    sections: tuple[Section, ...]
    relations: Relations | None = None

    @property
    def blocks(self) -> tuple:
        return self.introduction + tuple(b for section in self.sections for b in section.blocks)


# -- what is printed: each result once, numbers in order -----------------------------------------------


def settle(document: Document, *, repeat: bool = False) -> Document:
    """The document as it is printed, decided in one pass in document order, from the document
    alone: every :class:`Once` becomes its ``first`` blocks the first time its key comes up and
    its ``again`` blocks after that (a result's ``first`` every time when ``repeat``); every
    :class:`Numbered` gets the next number (an optional one only when a :class:`Reference` points
    at it, else it is printed without a number, as is a second display of the same key); every
    :class:`Reference` gets the number of the display it points at."""
    seen: set = set()
    labels: dict = {}  # the label each key was first shown under

    def expand(blocks: Sequence[object]) -> list[object]:
        out: list = []
        for block in blocks:
            if isinstance(block, Once):
                again = block.key in seen and not (repeat and block.result)
                if block.key not in seen:
                    labels[block.key] = block.label
                seen.add(block.key)
                out += expand(block.again if again else block.first)
            else:
                out.append(block)
        return out

    introduction = expand(document.introduction)
    sections = [(section, expand(section.blocks)) for section in document.sections]
    every = introduction + [block for _, blocks in sections for block in blocks]
    wanted = {found.key for found in _nodes(every, Reference)}
    numbers: dict = {}

    def numbered(block: object) -> object:
        if not isinstance(block, Numbered) or block.number is not None:
            return block
        if block.key in numbers or (block.optional and block.key not in wanted):
            return block.math if not isinstance(block.math, Equation) else Display((block.math,))
        number = len(numbers) + 1
        numbers[block.key if block.key is not None else ("equation", number)] = number
        return block._replace(number=number)

    introduction = [numbered(block) for block in introduction]
    sections = [(section, [numbered(block) for block in blocks]) for section, blocks in sections]

    def resolve(node: object) -> object:
        if isinstance(node, Reference):
            if node.key not in numbers:
                raise ValueError(f"a reference to {node.key!r}, which no numbered display shows")
            shown = labels.get(node.key)
            other = node.of is not None and shown is not None and shown != node.of
            return node._replace(number=numbers[node.key], label=shown if other else None)
        if isinstance(node, tuple) and not isinstance(node, _LEAVES):
            parts = [resolve(part) for part in node]
            if all(new is old for new, old in zip(parts, node)):
                return node
            # a node of the vocabulary (a NamedTuple) is rebuilt from its fields
            return type(node)(*parts) if hasattr(node, "_fields") else tuple(parts)  # type: ignore[arg-type]
        return node

    return document._replace(
        introduction=tuple(resolve(block) for block in introduction),
        sections=tuple(section._replace(blocks=tuple(resolve(block) for block in blocks))
                       for section, blocks in sections))


# Nodes that never hold a reference: not searched (a chain-rule sum has hundreds of terms).
_LEAVES = (Sum, Truncated, Matrix, Figure, Grid, Relations)


def _nodes(blocks: Sequence[object], kind: type) -> list:
    """Every node of type ``kind`` in the blocks, in order."""
    found: list = []

    def walk(node: object) -> None:
        if isinstance(node, kind):
            found.append(node)
        elif isinstance(node, tuple) and not isinstance(node, _LEAVES):
            for part in node:
                walk(part)

    for block in blocks:
        walk(block)
    return found
