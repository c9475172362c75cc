"""``type = "conv_transpose"``: a transposed convolution (PyTorch's ConvTranspose1d/2d/3d).

Keys: ``stride``, ``dilation``, ``output_padding`` (an int or one per spatial axis), ``padding``
(as a convolution's: also ``[before, after]`` pairs, ``"valid"`` or ``"same"``), ``groups``, the
``[layers.weight]`` table (shape ``[K…]`` or PyTorch's ``[C_in, C_out/groups, K…]``) and an
optional ``[layers.bias]`` (one entry per output channel). The output size per axis is
``(H − 1)·S − 2P + D(K − 1) + output_padding + 1``; ``output_padding`` must be smaller than the
stride or the dilation. With ``padding = "same"`` (TensorFlow/Keras's Conv2DTranspose) the output
size is ``S·H``: the padding is TensorFlow's "same" padding of the convolution from ``S·H``.

Everything is the adjoint of the convolution described in :mod:`.layer`; the index arithmetic is
:class:`~symconv.layers.sliding.geometry.ConvGeometry`'s.
"""

from __future__ import annotations

from ...engine.sections import Case, entry_cases
from ...core.spec import SpecError, get_name, get_per_axis, make_tensor, output_tensor
from ...core.tensors import Role, Tensor
from ...core.wording import axis_names, per_axis, shape_text
from ..sliding.geometry import ConvGeometry, GeometryError, require_at_least, same_padding
from ..sliding.layer import declared_output_shape
from ..sliding.reading import SAME, read_bias, read_field_keys, refuse_channels_last
from ...engine.registry import Im2col, LayerRequest, LayerType, register
from .layer import ConvTransposeLayer, transposed_size
from .mistakes import transpose_mistakes
from .sections import SECTIONS, describe, output_arithmetic

LAYOUT = "C_in, C_out/groups"


def build(request: LayerRequest) -> ConvTransposeLayer:
    table, path, layer_input, dims, rank = request[:5]
    shape = layer_input.shape
    weight_table, weight_shape, stride, padding, dilation, groups, batch, channels = read_field_keys(
        table, path, dims, shape, LAYOUT)
    output_padding = get_per_axis(table, "output_padding", 0, dims, path)
    weight_path = path + ("weight",)
    has_channels = len(weight_shape) == dims + 2
    if has_channels and weight_shape[0] != channels:
        refuse_channels_last(layer_input, dims, weight_shape[0])
    check_channels(weight_shape if has_channels else None, channels, groups, path)
    out_channels = (weight_shape[1] if has_channels else 1) * groups
    size, kernel = tuple(shape[-dims:]), tuple(weight_shape[-dims:])
    if isinstance(padding, str):  # SAME
        if "output_padding" in table:
            raise SpecError(path + ("output_padding",), "output_padding goes with a padding in"
                                                        " numbers; with padding = \"same\" the output"
                                                        " size is stride × input size (as in Keras),"
                                                        " so leave output_padding out")
        pairs = tuple(same_padding(h * s, k, s, d) for h, k, s, d in zip(size, kernel, stride, dilation))
        output_padding = tuple(h * s - transposed_size(h, k, s, p, d, 0)
                               for h, k, s, p, d in zip(size, kernel, stride, pairs, dilation))
    else:
        pairs = padding
    try:
        check_output_padding(output_padding, stride, dilation)
        geometry = ConvGeometry(batch, out_channels, channels, groups,
                                output_size(size, kernel, stride, pairs, dilation, output_padding),
                                kernel, stride, pairs, dilation, output_limit=size)
    except GeometryError as error:
        raise SpecError(path + (error.key,), str(error), about_input=error.about_input) from None

    weight = make_tensor(weight_table, weight_path, name=get_name(weight_table, weight_path, "W"),
                         shape=weight_shape, role=Role.WEIGHT, rank=rank + 1,
                         leading_axes=("c", "f"))  # PyTorch's [C_in, C_out/groups, K…]
    bias = read_bias(table, path, out_channels, rank + 2, "output channel")
    output = output_tensor(table, path, request.default_output,
                           declared_output_shape(len(shape), dims, batch, out_channels,
                                                 geometry.input_size, has_channels),
                           layer_input, rank + 3, leading_axes=("n", "f"))
    return ConvTransposeLayer(geometry, output_padding, layer_input, weight, bias, output,
                              same=padding == SAME)


def check_channels(weight_shape: tuple[int, ...] | None, channels: int, groups: int,
                   path: tuple[str | int, ...]) -> None:
    """The weight's first axis holds the input channels (PyTorch's layout), which the groups
    divide; a weight without channel axes is for a single channel."""
    if groups < 1 or channels % groups:
        raise SpecError(path + ("groups",), f"groups = {groups} must divide the input channels"
                                            f" ({channels}), e.g. groups = 1")
    if weight_shape is None:
        if channels > 1:
            raise SpecError(path + ("weight", "shape"), f"the weight shape has no channel axes but"
                                                        f" the input has {channels} channels; write"
                                                        f" it as [{channels}, C_out/groups, K…]"
                                                        f" (PyTorch's layout [{LAYOUT}, K…])",
                            about_input=True)
        return
    if weight_shape[0] != channels:
        raise SpecError(path + ("weight", "shape"), f"the weight's first axis holds the input"
                                                    f" channels (PyTorch's layout [{LAYOUT}, K…]):"
                                                    f" it has {weight_shape[0]} but the input has"
                                                    f" {channels}", about_input=True)


def check_output_padding(output_padding: tuple[int, ...], stride: tuple[int, ...],
                         dilation: tuple[int, ...]) -> None:
    """PyTorch's rule: output_padding smaller than the stride or the dilation, on every axis."""
    axes = axis_names(len(stride))
    require_at_least(axes, (("output_padding", output_padding, 0),))
    for axis, op, s, d in zip(axes, output_padding, stride, dilation):
        if op >= s and op >= d:
            raise GeometryError("output_padding",
                f"output_padding {op} on axis {axis} must be smaller than the stride ({s}) or the"
                f" dilation ({d}), as in PyTorch; e.g. output_padding = {max(s, d) - 1}")


def output_size(size: tuple[int, ...], kernel: tuple[int, ...], stride: tuple[int, ...],
                padding: tuple[tuple[int, int], ...], dilation: tuple[int, ...],
                output_padding: tuple[int, ...]) -> tuple[int, ...]:
    """The output size per axis; padding that leaves no output is refused."""
    sizes = []
    for axis, h, k, s, p, d, op in zip(axis_names(len(size)), size, kernel, stride, padding,
                                       dilation, output_padding):
        o = transposed_size(h, k, s, p, d, op)
        if o < 1:
            raise GeometryError("padding",
                f"the padding leaves no output on axis {axis}: (H − 1)·S − (P_before + P_after) +"
                f" D(K − 1) + output_padding + 1 = ({h} − 1)·{s} − ({p[0]} + {p[1]}) + {d}·({k} − 1)"
                f" + {op} + 1 = {o}; use less padding", about_input=True)
        sizes.append(o)
    return tuple(sizes)


def title(layer: ConvTransposeLayer) -> str:
    g = layer.geometry
    padding = "\"same\"" if layer.same else g.padding_words
    words = (f"{shape_text(g.kernel)} transposed convolution, stride {per_axis(g.stride)}, padding"
             f" {padding}")
    if any(layer.output_padding) and not layer.same:
        words += f", output_padding {per_axis(layer.output_padding)}"
    return words


def im2col(layer: ConvTransposeLayer) -> Im2col:
    """∂L/∂W = X·im2col(∂L/∂Y)ᵀ: the convolution's product with X in the place of its upstream
    gradient and ∂L/∂Y in the place of its input."""
    inputs, patches = layer.geometry.im2col()
    return Im2col(inputs, Role.INPUT, patches, Role.UPSTREAM)


def cases(layer: ConvTransposeLayer, tensor: Tensor) -> list[Case] | None:
    """The input's and the weight's entries by whether the cropping cuts their sums."""
    g = layer.geometry
    if tensor is layer.input:
        return entry_cases(tensor, g.output_cases(), window=True)
    if tensor is layer.weight:
        return entry_cases(tensor, g.weight_cases(), window=True)
    return None


CONV_TRANSPOSE = register(LayerType(
    kind="conv_transpose", name="transposed convolution",
    summary="a transposed convolution (as PyTorch's ConvTranspose)",
    keys=("stride", "padding", "output_padding", "dilation", "groups", "weight", "bias"),
    roles=(Role.WEIGHT, Role.BIAS), build=build, describe=describe, title=title, sections=SECTIONS,
    mistakes=transpose_mistakes,
    output_size=output_arithmetic, expression=lambda layer, flat: layer.expression(flat),
    im2col=im2col, cases=cases))

__all__ = ["CONV_TRANSPOSE", "ConvTransposeLayer"]
