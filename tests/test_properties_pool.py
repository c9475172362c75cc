"""Property tests: random pooling layers (1-D, 2-D, 3-D) and random 2–3 layer chains, every route
agreeing.

Values are small integers, so ties (and ReLU inputs at 0) are frequent: the chain rule, the NumPy
reference and the closed form must still agree exactly, because all three follow PyTorch's rules
(first maximum in row-major window order; ReLU'(0) = 0), and so must the tests' own reference
(``dense_reference``, written from PyTorch's definitions without symconv's code), the oracle. The
float check (random values, finite differences) runs on the same configurations with symbols.
"""

from dataclasses import replace

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from symconv import ProblemError, build_problem, check, derive

from dense_reference import Network
from helpers import as_array, exact_route, independent_gradients

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def integers(draw, shape, low, high):
    return np.array(draw(st.lists(st.integers(low, high), min_size=int(np.prod(shape)),
                                  max_size=int(np.prod(shape))))).reshape(shape).tolist()


@st.composite
def pooling_specs(draw, numeric: bool, kinds=("maxpool", "avgpool", "lppool")):
    dims = draw(st.sampled_from([1, 2, 3]))
    kind = draw(st.sampled_from(kinds))
    largest = 2 if dims == 3 else 3  # 3-D volumes stay small
    kernel = [draw(st.integers(1, largest)) for _ in range(dims)]
    stride = [draw(st.integers(1, k + 1)) for k in kernel]  # overlapping, adjacent and skipping
    padding = [0 if kind == "lppool" else draw(st.integers(0, k // 2)) for k in kernel]
    size = [draw(st.integers(max(1, k - 2 * p), k + largest)) for k, p in zip(kernel, padding)]
    shape = draw(st.sampled_from([[], [2], [2, 1]])) + size
    layer = {"type": kind, "kernel_size": kernel, "stride": stride}
    if kind != "lppool":
        layer["padding"] = padding
    if kind == "avgpool":
        layer["count_include_pad"] = draw(st.booleans())
    if kind == "lppool":
        layer["p"] = draw(st.integers(1, 3))
        layer["normalize"] = draw(st.sampled_from(["sum", "mean"]))
    spec = {"dims": dims, "input": {"shape": shape}, "layers": [layer]}
    if numeric:
        low = 1 if kind == "lppool" else -2  # odd p needs positive window sums, as in PyTorch
        spec["input"]["values"] = integers(draw, shape, low, 2)
    return spec


def pooling_problems(numeric: bool, kinds=("maxpool", "avgpool", "lppool")):
    return pooling_specs(numeric, kinds).map(build_problem)


def independent(spec, problem) -> dict:
    """Every gradient by the tests' own reference, from the problem's values."""
    return independent_gradients(Network(spec), problem)


def with_upstream(problem, values):
    """The same problem with these upstream values (problems are immutable)."""
    return replace(problem, upstream=replace(problem.upstream, values=values))


def upstream_for(problem, draw):
    shape = problem.layers[-1].output.shape
    array = np.empty(int(np.prod(shape)), dtype=object)
    array[:] = integers(draw, (array.size,), -3, 3)
    return array.reshape(shape)


@FAST
@given(st.data())
def test_pooling_routes_agree_exactly_on_integers_ties_and_overlaps_included(data):
    spec = data.draw(pooling_specs(numeric=True, kinds=("maxpool", "avgpool")))
    problem = build_problem(spec)
    problem = with_upstream(problem, upstream_for(problem, data.draw))
    chain = as_array(derive(problem).gradient("X").polys(), problem.input.shape)
    reference = exact_route(problem, "reference_backward")["X"]
    closed = exact_route(problem, "closed_form")["X"]
    assert chain.tolist() == independent(spec, problem)["X"].tolist()
    assert chain.tolist() == reference.tolist() == closed.tolist()


@FAST
@given(st.data())
def test_symbolic_pooling_evaluated_at_integers_matches_the_reference(data):
    """Indicators and LP roots, evaluated at tie-prone integers, follow the same rules."""
    spec = data.draw(pooling_specs(numeric=False))
    problem = build_problem(spec)
    kind = problem.layers[0].kind
    values = np.array(integers(data.draw, problem.input.shape, 1 if kind == "lppool" else -2, 2))
    upstream = upstream_for(problem, data.draw)
    polys = derive(problem).gradient("X").polys()
    flat_values, flat_upstream = values.reshape(-1), upstream.reshape(-1)
    evaluated = [p.evaluate(lambda s: flat_values[s.flat] if s.tensor is problem.input
                            else flat_upstream[s.flat]) for p in polys]
    reference = independent_gradients(Network(spec), problem, {"X": values, problem.upstream.name:
                                                               upstream})["X"].astype(float)
    assert np.allclose(np.array(evaluated, dtype=float), reference.reshape(-1), rtol=1e-12, atol=1e-12)
    # The vectorised evaluation of the terms (what `symconv check` uses) follows the same rules.
    vectorised = derive(problem).gradient("X").evaluate(
        lambda t: values if t is problem.input else upstream.astype(float))
    assert np.allclose(vectorised, reference, rtol=1e-12, atol=1e-12)


@SLOW
@given(st.data())
def test_check_agrees_on_random_pooling_layers(data):
    report = check(data.draw(pooling_problems(numeric=False)), seed=data.draw(st.integers(0, 99)))
    assert report.ok, report


@st.composite
def chain_specs(draw, numeric: bool, kinds=("conv", "relu", "maxpool", "avgpool")):
    """(specification, problem) of a random 2–3 layer chain."""
    dims = draw(st.sampled_from([1, 2]))
    size = [draw(st.integers(4, 6)) for _ in range(dims)]
    layers = []
    for _ in range(draw(st.integers(2, 3))):
        kind = draw(st.sampled_from(kinds))
        if kind == "conv":
            kernel = [draw(st.integers(1, 2)) for _ in range(dims)]
            weight = {"shape": kernel}
            if numeric:
                weight["values"] = integers(draw, kernel, -2, 2)
            layers.append({"type": "conv", "weight": weight, "name_me": len(layers)})
        elif kind == "relu":
            layers.append({"type": "relu"})
        elif kind == "lppool":
            layers.append({"type": kind, "kernel_size": [draw(st.integers(1, 2)) for _ in range(dims)],
                           "p": draw(st.integers(1, 3)),
                           "normalize": draw(st.sampled_from(["sum", "mean"]))})
        else:
            kernel = [draw(st.integers(1, 2)) for _ in range(dims)]
            layers.append({"type": kind, "kernel_size": kernel,
                           "stride": [draw(st.integers(1, k)) for k in kernel],
                           "padding": [draw(st.integers(0, k // 2)) for k in kernel]})
    for i, layer in enumerate(layers):
        if layer.pop("name_me", None) is not None:
            layer["weight"]["name"] = f"W{i + 1}"  # one name per weight
    spec = {"dims": dims, "input": {"shape": size}, "layers": layers}
    if numeric:
        spec["input"]["values"] = integers(draw, size, -2, 2)
    try:
        return spec, build_problem(spec)
    except ProblemError:
        assume(False)  # a window larger than what the earlier layers left


def chains(numeric: bool, kinds=("conv", "relu", "maxpool", "avgpool")):
    return chain_specs(numeric, kinds).map(lambda drawn: drawn[1])


@FAST
@given(st.data())
def test_chain_expansions_agree_exactly_with_both_numeric_routes(data):
    spec, problem = data.draw(chain_specs(numeric=True))
    problem = with_upstream(problem, upstream_for(problem, data.draw))
    derivation = derive(problem)
    oracle = independent(spec, problem)
    reference = exact_route(problem, "reference_backward")
    closed = exact_route(problem, "closed_form")
    for tensor in problem.differentiable():
        expanded = as_array(derivation.gradient(tensor.name).expanded(), tensor.shape)
        assert expanded.tolist() == oracle[tensor.name].tolist()
        assert expanded.tolist() == reference[tensor.name].reshape(tensor.shape).tolist()
        assert expanded.tolist() == closed[tensor.name].reshape(tensor.shape).tolist()


@SLOW
@given(st.data())
def test_check_agrees_on_random_chains(data):
    problem = data.draw(chains(numeric=False, kinds=("conv", "relu", "maxpool", "avgpool", "lppool")))
    report = check(problem, seed=data.draw(st.integers(0, 99)))
    assert report.ok, report
