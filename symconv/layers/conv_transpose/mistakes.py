"""Wrong backward passes of a transposed convolution, as students compute them: the closed form
with the one step the student got wrong changed.

∂L/∂X   the kernel rotated by 180°, as for a convolution's ∂L/∂X (here it is a plain strided
        correlation: nothing is flipped)
∂L/∂W   the result rotated by 180°
"""

from __future__ import annotations

from ...engine.derivation import Terms
from ...core.poly import Poly
from ...engine.sections import object_array
from ...core.tensors import Tensor
from ..sliding import closed_form
from ...engine.registry import WrongVariant
from .layer import ConvTransposeLayer


def transpose_mistakes(layer: ConvTransposeLayer, target: Tensor, dy_polys: list[Poly],
                       terms: Terms, loss: str) -> list[WrongVariant]:
    g = layer.geometry
    x_name, w_name, dy_name = layer.input.name, layer.weight.name, f"∂{loss}/∂{layer.output.name}"
    dy = object_array(dy_polys, g.input_shape)
    if target is layer.input:
        w = object_array(layer.weight.entries(), g.weight_shape)
        return [WrongVariant(
            "kernel-rotated", f"the kernel {w_name} was rotated by 180°, as for a convolution's"
            f" input gradient; a transposed convolution's ∂{loss}/∂{x_name} is the plain strided"
            f" correlation of {dy_name} with {w_name}",
            lambda: closed_form.symbolic(closed_form.correlate, (dy, closed_form.rotate_180(w, g.dims)), g))]
    if target is layer.weight:
        x = object_array(layer.input.entries(), g.output_shape)
        return [WrongVariant(
            "result-rotated", f"∂{loss}/∂{w_name} was rotated by 180° (it is a plain correlation"
            f" of {dy_name} with {x_name}, nothing flipped)",
            lambda: closed_form.rotate_180(closed_form.symbolic(closed_form.grad_weight, (dy, x), g), g.dims))]
    return []
