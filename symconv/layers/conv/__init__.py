"""``type = "conv"``: a convolution (cross-correlation, PyTorch's Conv1d/Conv2d).

Keys: ``stride``, ``dilation`` (an int or one per spatial axis), ``padding`` (also
``[before, after]`` pairs, ``"valid"`` or ``"same"``: see :mod:`.padding`), ``groups``, the
``[layers.weight]`` table (shape ``[K…]`` or ``[F, C/groups, K…]``) and an optional
``[layers.bias]`` (one entry per filter).
"""

from __future__ import annotations

from typing import Any

from ...engine.sections import Case, entry_cases
from ...core.spec import SpecError, get_name, make_tensor, output_tensor
from ...core.tensors import Role, Tensor
from ...core.wording import shape_text
from ...engine.registry import Im2col, LayerRequest, LayerType, QuickSetting, register
from ..sliding.geometry import ConvGeometry, GeometryError, same_padding
from ..sliding.layer import ConvLayer, declared_output_shape
from ..sliding.reading import SAME, read_bias, read_field_keys, refuse_channels_last
from ..sliding.sections import settings_words
from .mistakes import conv_mistakes
from .sections import SECTIONS, describe, output_arithmetic


def build_conv(request: LayerRequest) -> ConvLayer:
    table, path, layer_input, dims, rank = request[:5]
    shape = layer_input.shape
    weight_table, weight_shape, stride, padding, dilation, groups, batch, channels = read_field_keys(
        table, path, dims, shape, "F, C/groups")
    has_filters = len(weight_shape) == dims + 2
    filters = weight_shape[0] if has_filters else 1
    kernel_channels = weight_shape[1] if has_filters else 1
    if groups >= 1 and channels % groups == 0 and kernel_channels != channels // groups:
        if has_filters:
            refuse_channels_last(layer_input, dims, kernel_channels * groups)
            message = (f"the weight has {kernel_channels} channels per filter but the input has"
                       f" {channels} channels and groups = {groups}, so it needs {channels // groups}"
                       f" (shape [F, C/groups, K...])")
        else:
            message = (f"the weight shape {list(weight_shape)} has no channel axis but the input has"
                       f" {channels} channels; write it as [F, {channels // groups},"
                       f" {', '.join(map(str, weight_shape))}]")
        raise SpecError(path + ("weight", "shape"), message, about_input=True)
    size, kernel = tuple(shape[-dims:]), tuple(weight_shape[-dims:])
    pairs = padding if not isinstance(padding, str) else tuple(
        same_padding(*axis) for axis in zip(size, kernel, stride, dilation))
    try:
        geometry = ConvGeometry(batch, channels, filters, groups, size, kernel, stride, pairs,
                                dilation)
    except GeometryError as error:
        raise SpecError(path + (error.key,), str(error), about_input=error.about_input) from None

    weight = make_tensor(weight_table, path + ("weight",),
                         name=get_name(weight_table, path + ("weight",), "W"),
                         shape=weight_shape, role=Role.WEIGHT, rank=rank + 1,
                         leading_axes=("f", "c"))  # PyTorch's [F, C/groups, K…]
    bias = read_bias(table, path, filters, rank + 2, "filter")
    output = output_tensor(table, path, request.default_output,
                           declared_output_shape(len(shape), dims, batch, filters,
                                                 geometry.output_size, has_filters),
                           layer_input, rank + 3, leading_axes=("n", "f"))
    return ConvLayer(geometry, layer_input, weight, bias, output, same=padding == SAME)


def quick_table(kernel_shape: tuple[int, ...], *, stride: QuickSetting = 1, padding: QuickSetting = 0,
                dilation: QuickSetting = 1, bias: bool = False) -> dict[str, Any]:
    """The layer table of ``symconv grad --input 4x4 --kernel 2x2 [--stride …]``: weight W."""
    def per_axis_value(value: QuickSetting) -> int | str | list[int]:
        return list(value) if isinstance(value, tuple) else value

    table: dict[str, Any] = {"type": "conv", "weight": {"name": "W", "shape": list(kernel_shape)},
             "stride": per_axis_value(stride), "padding": per_axis_value(padding),
             "dilation": per_axis_value(dilation)}
    if bias:
        table["bias"] = {"name": "b"}
    return table


def title(layer: ConvLayer) -> str:
    """``2 × 3 × 3 × 3 weight, stride 2, padding 1, dilation 2`` (a weight of the kernel's shape
    alone is a ``3 × 3 kernel``)."""
    weight = layer.weight.shape
    kind = "kernel" if len(weight) == layer.geometry.dims else "weight"
    return f"{shape_text(weight)} {kind}, {settings_words(layer)}"


def im2col(layer: ConvLayer) -> Im2col:
    """∂L/∂W = ∂L/∂Y·im2col(X)ᵀ, one product per group."""
    outputs, patches = layer.geometry.im2col()
    return Im2col(outputs, Role.UPSTREAM, patches, Role.INPUT)


def cases(layer: ConvLayer, tensor: Tensor) -> list[Case] | None:
    """The input's entries by where they sit (a corner, an edge, between skipped outputs, the
    interior); the weight's by whether the padding cuts their sums."""
    g = layer.geometry
    if tensor is layer.input:
        return entry_cases(tensor, g.input_cases())
    if tensor is layer.weight:
        return entry_cases(tensor, g.weight_cases(), window=True)
    return None


CONV = register(LayerType(
    kind="conv", name="convolution", summary="a convolution (cross-correlation, as in PyTorch)",
    keys=("stride", "padding", "dilation", "groups", "weight", "bias"), roles=(Role.WEIGHT, Role.BIAS),
    build=build_conv, describe=describe, title=title, sections=SECTIONS, mistakes=conv_mistakes,
    quick=quick_table, output_size=output_arithmetic,
    expression=lambda layer, flat: layer.expression(flat),
    im2col=im2col, cases=cases))

__all__ = ["CONV", "ConvGeometry", "ConvLayer", "GeometryError", "declared_output_shape"]
