"""``type = "conv_transpose"``: d2l's worked examples, PyTorch's size rule, the worked sections, and
verify with its mistakes; the padding mistakes of a convolution with pairs.

d2l ("Transposed Convolution", 14.10): X = [[0, 1], [2, 3]] and K = [[0, 1], [2, 3]] give
[[0, 0, 1], [0, 4, 6], [4, 12, 9]]; with stride 2, [[0, 0, 0, 1], [0, 0, 2, 3], [0, 2, 0, 3],
[4, 6, 6, 9]]; with padding 1, [[4]]. Every other expected value here is computed in the test by
plain loops over PyTorch's definition.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from symconv import build_problem, check, derive, load_problem
from symconv.answers import AnswerKey
from symconv.core.document import Paragraph, TensorView
from symconv.core.poly import Symbol
from symconv.render.text import TextPrinter
from symconv.solutions.solution import build_solution, render_solution

from dense_reference import DenseLayer, transposed_size
from helpers import run_cli

D2L_X = [[0, 1], [2, 3]]
D2L_K = [[0, 1], [2, 3]]


def transposed(layer: dict, x=D2L_X, k=D2L_K, **top):
    table = {"type": "conv_transpose", "weight": {"name": "K", "shape": [len(k), len(k[0])],
                                                  "values": k}, **layer}
    return build_problem({"input": {"shape": [len(x), len(x[0])], "values": x}, "layers": [table],
                          **top})


@pytest.mark.parametrize("layer, expected", [
    ({}, [[0, 0, 1], [0, 4, 6], [4, 12, 9]]),
    ({"stride": 2}, [[0, 0, 0, 1], [0, 0, 2, 3], [0, 2, 0, 3], [4, 6, 6, 9]]),
    ({"padding": 1}, [[4]]),
])
def test_d2l_transposed_convolutions(layer, expected):
    problem = transposed(layer)
    assert problem.layers[0].output.values.tolist() == expected


@pytest.mark.parametrize("size, kernel, stride, padding, dilation, output_padding", [
    (3, 3, 2, 1, 1, 1), (4, 2, 3, 0, 1, 2), (2, 3, 1, 2, 2, 1), (5, 1, 2, 0, 1, 0), (3, 2, 1, 0, 3, 2)])
def test_the_output_size_is_pytorchs(size, kernel, stride, padding, dilation, output_padding):
    problem = build_problem({"dims": 1, "input": {"shape": [size]}, "layers": [
        {"type": "conv_transpose", "stride": stride, "padding": padding, "dilation": dilation,
         "output_padding": output_padding, "weight": {"shape": [kernel]}}]})
    # torch.nn.ConvTranspose1d's documented formula
    assert problem.layers[0].output.shape == (
        (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1,)


def test_keras_same_gives_stride_times_the_input():
    for size, kernel, stride in [(3, 3, 2), (3, 2, 2), (4, 1, 3), (2, 4, 2)]:
        problem = build_problem({"dims": 1, "input": {"shape": [size]}, "layers": [
            {"type": "conv_transpose", "stride": stride, "padding": "same",
             "weight": {"shape": [kernel]}}]})
        assert problem.layers[0].output.shape == (size * stride,)


def mapped(problem, count):
    """The output when only the first ``count`` input entries are kept: by the dense reference."""
    layer = problem.layers[0]
    g = layer.geometry
    w = np.array(layer.weight.values.tolist(), dtype=int).reshape(g.weight_shape)
    dense = DenseLayer("conv_transpose", (1, 1, *layer.input.shape), w, g.stride, g.padding,
                       g.dilation, g.groups, layer.output_padding)
    x = np.array(layer.input.values.tolist(), dtype=int).reshape(-1)
    x[count:] = 0
    return dense.forward(x).reshape(layer.output.shape)


@pytest.mark.parametrize("layer", [{"stride": 2}, {"stride": 2, "padding": 1, "output_padding": 1},
                                   {"dilation": 2}])
def test_the_forward_section_shows_where_each_input_entry_lands(layer):
    x = [[1, -2, 3], [0, 2, -1], [4, 1, 2]]
    problem = transposed(layer, x=x, k=[[1, 2], [-1, 3]])
    [section] = build_solution(problem, ("forward",), detail="full").sections
    blocks = list(section.blocks)
    counts = []
    for number, block in enumerate(blocks):
        if isinstance(block, Paragraph) and str(block.parts[0]).startswith("Where the first"):
            words = str(block.parts[0]).split()
            count = 1 if words[3] == "input" else int(words[3])
            view = blocks[number + 1]
            assert isinstance(view, TensorView)
            assert view.array.tolist() == mapped(problem, count).tolist()
            counts.append(count)
    assert counts == [1, 2, 3, 4]
    text = render_solution(build_solution(problem, ("forward",), detail="full"), "text")
    y = problem.layers[0].output.values
    first = re.search(r"\n  Y_00 = (.*) = (-?\d+)\n", text)
    assert int(first.group(2)) == y[0, 0]
    if not layer.get("padding"):  # the kernel's first entry lands on the first output
        assert first.group(1) == "X_00·K_00"


def test_every_section_renders_in_every_format_and_the_checks_agree():
    problem = build_problem({"input": {"shape": [2, 2, 3]}, "layers": [
        {"type": "conv_transpose", "stride": [2, 1], "padding": [[1, 0], [0, 1]], "groups": 2,
         "output_padding": [1, 0], "weight": {"shape": [2, 2, 2, 2]}, "bias": {"name": "b"}}]})
    solution = build_solution(problem, detail="full")
    assert [s.name for s in solution.sections] == [
        "shapes", "forward", "dw", "dx", "db", "chain", "closed-form", "matrix", "connect", "connect",
        "checks"]
    for output_format in ("text", "latex", "markdown"):
        assert "DISAGREE" not in render_solution(solution, output_format)
    assert check(problem).ok


def test_verify_accepts_the_right_answer_and_names_a_rotated_kernel():
    x, k = [[1, -2], [3, 1]], [[1, 2, 0], [-1, 3, 2], [2, 0, 1]]
    dy = np.arange(1, 17).reshape(4, 4) % 7 - 3  # (2 − 1)·2 − 2·1 + 3 + 1 = 4 per axis
    problem = transposed({"stride": 2, "padding": 1, "output_padding": 1}, x=x, k=k,
                         upstream={"values": dy.tolist()})
    layer = problem.layers[0]
    g = layer.geometry
    w = np.array(k)

    def input_gradient(kernel):
        dense = DenseLayer("conv_transpose", (1, 1, 2, 2), kernel.reshape(1, 1, 3, 3), g.stride,
                           g.padding, g.dilation, 1, layer.output_padding)
        return dense.backward(np.array(x), dy)[0].reshape(2, 2)

    right, rotated = input_gradient(w), input_gradient(w[::-1, ::-1])
    key = AnswerKey(problem, "X")
    grid = lambda a: "\n".join(" ".join(str(int(v)) for v in row) for row in a)  # noqa: E731
    assert key.check(grid(right)).ok
    verdict = key.check(grid(rotated))
    assert not verdict.ok and verdict.diagnosis.mistake.key == "kernel-rotated"


def test_padding_removed_at_one_side_with_padding_pairs():
    """A convolution with padding (1 before, 2 after): the student crops the padded gradient at
    the wrong place; computed here by scattering by hand."""
    h, kernel, (before, after) = 4, 2, (1, 2)
    rng = np.random.default_rng(3)
    x, w = rng.integers(-4, 5, (h, h)), rng.integers(-4, 5, (kernel, kernel))
    out = h + before + after - kernel + 1
    dy = rng.integers(-4, 5, (out, out))
    problem = build_problem({"input": {"shape": [h, h], "values": x.tolist()}, "layers": [
        {"type": "conv", "padding": [[before, after], [before, after]],
         "weight": {"shape": [kernel, kernel], "values": w.tolist()}}],
        "upstream": {"values": dy.tolist()}})
    padded = np.zeros((h + before + after,) * 2, dtype=int)
    for a in range(out):
        for b in range(out):
            padded[a:a + kernel, b:b + kernel] += dy[a, b] * w
    key = AnswerKey(problem, "X")
    grid = lambda a: "\n".join(" ".join(str(int(v)) for v in row) for row in a)  # noqa: E731
    assert key.check(grid(padded[before:before + h, before:before + h])).ok
    total = before + after
    for name, answer in (("padding-removed-at-end", padded[:h, :h]),
                         ("padding-removed-at-start", padded[total:total + h, total:total + h])):
        verdict = key.check(grid(answer))
        assert verdict.diagnosis.mistake.key == name, name


def test_transposed_size_helper_matches_the_layer():
    """The tests' own size formula (dense_reference) and symconv's agree on a 3-D layer."""
    problem = build_problem({"dims": 3, "input": {"shape": [2, 2, 3]}, "layers": [
        {"type": "conv_transpose", "stride": [1, 2, 3], "padding": [[0, 1], [1, 0], [0, 0]],
         "output_padding": [0, 1, 2], "weight": {"shape": [2, 3, 2]}}]})
    assert problem.layers[0].output.shape == tuple(
        transposed_size(h, k, s, b, a, 1, op) for h, k, s, (b, a), op in
        zip((2, 2, 3), (2, 3, 2), (1, 2, 3), ((0, 1), (1, 0), (0, 0)), (0, 1, 2)))
    assert derive(problem).gradient("X").term_count > 0


@pytest.mark.parametrize("example, entry, flat", [
    ("examples/conv_transpose_upsample.toml", "X:1,1", 4),
    ("examples/conv3d.toml", "X:1,1,1", 13),
    ("examples/keras_same.toml", "X:5,5", 35),
])
def test_connect_lists_the_outputs_the_dense_reference_connects(capsys, example, entry, flat):
    assert run_cli(["connect", example, "--entry", entry]) == 0
    out = capsys.readouterr().out
    listed = re.search(r"is read by \d+ outputs?: (.*?)\.\n\n", out, re.S).group(1)
    listed = listed.replace("\n", " ").split(", ")
    layer = load_problem(example).layers[0]
    g = layer.geometry
    transposed_layer = layer.kind == "conv_transpose"
    numbered = np.arange(1, layer.weight.size + 1).reshape(g.weight_shape)
    dense = DenseLayer(layer.kind, g.output_shape if transposed_layer else g.input_shape, numbered,
                       g.stride, g.padding, g.dilation, g.groups,
                       layer.output_padding if transposed_layer else None)
    expected = [TextPrinter().doprint(Symbol(layer.output, int(o)))
                for o in np.flatnonzero(dense.matrix[:, flat])]
    assert listed == expected
