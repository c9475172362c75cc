"""Wrong backward passes of one layer, as students compute them.

Each ``*_mistakes`` function takes the layer, the tensor whose gradient is wanted (the layer's
input or one of its parameters), the upstream gradient ∂L/∂(layer output) as polynomials
(row-major) and the chain-rule terms of that tensor through the layer; it returns candidates
``(key, description, compute)`` where ``compute()`` gives the whole wrong gradient of the tensor,
row-major. Nothing here is guessed from text: every variant is the core's own computation with the
one step the student got wrong changed. :mod:`.diagnose` pulls a wrong gradient of an intermediate
tensor back through the earlier layers (done right) to the tensor the answer is about.

convolution  kernel not rotated, zeros not inserted for stride > 1, padding removed on one side,
             result rotated (∂L/∂W)
pooling      overlapping windows (stride < kernel) counted once: an entry takes the gradient of
             only one of the windows that route to it (the first or the last) instead of their sum
max pooling  a tie routed to the wrong element: to the last maximum, split among the tied ones,
             or the whole gradient to each of them (PyTorch and symconv: the first maximum)
ReLU         the derivative at exactly 0 taken as 1 (it is 0: [x > 0])
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from typing import Callable, Iterable

import numpy as np

from .. import closed_form
from ..layers.pool import MaxPoolLayer
from ..poly import Poly, poly_sum

Candidate = tuple[str, str, Callable[[], Iterable]]


def per_axis(values: tuple[int, ...]) -> str:
    """``2`` when every axis has the same value, else ``(2, 1)``."""
    return str(values[0]) if len(set(values)) == 1 else "(" + ", ".join(map(str, values)) + ")"


def poly_array(values: Iterable, shape) -> np.ndarray:
    """Numbers, symbols or polynomials as an object array of :class:`Poly` in ``shape``."""
    items = [Poly.lift(value) for value in values]
    array = np.empty(len(items), dtype=object)
    array[:] = items
    return array.reshape(shape)


# -- convolution ------------------------------------------------------------------------------------
def conv_mistakes(layer, target, dy_polys: list[Poly], block) -> list[Candidate]:
    g = layer.geometry
    dy = poly_array(dy_polys, g.output_shape)
    unit_stride = replace(g, stride=(1,) * g.dims)
    candidates: list[Candidate] = []
    if target is layer.input:
        w = poly_array(layer.weight.entries(), g.weight_shape)
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
    elif target is layer.weight:
        x = poly_array(layer.input.entries(), g.input_shape)
        candidates.append(("result-rotated", "the result was rotated by 180° (∂L/∂W is a plain"
                           " correlation of the input with the upstream gradient, nothing flipped)",
                           lambda: closed_form.rotate_180(closed_form.grad_weight(x, dy, g), g.dims)))
        if max(g.stride) > 1:
            candidates.append(("zeros-not-inserted", f"the upstream gradient was not dilated for"
                               f" stride {per_axis(g.stride)} (insert stride − 1 zeros between its"
                               f" entries)", lambda: closed_form.grad_weight(x, dy, unit_stride)))
    return candidates


def padded_input_gradient(dy: np.ndarray, w: np.ndarray, g) -> np.ndarray:
    """∂L/∂(padded input): the full correlation before the padding is removed."""
    padded = replace(g, padding=(0,) * g.dims,
                     input_size=tuple(h + 2 * p for h, p in zip(g.input_size, g.padding)))
    return closed_form.grad_input(dy, w, padded)


def _crop_padded(dy, w, g, start) -> np.ndarray:
    """∂L/∂(padded input), cropped to the input's size at ``start`` instead of at P."""
    full = padded_input_gradient(dy, w, g)
    return full[(Ellipsis, *[slice(s, s + h) for s, h in zip(start, g.input_size)])]


# -- pooling ----------------------------------------------------------------------------------------
TIE_RULES = (
    ("tie-last-maximum", "last", "on a tie the gradient went to the last maximum of the window; it"
                                 " goes to the first maximum in row-major window order (PyTorch's"
                                 " rule)"),
    ("tie-split", "split", "on a tie the gradient was split equally among the tied maxima; it goes"
                           " whole to the first maximum in row-major window order (PyTorch's rule)"),
    ("tie-all-maxima", "all", "on a tie every tied maximum got the whole gradient; only the first"
                              " maximum in row-major window order gets it (PyTorch's rule)"),
)


def pool_mistakes(layer, target, dy_polys: list[Poly], block) -> list[Candidate]:
    g = layer.geometry
    candidates: list[Candidate] = []
    if any(s < k for s, k in zip(g.stride, g.kernel)):
        for which, pick in (("first", 0), ("last", -1)):
            candidates.append((
                "overlap-counted-once",
                f"overlapping windows (kernel {per_axis(g.kernel)}, stride {per_axis(g.stride)}) were"
                f" counted once: each entry got the gradient of only the {which} window"
                f" {'that routes to it' if isinstance(layer, MaxPoolLayer) else 'containing it'};"
                f" it gets the sum over all of them",
                lambda pick=pick: one_window(block, dy_polys, pick)))
    if isinstance(layer, MaxPoolLayer) and layer.ties():
        for key, rule, description in TIE_RULES:
            candidates.append((key, description, lambda rule=rule: routed(layer, dy_polys, rule)))
    return candidates


def one_window(block, dy_polys: list[Poly], pick: int) -> list[Poly]:
    """Every entry with only one of its chain-rule terms (``pick``: 0 the first window, −1 the
    last), among those whose local derivative is not 0."""
    values = []
    for flat in range(block.wrt.size):
        start, stop = int(block.offsets[flat]), int(block.offsets[flat + 1])
        terms = [(output, local) for output, local in zip(block.outputs[start:stop].tolist(),
                                                          block.local.factors(start, stop))
                 if local != 0]
        values.append(dy_polys[terms[pick][0]] * terms[pick][1] if terms else Poly())
    return values


def routed(layer: MaxPoolLayer, dy_polys: list[Poly], rule: str) -> list[Poly]:
    """∂L/∂X of max pooling with known values when ties follow ``rule`` ("last": the last maximum,
    "split": equal shares, "all": the whole gradient to each tied maximum)."""
    values = layer.input.values.reshape(-1)
    parts: list[list[Poly]] = [[] for _ in range(layer.input.size)]
    for output, window in enumerate(layer.window_matrix().tolist()):
        members = [i for i in window if i >= 0]
        best = max(values[i] for i in members)
        tied = [i for i in members if values[i] == best]
        if rule == "last":
            shares = [(tied[-1], 1)]
        elif rule == "split":
            shares = [(i, Fraction(1, len(tied))) for i in tied]
        else:
            shares = [(i, 1) for i in tied]
        for i, share in shares:
            parts[i].append(dy_polys[output] * share)
    return [poly_sum(p) for p in parts]


# -- activations ------------------------------------------------------------------------------------
def relu_mistakes(layer, target, dy_polys: list[Poly], block) -> list[Candidate]:
    if not layer.input.is_numeric:
        return []
    values = layer.input.values.reshape(-1).tolist()
    if 0 not in values:
        return []
    return [("relu-derivative-at-zero", "ReLU's derivative at exactly 0 was taken as 1; it is 0"
             " there ([x > 0], PyTorch's choice)",
             lambda: [dy if v >= 0 else Poly() for dy, v in zip(dy_polys, values)])]


LAYER_MISTAKES = {"conv": conv_mistakes, "maxpool": pool_mistakes, "avgpool": pool_mistakes,
                  "lppool": pool_mistakes, "relu": relu_mistakes}
