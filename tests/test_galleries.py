"""Galleries of receptive fields and pooling windows keep the output grid's shape in every format:
a 3 × 3 output gives three per line (never two and one), each labelled under it with its output
entry; a row too wide for the line makes the whole gallery smaller, no smaller than a footnote's
math, or is cut into equal pieces."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from browser import needs_chromium, offline_browser
from page_checks import written_page
from symconv import build_solution, load_problem, render_solution
from symconv.core.document import Gallery
from symconv.render.latex import LatexPrinter
from symconv.render.markdown import MarkdownPrinter

EXAMPLES = sorted(Path("examples").glob("*.toml"))
HOMEWORK = Path("examples/homework_5x5.toml")
GRID = [["11", "12", "13"], ["21", "22", "23"], ["31", "32", "33"]]


def forward_labels(lines: list[str], pattern: str) -> list[list[str]]:
    """The output labels of each line of the forward gallery (lines that hold a ⊙)."""
    return [found for line in lines if (found := re.findall(pattern, line))]


def test_a_3x3_output_gives_three_labelled_receptive_fields_per_line_in_every_format():
    """The homework's 3 × 3 output C: its nine receptive fields ⊙ B in three lines of three,
    C_11 to C_33 in the output's order, in every format at its full size: the handout names the
    kernel B rather than write it out."""
    solution = build_solution(load_problem(HOMEWORK), ("forward",))
    latex = render_solution(solution, "latex")
    lines = [line for line in latex.splitlines() if r"\odot" in line and "gathered" in line]
    assert forward_labels(lines, r"\\\\ C_\{(\d\d)\} \\end\{gathered\}") == GRID
    assert all(line.startswith(r"\begin{gathered}") for line in lines)  # not scaled
    markdown = render_solution(solution, "markdown")
    lines = [line for line in markdown.splitlines() if r"\odot" in line and "gathered" in line]
    assert forward_labels(lines, r"\\\\ C_\{(\d\d)\} \\end\{gathered\}") == GRID
    # (the handout names the 3 × 3 kernel B rather than write it out: three fit at full size)
    assert all(re.match(r"\$\$(\{\\(small|footnotesize|scriptsize) )?\\begin\{gathered\}", line)
               for line in lines)
    text = render_solution(solution, "text")
    labels = [re.findall(r"C_(\d\d)", line) for line in text.split("Adding up")[0].splitlines()
              if re.fullmatch(r"(\s*C_\d\d)+\s*", line)]
    assert labels == GRID


def test_every_grid_gallery_keeps_whole_rows_or_equal_pieces_of_them():
    """Every example, LaTeX and Markdown: each line of a gallery laid out as a grid holds one
    grid row, or one of the equal pieces every row is cut into, and is set no smaller than 0.825
    of the 10 pt page (LaTeX: 8.25 pt) or KaTeX's \\scriptsize (0.7 of math that is 1.21 times the text)."""
    for example in EXAMPLES:
        solution = build_solution(load_problem(example))
        galleries = [block for section in solution.document.sections for block in section.blocks
                     if isinstance(block, Gallery) and block.columns]
        for printer in (LatexPrinter(solution.problem.loss), MarkdownPrinter(solution.problem.loss)):
            for gallery in galleries:
                lines = printer.gallery_lines(gallery)
                counts = [line.count(r"\begin{gathered}") or line.count(r"\qquad") + 1 for line in lines]
                size = counts[0]
                assert gallery.columns % size == 0, (example.stem, gallery.columns, counts)
                pieces = [size] * (gallery.columns // size)
                row_counts = [min(size, len(gallery.items) - start - offset)
                              for start in range(0, len(gallery.items), gallery.columns)
                              for offset in range(0, gallery.columns, size)
                              if start + offset < len(gallery.items)]
                assert counts == row_counts, (example.stem, counts, pieces)
                for line in lines:
                    scale = re.match(r"\\scalebox\{([\d.]+)\}", line)
                    assert scale is None or float(scale.group(1)) >= 0.825  # 8.25 pt
                    assert not re.match(r"\{\\(footnote|script)size", line) or isinstance(printer, MarkdownPrinter)


GALLERY_LINES = """
return [...document.querySelectorAll('.sc-grid')].map(gallery => {
  const tops = [...gallery.children].map(item => Math.round(item.getBoundingClientRect().top));
  const lines = [];
  tops.forEach((top, i) => { if (!i || top !== tops[i - 1]) lines.push(0); lines[lines.length - 1]++; });
  return [lines, [...gallery.children].map(item => item.textContent.match(/C(\\d\\d)$/)?.[1])];
});
"""


@needs_chromium
def test_html_galleries_keep_the_grid_in_a_1400_pixel_window(tmp_path):
    """In Chromium, 1400 pixels wide: the homework's receptive fields stand three to a row, in the
    output's order, each labelled with its output."""
    with offline_browser(1400, 900) as driver:
        _, page = written_page(HOMEWORK, tmp_path)
        driver.get(page.as_uri())
        forward, *_ = driver.execute_script(GALLERY_LINES)
        lines, labels = forward
        assert lines == [3, 3, 3]
        assert labels == [label for row in GRID for label in row]
