"""symconv against PyTorch's own numbers for max, average and LP pooling, ReLU chains and the
sigmoid: overlapping windows, padding, count_include_pad both ways, PyTorch's output sizes (ceil_mode
off, entries past the last window in none), ties, 1-D/2-D/3-D, LP with p = 1, 2, 3, conv → ReLU →
pooling with exact zeros at ReLU's input, and the sigmoid alone, after a convolution and before
pooling.

The numbers were written by PyTorch once (``tests/fixtures/make_torch_fixtures.py``, committed with
its output in ``torch_pool_cases.json``); this test needs no PyTorch. Every layer's forward output
and every gradient (input, weights, bias, intermediate outputs) is compared through each of
symconv's routes: the chain rule (its exact values, and its terms evaluated at PyTorch's forward
values), the closed form, the NumPy reference and the matrix route. Where the values are integers
or dyadic (max pooling, ReLU, averages over 1, 2, 4 or 8 entries), the comparison is exact: PyTorch's
float64 number is the exact fraction symconv gives. Averages over 3, 6 or 9 entries are one
rounding away, LP's roots a root away, the sigmoid an exponential away: within 1e-12 of the largest
entry, where a wrong sigmoid slope (σ, σ(1 + σ), x(1 − x)) is off by more than 1e-3.

Where PyTorch and symconv differ by design, the test checks the documented relation instead:
- ties in max pooling: none; both send the gradient to the first maximum in row-major window order;
- LP pooling ``normalize = "mean"``, the homework's (Σ x^p / N)^(1/p), is PyTorch's form times
  N^(−1/p), and so is its gradient;
- a window where LP's root has no derivative (p ≥ 2 and Σ x^p = 0, or odd p and Σ x^p < 0): PyTorch
  gives a 0 gradient (documented in ``F.lp_pool2d``) or NaN there; symconv refuses the values.
- LP with p = 1 and a window that sums to 0: p = 1 is sum pooling, whose derivative is 1 everywhere;
  PyTorch's ``F.lp_pool`` computes ``sign(s)·relu(|s|)`` and so gives that window 0. symconv keeps the
  true derivative, and the test pins the difference to exactly those windows (README, conventions).
"""

from __future__ import annotations

import copy
import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from symconv import ProblemError, build_problem, derive
from symconv.engine.derivation import DEFAULT_MAX_TERMS
from symconv.problems.forward import forward_outputs

from dense_reference import Network, pool_windows
from helpers import exact_route

CASES = json.loads((Path(__file__).parent / "fixtures" / "torch_pool_cases.json").read_text())["cases"]
ROUTES = ("reference_backward", "closed_form", "matrix")
TOLERANCE = 1e-12  # relative to the largest entry: one rounding, or a root, away


def whole(values) -> list:
    """PyTorch's float64 inputs as the exact integers they are."""
    array = np.asarray(values, dtype=float)
    assert np.array_equal(array, np.round(array))
    return np.round(array).astype(np.int64).tolist()


def torch_array(values) -> np.ndarray:
    """PyTorch's numbers, NaN where the fixture has null."""
    return np.asarray(np.where(np.equal(np.asarray(values, dtype=object), None), np.nan, values),
                      dtype=float)


def spec_of(case, **lp_keys) -> dict:
    """The case as a problem specification with its values (``lp_keys`` changed in LP layers)."""
    spec = copy.deepcopy(case["spec"])
    spec["input"]["values"] = whole(case["x"])
    for layer in spec["layers"]:
        for role in ("weight", "bias"):
            if role in layer:
                layer[role]["values"] = whole(case["params"][layer[role]["name"]])
        if layer["type"] == "lppool":
            layer.update(lp_keys)
    spec["upstream"] = {"values": whole(case["dy"])}
    return spec


def per_axis(table, dims) -> list[list[int]]:
    """A pooling table's kernel_size, stride and padding, one number per spatial axis each."""
    return [value if isinstance(value, list) else [value] * dims
            for value in (table["kernel_size"], table["stride"], table.get("padding", 0))]


def lp_window_sums(case) -> tuple[int, list, list] | None:
    """(p, windows, Σ x^p of every window) of a single LP pooling layer, from the fixture's input."""
    [layer, *rest] = case["spec"]["layers"]
    if layer["type"] != "lppool" or rest:
        return None
    x = np.asarray(whole(case["x"])).reshape(-1)
    _, windows = pool_windows(np.shape(case["x"]), *per_axis(layer, case["spec"]["dims"]))
    return layer["p"], windows, [sum(int(x[i]) ** layer["p"] for i in w) for w in windows]


def refused_by_symconv(case) -> bool:
    """A window whose root has no derivative: Σ x^p = 0 with p ≥ 2, or Σ x^p < 0."""
    found = lp_window_sums(case)
    return found is not None and found[0] > 1 and min(found[2]) <= 0


def sums_to_zero_with_p_1(case) -> bool:
    found = lp_window_sums(case)
    return found is not None and found[0] == 1 and 0 in found[2]


def agree(found, expected, exact: bool, what: str) -> None:
    """symconv's numbers (exact fractions, or floats) against PyTorch's float64 ones."""
    expected = torch_array(expected).reshape(-1)
    found = np.asarray(found, dtype=object).reshape(-1)
    assert len(found) == len(expected), what
    if exact:
        mismatched = [(i, f, e) for i, (f, e) in enumerate(zip(found.tolist(), expected.tolist()))
                      if Fraction(f) != Fraction(e)]
        assert not mismatched, f"{what}: (flat index, symconv, PyTorch) {mismatched[:5]}"
    else:
        scale = max(1.0, float(np.max(np.abs(expected))))
        np.testing.assert_allclose(found.astype(float), expected, rtol=0, atol=TOLERANCE * scale,
                                   err_msg=what)


def chain_rule_values(gradient, exact: bool, outputs: dict | None = None) -> list:
    """The derivation's value of every entry, expanded to the given upstream gradient: exact
    numbers, or LP's roots and the sigmoid's slopes evaluated. Indicators after a sigmoid stay
    symbols (its outputs are not exact): they are decided at symconv's own forward values
    ``outputs`` (by tensor)."""
    polys = gradient.expanded()
    if exact:
        return [p.number for p in polys]
    value_of = lambda symbol: outputs[symbol.tensor][symbol.flat]  # noqa: E731
    return [p.approximate() if outputs is None or not any(a.free_symbols() for m in p.terms for a in m)
            else float(p.evaluate(value_of)) for p in polys]


def check_against_pytorch(case, problem, scale=1.0) -> None:
    """Every layer's output and every gradient, by every route, against PyTorch's (times
    ``scale``: the relation of LP's "mean" form)."""
    exact = case["exact"] and scale == 1
    name = case["name"]
    own = {}  # symconv's forward values by tensor
    for layer, output in zip(problem.layers, forward_outputs(problem, DEFAULT_MAX_TERMS)):
        assert layer.output.is_numeric or not exact  # exact outputs are kept as exact values
        own[layer.output] = [entry.value for entry in output.entries]
        agree(own[layer.output], torch_array(case["outputs"][layer.output.name]) * scale, exact,
              f"{name}: forward {layer.output.name}")
    derivation = derive(problem)
    routes = {route: exact_route(problem, route) for route in ROUTES}
    # The chain rule's terms evaluated at PyTorch's forward values (its outputs, not symconv's).
    # (by tensor: the upstream gradient may share its name with the output it belongs to)
    at_pytorch = {problem.input: whole(case["x"]), problem.upstream: whole(case["dy"]),
                  **{p: whole(case["params"][p.name]) for layer in problem.layers
                     for p in layer.parameters},
                  **{layer.output: torch_array(case["outputs"][layer.output.name]) * scale
                     for layer in problem.layers}}
    assert {t.name for t in problem.differentiable()} == set(case["grads"]), name
    for tensor in problem.differentiable():
        expected = torch_array(case["grads"][tensor.name]) * scale
        gradient = derivation.gradient(tensor.name)
        agree(chain_rule_values(gradient, exact, own), expected, exact,
              f"{name}: chain rule, ∂L/∂{tensor.name}")
        evaluated = gradient.evaluate(lambda t: np.reshape(at_pytorch[t], t.shape))
        agree(evaluated, expected, exact,  # dyadic values stay exact in float64 too
              f"{name}: chain rule at PyTorch's forward values, ∂L/∂{tensor.name}")
        for route, found in routes.items():
            agree(found[tensor.name], expected, exact, f"{name}: {route}, ∂L/∂{tensor.name}")


AGREED = [case for case in CASES if not refused_by_symconv(case) and not sums_to_zero_with_p_1(case)]


@pytest.mark.parametrize("case", AGREED, ids=[case["name"] for case in AGREED])
def test_symconv_gives_pytorchs_outputs_and_gradients(case):
    check_against_pytorch(case, build_problem(spec_of(case)))


SUM_ZERO = [case for case in CASES if sums_to_zero_with_p_1(case)]


@pytest.mark.parametrize("case", SUM_ZERO, ids=[case["name"] for case in SUM_ZERO])
def test_lp_with_p_1_keeps_the_derivative_1_where_pytorch_zeroes_a_window_summing_to_0(case):
    """p = 1 is sum pooling: ∂y/∂x = 1 in every window. PyTorch's gradient is 0 in a window whose
    sum is 0 (its ``sign(s)·relu(|s|)``) and equal to symconv's everywhere else."""
    _, windows, sums = lp_window_sums(case)
    dy = torch_array(case["dy"]).reshape(-1)
    pytorch = torch_array(case["grads"]["X"]).reshape(-1)
    expected = pytorch.copy()
    for o, (window, total) in enumerate(zip(windows, sums)):
        if total == 0:
            assert all(pytorch[i] == 0 for i in window if i >= 0), case["name"]
            expected[[i for i in window if i >= 0]] += dy[o]
    assert not np.array_equal(expected, pytorch)
    gradient = derive(build_problem(spec_of(case))).gradient("X")
    agree(chain_rule_values(gradient, case["exact"]), expected, case["exact"], case["name"])


LP_CASES = [case for case in AGREED if lp_window_sums(case) is not None]


@pytest.mark.parametrize("case", LP_CASES, ids=[case["name"] for case in LP_CASES])
def test_lp_mean_form_is_pytorchs_times_n_to_the_minus_1_over_p(case):
    """symconv's "mean" form, (Σ x^p / N)^(1/p) = N^(−1/p)·(Σ x^p)^(1/p): outputs and gradients are
    PyTorch's LPPool times N^(−1/p), N the window's size."""
    problem = build_problem(spec_of(case, normalize="mean"))
    assert problem.layers[0].normalize == "mean"
    table = case["spec"]["layers"][0]
    size = int(np.prod(per_axis(table, case["spec"]["dims"])[0]))
    check_against_pytorch(case, problem, scale=size ** (-1 / table["p"]))


REFUSED = [case for case in CASES if refused_by_symconv(case)]


@pytest.mark.parametrize("case", REFUSED, ids=[case["name"] for case in REFUSED])
def test_where_lps_root_has_no_derivative_pytorch_gives_0_or_nan_and_symconv_refuses(case):
    _, windows, sums = lp_window_sums(case)
    y = torch_array(case["outputs"]["Y"]).reshape(-1)
    dx = torch_array(case["grads"]["X"]).reshape(-1)
    for window, total in zip(windows, sums):
        if total == 0:  # PyTorch: output 0, gradient set to 0
            assert all(dx[i] == 0 for i in window), case["name"]
        elif total < 0:  # PyTorch: the odd root of a negative number is NaN
            assert np.isnan(dx[window]).all(), case["name"]
    assert np.isnan(y).any() == (min(sums) < 0)
    with pytest.raises(ProblemError, match=r"window of Y at \[.*\] has Σ x\^p = -?\d+"):
        build_problem(spec_of(case))


def test_the_fixtures_cover_what_they_promise():
    layers = [layer for case in CASES for layer in case["spec"]["layers"]]
    kinds = {layer["type"] for layer in layers}
    assert kinds == {"maxpool", "avgpool", "lppool", "conv", "relu", "sigmoid"}
    for kind in ("maxpool", "avgpool", "lppool"):
        assert {case["spec"]["dims"] for case in CASES
                if case["spec"]["layers"][-1]["type"] == kind} == {1, 2, 3}, kind
    assert {layer["p"] for layer in layers if layer["type"] == "lppool"} == {1, 2, 3}
    assert {layer["count_include_pad"] for layer in layers
            if layer["type"] == "avgpool" and layer["padding"] != 0} == {True, False}
    strides = [(layer["kernel_size"], layer["stride"]) for layer in layers if "kernel_size" in layer]
    assert any(np.any(np.asarray(s) < np.asarray(k)) for k, s in strides)  # overlapping windows
    assert any(case["exact"] for case in CASES) and not all(case["exact"] for case in CASES)
    assert sum(map(refused_by_symconv, CASES)) == 2 and sum(map(sums_to_zero_with_p_1, CASES)) == 1


def max_windows(case):
    """(values, windows) of a case's max pooling layer, read from the fixture (PyTorch's values)."""
    layers = case["spec"]["layers"]
    values = case["x"] if len(layers) == 1 else case["outputs"][layers[-2]["output"]]
    return np.asarray(values).reshape(-1), pool_windows(np.shape(values),
                                                        *per_axis(layers[-1], case["spec"]["dims"]))[1]


def routed(values, windows, dy, pick) -> np.ndarray:
    """Max pooling's ∂L/∂X when ties go to ``pick(tied entries)``."""
    grad = np.zeros(len(values))
    for o, window in enumerate(windows):
        inside = [i for i in window if i >= 0]
        best = max(values[i] for i in inside)
        grad[pick([i for i in inside if values[i] == best])] += dy[o]
    return grad


MAX_CASES = [case for case in CASES if case["spec"]["layers"][-1]["type"] == "maxpool"]


@pytest.mark.parametrize("case", MAX_CASES, ids=[case["name"] for case in MAX_CASES])
def test_pytorch_sends_a_tied_maximums_gradient_to_the_first_in_row_major_window_order(case):
    """The tie rule read off PyTorch's own gradient (of the max pooling's input): routing every
    window to its first maximum gives it exactly, routing to the last does not, so each fixture
    holds a tie that tells the rules apart."""
    values, windows = max_windows(case)
    layers = case["spec"]["layers"]
    pytorch = torch_array(case["grads"]["X" if len(layers) == 1 else layers[-2]["output"]]).reshape(-1)
    dy = torch_array(case["dy"]).reshape(-1)
    np.testing.assert_array_equal(routed(values, windows, dy, lambda tied: tied[0]), pytorch)
    assert not np.array_equal(routed(values, windows, dy, lambda tied: tied[-1]), pytorch)


RELU_CASES = [case for case in CASES if any(layer["type"] == "relu" for layer in case["spec"]["layers"])]


@pytest.mark.parametrize("case", RELU_CASES, ids=[case["name"] for case in RELU_CASES])
def test_the_relu_chains_have_zeros_at_relus_input_that_receive_a_gradient(case):
    """PyTorch's ReLU'(0) = 0 is exercised: some ReLU input is exactly 0 where the gradient of
    ReLU's output is not, and PyTorch's gradient of that input is 0."""
    conv_out, relu_out = [layer["output"] for layer in case["spec"]["layers"][:2]]
    zero = np.asarray(case["outputs"][conv_out]) == 0
    reaching = zero & (torch_array(case["grads"][relu_out]) != 0)
    assert reaching.any(), case["name"]
    assert (torch_array(case["grads"][conv_out])[zero] == 0).all(), case["name"]


@pytest.mark.parametrize("case", AGREED, ids=[case["name"] for case in AGREED])
def test_the_tests_own_numpy_reference_gives_pytorchs_numbers(case):
    """``dense_reference.Network``, the oracle of the tests that check symconv's own NumPy
    reference, is itself right: PyTorch's outputs and gradients."""
    network = Network(case["spec"])
    params = [[whole(case["params"][layer[role]["name"]]) for role in ("weight", "bias")
               if role in layer] for layer in case["spec"]["layers"]]
    x, dy = whole(case["x"]), whole(case["dy"])
    names = [layer["output"] for layer in case["spec"]["layers"]]
    for name, found in zip(names, network.forward(x, params)):
        agree(found, case["outputs"][name], case["exact"], f"{case['name']}: forward {name}")
    inputs = ["X", *names[:-1]]
    for layer, input_name, grads in zip(case["spec"]["layers"], inputs, network.backward(x, params, dy)):
        roles = [layer[role]["name"] for role in ("weight", "bias") if role in layer]
        for name, found in zip([input_name, *roles], grads):
            agree(found, case["grads"][name], case["exact"], f"{case['name']}: ∂L/∂{name}")


SIGMOID_CASES = [case for case in CASES if any(layer["type"] == "sigmoid" for layer in case["spec"]["layers"])]
WRONG_SLOPES = {"σ": lambda x, s: s, "σ(1 + σ)": lambda x, s: s * (1 + s), "x(1 − x)": lambda x, s: x * (1 - x)}


def sigmoid_layers(case):
    """(its input's values, PyTorch's gradient of its input, of its output) for every sigmoid layer
    of a case, all from the fixture."""
    layers = case["spec"]["layers"]
    for i, layer in enumerate(layers):
        if layer["type"] == "sigmoid":
            name = "X" if i == 0 else layers[i - 1]["output"]
            given = case["x"] if i == 0 else case["outputs"][name]
            upstream = case["dy"] if i == len(layers) - 1 else case["grads"][layer["output"]]
            yield (torch_array(given), torch_array(case["grads"][name]), torch_array(upstream))


def test_the_sigmoid_fixtures_cover_what_they_promise():
    kinds = [[layer["type"] for layer in case["spec"]["layers"]] for case in SIGMOID_CASES]
    assert ["sigmoid"] in kinds and ["conv", "sigmoid"] in kinds  # alone, after a convolution
    assert {tuple(k) for k in kinds} >= {("sigmoid", "avgpool"), ("sigmoid", "maxpool")}  # before pooling
    assert {case["spec"]["dims"] for case in SIGMOID_CASES} == {1, 2, 3}
    assert any((x == 0).any() for case in SIGMOID_CASES for x, _, _ in sigmoid_layers(case))  # σ' = 1/4
    assert any((np.abs(x) >= 8).any() for case in SIGMOID_CASES for x, _, _ in sigmoid_layers(case))


@pytest.mark.parametrize("case", SIGMOID_CASES, ids=[case["name"] for case in SIGMOID_CASES])
def test_pytorchs_sigmoid_gradient_is_sigma_times_1_minus_sigma_and_no_wrong_slope_passes(case):
    """The tolerance tells the slopes apart: PyTorch's ∂L/∂x is ∂L/∂y·σ(x)(1 − σ(x)) within it,
    and each slope students write instead is off by at least 1000 times it."""
    for x, dx, dy in sigmoid_layers(case):
        s = 1 / (1 + np.exp(-x))
        scale = max(1.0, float(np.max(np.abs(dx))))
        np.testing.assert_allclose(dy * s * (1 - s), dx, rtol=0, atol=TOLERANCE * scale)
        for slope in WRONG_SLOPES.values():
            assert np.max(np.abs(dy * slope(x, s) - dx)) > 1000 * TOLERANCE * scale


@pytest.mark.parametrize("wrong", WRONG_SLOPES)
def test_symconv_with_a_wrong_sigmoid_slope_fails_against_pytorch(monkeypatch, wrong):
    """The same comparison as for the right slope, with symconv's chain rule made wrong."""
    from symconv.layers.sigmoid import SigmoidSlope, sigmoid

    def value(self, value_of):
        x = value_of(self.entry) if not isinstance(self.entry, (int, float, Fraction)) else self.entry
        return float(WRONG_SLOPES[wrong](float(x), sigmoid(x)))

    monkeypatch.setattr(SigmoidSlope, "value", value)
    for case in SIGMOID_CASES:
        with pytest.raises(AssertionError, match="chain rule"):
            check_against_pytorch(case, build_problem(spec_of(case)))
