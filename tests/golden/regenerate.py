"""Regenerate the golden worked solutions of every example, in every format.

    python tests/golden/regenerate.py

Markdown's pictures are written beside their documents (``NAME-figure-N.svg``). Then READ the changes (``git diff tests/golden``) line by line before committing: the golden files
are what ``symconv solve`` promises to print. The checks section is left out (its numbers are
rounding errors that differ between NumPy builds); tests/test_solve_cli.py checks it separately.
The matrix section is in goldens of its own, ``tests/golden/matrix/``: what ``symconv matrix``
prints for every example with a layer small enough.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from symconv import load_problem  # noqa: E402
from symconv.problems.matrix import has_matrix, printable  # noqa: E402
from symconv.render.solve import Rendered  # noqa: E402
from symconv.solutions.solution import SECTION_NAMES, build_solution, render_solution_files  # noqa: E402
from symconv.solutions.solution import render_matrix as matrix_view  # noqa: E402

GOLDEN = Path(__file__).resolve().parent
EXTENSIONS = {"latex": "tex", "markdown": "md", "text": "txt"}
# The checks' numbers are rounding errors that differ between NumPy builds; the matrix view has
# goldens of its own (tests/golden/matrix/, what `symconv matrix` prints).
GOLDEN_SECTIONS = tuple(name for name in SECTION_NAMES if name not in ("checks", "matrix"))


def examples() -> list[Path]:
    """Every example: convolutions, pooling, ReLU and chains of layers."""
    return sorted((ROOT / "examples").glob("*.toml"))


def golden_path(example: Path, output_format: str) -> Path:
    return GOLDEN / f"{example.stem}.{EXTENSIONS[output_format]}"


def rendered(example: Path, output_format: str) -> Rendered:
    """The document; Markdown's pictures as files beside it (``NAME-figure-1.svg``, …)."""
    solution = build_solution(load_problem(example), GOLDEN_SECTIONS)
    return render_solution_files(solution, output_format, figures=example.stem)


def render(example: Path, output_format: str) -> str:
    return rendered(example, output_format).text


def matrix_examples() -> list[Path]:
    """The examples whose first layer with a matrix form is small enough to print."""
    return [example for example in examples() if matrix_layer(load_problem(example)) is not None]


def matrix_layer(problem):
    layer = next((layer for layer in problem.layers if has_matrix(layer)), None)
    return layer if layer is not None and printable(layer) else None


def matrix_golden_path(example: Path, output_format: str) -> Path:
    return GOLDEN / "matrix" / f"{example.stem}.{EXTENSIONS[output_format]}"


def render_matrix(example: Path, output_format: str) -> str:
    """What ``symconv matrix EXAMPLE --format FORMAT`` prints."""
    return matrix_view(load_problem(example), None, output_format)


def main() -> None:
    for stale in GOLDEN.glob("*.svg"):
        stale.unlink()
    for example in examples():
        for output_format in EXTENSIONS:
            document = rendered(example, output_format)
            path = golden_path(example, output_format)
            path.write_text(document.text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
            for name, content in document.files.items():
                (GOLDEN / name).write_text(content, encoding="utf-8")
                print(f"wrote {(GOLDEN / name).relative_to(ROOT)}")
    (GOLDEN / "matrix").mkdir(exist_ok=True)
    for example in matrix_examples():
        for output_format in EXTENSIONS:
            path = matrix_golden_path(example, output_format)
            path.write_text(render_matrix(example, output_format), encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
