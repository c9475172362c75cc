"""Pooling layers (1-D and 2-D) with PyTorch semantics: max, average and LP pooling.

Every channel (and batch entry) is pooled on its own, so a pooling layer is laid out as
``(lead, *spatial)`` where ``lead`` is the product of the declared axes in front of the spatial
ones; the output keeps those axes. The windows are those of a one-channel convolution with the
same kernel, stride and padding (and dilation 1), so the connectivity is the conv's index
arithmetic with the kernel offset as the position inside the window::

    Y[n, o] = pool_{k}  X[n, o·S − P + k]        (k over the window, row-major)

Local derivatives ∂Y[n, o]/∂X[n, o·S − P + k]:

    maxpool   [X = max(window)], 1 for the first maximum in row-major window order (PyTorch's tie
              rule); padding never wins
    avgpool   1/N, N = window size (count_include_pad, PyTorch's default) or its non-padded part
    lppool    x^(p−1) · (Σ x^p / N)^(1/p − 1) / N with N = window size ("mean", the homework's
              form) or 1 ("sum", PyTorch's LPPool); no padding (PyTorch has none)

Overlapping windows (stride < kernel) read an input entry from several outputs; its gradient is the
sum over all of them, which the chain-rule terms and both numeric routes do by construction.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import prod

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .. import closed_form
from ..poly import normalize
from ..tensors import Tensor
from .base import Connections, Constant, LpRoot, Numbers, WindowMax
from .conv import ConvGeometry, GeometryError, require_at_least

NORMALIZATIONS = ("sum", "mean")


@dataclass(frozen=True)
class PoolGeometry:
    """Sizes of one pooling layer; validated on construction (PyTorch's limits)."""

    leading: tuple[int, ...]  # the declared axes before the spatial ones (batch, channels)
    input_size: tuple[int, ...]
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...]

    def __post_init__(self):
        axes = "HW" if self.dims == 2 else "L"
        require_at_least(axes, (("kernel_size", self.kernel, 1), ("stride", self.stride, 1),
                                ("padding", self.padding, 0)))
        for axis, h, k, p in zip(axes, self.input_size, self.kernel, self.padding):
            if 2 * p > k:
                raise GeometryError("padding",
                    f"padding {p} on axis {axis} is more than half the window (kernel_size {k});"
                    f" PyTorch allows at most kernel_size / 2, here padding = {k // 2}")
            if h + 2 * p < k:
                raise GeometryError("kernel_size",
                    f"pooling window larger than the padded input on axis {axis}: H + 2P = {h} +"
                    f" 2·{p} = {h + 2 * p} < kernel_size = {k}; use a smaller window or padding",
                    about_input=True)

    @property
    def dims(self) -> int:
        return len(self.input_size)

    @property
    def window_size(self) -> int:
        return prod(self.kernel)

    @property
    def conv(self) -> ConvGeometry:
        """The one-channel convolution whose windows these are."""
        return ConvGeometry(prod(self.leading), 1, 1, 1, self.input_size, self.kernel, self.stride,
                            self.padding, (1,) * self.dims)

    @property
    def output_size(self) -> tuple[int, ...]:
        return self.conv.output_size

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (prod(self.leading), *self.input_size)

    @property
    def output_shape(self) -> tuple[int, ...]:
        return (prod(self.leading), *self.output_size)

    @property
    def declared_output_shape(self) -> tuple[int, ...]:
        return (*self.leading, *self.output_size)

    def windows(self, x: np.ndarray, fill) -> np.ndarray:
        """(lead, *out, K): each output's window of ``x`` (canonical layout), padding = ``fill``."""
        dtype = x.dtype if fill == 0 or x.dtype == object else np.result_type(x.dtype, float)
        padded = np.full((x.shape[0], *[h + 2 * p for h, p in zip(self.input_size, self.padding)]),
                         fill, dtype=dtype)
        padded[(slice(None), *[slice(p, p + h) for p, h in zip(self.padding, self.input_size)])] = x
        view = sliding_window_view(padded, self.kernel, axis=tuple(range(1, 1 + self.dims)))
        view = view[(slice(None), *[slice(None, s * (o - 1) + 1, s)
                                    for s, o in zip(self.stride, self.output_size)])]
        return view.reshape(*self.output_shape, self.window_size)

    def scatter(self, per_offset) -> np.ndarray:
        """The input-shaped sum of ``per_offset(k)`` (an output-shaped array for window offset k)
        over all offsets: the adjoint of :meth:`windows`, looping over offsets, never pixels."""
        padded_size = [h + 2 * p for h, p in zip(self.input_size, self.padding)]
        total = None
        for flat, k in enumerate(np.ndindex(*self.kernel)):
            contribution = per_offset(flat)
            if total is None:
                total = np.zeros((self.output_shape[0], *padded_size), dtype=contribution.dtype)
            target = tuple(slice(i, i + s * (o - 1) + 1, s)
                           for i, s, o in zip(k, self.stride, self.output_size))
            total[(slice(None), *target)] += contribution
        return total[(slice(None), *[slice(p, p + h) for p, h in zip(self.padding, self.input_size)])]


@dataclass(frozen=True, eq=False)
class PoolLayer:
    """What every pooling layer shares: geometry, windows, connectivity; no parameters."""

    geometry: PoolGeometry
    input: Tensor
    output: Tensor

    @property
    def parameters(self) -> tuple[Tensor, ...]:
        return ()

    def term_count(self) -> int:
        return self.geometry.conv.product_count()

    def unused_positions(self) -> list[tuple[int, ...]]:
        return self.geometry.conv.unused_positions()

    def branch(self, x: np.ndarray) -> np.ndarray | None:
        return None

    def connections(self, wrt: Tensor) -> Connections:
        if wrt is not self.input:
            raise KeyError(wrt.name)
        y, x, offset = self._triples()
        return Connections(x, y, self.local(y, offset))

    def window_matrix(self) -> np.ndarray:
        """(outputs, K): flat input positions of every output's window, −1 on padding."""
        y, x, offset = self._triples()
        window = np.full((prod(self.geometry.output_shape), self.geometry.window_size), -1,
                         dtype=np.int64)
        window[y, offset] = x
        return window

    def _triples(self):
        # (output, input, offset in window) of every window member; cached on the frozen instance.
        cached = self.__dict__.get("_cached_triples")
        if cached is None:
            cached = self.geometry.conv.index_triples()
            object.__setattr__(self, "_cached_triples", cached)
        return cached

    def _canonical(self, x: np.ndarray) -> np.ndarray:
        return x.reshape(self.geometry.input_shape)

    def _declared(self, grad: np.ndarray) -> dict:
        return {self.input.name: grad.reshape(self.input.shape)}


class MaxPoolLayer(PoolLayer):
    kind = "maxpool"
    exact = True

    def local(self, y: np.ndarray, offset: np.ndarray) -> WindowMax:
        return WindowMax(self.input, self.window_matrix(), y, offset)

    def branch(self, x: np.ndarray) -> np.ndarray:
        """Which window entry each output takes (the first maximum)."""
        return np.argmax(self.geometry.windows(self._canonical(x), -np.inf), axis=-1)

    def reference_forward(self, x: np.ndarray, params: dict) -> np.ndarray:
        windows = self.geometry.windows(self._canonical(x), -np.inf)
        return windows.max(axis=-1).reshape(self.output.shape)

    def reference_backward(self, x: np.ndarray, params: dict, dy: np.ndarray) -> dict:
        """Each output's gradient scattered, offset by offset, onto its window's first maximum."""
        first = self.branch(x)
        dy = dy.reshape(self.geometry.output_shape)
        return self._declared(self.geometry.scatter(lambda k: np.where(first == k, dy, 0 * dy)))

    def closed_form(self, x: np.ndarray, params: dict, dy: np.ndarray) -> dict:
        """Routing: ∂L/∂X = Σ_o ∂L/∂Y_o · e_{argmax of window o}, accumulated where windows overlap."""
        window = self.window_matrix()
        values = self.geometry.windows(self._canonical(x), -np.inf).reshape(len(window), -1)
        winners = window[np.arange(len(window)), np.argmax(values, axis=1)]
        dy = dy.reshape(-1)
        grad = np.zeros(self.input.size, dtype=dy.dtype)
        np.add.at(grad, winners, dy)
        return self._declared(grad)

    def ties(self) -> list[tuple[int, tuple[int, ...]]]:
        """With known input values: (output, tied input positions) for windows whose maximum is
        shared; the gradient goes to the first of them."""
        if not self.input.is_numeric:
            return []
        window = self.window_matrix()
        values = self.geometry.windows(self._canonical(self.input.values), -np.inf)
        values = values.reshape(len(window), -1)
        best = values.max(axis=1)
        tied = (values == best[:, None]) & (window >= 0)
        return [(int(o), tuple(int(i) for i in window[o][tied[o]]))
                for o in np.flatnonzero(tied.sum(axis=1) > 1)]


@dataclass(frozen=True, eq=False)
class AvgPoolLayer(PoolLayer):
    count_include_pad: bool = True
    kind = "avgpool"
    exact = True

    def counts(self) -> np.ndarray:
        """N of every output: the window size, or its non-padded part."""
        if self.count_include_pad:
            return np.full(prod(self.geometry.output_shape), self.geometry.window_size)
        return (self.window_matrix() >= 0).sum(axis=1)

    def reciprocals(self, like: np.ndarray) -> np.ndarray:
        """1/N per output in the output's canonical shape, exact for object arrays."""
        counts = self.counts()
        if like.dtype == object:
            values = np.empty(len(counts), dtype=object)
            values[:] = [Fraction(1, int(n)) for n in counts]
        else:
            values = 1.0 / counts
        return values.reshape(self.geometry.output_shape)

    def local(self, y: np.ndarray, offset: np.ndarray):
        counts = self.counts()
        if (counts == self.geometry.window_size).all():
            return Constant(normalize(Fraction(1, self.geometry.window_size)))
        values = np.empty(len(y), dtype=object)
        values[:] = [normalize(Fraction(1, int(n))) for n in counts[y]]
        return Numbers(values)

    def reference_forward(self, x: np.ndarray, params: dict) -> np.ndarray:
        x = self._canonical(x)
        sums = self.geometry.windows(x, 0).sum(axis=-1)
        return (sums * self.reciprocals(x)).reshape(self.output.shape)

    def reference_backward(self, x: np.ndarray, params: dict, dy: np.ndarray) -> dict:
        share = dy.reshape(self.geometry.output_shape) * self.reciprocals(dy)
        return self._declared(self.geometry.scatter(lambda k: share))

    def closed_form(self, x: np.ndarray, params: dict, dy: np.ndarray) -> dict:
        """The notes' view: a convolution with weights 1/N, so ∂L/∂X is the full correlation of
        the zero-inserted ∂L/∂Y/N with the (rotated) all-ones kernel — for stride = kernel and no
        padding, 1/k² times ∂L/∂Y upsampled."""
        g = self.geometry.conv
        share = (dy.reshape(self.geometry.output_shape) * self.reciprocals(dy)).reshape(g.output_shape)
        ones = np.ones(g.weight_shape, dtype=int)
        return self._declared(closed_form.grad_input(share, ones, g))


@dataclass(frozen=True, eq=False)
class LpPoolLayer(PoolLayer):
    p: int = 2
    normalize: str = "sum"
    kind = "lppool"
    exact = False  # roots: numeric inputs give irrational outputs

    @property
    def divisor(self) -> int:
        return self.geometry.window_size if self.normalize == "mean" else 1

    def flat_windows(self) -> list[int]:
        """With known input values and p ≥ 2: the outputs whose window has Σ x^p = 0, where the
        root has no derivative."""
        if self.p == 1 or not self.input.is_numeric:
            return []
        windows = self.geometry.windows(self._canonical(self.input.values), 0)
        sums = (windows ** self.p).sum(axis=-1).reshape(-1)
        return [int(o) for o in np.flatnonzero(sums == 0)]

    def local(self, y: np.ndarray, offset: np.ndarray) -> LpRoot:
        return LpRoot(self.input, self.window_matrix(), y, offset, self.p, self.divisor)

    def reference_forward(self, x: np.ndarray, params: dict) -> np.ndarray:
        windows = self.geometry.windows(self._canonical(x).astype(float), 0)
        mean = (windows ** self.p).sum(axis=-1) / self.divisor
        return (mean ** (1 / self.p)).reshape(self.output.shape)

    def reference_backward(self, x: np.ndarray, params: dict, dy: np.ndarray) -> dict:
        windows = self.geometry.windows(self._canonical(x).astype(float), 0)
        mean = (windows ** self.p).sum(axis=-1) / self.divisor
        outer = dy.reshape(self.geometry.output_shape) * mean ** ((1 - self.p) / self.p) / self.divisor
        return self._declared(self.geometry.scatter(
            lambda k: outer * windows[..., k] ** (self.p - 1)))
