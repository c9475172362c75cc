"""The usual mistakes, derived with the core and compared with the answer (never guessed from text).

Each :class:`Mistake` is the whole gradient as a student who made that mistake would write it:

- a mistake in one layer's backward pass (each layer type lists its own, see
  :attr:`symconv.engine.registry.LayerType.mistakes`: kernel not rotated, overlapping pooling
  windows counted once, a tie routed to the wrong maximum, …) made in the layer that reads the
  tensor, or in any later layer and then pulled back to the tensor through the earlier layers done
  right (a conv → ReLU → max pooling chain: a tie mistake in the pooling shows in ∂L/∂X);
- the given upstream gradient taken as all ones (pulled back through the whole chain);
- the sign flipped, the result transposed.

A gradient through several layers is right written with the intermediate ∂L/∂Y or fully expanded;
mistakes of the reading layer are derived in both forms. A mistake is reported when it explains
the whole answer, or at least two of the wrong entries and two thirds of them. The index-base
mistake (names counted from 0 instead of 1) is found when reading, by :mod:`.verify`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Callable, Iterable, Sequence

import numpy as np

from ..core.contract import ProblemView
from ..engine.derivation import Derivation, Gradient
from ..layers import WrongVariant, layer_type
from ..core.poly import Poly
from ..core.tensors import Tensor
from .compare import Compare, Tolerance
from .names import display_name

MAX_DIAGNOSED_ENTRIES = 4_096  # larger gradients get per-entry feedback only (object arrays are slow)
MAX_DIAGNOSED_TERMS = 100_000  # chains: a mistake in a later layer is a pass over all their terms


@dataclass(frozen=True)
class Mistake:
    key: str  # short, stable: used in the CSV and JSON
    description: str  # for the student
    values: tuple[Poly, ...]  # the whole gradient with this mistake, row-major


@dataclass(frozen=True)
class Diagnosis:
    mistake: Mistake
    explained: int  # wrong entries this mistake explains
    wrong: int
    whole: bool  # the whole answer is exactly this mistake


def _values(array: object) -> tuple[Poly, ...]:
    return tuple(Poly.lift(value) for value in np.asarray(array, dtype=object).reshape(-1))


@dataclass(frozen=True)
class WrongVariants:
    """What the diagnosis can tell: ``mistakes`` (in the gradient's shape, each different from the
    right answer and from the others), ``reshaped`` (another shape, with it: ∂L/∂X with the padding
    left on) and ``hidden``, the mistakes that apply here but give the right answer or the answer
    of another mistake, so they cannot be told apart (a symmetric kernel hides "not rotated")."""

    mistakes: list[Mistake]
    reshaped: list[tuple[Mistake, tuple[int, ...]]]
    hidden: list[str]


def wrong_variants(problem: ProblemView, gradient: Gradient) -> WrongVariants:
    wrt = gradient.wrt
    if wrt.size > MAX_DIAGNOSED_ENTRIES:
        return WrongVariants([], [], [])
    # a mistake in a later layer costs a pass over the chain's terms: only for small chains
    small = len(problem.layers) == 1 or problem.term_count() <= MAX_DIAGNOSED_TERMS
    derivation = gradient.derivation
    right = _values(gradient.polys())
    expanded = tuple(gradient.expanded())
    forms = [right] if expanded == right else [right, expanded]
    candidates: list[WrongVariant] = []
    reader = next(i for i, layer in enumerate(problem.layers) if wrt in (layer.input, *layer.parameters))
    layers = problem.layers[reader:] if small else problem.layers[reader:reader + 1]
    for i, layer in enumerate(layers, reader):
        target = wrt if i == reader else layer.input
        block = next(b for b in derivation.gradient(target.name).blocks if b.output is layer.output)
        upstream = problem.upstream_of(layer)
        upstream_forms = [derivation.upstream_polys(upstream)]
        if i == reader:  # the answer may be written with the reading layer's ∂L/∂Y symbols
            written = [Poly.lift(entry) for entry in upstream.entries()]
            upstream_forms = [written] + [f for f in upstream_forms if f != written]
        for form_number, dy in enumerate(upstream_forms):
            for variant in layer_type(layer).mistakes(layer, target, dy, block, problem.loss):
                if variant.shape is not None and (i != reader or form_number):
                    continue  # another shape: only as the answer would write it, in this layer
                if i != reader:
                    variant = variant._replace(compute=partial(pulled_back_variant, derivation, wrt,
                                                               target, variant.compute))
                candidates.append(variant)
    if small and not all(value == 1 for value in problem.upstream.entries()):
        ones = [Poly.lift(1)] * problem.upstream.size
        last = problem.layers[-1].output.name
        given = problem.upstream
        entries = ("" if given.derivative_of else
                   f" ({display_name(given, 0)} … {display_name(given, given.size - 1)})")
        candidates.append(WrongVariant("upstream-ones", f"the upstream gradient ∂{problem.loss}/∂{last}"
                                       f"{entries} was taken as all ones",
                                       lambda: pull_back(derivation, wrt, {last: ones})))
    shape, asked = wrt.shape, f"∂{problem.loss}/∂{wrt.name}"
    for form in forms:
        candidates.append(WrongVariant("sign-flipped", f"the sign of {asked} is flipped",
                                       partial(negated, form)))
        if len(shape) == 2 and shape[0] == shape[1]:
            candidates.append(WrongVariant(
                "transposed", f"{asked} is transposed (rows and columns swapped)",
                partial(transposed, form, shape)))
    found = WrongVariants([], [], [])
    seen = list(forms)
    for variant in candidates:
        values = _values(variant.compute())
        if variant.shape is not None:
            found.reshaped.append((Mistake(variant.key, variant.description, values), variant.shape))
        elif len(values) == len(right) and values not in seen:
            seen.append(values)
            found.mistakes.append(Mistake(variant.key, variant.description, values))
    kept = {mistake.key for mistake in found.mistakes}
    found.hidden.extend(dict.fromkeys(variant.key for variant in candidates
                                      if variant.shape is None and variant.key not in kept))
    return found


def negated(values: Iterable[Poly]) -> list[Poly]:
    return [-v for v in values]


def transposed(values: Sequence[Poly], shape: tuple[int, ...]) -> np.ndarray:
    return np.asarray(values, dtype=object).reshape(shape).T


def pulled_back_variant(derivation: Derivation, wrt: Tensor, target: Tensor,
                        compute: Callable[[], object]) -> list[Poly]:
    """A wrong ∂L/∂target (a mistake in a later layer) pulled back to ∂L/∂wrt, done right."""
    return pull_back(derivation, wrt, {target.name: _values(compute())})


def pull_back(derivation: Derivation, tensor: Tensor, replaced: dict[str, tuple[Poly, ...] | list[Poly]]) -> list[Poly]:
    """∂L/∂tensor expanded down to the given upstream gradient, with ∂L/∂T taken from
    ``replaced[T.name]`` (a wrong one) for the tensors T in it, and every other step done right."""
    if tensor.name in replaced:
        return list(replaced[tensor.name])
    problem = derivation.problem
    if tensor is problem.layers[-1].output:
        return [Poly.lift(entry) for entry in problem.upstream.entries()]
    gradient = derivation.gradient(tensor.name)
    return gradient.pulled_back([pull_back(derivation, block.output, replaced)
                                 for block in gradient.blocks])


def diagnose(given: list, correct: Sequence[bool], mistakes: list[Mistake],
             tolerance: Tolerance, compare: Compare) -> Diagnosis | None:
    """The mistake that explains the answer best, when it explains enough of it; ``correct``
    says which entries of ``given`` are right."""
    wrong = [i for i, right in enumerate(correct) if not right]
    if not wrong:
        return None
    right = [i for i, right in enumerate(correct) if right]
    best = None
    for mistake in mistakes:
        explained = sum(compare(given[i], mistake.values[i], tolerance).correct for i in wrong)
        whole = explained == len(wrong) and all(
            compare(given[i], mistake.values[i], tolerance).correct for i in right)
        if whole or (explained >= 2 and 3 * explained >= 2 * len(wrong)):
            if best is None or (whole, explained) > (best.whole, best.explained):
                best = Diagnosis(mistake, explained, len(wrong), whole)
    return best
