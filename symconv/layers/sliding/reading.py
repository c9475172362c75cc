"""Reading what a convolution's table (or a transposed one's) says: the weight's shape, and the
padding, which a problem file writes as::

    padding = 1                      the same on every side of every spatial axis
    padding = [1, 0]                 one per spatial axis, the same before and after
    padding = [[1, 2], [0, 1]]       a [before, after] pair per spatial axis
    padding = "valid"                none
    padding = "same"                 TensorFlow/Keras: the layer type works it out from the sizes
                                     (see :func:`.geometry.same_padding`), the odd one after
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ...core.spec import (TENSOR_KEYS, KeyPath, SpecError, Table, check_keys, get_int, get_name, get_per_axis,
                     get_shape, is_whole, make_tensor, whole_in_range)
from ...core.tensors import Role, Tensor
from ...core.wording import axis_names

SAME = "same"
PAIR_EXAMPLES = {1: "[[1, 2]]", 2: "[[1, 2], [0, 1]]", 3: "[[1, 2], [0, 1], [0, 1]]"}


def forms(dims: int) -> str:
    """The forms a padding can take, for an error message."""
    per_axis = ", one per spatial axis ([1, 0])" if dims > 1 else ""
    return (f"a whole number (1){per_axis}, a [before, after] pair per spatial axis"
            f" ({PAIR_EXAMPLES[dims]}), \"valid\" or \"same\"")


def read_padding(table: Table, dims: int, path: KeyPath) -> tuple[tuple[int, int], ...] | str:
    """The padding of a conv or conv_transpose table: ``(before, after)`` per spatial axis, or
    :data:`SAME` when the layer is to work it out."""
    value = table.get("padding", 0)
    where = path + ("padding",)
    if isinstance(value, str):
        if value in ("valid", SAME):
            return ((0, 0),) * dims if value == "valid" else SAME
        raise SpecError(where, f"padding {value!r} is not one of the forms: {forms(dims)}; e.g."
                               f" padding = 1")
    if isinstance(value, list) and any(isinstance(v, list) for v in value):
        return read_pairs(value, dims, where)
    if not (is_whole(value) or isinstance(value, list) and len(value) == dims):
        raise SpecError(where, f"padding must be {forms(dims)}; got {value!r}")
    return tuple((p, p) for p in get_per_axis(table, "padding", 0, dims, path))


def read_pairs(value: list[Any], dims: int, where: KeyPath) -> tuple[tuple[int, int], ...]:
    example = f"padding = {PAIR_EXAMPLES[dims]}"
    if len(value) != dims or not all(isinstance(v, list) and len(v) == 2 and all(map(is_whole, v))
                                     for v in value):
        raise SpecError(where, f"padding pairs are one [before, after] pair of whole numbers per"
                               f" spatial axis ({dims}), e.g. {example}; got {value!r}")
    pairs = tuple((whole_in_range(b, "padding", where, example), whole_in_range(a, "padding", where,
                                                                                  example))
                  for b, a in value)
    for axis, (before, after) in zip(axis_names(dims), pairs):
        if before < 0 or after < 0:
            on = f" on axis {axis}" if dims > 1 else ""
            raise SpecError(where, f"padding [{before}, {after}]{on} has a negative entry; each"
                                   f" side is at least 0, e.g. {example}")
    return pairs


def read_weight_shape(table: Table, path: KeyPath, dims: int, layout: str) -> tuple[int, ...]:
    """The weight's shape, ``[K…]`` or ``[<layout>, K…]`` (``F, C/groups`` for a convolution);
    a shape with one spatial axis too many says that it needs ``dims`` one higher."""
    kernel = ", ".join(f"K{axis.lower()}" for axis in axis_names(dims)) if dims > 1 else "K"
    forms = f"[{kernel}] or [{layout}, {kernel}]"
    example = str([3] * dims)
    shape = table.get("shape")
    if (dims < 3 and isinstance(shape, list) and len(shape) in (dims + 1, dims + 3)
            and all(is_whole(size) and size >= 1 for size in shape)):
        raise SpecError(path + ("shape",), f"shape of the weight must have {dims} or {dims + 2}"
                                           f" axes in a {dims}-D problem ({forms}), e.g. shape ="
                                           f" {example}; got {shape} (a {dims + 1}-D kernel needs"
                                           f" dims = {dims + 1} at the top of the file)")
    weight_shape: tuple[int, ...] = get_shape(table, path, "the weight", (dims, dims + 2), example)
    return weight_shape


def read_bias(table: Table, path: KeyPath, channels: int, rank: int, per: str) -> Tensor | None:
    """The optional ``[layers.bias]``: one entry ``per`` output channel (a filter), written as its
    bare name when there is one."""
    if "bias" not in table:
        return None
    bias_path = path + ("bias",)
    bias_table = check_keys(table["bias"], TENSOR_KEYS, bias_path, "[layers.bias]")
    if "shape" in bias_table and bias_table["shape"] != [channels]:
        raise SpecError(bias_path + ("shape",), f"the bias has one entry per {per}: shape ="
                                                f" [{channels}]; got {bias_table['shape']!r}")
    return make_tensor(bias_table, bias_path, name=get_name(bias_table, bias_path, "b"),
                       shape=(channels,), role=Role.BIAS, rank=rank, leading_axes=("f",),
                       bare=channels == 1)


class FieldKeys(NamedTuple):
    """What a convolution's table and a transposed one's say alike, with the input's layout."""

    weight_table: Table
    weight_shape: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[tuple[int, int], ...] | str  # or SAME
    dilation: tuple[int, ...]
    groups: int
    batch: int  # 1 when the input has no batch axis
    channels: int  # 1 when it has no channel axis


def read_field_keys(table: Table, path: KeyPath, dims: int, shape: tuple[int, ...],
                    layout: str) -> FieldKeys:
    """The weight table and shape (``[K…]`` or ``[<layout>, K…]``), stride, padding, dilation,
    groups, and the batch and channels of an input of ``shape``."""
    weight_table = check_keys(table.get("weight"), TENSOR_KEYS, path + ("weight",), "[layers.weight]")
    return FieldKeys(weight_table, read_weight_shape(weight_table, path + ("weight",), dims, layout),
                     get_per_axis(table, "stride", 1, dims, path), read_padding(table, dims, path),
                     get_per_axis(table, "dilation", 1, dims, path), get_int(table, "groups", 1, path),
                     shape[0] if len(shape) == dims + 2 else 1,
                     shape[-dims - 1] if len(shape) > dims else 1)


def refuse_channels_last(layer_input: Tensor, dims: int, channels: int) -> None:
    """An input written channels-last (TensorFlow's and NumPy images' ``[H, W, C]``) whose last
    axis holds the ``channels`` the weight wants: say so at the input's shape, with the shape in
    PyTorch's order. Only for the problem's own input (a layer further on gets its input's shape
    from the layer before)."""
    shape = list(layer_input.shape)
    if layer_input.role is not Role.INPUT or len(shape) <= dims or shape[-1] != channels \
            or shape[-dims - 1] == channels:
        return
    spatial = axis_names(dims)
    letters = ", ".join((["N"] if len(shape) == dims + 2 else []) + list(spatial))
    seen = f"[{letters}, C]"
    wanted = f"[{letters.replace(spatial[0], 'C, ' + spatial[0], 1)}]"
    fixed = shape[:-dims - 1] + [shape[-1]] + shape[-dims - 1:-1]
    raise SpecError(("input", "shape"), f"shape {shape} looks like {seen}, channels last, and the"
                                        f" weight wants {channels} channels; symconv reads"
                                        f" {wanted} (PyTorch's order): write shape = {fixed}")
