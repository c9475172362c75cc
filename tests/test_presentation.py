"""What worked solutions say, checked against an independent reading of the problem: sizes a
student can follow, running sums named as the partial gradients they are, slice labels, titles,
ties, skipped finite differences and numbers carried through chains (issue 9)."""

from __future__ import annotations

import ast
import operator
import re

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from symconv import build_problem
from symconv.core.document import Display, Equation, Formula
from symconv.solutions.solution import build_solution, render_solution

from tests.test_solution import conv_specs


def section(solution, name):
    return next(s for s in solution.sections if s.name == name)


def equations(blocks) -> list[Equation]:
    return [row for block in blocks if isinstance(block, Display) for row in block.rows
            if isinstance(row, Equation)]


OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul}


def arithmetic(text: str) -> int:
    """``7 + 1 − 2·1`` as a number: whole numbers, + − · and parentheses only (our own reading)."""
    tree = ast.parse(text.replace("−", "-").replace("·", "*"), mode="eval").body

    def value(node) -> int:
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
            return OPERATORS[type(node.op)](value(node.left), value(node.right))
        raise AssertionError(f"not plain arithmetic: {text!r}")

    return value(tree)


# -- closed form: the sizes a student follows ------------------------------------------------------


def closed_form_sizes(spec) -> dict[str, dict[str, Equation]]:
    """The closed form's size equations by axis: {"H": {"size": …, "full": …, "I": …}}."""
    problem = build_problem(spec)
    blocks = section(build_solution(problem, ("closed-form",), detail="full"), "closed-form").blocks
    found: dict[str, dict[str, Equation]] = {}
    for equation in equations(blocks):
        left = equation.sides[0]
        if isinstance(left, Formula) and re.fullmatch(r"(size|full|I)_[DHWL]", left.text):
            what, axis = left.text.split("_")
            found.setdefault(axis, {})[what] = equation
    return found


@settings(max_examples=60, deadline=None)
@given(conv_specs())
def test_closed_form_sizes_add_up_to_the_input_size_floor_remainder_included(spec):
    sizes = closed_form_sizes(spec)
    dims = spec["dims"]
    layer = spec["layers"][0]
    for position, axis in enumerate("L" if dims == 1 else "HW"):
        h, k = spec["input"]["shape"][-dims + position], layer["weight"]["shape"][-dims + position]
        s, p, d = layer["stride"][position], layer["padding"][position], layer["dilation"][position]
        out = (h + 2 * p - d * (k - 1) - 1) // s + 1
        inserted = np.pad(np.zeros(s * (out - 1) + 1), d * (k - 1))  # zero-inserted, padded
        span = d * (k - 1) + 1  # the dilated kernel
        full = len(np.correlate(inserted, np.ones(span), mode="valid"))
        for what, expected in (("size", len(inserted)), ("full", full), ("I", h)):
            equation = sizes[axis][what]
            numbers = [side for side in equation.sides[1:-1]
                       if isinstance(side, Formula) and not re.search(r"[A-Z]", side.text)]
            assert numbers, equation  # the arithmetic with the numbers is written out
            assert equation.sides[-1] == expected, (what, equation)
            assert all(arithmetic(side.text) == expected for side in numbers), (what, equation)


def test_six_by_six_stride_two_pads_the_full_correlation_by_what_the_floor_dropped():
    spec = {"input": {"shape": [6, 6]},
            "layers": [{"type": "conv", "stride": 2, "padding": 1, "weight": {"shape": [3, 3]}}]}
    sizes = closed_form_sizes(spec)["H"]
    assert [sizes[w].sides[-1] for w in ("size", "full", "I")] == [9, 7, 6]
    assert sizes["I"].sides[-2] == Formula("7 + 1 − 2·1")
    problem = build_problem(spec)
    text = " ".join(render_solution(build_solution(problem, ("closed-form",), detail="full"),
                                    "text").split())
    assert "the floor dropped R = 1: the padded X has 6 + 2·1 = 7 + 1 rows" in text


# -- checks: skipped finite differences -------------------------------------------------------------


def test_checks_section_says_how_many_finite_differences_were_skipped_at_kinks():
    from symconv import load_problem
    from symconv.problems.checks import check
    from symconv.render.text_document import TextDocumentPrinter

    problem = load_problem("examples/chain_conv_relu_maxpool_symbolic.toml")
    report = check(problem, seed=0)
    skipped = {row.tensor: (row.fd_skipped, row.fd_skipped + row.fd_entries) for row in report.rows
               if row.fd_skipped}
    assert skipped  # X at ReLU's zeros and the tie; every entry of w (the example says so)
    blocks = section(build_solution(problem, ("checks",), seed=0, detail="full"), "checks").blocks
    printer = TextDocumentPrinter("L")
    text = " ".join(printer.doprint(block) for block in blocks).replace("\n", " ")
    for name, (count, tried) in skipped.items():
        assert f"{name}: {count} of {tried} entries tried" in text, text
        if count == tried:
            assert re.search(rf"∂L/∂{name}: [^—]*finite differences skipped at all {tried} entries",
                             text), text
        else:
            assert re.search(rf"∂L/∂{name}: [^—]*\({tried - count} entries; {count} more skipped at"
                             " kinks\\)", text), text


def test_the_checks_name_the_problems_layer_types_by_the_names_they_register(monkeypatch):
    """No layer kind is written into the printers: the report's words come from the layer types."""
    from dataclasses import replace

    from symconv import build_problem, load_problem
    from symconv.problems.checks import check
    from symconv.layers import LAYER_TYPES
    from symconv.render.text import render_text

    pooled = build_problem({"input": {"shape": [3, 3]},
                            "layers": [{"type": "relu"}, {"type": "lppool", "kernel_size": 2, "stride": 1}]})
    report = check(pooled, seed=0)
    assert (report.without_closed_form, report.not_matrix_products) == (("ReLU", "LP pooling"),) * 2
    assert "has one (ReLU and LP pooling have none)" in render_text(report)
    chain = check(load_problem("examples/chain_conv_relu_maxpool_symbolic.toml"), seed=0)
    assert (chain.not_matrix_products, chain.with_kinks) == (("ReLU", "max pooling"),) * 2
    assert "a step of ±h there crosses a kink of ReLU or max pooling, so" in render_text(chain)
    assert "matrix product (ReLU and max pooling are not)" in render_text(chain)
    monkeypatch.setitem(LAYER_TYPES, "relu", replace(LAYER_TYPES["relu"], name="the rectifier"))
    assert "(the rectifier and LP pooling have none)" in render_text(check(pooled, seed=0))


# -- automatic titles ------------------------------------------------------------------------------


def automatic_title(spec) -> str:
    return build_solution(build_problem(spec), ("shapes",), detail="full").document.title


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 2), st.integers(1, 3), st.integers(1, 2), st.integers(0, 1), st.booleans())
def test_conv_title_states_the_whole_weight_shape_stride_padding_and_dilation(
        filters, channels, stride, padding, dilated):
    dilation = 2 if dilated else 1
    spec = {"input": {"shape": [channels, 7, 7]},
            "layers": [{"type": "conv", "stride": stride, "padding": padding, "dilation": dilation,
                        "weight": {"shape": [filters, channels, 3, 2]}}]}
    expected = (f"{channels} × 7 × 7 input, {filters} × {channels} × 3 × 2 weight, stride {stride},"
                f" padding {padding}" + (", dilation 2" if dilated else ""))
    assert automatic_title(spec) == expected


def test_titles_name_pooling_relu_and_every_layer_of_a_chain():
    pool = {"type": "maxpool", "kernel_size": 2, "stride": 1}
    assert automatic_title({"input": {"shape": [4, 4]}, "layers": [pool]}) == (
        "4 × 4 input, 2 × 2 max pooling, stride 1")
    assert automatic_title({"input": {"shape": [4, 4]},
                            "layers": [{"type": "avgpool", "kernel_size": [2, 1], "padding": [1, 0]}]}
                           ) == "4 × 4 input, 2 × 1 average pooling, stride (2, 1), padding (1, 0)"
    assert automatic_title({"input": {"shape": [4, 4]},
                            "layers": [{"type": "lppool", "kernel_size": 2, "p": 3}]}) == (
        "4 × 4 input, 2 × 2 LP pooling (p = 3), stride 2")
    assert automatic_title({"input": {"shape": [4, 4]}, "layers": [{"type": "relu"}, pool]}) == (
        "4 × 4 input, ReLU → 2 × 2 max pooling, stride 1")
    conv = {"type": "conv", "weight": {"shape": [2, 2]}}
    assert automatic_title({"input": {"shape": [5, 5]}, "layers": [conv, {"type": "relu"}, pool]}) == (
        "5 × 5 input, 2 × 2 kernel, stride 1, padding 0 → ReLU → 2 × 2 max pooling, stride 1")


# -- an output's index base ------------------------------------------------------------------------

SLIDES = {"dims": 1, "input": {"name": "x", "shape": [5], "naming": "flat"},
          "layers": [{"type": "conv", "output": {"name": "y", "index_base": 1},
                      "weight": {"name": "w", "shape": [3], "naming": "flat"}}],
          "upstream": {"name": "dy", "naming": "flat", "index_base": 1}}


def test_an_output_table_sets_its_index_base_so_y1_goes_with_dy1():
    from symconv.render.text_document import TextDocumentPrinter

    problem = build_problem(SLIDES)
    y = problem.layers[0].output
    assert (y.name, y.index_base) == ("y", 1)
    chain = section(build_solution(problem, ("chain",), detail="full"), "chain")
    text = "\n".join(TextDocumentPrinter("L").doprint(block) for block in chain.blocks)
    # ∂L/∂x0 = ∂L/∂y_1·∂y_1/∂x0 = dy1·w0: the first output is y_1, whose upstream entry is dy1
    assert "∂L/∂x0 = ∂L/∂y_1·∂y_1/∂x0 = dy1·w0" in text
    assert "y_0" not in text
    # a later layer's output takes its input's index base, as before; a name alone still works
    chained = build_problem({**SLIDES, "layers": [*SLIDES["layers"], {"type": "relu", "output": "z"}]})
    assert [(l.output.name, l.output.index_base) for l in chained.layers] == [("y", 1), ("z", 1)]
    assert build_problem({**SLIDES, "layers": [{**SLIDES["layers"][0], "output": {"name": "y"}}]}
                         ).layers[0].output.index_base == 0


@pytest.mark.parametrize("output, where, message", [
    (3, "layers[0].output", 'output is a name such as "Y", or a table such as'
                            ' { name = "y", index_base = 1 }; got 3'),
    ({"name": "y", "index_base": 2}, "layers[0].output.index_base", "index_base must be 0 or 1"),
    ({"name": "y", "naming": "flat"}, "layers[0].output.naming",
     "an output takes only name and index_base, not naming"),
    ({"name": "y", "indexbase": 1}, "layers[0].output.indexbase",
     "unknown key 'indexbase' in layers[0].output; did you mean 'index_base'?"),
    ({"name": "2y"}, "layers[0].output.name", "a name is a letter followed by letters or digits"),
])
def test_a_bad_output_is_one_clear_message_with_its_place(output, where, message):
    from symconv.core.spec import SpecError

    spec = {**SLIDES, "layers": [{**SLIDES["layers"][0], "output": output}]}
    with pytest.raises(SpecError) as error:
        build_problem(spec)
    assert error.value.where == where and message in str(error.value), str(error.value)


def test_readme_output_table_is_read_as_written():
    import tomllib

    readme = open("README.md", encoding="utf-8").read()
    table = re.search(r"# table (\{ name = \"y\", index_base = 1 \})", readme).group(1)
    output = tomllib.loads(f"output = {table}")["output"]
    problem = build_problem({**SLIDES, "layers": [{**SLIDES["layers"][0], "output": output}]})
    assert problem.layers[0].output.index_base == 1


# -- slice labels ------------------------------------------------------------------------------------

MIXED_BASES = {"input": {"name": "A", "shape": [2, 2, 4, 4], "index_base": 1},
               "layers": [{"type": "conv", "stride": 2,
                           "weight": {"name": "W", "shape": [2, 2, 2, 2]}}],
               "upstream": {"name": "d", "naming": "flat", "index_base": 1}}


def solved_text(spec, sections) -> str:
    from symconv.solutions.solution import render_solution

    return render_solution(build_solution(build_problem(spec), sections, detail="full"), "text")


def labelled_rows(text: str) -> list[tuple[tuple[int, ...], str]]:
    """(label numbers, the rest of the line) for every line with a slice label ``n = 1, c = 2:``."""
    found = []
    for line in text.splitlines():
        pieces = re.split(r"((?:[nfc] = \d+, )*[nfc] = \d+): ", line)
        for label, rest in zip(pieces[1::2], pieces[2::2]):
            found.append((tuple(int(n) for n in re.findall(r"\d+", label)), rest))
    return found


def test_slice_labels_agree_with_the_subscripts_of_indexed_names():
    text = solved_text(MIXED_BASES, ("shapes", "dx", "closed-form"))
    checked = 0
    for numbers, rest in labelled_rows(text):
        entry = re.match(r"\s*[⎡⎢⎣\[]\s*([AWY])_\{(\d+),(\d+),\d+,\d+\}", rest)
        if entry:
            assert numbers == (int(entry.group(2)), int(entry.group(3))), (numbers, rest)
            checked += 1
    assert checked >= 8  # A's four slices and W's four, at least


def test_slices_of_flat_names_count_like_the_input_and_so_do_receptive_field_channels():
    text = solved_text(MIXED_BASES, ("dx",))
    statement, _, dx = text.partition("Gradient with respect to A")
    upstream = statement.split("∂L/∂Y (2 × 2 × 2 × 2), slice by slice over (n, f):")[1]
    # d1, d2, … carry no axis subscripts: their slices count from 1, like A's (n = 1, 2)
    assert {numbers for numbers, _ in labelled_rows(upstream)} == {(1, 1), (1, 2), (2, 1), (2, 2)}
    assert "(d, n = 0" not in text and "n = 0, f = 0" not in upstream
    # each receptive field's channels are A's: c = 1, 2
    assert re.findall(r"Y_\{1,1,1,1\}, c = (\d+)", dx) == ["1", "2"]
    # the running sums have A's shape and A's labels
    assert re.search(r"n = 2, c = 2:", dx)


def test_zero_based_input_with_one_based_flat_upstream_labels_every_slice_from_zero():
    spec = {**MIXED_BASES, "input": {"name": "X", "shape": [2, 2, 4, 4]}}
    text = solved_text(spec, ("shapes",))
    assert {numbers[0] for numbers, _ in labelled_rows(text)} == {0, 1}


# -- running "mapped back" sums ---------------------------------------------------------------------

TWO_CHANNELS = {"input": {"shape": [2, 4, 4]},
                "layers": [{"type": "conv", "weight": {"shape": [2, 2, 2, 2]}, "bias": {"name": "b"}}],
                "upstream": {"name": "d", "naming": "flat", "index_base": 1}}


def running_sums(text: str) -> list[tuple[int, str]]:
    """(k, the text shown for ∂L/∂X after the first k receptive fields), in order."""
    dx = text.split("Gradient with respect to X\n")[1]
    dx = dx.split("receptive fields mapped back:")[0]  # the result follows
    parts = re.split(r"∂L/∂X after the first (\d+ )?receptive fields?", dx)
    return [(int(k or 1), body) for k, body in zip(parts[1::2], parts[2::2])]


@pytest.mark.parametrize("spec, slices", [
    (TWO_CHANNELS, [(c,) for c in range(2)]),
    ("examples/batch_multichannel.toml", [(n, c) for n in range(2) for c in range(3)]),
])
def test_every_running_sum_is_shown_whole_and_named_as_the_partial_gradient(spec, slices):
    from symconv import load_problem
    from symconv.solutions.solution import render_solution

    problem = load_problem(spec) if isinstance(spec, str) else build_problem(spec)
    text = render_solution(build_solution(problem, ("dx",), detail="full"), "text")
    sums = running_sums(text)
    assert [k for k, _ in sums] == [1, 2, 3, 4], sums
    for k, body in sums:
        assert "⋯" not in body and "left out" not in body  # whole: no column cut
        assert not re.search(r"^\s*X_", body, re.M)  # never named as X itself
        shown = {tuple(int(i) for i in re.findall(r"\d+", label))
                 for label in re.findall(r"((?:n = \d+, )?c = \d+)(?:, columns? [\d–]+)?:", body)}
        listed = {tuple(int(i) for i in found.split(",")[:-2])
                  for found in re.findall(r"∂L/∂X_\{([\d,]+)\} =", body)}
        if "those that are not 0" in body:  # a slice all of whose entries are 0 is not listed
            assert shown | listed <= set(slices) and listed, (k, shown, listed)
        else:
            assert shown | listed == set(slices), (k, shown, listed)


# -- ties in max pooling ------------------------------------------------------------------------------

TIED = {"input": {"name": "C", "shape": [2, 3], "values": [[1, 3, 0], [3, 2, 5]]},
        "layers": [{"type": "maxpool", "output": "Z", "kernel_size": 2, "stride": 1}]}
TIE_SENTENCE = ("C_01 and C_10 tie for the maximum 3 of max(C_00, C_01, C_10, C_11); C_01, the first in"
                " row-major window order, takes the gradient")


def test_a_tied_maximum_says_which_maximum_wins_where_its_indicator_is_written():
    text = " ".join(solved_text(TIED, ("dx", "chain")).split())
    dx, _, chain = text.partition("Chain rule, entry by entry")
    # the first window's local derivatives: C_10 is a maximum, yet its indicator is 0
    assert "∂Z_00/∂C_10 = [C_10 = max(C_00, C_01, C_10, C_11)] = 0" in dx
    assert TIE_SENTENCE in dx.split("∂Z_00/∂C_10")[1]
    # the chain rule: right after each tied entry's equation, and only there
    for entry in ("C_01", "C_10"):
        after = re.split(r"\(\d+\) ", chain.split(f"∂L/∂{entry} = ")[1])[0]  # to the next equation
        assert TIE_SENTENCE in after, entry
    assert chain.count("tie for the maximum") == 2


def test_the_chain_examples_tie_is_named_under_its_equations():
    from symconv import load_problem
    from symconv.solutions.solution import render_solution

    problem = load_problem("examples/chain_conv_relu_maxpool_symbolic.toml")
    text = " ".join(render_solution(build_solution(problem, ("chain",), detail="full"), "text").split())
    sentence = ("Y2_12 and Y2_21 tie for the maximum 1 of max(Y2_11, Y2_12, Y2_21, Y2_22); Y2_12, the"
                " first in row-major window order, takes the gradient")
    assert text.count(sentence) == 2  # under ∂L/∂Y2_12 and under ∂L/∂Y2_21
    assert text.index("(10) ∂L/∂Y2_21") < text.rindex(sentence) < text.index("(11) ∂L/∂Y2_22")


# -- numbers all the way through a chain --------------------------------------------------------------

CHAIN_X = np.array([[1, 2, 0, 1, 3], [0, 1, 2, 2, 1], [2, 0, 1, 3, 0], [1, 2, 2, 0, 1], [0, 1, 0, 2, 2]])
CHAIN_W = np.array([[1, -1], [1, 0]])


def chain_forward_by_hand() -> dict[str, np.ndarray]:
    """The chain example's layers written out with loops: conv, ReLU, 2×2 max pooling, stride 1."""
    y1 = np.array([[np.sum(CHAIN_X[i:i + 2, j:j + 2] * CHAIN_W) for j in range(4)] for i in range(4)])
    y2 = np.maximum(y1, 0)
    y3 = np.array([[y2[i:i + 2, j:j + 2].max() for j in range(3)] for i in range(3)])
    return {"Y1": y1, "Y2": y2, "Y3": y3}


def matrix_after(text: str, label: str) -> np.ndarray:
    """The text matrix written ``label = ⎡ … ⎦`` (its rows, as numbers)."""
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if re.search(re.escape(label) + r" = [⎡⎢⎣\[]", line))
    start = next(i for i in range(at, -1, -1) if "⎡" in lines[i] or "[ " in lines[i])
    rows = []
    for line in lines[start:]:
        cells = re.search(r"[⎡⎢⎣\[] (.*?) [⎤⎥⎦\]]", line)
        rows.append([int(c) for c in cells.group(1).split()])
        if "⎦" in line or "]" in line:
            return np.array(rows)
    raise AssertionError(label)


def test_forward_shows_the_relu_step_and_every_layers_output_as_a_matrix(capsys):
    from symconv.interface.cli import cli

    code = cli.main(args=["forward", "examples/chain_conv_relu_maxpool_symbolic.toml"], prog_name="symconv",
                    standalone_mode=False)
    out = capsys.readouterr().out
    assert code == 0
    assert "Forward pass (layer 2: Y1 → Y2)" in out
    expected = chain_forward_by_hand()
    for name, label in (("Y1", "Y1"), ("Y2", "Y2 = max(Y1, 0)"), ("Y3", "Y3")):
        np.testing.assert_array_equal(matrix_after(out, label), expected[name])


@pytest.mark.parametrize("upstream_values", [None, [[1, -2, 3], [0, 2, 1], [-1, 1, 2]]])
def test_a_chains_conv_sections_carry_the_numbers_down_to_the_given_upstream(upstream_values):
    """∂L/∂Y1 in the conv sections is written with its values (in d1…d9, or numbers when the
    upstream gradient is given too), and so is every result there; each agrees with NumPy."""
    from symconv import load_problem
    from symconv.core.document import Gallery, Hadamard, Labeled, TensorView
    from symconv.core.poly import Poly, Symbol

    from tests.helpers import exact_route

    problem = load_problem("examples/chain_conv_relu_maxpool_symbolic.toml")
    if upstream_values is not None:
        problem = build_problem({"input": {"shape": [5, 5], "values": CHAIN_X.tolist()},
                                 "layers": [{"type": "conv", "weight": {"name": "w", "shape": [2, 2],
                                                                         "values": CHAIN_W.tolist()}},
                                            {"type": "relu"},
                                            {"type": "maxpool", "kernel_size": 2, "stride": 1}],
                                 "upstream": {"name": "d", "values": upstream_values}})
    d = problem.upstream
    rng = np.random.default_rng(3)
    at = {d: np.asarray(upstream_values) if upstream_values else rng.integers(-4, 5, (3, 3))}

    def value(entry) -> float:
        return float(Poly.lift(entry).evaluate(lambda s: at[s.tensor].reshape(-1)[s.flat]))

    numpy = exact_route(problem, "reference_backward", upstream=at[d].astype(object))
    solution = build_solution(problem, ("dw", "dx", "closed-form"), detail="full")
    conv = [s for s in solution.sections if "layer 1" in str(s.blocks[0])]
    assert [s.name for s in conv] == ["dw", "dx", "closed-form"]
    views = 0
    for block in (b for s in conv for b in s.blocks):
        if isinstance(block, TensorView):
            entries = [e for e in block.array.reshape(-1)]
            assert all(atom.tensor is d for e in entries for atom in Poly.lift(e).symbols()), block
            name = block.tensor.name if block.gradient_of else None
            if name in numpy and block.label is not None:
                got = np.vectorize(value, otypes=[float])(block.array)
                np.testing.assert_allclose(got, np.asarray(numpy[name], dtype=float))
                views += 1
        if isinstance(block, Gallery):  # every upstream factor is a value, never ∂L/∂Y1_…
            for item in block.items:
                item = item.value if isinstance(item, Labeled) else item
                assert isinstance(item, Hadamard)
                factors = [item.left, item.right]
                assert not any(isinstance(f, Symbol) and f.tensor.derivative_of for f in factors)
    assert views >= 5  # ∂L/∂Y1 and the results: ∂L/∂w, ∂L/∂X, and both again in the closed form
