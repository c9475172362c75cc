"""Reading a problem specification: the parsed TOML of a problem file, checked key by key.

Every helper here takes the table it reads from and the key path of that table, so an error can
say where it is (``layers[0].weight.values[1][2]``) and the file reader can point at the line.
Numbers are exact (``int`` or ``Fraction``), taken as written.
"""

from __future__ import annotations

import re
from fractions import Fraction
from math import prod
from typing import Any, Collection, NamedTuple

import numpy as np

from .errors import ProblemError, nearest
from .poly import Number, normalize
from .tensors import NAMINGS, Role, Tensor

#: A table of a problem file, and where a value sits in the file (``("layers", 0, "stride")``).
Table = dict[str, Any]
KeyPath = tuple[str | int, ...]
TENSOR_KEYS = ("name", "shape", "values", "naming", "index_base", "index_style")
INDEX_STYLES = ("comma", "compact")


class SpecError(ProblemError):
    """A :class:`ProblemError` that knows the key path it is about."""

    def __init__(self, path: tuple, message: str, *, about_input: bool = False):
        self.path = path
        self.message = message
        self.about_input = about_input  # the layer does not fit the input it is given
        super().__init__(message, where=format_path(path) if path else None)


def format_path(path: tuple) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


# -- reading values ---------------------------------------------------------------------------------
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE]([+-]?\d+))?(/\d+)?")
MAX_DIGITS = 40  # per number, as in answers
MAX_EXPONENT = 30  # 1e30: a bigger power of ten is never a value in a worked example
MAX_WHOLE = 2**31 - 1  # sizes, strides, paddings: far beyond any problem the size limits allow


def parse_number(value: Any, path: tuple) -> Number:
    """An exact number from TOML: an int, a float (taken as written) or a string like "1/4"."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise SpecError(path, f"{value!r} is not a number (write e.g. 3, -0.5 or \"1/4\")")
    if isinstance(value, int):
        if len(str(abs(value))) > MAX_DIGITS:
            raise SpecError(path, f"a number with {len(str(abs(value)))} digits is over the limit"
                                  f" of {MAX_DIGITS}; write e.g. 3, -0.5 or \"1/4\"")
        return value
    text = repr(value) if isinstance(value, float) else value.strip().replace("\u2212", "-")
    if len(text) > MAX_DIGITS:
        raise SpecError(path, f"{_shown(value)} has more than {MAX_DIGITS} characters, over the"
                              f" limit for a number; write e.g. 3, -0.5 or \"1/4\"")
    found = _NUMBER.fullmatch(text)
    if not found:
        raise SpecError(path, f"{value!r} is not a number (write e.g. 3, -0.5 or \"1/4\")")
    if found.group(4) and abs(int(found.group(4))) > MAX_EXPONENT:  # before Fraction: 1e999999999
        raise SpecError(path, f"{value!r} has an exponent over {MAX_EXPONENT}; write the number"
                              f" plainly, e.g. 0.001 or \"1/1000\"")
    numerator, _, denominator = text.partition("/")
    if denominator and int(denominator) == 0:
        raise SpecError(path, f"{value!r} divides by zero")
    return normalize(Fraction(numerator) / (Fraction(denominator) if denominator else 1))


class IntegerArray(NamedTuple):
    """A rectangular array of plain integers read straight from a problem file's text (see
    :func:`symconv.files.problem_file.integer_arrays`): its nested shape and its numbers, row-major."""

    shape: tuple[int, ...]
    numbers: np.ndarray  # int64

    def tolist(self) -> list:
        return self.numbers.reshape(self.shape).tolist()


def parse_values(values: Any, shape: tuple[int, ...], path: tuple, what: str) -> np.ndarray:
    """Nested lists (or a bare number for a one-entry tensor) as an object array of numbers."""
    if isinstance(values, IntegerArray):
        if values.shape == tuple(shape):  # every number an int of a few digits: nothing to check
            array = np.empty(values.numbers.size, dtype=object)
            array[:] = values.numbers.tolist()
            return array.reshape(shape)
        values = values.tolist()  # the walk below says where the shape differs
    if not isinstance(values, list) and prod(shape) == 1:
        values = np.reshape(np.array([values], dtype=object), shape).tolist()
    flat: list[Number] = []

    def walk(node: object, depth: int, where: tuple[str | int, ...]) -> None:
        if depth == len(shape):
            flat.append(parse_number(node, where))
            return
        if not isinstance(node, list):
            raise SpecError(where, f"values of {what}: expected a list of {shape[depth]} here"
                                   f" (shape {list(shape)}), got {node!r}")
        if len(node) != shape[depth]:
            raise SpecError(where, f"values of {what}: expected {shape[depth]} entries here"
                                   f" (shape {list(shape)}), got {len(node)}")
        for i, child in enumerate(node):
            walk(child, depth + 1, where + (i,))

    walk(values, 0, path)
    array = np.empty(len(flat), dtype=object)
    array[:] = flat
    return array.reshape(shape)


# -- reading tables ---------------------------------------------------------------------------------
def check_keys(table: Any, allowed: Collection[str], path: tuple, what: str) -> dict:
    if not isinstance(table, dict):
        raise SpecError(path, f"{what} must be a table, e.g. [{format_path(path)}]")
    for key in table:
        if key not in allowed:
            hint = nearest(key, allowed)
            suggestion = f"did you mean {hint!r}?" if hint else f"valid keys: {', '.join(allowed)}"
            raise SpecError(path + (key,), f"unknown key {key!r} in {what}; {suggestion}")
    return table


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


def is_whole(value: Any) -> bool:
    """A TOML integer (``2.0`` and ``true`` are not)."""
    return isinstance(value, int) and not isinstance(value, bool)


def whole_in_range(value: Any, key: str, path: tuple, example: str) -> int:
    """A whole number that fits the sizes symconv works with (an index, a stride, a padding)."""
    if not is_whole(value):
        raise SpecError(path, f"{key} must be a whole number, e.g. {example}; got {_shown(value)}")
    if abs(value) > MAX_WHOLE:
        raise SpecError(path, f"{key}: {_shown(value)} is too big (at most {MAX_WHOLE:,}); e.g."
                              f" {example}")
    return value


def get_int(table: dict, key: str, default: int, path: tuple) -> int:
    return whole_in_range(table.get(key, default), key, path + (key,), f"{key} = {default}")


def get_choice(table: dict, key: str, default: int, choices: tuple[int, ...], path: tuple) -> int:
    """A whole number from ``choices`` (``dims``, ``index_base``); ``2.0`` is refused."""
    value = table.get(key, default)
    if not is_whole(value) or value not in choices:
        allowed = ", ".join(map(str, choices[:-1])) + f" or {choices[-1]}"
        raise SpecError(path + (key,), f"{key} must be {allowed}, e.g. {key} = {default}; got"
                                       f" {_shown(value)}")
    return value


def get_text(table: dict, key: str, path: tuple, example: str) -> str | None:
    """An optional string (``title``): a number, a boolean or a table is refused."""
    value = table.get(key)
    if value is not None and not isinstance(value, str):
        raise SpecError(path + (key,), f"{key} must be text in quotes, e.g. {key} = {example};"
                                       f" got {_shown(value)}")
    return value


def get_per_axis(table: dict, key: str, default: int, dims: int, path: tuple) -> tuple[int, ...]:
    """An int, or a list with one int per spatial axis."""
    value = table.get(key, default)
    values = value if isinstance(value, list) else [value] * dims
    example = f"{key} = 2" + (f" or {[2] + [1] * (dims - 1)}" if dims > 1 else "")
    if len(values) != dims or not all(map(is_whole, values)):
        raise SpecError(path + (key,), f"{key} must be a whole number or one per spatial axis"
                                       f" ({dims}), e.g. {example}; got {_shown(value)}")
    return tuple(whole_in_range(v, key, path + (key,), example) for v in values)


def get_shape(table: dict, path: tuple, what: str, ndims: tuple[int, ...],
              example: str) -> tuple[int, ...]:
    if "shape" not in table:
        raise SpecError(path, f"{what} needs a shape, e.g. shape = {example}")
    shape = table["shape"]
    if not isinstance(shape, list) or any(not is_whole(s) or s < 1 for s in shape):
        raise SpecError(path + ("shape",), f"shape of {what} must be a list of positive whole"
                                           f" numbers, e.g. shape = {example}; got {_shown(shape)}")
    for size in shape:
        whole_in_range(size, f"shape of {what}", path + ("shape",), f"shape = {example}")
    if len(shape) not in ndims:
        allowed = " or ".join(str(n) for n in ndims)
        raise SpecError(path + ("shape",), f"shape of {what} must have {allowed} axes, e.g."
                                           f" shape = {example}; got {shape}")
    return tuple(shape)


def get_naming(table: dict, path: tuple, default_naming: str = "indexed") -> tuple[str, int]:
    naming = table.get("naming", default_naming)
    if naming not in NAMINGS:
        raise SpecError(path + ("naming",), f"naming must be one of {', '.join(map(repr, NAMINGS))};"
                                            f" got {naming!r}")
    return naming, get_choice(table, "index_base", 0, (0, 1), path)


def get_name(table: dict, path: tuple, default: str) -> str:
    name = table.get("name", default)
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9]{0,15}", name):
        raise SpecError(path + ("name",), f"a name is a letter followed by letters or digits"
                                          f" (e.g. \"X\" or \"dY\"); got {name!r}")
    return name


def make_tensor(table: dict, path: tuple, *, name: str, shape: tuple[int, ...], role: Role, rank: int,
                leading_axes: tuple[str, ...], bare: bool = False) -> Tensor:
    """A tensor from its table (naming, index base, values, index style), its axes in front of
    the spatial ones named ``leading_axes``; ``bare``: a one-entry tensor written as its name
    alone (the bias of a single filter)."""
    naming, base = get_naming(table, path)
    values = None
    if "values" in table:
        values = parse_values(table["values"], shape, path + ("values",), name)
    style = get_index_style(table, path, name, shape, base, "bare" if bare else naming)
    return Tensor(name, shape, role, "bare" if bare else naming, base, values, rank=rank,
                  index_style=style, leading_axes=leading_axes)


def get_index_style(table: dict, path: tuple, name: str, shape: tuple[int, ...], base: int,
                    naming: str) -> str:
    """``index_style``: "comma" (A_{1,1}) or "compact" (A_11) for every entry's subscript; left
    out, a document chooses (commas once some index needs two digits)."""
    if "index_style" not in table:
        return "auto"
    style = table["index_style"]
    where = path + ("index_style",)
    if style not in INDEX_STYLES:
        raise SpecError(where, f"index_style is \"comma\" ({name}_{{1,1}}) or \"compact\""
                               f" ({name}_11); got {_shown(style)}")
    if naming != "indexed":
        raise SpecError(where, f"index_style is for indexed names such as {name}_{{1,2}}; {name} is"
                               f" named {'by its position' if naming == 'flat' else 'alone'}"
                               f" ({'naming = ' + repr(naming)}), so it has no subscript to write;"
                               " leave index_style out")
    largest = max(shape) - 1 + base if shape else base
    if style == "compact" and largest > 9:
        raise SpecError(where, f"index_style = \"compact\" would write {name}_{{1,{largest}}} as"
                               f" {name}_1{largest}, which reads as other indices; use"
                               " index_style = \"comma\" or leave it out")
    return style


OUTPUT_KEYS = ("name", "index_base", "index_style")
OUTPUT_EXAMPLE = 'output is a name such as "Y", or a table such as { name = "y", index_base = 1 }'


def output_tensor(table: dict, path: tuple, default: str, shape: tuple[int, ...],
                  layer_input: Tensor, rank: int, *, leading_axes: tuple[str, ...]) -> Tensor:
    """A layer's output, indexed: ``output = "Y"`` (in the input's index base) or
    ``output = { name = "y", index_base = 1 }`` (the slides' y_1 with dy_1); its axes in front
    of the spatial ones named ``leading_axes``."""
    output = table.get("output", default)
    where = path + ("output",)
    if isinstance(output, str):
        output = {"name": output}
    elif not isinstance(output, dict):
        raise SpecError(where, f"{OUTPUT_EXAMPLE}; got {_shown(output)}")
    other = next((key for key in output if key in TENSOR_KEYS and key not in OUTPUT_KEYS), None)
    if other is not None:  # a tensor key, not a typo: an output is computed and always indexed
        raise SpecError(where + (other,), f"an output takes only name and index_base, not {other}"
                                          ' (e.g. output = { name = "y", index_base = 1 })')
    check_keys(output, OUTPUT_KEYS, where, format_path(where))
    name = get_name(output, where, default)
    base = get_choice(output, "index_base", layer_input.index_base, (0, 1), where)
    style = get_index_style(output, where, name, shape, base, "indexed")
    return Tensor(name, shape, Role.OUTPUT, "indexed", base, rank=rank, index_style=style,
                  leading_axes=leading_axes)
