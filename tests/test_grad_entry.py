"""``grad --entry`` counts only the asked entry's terms (issue 22, item 5): any entry of a 700×700
problem answers, and a few entries are built on their own, with the same terms as the whole
gradient's."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

from helpers import run_cli
from strategies import field_specs
from symconv import ProblemError, SizeLimitError, build_problem, derive, load_problem, quick_problem


def test_an_entry_of_a_700_by_700_input_answers_with_its_four_terms(capsys):
    status = run_cli(["grad", "--input", "700x700", "--kernel", "3x3", "--wrt", "X", "--entry", "1,1"])
    out, err = capsys.readouterr()
    assert (status, err) == (0, "")
    # written out here from the index arithmetic: output (i, j) reads X_(i+k)(j+l) with W_kl, so
    # X_11 is read by the outputs i, j in {0, 1} with W_(1−i)(1−j); d is numbered row by row
    # over the 698 × 698 outputs, from 1
    terms = [(i, j) for i in (0, 1) for j in (0, 1)]
    chain = " + ".join(f"∂L/∂Y_{i}{j}·∂Y_{i}{j}/∂X_11" for i, j in terms)
    value = " + ".join(f"d{i * 698 + j + 1}·W_{1 - i}{1 - j}" for i, j in terms)
    assert out == f"∂L/∂X_11 = {chain} = {value}\n"


def test_the_whole_gradient_of_that_problem_is_still_refused(capsys):
    status = run_cli(["grad", "--input", "700x700", "--kernel", "3x3", "--wrt", "X"])
    assert status == 2
    assert "8,769,672 chain-rule terms, over the limit of 5,000,000" in capsys.readouterr().err


def test_entries_over_the_limit_are_refused_with_their_own_count():
    problem = quick_problem((100, 100), (3, 3))  # 19,613 entries; ∂L/∂W_00 has 9,604 terms
    derivation = derive(problem, max_terms=20_000, whole=False)
    assert len(derivation.gradient("W", [0, 1]).entry(1).terms) == 9_604
    with pytest.raises(SizeLimitError) as error:
        derivation.gradient("W", range(9))
    assert str(error.value) == ("these entries of ∂L/∂W have 86,436 chain-rule terms, over the"
                                " limit of 20,000; ask fewer entries, or raise the limit with --max-terms")


def test_one_entry_of_a_problem_over_a_raised_limit_answers(capsys):
    status = run_cli(["grad", "--input", "100x100", "--kernel", "3x3", "--wrt", "W", "--entry", "0,0",
                      "--max-terms", "20000"])  # the whole problem has 172,872 terms
    out, err = capsys.readouterr()
    assert status == 0 and err == "" and out.count(" + ") == 2 * 9_604 - 2


def test_an_entry_of_a_chain_expands_as_the_whole_gradient_does(capsys):
    path = "examples/chain_conv_relu_maxpool_symbolic.toml"
    problem = load_problem(path)
    whole = derive(problem).gradient("X").expanded()
    for flat in range(problem.input.size):
        part = derive(problem, whole=False).gradient("X", [flat])
        assert part.expanded_at([flat]) == {flat: whole[flat]}
        assert part.entry(flat) == derive(problem).gradient("X").entry(flat)
    numbers = load_problem("examples/chain_conv_relu_maxpool.toml")
    known = derive(numbers).gradient("X").known_expansion()
    assert known is not None
    assert derive(numbers, whole=False).gradient("X", [6, 8]).known_expansion([6, 8]) == {
        6: known[6], 8: known[8]}


@settings(max_examples=60, deadline=None)
@given(field_specs(), st.data())
def test_a_few_entries_have_exactly_the_whole_gradients_terms(field, data):
    spec, _ = field
    try:
        problem = build_problem(spec)
    except ProblemError:
        assume(False)  # a kernel larger than the padded input, padding that leaves no output
    whole = derive(problem)
    for tensor in problem.differentiable():
        asked = sorted(set(data.draw(st.lists(st.integers(0, tensor.size - 1), min_size=1,
                                              max_size=3))))
        part = derive(problem, whole=False).gradient(tensor.name, asked)
        full = whole.gradient(tensor.name)
        for flat in range(tensor.size):
            counts = [int(b.offsets[flat + 1] - b.offsets[flat]) for b in part.blocks]
            if flat in asked:
                assert part.entry(flat) == full.entry(flat)
            else:
                assert counts == [0] * len(counts)
