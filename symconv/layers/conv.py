"""Convolution layers (1-D and 2-D) with PyTorch semantics.

Cross-correlation, zero padding, stride, dilation, groups, channels and batch, in the canonical
layouts input ``(N, C, *spatial)``, weight ``(F, C/groups, *kernel)``, output ``(N, F, *out)``.
Declared shapes may leave out the batch and channel axes; they have size 1 then, so flat
(row-major) positions are the same in the declared and the canonical layout.

Index signature of the forward pass, per spatial axis::

    Y[n, f, o] = Σ_{c', k}  X[n, g(f)·C/groups + c', o·S − P + k·D] · W[f, c', k]  (+ b[f])

Everything else (which outputs an input touches, the chain-rule terms) follows from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

import numpy as np

from .. import closed_form, numeric
from ..errors import ProblemError


class GeometryError(ProblemError):
    """An impossible convolution; ``key`` names the problem-file key to blame. ``about_input``:
    the layer does not fit the input it is given (in a chain, the previous layer's output)."""

    def __init__(self, key: str, message: str, *, about_input: bool = False):
        self.key = key
        self.about_input = about_input
        super().__init__(message)
from ..tensors import Tensor
from .base import Connections, Constant, EntryOf


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
        axes = "HW" if len(self.input_size) == 2 else "L"
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

    def unused_positions(self) -> list[tuple[int, ...]]:
        """Per spatial axis, the input positions no output reads (dropped by the floor or skipped
        by stride and dilation); their gradient is 0."""
        unused = []
        for h, k, s, p, d, o in zip(self.input_size, self.kernel, self.stride, self.padding,
                                    self.dilation, self.output_size):
            read = np.arange(o)[:, None] * s - p + np.arange(k)[None, :] * d
            unused.append(tuple(int(i) for i in np.setdiff1d(np.arange(h), read)))
        return unused

    def product_count(self) -> int:
        """Products x·w in the forward sums (padding left out), without building them."""
        per_axis = []
        for h, k, s, p, d, o in zip(self.input_size, self.kernel, self.stride, self.padding,
                                    self.dilation, self.output_size):
            positions = np.arange(o)[:, None] * s - p + np.arange(k)[None, :] * d
            per_axis.append(int(((positions >= 0) & (positions < h)).sum()))
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


@dataclass(frozen=True, eq=False)
class ConvLayer:
    """One convolution: geometry plus the tensors it reads and writes."""

    geometry: ConvGeometry
    input: Tensor
    weight: Tensor
    bias: Tensor | None
    output: Tensor
    kind = "conv"
    exact = True  # sums of products stay exact on int/Fraction arrays

    @property
    def parameters(self) -> tuple[Tensor, ...]:
        return (self.weight,) if self.bias is None else (self.weight, self.bias)

    def term_count(self) -> int:
        return self.geometry.term_count(self.bias is not None)

    def unused_positions(self) -> list[tuple[int, ...]]:
        return self.geometry.unused_positions()

    def branch(self, x: np.ndarray) -> None:
        return None  # linear: one piece

    def connections(self, wrt: Tensor) -> Connections:
        if wrt is self.bias:
            outputs = np.arange(prod(self.geometry.output_shape))
            filters = outputs // prod(self.geometry.output_size) % self.geometry.filters
            return Connections(filters, outputs, Constant(1))
        y, x, w = self._triples()
        if wrt is self.input:
            return Connections(x, y, EntryOf(self.weight, w))
        if wrt is self.weight:
            return Connections(w, y, EntryOf(self.input, x))
        raise KeyError(wrt.name)

    # -- the two independent routes, on arrays in declared shapes ----------------------------------
    def _canonical(self, x, params):
        g = self.geometry
        w = params[self.weight.name].reshape(g.weight_shape)
        b = params[self.bias.name].reshape(-1) if self.bias is not None else None
        return x.reshape(g.input_shape), w, b

    def reference_forward(self, x: np.ndarray, params: dict) -> np.ndarray:
        """The NumPy forward pass (``params`` maps weight and bias names to arrays)."""
        x, w, b = self._canonical(x, params)
        return numeric.forward(x, w, b, self.geometry).reshape(self.output.shape)

    def reference_backward(self, x: np.ndarray, params: dict, dy: np.ndarray) -> dict:
        """The NumPy backward pass: gradient arrays by tensor name."""
        x, w, _ = self._canonical(x, params)
        dx, dw, db = numeric.backward(x, w, dy.reshape(self.geometry.output_shape), self.geometry)
        return self._named(dx, dw, db)

    def closed_form(self, x: np.ndarray, params: dict, dy: np.ndarray) -> dict:
        """The closed-form gradients (correlations with the dilated / rotated operands)."""
        g = self.geometry
        x, w, _ = self._canonical(x, params)
        dy = dy.reshape(g.output_shape)
        return self._named(closed_form.grad_input(dy, w, g), closed_form.grad_weight(x, dy, g),
                           closed_form.grad_bias(dy))

    def _named(self, dx, dw, db) -> dict:
        grads = {self.input.name: dx.reshape(self.input.shape),
                 self.weight.name: dw.reshape(self.weight.shape)}
        if self.bias is not None:
            grads[self.bias.name] = db.reshape(self.bias.shape)
        return grads

    def _triples(self):
        # Cached on the frozen instance: ∂X and ∂W share one enumeration.
        cached = self.__dict__.get("_cached_triples")
        if cached is None:
            cached = self.geometry.index_triples()
            object.__setattr__(self, "_cached_triples", cached)
        return cached


def declared_output_shape(input_ndim: int, dims: int, geometry: ConvGeometry,
                          weight_has_filters: bool) -> tuple[int, ...]:
    """The output keeps the input's declared axes, with the channel axis replaced by F.

    ``[H, W] -> [OH, OW]``; ``[C, H, W] -> [F, OH, OW]``; ``[N, C, H, W] -> [N, F, OH, OW]``;
    an input without a channel axis and several filters gives ``[F, OH, OW]``.
    """
    spatial = geometry.output_size
    if input_ndim == dims + 2:
        return (geometry.batch, geometry.filters, *spatial)
    if input_ndim == dims + 1 or (weight_has_filters and geometry.filters > 1):
        return (geometry.filters, *spatial)
    return spatial
