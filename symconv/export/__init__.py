"""Exports to course platforms: PrairieLearn, Gradescope and Moodle.

Each platform module writes what the platform imports and, for PrairieLearn and Gradescope, holds
the code that runs there. That code needs only numpy and sympy (never click), so the exporters
copy symconv's own package next to it (:func:`package_files`).
"""

from __future__ import annotations

import html
from pathlib import Path

from ..problems.problem import Problem

PACKAGE = Path(__file__).resolve().parent.parent
# The command line needs click, which course platforms do not install; nothing else imports it.
LEFT_OUT = {"interface/cli.py", "__main__.py"}


def package_files() -> dict[str, bytes]:
    """symconv's own modules (relative path under ``symconv/`` -> bytes), without the CLI."""
    files = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if "__pycache__" not in relative.parts and str(relative) not in LEFT_OUT:
            files[str(relative)] = path.read_bytes()
    return files


def statement_html(problem: Problem) -> str:
    """The problem's statement (layers, given tensors) as HTML with $$ … $$ math for MathJax."""
    from ..solutions.solution import build_statement, render_solution

    markdown = render_solution(build_statement(problem), "markdown")
    blocks = [block.strip() for block in markdown.split("\n\n") if block.strip()]
    return "\n".join(f"<p>{html.escape(block, quote=False)}</p>" for block in blocks
                     if not block.startswith("#"))


def field_name(flat: int) -> str:
    """The input field of a gradient's entry, row-major: ``entry_0``, ``entry_1``, …"""
    return f"entry_{flat}"
