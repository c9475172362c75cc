"""The "why" of each step, told with the problem's own entries and numbers, where the step is first
used: checked against the layers' definitions, computed here (not by the engine)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from symconv import build_solution, load_problem, render_solution
from symconv.problems.checks import forward_values
from tests.helpers import exact_leaves


def text_of(example: str, sections=None) -> str:
    solution = build_solution(load_problem(f"examples/{example}.toml"), sections)
    return " ".join(render_solution(solution, "text").split())


@pytest.mark.parametrize("output_format", ["latex", "markdown", "text", "html"])
def test_each_explanation_is_said_once_in_every_format(output_format):
    document = render_solution(build_solution(load_problem("examples/homework_5x5.toml")), output_format)
    for question in ("Why is the kernel rotated?", "Why a correlation?"):
        assert document.count(question) == 1, question
    # where the step is first used: the correlation with ∂E/∂B, the rotation in the closed form
    assert document.index("Why a correlation?") < document.index("Why is the kernel rotated?")


def test_the_rotation_names_the_homeworks_entries_as_the_convolution_pairs_them():
    text = text_of("homework_5x5", ("closed-form",))
    said = re.search(r"Why is the kernel rotated\? A_33 meets (.*?)\. In general A_\{ij\} meets"
                     r" B_\{mn\} in C_\{i−m\+1,j−n\+1\}: as the output index goes up, the kernel"
                     r" index goes down\.", text)
    pairs = re.findall(r"B_(\d)(\d) in C_(\d)(\d)", said.group(1))
    # C_pq = Σ_mn A_(p+m−1)(q+n−1)·B_mn (1-based): A_33 meets B_mn in C_(3−m+1)(3−n+1)
    expected = sorted((str(m), str(n), str(3 - m + 1), str(3 - n + 1))
                      for m in range(1, 4) for n in range(1, 4))
    assert sorted(pairs) == expected and len(pairs) == 9


def test_the_zero_insertion_names_the_skipped_window_starts():
    text = text_of("notes_strided_5x5", ("closed-form",))
    assert ("Why are zeros inserted? Without the stride S = 2, along each axis the windows could start"
            " at 0, 1, 2; the stride keeps 0, 2 and skips 1.") in text
    assert "(the window between y_00 and y_01 is one)" in text
    assert "Why are zeros inserted?" not in text_of("homework_5x5", ("closed-form",))  # stride 1


def notes_weight_gradient(x: np.ndarray, dy: np.ndarray, stride: int, kernel: int) -> np.ndarray:
    """The notes' grad w = Rot180(Inserted Grad y * x): zeros inserted into ∂L/∂y, padded by
    K − 1, x slid over it (the sum of element-wise products at each place), rotated by 180°."""
    inserted = np.zeros((stride * (dy.shape[0] - 1) + 1,) * 2)
    inserted[::stride, ::stride] = dy
    padded = np.pad(inserted, kernel - 1)
    size = padded.shape[0] - x.shape[0] + 1
    slid = np.array([[np.sum(padded[i:i + x.shape[0], j:j + x.shape[1]] * x) for j in range(size)]
                     for i in range(size)])
    return np.rot90(slid, 2)


@pytest.mark.parametrize("example, stride", [("notes_strided_5x5", 2), ("homework_5x5", 1)])
def test_the_notes_rot180_form_is_the_weight_gradient_as_the_document_says(example, stride):
    problem = load_problem(f"examples/{example}.toml")
    layer = problem.layers[0]
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, layer.input.shape)
    dy = rng.uniform(-1, 1, layer.output.shape)
    w = rng.uniform(-1, 1, layer.weight.shape)
    params = {layer.weight.name: w, **({layer.bias.name: np.zeros(layer.bias.shape)} if layer.bias else {})}
    expected = layer.reference_backward(x, params, dy)[layer.weight.name]
    assert notes_weight_gradient(x, dy, stride, 3) == pytest.approx(expected)
    text = text_of(example, ("dw",))
    assert "The course notes write it grad w = Rot 180°(Inserted Grad y * x)" in text


def test_the_weight_gradients_general_term_is_the_homeworks():
    text = text_of("homework_5x5", ("dw",))
    assert "so ∂E/∂B_12 = Σ_{i=1..3} Σ_{j=1..3} ∂E/∂C_{ij}·A_{i,j+1}: ∂E/∂C slides over A like a kernel" in text


def test_max_pooling_says_why_one_entry_with_the_first_windows_numbers():
    text = text_of("homework_maxpool", ("dx",))
    c = load_problem("examples/homework_maxpool.toml").input.values
    first = [c[0, 0], c[0, 1], c[1, 0], c[1, 1]]
    assert max(first) == c[0, 0] == 109  # the handout's C: C_11 is the first window's maximum
    assert ("Why one entry? Z_11 = max(C_11, C_12, C_21, C_22) = C_11 = 109: a small change of C_12,"
            " C_21 or C_22 leaves the maximum where it is") in text


def test_average_pooling_says_why_a_quarter():
    text = text_of("notes_avgpool_4x4", ("dx",))
    assert ("Why a share? z_00 = 1/4·(y_00 + y_01 + y_10 + y_11) counts each of its 4 entries once in"
            " a mean, so a change of y_01 moves z_00 by 1/4 of it: ∂z_00/∂y_01 = 1/4, the notes' 1/k²"
            " with k = 2.") in text


def test_a_transposed_convolution_says_why_nothing_is_rotated():
    problem = load_problem("examples/conv_transpose_upsample.toml")
    text = text_of("conv_transpose_upsample", ("dx",))
    said = re.search(r"Why is nothing rotated\? X_00's product lands with (.*?): the output index"
                     r" goes up with the kernel index", text).group(1)
    pairs = re.findall(r"W_(\d)(\d) in Y_(\d)(\d)", said)
    layer = problem.layers[0]
    stride, padding = layer.geometry.stride[0], layer.geometry.pad_before[0]
    # PyTorch's ConvTranspose: X_ij's product with W_mn lands on Y_(i·S − P + m)(j·S − P + n)
    for m, n, row, column in pairs:
        assert (int(row), int(column)) == (0 * stride - padding + int(m), 0 * stride - padding + int(n))
    assert len(pairs) == 4  # the offsets that land inside Y


def test_relu_says_why_a_mask_with_the_inputs_own_values():
    problem = load_problem("examples/chain_conv_relu_maxpool.toml")
    values = forward_values(problem, exact_leaves(problem))
    y1 = np.asarray(values[problem.layers[0].output], dtype=float).reshape(-1)
    assert (y1[1], y1[0]) == (3, -1)
    text = text_of("chain_conv_relu_maxpool", ("dx",))
    assert "Y1_01 = 3 passes ∂L/∂Y2_01; Y1_00 = −1 stops ∂L/∂Y2_00." in text
