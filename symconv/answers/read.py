"""Answer files: where the entries are, in the formats students paste.

* a plain grid: rows on lines (``\\\\`` also ends a row); entries separated by tabs, commas or ``&``,
  or by spaces when no entry contains one (``B11 + B12`` is then read as one entry because of the
  operators between its parts); a grid with semicolons is separated by semicolons (and tabs) only,
  as spreadsheets in many countries write CSV;
* lists of rows: JSON (``[["B_11", "B_11 + B_12"], ...]``), Python lists (single quotes too), the same
  brackets with bare expressions (``[[B11, B11 + B12], ...]``), NumPy's printed arrays (rows
  separated by spaces, ``[[ 4  7 10]\\n [ 9 17 25]]``), MATLAB's ``[1 2; 3 4]``; also inside NumPy's
  ``array(…)``, PyTorch's ``tensor(…)`` or SymPy's ``Matrix(…)``, with their keyword arguments
  (``dtype=float32``, ``grad_fn=<…>``);
* LaTeX: the first ``bmatrix``/``pmatrix``/``matrix``/``array`` environment in the file;
* Markdown: the first pipe table in the file (a header row is skipped when the table has one row
  more than the gradient).

Any of them may start with a label line (``dL/dX =``, ``A.grad =``, ``Out[3]:``) or Python prompt
lines (``>>> print(x.grad)``), which are skipped. The result is :class:`Rows` of :class:`Cell` (the
raw text of each entry and where it was), which :func:`arrange` checks against the gradient's shape.
Nothing here interprets an entry, and nothing is evaluated: the wrappers and labels are recognised
by their spelling and blanked out (so lines and characters keep their positions).

An answer that cannot be read gets a message saying which format it looks like and the nearest
accepted form, built from the student's own first row (:func:`nearest_form`).
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from dataclasses import dataclass
from math import prod
from typing import Any, NoReturn

import numpy as np

from ..core.errors import AnswerError

MAX_ANSWER_BYTES = 1_000_000
MAX_JSON_DEPTH = 6
ENVIRONMENTS = ("bmatrix", "pmatrix", "matrix", "array")
_BEGIN = re.compile(r"\\begin\s*\{\s*(" + "|".join(ENVIRONMENTS) + r")\s*\}")
_RULES = re.compile(r"\\hline|\\hdashline|\\cline\s*\{[^{}]*\}")
_SEPARATOR_ROW = re.compile(r"\s*:?-{1,}:?\s*")
_BINARY_START = ("+", "*", "/", "^", ")", "}", "·", "×", "\\cdot", "\\times")
_BINARY_END = ("+", "-", "−", "*", "/", "^", "(", "{", "·", "×", "\\cdot", "\\times")
_BRACKETS = re.compile(r"[(){}]")
_PLAIN_NUMBERS = re.compile(r"[ \t]*(?:-?[0-9]+(?:\.[0-9]+)?[ \t]+)*(?:-?[0-9]+(?:\.[0-9]+)?)?[ \t]*")

# The formats, as messages name them.
GRID = "a plain grid"
SEMICOLONS = "a semicolon-separated grid"
TABS = "a tab-separated grid"
LATEX = "a LaTeX matrix"
MARKDOWN = "a Markdown table"
JSON_LISTS = "JSON lists"
PYTHON = "a Python list"
NUMPY_PRINT = "NumPy's printed array"
MATLAB = "MATLAB's [a b; c d]"
WRAPPERS = {"array": "NumPy's array(…)", "tensor": "PyTorch's tensor(…)",
            "Matrix": "SymPy's Matrix(…)"}
LIST_FORMS = (JSON_LISTS, PYTHON, NUMPY_PRINT, MATLAB, *WRAPPERS.values())

# ``dL/dX =``, ``A.grad =``, ``grad_A :=`` before the answer (a name: no brackets or separators;
# never ``==``, which the entry parser refuses); ``Out[3]:`` before IPython's output; ``>>> …``
# and ``In [3]: …`` lines are the command that printed it.
_LABEL = re.compile(r"[ \t]*(?:Out\s*\[\s*\d+\s*\]\s*:"
                    r"|[A-Za-z∂\\][^=\n|(\[,;]{0,60}?[ \t]{0,8}:?=(?!=))")
_PROMPT = re.compile(r"[ \t]*(?:>>>|In\s*\[\s*\d+\s*\]\s*:)[^\n]*")
_WRAPPER = re.compile(r"(?:(?:np|numpy)\.)?(array)\s*\(|(?:torch\.)?(tensor)\s*\("
                      r"|(?:(?:sympy|sp)\.)?(?:Immutable)?(Matrix)\s*\(")
# what may follow the list inside a wrapper: keyword arguments such as dtype=float32,
# requires_grad=True, grad_fn=<AddBackward0>, device='cuda:0', shape=(40, 50)
_KEYWORDS = re.compile(r"(?:\s*,\s*[A-Za-z_]\w*\s*=\s*(?:<[^<>\n]{0,80}>|\([^()\n]{0,80}\)"
                       r"|'[^'\n]{0,80}'|\"[^\"\n]{0,80}\"|[\w.+-]{1,80}))*\s*(?:,\s*)?\)")
_BLANK_LINE = re.compile(r"[ \t]*\n")
_GAP = re.compile(r"[\s,]*")
_SPACE = re.compile(r"\s*")


@dataclass(frozen=True)
class Cell:
    """The text of one entry; ``line`` is 1-based (None for JSON), ``row``/``col`` 1-based."""

    text: str
    line: int | None
    row: int
    col: int

    def where(self, source: str) -> str:
        at = f"{source}:{self.line}" if self.line else source
        return f"{at}: row {self.row}, entry {self.col}"


class Rows(list):
    """Rows of cells as read (lists of cells, or deeper lists for JSON nested like the shape),
    with the format they were read as and, for a pipe table, whether a ``|---|`` line follows the
    first row (so that row may be a header)."""

    def __init__(self, rows: list[Any], form: str, text: str = "",
                 header_possible: bool = False) -> None:
        super().__init__(rows)
        self.form = form
        self.text = text  # the answer as written, for the nearest accepted form
        self.header_possible = header_possible


def read_answer(text: str, source: str) -> Rows:
    """The entries of an answer, as rows of cells, whatever the format."""
    if not text.strip():
        raise AnswerError(f"{source}: the answer is empty; write one row per line, e.g. 1 2 3")
    begin = _BEGIN.search(text)
    if begin:
        return Rows(_latex(text, begin, source), LATEX, text)
    if "\\begin" in text:
        found = re.search(r"\\begin\s*\{([^}]*)\}", text)
        name = found.group(1) if found else "?"
        raise AnswerError(f"{source}: \\begin{{{name}}} is not a matrix environment symconv reads;"
                          f" use \\begin{{bmatrix}} … \\end{{bmatrix}}")
    lines = text.splitlines()
    if any(line.lstrip().startswith("|") for line in lines):
        rows, header_possible = _markdown(lines, source)
        return Rows(rows, MARKDOWN, text, header_possible)
    try:
        body, form = unwrap(text, source)
        if body.lstrip().startswith("["):
            rows, form = _brackets(body, source, form)
            return Rows(rows, form, text)
        form = SEMICOLONS if ";" in body else TABS if "\t" in body else GRID
        return Rows(_grid(body, 0, source, separators=";\t" if form == SEMICOLONS else None),
                    form, text)
    except AnswerError as error:
        hint = nearest_form(text)
        raise AnswerError(f"{error}; {hint}" if hint else str(error)) from None


# -- labels, prompts and wrappers -----------------------------------------------------------------
def _blank(text: str, start: int, end: int) -> str:
    """``text`` with ``[start, end)`` replaced by spaces (newlines kept): positions stay."""
    return text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]


def unwrap(text: str, source: str) -> tuple[str, str | None]:
    """The answer with its prompt lines, label and wrapper (``array(`` … ``, dtype=int64)``)
    blanked out, and the wrapper's format (None without one). Only their spelling is matched:
    whatever they contain is dropped, never run."""
    at = 0
    while True:  # blank lines, and prompt lines (the command that printed the answer)
        blank = _BLANK_LINE.match(text, at)
        prompt = None if blank else _PROMPT.match(text, at)
        if blank:
            at = blank.end()
        elif prompt:
            text, at = _blank(text, at, prompt.end()), prompt.end()
        else:
            break
    label = _LABEL.match(text, at)
    if label and not _looks_like_entries(label.group(0)):
        text, at = _blank(text, at, label.end()), label.end()
    at = _skip_spaces(text, at)
    wrapper = _WRAPPER.match(text, at)
    if wrapper is None:
        return text, None
    name = next(g for g in wrapper.groups() if g)
    form = WRAPPERS[name]
    opening = _skip_spaces(text, wrapper.end())
    if opening >= len(text) or text[opening] != "[":
        raise AnswerError(f"{source}: {form} holds no list of rows; paste it as printed, e.g."
                          f" {name}([[1, 2], [3, 4]])")
    closing = _matching_bracket(_bracket_pairs(_without_quotes(text)), opening, source, text)
    rest = _KEYWORDS.match(text, closing + 1)
    if rest is None or text[rest.end():].strip():
        after = text[closing + 1:]
        where = closing + 1 + len(after) - len(after.lstrip())
        raise AnswerError(f"{source}:{_line(text, where)}: after the list, {form} has"
                          f" {text[where:where + 20].strip()!r}, which symconv does not read;"
                          f" end it with ')' (keyword arguments such as dtype=float32 may come"
                          f" before)")
    text = _blank(text, rest.start(), len(text))
    return _blank(text, at, opening), form


def _skip_spaces(text: str, at: int) -> int:
    """The first position from ``at`` on that is not white space."""
    spaces = _SPACE.match(text, at)  # \s* always matches
    return spaces.end() if spaces else at


def _looks_like_entries(label: str) -> bool:
    """``B11 + B12 = …`` is a (wrong) entry, not a label: a label has no operator with spaces."""
    return bool(re.search(r"\s[-+*]\s", label))


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


class _Lines:
    """Line numbers of offsets in one text, without counting from the start each time."""

    def __init__(self, text: str):
        self.starts = [found.start() for found in re.finditer("\n", text)]

    def of(self, offset: int) -> int:
        return bisect_right(self.starts, offset - 1) + 1


def _bracket_pairs(plain: str) -> dict[int, int]:
    """Where each ``[`` of ``plain`` (a text whose quoted strings are blanked, see
    :func:`_without_quotes`) is closed; an unclosed one is left out."""
    pairs, opened = {}, []
    for found in re.finditer(r"[\[\]]", plain):
        if found.group(0) == "[":
            opened.append(found.start())
        elif opened:
            pairs[opened.pop()] = found.start()
    return pairs


def _matching_bracket(pairs: dict[int, int], opening: int, source: str, text: str) -> int:
    """The position of the ``]`` closing the ``[`` at ``opening`` (see :func:`_bracket_pairs`)."""
    if opening in pairs:
        return pairs[opening]
    opened, closed = _count_brackets(text)
    raise AnswerError(f"{source}: the brackets do not match ({opened} '[' and {closed} ']');"
                      f" write e.g. [[1, 2], [3, 4]]")


def _count_brackets(text: str) -> tuple[int, int]:
    return text.count("["), text.count("]")


# -- plain grids --------------------------------------------------------------------------------
def _depth_split(text: str, separators: str) -> list[tuple[str, int]]:
    """Split at separator characters outside ( ) and { }; parts with their offsets."""
    if not _BRACKETS.search(text):  # no brackets: every separator splits (as fast as str.split)
        pieces = re.split("[" + re.escape(separators) + "]", text)
        offsets = np.cumsum([0] + [len(piece) + 1 for piece in pieces[:-1]]).tolist()
        return list(zip(pieces, offsets))
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        if char in "({":
            depth += 1
        elif char in ")}":
            depth -= 1
        elif depth == 0 and char in separators:
            parts.append((text[start:i], start))
            start = i + 1
    parts.append((text[start:], start))
    return parts


def _unbalanced(text: str) -> tuple[str, int] | None:
    """The first bracket of ( ) { } without a partner, and its offset; None when all match."""
    if not _BRACKETS.search(text):
        return None
    opened: list[tuple[str, int]] = []
    for i, char in enumerate(text):
        if char in "({":
            opened.append((char, i))
        elif char in ")}":
            if not opened or opened[-1][0] != "({"[")}".index(char)]:
                return char, i
            opened.pop()
    return opened[-1] if opened else None


def _space_spans(line: str) -> list[tuple[int, int]]:
    """Where the entries of a line separated by spaces are, as (start, end) offsets; ``B11 + B12``
    and ``d_1 \\cdot w_2`` stay whole because of the operators between their parts."""
    if _PLAIN_NUMBERS.fullmatch(line):  # numbers such as 3 -4 0.5: none joins its neighbour
        return [found.span() for found in re.finditer(r"\S+", line)]
    spans: list[tuple[int, int]] = []
    for chunk, start in _depth_split(line, " \t\n"):
        if not chunk:
            continue
        previous = line[spans[-1][0]:spans[-1][1]] if spans else ""
        if spans and (previous.endswith(_BINARY_END) or chunk.startswith(_BINARY_START)
                      or chunk in ("-", "−")):
            spans[-1] = (spans[-1][0], start + len(chunk))
        else:
            spans.append((start, start + len(chunk)))
    return spans


def _space_entries(line: str) -> list[str]:
    """Entries separated by spaces (see :func:`_space_spans`), each on one line."""
    return [" ".join(line[start:end].split()) for start, end in _space_spans(line)]


_DECIMAL_COMMA = re.compile(r"(?<![\w,])[0-9]+,[0-9]+(?![\w,])")


def _grid(text: str, first_line: int, source: str, *, separators: str | None) -> list[list[Cell]]:
    """Rows on lines or ended by ``\\\\``; entries split by ``separators`` (None: tabs, commas or
    ``&`` when there are any, else spaces)."""
    body = _RULES.sub(" ", text)
    if separators is None and any(char in body for char in "\t,&"):
        separators = "\t,&"
    rows: list[list[Cell]] = []
    for number, line in enumerate(body.split("\n"), start=first_line + 1):
        for piece in line.split("\\\\"):
            if not piece.strip():
                continue
            stray = _unbalanced(piece)
            if stray:
                char, offset = stray
                problem = "is never closed" if char in "({" else "has no matching opening bracket"
                raise AnswerError(f"{source}:{number}: row {len(rows) + 1}: {char!r} at character"
                                  f" {offset + 1} {problem}; check the brackets, e.g. 2*(d1 + d3)")
            if separators:
                texts = [part.strip() for part, _ in _depth_split(piece, separators)]
                if texts and texts[-1] == "" and piece.rstrip().endswith(tuple(separators)):
                    texts.pop()  # a trailing separator ends the row
            else:
                texts = _space_entries(piece)
            if separators == ";\t":
                _refuse_decimal_comma(texts, source, number)
            row = len(rows) + 1
            rows.append([Cell(t, number, row, col) for col, t in enumerate(texts, start=1)])
    if not rows:
        raise AnswerError(f"{source}: no rows found; write one row per line, e.g. 1 2 3")
    return rows


def _refuse_decimal_comma(texts: list[str], source: str, line: int) -> None:
    """``0,5`` in a semicolon-separated grid is a decimal comma; the answer grammar has points."""
    for text in texts:
        found = _DECIMAL_COMMA.search(text)
        if found:
            written = found.group(0)
            raise AnswerError(f"{source}:{line}: {written!r} has a decimal comma; write decimals"
                              f" with a point, {written.replace(',', '.')}")


# -- LaTeX ----------------------------------------------------------------------------------------
def _latex(text: str, begin: re.Match, source: str) -> list[list[Cell]]:
    name = begin.group(1)
    line = text.count("\n", 0, begin.start()) + 1
    start = begin.end()
    if name == "array":  # skip the column specification {|c|c|c|}
        spec = re.match(r"\s*\{[^{}]*\}", text[start:])
        start += spec.end() if spec else 0
    end = re.compile(r"\\end\s*\{\s*" + name + r"\s*\}").search(text, start)
    if end is None:
        raise AnswerError(f"{source}:{line}: \\begin{{{name}}} has no \\end{{{name}}}; close the"
                          f" matrix, e.g. \\begin{{{name}}} 1 & 2 \\\\ 3 & 4 \\end{{{name}}}")
    body = text[start:end.start()]
    if "\\begin" in body:
        raise AnswerError(f"{source}:{line}: a matrix inside a matrix; give one {name} of entries")
    first_line = text.count("\n", 0, start)
    return _grid(body, first_line, source, separators="\t,&")


# -- Markdown ---------------------------------------------------------------------------------------
def _markdown(lines: list[str], source: str) -> tuple[list[list[Cell]], bool]:
    """The rows of the first pipe table, and whether a ``|---|`` line follows its first row."""
    rows: list[list[Cell]] = []
    header_possible = False
    started = False
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped.startswith("|"):
            if started:
                break
            continue
        started = True
        inner = stripped[1:-1] if stripped.endswith("|") and len(stripped) > 1 else stripped[1:]
        texts = [part.strip() for part, _ in _depth_split(inner, "|")]
        if all(_SEPARATOR_ROW.fullmatch(t) for t in texts):
            header_possible = len(rows) == 1
            continue
        if not any(texts):
            continue
        rows.append([Cell(t, number, len(rows) + 1, col) for col, t in enumerate(texts, start=1)])
    return rows, header_possible


# -- lists: JSON, Python, NumPy, MATLAB ---------------------------------------------------------------
def _json_depth(text: str) -> int:
    """How deep the brackets of ``text`` nest (outside quoted strings)."""
    depth = deepest = 0
    for found in re.finditer(r"[\[\]{}]", _without_quotes(text)):
        depth += 1 if found.group(0) in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _reject_constant(name: str) -> NoReturn:
    raise AnswerError(f"{name} is not a number symconv accepts; write a finite number such as 0.5")


def _brackets(text: str, source: str, wrapper: str | None) -> tuple[list, str]:
    """Lists of rows, and the format they were read as."""
    depth = _json_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise AnswerError(f"{source}: lists nested {depth} deep, over the limit of"
                          f" {MAX_JSON_DEPTH}; write e.g. [[1, 2], [3, 4]]")
    shortened = re.search(r"\.\.\.|…", text)
    if shortened:
        raise AnswerError(f"{source}:{_line(text, shortened.start())}: the array"
                          f" was shortened with '...' when it was printed, so some entries are"
                          f" missing; print it whole (np.set_printoptions(threshold=np.inf), or"
                          f" torch.set_printoptions(profile='full')) or paste x.tolist()")
    try:
        data = json.loads(text, parse_int=str, parse_float=str, parse_constant=_reject_constant)
    except json.JSONDecodeError:
        return _ListReader(text, source).rows(wrapper)
    except RecursionError:  # the depth count above should make this impossible; stay one line
        raise AnswerError(f"{source}: lists nested too deeply; write e.g. [[1, 2], [3, 4]]") from None
    except AnswerError as error:
        raise AnswerError(str(error), where=source) from None
    return _json_rows(data, source), wrapper or JSON_LISTS


def _json_rows(data: object, source: str) -> list[Any]:
    """JSON lists as nested lists of cells; a list of lists is rows, a flat list is one row."""
    depths: set[int] = set()

    def walk(node: object, path: tuple[int, ...]) -> Cell | list[Any]:
        if isinstance(node, list):
            return [walk(child, path + (i,)) for i, child in enumerate(node)]
        depths.add(len(path))
        if isinstance(node, bool) or not isinstance(node, str):
            raise AnswerError(f"{source}: entry {''.join(f'[{i}]' for i in path)} is"
                              f" {json.dumps(node)[:30]}; write a number or a string such as"
                              f" \"B_11 + B_12\"")
        row = path[-2] + 1 if len(path) > 1 else 1
        return Cell(node, None, row, path[-1] + 1 if path else 1)

    nested = walk(data, ())
    if len(depths) > 1 or not depths:
        raise AnswerError(f"{source}: the lists are nested unevenly (or empty); write one list per"
                          f" row, e.g. [[1, 2], [3, 4]]")
    if not isinstance(nested, list):
        return [[nested]]
    return nested if isinstance(nested[0], list) else [nested]


class _ListReader:
    """Lists that are not JSON: single-quoted strings, bare expressions (``[[B11, B11 + B12]]``),
    entries separated by spaces (NumPy prints ``[[ 4  7 10]\\n [ 9 17 25]]``), rows by ``;``
    (MATLAB). Entries keep their line; nothing is evaluated."""

    def __init__(self, text: str, source: str):
        self.text, self.source = text, source
        self.plain = _without_quotes(text)  # brackets, commas and spaces in quotes split nothing
        self.pairs = _bracket_pairs(self.plain)
        self.lines = _Lines(text)
        self.spaced = self.semicolons = False

    def rows(self, wrapper: str | None) -> tuple[list, str]:
        start = self.plain.index("[")
        end = _matching_bracket(self.pairs, start, self.source, text=self.text)
        if self.plain[end + 1:].strip():
            raise AnswerError(f"{self.source}:{_line(self.text, end + 1)}: text after the closing"
                              f" ']' of the list; write only the list, e.g. [[1, 2], [3, 4]]")
        nested = self.list_at(start, end, 1, 1)
        rows = nested if nested and isinstance(nested[0], list) else [nested]
        kinds = {isinstance(row[0], list) for row in rows if isinstance(row, list) and row}
        if not all(isinstance(row, list) for row in rows) or len(kinds) > 1:
            raise AnswerError(f"{self.source}: the lists are nested unevenly; write one list per"
                              f" row, e.g. [[1, 2], [3, 4]]")
        form = wrapper or (MATLAB if self.semicolons else NUMPY_PRINT if self.spaced else PYTHON)
        return rows, form

    def list_at(self, start: int, end: int, depth: int, row: int) -> list:
        """The items of the list from ``[`` at ``start`` to ``]`` at ``end``: cells, or lists."""
        if depth > MAX_JSON_DEPTH:
            raise AnswerError(f"{self.source}: lists nested deeper than {MAX_JSON_DEPTH}; write"
                              f" e.g. [[1, 2], [3, 4]]")
        inner = self.plain[start + 1:end]
        if "[" in inner:
            return self.sublists(start + 1, end, depth)
        if ";" in _outside_groups(inner) and depth == 1:  # MATLAB: [1 2; 3 4]
            self.semicolons = True
            return [self.cells(start + 1 + offset, part, number)
                    for number, (part, offset) in enumerate(_depth_split(inner, ";"), start=1)
                    if part.strip()]
        return self.cells(start + 1, inner, row)

    def sublists(self, start: int, end: int, depth: int) -> list:
        found: list = []
        at = start
        while True:
            gap = _GAP.match(self.plain, at, end)
            at = gap.end() if gap else at
            if at >= end:
                return found
            if self.plain[at] != "[":
                raise AnswerError(f"{self.source}:{_line(self.text, at)}: rows must be lists [..]"
                                  f" separated by commas, e.g. [[1, 2], [3, 4]]; found"
                                  f" {self.text[at:at + 12].strip()!r}")
            close = _matching_bracket(self.pairs, at, self.source, self.text)
            found.append(self.list_at(at, close, depth + 1, len(found) + 1))
            at = close + 1

    def cells(self, offset: int, inner: str, row: int) -> list[Cell]:
        """One row's entries: separated by commas when it has any, else by spaces (NumPy)."""
        if "," in _outside_groups(inner):
            parts = _depth_split(inner, ",")
            if len(parts) > 1 and not parts[-1][0].strip():
                parts.pop()  # a trailing comma
            spans = [(at + len(part) - len(part.lstrip()), at + len(part.rstrip()))
                     for part, at in parts]
        else:
            spans = _space_spans(inner)
            self.spaced = self.spaced or len(spans) > 1
        return [Cell(self.unquote(self.text[offset + s:offset + e]), self.lines.of(offset + s),
                     row, col) for col, (s, e) in enumerate(spans, start=1)]

    @staticmethod
    def unquote(text: str) -> str:
        """``'B_11 + B_12'`` and ``"B_11"``: the text inside (``\\\\`` is one backslash, as
        Python prints it); anything else as written."""
        if len(text) >= 2 and text[0] in "'\"" and text[-1] == text[0]:
            return re.sub(r"\\([\\'\"])", r"\1", text[1:-1])
        return " ".join(text.split())


def _without_quotes(text: str) -> str:
    """``text`` with the inside of quoted strings replaced by ``_`` (same length), so brackets,
    commas and spaces inside quotes never split or nest anything."""
    if "'" not in text and '"' not in text:
        return text
    out, quote, escaped = [], None, False
    for char in text:
        if quote:
            if escaped:
                escaped = False
                out.append("_")
            elif char == "\\":
                escaped = True
                out.append("_")
            elif char == quote:
                quote = None
                out.append(char)
            else:
                out.append("_")
        else:
            if char in "'\"":
                quote = char
            out.append(char)
    return "".join(out)


def _outside_groups(text: str) -> str:
    """The characters of ``text`` outside ( ) and { }."""
    if "(" not in text and "{" not in text:
        return text
    depth, kept = 0, []
    for char in text:
        if char in "({":
            depth += 1
        elif char in ")}":
            depth -= 1
        elif depth == 0:
            kept.append(char)
    return "".join(kept)


# -- what an unreadable answer looks like, and the nearest accepted form ------------------------------
_GROUP = re.compile(r"[\[{(]([^\[\]{}()\n]*)[\]})]")
FIRST_ROW_CHARS = 10_000  # the first row is looked for here only


def looks_like(text: str) -> str:
    """The format an answer seems to be written in, for messages (also one symconv does not read,
    such as Mathematica's braces)."""
    if _BEGIN.search(text):
        return LATEX
    if any(line.lstrip().startswith("|") for line in text.splitlines()):
        return MARKDOWN
    body, wrapper = unwrap_quietly(text[:FIRST_ROW_CHARS])
    body = body.lstrip()
    if wrapper:
        return wrapper
    if re.match(r"\{\s*\{", body):
        return "a Mathematica list {{…}, {…}}"
    if re.match(r"\(\s*\(", body):
        return "Python tuples ((…), (…))"
    if re.match(r"<\s*table", body, re.I):
        return "an HTML table"
    if body.startswith("["):
        plain = _outside_groups(_without_quotes(body))
        return (MATLAB if ";" in plain else NUMPY_PRINT if "," not in plain
                else PYTHON if "'" in body else JSON_LISTS)
    return SEMICOLONS if ";" in body else TABS if "\t" in body else GRID


def first_row(text: str) -> list[str]:
    """The student's own first row, as well as it can be made out of an answer that may not be
    readable: in a list, the first innermost bracketed group, else the first line with something
    on it; split at commas, semicolons, tabs, ``&`` or ``|`` when it has any, else at spaces."""
    body = unwrap_quietly(text[:FIRST_ROW_CHARS])[0]
    groups = _GROUP.finditer(body) if body.lstrip()[:1] in ("[", "{", "(") else iter(())
    group = next((g.group(1) for g in groups if g.group(1).strip()), None)
    line = group if group is not None else next((l for l in body.splitlines() if l.strip()), "")
    line = line.strip().strip("|")
    outside = _outside_groups(line)
    separators = ";" if ";" in outside else next((",\t&|" for c in ",\t&|" if c in outside), None)
    parts = ([part for part, _ in _depth_split(line, separators)] if separators
             else _space_entries(line))
    if separators == ";":  # decimal commas, as such grids often have them
        parts = [_DECIMAL_COMMA.sub(lambda m: m.group(0).replace(",", "."), p) for p in parts]
    return ["…" if part.strip() in ("...", "…") else part.strip().strip("'\"[](){}")
            for part in parts if part.strip()]


def unwrap_quietly(text: str) -> tuple[str, str | None]:
    """:func:`unwrap` for messages about an answer that may not unwrap: the text after its label
    and wrapper's name, and the wrapper's format (None without one)."""
    try:
        return unwrap(text, "")
    except AnswerError:
        wrapper = _WRAPPER.search(text)
        if wrapper is None:
            return text, None
        return text[wrapper.end():], WRAPPERS[next(g for g in wrapper.groups() if g)]


MAX_SHOWN = 6


_PROSE = re.compile(r"[A-Za-z]{3,}\s+[A-Za-z]{3,}")  # two words in a row: a sentence, not entries


def nearest_form(text: str) -> str | None:
    """``this looks like NumPy's printed array; write your first row as [[4, 7, 10, 6, 3], …]``:
    what the answer seems to be, and its first row written the way symconv reads it; None when
    the first row is words (a note, not an answer), which no form would help."""
    seen = looks_like(text)
    entries = first_row(text) or ["1", "2", "3"]
    if any(_PROSE.search(entry) for entry in entries):
        return None
    shown = entries[:MAX_SHOWN] + (["…"] if len(entries) > MAX_SHOWN else [])
    if seen in LIST_FORMS or seen.startswith(("a Mathematica", "Python tuples")):
        example = f"[[{', '.join(shown)}], …] (one list per row)"
    elif any(" " in entry for entry in entries):
        example = f"{', '.join(shown)} (one row per line, entries separated by commas)"
    else:
        example = f"{' '.join(shown)} (one row per line)"
    return f"this looks like {seen}; write your first row as {example}"


# -- the gradient's shape ---------------------------------------------------------------------------
def _size(shape: tuple[int, ...]) -> str:
    return "×".join(map(str, shape))


class ShapeError(AnswerError):
    """Rows that do not make the gradient's shape: ``head`` says what was found and expected,
    ``got`` is the (rows, columns) they make (None when the rows differ in length)."""

    def __init__(self, head: str, details: str, got: tuple[int, int] | None):
        self.head, self.got = head, got
        super().__init__(f"{head}: {details}" if details else head)


def arrange(rows: list, shape: tuple[int, ...], source: str, context: str) -> list[Cell]:
    """The cells in row-major order for ``shape``, or an error saying what shape was found.

    Rows of a grid are the last axis; every leading axis is flattened into rows (a ``[2, 3, 3]``
    gradient is 6 rows of 3). A 1-D gradient may be one row or one column. JSON lists nested as
    deep as the shape are taken as they are.
    """
    rows = _flatten_to_rows(rows, shape)
    if not rows or not all(rows):
        raise ShapeError(f"{source}: no entries found (an empty table or list); expected"
                         f" {_size(_grid_shape(shape))}", context, None)
    if getattr(rows, "header_possible", False) and len(rows) == _row_count(shape) + 1:
        rows = [[Cell(c.text, c.line, c.row - 1, c.col) for c in row] for row in rows[1:]]
    width = shape[-1] if shape else 1
    expected_rows = _row_count(shape)
    if len(shape) == 1 and len(rows) == shape[0] and all(len(r) == 1 for r in rows):
        return [row[0] for row in rows]  # a column
    lengths = [len(row) for row in rows]
    if len(set(lengths)) > 1:
        common = max(set(lengths), key=lengths.count)
        odd = next(row for row in rows if len(row) != common)
        cell = odd[0]
        at = f"{source}:{cell.line}" if cell.line else source
        raise ShapeError(f"{at}: row {cell.row} has {len(odd)} entries but the other rows have"
                         f" {common}; separate entries with commas, tabs or & when they contain"
                         f" spaces (expected {_size(shape)}: {context})", "", None)
    if len(rows) != expected_rows or lengths[0] != width:
        got = f"{len(rows)}×{lengths[0]}" if len(rows) > 1 or len(shape) > 1 else f"{lengths[0]}"
        hint = (" (is an entry split at its spaces? separate entries with commas, tabs or &)"
                if lengths[0] > width and len(rows) == expected_rows else "")
        raise ShapeError(f"{source}: got {got}, expected {_size(_grid_shape(shape))}",
                         f"{context}{hint}", (len(rows), lengths[0]))
    return [cell for row in rows for cell in row]


def _row_count(shape: tuple[int, ...]) -> int:
    return prod(shape[:-1]) if len(shape) > 1 else 1


def _grid_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    return shape if len(shape) <= 2 else (prod(shape[:-1]), shape[-1])


def _flatten_to_rows(rows: list, shape: tuple[int, ...]) -> list:
    """JSON nested deeper than rows (a ``[C, H, W]`` list) becomes rows of the last axis."""
    if not rows or not isinstance(rows[0], list) or not rows[0] or not isinstance(rows[0][0], list):
        return rows
    flat: list = []

    def walk(node: list[Any]) -> None:
        if node and isinstance(node[0], list) and node[0] and isinstance(node[0][0], list):
            for child in node:
                walk(child)
        else:
            flat.extend(node)

    walk(rows)
    return flat
