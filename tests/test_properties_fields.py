"""Property tests: random transposed convolutions, 3-D layers and every padding form (asymmetric
pairs, "valid", TensorFlow's "same"), every route agreeing.

The routes: the chain rule (term data), the closed form, the NumPy reference, the matrix view
(Cᵀ·∂L/∂Y and im2col) and finite differences, all on integers and compared EXACTLY, plus an
independent dense-matrix reference built in the tests from PyTorch's definitions
(:mod:`dense_reference`), which also fixes the output shape.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from symconv import ProblemError, build_problem, check, derive
from symconv.problems.matrix import matrix_of

from dense_reference import dense_layer, tf_same
from helpers import exact_route
from strategies import field_specs

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def dense_of(layout, weight):
    """The independent dense layer for a drawn configuration ("same" worked out there)."""
    kind, x_shape, _, stride, pairs, dilation, groups, output_padding = layout
    return dense_layer(kind, x_shape, weight, stride, pairs, dilation, groups, output_padding)


def problem_of(spec):
    try:
        return build_problem(spec)
    except ProblemError:
        assume(False)  # a kernel larger than the padded input, padding that leaves no output


def integers(rng, shape):
    return rng.integers(-3, 4, shape).astype(np.int64)


@FAST
@given(field_specs(), st.integers(0, 2**32 - 1))
def test_every_route_and_the_dense_reference_agree_exactly_on_integers(drawn, seed):
    spec, layout = drawn
    problem = problem_of(spec)
    layer = problem.layers[0]
    rng = np.random.default_rng(seed)
    x, w = integers(rng, layer.input.shape), integers(rng, layer.weight.shape)
    params = {layer.weight.name: w}
    b = None
    if layer.bias is not None:
        b = params[layer.bias.name] = integers(rng, layer.bias.shape)
    dense = dense_of(layout, w)
    assert layer.output.shape == dense.y_shape
    y = layer.reference_forward(x, params)
    np.testing.assert_array_equal(y, dense.forward(x, b))
    dy = integers(rng, layer.output.shape)
    dx, dw, db = dense.backward(x, dy)
    expected = {layer.input.name: dx, layer.weight.name: dw}
    if b is not None:
        expected[layer.bias.name] = db
    given_values = {p.name: v for p, v in ((layer.input, x), (layer.weight, w))}
    if b is not None:
        given_values[layer.bias.name] = b
    routes = {route: exact_route(problem, route, dy, given_values)
              for route in ("reference_backward", "closed_form", "matrix")}
    derivation = derive(problem)
    values = {layer.input: x, layer.weight: w, problem.upstream: dy}
    if b is not None:
        values[layer.bias] = b
    for name, gradient in expected.items():
        for route, found in routes.items():
            assert np.array_equal(np.asarray(found[name], dtype=object), gradient), (route, name)
        chain = derivation.gradient(name).evaluate(lambda t: values[t])
        np.testing.assert_array_equal(chain, gradient)
    # L = Σ dy·Y is linear in each tensor: a central difference with step 1 is exact on integers.
    for tensor, array in ((layer.input, x), (layer.weight, w)):
        for flat in rng.choice(tensor.size, size=min(6, tensor.size), replace=False):
            up, down = array.copy(), array.copy()
            up.flat[flat] += 1
            down.flat[flat] -= 1
            moved = [{**params, tensor.name: v} if tensor is layer.weight else params
                     for v in (up, down)]
            inputs = [up, down] if tensor is layer.input else [x, x]
            losses = [int(np.sum(dy * layer.reference_forward(i, p))) for i, p in zip(inputs, moved)]
            assert losses[0] - losses[1] == 2 * expected[tensor.name].flat[flat]


@FAST
@given(field_specs())
def test_the_matrix_is_the_dense_reference_and_the_terms_name_its_non_zeros(drawn):
    spec, layout = drawn
    problem = problem_of(spec)
    layer = problem.layers[0]
    w = np.arange(1, layer.weight.size + 1).reshape(layer.weight.shape)  # every entry its own
    dense = dense_of(layout, w)
    matrix = matrix_of(layer)
    found = np.zeros(matrix.shape, dtype=np.int64)
    for (r, c), symbol in matrix.entries(named=True).items():
        found[r, c] = symbol.flat + 1
    np.testing.assert_array_equal(found, dense.matrix)
    # each input entry's chain-rule terms are exactly the outputs its column of C reaches
    gradient = derive(problem).gradient(layer.input.name)
    for flat in range(layer.input.size):
        outputs = [t.output.flat for t in gradient.entry(flat).terms]
        assert outputs == np.flatnonzero(dense.matrix[:, flat]).tolist()
    assert problem.term_count() == sum(derive(problem).gradient(t.name).term_count
                                       for t in problem.differentiable())


@SLOW
@given(field_specs(), st.integers(0, 99))
def test_check_passes_with_all_four_routes(drawn, seed):
    problem = problem_of(drawn[0])
    report = check(problem, seed=seed)
    assert report.ok, report
    assert report.routes == 4 and all(row.matrix is not None for row in report.rows)


@SLOW
@given(field_specs())
def test_the_closed_form_on_polynomials_is_the_chain_rule(drawn):
    from symconv.core.poly import Poly

    problem = problem_of(drawn[0])
    layer = problem.layers[0]

    def polys(tensor):
        array = np.empty(tensor.size, dtype=object)
        array[:] = [Poly.lift(e) for e in tensor.entries()]
        return array.reshape(tensor.shape)

    closed = layer.closed_form(polys(layer.input), {p.name: polys(p) for p in layer.parameters},
                               polys(problem.upstream))
    derivation = derive(problem)
    for tensor in problem.differentiable():
        assert derivation.gradient(tensor.name).polys() == list(closed[tensor.name].reshape(-1))


@pytest.mark.parametrize("size, kernel, stride, dilation", [
    (5, 3, 2, 1), (6, 3, 2, 1), (5, 2, 1, 1), (4, 1, 3, 1), (7, 3, 3, 2), (1, 3, 1, 1)])
def test_same_padding_follows_tensorflow_with_the_odd_one_after(size, kernel, stride, dilation):
    problem = build_problem({"dims": 1, "input": {"shape": [size]}, "layers": [
        {"type": "conv", "padding": "same", "stride": stride, "dilation": dilation,
         "weight": {"shape": [kernel]}}]})
    layer = problem.layers[0]
    assert layer.output.shape == (-(-size // stride),)  # ⌈H/S⌉
    assert layer.geometry.padding == (tf_same(size, kernel, stride, dilation),)


def test_same_padding_at_stride_1_is_pytorchs_same():
    """PyTorch's padding="same" (stride 1) keeps the size; with an even kernel the extra zero
    goes after, as PyTorch does it (it pads the right side more)."""
    problem = build_problem({"input": {"shape": [4, 5]}, "layers": [
        {"type": "conv", "padding": "same", "weight": {"shape": [2, 3]}}]})
    assert problem.layers[0].output.shape == (4, 5)
    assert problem.layers[0].geometry.padding == ((0, 1), (1, 1))
