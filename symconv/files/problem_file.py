"""Reading problem files (TOML, with the standard library's ``tomllib``; on Python 3.10, which has
none, with ``tomli``, the package tomllib was made from).

Errors point at the file and line: ``problem.toml:7: input.values[1][2]: 'a' is not a number``.
tomllib does not keep line numbers, so :func:`key_lines` scans the text for table headers and keys.

tomllib reads about a megabyte of numbers a second; large ``values`` arrays of plain integers (a
320×320 input) are read by :func:`integer_arrays` instead, straight into NumPy, and tomllib reads
the rest of the file with each such array replaced by a marker on as many lines.
"""

from __future__ import annotations

import codecs
import os
import re
import secrets
import sys
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import ProblemError
from .output import display_path, read_regular
from ..engine.derivation import DEFAULT_MAX_TERMS
from ..problems.problem import Problem, build_problem
from ..core.spec import IntegerArray, SpecError

if sys.version_info >= (3, 11):
    import tomllib
else:  # Ubuntu 22.04's Python, Gradescope's newest image: the same parser, as a package
    import tomli as tomllib

TOMLDecodeError = tomllib.TOMLDecodeError

MAX_PROBLEM_BYTES = 1_000_000
MAX_TABLES = 10_000  # table headers (and the last rows of multi-line arrays, which look alike)
MAX_KEY_PARTS = 64
TEMPLATE_TABLES = ("exercise", "variants")
_PART = r"""(?:[A-Za-z0-9_-]+|"[^"\n]*"|'[^'\n]*')"""
_TABLE_LINE = re.compile(r"^[ \t]*\[[^\n]*\][ \t]*(?:#[^\n]*)?$", re.MULTILINE)
# A key: a chain of parts before "=" or "]". It is tried from its start only (never from a part
# after a dot), so the scan stays linear.
_LONG_DOTTED = re.compile(rf"""(?<![A-Za-z0-9_.'"-])(?<!\.[ \t])(?<!\.[ \t][ \t]){_PART}"""
                          rf"(?:[ \t]*\.[ \t]*{_PART}){{{MAX_KEY_PARTS},}}[ \t]*[=\]]")
_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\s-]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+(?:\s*\.\s*[A-Za-z0-9_-]+)*)\s*=")  # also dotted: a.b = 1


def read_text(path: str | os.PathLike, *, limit: int = MAX_PROBLEM_BYTES, what: str = "file") -> str:
    """A regular file's text, refusing devices, FIFOs, huge files and invalid UTF-8 before
    reading them (:func:`symconv.files.output.read_regular`)."""
    path = Path(path)
    try:
        # Non-blocking, and checked on the open descriptor: a FIFO (or one swapped in after a
        # check by name) can neither stall the read nor slip past the regular-file test.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError as error:
        raise ProblemError(f"cannot read {what} {display_path(path)!r}: {error.strerror}") from None
    try:
        data = read_regular(descriptor, display_path(path), limit=limit, what=what,
                            error=ProblemError)
    except OSError as error:  # a folder opened for reading: EISDIR on read
        raise ProblemError(f"cannot read {what} {display_path(path)!r}: {error.strerror}") from None
    finally:
        os.close(descriptor)
    return decode_text(data, display_path(path), limit=limit)


def read_standard_input(*, limit: int = MAX_PROBLEM_BYTES) -> str:
    """Standard input's text, with the checks of :func:`decode_text`; a closed or unreadable
    standard input is a one-line error."""
    stream = sys.stdin
    if stream is None or getattr(stream, "buffer", None) is None:
        raise ProblemError("standard input is closed; give a file, or send the answer in, e.g."
                           " symconv verify … --answer - < answer.txt")
    try:
        data = stream.buffer.read(limit + 1)
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or "it is closed"
        raise ProblemError(f"cannot read standard input: {reason}") from None
    return decode_text(data, "<stdin>", limit=limit)


def decode_text(data: bytes, source: str, *, limit: int = MAX_PROBLEM_BYTES) -> str:
    """Bytes already read (a file, standard input) as text: size cap, no NUL bytes, UTF-8 (a
    byte order mark at the start, as some editors save, is dropped)."""
    data = data.removeprefix(codecs.BOM_UTF8)
    if len(data) > limit:
        raise ProblemError(f"{source!r} is over the limit of {limit:,} bytes")
    if b"\0" in data:
        offset = data.index(b"\0")
        raise ProblemError(f"{source}: NUL byte at byte offset {offset}; is this a text file?")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProblemError(f"{source}: invalid UTF-8 at byte offset {error.start}; save the file as UTF-8") from None


def key_lines(text: str) -> dict[tuple, int]:
    """Line numbers (1-based) of tables and keys: ``("layers", 0, "weight", "values") -> 12``."""
    lines: dict[tuple, int] = {}
    table: tuple = ()
    counts: dict[tuple, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            parts: tuple = ()
            names = [name.strip() for name in header.group(2).split(".")]
            for position, name in enumerate(names):
                parts += (name,)
                if header.group(1) == "[[" and position == len(names) - 1:
                    counts[parts] = counts.get(parts, -1) + 1  # a new [[array]] entry
                    parts += (counts[parts],)
                elif parts in counts:
                    parts += (counts[parts],)  # inside the latest [[array]] entry
            table = parts
            lines.setdefault(table, number)
            continue
        key = _KEY.match(line)
        if key:
            parts = tuple(part.strip() for part in key.group(1).split("."))
            for end in range(1, len(parts) + 1):
                lines.setdefault(table + parts[:end], number)
    return lines


def line_of(path: tuple, lines: dict[tuple, int]) -> int | None:
    for end in range(len(path), 0, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None


# -- large arrays of integers, read without tomllib ---------------------------------------------------
MIN_FAST_ARRAY = 2_000  # characters: shorter arrays are read by tomllib
MAX_FAST_DEPTH = 6
_VALUES_KEY = re.compile(r"^[ \t]*values[ \t]*=[ \t]*\[", re.M)
_ARRAY_TEXT = re.compile(r"[0-9 \t\r\n,+\-\[\]]*")  # what such an array may contain
_INTEGER = re.compile(r"[+-]?(?:0|[1-9][0-9]{0,17})")  # TOML's decimal integers that fit int64
_SPACE = r"[ \t\n]*"
_INNERMOST = re.compile(rf"\[{_SPACE}(?:{_INTEGER.pattern}{_SPACE}(?:,{_SPACE}{_INTEGER.pattern}{_SPACE})*"
                        rf"(?:,{_SPACE})?)?\]")
_OUTER = re.compile(rf"\[{_SPACE}(?:@{_SPACE}(?:,{_SPACE}@{_SPACE})*(?:,{_SPACE})?)?\]")
_BRACKET = re.compile(r"[\[\]]")
_SEPARATORS = str.maketrans("[],\n", "    ")


def integer_arrays(text: str) -> tuple[str, dict[str, IntegerArray]]:
    """The text with every long ``values = […]`` array of plain integers (rectangular, nested to
    any depth, as TOML writes them) replaced by a marker, ``["<marker>"]`` with as many line
    breaks as the array it replaces, and those arrays by marker. Anything else (a fraction, a
    decimal, a comment, an invalid or ragged array) is left for tomllib."""
    found: dict[str, IntegerArray] = {}
    pieces, at = [], 0
    nonce = secrets.token_hex(8)
    for key in _VALUES_KEY.finditer(text):
        start = key.end() - 1
        span = _array_span(text, start)
        if span is None or len(span) < MIN_FAST_ARRAY:
            continue
        array = _integer_array(span.replace("\r\n", "\n"))
        if array is None:
            continue
        marker = f"symconv integer array {len(found)} {nonce}"
        found[marker] = array
        pieces += [text[at:start], f'["{marker}"' + "\n" * span.count("\n") + "]"]
        at = start + len(span)
    return "".join(pieces) + text[at:], found


def _array_span(text: str, start: int) -> str | None:
    """The array that opens at ``start``, when it holds only integers, signs, commas, brackets and
    white space; None otherwise."""
    match = _ARRAY_TEXT.match(text, start)
    depth = 0
    for bracket in _BRACKET.finditer(text, start, match.end() if match else start):
        depth += 1 if bracket.group() == "[" else -1
        if depth == 0:
            return text[start:bracket.end()]
    return None


def _integer_array(span: str) -> IntegerArray | None:
    """The array's shape and numbers when it is valid TOML and rectangular, else None: the
    innermost arrays must be valid lists of integers of one length, and taking each away (``@``)
    must leave valid arrays of arrays, level by level, each level of one length."""
    if "\r" in span:  # a carriage return not followed by a line feed
        return None
    lengths = {len(inner.translate(_SEPARATORS).split()) for inner in _INNERMOST.findall(span)}
    skeleton = _INNERMOST.sub("@", span)
    if len(lengths) != 1 or 0 in lengths or any(c.isdigit() for c in skeleton):
        return None
    shape = [lengths.pop()]
    while skeleton != "@":
        arrays = _OUTER.findall(skeleton)
        counts = {array.count("@") for array in arrays}
        if len(counts) != 1 or len(shape) == MAX_FAST_DEPTH:
            return None
        shape.insert(0, counts.pop())
        skeleton = _OUTER.sub("@", skeleton)
    numbers = np.fromstring(span.translate(_SEPARATORS), dtype=np.int64, sep=" ")
    return IntegerArray(tuple(shape), numbers) if numbers.size == np.prod(shape) else None


# Any: parsed TOML, tables and lists of any depth
def restored(spec: Any, arrays: dict[str, IntegerArray], seen: set[str]) -> Any:
    """``spec`` with every ``["<marker>"]`` replaced by its array (markers found go in ``seen``)."""
    if isinstance(spec, dict):
        return {key: restored(value, arrays, seen) for key, value in spec.items()}
    if isinstance(spec, list):
        if len(spec) == 1 and isinstance(spec[0], str) and spec[0] in arrays:
            seen.add(spec[0])
            return arrays[spec[0]]
        return [restored(value, arrays, seen) for value in spec]
    return spec


def loads_problem_toml(text: str) -> dict:
    """``tomllib.loads`` of a problem file, its large integer arrays read by :func:`integer_arrays`
    (as :class:`~symconv.core.spec.IntegerArray`, which :func:`~symconv.core.spec.parse_values` takes); an
    error is raised for the whole text (found again in it, so its line and column are the
    file's)."""
    marked, arrays = integer_arrays(text)
    if not arrays:
        return tomllib.loads(text)
    seen: set = set()
    try:
        spec = restored(tomllib.loads(marked), arrays, seen)
    except TOMLDecodeError:
        return tomllib.loads(text)
    return spec if len(seen) == len(arrays) else tomllib.loads(text)


def parse_toml(text: str, source: str, *, numbers_fast: bool = False) -> dict:
    """The TOML text as a table; malformed TOML, or a shape no problem file has that would make
    the parser slow (:func:`check_toml_shape`), is one located :class:`ProblemError`. With
    ``numbers_fast`` (a problem file), its long integer arrays are read by NumPy
    (:func:`loads_problem_toml`)."""
    check_toml_shape(text, source)
    try:
        return loads_problem_toml(text) if numbers_fast else tomllib.loads(text)
    except RecursionError:  # tomllib recurses once per nested array or inline table
        raise ProblemError("arrays or inline tables are nested too deeply; a problem file needs"
                           " at most a few levels, e.g. values = [[1, 2], [3, 4]]",
                           where=source) from None
    except TOMLDecodeError as error:
        raise _malformed(error, text, source) from None
    except ValueError:  # Python refuses to convert integers of over 4,300 digits
        raise ProblemError("a number has thousands of digits; write numbers with at most 40"
                           " digits", where=source) from None


def check_toml_shape(text: str, source: str) -> None:
    """Refuse, by a linear scan before parsing, what no problem file or template has and what
    tomllib takes long over: thousands of tables, or dotted names of many parts (its time grows
    with the square of their length)."""
    tables = _TABLE_LINE.findall(text)
    if len(tables) > MAX_TABLES:
        raise ProblemError(f"the file has {len(tables):,} tables, over the limit of {MAX_TABLES:,};"
                           f" a problem file needs a few per layer, e.g. [[layers]] and"
                           f" [layers.weight]", where=source)
    dotted = _LONG_DOTTED.search(text)
    if dotted:
        line = text.count("\n", 0, dotted.start()) + 1
        raise ProblemError(f"a dotted name has more than {MAX_KEY_PARTS} parts; a problem file"
                           f" needs at most 3, e.g. layers.weight.values", where=f"{source}:{line}")


def is_template(table: dict) -> bool:
    """Whether a parsed file is an exercise template (it has the tables only templates have),
    not a problem file."""
    return any(name in table for name in TEMPLATE_TABLES)


def parse_problem(text: str, source: str = "<problem>", *,
                  max_entries: int = DEFAULT_MAX_TERMS) -> Problem:
    """Parse and check the text of a problem file; errors name ``source`` and the line. Tensors
    (and the arrays behind them) of more than ``max_entries`` entries are refused."""
    return problem_from_table(parse_toml(text, source, numbers_fast=True), text, source,
                              max_entries=max_entries)


def problem_from_table(spec: dict, text: str, source: str, *,
                       max_entries: int = DEFAULT_MAX_TERMS) -> Problem:
    """The problem of a parsed problem file (``text`` is its text, for line numbers)."""
    if is_template(spec):
        raise ProblemError("this is an exercise template (it has [exercise] or [variants]), not a"
                           " problem file; give it to symconv exercise or symconv export, or give"
                           " one student's problem.toml", where=source)
    try:
        return build_problem(spec, max_entries=max_entries)
    except SpecError as error:
        line = line_of(error.path, key_lines(text))
        raise ProblemError(str(error), where=f"{source}:{line}" if line else source) from None
    except ProblemError as error:
        raise ProblemError(str(error), where=source) from None


def _malformed(error: ValueError, text: str, source: str) -> ProblemError:
    message = str(error)
    found = re.search(r"\(at line (\d+), column (\d+)\)", message)
    line = found.group(1) if found else len(text.splitlines())  # "(at end of document)"
    detail = re.sub(r"\s*\(at (line|end).*\)", "", message)
    column = f" (column {found.group(2)})" if found else " (at the end of the file)"
    where = f"{source}:{line}"
    return ProblemError(f"malformed TOML{column}: {detail}", where=where)


def locate(error: SpecError, path: str | os.PathLike) -> ProblemError:
    """An error about a key of a loaded problem file (``layers[0]``), with the file and line."""
    line = line_of(error.path, key_lines(read_text(path, what="problem file")))
    return ProblemError(str(error), where=f"{path}:{line}" if line else str(path))


def load_problem(path: str | os.PathLike, *, max_entries: int = DEFAULT_MAX_TERMS) -> Problem:
    """Read a problem file (see ``examples/`` and the README for its keys)."""
    return parse_problem(read_text(path, what="problem file"), str(path), max_entries=max_entries)
