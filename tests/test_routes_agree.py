"""The three routes to every gradient agree, over random layers (hypothesis).

1. the chain-rule derivation (term data -> exact polynomials, and -> integer arrays),
2. the closed form (zero-inserted upstream, rotated kernel) on arrays of exact polynomials,
3. the NumPy reference on integer arrays,

and central finite differences of the forward pass of the tests' own reference (``dense_reference``,
never symconv's) as the oracle.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from symconv import build_problem
from symconv.problems.checks import check
from symconv.engine.derivation import derive
from symconv.core.poly import Poly

from dense_reference import Network
from helpers import independent_outputs
from strategies import conv_problems, conv_specs

ROUTE_SETTINGS = settings(max_examples=200, deadline=None)


def as_polys(tensor) -> np.ndarray:
    out = np.empty(tensor.size, dtype=object)
    out[:] = [Poly.lift(e) for e in tensor.entries()]
    return out.reshape(tensor.shape)


def leaves(problem):
    layer = problem.layers[0]
    return [problem.input, *layer.parameters, problem.upstream]


@ROUTE_SETTINGS
@given(conv_problems())
def test_chain_rule_equals_closed_form_symbolically(problem):
    layer = problem.layers[0]
    derivation = derive(problem)
    params = {p.name: as_polys(p) for p in layer.parameters}
    closed = layer.closed_form(as_polys(problem.input), params, as_polys(problem.upstream))
    for tensor in (problem.input, *layer.parameters):
        chain = derivation.gradient(tensor.name).polys()
        assert chain == list(closed[tensor.name].reshape(-1)), tensor.name


@ROUTE_SETTINGS
@given(conv_specs(), st.integers(0, 2**32 - 1))
def test_routes_agree_exactly_on_integers(spec, seed):
    problem, network = build_problem(spec), Network(spec)
    rng = np.random.default_rng(seed)
    layer = problem.layers[0]
    values = {t: rng.integers(-4, 5, t.shape) for t in leaves(problem)}
    params = {p.name: values[p] for p in layer.parameters}
    reference = layer.reference_backward(values[problem.input], params, values[problem.upstream])
    closed = layer.closed_form(values[problem.input], params, values[problem.upstream])
    derivation = derive(problem)

    def loss(named):
        forward = independent_outputs(network, problem, named)[layer.output.name]
        return int(np.sum(forward * values[problem.upstream]))

    for tensor in (problem.input, *layer.parameters):
        chain = derivation.gradient(tensor.name).evaluate(lambda t: values[t])
        assert chain.dtype.kind == "i"
        np.testing.assert_array_equal(chain, reference[tensor.name])
        np.testing.assert_array_equal(closed[tensor.name], reference[tensor.name])
        # L is linear in each tensor, so a central difference with step 1 is exact on integers.
        named = {t.name: values[t] for t in leaves(problem) if t is not problem.upstream}
        for flat in range(tensor.size):
            up = {k: v.copy() for k, v in named.items()}
            down = {k: v.copy() for k, v in named.items()}
            up[tensor.name].flat[flat] += 1
            down[tensor.name].flat[flat] -= 1
            assert (loss(up) - loss(down)) == 2 * reference[tensor.name].flat[flat]


@settings(max_examples=40, deadline=None)
@given(conv_problems())
def test_check_command_agrees_on_random_problems(problem):
    report = check(problem)
    assert report.ok, report
    assert {row.tensor for row in report.rows} == {t.name for t in problem.differentiable()}


@settings(max_examples=60, deadline=None)
@given(conv_specs(), st.integers(0, 2**32 - 1))
def test_terms_name_exactly_the_outputs_that_change(spec, seed):
    """Brute force through the (independent) forward pass: with every entry nonzero, nudging one
    entry of X (or W) changes exactly the outputs its chain-rule terms name."""
    problem, network = build_problem(spec), Network(spec)
    rng = np.random.default_rng(seed)
    layer = problem.layers[0]
    values = {t: rng.integers(1, 5, t.shape) for t in (problem.input, *layer.parameters)}
    derivation = derive(problem)

    def forward(changed, flat):
        arrays = {t.name: v.copy() for t, v in values.items()}
        if changed is not None:
            arrays[changed.name].flat[flat] += 1
        return independent_outputs(network, problem, arrays)[layer.output.name].reshape(-1)

    base = forward(None, 0)
    for tensor in (problem.input, layer.weight):
        gradient = derivation.gradient(tensor.name)
        for flat in range(tensor.size):
            changed = np.flatnonzero(forward(tensor, flat) != base).tolist()
            assert [t.output.flat for t in gradient.entry(flat).terms] == changed
    counted = sum(derivation.gradient(t.name).term_count for t in (problem.input, *layer.parameters))
    assert problem.term_count() == counted
