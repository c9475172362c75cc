"""Shared test helpers: exact gradients through the NumPy routes, and problem construction."""

from __future__ import annotations

import numpy as np

from symconv import build_problem
from symconv.problems.checks import backward_by, closed_form_route, forward_values, matrix_route

from dense_reference import Network


def exact_leaves(problem, upstream=None, given=None) -> dict:
    """Object arrays of the exact values of the input, parameters and upstream gradient: the
    problem's own, or ``given`` (by tensor name) / ``upstream`` where it has none."""
    leaves = [problem.input, *[p for layer in problem.layers for p in layer.parameters]]
    given = given or {}
    values = {t: given.get(t.name, t.values) for t in leaves}
    values[problem.upstream] = problem.upstream.values if upstream is None else upstream
    return values


def exact_route(problem, route: str, upstream=None, given=None) -> dict:
    """Every gradient by name through ``route`` ("reference_backward", "closed_form" or
    "matrix"), exactly."""
    values = forward_values(problem, exact_leaves(problem, upstream, given))
    routes = {"closed_form": closed_form_route, "matrix": matrix_route}
    return backward_by(problem, values, routes.get(route))[0]


def independent_outputs(network: Network, problem, values: dict) -> dict:
    """Every layer's output by name through the tests' own reference (``dense_reference``, the
    problem's specification read there, never symconv's references), from ``values`` by tensor
    name: the input's and every parameter's."""
    params = [[values[p.name] for p in layer.parameters] for layer in problem.layers]
    outputs = network.forward(values[problem.input.name], params)
    return {layer.output.name: y.reshape(layer.output.shape)
            for layer, y in zip(problem.layers, outputs)}


def independent_gradients(network: Network, problem, values: dict | None = None) -> dict:
    """Every gradient by name through the tests' own reference, from ``values`` by tensor name
    (the input's, every parameter's and the upstream gradient's; default: the problem's own)."""
    if values is None:
        values = {t.name: v for t, v in exact_leaves(problem).items()}
    params = [[values[p.name] for p in layer.parameters] for layer in problem.layers]
    grads = network.backward(values[problem.input.name], params, values[problem.upstream.name])
    return {tensor.name: grad.reshape(tensor.shape) for layer, found in zip(problem.layers, grads)
            for tensor, grad in zip((layer.input, *layer.parameters), found)}


def as_array(polys, shape) -> np.ndarray:
    """Numeric polynomials as an object array of exact numbers."""
    array = np.empty(len(polys), dtype=object)
    array[:] = [p.number for p in polys]
    return array.reshape(shape)


def pool_problem(layer: dict, shape, values=None, upstream=None, dims=2, **input_keys):
    spec = {"dims": dims, "input": {"shape": list(shape), **input_keys}, "layers": [layer]}
    if values is not None:
        spec["input"]["values"] = values
    if upstream is not None:
        spec["upstream"] = upstream
    return build_problem(spec)


def run_cli(argv) -> int:
    """The symconv command in-process: prints as the console script does, returns the exit status."""
    from symconv.interface.cli import cli

    return cli.main(args=[str(a) for a in argv], prog_name="symconv", standalone_mode=False)
