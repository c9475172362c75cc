"""Regenerate the golden worked solutions of every example, in every format.

    python tests/golden/regenerate.py

Then READ the changes (``git diff tests/golden``) line by line before committing: the golden files
are what ``symconv solve`` promises to print. The checks section is left out (its numbers are
rounding errors that differ between NumPy builds); tests/test_solve_cli.py checks it separately.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from symconv import load_problem  # noqa: E402
from symconv.solution import render_solution  # noqa: E402
from symconv.solution import SECTION_NAMES, build_solution  # noqa: E402

GOLDEN = Path(__file__).resolve().parent
EXTENSIONS = {"latex": "tex", "markdown": "md", "text": "txt"}
GOLDEN_SECTIONS = tuple(name for name in SECTION_NAMES if name != "checks")


def examples() -> list[Path]:
    """Every example: convolutions, pooling, ReLU and chains of layers."""
    return sorted((ROOT / "examples").glob("*.toml"))


def golden_path(example: Path, output_format: str) -> Path:
    return GOLDEN / f"{example.stem}.{EXTENSIONS[output_format]}"


def render(example: Path, output_format: str) -> str:
    solution = build_solution(load_problem(example), GOLDEN_SECTIONS)
    return render_solution(solution, output_format)


def main() -> None:
    for example in examples():
        for output_format in EXTENSIONS:
            path = golden_path(example, output_format)
            path.write_text(render(example, output_format), encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
