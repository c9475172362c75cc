"""Notation in worked solutions: one index style per tensor within a document (or as
``index_style`` sets it), \\operatorname{im2col}, every letter of a formula defined where it first
appears, subscripts in math, "1 entry", and no channel label on a tensor without channels."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from symconv import build_problem, build_solution, load_problem, render_solution
from symconv.interface.cli import cli
from symconv.core.errors import ProblemError
from symconv.files.problem_file import parse_problem
from symconv.engine.sections import more

GOLDEN = Path("tests/golden")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(args=list(argv), prog_name="symconv", standalone_mode=False)
    out, err = capsys.readouterr()
    return code, out, err


def test_a_tensor_with_two_digit_indices_has_commas_in_every_entry_of_a_document():
    text = (GOLDEN / "recitation_image_16x12.txt").read_text(encoding="utf-8")
    assert "A_{1,1}" in text and "A_{1,10}" in text and "Z_{1,1}" in text
    assert not re.search(r"\b[AZ]_\d\d\b", text)  # never A_11 beside A_{1,10}
    assert "W_11" in text  # the 3 × 3 kernel keeps its own style
    latex = (GOLDEN / "recitation_image_16x12.tex").read_text(encoding="utf-8")
    assert "A_{1,1}" in latex and not re.search(r"A_\{\d\d\}", latex)


def test_symconv_grad_keeps_writing_each_entry_as_before(capsys):
    code, out, _ = run(capsys, "grad", "examples/recitation_image_16x12.toml", "--wrt", "A",
                       "--entry", "1,1")
    assert code == 0 and out.startswith("∂L/∂A_11 = ∂L/∂Z_11·∂Z_11/∂A_11 = 9·∂L/∂Z_11")


SPEC = '''[input]
shape = [3, 3]
index_base = 1
{style}

[[layers]]
type = "conv"

[layers.weight]
shape = [2, 2]
'''


def test_index_style_comma_writes_commas_everywhere_even_in_grad(capsys, tmp_path):
    path = tmp_path / "p.toml"
    path.write_text(SPEC.format(style='index_style = "comma"'), encoding="utf-8")
    text = render_solution(build_solution(load_problem(path), ("chain",)), "text")
    assert "∂L/∂X_{1,1} = ∂L/∂Y_11·∂Y_11/∂X_{1,1} = ∂L/∂Y_11·W_00" in text
    code, out, _ = run(capsys, "grad", str(path), "--wrt", "X")
    assert code == 0 and out.startswith("∂L/∂X_{1,1} = ∂L/∂Y_11·∂Y_11/∂X_{1,1}")


def test_index_style_compact_and_the_defaults_per_tensor():
    problem = build_problem({"input": {"shape": [11, 3], "name": "A"},
                             "layers": [{"type": "conv", "weight": {"shape": [2, 2]},
                                         "output": {"name": "Z", "index_style": "compact"}}]})
    a, w, z = problem.input, problem.layers[0].weight, problem.layers[0].output
    assert (a.comma_indices, w.comma_indices, z.comma_indices) == (True, False, False)
    assert problem.upstream.comma_indices is False  # ∂L/∂Z_… is written with Z's names


@pytest.mark.parametrize("style, message", [
    ('index_style = "compact"', r"p:4: input.index_style: index_style = \"compact\" would write X_\{1,10\}"
                                r" as X_110, which reads as other indices; use index_style = \"comma\""),
    ('index_style = "commas"', r"p:4: input.index_style: index_style is \"comma\" \(X_\{1,1\}\) or"
                               r" \"compact\" \(X_11\); got 'commas'"),
    ('naming = "flat"\nindex_style = "comma"', r"p:5: input.index_style: index_style is for indexed"
                                               r" names such as X_\{1,2\}; X is named by its position"),
])
def test_a_bad_index_style_is_one_line(style, message):
    with pytest.raises(ProblemError, match=message):
        parse_problem(SPEC.format(style=style).replace("[3, 3]", "[10, 10]"), "p")


def test_the_upstream_written_as_a_derivative_takes_the_outputs_style():
    with pytest.raises(ProblemError, match=r"upstream.index_style: the upstream gradient is written"
                                           r" with Y's names"):
        build_problem({"input": {"shape": [3, 3]}, "upstream": {"index_style": "comma"},
                       "layers": [{"type": "conv", "weight": {"shape": [2, 2]}}]})


def test_words_in_formulas_are_operator_names_and_subscripts_are_math():
    matrix = (GOLDEN / "matrix" / "cs7643_4x4_stride1.tex").read_text(encoding="utf-8")
    assert r"\operatorname{im2col}(X)" in matrix and r"im2\operatorname" not in matrix
    for path in GOLDEN.glob("*.tex"):
        latex = path.read_text(encoding="utf-8")
        assert r"H\_out" not in latex and r"W\_out" not in latex, path.name
    batch = (GOLDEN / "batch_multichannel.tex").read_text(encoding="utf-8")
    assert r"H_{\operatorname{out}}" in batch


def test_the_dilation_is_named_only_where_there_is_one():
    for path in sorted(Path("examples").glob("*.toml")):
        problem = load_problem(path)
        dilated = any(d > 1 for layer in problem.layers
                      for d in getattr(getattr(layer, "geometry", None), "dilation", (1,)))
        text = (GOLDEN / f"{path.stem}.txt").read_text(encoding="utf-8")
        assert dilated or "D(K − 1)" not in text, path.stem


def test_the_closed_form_defines_its_letters_with_their_values():
    text = " ".join((GOLDEN / "notes_strided_5x5.txt").read_text(encoding="utf-8").split())
    assert ("insert S − 1 zeros between the entries of ∂L/∂y (S = 2, the stride), pad it with K − 1"
            " zeros on every side (K = 3, the kernel size)") in text
    assert "Size of the zero-inserted, padded upstream gradient along each axis (O the output size):" in text
    assert "leaves I, the size of x:" in text


def test_one_is_singular():
    assert more(8, 9, "outputs")[0].parts[0].endswith("the last is formed the same way.")
    assert more(7, 9, "outputs")[0].parts[0].endswith("the other 2 are formed the same way.")
    problem = build_problem({"input": {"shape": [2, 2]}, "layers": [
        {"type": "conv", "weight": {"shape": [2, 2]}}]})
    text = render_solution(build_solution(problem, ("dx", "checks"), detail="full"), "text")
    assert "The receptive field mapped back:" in text and "1 entries" not in text


def test_no_channel_label_on_a_tensor_without_channels():
    text = (GOLDEN / "conv3d.txt").read_text(encoding="utf-8")
    assert "c = 0" not in text and "Y_{0,0,0}, k_D = 0" in text
    batch = (GOLDEN / "batch_multichannel.txt").read_text(encoding="utf-8")
    assert "Y_{0,0,0,0}, c = 0" in batch  # an input with channels keeps them


def test_a_size_letter_that_names_a_tensor_says_so():
    text = " ".join(render_solution(build_solution(load_problem("examples/d2l_kernel2matrix.toml"),
                                                   ("shapes",)), "text").split())
    assert ("The output size along each axis (I input, K kernel size (in these formulas, not the"
            " tensor K), P padding, S stride):") in text
