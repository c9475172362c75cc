"""The interactive page's shortcuts (render/html.py, issue 21) print what the plain route prints,
byte for byte: an equation displayed again is written once; a term of a long sum is written
without the printer's dispatch; only the cells a matrix can show are tagged with their entry, and
a matrix of one tensor's entries is written cell after cell without :meth:`cell`;
each gradient entry's reads are spelled block by block; the page is kept in pieces and written
in batches."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from strategies import field_specs
from symconv import build_problem
from symconv.core.errors import ProblemError
from symconv.core.document import short
from symconv.core.poly import Poly
from symconv.files import output
from symconv.files.problem_file import load_problem
from symconv.render import arrange, html
from symconv.solutions.solution import build_solution, render_solution_files
from test_html_data import symbolic_convolutions

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


class PlainHtmlPrinter(html.HtmlPrinter):
    """The page printed without the shortcuts: every display laid out where it stands, every
    term through :meth:`poly_markup`, every cell of a tensor tagged and written by :meth:`cell`."""

    def display_math(self, node: object, width: float | None = None) -> str:
        return self.laid_out_math(node, width)

    def term_markup(self, monomial: tuple, coefficient: object) -> tuple[str, list[tuple[str, int]]]:
        return self.poly_markup_shown(Poly({monomial: coefficient}))

    def tagged_cells(self, shown):
        return None

    def tagged_array(self, view):
        tensor, array = view.tensor, view.array
        if view.gradient_of:
            cells = [html.Tagged(short(v), tensor, flat, True) for flat, v in enumerate(array.flat)]
        elif array.size == tensor.size and all(v == e for v, e in zip(array.flat, tensor.entries())):
            cells = [html.Tagged(v, tensor, flat, False) for flat, v in enumerate(array.flat)]
        else:
            return array
        tagged = np.empty(len(cells), dtype=object)
        tagged[:] = cells
        return tagged.reshape(array.shape)


def pages(problem, detail: str, rows: int) -> tuple[str, str]:
    """The page with the shortcuts and without, matrices cut after ``rows`` rows."""
    solution = build_solution(problem, detail=detail)
    document = solution.document._replace(relations=solution.relations)
    with mock.patch.object(arrange, "MAX_ROWS", rows), mock.patch.object(html, "MAX_ROWS", rows):
        fast = render_solution_files(solution, "html")
        plain = PlainHtmlPrinter(problem.loss).doprint(document)
    return fast.text, plain


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(symbolic_convolutions(), st.sampled_from(["handout", "full"]), st.sampled_from([1, 2, 16]))
def test_a_convolution_page_is_the_page_printed_plainly(problem, detail, rows):
    fast, plain = pages(problem, detail, rows)
    assert fast == plain


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(field_specs(), st.sampled_from([1, 3, 16]))
def test_a_transposed_or_3d_page_is_the_page_printed_plainly(field, rows):
    try:
        problem = build_problem(field[0])
    except ProblemError:
        assume(False)  # a kernel larger than the padded input, padding that leaves no output
    fast, plain = pages(problem, "full", rows)
    assert fast == plain


@pytest.mark.parametrize("example", ["chain_conv_relu_maxpool", "lppool_mean", "homework_5x5_values",
                                     "batch_multichannel", "notes_avgpool_4x4"])
def test_a_pooling_chain_or_valued_page_is_the_page_printed_plainly(example):
    """Pooling, ReLU, a chain of layers and given values take the polynomials' routes."""
    fast, plain = pages(load_problem(EXAMPLES / f"{example}.toml"), "full", 2)
    assert fast == plain


def test_the_plain_route_is_a_different_route():
    """The comparisons above compare something: on a 20 × 20 problem the page displays some
    equations twice and has gradient cells beyond the rows a matrix shows."""
    problem = build_problem({"input": {"name": "X", "shape": [20, 20]},
                             "layers": [{"type": "conv", "weight": {"name": "W", "shape": [3, 3]}}]})
    solution = build_solution(problem, detail="full")
    document = solution.document._replace(relations=solution.relations)
    laid, tagged = [], []
    original_laid, original_tagged = html.HtmlPrinter.laid_out_math, html.HtmlPrinter.tagged_array

    def count_laid(self, node, width):
        laid.append(node)
        return original_laid(self, node, width)

    def count_tagged(self, view):
        array = original_tagged(self, view)
        tagged.append(sum(isinstance(cell, html.Tagged) for cell in array.flat) < array.size)
        return array

    with mock.patch.object(html.HtmlPrinter, "laid_out_math", count_laid), \
            mock.patch.object(html.HtmlPrinter, "tagged_array", count_tagged):
        fast = html.HtmlPrinter(problem.loss).doprint(document)
        once = len(laid)
        plain = PlainHtmlPrinter(problem.loss).doprint(document)
    assert once < len(laid) - once  # the page laid out fewer equations than the plain route
    assert any(tagged)  # some cells were left untagged: rows a matrix does not show
    assert fast == plain


def entries_read_twice(entries: list[int], counts: list[int]) -> bool:
    runs = np.split(np.asarray(entries, dtype=np.int64), np.cumsum(counts)[:-1])
    return any(len(set(run.tolist())) < len(run) for run in runs)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.integers(0, 6), max_size=6), min_size=1, max_size=8), st.data())
def test_an_entry_read_twice_is_found_in_any_run(runs, data):
    monotone = data.draw(st.booleans())
    if monotone:  # a convolution's runs: strictly increasing or decreasing
        runs = [sorted(set(run), reverse=data.draw(st.booleans())) for run in runs]
    entries = [e for run in runs for e in run]
    counts = [len(run) for run in runs]
    found = html.repeats_within(np.asarray(entries, dtype=np.int64), np.asarray(counts, dtype=np.int64), 7)
    assert found == entries_read_twice(entries, counts)
    if monotone:
        assert not found


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=40), max_size=30), st.integers(1, 64))
def test_chunks_are_written_in_batches_of_the_batch_size(chunks, batch):
    with mock.patch.object(output, "WRITE_BATCH", batch):
        batches = list(output._batches(chunks))
    assert b"".join(batches) == b"".join(chunks)
    for written in batches:  # a batch over the size is one chunk that is over it alone
        assert len(written) <= batch or written in chunks


@pytest.mark.parametrize("where", ["file", "stdout"])
def test_a_page_in_pieces_is_written_whole(tmp_path, capfd, where):
    pieces = ["<p>∂L/∂X</p>", "", "x" * (3 << 20), "⋯\n"]
    name = "-" if where == "stdout" else str(tmp_path / "page.html")
    output.OutputTarget.check(name, force=False).write_pieces(pieces)
    written = capfd.readouterr().out if where == "stdout" else (tmp_path / "page.html").read_text(encoding="utf-8")
    assert written == "".join(pieces)
