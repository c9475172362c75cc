"""The sigmoid layer (``type = "sigmoid"``): its gradients against the tests' own reference
(``dense_reference``: σ' written as e^(−x)/(1 + e^(−x))²) and central finite differences, exact
where they can be, and its worked solutions compiled by pdflatex, rendered by KaTeX and opened in
Chromium."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symconv import build_problem, check, derive
from symconv.render.text import render_text
from symconv.solutions.solution import build_solution, render_solution

from browser import needs_chromium, offline_browser
from dense_reference import Network
from helpers import independent_gradients, independent_outputs

README = Path("README.md").read_text(encoding="utf-8")
CONV_SIGMOID = {"input": {"shape": [3, 3], "values": [[1, 0, -1], [2, 1, 0], [0, -2, 1]]},
                "layers": [{"type": "conv", "weight": {"shape": [2, 2], "values": [[1, -1], [0, 2]]}},
                           {"type": "sigmoid"}],
                "upstream": {"values": [[1, -1], [2, 0]]}}


def through_the_reference(spec: dict, values: dict) -> tuple[dict, dict]:
    """(every output by name, every gradient by name) through dense_reference, at ``values`` (the
    input's, each parameter's and the upstream gradient's, by name)."""
    problem = build_problem(spec)
    network = Network(spec)
    return (independent_outputs(network, problem, values),
            independent_gradients(network, problem, values))


def derived(spec: dict, values: dict, outputs: dict) -> dict:
    """Every gradient by name from symconv's chain rule, expanded down to the given upstream
    gradient: each entry's polynomial evaluated at the leaf values and the reference's outputs
    (the sigmoid's slopes read its input, an output)."""
    problem = build_problem(spec)
    leaves = [problem.input, *[p for layer in problem.layers for p in layer.parameters], problem.upstream]
    arrays = {**{t: values[t.name] for t in leaves},  # the upstream ∂L/∂Y is named Y, as the output
              **{layer.output: outputs[layer.output.name] for layer in problem.layers}}
    value_of = lambda symbol: float(arrays[symbol.tensor].reshape(-1)[symbol.flat])  # noqa: E731
    derivation = derive(problem)
    return {t.name: np.array([float(p.evaluate(value_of)) for p in derivation.gradient(t.name).expanded()])
            .reshape(t.shape) for t in problem.differentiable()}


def central_differences(spec: dict, values: dict, name: str, step: float = 1e-5) -> np.ndarray:
    """∂L/∂name by central differences of L = Σ upstream · (the last output), through
    dense_reference."""
    problem, network = build_problem(spec), Network(spec)
    last, upstream = problem.layers[-1].output.name, problem.upstream.name

    def loss(shifted: dict) -> float:
        return float(np.sum(values[upstream] * independent_outputs(network, problem, shifted)[last]))

    estimate = np.empty(values[name].size)
    for flat in range(values[name].size):
        shifted = {key: np.asarray(array, dtype=float).copy() for key, array in values.items()}
        shifted[name].flat[flat] += step
        up = loss(shifted)
        shifted[name].flat[flat] -= 2 * step
        estimate[flat] = (up - loss(shifted)) / (2 * step)
    return estimate.reshape(values[name].shape)


@st.composite
def sigmoid_problems(draw):
    """A sigmoid alone or after a convolution, 1-D or 2-D, with random values everywhere."""
    dims = draw(st.sampled_from([1, 2]))
    size = [draw(st.integers(2, 4)) for _ in range(dims)]
    layers: list = [{"type": "sigmoid"}]
    if draw(st.booleans()):
        layers.insert(0, {"type": "conv", "weight": {"shape": [draw(st.integers(1, n)) for n in size]}})
    spec = {"dims": dims, "input": {"shape": size}, "layers": layers}
    problem = build_problem(spec)
    numbers = st.floats(-4, 4, allow_nan=False)
    values = {t.name: np.array(draw(st.lists(numbers, min_size=t.size, max_size=t.size))).reshape(t.shape)
              for t in (problem.input, *[p for layer in problem.layers for p in layer.parameters],
                        problem.upstream)}
    return spec, values


@settings(max_examples=25, deadline=None)
@given(sigmoid_problems())
def test_the_chain_rule_agrees_with_the_reference_and_finite_differences(drawn):
    spec, values = drawn
    problem = build_problem(spec)
    outputs, expected = through_the_reference(spec, values)
    found = derived(spec, values, outputs)
    for name in (problem.input.name, *[p.name for layer in problem.layers for p in layer.parameters]):
        np.testing.assert_allclose(found[name], expected[name], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(found[name], central_differences(spec, values, name),
                                   rtol=1e-6, atol=1e-8)


def test_symconv_check_agrees_on_a_chain_with_pooling():
    report = check(build_problem({"input": {"shape": [2, 5, 5]}, "layers": [
        {"type": "conv", "weight": {"shape": [3, 2, 2, 2]}, "bias": {}}, {"type": "sigmoid"},
        {"type": "maxpool", "kernel_size": 2, "stride": 1}]}))
    assert report.ok and len(report.rows) == 5


def test_the_forward_pass_is_the_logistic_function():
    outputs, _ = through_the_reference(CONV_SIGMOID, {
        "X": np.array(CONV_SIGMOID["input"]["values"]),
        "W": np.array(CONV_SIGMOID["layers"][0]["weight"]["values"]),
        "Y2": np.array(CONV_SIGMOID["upstream"]["values"])})
    y1 = np.array([[3, 1], [-3, 3]])  # the correlation of X with W, by hand
    np.testing.assert_allclose(outputs["Y2"], 1 / (1 + np.exp(-y1)))
    layer = build_problem(CONV_SIGMOID).layers[1]
    np.testing.assert_allclose(layer.reference_forward(y1, {}), outputs["Y2"])


def test_the_slope_at_zero_is_exactly_a_quarter():
    problem = build_problem({"dims": 1, "input": {"shape": [2], "values": [0, 2]}, "layers": [{"type": "sigmoid"}],
                             "upstream": {"values": [4, 1]}})
    zero, two = derive(problem).gradient("X").polys()
    assert zero.is_number and zero.number == 1  # 4 · 1/4
    assert not two.is_number  # σ(2)(1 − σ(2)) is irrational
    assert float(two.evaluate(lambda symbol: None)) == pytest.approx(np.exp(-2) / (1 + np.exp(-2)) ** 2)


def test_huge_inputs_saturate_without_overflow():
    import warnings

    problem = build_problem({"dims": 1, "input": {"shape": [3], "values": [-1000, 1000, 5]},
                             "layers": [{"type": "sigmoid"}], "upstream": {"values": [1, 1, 1]}})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e^1000 would overflow
        values = [p.approximate() for p in derive(problem).gradient("X").polys()]
        assert check(problem).ok
    assert values == [0.0, 0.0, pytest.approx(np.exp(-5) / (1 + np.exp(-5)) ** 2)]


def test_the_chain_rule_is_written_with_the_sigmoid_by_name():
    problem = build_problem({"input": {"shape": [2, 2]}, "layers": [{"type": "sigmoid"}]})
    entry = derive(problem).gradient("X").entry((0, 1))
    assert render_text(entry, "L") == "∂L/∂X_01 = ∂L/∂Y_01·∂Y_01/∂X_01 = ∂L/∂Y_01·sigmoid(X_01)·(1 − sigmoid(X_01))"
    latex = render_solution(build_solution(problem, ("dx",)), "latex")
    assert (r"\operatorname{sigmoid}\left(X_{01}\right)\cdot \left(1 - \operatorname{sigmoid}\left(X_{01}"
            r"\right)\right)") in latex
    assert r"\sigmoid" not in latex


def test_sympy_gives_the_logistic_derivative():
    import sympy

    problem = build_problem({"dims": 1, "input": {"shape": [1]}, "layers": [{"type": "sigmoid"}],
                             "upstream": {"values": [1]}})
    [expression] = derive(problem).gradient("X").to_sympy()
    x = sympy.Symbol("X_0")
    assert sympy.simplify(expression - sympy.exp(-x) / (1 + sympy.exp(-x)) ** 2) == 0


needs_pdflatex = pytest.mark.skipif(not shutil.which("pdflatex") and not os.environ.get("CI"),
                                    reason="needs pdflatex (CI installs it)")
KATEX = Path(os.environ.get("KATEX_MODULE", ".ci/katex/node_modules/katex"))


# Both detail levels, with values and with symbols (the slopes then read Y1's symbols); a pooling
# after the sigmoid.
SYMBOLIC_CHAIN = {"input": {"shape": [4, 4]}, "layers": [
    {"type": "conv", "weight": {"shape": [2, 2]}}, {"type": "sigmoid"},
    {"type": "avgpool", "kernel_size": 2, "stride": 1}]}
DOCUMENTS = [(spec, detail) for spec in (CONV_SIGMOID, SYMBOLIC_CHAIN) for detail in ("handout", "full")]


@needs_pdflatex
@pytest.mark.parametrize("spec, detail", DOCUMENTS)
def test_the_worked_solution_compiles_with_pdflatex(tmp_path, spec, detail):
    latex = render_solution(build_solution(build_problem(spec), detail=detail), "latex")
    assert "operatorname{sigmoid}" in latex
    (tmp_path / "doc.tex").write_text(latex, encoding="utf-8")
    subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp_path,
                   capture_output=True, timeout=300, check=False)
    log = (tmp_path / "doc.log").read_text(errors="replace")
    assert "Output written" in log and not re.search(r"^! ", log, re.M), log[-2000:]
    assert "Overfull \\hbox" not in log


@pytest.mark.skipif(not shutil.which("node") or not KATEX.exists(), reason="needs node and katex")
@pytest.mark.parametrize("spec, detail", DOCUMENTS)
def test_the_markdown_solution_renders_in_katex(tmp_path, spec, detail):
    target = tmp_path / "sigmoid.md"
    markdown = render_solution(build_solution(build_problem(spec), detail=detail), "markdown")
    assert "operatorname{sigmoid}" in markdown
    target.write_text(markdown, encoding="utf-8")
    result = subprocess.run(["node", "tests/katex_render.js", str(target)], capture_output=True, text=True,
                            env=dict(os.environ, KATEX_MODULE=str(KATEX.resolve())), timeout=120)
    assert result.returncode == 0 and " 0 failed" in result.stdout, result.stdout


@needs_chromium
def test_the_html_solution_shows_the_slopes_in_chromium(tmp_path):
    page = tmp_path / "sigmoid.html"
    page.write_text(render_solution(build_solution(build_problem(CONV_SIGMOID)), "html"), encoding="utf-8")
    with offline_browser() as driver:
        driver.get(page.as_uri())
        text = driver.find_element("tag name", "body").text
        errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    assert "Gradient with respect to Y1 (layer 2: Y1 → Y2)" in text and not errors
    # MathML's tokens come one per line: the slope at Y1_00 = 3, its brackets balanced
    assert "sigmoid(3)·(1−sigmoid(3))" in "".join(text.split())


def test_verify_compares_decimals_with_the_irrational_slopes():
    from symconv.answers.verify import AnswerKey

    key = AnswerKey(build_problem(CONV_SIGMOID), "Y1")
    slope = lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2  # noqa: E731
    right = [[slope(3), -slope(1)], [2 * slope(-3), 0]]
    written = "\n".join(" ".join(f"{v:.6g}" for v in row) for row in right)
    assert key.check(written).ok
    rounded = key.check(written.replace(f"{slope(3):.6g}", f"{slope(3):.2g}"))  # 0.045: 0.4 % off
    assert [entry.correct for entry in rounded.entries] == [False, True, True, True]


def test_the_readme_example_is_this_problem_and_prints_what_the_readme_shows(tmp_path):
    import tomllib

    block = next(b for b in re.findall(r"```toml\n(.*?)```", README, re.S) if 'type = "sigmoid"' in b)
    spec = tomllib.loads(block)
    assert {k: spec[k] for k in CONV_SIGMOID} == CONV_SIGMOID
    (tmp_path / "sigmoid.toml").write_text(block, encoding="utf-8")
    shown = README.split("`symconv grad sigmoid.toml --wrt Y1`", 1)[1].split("```text\n", 1)[1].split("```")[0]
    output = subprocess.run([sys.executable, "-m", "symconv", "grad", str(tmp_path / "sigmoid.toml"),
                             "--wrt", "Y1"], capture_output=True, text=True, check=True).stdout
    assert shown.splitlines() == output.splitlines()[:2]


# -- answers: sigmoid(…) in the answer grammar, and the mistakes named ------------------------------
# x1 … x3 and d1 … d3, as a homework sheet names them
FLAT = {"dims": 1, "input": {"name": "x", "shape": [3], "naming": "flat", "index_base": 1},
        "layers": [{"type": "sigmoid"}], "upstream": {"name": "d", "naming": "flat", "index_base": 1}}


def flat_key():
    from symconv.answers.verify import AnswerKey

    return AnswerKey(build_problem(FLAT), "x")


def row(entry: str) -> str:
    """One answer row: ``entry`` (about x1 and d1, in any spelling) written for entries 1, 2, 3."""
    return ", ".join(re.sub(r"\b([dx]_?\{?)1", rf"\g<1>{k}", entry) for k in (1, 2, 3))


@pytest.mark.parametrize("entry", [
    "d1*sigmoid(x1)*(1-sigmoid(x1))",
    "d1*σ(x1)*(1 − σ(x1))",
    "d1 \\sigma(x_1)\\left(1 - \\sigma(x_1)\\right)",
    "d_{1} \\operatorname{sigmoid}(x_{1}) (1 - \\operatorname{sigmoid}(x_{1}))",
    "d1*sigmoid(x1)*sigmoid(-x1)",  # 1 − sigmoid(x) = sigmoid(−x)
    "d1*sigmoid(x1) - d1*sigmoid(x1)^2",
])
def test_an_answer_may_write_the_sigmoid_by_name(entry):
    verdict = flat_key().check(row(entry))
    assert verdict.ok and verdict.diagnosis is None


@pytest.mark.parametrize("entry, key", [
    ("d1*sigmoid(x1)", "sigmoid-value-as-slope"),
    ("d1*sigmoid(x1)*(1 + sigmoid(x1))", "sigmoid-slope-plus"),
    ("d1*x1*(1 - x1)", "sigmoid-slope-of-input"),
    ("sigmoid(x1)*(1 - sigmoid(x1))", "sigmoid-upstream-forgotten"),
    ("-d1*sigmoid(x1)*(1 - sigmoid(x1))", "sign-flipped"),
])
def test_a_wrong_sigmoid_slope_is_named(entry, key):
    verdict = flat_key().check(row(entry))
    assert verdict.correct == 0
    assert (verdict.diagnosis.mistake.key, verdict.diagnosis.whole) == (key, True)


def test_the_mistakes_are_told_in_the_problems_names():
    described = {m.key: m.description for m in flat_key().mistakes}
    assert described["sigmoid-value-as-slope"] == (
        "the sigmoid itself, sigmoid(x), was used as its slope; the slope is"
        " sigmoid(x)·(1 − sigmoid(x)) = Y·(1 − Y)")
    assert described["sigmoid-slope-of-input"].startswith(
        "the slope was taken as x·(1 − x), the rule y·(1 − y) used with the input x for the output Y")
    assert described["sigmoid-upstream-forgotten"].startswith(
        "the upstream gradient ∂L/∂Y (d1 … d3) was left out")


def test_decimals_with_a_wrong_slope_are_named_where_the_values_are_given():
    from symconv.answers.verify import AnswerKey

    key = AnswerKey(build_problem(CONV_SIGMOID), "Y1")
    s = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    upstream = np.array(CONV_SIGMOID["upstream"]["values"], dtype=float)
    y1 = np.array([[3, 1], [-3, 3]])
    for slope, mistake in ((s(y1), "sigmoid-value-as-slope"), (s(y1) * (1 + s(y1)), "sigmoid-slope-plus")):
        written = "\n".join(" ".join(f"{v:.5f}" for v in values) for values in upstream * slope)
        verdict = key.check(written)
        assert (verdict.correct, verdict.diagnosis.mistake.key) == (1, mistake)  # the 0 is right
    exact = "sigmoid(3)*(1 - sigmoid(3)), -sigmoid(1)*sigmoid(-1)\n2*sigmoid(-3)*sigmoid(3), 0"
    assert key.check(exact).ok
    assert key.check(exact.replace("sigmoid(-1)", "sigmoid(1)")).correct == 3


def test_sigmoid_of_a_number_is_kept_exact():
    from symconv.answers.verify import AnswerKey

    key = AnswerKey(build_problem({"dims": 1, "input": {"shape": [2], "values": [0, -2]},
                                   "layers": [{"type": "sigmoid"}], "upstream": {"values": [4, 1]}}), "X")
    assert key.check("4*sigmoid(0)*(1 - sigmoid(0)), sigmoid(2)*(1 - sigmoid(2))").ok  # σ(0) = 1/2
    assert key.check("1, sigmoid(-2)*sigmoid(2)").ok
    assert not key.check("1, sigmoid(-2)*sigmoid(-2)").ok


def test_an_intermediate_output_read_by_the_slope_can_be_named():
    from symconv.answers.verify import AnswerKey

    problem = build_problem({"input": {"shape": [2, 2]}, "layers": [
        {"type": "conv", "weight": {"shape": [1, 1]}}, {"type": "sigmoid"}]})
    key = AnswerKey(problem, "X")
    assert key.check("dL_dY2_00*W_00*sigmoid(Y1_00)*(1 - sigmoid(Y1_00)), 0\n0, 0").correct == 1
    assert key.check("\\frac{\\partial L}{\\partial Y1_{00}} W_{00}, 0\n0, 0").correct == 1


@pytest.mark.parametrize("entry, message", [
    ("sigmod(x1)", "unknown function sigmod(…); the functions known here are sigmoid(…), σ(…),"
                   " \\sigma(…); e.g. sigmoid(x1) (at character 1)"),
    ("d1*sigmoid(x1 + x2)", "sigmoid(…) takes one entry of the sigmoid's input or a number, as the slope"
                            " sigmoid(x)·(1 − sigmoid(x)) does, e.g. sigmoid(x1) (at character 4)"),
    ("σ x1", "expected ( after σ, e.g. σ(x1) (at character 3)"),
    ("\\operatorname{tanh}(x1)", "\\operatorname{tanh} is not a function symconv knows here (known:"
                                 " sigmoid, σ, \\sigma) (at character 1)"),
])
def test_unknown_functions_and_arguments_say_what_is_known(entry, message):
    from symconv.core.errors import AnswerError

    with pytest.raises(AnswerError) as error:
        flat_key().check(row(entry))
    assert str(error.value).endswith(message)


def test_problems_without_a_sigmoid_know_no_sigmoid():
    from symconv.answers.verify import AnswerKey
    from symconv.core.errors import AnswerError

    key = AnswerKey(build_problem({"input": {"shape": [2, 2], "values": [[1, -1], [2, 0]]},
                                   "layers": [{"type": "relu"}],
                                   "upstream": {"values": [[1, 1], [1, 1]]}}), "X")
    with pytest.raises(AnswerError, match=r"function calls such as sigmoid\(...\) are not allowed"):
        key.check("sigmoid(X_00) 0\n0 0")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["sigmoid", "σ", "\\sigma", "\\operatorname{sigmoid}", "(", ")", "x1",
                                 "d2", "-", "+", "*", "^2", "1", "0.5", " ", "{", "}", "\\left(",
                                 "\\right)", "/", "sigmoid(", "σ(-"]), max_size=25))
def test_fuzzed_calls_raise_only_our_error(parts):
    from symconv.answers.names import NameTable
    from symconv.answers.parse import parse_entry
    from symconv.core.errors import SymconvError
    from symconv.core.poly import Poly

    key = flat_key()
    try:
        result = parse_entry("".join(parts), NameTable(key.tensors), functions=key.functions)
    except SymconvError:
        return
    assert isinstance(result.value, Poly)


def test_the_readme_verify_example_prints_what_the_readme_shows(tmp_path):
    block = next(b for b in re.findall(r"```toml\n(.*?)```", README, re.S) if 'type = "sigmoid"' in b)
    (tmp_path / "sigmoid.toml").write_text(block, encoding="utf-8")
    shown = README.split("$ symconv verify sigmoid.toml", 1)[1].split("```", 1)[0].splitlines()
    rows = re.search(r"`wrong.txt` holding `(.*?)` and\s+`(.*?)`", README).groups()
    (tmp_path / "wrong.txt").write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "symconv", "verify", "sigmoid.toml", "--wrt", "Y1",
                             "--answer", "wrong.txt"], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines()[:2] == shown[1:3]
    assert "given 2·sigmoid(-3), expected 2·sigmoid(-3)·(1 − sigmoid(-3))" in result.stdout  # as written


@st.composite
def sigmoid_chains(draw):
    """A sigmoid alone, after a convolution and/or before an average pooling, 1-D or 2-D, with or
    without the input's values (small integers, zeros among them)."""
    dims = draw(st.sampled_from([1, 2]))
    size = [draw(st.integers(2, 4)) for _ in range(dims)]
    layers: list = [{"type": "sigmoid"}]
    if draw(st.booleans()):
        layers.insert(0, {"type": "conv", "weight": {"shape": [draw(st.integers(1, 2)) for _ in size]}})
    if draw(st.booleans()):
        layers.append({"type": "avgpool", "kernel_size": 1 + (min(size) > 2), "stride": 1})
    spec: dict = {"dims": dims, "input": {"shape": size}, "layers": layers}
    if draw(st.booleans()):
        count = int(np.prod(size))
        values = draw(st.lists(st.integers(-2, 2), min_size=count, max_size=count))
        spec["input"]["values"] = np.reshape(values, size).tolist()
        if layers[0]["type"] == "conv":
            shape = layers[0]["weight"]["shape"]
            weights = draw(st.lists(st.integers(-1, 1), min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
            layers[0]["weight"]["values"] = np.reshape(weights, shape).tolist()
    return spec


@settings(max_examples=20, deadline=None)
@given(sigmoid_chains())
def test_what_symconv_prints_verifies_and_each_mistake_printed_is_named(spec):
    """Every accepted form of the key, as ``symconv grad`` prints it, is right; every wrong variant
    printed the same way is named as that mistake, over the whole answer."""
    from symconv.answers.verify import AnswerKey
    from symconv.render.text import TextPrinter

    problem = build_problem(spec)
    key = AnswerKey(problem, problem.input.name)
    printer = TextPrinter(problem.loss)
    for form in (0, -1):
        assert key.check_entries([printer.doprint(forms[form]) for forms in key.expected]).ok
    for mistake in key.mistakes:
        verdict = key.check_entries([printer.doprint(value) for value in mistake.values])
        assert (verdict.diagnosis.mistake.key, verdict.diagnosis.whole) == (mistake.key, True)


def test_a_practice_page_says_it_cannot_check_the_sigmoid_and_writes_nothing(tmp_path):
    block = next(b for b in re.findall(r"```toml\n(.*?)```", README, re.S) if 'type = "sigmoid"' in b)
    (tmp_path / "sigmoid.toml").write_text(block, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "symconv", "practice", "sigmoid.toml", "--wrt", "Y1",
                             "-o", "page.html"], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 2 and not (tmp_path / "page.html").exists()
    assert result.stderr == ("symconv: error: a practice page cannot check answers with"
                             " sigmoid(3)·(1 − sigmoid(3)) in them (its script knows no such factor);"
                             " check them with symconv verify\n")


def test_a_max_pooling_after_the_sigmoid_is_refused_for_what_it_is():
    from symconv.answers.verify import AnswerKey
    from symconv.core.errors import ProblemError

    problem = build_problem({"dims": 1, "input": {"shape": [3], "values": [1, 0, -1]}, "layers": [
        {"type": "sigmoid"}, {"type": "maxpool", "kernel_size": 2, "stride": 1}], "upstream": {"values": [1, 2]}})
    with pytest.raises(ProblemError, match=r"contains \[Y1_0 = max\(Y1_0, Y1_1\)\], which is 1 or 0"
                                           r" depending on the values of Y1; every value is given, but Y1"
                                           r" is irrational \(the output of the sigmoid\)"):
        AnswerKey(problem, "X")
