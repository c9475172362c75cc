"""Wrong backward passes of a convolution, as students compute them (for the answer checker's
diagnosis): each is the closed form with the one step the student got wrong changed.

∂L/∂X   kernel not rotated, zeros not inserted for stride > 1, padding removed on one side only,
        padding not removed at all (the answer then has the padded shape)
∂L/∂W   the result rotated, zeros not inserted for stride > 1
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Any, Sequence

import numpy as np

from ...core.contract import Array
from ...engine.derivation import Terms
from ...core.poly import Poly
from ...engine.sections import object_array
from ...core.tensors import Tensor
from ...core.wording import per_axis
from ...engine.registry import WrongVariant
from ..sliding import closed_form
from ..sliding.layer import ConvLayer


def conv_mistakes(layer: ConvLayer, target: Tensor, dy_polys: list[Poly], terms: Terms,
                  loss: str) -> list[WrongVariant]:
    g = layer.geometry
    x_name, w_name, dy_name = layer.input.name, layer.weight.name, f"∂{loss}/∂{layer.output.name}"
    dy = object_array(dy_polys, g.output_shape)
    unit_stride = replace(g, stride=(1,) * g.dims)
    found: list[WrongVariant] = []
    if target is layer.input:
        w = object_array(layer.weight.entries(), g.weight_shape)
        found.append(WrongVariant(
            "kernel-not-rotated", f"the kernel {w_name} was not rotated by 180° (∂{loss}/∂{x_name} is the"
            f" full correlation of {dy_name} with {w_name} rotated by 180°)",
            lambda: closed_form.symbolic(closed_form.grad_input, (dy, closed_form.rotate_180(w, g.dims)), g)))
        if max(g.stride) > 1:
            found.append(WrongVariant(
                "zeros-not-inserted", f"no zeros were inserted between the entries of {dy_name}"
                f" for stride {per_axis(g.stride)} (insert stride − 1 zeros before the full"
                f" correlation with {w_name} rotated)",
                lambda: closed_form.symbolic(closed_form.grad_input, (dy, w), unit_stride)))
        if max(g.pad_before + g.pad_after) > 0:
            total = tuple(b + a for b, a in g.padding)
            both = "remove P from both sides" if g.symmetric else "remove each side's own padding"
            for side, start in (("end", (0,) * g.dims), ("start", total)):
                if start == g.pad_before:  # all the padding sits on that side: no mistake there
                    continue
                found.append(WrongVariant(
                    f"padding-removed-at-{side}", f"{x_name}'s padding {g.padding_words} was"
                    f" removed from the {side} of each axis of ∂{loss}/∂{x_name} only ({both})",
                    partial(crop_padded, dy, w, layer, start)))
            found.append(WrongVariant(
                "padding-not-removed", f"{x_name}'s padding {g.padding_words} was not removed"
                f" (∂{loss}/∂{x_name} is the full correlation without its outer {g.padding_words}"
                " rows and columns)", lambda: padded_input_gradient(dy, w, layer),
                (*target.shape[:-g.dims], *g.padded_size)))
    elif target is layer.weight:
        x = object_array(layer.input.entries(), g.input_shape)
        found.append(WrongVariant(
            "result-rotated", f"∂{loss}/∂{w_name} was rotated by 180° (it is a plain correlation of"
            f" {x_name} with {dy_name}, nothing flipped)",
            lambda: closed_form.rotate_180(closed_form.symbolic(closed_form.grad_weight, (x, dy), g), g.dims)))
        if max(g.stride) > 1:
            found.append(WrongVariant(
                "zeros-not-inserted", f"{dy_name} was not dilated for stride"
                f" {per_axis(g.stride)} (insert stride − 1 zeros between its entries)",
                lambda: closed_form.symbolic(closed_form.grad_weight, (x, dy), unit_stride)))
    return found


def padded_input_gradient(dy: np.ndarray, w: np.ndarray, layer: ConvLayer) -> np.ndarray:
    """∂L/∂(padded input): the full correlation before the padding is removed."""
    g = layer.geometry
    padded = replace(g, padding=((0, 0),) * g.dims, input_size=g.padded_size)
    return closed_form.symbolic(closed_form.grad_input, (dy, w), padded)


def crop_padded(dy: Array, w: Array, layer: ConvLayer, start: Sequence[int]) -> Array:
    """∂L/∂(padded input), cropped to the input's size at ``start`` instead of at P."""
    full = padded_input_gradient(dy, w, layer)
    cropped: tuple[Any, ...] = (Ellipsis, *[slice(s, s + h) for s, h in zip(start, layer.geometry.input_size)])
    cropped_gradient: Array = full[cropped]
    return cropped_gradient
