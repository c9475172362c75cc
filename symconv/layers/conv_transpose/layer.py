"""Transposed convolution layers (1-D, 2-D, 3-D) with PyTorch's ConvTranspose semantics.

A transposed convolution is the adjoint of a convolution: the convolution whose *input* has the
transposed layer's output size, whose *output* has its input size, with the same kernel, stride,
padding, dilation and groups. Its weight layout ``(C_in, C_out/groups, *K)`` is that
convolution's ``(F, C/groups, *K)``. Every index triple of the convolution, (output, input,
weight), is a triple (input, output, weight) here::

    Y[n, g·C_out/groups + c', i·S − P + k·D] += X[n, c, i] · W[c, c', k]   (+ b[c_out])

so the chain rule, the closed form and the NumPy reference are the convolution's with the roles
of input and output swapped: the forward pass is a convolution's ∂L/∂X, ∂L/∂X is the strided
correlation of ∂L/∂Y with W (a convolution's forward pass), and ∂L/∂W is a convolution's ∂L/∂W
with ∂L/∂Y as its input and X as its upstream gradient.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from math import prod

import numpy as np

from ...core.contract import Array, Arrays
from ...core.tensors import Tensor
from ...core.wording import compact_shape, per_axis, shape_text
from ..sliding import closed_form, reference
from ..sliding.geometry import ConvGeometry
from ..sliding.layer import SumOfProducts, filter_columns


def swapped(triples: tuple[np.ndarray, np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The convolution's (output, input, weight) triples as this layer's: input and output
    swapped, rows sorted by the new output (stably)."""
    conv_output, conv_input, w = triples
    order = np.argsort(conv_input, kind="stable")
    return conv_input[order], conv_output[order], w[order]


def transposed_size(size: int, kernel: int, stride: int, padding: tuple[int, int], dilation: int,
                    output_padding: int) -> int:
    """PyTorch's ``(H − 1)·S − 2P + D(K − 1) + output_padding + 1`` (P before and after)."""
    return (size - 1) * stride - sum(padding) + dilation * (kernel - 1) + output_padding + 1


@dataclass(frozen=True, eq=False)
class ConvTransposeLayer(SumOfProducts):
    """One transposed convolution: the convolution it is the adjoint of, plus its tensors."""

    geometry: ConvGeometry  # that convolution: its input is this layer's output
    output_padding: tuple[int, ...]
    input: Tensor
    weight: Tensor
    bias: Tensor | None
    output: Tensor
    same: bool = False  # padding = "same": worked out by TensorFlow's rule
    kind = "conv_transpose"

    @property
    def layouts(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        return self.geometry.output_shape, self.geometry.input_shape

    @property
    def weight_layout(self) -> tuple[int, ...]:
        return self.geometry.weight_shape

    @property
    def input_size(self) -> tuple[int, ...]:
        return self.geometry.output_size

    @property
    def output_size(self) -> tuple[int, ...]:
        return self.geometry.input_size

    @property
    def in_channels(self) -> int:
        return self.geometry.filters

    @property
    def out_channels(self) -> int:
        return self.geometry.in_channels

    def term_count(self) -> int:
        bias_terms = prod(self.geometry.input_shape) if self.bias is not None else 0
        return 2 * self.geometry.product_count() + bias_terms

    def allocation(self) -> tuple[int, str]:
        g = self.geometry  # its references pad the output to the convolution's padded input
        padded = g.padded_size
        return g.batch * g.in_channels * prod(padded), f"the padded output {shape_text(padded)}"

    def unused_positions(self) -> list[tuple[int, ...]]:
        return self.geometry.idle_outputs()

    def sizes_text(self) -> str:
        g = self.geometry
        return (f"input {compact_shape(self.input.shape)}, kernel {compact_shape(self.weight.shape)},"
                f" stride {per_axis(g.stride)}, padding {g.padding_words}, output_padding"
                f" {per_axis(self.output_padding)}")

    @cached_property
    def triples(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(output, input, weight) flat positions of every product, the convolution's triples with
        input and output swapped; rows in row-major output order (then as the convolution had
        them), so each entry's chain-rule terms come in output order."""
        return swapped(self.geometry.index_triples())

    def triples_at(self, wrt: Tensor, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        g = self.geometry  # its outputs are this layer's inputs
        if wrt is self.input:
            return swapped(g.index_triples(np.unique(targets)))
        return swapped(g.index_triples(*filter_columns(g, targets)))

    def reference_forward(self, x: Array, params: Arrays) -> Array:
        """The NumPy forward pass: the convolution's input gradient of ``x`` (plus the bias)."""
        x, w, b = self.canonical(x, params)
        y = reference.input_gradient(x, w, self.geometry)
        if b is not None:
            y = y + b.reshape((1, -1) + (1,) * self.geometry.dims)
        return y.reshape(self.output.shape)

    def reference_backward(self, x: Array, params: Arrays, dy: Array) -> dict[str, Array]:
        """The NumPy backward pass: the convolution's forward pass of ∂L/∂Y is ∂L/∂X, and its
        weight gradient with ∂L/∂Y as input and X as upstream is ∂L/∂W."""
        g = self.geometry
        x, w, _ = self.canonical(x, params)
        dy = dy.reshape(g.input_shape)
        return self.named(reference.forward(dy, w, None, g), reference.weight_gradient(dy, x, g),
                          reference.channel_sums(dy))

    def closed_form(self, x: Array, params: Arrays, dy: Array) -> dict[str, Array]:
        """∂L/∂X: the strided correlation of ∂L/∂Y (padded) with W; ∂L/∂W: the correlation of the
        padded ∂L/∂Y with the zero-inserted input; ∂L/∂b: the sums of ∂L/∂Y."""
        g = self.geometry
        x, w, _ = self.canonical(x, params)
        dy = dy.reshape(g.input_shape)
        return self.named(closed_form.correlate(dy, w, g), closed_form.grad_weight(dy, x, g),
                          closed_form.grad_bias(dy))
