"""Writing problem specifications back to TOML (the standard library only reads it).

Only what a problem file holds: tables, arrays of tables, strings, whole numbers, decimals, booleans
and (nested) arrays of those. Strings are escaped as TOML basic strings, so a name or title can
never end a string early or start a new key.

>>> print(dumps({"loss": "E", "input": {"shape": [2, 2]}, "layers": [{"type": "relu"}]}), end="")
loss = "E"
<BLANKLINE>
[input]
shape = [2, 2]
<BLANKLINE>
[[layers]]
type = "relu"
"""

from __future__ import annotations

import math
import re
from typing import Any

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def dumps(table: dict) -> str:
    """``table`` as a TOML document: its plain keys first, then its tables and arrays of tables."""
    lines: list[str] = []
    _write_table(lines, table, ())
    return "\n".join(lines).lstrip("\n") + "\n"


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _write_table(lines: list[str], table: dict, path: tuple[str, ...]) -> None:
    nested = []
    for key, value in table.items():
        if isinstance(value, dict) or _is_table_array(value):
            nested.append((key, value))
        else:
            lines.append(f"{_key(key)} = {_value(value)}")
    for key, value in nested:
        header = ".".join(_key(part) for part in (*path, key))
        for item in (value if isinstance(value, list) else [value]):
            lines += ["", f"[[{header}]]" if isinstance(value, list) else f"[{header}]"]
            _write_table(lines, item, (*path, key))


def _key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _string(key)


def _string(text: str) -> str:
    escaped = "".join(_ESCAPES.get(c, c if c >= " " and c != "\x7f" else f"\\u{ord(c):04x}")
                      for c in text)
    return f'"{escaped}"'


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} has no place in a problem file")
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        if any(isinstance(v, dict) for v in value):
            raise ValueError("a list mixing tables and values cannot be written as TOML")
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")
