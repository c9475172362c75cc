"""The pictures of every example as people see them: no text smaller than the footnotes of the
document (7 pt in the PDF; in Markdown and HTML 0.7 of the body text, the same 7 pt at 10 pt), every
label inside its cell, and each pooling window's maximum ringed in the window's own colour.

The PDF sizes are read from the compiled pictures with pdfminer.six (each character's size on the
page, any scaling included); the Markdown sizes from the SVG as a viewer shows it (shrunk to its
column when wider); the HTML sizes and label boxes in a real offline Chromium.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from browser import needs_chromium, offline_browser
from page_checks import written_page
from symconv import build_problem, build_solution, load_problem, render_solution
from symconv.core.document import Document, Figure, Grid, Section, Window
from symconv.render.markdown import FIGURE_WIDTH as MARKDOWN_COLUMN
from symconv.render.picture import COLOURS, RING, TIKZ_RING, TIKZ_STROKES, svg, tikz
from symconv.render.solve import render_document

EXAMPLES = sorted(Path("examples").glob("*.toml"))
needs_pdflatex = pytest.mark.skipif(not shutil.which("pdflatex") and not os.environ.get("CI"),
                                    reason="needs pdflatex: apt-get install texlive-latex-base"
                                           " texlive-latex-recommended texlive-pictures (CI installs it)")
SMALLEST_PT = 7.0  # the footnotes of a 10 pt document
SMALLEST_RATIO = 0.7  # of the body text: 7 pt at 10 pt
MARKDOWN_BODY = 16  # px: the body text of Markdown viewers (GitHub, GitLab, VS Code)


def figures_of(example: Path) -> tuple:
    """The example's problem and the pictures of its worked solution."""
    solution = build_solution(load_problem(example))
    return solution, [block for section in solution.document.sections for block in section.blocks
                      if isinstance(block, Figure)]


PICTURED = [example for example in EXAMPLES if figures_of(example)[1]]


def character_sizes(pdf: Path) -> list[float]:
    """The size on the page of every character of a PDF, in pt."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTChar

    sizes = []

    def walk(item) -> None:
        if isinstance(item, LTChar):
            if item.get_text().strip():
                sizes.append(item.size)
            return
        for child in getattr(item, "_objs", ()):
            walk(child)

    for page in extract_pages(str(pdf)):
        walk(page)
    return sizes


@needs_pdflatex
@pytest.mark.parametrize("example", PICTURED, ids=lambda p: p.stem)
def test_no_text_of_a_pdf_picture_is_smaller_than_7_pt(example, tmp_path):
    """Every picture of the example's LaTeX, printed as the document prints it, compiled on the
    document's page: its cell labels, subscripts, grid names and caption are all 7 pt or more.
    (The recitation's pictures were scaled to the line, their subscripts about 5 pt.)"""
    solution, figures = figures_of(example)
    document = Document(solution.document.title, (), (Section("figures", tuple(figures)),))
    (tmp_path / "figures.tex").write_text(render_document(document, "latex", loss=solution.problem.loss),
                                          encoding="utf-8")
    subprocess.run(["pdflatex", "-interaction=nonstopmode", "figures.tex"], cwd=tmp_path,
                   capture_output=True, timeout=300, check=False)
    sizes = character_sizes(tmp_path / "figures.pdf")
    subscripts = sum(1 for size in sizes if size < 9)
    assert subscripts > 4  # the cells' subscripts were read
    assert min(sizes) >= SMALLEST_PT - 0.05, sorted(sizes)[:5]


@pytest.mark.parametrize("example", PICTURED, ids=lambda p: p.stem)
def test_markdown_pictures_keep_their_text_at_seven_tenths_of_the_body(example):
    """A Markdown viewer shows a picture at most as wide as its column, shrinking a wider one:
    its smallest text, so shrunk, is still 0.7 of the body text."""
    solution, _ = figures_of(example)
    pictures = re.findall(r"<svg .*?</svg>", "".join(
        render_solution_files_of(solution).values()), re.S)
    assert pictures
    for picture in pictures:
        width = float(re.match(r'<svg [^>]*width="([\d.]+)"', picture).group(1))
        smallest = min(float(size) for size in re.findall(r'font-size="([\d.]+)"', picture))
        shown = smallest * min(1.0, MARKDOWN_COLUMN / width)
        assert shown >= SMALLEST_RATIO * MARKDOWN_BODY, (width, smallest)


def render_solution_files_of(solution) -> dict[str, str]:
    from symconv.solutions.solution import render_solution_files

    return render_solution_files(solution, "markdown", figures="x").files


# -- one picture, drawn ------------------------------------------------------------------------------


def rings_by_cell(rings: list[tuple[str, str, str]], down: bool) -> list[list[str]]:
    """The colours of the rings (colour, x, y) of each ringed cell, cells top to bottom, then left
    to right (``down``: y grows downwards, as in SVG)."""
    cells: dict[tuple[float, float], list[str]] = {}
    for colour, x, y in rings:
        cells.setdefault((float(y) if down else -float(y), float(x)), []).append(colour)
    return [sorted(cells[key]) for key in sorted(cells)]


def test_each_pooling_windows_maximum_is_ringed_in_the_windows_colour():
    """Four overlapping 2×2 windows on a 3×3 input, outlined in four colours: 9 is the maximum of
    both upper windows (ringed twice, in their two colours), 8 of the lower right one, 7 of the
    lower left one; no ring is red."""
    problem = build_problem({"input": {"shape": [3, 3], "values": [[1, 9, 2], [3, 4, 8], [7, 5, 6]]},
                             "layers": [{"type": "maxpool", "kernel_size": 2, "stride": 1}]})
    solution = build_solution(problem, ("forward",))
    latex = render_solution(solution, "latex")
    assert re.findall(r"\\draw\[([^,\]]+), line width=1.1pt", latex) == list(TIKZ_STROKES)
    tikz_rings = re.findall(r"\\draw\[([^,\]]+), line width=1pt\] \(([\d.]+),([\d.]+)\) ellipse", latex)
    upper_left, upper_right, lower_left, lower_right = TIKZ_STROKES
    assert rings_by_cell(tikz_rings, down=False) == [sorted([upper_left, upper_right]), [lower_right],
                                                     [lower_left]]
    [picture] = render_solution_files_of(solution).values()
    svg_rings = [(colour, x, y) for x, y, colour in re.findall(
        r'<ellipse cx="([\d.]+)" cy="([\d.]+)"[^>]*stroke="([^"]+)"', picture)]
    strokes = [stroke for _, stroke in COLOURS]
    assert rings_by_cell(svg_rings, down=True) == [sorted(strokes[:2]), [strokes[3]], [strokes[2]]]
    assert "each window's maximum is ringed in the window's colour" in latex


def test_a_marked_cell_outside_any_window_is_ringed_in_red():
    problem = build_problem({"input": {"shape": [2, 2]}, "layers": [{"type": "conv", "weight": {"shape": [1, 1, 1, 1]}}]})
    x = problem.input
    cells = np.empty(4, dtype=object)
    cells[:] = x.symbols
    figure = Figure((Grid(cells.reshape(2, 2), "X", marked=frozenset({3}),
                          windows=(Window((0, 0), (0, 1), frozenset({1})),)),), ("",))
    picture = svg(figure, str, 500)
    assert re.findall(r'<ellipse [^>]*stroke="([^"]+)"', picture) == [COLOURS[0][1], RING]
    latex = tikz(figure, str, len, 500)
    assert [c for c in re.findall(r"\\draw\[([^,\]]+), line width=1pt\]", latex)] == [TIKZ_STROKES[0], TIKZ_RING]


# -- the HTML page's pictures, in Chromium -----------------------------------------------------------

PICTURE_TEXT = """
const body = parseFloat(getComputedStyle(document.body).fontSize);
const sizes = [], outside = [], wide = [];
for (const figure of document.querySelectorAll('figure.sc-figure')) {
  if (figure.scrollWidth > figure.clientWidth + 1) wide.push(figure.scrollWidth);
  const svg = figure.querySelector('svg');
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  for (const text of svg.querySelectorAll('text, tspan'))
    sizes.push(parseFloat(getComputedStyle(text).fontSize) * scale / body);
  for (const cell of svg.querySelectorAll('g.sc-cell')) {
    const box = cell.querySelector('rect').getBBox(), label = cell.querySelector('text').getBBox();
    if (label.x < box.x || label.x + label.width > box.x + box.width ||
        label.y < box.y || label.y + label.height > box.y + box.height)
      outside.push(cell.querySelector('text').textContent);
  }
}
return [Math.min(...sizes), outside, wide];
"""


@needs_chromium
def test_html_pictures_fit_the_column_with_text_at_seven_tenths_of_the_body(tmp_path):
    """At 1400 pixels wide, every example's pictures stand in the page's column without scrolling,
    their smallest text (a subscript) is at least 0.7 of the body text, and every label lies
    inside its cell."""
    with offline_browser(1400, 900) as driver:
        for example in PICTURED:
            _, page = written_page(example, tmp_path)
            driver.get(page.as_uri())
            smallest, outside, wide = driver.execute_script(PICTURE_TEXT)
            assert smallest >= SMALLEST_RATIO, (example.stem, smallest)
            assert outside == [], (example.stem, outside)
            assert wide == [], (example.stem, wide)
