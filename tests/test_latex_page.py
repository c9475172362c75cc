"""The LaTeX printer measures itself: what it writes stays inside the page, as pdflatex sets it.

pdflatex reports every line wider than the text block ("Overfull \\hbox") and every display taller
than a page ("Overfull \\vbox"); the documents of the examples and of random problems must have
none. The width estimate itself (render/latex_width.py) is compared with the widths TeX gives the
same formulas.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from symconv import build_problem, build_solution, load_problem, render_solution
from symconv.render.latex import PREAMBLE, LatexPrinter
from symconv.render.latex_width import latex_width

EXAMPLES = sorted(Path("examples").glob("*.toml"))
needs_pdflatex = pytest.mark.skipif(not shutil.which("pdflatex") and not os.environ.get("CI"),
                                    reason="needs pdflatex: apt-get install texlive-latex-base"
                                           " texlive-latex-recommended (CI installs it)")
EM = 10.0  # pt: the 10 pt class's quad


def overfull(latex: str, folder: Path) -> list[str]:
    """pdflatex's complaints about lines past the margin or displays taller than a page."""
    (folder / "doc.tex").write_text(latex, encoding="utf-8")
    subprocess.run(["pdflatex", "-interaction=nonstopmode", "doc.tex"], cwd=folder,
                   capture_output=True, timeout=300, check=False)
    log = (folder / "doc.log").read_text(errors="replace")
    assert "Output written" in log, log[-2000:]
    return re.findall(r"Overfull \\[hv]box \([\d.]+pt too \w+\)[^\n]*", log)


@needs_pdflatex
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_stays_inside_the_page(example, tmp_path):
    latex = render_solution(build_solution(load_problem(example)), "latex")
    assert overfull(latex, tmp_path) == []


@st.composite
def problems(draw):
    """Convolutions with channels, long names and wide entries; pooling and ReLU chains."""
    dims = draw(st.sampled_from([1, 2]))
    channels = draw(st.integers(1, 2))
    filters = draw(st.integers(1, 3))
    kernel = [draw(st.integers(1, 3)) for _ in range(dims)]
    size = [draw(st.integers(k + 1, 7)) for k in kernel]
    layers = [{"type": "conv", "stride": draw(st.integers(1, 2)), "padding": draw(st.integers(0, 1)),
               "weight": {"shape": [filters, channels, *kernel]}, "bias": {}}]
    if draw(st.booleans()):
        layers.append({"type": "relu"})
    spec = {"dims": dims, "input": {"shape": [draw(st.integers(1, 2)), channels, *size],
                                    "index_base": draw(st.sampled_from([0, 1]))},
            "layers": layers}
    if draw(st.booleans()):
        spec["upstream"] = {"name": "g", "naming": "flat", "index_base": 1}
    return build_problem(spec)


@needs_pdflatex
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(problem=problems())
def test_random_problems_stay_inside_the_page(problem, tmp_path_factory):
    latex = render_solution(build_solution(problem, max_terms=20_000), "latex")
    assert overfull(latex, tmp_path_factory.mktemp("page")) == []


FORMULAS = [
    r"\frac{\partial L}{\partial X_{01}} = d_{1} w_{2} + d_{2} w_{1}",
    r"\begin{bmatrix} 1 & -1 \\ 1 & 0 \end{bmatrix} \odot \begin{bmatrix} w_{1} & w_{2} \\ w_{3} & w_{4} \end{bmatrix}",
    r"\text{n = 0, c = 1}\colon\ \begin{bmatrix} X_{0,1,0,0} & \boxed{X_{0,1,0,1}} \\ X_{0,1,1,0} & X_{0,1,1,1} \end{bmatrix}",
    r"Z_{11} = \max(C_{11}, C_{12}, C_{21}, C_{22}) = 109",
    r"[C_{21} = \max(C_{11}, C_{12}, C_{21}, C_{22})] \frac{\partial E}{\partial Z_{11}}",
    r"Y_{00} = \sqrt{\frac{X_{00}^2 + X_{01}^2 + X_{10}^2 + X_{11}^2}{4}}",
    r"\operatorname{size}_H = O + (S - 1)(O - 1) + 2(K - 1) = 3 + (2 - 1)\cdot (3 - 1) + 2\cdot (3 - 1) = 9",
    r"\begin{bmatrix} \frac{\partial L}{\partial Y2_{01}} & 0 \\ 0 & 4 \frac{\partial E}{\partial C_{11}} \end{bmatrix}",
]


@needs_pdflatex
def test_the_width_estimate_is_within_3_percent_of_what_tex_sets(tmp_path):
    lines = [r"\sbox0{$\displaystyle " + formula + r"$}\typeout{WIDTH " + str(number)
             + r": \the\wd0}" for number, formula in enumerate(FORMULAS)]
    (tmp_path / "w.tex").write_text(PREAMBLE + "\\begin{document}\n" + "\n".join(lines)
                                    + "\n\\end{document}\n", encoding="utf-8")
    out = subprocess.run(["pdflatex", "-interaction=nonstopmode", "w.tex"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120).stdout
    typeset = {int(n): float(pt) / EM for n, pt in re.findall(r"WIDTH (\d+): ([\d.]+)pt", out)}
    assert len(typeset) == len(FORMULAS)
    for number, formula in enumerate(FORMULAS):
        assert latex_width(formula) == pytest.approx(typeset[number], rel=0.03), formula


def test_small_results_are_never_cut_into_single_columns():
    """A result whose columns fit one at a time reads better entry by entry (CS7643's 2×2 ∂L/∂w
    of long sums, the homework's 3×3 ∂E/∂B); a short one is one matrix (a two-entry ∂L/∂b); a wide
    matrix is cut into blocks of columns shared out evenly, never leaving one column alone."""
    cs7643 = build_solution(load_problem("examples/cs7643_4x4_stride1.toml"), ("dw", "dx"))
    homework = build_solution(load_problem("examples/homework_5x5.toml"), ("dw",))
    bias = build_solution(build_problem({"input": {"shape": [1, 3, 3]}, "layers": [
        {"type": "conv", "weight": {"shape": [2, 1, 2, 2]}, "bias": {}}]}), ("db", "chain"))
    for output_format in ("latex", "markdown", "text"):
        documents = [render_solution(solution, output_format) for solution in (cs7643, homework, bias)]
        for document in documents:
            assert not re.search(r"column \d", document), output_format  # no block of one column
        assert "∂L/∂w (2 × 2) has entries too long for a matrix" in render_solution(cs7643, "text")
        assert "∂E/∂B (3 × 3) has entries too long for a matrix" in render_solution(homework, "text")
    latex = render_solution(bias, "latex")
    assert re.search(r"\\frac\{\\partial L\}\{\\partial b\} = \\begin\{bmatrix\}", latex)
    # CS7643's 4×4 ∂L/∂X is too wide for a terminal: two blocks of two columns
    assert "columns 1–2:" in render_solution(cs7643, "text")


def test_receptive_fields_are_laid_out_like_the_output_grid():
    """CS7643's 3×3 output: the nine receptive fields in three rows of three, in every format."""
    solution = build_solution(load_problem("examples/cs7643_4x4_stride1.toml"), ("forward",))
    latex = render_solution(solution, "latex")
    rows = [line for line in latex.splitlines() if r"\odot" in line and r"\begin{bmatrix}" in line]
    assert [row.count(r"\odot") for row in rows] == [3, 3, 3]
    text = render_solution(solution, "text")
    assert [line.count("⊙") for line in text.splitlines() if "⎤ ⊙ ⎡" in line] == [3, 3, 3]


def test_a_multi_line_equation_can_break_across_pages():
    """Displays taller than a page cannot be set: equations of several rows are align*, whose
    rows may break across pages (\\allowdisplaybreaks), never aligned inside \\[ \\]."""
    problem = load_problem("examples/recitation_image_16x12.toml")
    latex = render_solution(build_solution(problem, ("chain",)), "latex")
    assert r"\begin{align*}" in latex and r"\begin{aligned}" not in latex
    assert r"\allowdisplaybreaks" in LatexPrinter().doprint(build_solution(problem, ("shapes",)).document)
