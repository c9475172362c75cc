"""Every Python snippet of the README runs, statement by statement, and each ``print(…)  # text``
prints exactly its comment (einops-style replay of the documentation)."""

from __future__ import annotations

import ast
import contextlib
import io
import re
from pathlib import Path

import pytest

README = Path("README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)


def test_the_readme_has_its_python_snippets():
    assert len(BLOCKS) >= 4


@pytest.mark.parametrize("number", range(len(BLOCKS)))
def test_each_print_shows_what_its_comment_says(number):
    block = BLOCKS[number]
    lines = block.splitlines()
    namespace: dict = {}
    checked = 0
    for statement in ast.parse(block).body:
        source = "\n".join(lines[statement.lineno - 1:statement.end_lineno])
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            exec(compile(ast.Module([statement], []), "README.md", "exec"), namespace)  # our own docs
        call = statement.value if isinstance(statement, ast.Expr) else None
        is_print = isinstance(call, ast.Call) and getattr(call.func, "id", None) == "print"
        comment = lines[statement.end_lineno - 1].partition("  # ")[2].strip()
        if is_print and comment:
            assert output.getvalue().rstrip("\n") == comment, source
            checked += 1
    printed = [line for line in lines if line.startswith("print(") and "  # " in line]
    assert checked == len(printed)
