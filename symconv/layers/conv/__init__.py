"""``type = "conv"``: a convolution (cross-correlation, PyTorch's Conv1d/Conv2d).

Keys: ``stride``, ``padding``, ``dilation`` (an int or one per spatial axis), ``groups``, the
``[layers.weight]`` table (shape ``[K…]`` or ``[F, C/groups, K…]``) and an optional
``[layers.bias]`` (one entry per filter).
"""

from __future__ import annotations

from ...spec import (TENSOR_KEYS, SpecError, check_keys, get_int, get_name, get_per_axis, get_shape,
                     make_tensor, output_tensor)
from ...wording import shape_text
from ..registry import LayerRequest, LayerType, register
from .geometry import ConvGeometry, GeometryError
from .layer import ConvLayer, declared_output_shape
from .mistakes import conv_mistakes
from .sections import SECTIONS, describe, settings_words


def build_conv(request: LayerRequest) -> ConvLayer:
    table, path, layer_input, dims, rank = request[:5]
    weight_table = check_keys(table.get("weight"), TENSOR_KEYS, path + ("weight",), "[layers.weight]")
    weight_shape = get_shape(weight_table, path + ("weight",), "the weight", (dims, dims + 2),
                             "[3, 3]" if dims == 2 else "[3]")
    stride = get_per_axis(table, "stride", 1, dims, path)
    padding = get_per_axis(table, "padding", 0, dims, path)
    dilation = get_per_axis(table, "dilation", 1, dims, path)
    groups = get_int(table, "groups", 1, path)

    shape = layer_input.shape
    batch = shape[0] if len(shape) == dims + 2 else 1
    channels = shape[-dims - 1] if len(shape) > dims else 1
    has_filters = len(weight_shape) == dims + 2
    filters = weight_shape[0] if has_filters else 1
    kernel_channels = weight_shape[1] if has_filters else 1
    if groups >= 1 and channels % groups == 0 and kernel_channels != channels // groups:
        if has_filters:
            message = (f"the weight has {kernel_channels} channels per filter but the input has"
                       f" {channels} channels and groups = {groups}, so it needs {channels // groups}"
                       f" (shape [F, C/groups, K...])")
        else:
            message = (f"the weight shape {list(weight_shape)} has no channel axis but the input has"
                       f" {channels} channels; write it as [F, {channels // groups},"
                       f" {', '.join(map(str, weight_shape))}]")
        raise SpecError(path + ("weight", "shape"), message, about_input=True)
    try:
        geometry = ConvGeometry(batch, channels, filters, groups, tuple(shape[-dims:]),
                                tuple(weight_shape[-dims:]), stride, padding, dilation)
    except GeometryError as error:
        raise SpecError(path + (error.key,), str(error), about_input=error.about_input) from None

    weight = make_tensor(weight_table, path + ("weight",),
                         name=get_name(weight_table, path + ("weight",), "W"),
                         shape=weight_shape, role="weight", rank=rank + 1)
    bias = None
    if "bias" in table:
        bias_table = check_keys(table["bias"], TENSOR_KEYS, path + ("bias",), "[layers.bias]")
        if "shape" in bias_table and bias_table["shape"] != [filters]:
            raise SpecError(path + ("bias", "shape"), f"the bias has one entry per filter: shape ="
                                                      f" [{filters}]; got {bias_table['shape']!r}")
        bias = make_tensor(bias_table, path + ("bias",), name=get_name(bias_table, path + ("bias",), "b"),
                           shape=(filters,), role="bias", rank=rank + 2, bare=filters == 1)
    output = output_tensor(table, path, request.default_output,
                           declared_output_shape(len(shape), dims, geometry, has_filters),
                           layer_input, rank + 3)
    return ConvLayer(geometry, layer_input, weight, bias, output)


def quick_table(kernel_shape: tuple[int, ...], *, stride=1, padding=0, dilation=1,
                bias: bool = False) -> dict:
    """The layer table of ``symconv grad --input 4x4 --kernel 2x2 [--stride …]``: weight W."""
    def per_axis_value(value):
        return list(value) if isinstance(value, tuple) else value

    table = {"type": "conv", "weight": {"name": "W", "shape": list(kernel_shape)},
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
    return f"{shape_text(weight)} {kind}, {settings_words(layer.geometry)}"


CONV = register(LayerType(
    kind="conv", summary="a convolution (cross-correlation, as in PyTorch)",
    keys=("stride", "padding", "dilation", "groups", "weight", "bias"),
    build=build_conv, describe=describe, title=title, sections=SECTIONS, mistakes=conv_mistakes,
    quick=quick_table))

__all__ = ["CONV", "ConvGeometry", "ConvLayer", "GeometryError", "declared_output_shape"]
