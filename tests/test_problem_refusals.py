"""Issue 10's smaller refusals: names written alike, LP pooling's roots of non-positive sums, and
indicators no value given can decide."""

from __future__ import annotations

import pytest

from symconv import build_problem
from symconv.answers import AnswerKey
from symconv.errors import ProblemError

FLAT = {"naming": "flat", "index_base": 1}


def test_a_flat_x_beside_a_weight_x1_is_refused_because_x11_would_be_both():
    spec = {"input": {"name": "x", "shape": [4, 4], **FLAT},
            "layers": [{"type": "conv", "weight": {"name": "x1", "shape": [2, 2], **FLAT}}]}
    with pytest.raises(ProblemError, match=r"x and x1 both have an entry written x11 .* rename one of"
                                           r" them, e.g. name = \"X1\""):
        build_problem(spec)
    spec["layers"][0]["weight"]["name"] = "X1"  # the advice works
    assert build_problem(spec).layers[0].weight.name == "X1"
    # names that only share a prefix but cannot be read alike are fine (X_11 vs X1_1_1)
    assert build_problem({"input": {"name": "X", "shape": [4, 4]}, "layers": [
        {"type": "conv", "weight": {"name": "X1", "shape": [2, 2]}}]})


@pytest.mark.parametrize("values, message", [
    ([[-3, 1], [1, 1]], r"has Σ x\^p = -24 < 0, whose third root is not a real number"),
    ([[0, 0], [0, 0]], r"has Σ x\^p = 0 \(all its entries are 0\)"),
])
def test_lp_pooling_refuses_window_sums_a_root_cannot_take(values, message):
    spec = {"input": {"shape": [2, 2], "values": values},
            "layers": [{"type": "lppool", "kernel_size": 2, "p": 3}]}
    with pytest.raises(ProblemError, match=message):
        build_problem(spec)


def test_an_indicator_after_lp_pooling_is_refused_for_what_it_is_not_for_missing_values():
    problem = build_problem({"input": {"shape": [4, 4], "values": [[1, 2, 3, 4]] * 4},
                             "layers": [{"type": "lppool", "kernel_size": 2}, {"type": "relu"}],
                             "upstream": {"values": [[1, 2], [3, 4]]}})
    with pytest.raises(ProblemError) as refusal:
        AnswerKey(problem, "X")
    message = str(refusal.value)
    assert "every value is given, but Y1 is computed with roots" in message
    assert "give the values of" not in message
