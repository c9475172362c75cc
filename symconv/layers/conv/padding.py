"""The padding of a convolution (or a transposed one) as a problem file writes it::

    padding = 1                      the same on every side of every spatial axis
    padding = [1, 0]                 one per spatial axis, the same before and after
    padding = [[1, 2], [0, 1]]       a [before, after] pair per spatial axis
    padding = "valid"                none
    padding = "same"                 TensorFlow/Keras: the layer type works it out from the sizes
                                     (see :func:`.geometry.same_padding`), the odd one after
"""

from __future__ import annotations

from ...spec import SpecError, get_per_axis, is_whole, whole_in_range
from ...wording import axis_names

SAME = "same"
PAIR_EXAMPLES = {1: "[[1, 2]]", 2: "[[1, 2], [0, 1]]", 3: "[[1, 2], [0, 1], [0, 1]]"}


def forms(dims: int) -> str:
    """The forms a padding can take, for an error message."""
    per_axis = ", one per spatial axis ([1, 0])" if dims > 1 else ""
    return (f"a whole number (1){per_axis}, a [before, after] pair per spatial axis"
            f" ({PAIR_EXAMPLES[dims]}), \"valid\" or \"same\"")


def read_padding(table: dict, dims: int, path: tuple) -> tuple[tuple[int, int], ...] | str:
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


def read_pairs(value: list, dims: int, where: tuple) -> tuple[tuple[int, int], ...]:
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
