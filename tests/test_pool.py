"""Max, average and LP pooling and ReLU: handout examples, tie and overlap rules, closed forms."""

from fractions import Fraction

import numpy as np
import pytest
import sympy

from symconv import derive, load_problem
from symconv.core.poly import Poly
from symconv.render import plain, render_text

from dense_reference import Pool
from helpers import as_array, exact_route, pool_problem

ONES = {"values": "ones"}
D = {"name": "d", "naming": "flat", "index_base": 1}


# -- max pooling ------------------------------------------------------------------------------------
def test_homework_maxpool_routes_each_ones_gradient_to_its_windows_maximum():
    problem = load_problem("examples/homework_maxpool.toml")
    gradient = derive(problem).gradient("C")
    # Windows of C (kernel 2, stride 1): maxima 109 (C_11), 92 (C_12), 110 (C_31), 85 (C_22).
    expected = [[1, 1, 0], [0, 1, 0], [1, 0, 0]]
    assert [p.number for p in gradient.polys()] == sum(expected, [])
    assert exact_route(problem, "reference_backward")["C"].tolist() == expected
    assert exact_route(problem, "closed_form")["C"].tolist() == expected


def test_overlapping_windows_accumulate_into_the_shared_entry():
    # 1-D [1, 3, 2], kernel 2, stride 1: both windows' maximum is x1, so ∂L/∂x1 = d1 + d2.
    problem = pool_problem({"type": "maxpool", "kernel_size": 2, "stride": 1}, [3], [1, 3, 2], D, dims=1)
    gradient = derive(problem).gradient("X")
    entry = gradient.entry(1)
    assert [t.output.flat for t in entry.terms] == [0, 1]
    assert plain(entry.value) == "d1 + d2"
    assert [plain(p) for p in gradient.polys()] == ["0", "d1 + d2", "0"]
    upstream = np.array([10, 100], dtype=object)
    for route in ("reference_backward", "closed_form"):
        assert exact_route(problem, route, upstream)["X"].tolist() == [0, 110, 0]


def test_overlapping_average_windows_accumulate_too():
    problem = pool_problem({"type": "avgpool", "kernel_size": 2, "stride": 1}, [3], upstream=D, dims=1)
    assert [plain(p) for p in derive(problem).gradient("X").polys()] == \
        ["1/2*d1", "1/2*d1 + 1/2*d2", "1/2*d2"]


def test_ties_go_to_the_first_maximum_in_row_major_window_order():
    # Window [[1, 7], [7, 2]]: 7 at (0, 1) and (1, 0); PyTorch routes to (0, 1).
    problem = pool_problem({"type": "maxpool", "kernel_size": 2}, [2, 2], [[1, 7], [7, 2]], ONES)
    derivation = derive(problem)
    assert [p.number for p in derivation.gradient("X").polys()] == [0, 1, 0, 0]
    assert exact_route(problem, "reference_backward")["X"].tolist() == [[0, 1], [0, 0]]
    assert exact_route(problem, "closed_form")["X"].tolist() == [[0, 1], [0, 0]]
    [note] = derivation.notes_for(problem.input)
    assert problem.layers[0].ties() == [(0, (1, 2))]
    assert render_text(note) == ("note: max pooling X -> Y sends each gradient to the first maximum in"
                                 " row-major window order (PyTorch's rule for ties): Y_00 ties"
                                 " X_01 = X_10, gradient to X_01")


def test_symbolic_indicator_is_rendered_and_follows_the_tie_rule_when_evaluated():
    problem = pool_problem({"type": "maxpool", "kernel_size": 2}, [2, 2], upstream=ONES)
    gradient = derive(problem).gradient("X")
    entry = gradient.entry((0, 0))
    assert render_text(entry) == "∂L/∂X_00 = ∂L/∂Y_00·∂Y_00/∂X_00 = [X_00 = max(X_00, X_01, X_10, X_11)]"
    assert plain(entry.value) == "[X_0_0 = max(X_0_0, X_0_1, X_1_0, X_1_1)]"
    tied = {0: 1, 1: 7, 2: 7, 3: 2}
    assert [p.evaluate(lambda s: tied[s.flat]) for p in gradient.polys()] == [0, 1, 0, 0]
    # sympy: the first maximum is strictly above the entries before it, at least the ones after.
    matrix = gradient.to_sympy()
    names = {sympy.Symbol(f"X_{i}_{j}"): tied[2 * i + j] for i in (0, 1) for j in (0, 1)}
    assert [matrix[k].subs(names) for k in range(4)] == [0, 1, 0, 0]


def test_padding_never_wins_even_when_every_entry_is_negative():
    values = [[-5, -3, -4], [-2, -9, -1], [-8, -7, -6]]
    problem = pool_problem({"type": "maxpool", "kernel_size": 3, "stride": 2, "padding": 1},
                           [3, 3], values, ONES)
    # Output 2×2; windows are the 2×2 corners of the input: maxima -2, -1, -2, -1 at positions 3, 5.
    forward = problem.layers[0].output.values.tolist()
    assert forward == [[-2, -1], [-2, -1]]
    expected = [[0, 0, 0], [2, 0, 2], [0, 0, 0]]
    assert as_array(derive(problem).gradient("X").polys(), (3, 3)).tolist() == expected
    assert exact_route(problem, "reference_backward")["X"].tolist() == expected


def test_window_positions_skip_padding_in_the_indicator():
    problem = pool_problem({"type": "maxpool", "kernel_size": 3, "stride": 2, "padding": 1}, [3, 3])
    entry = derive(problem).gradient("X").entry((0, 0))
    assert plain(entry.terms[0].local) == "[X_0_0 = max(X_0_0, X_0_1, X_1_0, X_1_1)]"


# -- average pooling --------------------------------------------------------------------------------
def test_notes_average_pooling_is_a_quarter_of_the_upsampled_gradient():
    problem = load_problem("examples/notes_avgpool_4x4.toml")
    gradient = derive(problem).gradient("y")
    dz = problem.upstream
    for entry in gradient.entries():
        i, j = entry.index
        assert entry.value == Poly.lift(dz.entry(dz.flat_of((i // 2, j // 2)))) * Fraction(1, 4)
    assert render_text(gradient.entry((2, 3))) == "∂L/∂y_23 = ∂L/∂z_11·∂z_11/∂y_23 = 1/4·∂L/∂z_11"
    # The notes' closed form, built independently: 1/k² times ∂L/∂z upsampled by np.repeat.
    symbols = np.empty((2, 2), dtype=object)
    symbols[:] = [[Poly.lift(dz.entry(2 * i + j)) for j in (0, 1)] for i in (0, 1)]
    upsampled = symbols.repeat(2, axis=0).repeat(2, axis=1) * Fraction(1, 4)
    assert gradient.polys() == upsampled.reshape(-1).tolist()
    unused = {"y": np.zeros((4, 4), dtype=object)}  # average pooling's gradient ignores y
    for route in ("closed_form", "reference_backward"):
        assert exact_route(problem, route, symbols, unused)["y"].reshape(-1).tolist() == gradient.polys()


def test_count_include_pad_follows_pytorch():
    layer = {"type": "avgpool", "kernel_size": 3, "stride": 2, "padding": 1}
    ones = [[1] * 4] * 4
    included = pool_problem(layer, [4, 4], ones)
    assert included.layers[0].output.values.tolist() == [[Fraction(4, 9), Fraction(6, 9)],
                                                         [Fraction(6, 9), 1]]
    excluded = pool_problem({**layer, "count_include_pad": False}, [4, 4], ones)
    assert excluded.layers[0].output.values.tolist() == [[1, 1], [1, 1]]
    entry = derive(pool_problem({**layer, "count_include_pad": False}, [4, 4], upstream=D)) \
        .gradient("X").entry((1, 1))
    assert plain(entry.value) == "1/4*d1 + 1/6*d2 + 1/6*d3 + 1/9*d4"


# -- LP pooling -------------------------------------------------------------------------------------
def test_lp_mean_example_renders_the_exact_derivative():
    problem = load_problem("examples/lppool_mean.toml")
    entry = derive(problem).gradient("X").entry((0, 1))
    assert render_text(entry) == ("∂L/∂X_01 = ∂L/∂Y_00·∂Y_00/∂X_01 = ∂L/∂Y_00·X_01·"
                                  "((X_00^2 + X_01^2 + X_10^2 + X_11^2)/4)^(-1/2)/4")


@pytest.mark.parametrize("normalize, divisor", [("sum", 1), ("mean", 4)])
@pytest.mark.parametrize("p", [2, 3])
def test_lp_derivative_equals_sympy_differentiating_the_forward_expression(p, normalize, divisor):
    problem = pool_problem({"type": "lppool", "kernel_size": 2, "p": p, "normalize": normalize}, [2, 2])
    local = derive(problem).gradient("X").entry((1, 0)).terms[0].local
    x = sympy.symbols("X_0_0 X_0_1 X_1_0 X_1_1", positive=True)
    forward = (sum(v ** p for v in x) / divisor) ** sympy.Rational(1, p)
    from symconv.core.sympy_bridge import to_sympy

    derived = to_sympy(Poly.lift(local)).subs({sympy.Symbol(str(v)): v for v in x})
    assert sympy.simplify(derived - sympy.diff(forward, x[2])) == 0


def test_lp_with_p_1_and_mean_is_average_pooling():
    for layer in ({"type": "lppool", "kernel_size": 2, "stride": 1, "p": 1, "normalize": "mean"},
                  {"type": "avgpool", "kernel_size": 2, "stride": 1}):
        polys = derive(pool_problem(layer, [3, 3], upstream=D)).gradient("X").polys()
        if layer["type"] == "lppool":
            lp = polys
    assert lp == polys
    assert plain(lp[4]) == "1/4*d1 + 1/4*d2 + 1/4*d3 + 1/4*d4"


@pytest.mark.parametrize("normalize", ["sum", "mean"])
def test_lp_with_large_p_approaches_max_pooling(normalize):
    values = [[1.0, 1.9, 1.2, 1.5], [1.3, 1.1, 1.7, 1.4], [1.6, 1.8, 1.05, 1.25]]
    x = np.array(values)
    upstream = np.array([[1.0, -2.0]])
    window = ((1, 1, 3, 4), [3, 2], [3, 2], [0, 0])  # the tests' own reference, never symconv's
    maximum = Pool("maxpool", *window)
    target, maxima = maximum.backward(x, upstream), maximum.forward(x)
    forward_errors, errors = [], []
    for p in (4, 16, 64, 256):
        lp = pool_problem({"type": "lppool", "kernel_size": [3, 2], "p": p, "normalize": normalize},
                          [3, 4])
        reference = Pool("lppool", *window, p=p, normalize=normalize)
        assert np.allclose(lp.layers[0].reference_forward(x, {}),
                           reference.forward(x).reshape(2).astype(float), rtol=1e-12)
        forward_errors.append(np.abs(reference.forward(x) - maxima).max())
        chain = derive(lp).gradient("X").evaluate(
            lambda t: x if t is lp.input else upstream)
        assert np.allclose(chain, reference.backward(x, upstream).reshape(3, 4).astype(float),
                           rtol=1e-12)
        errors.append(np.abs(chain - target.reshape(3, 4)).max())
    # |y − max| ≤ max · ln(6) / p for windows of 6; the gradient's error shrinks like 6^(−1/p).
    assert forward_errors == sorted(forward_errors, reverse=True) and forward_errors[-1] < 0.015
    assert errors == sorted(errors, reverse=True) and errors[-1] < 0.02


def test_lp_with_numbers_shows_the_exact_root_and_its_value():
    problem = pool_problem({"type": "lppool", "kernel_size": 2, "p": 3}, [2, 2],
                           [[1, 2], [2, 4]], ONES)
    entry = derive(problem).gradient("X").entry((0, 1))
    assert render_text(entry) == "∂L/∂X_01 = ∂L/∂Y_00·∂Y_00/∂X_01 = 4·(81)^(-2/3) ≈ 0.213667"
    assert entry.value.approximate() == pytest.approx(4 * 81 ** (-2 / 3))


# -- ReLU -------------------------------------------------------------------------------------------
def test_relu_is_an_indicator_with_symbols_and_zero_at_zero_with_numbers():
    symbolic = pool_problem({"type": "relu"}, [2, 2], upstream=D)
    gradient = derive(symbolic).gradient("X")
    assert render_text(gradient.entry((0, 1))) == "∂L/∂X_01 = ∂L/∂Y_01·∂Y_01/∂X_01 = d2·[X_01 > 0]"
    assert str(gradient.to_sympy()[0, 1]) == "d2*Heaviside(X_0_1, 0)"
    numeric = pool_problem({"type": "relu"}, [2, 2], [[-1, 0], [2, "1/2"]], D)
    assert [plain(p) for p in derive(numeric).gradient("X").polys()] == ["0", "0", "d3", "d4"]


def test_lp_derivative_of_a_zero_entry_is_exactly_zero_and_a_unit_factor_is_not_printed():
    from symconv import build_problem, derive
    from symconv.render import render_text

    problem = build_problem({"input": {"shape": [2, 2], "values": [[0, 1], [2, 3]]},
                             "layers": [{"type": "lppool", "kernel_size": 2, "p": 3,
                                         "normalize": "mean"}],
                             "upstream": {"values": "ones"}})
    entries = list(derive(problem).gradient("X").entries())
    assert entries[0].terms[0].local == 0 and entries[0].value == 0
    # ∂y/∂x = x²·((0 + 1 + 8 + 27)/4)^(−2/3)/4 = x²·9^(−2/3)/4
    assert render_text(entries[1]).endswith("= (9)^(-2/3)/4 ≈ 0.0577801")
    assert abs(9 ** (-2 / 3) / 4 - 0.0577801) < 1e-7
