"""The usual mistakes, derived with the core and compared with the answer (never guessed from text).

Each :class:`Mistake` is the whole gradient as a student who made that mistake would write it,
computed with the closed-form route (:mod:`symconv.closed_form`) on arrays of exact polynomials:
the kernel left unrotated, the stride's zeros not inserted, the padding removed on one side only,
the upstream gradient taken as ones, the sign flipped, the result transposed (and, for ∂L/∂W, the
result rotated). A mistake is reported when it explains the whole answer, or at least two of the
wrong entries and two thirds of them.

Only gradients read through a single layer whose upstream gradient is the problem's own are
diagnosed; a chain of layers gets per-entry feedback without a named mistake. The index-base mistake
(names counted from 0 instead of 1) is found when reading, by :mod:`.verify`. Pooling mistakes belong
to the pooling layers and are not covered here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .. import closed_form
from ..layers.conv import ConvLayer
from ..poly import Poly
from .compare import Comparison, Tolerance

MAX_DIAGNOSED_ENTRIES = 4_096  # larger gradients get per-entry feedback only (object arrays are slow)


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


def _poly_array(tensor, shape) -> np.ndarray:
    array = np.empty(tensor.size, dtype=object)
    array[:] = [Poly.lift(tensor.entry(flat)) for flat in range(tensor.size)]
    return array.reshape(shape)


def _values(array: np.ndarray) -> tuple[Poly, ...]:
    return tuple(Poly.lift(value) for value in np.asarray(array, dtype=object).reshape(-1))


def mistakes_for(problem, gradient) -> list[Mistake]:
    """The wrong variants of ``gradient`` that differ from the right one somewhere."""
    layer = _single_layer(problem, gradient)
    if layer is None:
        return []
    g = layer.geometry
    dy = _poly_array(problem.upstream, g.output_shape)
    ones = np.empty(dy.shape, dtype=object)
    ones[...] = Poly.lift(1)
    right = _values(gradient.polys())
    unit_stride = replace(g, stride=(1,) * g.dims)
    candidates: list[tuple[str, str, object]] = []
    if gradient.wrt is layer.input:
        w = _poly_array(layer.weight, g.weight_shape)
        candidates.append(("kernel-not-rotated", "the kernel was not rotated by 180° (∂L/∂X is the"
                           " full correlation with the rotated kernel)",
                           lambda: closed_form.grad_input(dy, closed_form.rotate_180(w, g.dims), g)))
        if max(g.stride) > 1:
            candidates.append(("zeros-not-inserted", f"no zeros were inserted between the upstream"
                               f" entries for stride {per_axis(g.stride)} (insert stride − 1 zeros"
                               f" before the full correlation)",
                               lambda: closed_form.grad_input(dy, w, unit_stride)))
        if max(g.padding) > 0:
            for side, start in (("end", (0,) * g.dims), ("start", tuple(2 * p for p in g.padding))):
                candidates.append((f"padding-removed-at-{side}",
                                   f"the padding {per_axis(g.padding)} was removed from the {side} of"
                                   f" each axis only (remove P from both sides)",
                                   lambda start=start: _crop_padded(dy, w, g, start)))
        candidates.append(("upstream-ones", "the upstream gradient was taken as all ones",
                           lambda: closed_form.grad_input(ones, w, g)))
    elif gradient.wrt is layer.weight:
        x = _poly_array(layer.input, g.input_shape)
        candidates.append(("result-rotated", "the result was rotated by 180° (∂L/∂W is a plain"
                           " correlation of the input with the upstream gradient, nothing flipped)",
                           lambda: closed_form.rotate_180(
                               np.asarray(right, dtype=object).reshape(g.weight_shape), g.dims)))
        if max(g.stride) > 1:
            candidates.append(("zeros-not-inserted", f"the upstream gradient was not dilated for"
                               f" stride {per_axis(g.stride)} (insert stride − 1 zeros between its"
                               f" entries)", lambda: closed_form.grad_weight(x, dy, unit_stride)))
        candidates.append(("upstream-ones", "the upstream gradient was taken as all ones",
                           lambda: closed_form.grad_weight(x, ones, g)))
    else:  # the bias
        candidates.append(("upstream-ones", "the upstream gradient was taken as all ones",
                           lambda: closed_form.grad_bias(ones)))
    candidates.append(("sign-flipped", "the sign is flipped", lambda: [-v for v in right]))
    shape = gradient.wrt.shape
    if len(shape) == 2 and shape[0] == shape[1]:
        candidates.append(("transposed", "the result is transposed (rows and columns swapped)",
                           lambda: np.asarray(right, dtype=object).reshape(shape).T))
    mistakes, seen = [], [right]
    for key, description, compute in candidates:
        values = _values(compute())
        if len(values) == len(right) and values not in seen:
            seen.append(values)
            mistakes.append(Mistake(key, description, values))
    return mistakes


def _padded_input_gradient(dy, w, g) -> np.ndarray:
    """∂L/∂(padded input): the full correlation before the padding is removed."""
    padded = replace(g, padding=(0,) * g.dims,
                     input_size=tuple(h + 2 * p for h, p in zip(g.input_size, g.padding)))
    return closed_form.grad_input(dy, w, padded)


def _crop_padded(dy, w, g, start) -> np.ndarray:
    """∂L/∂(padded input), cropped to the input's size at ``start`` instead of at P."""
    full = _padded_input_gradient(dy, w, g)
    return full[(Ellipsis, *[slice(s, s + h) for s, h in zip(start, g.input_size)])]


def unremoved_padding(problem, gradient) -> tuple[Mistake, tuple[int, ...]] | None:
    """∂L/∂X with the padding left on, and its (larger) declared shape: what a student who forgot
    to remove it writes. Its shape differs from X's, so it is matched when the shape is wrong."""
    layer = _single_layer(problem, gradient)
    if layer is None or gradient.wrt is not layer.input or not max(layer.geometry.padding):
        return None
    g = layer.geometry
    full = _padded_input_gradient(_poly_array(problem.upstream, g.output_shape),
                                  _poly_array(layer.weight, g.weight_shape), g)
    shape = (*gradient.wrt.shape[:-g.dims], *full.shape[-g.dims:])
    return Mistake("padding-not-removed", f"the padding {per_axis(g.padding)} was not removed"
                   f" (∂L/∂X is the full correlation without its outer {per_axis(g.padding)}"
                   f" rows and columns)", _values(full)), shape


def _single_layer(problem, gradient):
    """The convolution behind ``gradient`` when it is read by that one layer, fed by the given
    upstream gradient."""
    if len(gradient.blocks) != 1 or gradient.blocks[0].upstream is not problem.upstream:
        return None
    if gradient.wrt.size > MAX_DIAGNOSED_ENTRIES:
        return None
    layer = next(layer for layer in problem.layers
                 if gradient.wrt in (layer.input, *layer.parameters))
    return layer if isinstance(layer, ConvLayer) else None  # pooling mistakes: not covered yet


def diagnose(given: list, comparisons: list[Comparison], mistakes: list[Mistake],
             tolerance: Tolerance, compare) -> Diagnosis | None:
    """The mistake that explains the answer best, when it explains enough of it."""
    wrong = [i for i, c in enumerate(comparisons) if not c.correct]
    if not wrong:
        return None
    right = [i for i, c in enumerate(comparisons) if c.correct]
    best = None
    for mistake in mistakes:
        explained = sum(compare(given[i], mistake.values[i], tolerance).correct for i in wrong)
        whole = explained == len(wrong) and all(
            compare(given[i], mistake.values[i], tolerance).correct for i in right)
        if whole or (explained >= 2 and 3 * explained >= 2 * len(wrong)):
            if best is None or (whole, explained) > (best.whole, best.explained):
                best = Diagnosis(mistake, explained, len(wrong), whole)
    return best


def per_axis(values: tuple[int, ...]) -> str:
    """``2`` when every axis has the same value, else ``(2, 1)``."""
    return str(values[0]) if len(set(values)) == 1 else "(" + ", ".join(map(str, values)) + ")"
