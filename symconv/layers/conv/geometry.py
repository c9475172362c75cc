"""The sizes of a convolution, and its index arithmetic (also the windows of pooling layers).

Index signature of the forward pass, per spatial axis::

    Y[n, f, o] = Σ_{c', k}  X[n, g(f)·C/groups + c', o·S − P + k·D] · W[f, c', k]  (+ b[f])

Everything else (which outputs an input touches, the chain-rule terms) follows from it. Sizes and
counts are computed with arithmetic from the configuration alone, so a problem too large to derive
is refused before anything of its size is allocated.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

import numpy as np

from ...errors import ProblemError
from ...wording import axis_names


class GeometryError(ProblemError):
    """An impossible convolution or window; ``key`` names the problem-file key to blame.
    ``about_input``: the layer does not fit the input it is given (in a chain, the previous
    layer's output)."""

    def __init__(self, key: str, message: str, *, about_input: bool = False):
        self.key = key
        self.about_input = about_input
        super().__init__(message)


def output_length(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """PyTorch's ``floor((H + 2P − D(K−1) − 1)/S) + 1``."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def require_at_least(axes: str, limits) -> None:
    """A :class:`GeometryError` for the first per-axis value below its minimum.

    ``limits`` holds ``(name, values per axis, minimum)``.
    """
    for name, values, low in limits:
        for axis, value in zip(axes, values):
            if value < low:
                raise GeometryError(name, f"{name} must be at least {low}, got {value} on axis"
                                          f" {axis} (e.g. {name} = {max(low, 1)})")


def read_positions(size: int, kernel: int, stride: int, padding: int, dilation: int,
                   outputs: int) -> int:
    """How many (output, kernel offset) pairs along one axis fall inside the input, counted
    offset by offset: output o reads position o·S − P + k·D."""
    count = 0
    for k in range(kernel):
        shift = k * dilation - padding
        first = max(0, -(shift // stride))  # the first o with o·S + shift ≥ 0
        last = min(outputs - 1, (size - 1 - shift) // stride)
        count += max(0, last - first + 1)
    return count


@dataclass(frozen=True)
class ConvGeometry:
    """Sizes of one convolution, in canonical layout; validated on construction."""

    batch: int
    in_channels: int
    filters: int
    groups: int
    input_size: tuple[int, ...]
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...]
    dilation: tuple[int, ...]

    def __post_init__(self):
        axes = axis_names(self.dims)
        require_at_least(axes, (("stride", self.stride, 1), ("dilation", self.dilation, 1),
                                ("padding", self.padding, 0)))
        if self.groups < 1 or self.in_channels % self.groups or self.filters % self.groups:
            raise GeometryError("groups",
                f"groups = {self.groups} must divide both the input channels ({self.in_channels})"
                f" and the filters ({self.filters})")
        for axis, h, k, p, d in zip(axes, self.input_size, self.kernel, self.padding, self.dilation):
            span = d * (k - 1) + 1
            if h + 2 * p < span:
                raise GeometryError("weight",
                    f"kernel larger than the padded input on axis {axis}: H + 2P = {h} + 2·{p} ="
                    f" {h + 2 * p} < D(K−1) + 1 = {d}·({k}−1) + 1 = {span}; use a smaller kernel"
                    f" or more padding", about_input=True)

    @property
    def dims(self) -> int:
        return len(self.input_size)

    @property
    def axes(self) -> str:
        return axis_names(self.dims)

    @property
    def group_channels(self) -> int:
        return self.in_channels // self.groups

    @property
    def group_filters(self) -> int:
        return self.filters // self.groups

    @property
    def output_size(self) -> tuple[int, ...]:
        return tuple(output_length(*axis) for axis in zip(
            self.input_size, self.kernel, self.stride, self.padding, self.dilation))

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (self.batch, self.in_channels, *self.input_size)

    @property
    def weight_shape(self) -> tuple[int, ...]:
        return (self.filters, self.group_channels, *self.kernel)

    @property
    def output_shape(self) -> tuple[int, ...]:
        return (self.batch, self.filters, *self.output_size)

    @property
    def padded_size(self) -> tuple[int, ...]:
        return tuple(h + 2 * p for h, p in zip(self.input_size, self.padding))

    def unused_positions(self) -> list[tuple[int, ...]]:
        """Per spatial axis, the input positions no output reads (dropped by the floor or skipped
        by stride and dilation); their gradient is 0."""
        unused = []
        for h, k, s, p, d, o in zip(self.input_size, self.kernel, self.stride, self.padding,
                                    self.dilation, self.output_size):
            read = np.zeros(h, dtype=bool)
            for offset in range(k):
                positions = np.arange(o) * s - p + offset * d
                read[positions[(positions >= 0) & (positions < h)]] = True
            unused.append(tuple(int(i) for i in np.flatnonzero(~read)))
        return unused

    def product_count(self) -> int:
        """Products x·w in the forward sums (padding left out), counted without building them."""
        per_axis = [read_positions(*axis) for axis in zip(
            self.input_size, self.kernel, self.stride, self.padding, self.dilation, self.output_size)]
        return self.batch * self.filters * self.group_channels * prod(per_axis)

    def term_count(self, with_bias: bool) -> int:
        """Chain-rule terms of ∂L/∂X, ∂L/∂W and ∂L/∂b together, without building them."""
        return 2 * self.product_count() + (prod(self.output_shape) if with_bias else 0)

    def index_triples(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Flat (output, input, weight) positions of every product in the forward sums.

        Rows: outputs in row-major order; within an output, kernel entries (c', k) in row-major
        order; products that fall on padding are left out (they are zero).
        """
        n, f, *o = np.unravel_index(np.arange(prod(self.output_shape)), self.output_shape)
        c, *k = np.unravel_index(np.arange(prod(self.weight_shape[1:])), self.weight_shape[1:])
        channel = (f // self.group_filters * self.group_channels)[:, None] + c[None, :]
        x_flat = n[:, None] * self.in_channels + channel
        valid = np.ones(x_flat.shape, dtype=bool)
        for axis in range(self.dims):
            position = (o[axis][:, None] * self.stride[axis] - self.padding[axis]
                        + k[axis][None, :] * self.dilation[axis])
            valid &= (position >= 0) & (position < self.input_size[axis])
            x_flat = x_flat * self.input_size[axis] + position
        columns = prod(self.weight_shape[1:])
        w_flat = f[:, None] * columns + np.arange(columns)[None, :]
        y_flat = np.broadcast_to(np.arange(len(n))[:, None], x_flat.shape)
        return y_flat[valid], x_flat[valid], w_flat[valid]
