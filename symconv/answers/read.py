"""Answer files: where the entries are, in the formats students paste.

* a plain grid: rows on lines (``\\\\`` also ends a row); entries separated by tabs, commas or ``&``,
  or by spaces when no entry contains one (``B11 + B12`` is then read as one entry because of the
  operators between its parts);
* JSON nested lists of numbers or strings (``[["B_11", "B_11 + B_12"], ...]``), or the same
  brackets with bare expressions (``[[B11, B11 + B12], ...]``);
* LaTeX: the first ``bmatrix``/``pmatrix``/``matrix``/``array`` environment in the file;
* Markdown: the first pipe table in the file (a header row is skipped when the table has one row
  more than the gradient).

The result is a list of rows of :class:`Cell` (the raw text of each entry and where it was), which
:func:`arrange` checks against the gradient's shape. Nothing here interprets an entry.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from math import prod

import numpy as np

from ..errors import AnswerError

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


def read_answer(text: str, source: str) -> list[list[Cell]]:
    """The entries of an answer, as rows of cells, whatever the format."""
    if not text.strip():
        raise AnswerError(f"{source}: the answer is empty; write one row per line, e.g. 1 2 3")
    begin = _BEGIN.search(text)
    if begin:
        return _latex(text, begin, source)
    if "\\begin" in text:
        found = re.search(r"\\begin\s*\{([^}]*)\}", text)
        name = found.group(1) if found else "?"
        raise AnswerError(f"{source}: \\begin{{{name}}} is not a matrix environment symconv reads;"
                          f" use \\begin{{bmatrix}} … \\end{{bmatrix}}")
    lines = text.splitlines()
    if any(line.lstrip().startswith("|") for line in lines):
        return _markdown(lines, source)
    if text.lstrip().startswith("["):
        return _brackets(text, source)
    return _grid(text, 0, source, separators_only=False)


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


def _space_entries(line: str) -> list[str]:
    """Entries separated by spaces, where ``B11 + B12`` and ``d_1 \\cdot w_2`` stay whole."""
    if _PLAIN_NUMBERS.fullmatch(line):  # numbers such as 3 -4 0.5: none joins its neighbour
        return line.split()
    chunks = [chunk for chunk, _ in _depth_split(line, " \t") if chunk]
    entries: list[str] = []
    for chunk in chunks:
        joins = entries and (entries[-1].endswith(_BINARY_END) or chunk.startswith(_BINARY_START)
                             or chunk in ("-", "−"))
        if joins:
            entries[-1] += " " + chunk
        else:
            entries.append(chunk)
    return entries


def _grid(text: str, first_line: int, source: str, *, separators_only: bool) -> list[list[Cell]]:
    """Rows on lines or ended by ``\\\\``; entries split by tabs, commas or ``&`` (else spaces)."""
    body = _RULES.sub(" ", text)
    explicit = separators_only or any(char in body for char in "\t,&")
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
            if explicit:
                texts = [part.strip() for part, _ in _depth_split(piece, "\t,&")]
                if texts and texts[-1] == "" and piece.rstrip().endswith(","):
                    texts.pop()  # a trailing comma ends the row
            else:
                texts = _space_entries(piece)
            row = len(rows) + 1
            rows.append([Cell(t, number, row, col) for col, t in enumerate(texts, start=1)])
    if not rows:
        raise AnswerError(f"{source}: no rows found; write one row per line, e.g. 1 2 3")
    return rows


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
    return _grid(body, first_line, source, separators_only=True)


# -- Markdown ---------------------------------------------------------------------------------------
def _markdown(lines: list[str], source: str) -> list[list[Cell]]:
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
    return MarkdownRows(rows, header_possible)


class MarkdownRows(list):
    """Rows of a pipe table; ``header_possible`` when a ``|---|`` line follows the first row."""

    def __init__(self, rows, header_possible: bool):
        super().__init__(rows)
        self.header_possible = header_possible


# -- JSON and bracket lists -------------------------------------------------------------------------
def _json_depth(text: str) -> int:
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False  # the character after a backslash never ends the string
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _reject_constant(name: str):
    raise AnswerError(f"{name} is not a number symconv accepts; write a finite number such as 0.5")


def _brackets(text: str, source: str) -> list[list[Cell]]:
    depth = _json_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise AnswerError(f"{source}: lists nested {depth} deep, over the limit of"
                          f" {MAX_JSON_DEPTH}; write e.g. [[1, 2], [3, 4]]")
    try:
        data = json.loads(text, parse_int=str, parse_float=str, parse_constant=_reject_constant)
    except json.JSONDecodeError:
        return _bare_brackets(text, source)
    except RecursionError:  # the depth count above should make this impossible; stay one line
        raise AnswerError(f"{source}: lists nested too deeply; write e.g. [[1, 2], [3, 4]]") from None
    except AnswerError as error:
        raise AnswerError(str(error), where=source) from None
    return _json_rows(data, source)


def _json_rows(data, source: str) -> list:
    """JSON lists as nested lists of cells; a list of lists is rows, a flat list is one row."""
    depths: set[int] = set()

    def walk(node, path):
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


def _bare_brackets(text: str, source: str) -> list[list[Cell]]:
    """``[[B11, B12], [B21, B22]]`` with bare expressions (not JSON because of the names)."""
    inner = text.strip()
    opened, closed = inner.count("["), inner.count("]")
    if opened != closed or not inner.endswith("]"):
        raise AnswerError(f"{source}: the brackets do not match ({opened} '[' and {closed} ']');"
                          f" write e.g. [[1, 2], [3, 4]]")
    inner = inner[1:-1]
    offset = text.index("[") + 1
    groups = list(re.finditer(r"\[([^\[\]]*)\]", inner))
    if not groups:
        groups_text = [(inner, offset)]
    else:
        between = re.sub(r"\[[^\[\]]*\]", "", inner)
        if between.strip(" \t\r\n,"):
            raise AnswerError(f"{source}: rows must be lists [..] separated by commas, e.g."
                              f" [[1, 2], [3, 4]]")
        groups_text = [(g.group(1), offset + g.start(1)) for g in groups]
    rows = []
    for row, (body, start) in enumerate(groups_text, start=1):
        parts = _depth_split(body, ",")
        if len(parts) > 1 and not parts[-1][0].strip():
            parts.pop()
        line = text.count("\n", 0, start) + 1
        rows.append([Cell(part.strip(), line, row, col) for col, (part, _) in enumerate(parts, 1)])
    return rows


# -- the gradient's shape ---------------------------------------------------------------------------
def _size(shape: tuple[int, ...]) -> str:
    return "×".join(map(str, shape))


def arrange(rows: list, shape: tuple[int, ...], source: str, context: str) -> list[Cell]:
    """The cells in row-major order for ``shape``, or an error saying what shape was found.

    Rows of a grid are the last axis; every leading axis is flattened into rows (a ``[2, 3, 3]``
    gradient is 6 rows of 3). A 1-D gradient may be one row or one column. JSON lists nested as
    deep as the shape are taken as they are.
    """
    rows = _flatten_to_rows(rows, shape)
    if not rows or not all(rows):
        raise AnswerError(f"{source}: no entries found (an empty table or list); expected"
                          f" {_size(_grid_shape(shape))}: {context}")
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
        raise AnswerError(f"{at}: row {cell.row} has {len(odd)} entries but the other rows have"
                          f" {common}; separate entries with commas, tabs or & when they contain"
                          f" spaces (expected {_size(shape)}: {context})")
    if len(rows) != expected_rows or lengths[0] != width:
        got = f"{len(rows)}×{lengths[0]}" if len(rows) > 1 or len(shape) > 1 else f"{lengths[0]}"
        hint = (" (is an entry split at its spaces? separate entries with commas, tabs or &)"
                if lengths[0] > width and len(rows) == expected_rows else "")
        raise AnswerError(f"{source}: got {got}, expected {_size(_grid_shape(shape))}:"
                          f" {context}{hint}")
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

    def walk(node):
        if node and isinstance(node[0], list) and node[0] and isinstance(node[0][0], list):
            for child in node:
                walk(child)
        else:
            flat.extend(node)

    walk(rows)
    return flat
