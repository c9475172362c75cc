"""The sizes of a convolution, and its index arithmetic (also the windows of pooling layers).

Index signature of the forward pass, per spatial axis::

    Y[n, f, o] = Σ_{c', k}  X[n, g(f)·C/groups + c', o·S − P + k·D] · W[f, c', k]  (+ b[f])

P is the padding before the first entry; the padding after the last (P as well, unless given
otherwise, e.g. by TensorFlow's ``"same"``) only decides how many outputs fit.

Everything else (which outputs an input touches, the chain-rule terms) follows from it. Sizes and
counts are computed with arithmetic from the configuration alone, so a problem too large to derive
is refused before anything of its size is allocated.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import Any, Callable, Iterable, NamedTuple, Sequence

import numpy as np

from ...core.errors import ProblemError
from ...core.wording import axis_names, per_axis


class GeometryError(ProblemError):
    """An impossible convolution or window; ``key`` names the problem-file key to blame.
    ``about_input``: the layer does not fit the input it is given (in a chain, the previous
    layer's output)."""

    def __init__(self, key: str, message: str, *, about_input: bool = False):
        self.key = key
        self.about_input = about_input
        super().__init__(message)


def output_length(size: int, kernel: int, stride: int, padding: tuple[int, int], dilation: int) -> int:
    """PyTorch's ``floor((H + 2P − D(K−1) − 1)/S) + 1``, with the padding before and after."""
    return (size + sum(padding) - dilation * (kernel - 1) - 1) // stride + 1


def same_padding(size: int, kernel: int, stride: int, dilation: int) -> tuple[int, int]:
    """TensorFlow's ``padding="same"``: ⌈H/S⌉ outputs, total padding
    ``max((⌈H/S⌉ − 1)·S + D(K − 1) + 1 − H, 0)``, the odd one after."""
    total = max((-(-size // stride) - 1) * stride + dilation * (kernel - 1) + 1 - size, 0)
    return total // 2, total - total // 2


def padding_pairs(padding: Iterable[Any]) -> tuple[tuple[int, int], ...]:
    """Per axis ``(before, after)``, from one int per axis (the same on both sides) or pairs."""
    return tuple((int(p), int(p)) if np.ndim(p) == 0 else (int(p[0]), int(p[1])) for p in padding)


def require_at_least(axes: str, limits: Iterable[tuple[str, Sequence[int], int]]) -> None:
    """A :class:`GeometryError` for the first per-axis value below its minimum.

    ``limits`` holds ``(name, values per axis, minimum)``.
    """
    for name, values, low in limits:
        for axis, value in zip(axes, values):
            if value < low:
                raise GeometryError(name, f"{name} must be at least {low}, got {value} on axis"
                                          f" {axis} (e.g. {name} = {max(low, 1)})")


def read_positions(size: int, kernel: int, stride: int, padding: tuple[int, int], dilation: int,
                   outputs: int) -> int:
    """How many (output, kernel offset) pairs along one axis fall inside the input, counted
    offset by offset: output o reads position o·S − P + k·D (P the padding before)."""
    count = 0
    for k in range(kernel):
        shift = k * dilation - padding[0]
        first = max(0, -(shift // stride))  # the first o with o·S + shift ≥ 0
        last = min(outputs - 1, (size - 1 - shift) // stride)
        count += max(0, last - first + 1)
    return count


class AxisCase(NamedTuple):
    """Where a position sits along one axis, for the chain rule's cases: ``side`` ``"start"``,
    ``"end"`` or ``"both"`` at an edge (some of the terms it would have on an endless input lie
    past that border), ``skipped`` when the stride leaves out some kernel offsets, ``unread``
    when it has no term; positions with the same ``key`` have sums of the same form."""

    side: str
    skipped: bool
    unread: bool
    key: tuple[bool | int, ...]


def border(positions: list[int], size: int) -> tuple[str, bool]:
    """Which borders the positions pass (``"start"``, ``"end"``, ``"both"`` or ``""``), and
    whether none of them lies inside ``range(size)``."""
    before, after = any(x < 0 for x in positions), any(x >= size for x in positions)
    side = "both" if before and after else "start" if before else "end" if after else ""
    return side, all(x < 0 or x >= size for x in positions)


@dataclass(frozen=True)
class ConvGeometry:
    """Sizes of one convolution, in canonical layout; validated on construction.

    ``padding`` is given per axis as one int (the same before and after) or a ``(before, after)``
    pair, and kept as pairs. ``output_limit``, when given, caps the outputs per axis: a transposed
    convolution whose ``output_padding`` reaches past the stride is the adjoint of a convolution
    whose outputs beyond the transposed input are never used.
    """

    batch: int
    in_channels: int
    filters: int
    groups: int
    input_size: tuple[int, ...]
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[tuple[int, int], ...]
    dilation: tuple[int, ...]
    output_limit: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "padding", padding_pairs(self.padding))
        axes = axis_names(self.dims)
        require_at_least(axes, (("stride", self.stride, 1), ("dilation", self.dilation, 1),
                                ("padding", self.pad_before, 0), ("padding", self.pad_after, 0)))
        if self.groups < 1 or self.in_channels % self.groups or self.filters % self.groups:
            raise GeometryError("groups",
                f"groups = {self.groups} must divide both the input channels ({self.in_channels})"
                f" and the filters ({self.filters})")
        for axis, h, k, (b, a), d in zip(axes, self.input_size, self.kernel, self.padding,
                                         self.dilation):
            span = d * (k - 1) + 1
            if h + b + a < span:
                sides = f"H + 2P = {h} + 2·{b}" if a == b else f"H + P_before + P_after = {h} + {b} + {a}"
                raise GeometryError("weight",
                    f"kernel larger than the padded input on axis {axis}: {sides} ="
                    f" {h + b + a} < D(K−1) + 1 = {d}·({k}−1) + 1 = {span}; use a smaller kernel"
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

    def group_slices(self) -> list[tuple[slice, slice]]:
        """Each group's filters and the input channels they read, as slices of those axes."""
        return [(slice(group * self.group_filters, (group + 1) * self.group_filters),
                 slice(group * self.group_channels, (group + 1) * self.group_channels))
                for group in range(self.groups)]

    @property
    def pad_before(self) -> tuple[int, ...]:
        return tuple(b for b, _ in self.padding)

    @property
    def pad_after(self) -> tuple[int, ...]:
        return tuple(a for _, a in self.padding)

    @property
    def symmetric(self) -> bool:
        """Whether every axis is padded alike on both sides (PyTorch's padding)."""
        return self.pad_before == self.pad_after

    @property
    def padding_words(self) -> str:
        """``1``, ``(2, 1)`` (one per axis), or ``1 before and 2 after on H, 0 before and 1 after on
        W``: the padding actually used on each side."""
        if self.symmetric:
            return per_axis(self.pad_before)
        where = [f" on {axis}" if self.dims > 1 else "" for axis in self.axes]
        return ", ".join(f"{b} before and {a} after{on}" for (b, a), on in zip(self.padding, where))

    @property
    def output_size(self) -> tuple[int, ...]:
        sizes = tuple(output_length(*axis) for axis in zip(
            self.input_size, self.kernel, self.stride, self.padding, self.dilation))
        if self.output_limit is None:
            return sizes
        return tuple(min(o, limit) for o, limit in zip(sizes, self.output_limit))

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
        return tuple(h + b + a for h, (b, a) in zip(self.input_size, self.padding))

    def axis_reads(self) -> list[tuple[int, np.ndarray]]:
        """Per spatial axis, its input size and the position each output reads at each kernel
        offset (offsets × outputs; outside 0 … size − 1 in the padding)."""
        return [(h, (np.arange(k) * d)[:, None] + (np.arange(o) * s - p)[None, :])
                for h, k, s, p, d, o in zip(self.input_size, self.kernel, self.stride, self.pad_before,
                                            self.dilation, self.output_size)]

    def unused_positions(self) -> list[tuple[int, ...]]:
        """Per spatial axis, the input positions no output reads (dropped by the floor or skipped
        by stride and dilation); their gradient is 0."""
        unused = []
        for h, positions in self.axis_reads():
            read = np.zeros(h, dtype=bool)
            read[positions[(positions >= 0) & (positions < h)]] = True
            unused.append(tuple(int(i) for i in np.flatnonzero(~read)))
        return unused

    def idle_outputs(self) -> list[tuple[int, ...]]:
        """Per spatial axis, the outputs whose window lies wholly in the padding: they read no
        input (in a transposed convolution, the inputs whose contributions are all cropped)."""
        return [tuple(int(i) for i in np.flatnonzero(~((positions >= 0) & (positions < h)).any(axis=0)))
                for h, positions in self.axis_reads()]

    def input_cases(self) -> list[list[AxisCase]]:
        """Per spatial axis, the case of every input position, for the chain rule's cases. The
        kernel offsets k whose output o = (p + P − k·D)/S is whole are those that would reach
        position p on an endless input: it is at an edge when some of those outputs lie past a
        border, and the stride skips the other offsets. Positions of one ``key`` (edge or not,
        skipped or not, how many terms) have chain-rule sums of the same form, shifted or
        mirrored."""
        cases = []
        for h, k, s, p, d, o in zip(self.input_size, self.kernel, self.stride, self.pad_before,
                                    self.dilation, self.output_size):
            axis = []
            for position in range(h):
                aligned = [m for m in range(k) if (position + p - m * d) % s == 0]
                outputs = [(position + p - m * d) // s for m in aligned]
                side, unread = border(outputs, o)
                reached = sum(1 for out in outputs if 0 <= out < o)
                axis.append(AxisCase(side, len(aligned) < k, unread,
                                     (bool(side), len(aligned) < k, reached)))
            cases.append(axis)
        return cases

    def output_cases(self) -> list[list[AxisCase]]:
        """Per spatial axis, the case of every output position (the entries of a transposed
        convolution's input, whose sums run over their windows): at an edge when some kernel
        offsets fall on the padding there."""
        return self._window_cases(lambda out, m, s, p, d: out * s - p + m * d, output=True)

    def weight_cases(self) -> list[list[AxisCase]]:
        """Per spatial axis, the case of every kernel offset: at an edge when the padding there
        takes some of the outputs that would read it."""
        return self._window_cases(lambda m, out, s, p, d: out * s - p + m * d, output=False)

    def _window_cases(self, position: Callable[[int, int, int, int, int], int],
                      output: bool) -> list[list[AxisCase]]:
        cases = []
        for h, k, s, p, d, o in zip(self.input_size, self.kernel, self.stride, self.pad_before,
                                    self.dilation, self.output_size):
            outer, inner = (o, k) if output else (k, o)
            axis = []
            for first in range(outer):
                positions = [position(first, second, s, p, d) for second in range(inner)]
                side, unread = border(positions, h)
                axis.append(AxisCase(side, False, unread,
                                     (bool(side), sum(1 for x in positions if 0 <= x < h))))
            cases.append(axis)
        return cases

    def product_count(self) -> int:
        """Products x·w in the forward sums (padding left out), counted without building them."""
        per_axis = [read_positions(*axis) for axis in zip(
            self.input_size, self.kernel, self.stride, self.padding, self.dilation, self.output_size)]
        return self.batch * self.filters * self.group_channels * prod(per_axis)

    def term_count(self, with_bias: bool) -> int:
        """Chain-rule terms of ∂L/∂X, ∂L/∂W and ∂L/∂b together, without building them."""
        return 2 * self.product_count() + (prod(self.output_shape) if with_bias else 0)

    def index_triples(self, outputs: np.ndarray | None = None,
                      columns: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Flat (output, input, weight) positions of every product in the forward sums; only of
        the ``outputs`` given (flat positions, ascending) and the kernel ``columns`` (flat
        positions (c', k) in a filter), when given.

        Rows: outputs in row-major order; within an output, kernel entries (c', k) in row-major
        order; products that fall on padding are left out (they are zero).
        """
        if outputs is None:
            outputs = np.arange(prod(self.output_shape))
        if columns is None:
            columns = np.arange(prod(self.weight_shape[1:]))
        n, f, *o = np.unravel_index(outputs, self.output_shape)
        c, *k = np.unravel_index(columns, self.weight_shape[1:])
        channel = (f // self.group_filters * self.group_channels)[:, None] + c[None, :]
        x_flat = n[:, None] * self.in_channels + channel
        valid = np.ones(x_flat.shape, dtype=bool)
        for axis in range(self.dims):
            position = (o[axis][:, None] * self.stride[axis] - self.pad_before[axis]
                        + k[axis][None, :] * self.dilation[axis])
            valid &= (position >= 0) & (position < self.input_size[axis])
            x_flat = x_flat * self.input_size[axis] + position
        w_flat = f[:, None] * prod(self.weight_shape[1:]) + columns[None, :]
        y_flat = np.broadcast_to(outputs[:, None], x_flat.shape)
        return y_flat[valid], x_flat[valid], w_flat[valid]

    def outputs_reading(self, inputs: np.ndarray) -> np.ndarray:
        """The flat output positions whose sums read any of the flat ``inputs`` (ascending):
        along each axis, output o reads position o·S − P + k·D for the kernel offsets k."""
        n, c, *position = np.unravel_index(np.asarray(inputs, dtype=np.int64), self.input_shape)
        found = []
        for i in range(len(n)):
            per_axis = []
            for axis, p in enumerate(position):
                shifted = p[i] + self.pad_before[axis] - np.arange(self.kernel[axis]) * self.dilation[axis]
                o = shifted // self.stride[axis]
                per_axis.append(np.unique(o[(shifted % self.stride[axis] == 0) & (o >= 0)
                                            & (o < self.output_size[axis])]))
            group = c[i] // self.group_channels
            filters = np.arange(group * self.group_filters, (group + 1) * self.group_filters)
            grid = np.meshgrid(filters, *per_axis, indexing="ij")
            found.append(np.ravel_multi_index((np.full(grid[0].size, n[i]),
                                               *[g.reshape(-1) for g in grid]), self.output_shape))
        return np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)

    def outputs_of_filters(self, filters: np.ndarray) -> np.ndarray:
        """The flat output positions of the given filters (every image of the batch), ascending."""
        positions = prod(self.output_size)
        starts = (np.arange(self.batch)[:, None] * self.filters + np.unique(filters)[None, :]) * positions
        outputs: np.ndarray = (starts.reshape(-1, 1) + np.arange(positions)[None, :]).reshape(-1)
        return outputs

    def im2col(self) -> tuple[np.ndarray, np.ndarray]:
        """The convolution as one matrix product per group g, ``Y_g = W_g·B_g``: ``W_g`` has the
        group's filters as rows (C/groups·K columns), ``B_g`` (im2col) one column per output
        position (n, o) holding that output's receptive field. Returns ``(A, B)``: ``A`` (groups,
        F/groups, N·O) the flat output positions in the columns' order, ``B`` (groups,
        C/groups·K, N·O) the flat input positions, −1 on the padding. So ∂L/∂W_g = ∂L/∂Y[A_g]·
        X[B_g]ᵀ, the im2col form of the weight gradient."""
        columns = prod(self.weight_shape[1:])
        positions = prod(self.output_size)
        y, x, w = self.index_triples()
        n, f, p = y // (self.filters * positions), y // positions % self.filters, y % positions
        first = f % self.group_filters == 0  # every filter of a group reads the same fields
        patches = np.full((self.groups, columns, self.batch * positions), -1, dtype=np.int64)
        patches[f[first] // self.group_filters, w[first] % columns,
                n[first] * positions + p[first]] = x[first]
        outputs = np.arange(prod(self.output_shape)).reshape(
            self.batch, self.groups, self.group_filters, positions)
        return outputs.transpose(1, 2, 0, 3).reshape(self.groups, self.group_filters, -1), patches
