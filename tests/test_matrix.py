"""The matrix view: vec(Y) = C·vec(X) + vec(b), vec(∂L/∂X) = Cᵀ·vec(∂L/∂Y), ∂L/∂W by im2col.

d2l's ``kernel2matrix`` (Dive into Deep Learning, "Transposed Convolution", 14.10.4): a 3×3
input and the kernel [[1, 2], [3, 4]] give the 4×9 matrix printed in the book, below as written
there.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from symconv import build_problem, derive
from symconv.core.document import Document, TensorView, settle
from symconv.problems.matrix import MAX_SIDE, matrix_of, matrix_section
from symconv.engine.sections import FULL, Context
from symconv.solutions.solution import build_solution

from dense_reference import DenseLayer
from helpers import run_cli

D2L = """[input]
shape = [3, 3]
[[layers]]
type = "conv"
[layers.weight]
name = "K"
shape = [2, 2]
values = [[1, 2], [3, 4]]
"""
# d2l's kernel2matrix(K): tensor([[1., 2., 0., 3., 4., 0., 0., 0., 0.], …])
D2L_MATRIX = [[1, 2, 0, 3, 4, 0, 0, 0, 0],
              [0, 1, 2, 0, 3, 4, 0, 0, 0],
              [0, 0, 0, 1, 2, 0, 3, 4, 0],
              [0, 0, 0, 0, 1, 2, 0, 3, 4]]


def write(tmp_path, text, name="p.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def run(capsys, *argv):
    status = run_cli(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_d2l_kernel2matrix_is_the_4_by_9_matrix_of_the_book(tmp_path, capsys):
    status, out, err = run(capsys, "matrix", write(tmp_path, D2L), "--format", "json")
    assert (status, err) == (0, "")
    found = json.loads(out)
    assert (found["rows"], found["cols"]) == (4, 9)
    dense = np.zeros((4, 9), dtype=int)
    for entry in found["entries"]:
        assert entry["value"] != 0  # non-zeros only
        dense[entry["row"], entry["col"]] = entry["value"]
    assert dense.tolist() == D2L_MATRIX
    # the entries name the kernel entry each one is: K_0_0 is 1, K_1_1 is 4
    assert {(e["expr"], e["value"]) for e in found["entries"]} == {
        ("K_0_0", 1), ("K_0_1", 2), ("K_1_0", 3), ("K_1_1", 4)}
    assert [(e["row"], e["col"]) for e in found["entries"]] == sorted(
        (r, c) for r in range(4) for c in range(9) if D2L_MATRIX[r][c])


def test_d2l_matrix_printed_as_text_and_latex(tmp_path, capsys):
    path = write(tmp_path, D2L)
    status, out, err = run(capsys, "matrix", path)
    assert (status, err) == (0, "")
    rows = [line for line in out.split("\n") if "⎡ 1" in line or "⎢ 0" in line or "⎣ 0" in line]
    assert [" ".join(line.split()[-10:-1]) for line in rows] == [
        " ".join(map(str, row)) for row in D2L_MATRIX]
    status, out, err = run(capsys, "matrix", path, "--format", "latex")
    assert status == 0 and r"\begin{bmatrix} 1 & 2 & 0 & 3 & 4 & 0 & 0 & 0 & 0 \\" in out


def test_c_times_vec_x_is_the_correlation_and_its_transpose_the_input_gradient():
    problem = build_problem({"input": {"shape": [3, 3], "values": np.arange(9).reshape(3, 3).tolist()},
                             "layers": [{"type": "conv", "weight": {"name": "K", "shape": [2, 2],
                                                                    "values": [[1, 2], [3, 4]]}}],
                             "upstream": {"values": [[1, -1], [2, 0]]}})
    layer = problem.layers[0]
    c = matrix_of(layer).dense().astype(int)
    x = np.arange(9)
    # the cross-correlation written out by hand
    expected = [sum(x.reshape(3, 3)[i + a, j + b] * [[1, 2], [3, 4]][a][b]
                    for a in range(2) for b in range(2)) for i in range(2) for j in range(2)]
    assert (c @ x).tolist() == expected == layer.output.values.reshape(-1).tolist()
    dx = derive(problem).gradient("X").polys()
    assert [p.number for p in dx] == (c.T @ np.array([1, -1, 2, 0])).tolist()


def section_of(problem, layer):
    document = Document("", (), (matrix_section(Context(problem, derive(problem), FULL), layer),))
    return settle(document, repeat=True).sections[0]


@pytest.mark.parametrize("layer", [
    {"type": "conv", "stride": 2, "padding": [[1, 0], [0, 1]], "weight": {"shape": [2, 3, 2, 2]},
     "bias": {"name": "b"}},
    {"type": "conv_transpose", "stride": [2, 1], "padding": 1, "output_padding": [1, 0],
     "groups": 3, "weight": {"shape": [3, 1, 3, 2]}},
])
def test_the_section_shows_the_dense_c_its_transpose_and_the_im2col_product(layer):
    problem = build_problem({"input": {"shape": [3, 3, 4]}, "layers": [layer]})
    found = section_of(problem, problem.layers[0])
    views = {str(block.label.text) if hasattr(block.label, "text") else None: block
             for block in found.blocks if isinstance(block, TensorView)}
    layer = problem.layers[0]
    w = np.arange(1, layer.weight.size + 1).reshape(layer.weight.shape)
    g = layer.geometry
    dense = DenseLayer(layer.kind, (1, *layer.input.shape), w, g.stride, g.padding, g.dilation,
                       g.groups, getattr(layer, "output_padding", None))
    c = views["C"].array
    named = np.vectorize(lambda v: 0 if v == 0 else v.flat + 1, otypes=[int])(c)
    assert named.tolist() == dense.matrix.tolist()
    derivation = derive(problem)
    for name in (layer.input.name, layer.weight.name):  # Cᵀ·vec(∂L/∂Y) and im2col: the chain rule
        gradient = next(b for b in found.blocks if isinstance(b, TensorView)
                        and b.tensor.name == name and b.gradient_of)
        assert list(gradient.array.reshape(-1)) == derivation.gradient(name).polys()


def test_solve_has_a_matrix_section_when_the_layer_is_small_enough():
    small = build_problem({"input": {"shape": [4, 4]}, "layers": [
        {"type": "conv", "weight": {"shape": [2, 2]}}]})
    assert [s.name for s in build_solution(small, ("matrix",), detail="full").sections] == ["matrix"]
    side = MAX_SIDE + 1  # C has MAX_SIDE + 1 columns
    large = build_problem({"dims": 1, "input": {"shape": [side]}, "layers": [
        {"type": "conv", "weight": {"shape": [1]}}]})
    assert build_solution(large, ("matrix",), detail="full").sections == ()


def test_too_large_a_matrix_is_refused_with_its_size_and_the_limit(tmp_path, capsys):
    path = write(tmp_path, f'dims = 1\n[input]\nshape = [{MAX_SIDE + 6}]\n[[layers]]\ntype = "conv"\n'
                           f'[layers.weight]\nshape = [3]\n')
    status, out, err = run(capsys, "matrix", path)
    assert (status, out) == (2, "")
    assert err == (f"symconv: error: {path}:4: layers[0]: the matrix C of this layer is"
                   f" {MAX_SIDE + 4} × {MAX_SIDE + 6}, over the limit of {MAX_SIDE} × {MAX_SIDE}"
                   f" that symconv prints; --format json gives C's non-zero entries, or take a"
                   f" smaller input (e.g. 5 × 5)\n")
    status, out, err = run(capsys, "matrix", path, "--format", "json")  # non-zeros: any size
    assert status == 0 and len(json.loads(out)["entries"]) == 3 * (MAX_SIDE + 4)


def test_layer_choice(capsys):
    chain = "examples/chain_conv_relu_maxpool_symbolic.toml"
    status, out, err = run(capsys, "matrix", chain, "--layer", "Y2")
    assert (status, out) == (2, "")
    assert err == ("symconv: error: the relu layer writing Y2 is not a matrix product; the matrix"
                   " view is for conv and conv_transpose layers\n")
    status, out, err = run(capsys, "matrix", chain, "--layer", "Q")
    assert err == ("symconv: error: no layer writes a tensor named 'Q'; --layer takes a layer's"
                   " output name: Y1, Y2, Y3\n")
    status, out, err = run(capsys, "matrix", "examples/homework_maxpool.toml")
    assert (status, err) == (2, "symconv: error: no layer of this problem is a matrix product; the"
                                " matrix view is for conv and conv_transpose layers\n")
    status, out, err = run(capsys, "matrix", chain, "--layer", "Y1", "--format", "json")
    assert status == 0 and json.loads(out)["rows"] == 16


def test_quick_question_matrix(capsys):
    status, out, err = run(capsys, "matrix", "--input", "3x3", "--kernel", "2x2", "--format", "json")
    assert status == 0 and json.loads(out)["cols"] == 9


@pytest.mark.parametrize("output_format", ["text", "latex", "json"])
def test_the_python_api_gives_what_the_command_prints(output_format, tmp_path):
    from helpers import run_cli
    from symconv import load_problem
    from symconv.solutions.solution import render_matrix

    target = tmp_path / "out"
    assert run_cli(["matrix", "examples/d2l_kernel2matrix.toml", "--format", output_format,
                    "-o", target]) == 0
    problem = load_problem("examples/d2l_kernel2matrix.toml")
    assert render_matrix(problem, None, output_format) == target.read_text(encoding="utf-8")
    if output_format == "json":  # d2l's kernel2matrix: rows of [1, 2, 0, 3, 4, 0, 0, 0, 0] shifted
        entries = json.loads(target.read_text())["entries"]
        dense = np.zeros((4, 9), dtype=int)
        for entry in entries:
            dense[entry["row"], entry["col"]] = entry["value"]
        assert dense.tolist() == [[1, 2, 0, 3, 4, 0, 0, 0, 0], [0, 1, 2, 0, 3, 4, 0, 0, 0],
                                  [0, 0, 0, 1, 2, 0, 3, 4, 0], [0, 0, 0, 0, 1, 2, 0, 3, 4]]


def test_a_matrix_listed_entry_by_entry_names_its_entries_by_row_and_column():
    """An im2col matrix too wide for a line is listed by its own rows and columns: it used to be
    listed under the weight's name, whose 16 entries wrapped around for its 48."""
    from symconv import build_problem
    from symconv.solutions.solution import build_solution, render_solution

    problem = build_problem({"input": {"shape": [2, 2, 3]}, "layers": [
        {"type": "conv_transpose", "stride": [2, 1], "padding": [[1, 0], [0, 1]], "groups": 2,
         "output_padding": [1, 0], "weight": {"shape": [2, 2, 2, 2]}}]})
    text = render_solution(build_solution(problem, ("matrix",), detail="full"), "text")
    listed = text[text.index("im2col(∂L/∂Y) (group 1) (8 × 6) has entries too long"):]
    # row 1's first non-zero entries, named by row and column (they were W_{0,0,1,1}, W_{0,1,0,0})
    assert "\n  im2col_{1,4} = ∂L/∂Y_{0,1,0}\n  im2col_{1,5} = ∂L/∂Y_{0,1,1}\n" in listed
    assert "W_{" not in listed.split("\n\n")[1]
