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
from symconv.core.document import Figure, Paragraph, Section
from symconv.render.solve import render_document
from symconv.render.latex import PREAMBLE, LatexPrinter
from symconv.render.latex_width import latex_width

EXAMPLES = sorted(Path("examples").glob("*.toml"))
needs_pdflatex = pytest.mark.skipif(not shutil.which("pdflatex") and not os.environ.get("CI"),
                                    reason="needs pdflatex: apt-get install texlive-latex-base"
                                           " texlive-latex-recommended (CI installs it)")
EM = 10.0  # pt: the 10 pt class's quad


# Writes to doc.figures, as each page is shipped out, the page of each picture ("drawn 3") and
# the pages of the text just before and just after the place each picture was written at
# ("before 1", "after 2"): a picture that floats leaves its place to the text after it. None of
# them takes any room.
MARKS = r"""\newwrite\figurepages\immediate\openout\figurepages=\jobname.figures
\tikzset{every picture/.append style={execute at begin picture={\write\figurepages{drawn \thepage}}}}
\newcommand\placemark[1]{\write\figurepages{#1 \thepage}}
"""
PICTURE_BLOCK = re.compile(r"\\begin\{(figure|center)\}(\[htbp\])?\n(?:\{\\centering\n)?(?:\\resizebox[^\n]*\n)?"
                           r"\\begin\{tikzpicture\}.*?\\end\{tikzpicture\}.*?\\end\{\1\}\n?", re.S)
TEXT_TOP, TEXT_HEIGHT = 2 / 2.54 * 72, 841.89 - 4 / 2.54 * 72  # bp: A4 with 2 cm margins


def compile_latex(latex: str, folder: Path) -> str:
    """pdflatex's log of the document, compiled to doc.pdf in ``folder`` with the pages and places
    of its pictures written to doc.figures."""
    latex = latex.replace("\\begin{document}", MARKS + "\\begin{document}", 1)
    latex = PICTURE_BLOCK.sub(lambda block: f"\\placemark{{before}}{block.group()}\\placemark{{after}}",
                              latex)
    (folder / "doc.tex").write_text(latex, encoding="utf-8")
    subprocess.run(["pdflatex", "-interaction=nonstopmode", "doc.tex"], cwd=folder,
                   capture_output=True, timeout=300, check=False)
    log = (folder / "doc.log").read_text(errors="replace")
    assert "Output written" in log, log[-2000:]
    return log


def overfull(latex: str, folder: Path) -> list[str]:
    """pdflatex's complaints about lines past the margin or displays taller than a page."""
    return re.findall(r"Overfull \\[hv]box \([\d.]+pt too \w+\)[^\n]*", compile_latex(latex, folder))


def page_fill(folder: Path) -> list[float]:
    """How far down its text block each page of doc.pdf is written (0 to 1; the page number
    below the block is not counted)."""
    boxes = subprocess.run(["pdftotext", "-bbox", "doc.pdf", "-"], cwd=folder, capture_output=True,
                           text=True, check=True).stdout
    fills = []
    for page in boxes.split("<page ")[1:]:
        bottoms = [float(y) for y in re.findall(r'yMax="([\d.]+)"', page)
                   if float(y) < TEXT_TOP + TEXT_HEIGHT + 2]
        fills.append((max(bottoms) - TEXT_TOP) / TEXT_HEIGHT if bottoms else 0.0)
    return fills


def figure_marks(folder: Path, kind: str) -> list[int]:
    """The pages of the marks of one kind ("drawn", "before", "after"), in order."""
    figures = folder / "doc.figures"
    lines = figures.read_text().splitlines() if figures.exists() else []
    return [int(line.split()[1]) for line in lines if line.startswith(kind)]


def figure_pages(folder: Path) -> list[int]:
    return figure_marks(folder, "drawn")


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    """Each example's LaTeX compiled once for this module's tests: (log, folder)."""
    done: dict[Path, tuple[str, Path]] = {}

    def compile_example(example: Path) -> tuple[str, Path]:
        if example not in done:
            folder = tmp_path_factory.mktemp(example.stem)
            latex = render_solution(build_solution(load_problem(example)), "latex")
            done[example] = (compile_latex(latex, folder), folder)
        return done[example]

    return compile_example


@needs_pdflatex
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_stays_inside_the_page(example, compiled):
    log, _ = compiled(example)
    assert re.findall(r"Overfull \\[hv]box \([\d.]+pt too \w+\)[^\n]*", log) == []


@needs_pdflatex
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_no_page_before_a_picture_is_left_part_empty(example, compiled):
    """A picture that does not fit the rest of a page floats to the next, and the text after it
    fills the page: no page ends early because a picture was written at the top of the next (the
    homework's first page was a sixth empty, the recitation's p. 70 a quarter)."""
    _, folder = compiled(example)
    fills = page_fill(folder)
    for before, after in zip(figure_marks(folder, "before"), figure_marks(folder, "after")):
        if after > before:  # the text went on on a later page
            assert fills[before - 1] >= 0.85, f"p. {before} is {fills[before - 1]:.0%} full"


@needs_pdflatex
def test_text_after_a_picture_fills_the_page_the_picture_does_not_fit(tmp_path):
    """Paragraphs that leave an eighth of a page, the homework's first picture (taller than that),
    then more paragraphs: the page is filled with them, the picture heads the next."""
    problem = load_problem("examples/homework_5x5.toml")
    document = build_solution(problem, ("forward",)).document
    [picture] = [block for block in document.sections[0].blocks if isinstance(block, Figure)]
    words = Paragraph(("The receptive fields slide over the input one entry at a time. " * 6,))
    filler = Section("filler", (words,) * 12)
    after = Section("after", (words,) * 4)
    latex = render_document(document._replace(introduction=(), sections=(
        filler, Section("picture", (picture,)), after)), "latex", loss=problem.loss)
    compile_latex(latex, tmp_path)
    assert figure_pages(tmp_path) == [2]
    assert page_fill(tmp_path)[0] >= 0.95


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


def column_blocks(document: str) -> list[list[tuple[int, int]]]:
    """The blocks of columns (first, last) of each matrix the document splits, in order: a new
    matrix starts at a block from column 1."""
    one = r"(?<!row \d, )(?<!row \d\d, )\bcolumn \d"  # not "row 5, column 11" of a note's words
    if re.search(one, document):
        raise AssertionError("a block of one column: " + re.search(r".{60}" + one + ".{20}", document).group())
    matrices: list[list[tuple[int, int]]] = []
    for first, last in re.findall(r"\bcolumns (\d+)(?:–|--)(\d+)", document):
        if first == "1" or not matrices:
            matrices.append([])
        matrices[-1].append((int(first), int(last)))
    return matrices


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_matrices_are_split_only_into_blocks_of_two_columns_and_only_past_six(example):
    """In every format: a matrix of at most six columns is never split (it is one matrix, or its
    entries are listed), and no block of a split matrix has a single column (the recitation's
    "columns 1–3 | column 4 | columns 5–12", the homework's 5 × 5 ∂E/∂A in 2 + 1 + 2)."""
    solution = build_solution(load_problem(example))
    for output_format in ("latex", "markdown", "text", "html"):
        for blocks in column_blocks(render_solution(solution, output_format)):
            assert blocks[-1][1] > 6, (output_format, blocks)
            assert all(last > first for first, last in blocks), (output_format, blocks)


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
    # CS7643's 4×4 ∂L/∂X is too wide for a terminal, and too narrow to split: entry by entry
    assert "∂L/∂X (4 × 4) has entries too long for a matrix" in render_solution(cs7643, "text")


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
