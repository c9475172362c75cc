"""How wide the LaTeX math symconv writes is once typeset, in em of the document's font.

The LaTeX printer measures itself with this: it prints a node, then reads its own output (the
small subset of LaTeX math it writes: ``\\frac``, sub- and superscripts, ``bmatrix``,
``aligned``, ``\\left( … \\right)``, ``\\text{…}``, ``\\boxed``, ``\\sqrt``, a few symbols) and
adds up the widths of Computer Modern's glyphs and TeX's math spacing. Fractions and scripts
shrink as TeX shrinks them (display → text → script → scriptscript); a matrix cell is set in text
style. The figures are Computer Modern's average advance widths, rounded up a little, so an
estimate errs on the wide side: a line the estimate fits is not overfull when typeset.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Advance widths in em of Computer Modern: math italic (cmmi) and roman (cmr, \text).
ITALIC = dict(zip("abcdefghijklmnopqrstuvwxyz",
                  (.529, .429, .433, .520, .466, .490, .477, .576, .345, .412, .521, .298, .878,
                   .600, .485, .503, .446, .451, .469, .361, .572, .485, .716, .572, .490, .465)))
ITALIC.update(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                  (.750, .759, .715, .828, .738, .643, .786, .831, .440, .555, .849, .681, .970,
                   .803, .763, .642, .791, .759, .613, .584, .683, .583, .944, .828, .581, .683)))
ROMAN = dict(zip("abcdefghijklmnopqrstuvwxyz",
                 (.500, .556, .444, .556, .444, .306, .500, .556, .278, .306, .528, .278, .833,
                  .556, .500, .556, .528, .392, .394, .389, .556, .528, .722, .528, .528, .444)))
ROMAN.update({" ": .333, "=": .778, ",": .278, ".": .278, "(": .389, ")": .389, "–": .5,
              "—": 1.0, ":": .278, "-": .333})
DIGIT, ROMAN_UPPER = 0.5, 0.75
BINARY = {"+": 0.78, "-": 0.78, "\\cdot": 0.28, "\\times": 0.78, "\\odot": 0.78}
RELATION = {"=": 0.78, "<": 0.78, ">": 0.78, "\\le": 0.78, "\\to": 1.0, "\\colon": 0.28}
BINARY_SPACE, RELATION_SPACE, THIN = 4 / 18, 5 / 18, 3 / 18  # \medmuskip, \thickmuskip, \thinmuskip
SCRIPT_SPACE = 0.046  # \scriptspace (0.5 pt) after every sub- or superscript
# Italic corrections of cmmi: added after a letter that no subscript follows (TeX's rule).
ITALIC_CORRECTION = dict(zip("BCDEFHIJKMNOPSTUVWXYZfjpqvwy",
                             (.051, .071, .028, .058, .139, .081, .078, .096, .071, .109, .109, .028,
                              .139, .058, .139, .109, .222, .139, .078, .222, .072, .108, .057,
                              .036, .036, .036, .027, .036)))
SYMBOLS = {"\\partial": 0.57, "\\sum": 1.06, "\\dots": 1.2, "\\cdots": 1.2, "\\vdots": 0.3,
           "\\ddots": 1.2, "\\circ": 0.5, "\\lfloor": 0.45, "\\rfloor": 0.45,
           "\\qquad": 2.0, "\\quad": 1.0, "\\,": THIN, "\\ ": 0.33, "\\;": 0.28, "\\!": -0.17}
# The operator names TeX and amsmath define (\max, \log, …): set upright, as \operatorname{…} is.
TEX_OPERATORS = frozenset({
    "arccos", "arcsin", "arctan", "arg", "cos", "cosh", "cot", "coth", "csc", "deg", "det", "dim",
    "exp", "gcd", "hom", "inf", "ker", "lg", "lim", "liminf", "limsup", "ln", "log", "max", "min",
    "Pr", "sec", "sin", "sinh", "sup", "tan", "tanh"})
DELIMITER = 0.389
COLUMN_GAP = 0.914  # 2 × \arraycolsep (5 pt) between matrix columns
MATRIX_SIDES = 1.333  # brackets and \arraycolsep on both sides, for three rows or more
MATRIX_SIDES_BY_ROWS = {1: 0.944, 2: 1.167}  # the brackets grow with the rows
BOX = 0.62  # \boxed: \fboxsep and the rule, on both sides
FRACTION_SIDES = 0.24  # \nulldelimiterspace on both sides
ROOT_SIGN = 0.85

# Tokens: a command, an escaped character, a brace, a script or cell sign, or one character;
# \text-like commands and \begin/\end with their group (one level of nested braces) are one token,
# as their spaces count; every other space is dropped (TeX ignores spaces in math).
_TOKEN = re.compile(r"\\(?:text|operatorname|mathrm|begin|end)\{(?:[^{}]|\{[^{}]*\})*\}"
                    r"|\\[A-Za-z]+|\\.|[{}_^&]|\S", re.S)
_RAW = ("\\text{", "\\operatorname{", "\\mathrm{")
# display, text, script (cmr8/cmmi8 at 8 pt), scriptscript (6 pt): the smaller designs are wider
SHRINK = {0: 1.0, 1: 1.0, 2: 0.78, 3: 0.67}
END = "\\end"


@lru_cache(maxsize=1 << 16)
def latex_width(math: str, style: int = 0) -> float:
    """The typeset width of LaTeX math in em; ``style`` 0 is display, 1 text (inline math, a
    matrix cell), 2 script. Printers measure the same cells and operators many times over: the
    widths are remembered."""
    tokens = [END if token.startswith("\\end{") else token for token in _TOKEN.findall(math)]
    return _Reader(tokens).row(style)[0]


def fraction_width(numerator: str, denominator: str, style: int = 0) -> float:
    """The width of ``\\frac{numerator}{denominator}``, exactly as :func:`latex_width` reads it,
    from its two parts' widths (each remembered): a chain rule writes thousands of different
    ∂L/∂y_k·∂y_k/∂x, but each name in them many times."""
    inner = style + 1 if style >= 1 else 1
    return (max(latex_width(numerator, inner), latex_width(denominator, inner))
            + FRACTION_SIDES * SHRINK[min(style, 3)])


class _Reader:
    """Reads the token list once, left to right."""

    def __init__(self, tokens: list[str]):
        self.tokens = tokens
        self.count = len(tokens)
        self.at = 0

    def peek(self) -> str | None:
        return self.tokens[self.at] if self.at < self.count else None

    def take(self) -> str:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def group(self, style: int) -> float:
        """A ``{…}`` group, or a single token."""
        if self.peek() == "{":
            self.at += 1
            width, _ = self.row(style, until="}")
            self.at += 1
            return width
        return self.atom(self.take(), style) if self.at < self.count else 0.0

    def row(self, style: int, until: str | None = None) -> tuple[float, list[float]]:
        """Width up to ``until`` (or the end): (the widest line, the widths of its ``&`` cells)."""
        scale = SHRINK[min(style, 3)]
        lines, cells, width = [], [], 0.0
        previous = None  # "ordinary", "binary", "relation" or "open", for TeX's spacing rules
        script = 0.0  # the width of a subscript just set: a superscript goes above it
        tokens = self.tokens
        while self.at < self.count:
            token = tokens[self.at]
            if token == until or token == END:
                break
            self.at += 1
            if token == "&":
                cells.append(width)
                width, previous = 0.0, None
                continue
            if token == "\\\\":
                lines.append(sum(cells) + width)
                cells, width, previous = [], 0.0, None
                continue
            if token == "_" or token == "^":
                size = self.group(2 if style < 2 else 3) + SCRIPT_SPACE
                width += max(0.0, size - script)  # x_{00}^2: the two scripts stacked
                script = size
                continue
            script = 0.0
            kind = ("binary" if token in BINARY else "relation" if token in RELATION
                    else "open" if token in ("(", "[", "\\left") else "ordinary")
            glyph = self.atom(token, style)
            if token in ITALIC_CORRECTION and self.peek() != "_":
                glyph += ITALIC_CORRECTION[token] * scale
            if style <= 1 and kind == "binary" and previous not in (None, "binary", "relation", "open"):
                glyph += 2 * BINARY_SPACE * scale
            elif style <= 1 and kind == "relation":
                glyph += 2 * RELATION_SPACE * scale
            width += glyph
            previous = kind
        lines.append(sum(cells) + width)
        return max(lines), cells + [width]

    def atom(self, token: str, style: int) -> float:
        scale = SHRINK[min(style, 3)]
        if len(token) == 1 and token not in "{(|)[]":
            if token in BINARY:
                return BINARY[token] * scale
            if token in RELATION:
                return RELATION[token] * scale
            if token in (",", ";"):  # punctuation: a thin space after it, except in scripts
                return 0.28 * scale + (THIN if style <= 1 else 0.0)
            if token in (".", "'", ":"):
                return 0.28 * scale
            return glyph_width(token) * scale
        if token == "\\frac":
            inner = style + 1 if style >= 1 else 1
            numerator, denominator = self.group(inner), self.group(inner)
            return max(numerator, denominator) + FRACTION_SIDES * scale
        if token == "\\sqrt":
            return self.group(style) + ROOT_SIGN * scale
        if token.startswith(_RAW):
            return text_width(token[token.index("{") + 1:-1]) * scale
        if token.startswith("\\begin{"):
            return self.environment(token[len("\\begin{"):-1], style)
        if token == "\\boxed":
            return self.group(1) + BOX * scale
        if token == "\\left" or token == "\\right":
            if self.at < self.count:
                self.at += 1  # the delimiter itself
            return DELIMITER * scale
        if token == "{":
            width, _ = self.row(style, until="}")
            if self.peek() == "}":
                self.at += 1
            return width
        if token in BINARY:
            return BINARY[token] * scale
        if token in RELATION:
            return RELATION[token] * scale
        if token in SYMBOLS:
            return SYMBOLS[token] * (scale if token not in ("\\qquad", "\\quad") else 1.0)
        if token[1:] in TEX_OPERATORS:
            return text_width(token[1:]) * scale
        if token in ("(", ")", "[", "]", "|"):
            return DELIMITER * scale
        if token.startswith("\\"):
            return 0.6 * scale  # a symbol we do not list: about a letter's width
        return glyph_width(token) * scale

    def environment(self, name: str, style: int) -> float:
        if name in ("bmatrix", "pmatrix", "matrix"):
            columns: list[float] = []
            rows = 0
            while self.at < self.count and self.peek() != END:
                rows += 1
                _, cells = self.row(1, until="\\\\")
                count = max(len(columns), len(cells))
                columns = [max(a, b) for a, b in zip(columns + [0.0] * (count - len(columns)),
                                                     cells + [0.0] * (count - len(cells)))]
                if self.peek() == "\\\\":
                    self.at += 1
            self.take_end()
            sides = MATRIX_SIDES_BY_ROWS.get(rows, MATRIX_SIDES) if name != "matrix" else 0.914
            return sum(columns) + COLUMN_GAP * max(0, len(columns) - 1) + sides
        # aligned (and anything else): the widest line, cells side by side
        widest = 0.0
        while self.at < self.count and self.peek() != END:
            line, _ = self.row(0, until="\\\\")
            widest = max(widest, line)
            if self.peek() == "\\\\":
                self.at += 1
        self.take_end()
        return widest

    def take_end(self) -> None:
        if self.peek() == END:
            self.at += 1


def glyph_width(char: str) -> float:
    if char.isdigit():
        return DIGIT
    return ITALIC.get(char, 0.6)


def text_width(words: str) -> float:
    """Roman text (``\\text{…}``, operator names), as the token stream gave it back."""
    words = re.sub(r"\\[A-Za-z]+\{?\}?|[{}$]", "", words)  # \textbackslash{} and the like
    return sum(DIGIT if char.isdigit() else ROMAN.get(char, ROMAN_UPPER if char.isupper() else 0.5)
               for char in words)
