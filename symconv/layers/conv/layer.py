"""Convolution layers (1-D, 2-D) with PyTorch semantics.

Cross-correlation, zero padding, stride, dilation, groups, channels and batch, in the canonical
layouts input ``(N, C, *spatial)``, weight ``(F, C/groups, *kernel)``, output ``(N, F, *out)``.
Declared shapes may leave out the batch and channel axes; they have size 1 then, so flat
(row-major) positions are the same in the declared and the canonical layout. The index arithmetic
is :mod:`.geometry`'s; the two independent routes are :mod:`.closed_form` and :mod:`.reference`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from math import prod

import numpy as np

from ...document import Note
from ...tensors import Tensor
from ...wording import compact_shape, per_axis, shape_text
from ..base import Constant, EntryOf
from ..registry import Connections
from . import closed_form, reference
from .geometry import ConvGeometry


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
    positive_inputs = False

    @property
    def parameters(self) -> tuple[Tensor, ...]:
        return (self.weight,) if self.bias is None else (self.weight, self.bias)

    def with_output(self, output: Tensor) -> "ConvLayer":
        return replace(self, output=output)

    def term_count(self) -> int:
        return self.geometry.term_count(self.bias is not None)

    def allocation(self) -> tuple[int, str]:
        g = self.geometry
        padded = g.padded_size
        return g.batch * g.in_channels * prod(padded), f"the padded input {shape_text(padded)}"

    def unused_positions(self) -> list[tuple[int, ...]]:
        return self.geometry.unused_positions()

    def branch(self, x: np.ndarray) -> None:
        return None  # linear: one piece

    def notes(self) -> list[Note]:
        return []

    def sizes_text(self) -> str:
        g = self.geometry
        return (f"input {compact_shape(self.input.shape)}, kernel {compact_shape(self.weight.shape)},"
                f" stride {per_axis(g.stride)}, padding {per_axis(g.padding)}")

    @cached_property
    def triples(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(output, input, weight) flat positions of every product; ∂X and ∂W share them. A pure
        function of the frozen configuration, computed on first use."""
        return self.geometry.index_triples()

    def connections(self, wrt: Tensor) -> Connections:
        if wrt is self.bias:
            outputs = np.arange(prod(self.geometry.output_shape))
            filters = outputs // prod(self.geometry.output_size) % self.geometry.filters
            return Connections(filters, outputs, Constant(1))
        y, x, w = self.triples
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
        return reference.forward(x, w, b, self.geometry).reshape(self.output.shape)

    def reference_backward(self, x: np.ndarray, params: dict, dy: np.ndarray) -> dict:
        """The NumPy backward pass: gradient arrays by tensor name."""
        x, w, _ = self._canonical(x, params)
        dx, dw, db = reference.backward(x, w, dy.reshape(self.geometry.output_shape), self.geometry)
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
