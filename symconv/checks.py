"""Three independent routes to every gradient, compared numerically.

1. the chain-rule derivation (:mod:`symconv.derivation`), evaluated from its term data;
2. the closed form (:mod:`symconv.closed_form`): correlations with the dilated upstream gradient
   and the rotated kernel;
3. the NumPy reference (:mod:`symconv.numeric`), plus central finite differences of its forward
   pass as a third opinion.

Tensors without values get random ones (seeded); given values are used as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .derivation import Derivation, derive
from .numeric import finite_differences
from .problem import Problem

TOLERANCE = 1e-9  # relative to the largest gradient entry; the routes are exact up to rounding
FD_TOLERANCE = 1e-5
FD_STEP = 1e-3


@dataclass(frozen=True)
class RouteComparison:
    """Largest absolute differences from the NumPy reference for one tensor's gradient."""

    tensor: str
    chain_rule: float
    closed_form: float
    finite_differences: float | None  # None for intermediate outputs (not leaves)
    fd_entries: int
    scale: float  # largest |entry| of the reference gradient

    @property
    def ok(self) -> bool:
        limit = TOLERANCE * max(1.0, self.scale)
        fd_ok = (self.finite_differences is None
                 or self.finite_differences <= FD_TOLERANCE * max(1.0, self.scale))
        return self.chain_rule <= limit and self.closed_form <= limit and fd_ok


@dataclass(frozen=True)
class CheckReport:
    rows: list[RouteComparison]
    seed: int

    @property
    def ok(self) -> bool:
        return all(row.ok for row in self.rows)


def leaf_values(problem: Problem, rng: np.random.Generator) -> dict:
    """Values of the input, the parameters and the upstream gradient, keyed by tensor."""
    leaves = [problem.input, *[p for layer in problem.layers for p in layer.parameters],
              problem.upstream]
    return {t: t.numeric_values() if t.is_numeric else rng.uniform(-1, 1, t.shape) for t in leaves}


def forward_values(problem: Problem, values: dict) -> dict:
    """``values`` extended with every layer's output."""
    values = dict(values)
    for layer in problem.layers:
        params = {p.name: values[p] for p in layer.parameters}
        values[layer.output] = layer.reference_forward(values[layer.input], params)
    return values


def backward_by(problem: Problem, values: dict, route: str) -> dict[str, np.ndarray]:
    """All gradients by tensor name through ``route``: "reference_backward" or "closed_form"."""
    grads: dict[str, np.ndarray] = {}
    upstream = values[problem.upstream]
    for layer in reversed(problem.layers):
        params = {p.name: values[p] for p in layer.parameters}
        grads.update(getattr(layer, route)(values[layer.input], params, upstream))
        upstream = grads[layer.input.name]
        if layer is not problem.layers[0]:
            grads[layer.input.name] = upstream
    return grads


def loss_function(problem: Problem, leaves: dict):
    """L as a function of leaf values by name: Σ upstream · (output of the last layer)."""
    by_name = {t.name: t for t in leaves if t is not problem.upstream}

    def loss(named: dict) -> float:
        values = {by_name[name]: array for name, array in named.items()}
        values[problem.upstream] = leaves[problem.upstream]
        values = forward_values(problem, values)
        return float(np.sum(values[problem.upstream] * values[problem.layers[-1].output]))

    return loss, {t.name: leaves[t] for t in by_name.values()}


def check(problem: Problem, *, seed: int = 0, fd_entries: int = 32,
          derivation: Derivation | None = None) -> CheckReport:
    """Compare the three routes for every gradient of ``problem``."""
    rng = np.random.default_rng(seed)
    derivation = derivation or derive(problem)
    leaves = leaf_values(problem, rng)
    values = forward_values(problem, leaves)
    reference = backward_by(problem, values, "reference_backward")
    closed = backward_by(problem, values, "closed_form")
    loss, named = loss_function(problem, leaves)
    rows = []
    for tensor in problem.differentiable():
        expected = np.asarray(reference[tensor.name], dtype=float)
        chain = derivation.gradient(tensor.name).evaluate(lambda t: values[t])
        fd_error, count = None, 0
        if tensor.name in named:
            count = min(fd_entries, tensor.size)
            entries = np.sort(rng.choice(tensor.size, size=count, replace=False))
            estimate = finite_differences(loss, named, tensor.name, entries, FD_STEP)
            fd_error = float(np.max(np.abs(estimate - expected.reshape(-1)[entries]), initial=0.0))
        rows.append(RouteComparison(
            tensor.name,
            float(np.max(np.abs(chain - expected), initial=0.0)),
            float(np.max(np.abs(np.asarray(closed[tensor.name], dtype=float) - expected), initial=0.0)),
            fd_error, count, float(np.max(np.abs(expected), initial=0.0))))
    return CheckReport(rows, seed)
