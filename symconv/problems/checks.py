"""Independent routes to every gradient, compared numerically.

1. the chain-rule derivation (:mod:`symconv.engine.derivation`), evaluated from its term data;
2. the closed form (each layer's ``closed_form``): correlations with the dilated upstream gradient
   and the rotated kernel;
3. the NumPy reference (each layer's ``reference_backward``), plus central finite differences of
   its forward pass as a third opinion;
4. for layers that are a matrix product (convolutions, transposed ones), the matrix view
   (:mod:`symconv.problems.matrix`): ∂L/∂X = Cᵀ·∂L/∂Y and ∂L/∂W as im2col products, a fourth opinion.

Tensors without values get random ones (seeded; positive when LP pooling takes roots); given
values are used as they are. Layers
without a closed form (ReLU, LP pooling) take their NumPy reference in route 2; a gradient whose
path to the loss has no closed form at all shows "n/a" there. ReLU and max pooling are piecewise
linear: finite differences are skipped for entries whose ±step changes the piece (a ReLU input at
0, a tied maximum) — random values almost never sit there, given integer values often do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..core.contract import Array, Arrays, Layer
from ..engine.derivation import Derivation, derive
from ..layers import layer_type
from .matrix import has_matrix, matrix_backward
from ..core.presentation import Presentable
from .problem import Problem
from ..core.tensors import Tensor

TOLERANCE = 1e-9  # relative to the largest gradient entry; the routes are exact up to rounding
FD_TOLERANCE = 1e-5
FD_STEP = 1e-3


@dataclass(frozen=True)
class RouteComparison:
    """Largest absolute differences from the NumPy reference for one tensor's gradient."""

    tensor: str
    chain_rule: float
    closed_form: float | None  # None when no layer on the way to the loss has a closed form
    finite_differences: float | None  # None for intermediate outputs, or every entry at a kink
    fd_entries: int
    scale: float  # largest |entry| of the reference gradient
    fd_skipped: int = 0  # entries at a kink, where no derivative exists
    matrix: float | None = None  # None when no layer on the way to the loss is a matrix product

    @property
    def ok(self) -> bool:
        limit = TOLERANCE * max(1.0, self.scale)
        fd_ok = (self.finite_differences is None
                 or self.finite_differences <= FD_TOLERANCE * max(1.0, self.scale))
        closed_ok = self.closed_form is None or self.closed_form <= limit
        matrix_ok = self.matrix is None or self.matrix <= limit
        return self.chain_rule <= limit and closed_ok and matrix_ok and fd_ok


ROUTE_COUNTS = {2: "both", 3: "all three", 4: "all four"}


@dataclass(frozen=True, repr=False)
class CheckReport(Presentable):
    """The routes compared: a table as text (``str``), coloured HTML in a notebook."""

    rows: list[RouteComparison]
    seed: int
    loss: str = "L"
    # the names of the problem's layer types (``ReLU``), each once, that ...
    without_closed_form: tuple[str, ...] = ()  # ... have no closed form,
    not_matrix_products: tuple[str, ...] = ()  # ... are not a matrix product,
    with_kinks: tuple[str, ...] = ()  # ... have kinks where finite differences were skipped

    @property
    def ok(self) -> bool:
        return all(row.ok for row in self.rows)

    @property
    def closed_form_compared(self) -> bool:
        """Whether some gradient went through a closed form (LP pooling alone has none)."""
        return any(row.closed_form is not None for row in self.rows)

    @property
    def matrix_compared(self) -> bool:
        """Whether some gradient went through the matrix form (a layer that is a matrix product)."""
        return any(row.matrix is not None for row in self.rows)

    @property
    def routes(self) -> int:
        """How many routes ran: the chain rule and the NumPy reference (finite differences are its
        second opinion), the closed form and the matrix form when some gradient went through them."""
        return 2 + self.closed_form_compared + self.matrix_compared

    @property
    def verdict(self) -> str:
        """``all four routes agree`` (as many as ran; ``both`` of two), or ``the routes DISAGREE``."""
        return f"{ROUTE_COUNTS[self.routes]} routes agree" if self.ok else "the routes DISAGREE"


def leaf_values(problem: Problem, rng: np.random.Generator) -> dict:
    """Values of the input, the parameters and the upstream gradient, keyed by tensor."""
    leaves = [problem.input, *[p for layer in problem.layers for p in layer.parameters],
              problem.upstream]
    # LP pooling with p ≥ 2 needs positive window sums: the root of a negative sum (odd p) is NaN
    # as in PyTorch, and a window of zeros (after a ReLU) has no derivative.
    low, high = (0.5, 1.5) if any(layer.positive_inputs for layer in problem.layers) else (-1, 1)
    return {t: t.numeric_values() if t.is_numeric else rng.uniform(low, high, t.shape) for t in leaves}


def forward_values(problem: Problem, values: dict) -> dict:
    """``values`` extended with every layer's output."""
    values = dict(values)
    for layer in problem.layers:
        params = {p.name: values[p] for p in layer.parameters}
        values[layer.output] = layer.reference_forward(values[layer.input], params)
    return values


Route = Callable[..., "dict | None"]  # (layer, x, params, upstream) -> gradients by name, or None


def closed_form_route(layer: Layer, x: Array, params: Arrays, dy: Array) -> dict[str, Array] | None:
    return layer.closed_form(x, params, dy)


def matrix_route(layer: Layer, x: Array, params: Arrays, dy: Array) -> dict[str, Array] | None:
    return matrix_backward(layer, x, params, dy) if has_matrix(layer) else None


def backward_by(problem: Problem, values: dict, route: Route | None,
                missed: list[Layer] | None = None) -> tuple[dict[str, np.ndarray], set]:
    """All gradients by tensor name through each layer's NumPy reference, or through ``route``
    (the closed form, the matrices) where the layer has it (else its reference); and the names
    whose gradient went through ``route`` for at least one layer. The layers without ``route``
    are added to ``missed``."""
    grads: dict[str, np.ndarray] = {}
    covered: set[str] = set()
    through_route = False
    upstream = values[problem.upstream]
    for layer in reversed(problem.layers):
        params = {p.name: values[p] for p in layer.parameters}
        x = values[layer.input]
        found = route(layer, x, params, upstream) if route is not None else None
        through_route = through_route or found is not None
        if found is None:
            found = layer.reference_backward(x, params, upstream)
            if missed is not None:
                missed.append(layer)
        grads.update(found)
        if through_route:
            covered.update(found)
        upstream = grads[layer.input.name]
    return grads, covered


def loss_function(problem: Problem, leaves: dict[Tensor, Array]) -> tuple[
        Callable[[dict[str, Array]], float], Callable[[dict[str, Array]], list[Array | None]],
        dict[str, Array]]:
    """L as a function of leaf values by name (Σ upstream · output of the last layer), the pieces
    of the piecewise-linear layers at those values, and the leaf values by name."""
    by_name = {t.name: t for t in leaves if t is not problem.upstream}

    def forward(named: dict) -> dict:
        values = {by_name[name]: array for name, array in named.items()}
        values[problem.upstream] = leaves[problem.upstream]
        return forward_values(problem, values)

    def loss(named: dict) -> float:
        values = forward(named)
        return float(np.sum(values[problem.upstream] * values[problem.layers[-1].output]))

    def pieces(named: dict) -> list:
        values = forward(named)
        return [layer.branch(values[layer.input]) for layer in problem.layers]

    return loss, pieces, {t.name: leaves[t] for t in by_name.values()}


def on_one_piece(pieces: Callable[[dict[str, Array]], list[Array | None]], named: dict[str, Array],
                 name: str, flat: int, step: float) -> bool:
    """Whether a step of ±``step`` in one entry keeps every ReLU mask and max routing."""
    def shifted(delta: float) -> list[Array | None]:
        moved = dict(named)
        moved[name] = named[name].astype(float, copy=True)
        moved[name].flat[flat] += delta
        return pieces(moved)

    here = pieces(named)
    return all(all(a is None or b is not None and np.array_equal(a, b)
                   for a, b in zip(here, shifted(delta)))
               for delta in (step, -step))


def finite_differences(loss: Callable[[dict], float], values: dict[str, np.ndarray], name: str,
                       entries: np.ndarray, step: float = 1e-3) -> np.ndarray:
    """Central differences ``(L(v + h) − L(v − h)) / 2h`` of ``loss`` for the chosen flat entries."""
    results = np.empty(len(entries))
    for i, flat in enumerate(entries):
        shifted = {key: array.astype(float, copy=True) for key, array in values.items()}
        original = shifted[name].flat[flat]
        shifted[name].flat[flat] = original + step
        up = loss(shifted)
        shifted[name].flat[flat] = original - step
        down = loss(shifted)
        results[i] = (up - down) / (2 * step)
    return results


def largest_difference(grads: dict, covered: set, name: str, expected: np.ndarray) -> float | None:
    """max |route − reference| for one tensor, None when the route never reached it."""
    if name not in covered:
        return None
    return float(np.max(np.abs(np.asarray(grads[name], dtype=float) - expected), initial=0.0))


def check(problem: Problem, *, seed: int = 0, fd_entries: int = 32,
          derivation: Derivation | None = None) -> CheckReport:
    """Compare the routes for every gradient of ``problem``."""
    rng = np.random.default_rng(seed)
    derivation = derivation or derive(problem)
    leaves = leaf_values(problem, rng)
    values = forward_values(problem, leaves)
    # Outputs known exactly (every leaf before them given) keep their exact values, so an exact tie
    # stays a tie instead of being broken by rounding.
    values.update({layer.output: layer.output.numeric_values()
                   for layer in problem.layers if layer.output.is_numeric})
    reference, _ = backward_by(problem, values, None)
    no_closed_form: list[Layer] = []
    no_matrix: list[Layer] = []
    closed, covered = backward_by(problem, values, closed_form_route, no_closed_form)
    matrices, by_matrix = backward_by(problem, values, matrix_route, no_matrix)
    loss, pieces, named = loss_function(problem, leaves)
    rows = []
    for tensor in problem.differentiable():
        expected = np.asarray(reference[tensor.name], dtype=float)
        chain = derivation.gradient(tensor.name).evaluate(lambda t: values[t])
        fd_error, count, skipped = None, 0, 0
        if tensor.name in named:
            count = min(fd_entries, tensor.size)
            chosen = np.sort(rng.choice(tensor.size, size=count, replace=False))
            entries = np.array([flat for flat in chosen.tolist()
                                if on_one_piece(pieces, named, tensor.name, flat, FD_STEP)], dtype=int)
            skipped = count - len(entries)
            if len(entries):
                estimate = finite_differences(loss, named, tensor.name, entries, FD_STEP)
                fd_error = float(np.max(np.abs(estimate - expected.reshape(-1)[entries])))
        rows.append(RouteComparison(
            tensor.name, float(np.max(np.abs(chain - expected), initial=0.0)),
            largest_difference(closed, covered, tensor.name, expected), fd_error, count - skipped,
            float(np.max(np.abs(expected), initial=0.0)), skipped,
            largest_difference(matrices, by_matrix, tensor.name, expected)))
    kinked = [layer for layer in reversed(problem.layers) if layer.branch(values[layer.input]) is not None]
    return CheckReport(rows, seed, problem.loss, type_names(no_closed_form), type_names(no_matrix),
                       type_names(kinked))


def type_names(layers: list[Layer]) -> tuple[str, ...]:
    """The names of the layers' types, each once, in the problem's order (``layers`` from the
    loss back, as the routes meet them)."""
    return tuple(dict.fromkeys(layer_type(layer).name for layer in reversed(layers)))
