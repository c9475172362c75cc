"""Issue 10's smaller refusals: names written alike, LP pooling's roots of non-positive sums, and
indicators no value given can decide; issue 22's input written channels-last."""

from __future__ import annotations

import pytest

from symconv import build_problem, parse_problem
from symconv.answers import AnswerKey
from symconv.core.errors import ProblemError

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
    assert "every value is given, but Y1 is irrational (the output of the LP pooling)" in message
    assert "give the values of" not in message


@pytest.mark.parametrize("input_shape, weight, message", [
    ([28, 28, 3], "[8, 3, 3, 3]", "p.toml:3: input.shape: shape [28, 28, 3] looks like [H, W, C], channels"
                                  " last, and the weight wants 3 channels; symconv reads [C, H, W]"
                                  " (PyTorch's order): write shape = [3, 28, 28]"),
    ([4, 28, 28, 3], "[8, 3, 3, 3]", "shape [4, 28, 28, 3] looks like [N, H, W, C], channels last,"
                                     " and the weight wants 3 channels; symconv reads [N, C, H, W]"
                                     " (PyTorch's order): write shape = [4, 3, 28, 28]"),
    ([28, 28, 4], "[8, 2, 3, 3]\ngroups = 2", "shape [28, 28, 4] looks like [H, W, C], channels"
                                              " last, and the weight wants 4 channels"),
])
def test_a_channels_last_input_is_named_with_the_shape_to_write(input_shape, weight, message):
    layer = weight.split("\n")
    text = (f"[input]\nname = \"X\"\nshape = {input_shape}\n[[layers]]\ntype = \"conv\"\n"
            + "".join(f"{line}\n" for line in layer[1:])
            + f"[layers.weight]\nshape = {layer[0]}\n")
    with pytest.raises(ProblemError) as error:
        parse_problem(text, "p.toml")
    assert message in str(error.value)


def test_a_channels_last_input_of_a_transposed_convolution_too():
    text = ("dims = 1\n[input]\nshape = [7, 3]\n[[layers]]\ntype = \"conv_transpose\"\n"
            "[layers.weight]\nshape = [3, 2, 2]\n")
    with pytest.raises(ProblemError, match=r"shape \[7, 3\] looks like \[L, C\], channels last.*"
                                           r" symconv reads \[C, L\] \(PyTorch's order\): write shape ="
                                           r" \[3, 7\]"):
        parse_problem(text, "p.toml")


def test_a_channels_first_input_with_the_wrong_channels_keeps_the_weights_message():
    text = "[input]\nshape = [3, 28, 28]\n[[layers]]\ntype = \"conv\"\n[layers.weight]\nshape = [8, 4, 3, 3]\n"
    with pytest.raises(ProblemError, match="the weight has 4 channels per filter but the input has 3"):
        parse_problem(text, "p.toml")
