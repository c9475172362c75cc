"""The Markdown solutions render in KaTeX, as a Markdown viewer with KaTeX math would show them.

Needs node and the katex package (CI installs it: .ci/run); elsewhere the test is skipped unless
CI is set, in which case a missing tool fails it.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from symconv import build_solution, load_problem, render_solution

KATEX = Path(os.environ.get("KATEX_MODULE", ".ci/katex/node_modules/katex"))
SCRIPT = Path("tests/katex_render.js")
available = shutil.which("node") and KATEX.exists()
pytestmark = pytest.mark.skipif(not available and not os.environ.get("CI"),
                                reason="needs node and katex: npm install --prefix .ci/katex katex@0.16")


def render_with_katex(*files: Path) -> subprocess.CompletedProcess:
    environment = dict(os.environ, KATEX_MODULE=str(KATEX.resolve()))
    return subprocess.run(["node", str(SCRIPT), *map(str, files)], capture_output=True, text=True,
                          env=environment, timeout=120)


def test_every_example_solution_renders_in_katex(tmp_path):
    files = []
    for example in sorted(Path("examples").glob("*.toml")):
        problem = load_problem(example)
        solution = build_solution(problem)  # every section, checks included
        target = tmp_path / f"{example.stem}.md"
        target.write_text(render_solution(solution, "markdown"), encoding="utf-8")
        files.append(target)
    result = render_with_katex(*files)
    assert result.returncode == 0, result.stdout
    assert " 0 failed" in result.stdout


def test_the_check_catches_a_formula_katex_cannot_render(tmp_path):
    broken = tmp_path / "broken.md"
    broken.write_text("ok $x_1$ and\n\n$$\n\\frac{1}{2 + \\unknowncommand{3}\n$$\n", encoding="utf-8")
    result = render_with_katex(broken)
    assert result.returncode == 1
    assert "2 formulas, 1 failed" in result.stdout
