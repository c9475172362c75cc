"""Convolution layers (1-D, 2-D) with PyTorch semantics.

Cross-correlation, zero padding, stride, dilation, groups, channels and batch, in the canonical
layouts input ``(N, C, *spatial)``, weight ``(F, C/groups, *kernel)``, output ``(N, F, *out)``.
Declared shapes may leave out the batch and channel axes; they have size 1 then, so flat
(row-major) positions are the same in the declared and the canonical layout. The index arithmetic
is :mod:`.geometry`'s; the two independent routes are :mod:`.closed_form` and :mod:`.reference`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from functools import cached_property
from math import prod
from typing import ClassVar, TypeVar

import numpy as np

from ...core.contract import Array, Arrays, Connections
from ...core.document import Note
from ...core.poly import Poly, Symbol, poly_sum, product_of
from ...core.tensors import Tensor
from ...core.wording import compact_shape, per_axis, shape_text
from ...engine.local_derivatives import Constant, EntryOf
from ...engine.registry import only
from . import closed_form, reference
from .geometry import ConvGeometry


_SumOfProducts = TypeVar("_SumOfProducts", bound="SumOfProducts")


class SumOfProducts(ABC):
    """What a convolution and a transposed one share: every output is a sum of input × weight
    products (plus the bias of its output channel), the products given by ``triples`` (output,
    input, weight), sorted by output; ``layouts`` are the canonical (N, C, *spatial) shapes of
    the input and of the output."""

    geometry: ConvGeometry  # a transposed convolution's is the convolution it transposes
    input: Tensor
    weight: Tensor
    bias: Tensor | None
    output: Tensor
    same: bool  # padding = "same": the padding was worked out by TensorFlow's rule
    kind: ClassVar[str]  # each type's own
    exact = True  # sums of products stay exact on int/Fraction arrays
    positive_inputs = False

    # Each type's own (:class:`symconv.core.contract.Layer`; abstract: mypy refuses to build a type
    # that forgets one):
    @abstractmethod
    def term_count(self) -> int: ...

    @abstractmethod
    def allocation(self) -> tuple[int, str]: ...

    @abstractmethod
    def unused_positions(self) -> list[tuple[int, ...]]: ...

    @abstractmethod
    def sizes_text(self) -> str: ...

    @abstractmethod
    def reference_forward(self, x: Array, params: Arrays) -> Array: ...

    @abstractmethod
    def reference_backward(self, x: Array, params: Arrays, dy: Array) -> dict[str, Array]: ...

    @abstractmethod
    def closed_form(self, x: Array, params: Arrays, dy: Array) -> dict[str, Array] | None: ...

    @property
    def layouts(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        raise NotImplementedError

    @property
    def triples(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        raise NotImplementedError

    @property
    def parameters(self) -> tuple[Tensor, ...]:
        return (self.weight,) if self.bias is None else (self.weight, self.bias)

    def with_output(self: _SumOfProducts, output: Tensor) -> _SumOfProducts:
        return replace(self, output=output)  # type: ignore[type-var]  # every subclass is a dataclass

    def branch(self, x: np.ndarray) -> None:
        return None  # linear: one piece

    def notes(self) -> list[Note]:
        return []

    def connections(self, wrt: Tensor, targets: np.ndarray | None = None) -> Connections:
        if wrt is self.bias:
            layout = self.layouts[1]
            outputs = np.arange(prod(layout))
            found = Connections(np.unravel_index(outputs, layout)[1], outputs, Constant(1))
        elif wrt is self.input or wrt is self.weight:
            y, x, w = self.triples if targets is None else self.triples_at(wrt, targets)
            found = (Connections(x, y, EntryOf(self.weight, w)) if wrt is self.input
                     else Connections(w, y, EntryOf(self.input, x)))
        else:
            raise KeyError(wrt.name)
        return found if targets is None else only(found, targets)

    def triples_at(self, wrt: Tensor, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The rows of :attr:`triples` that can hold a term of the entries ``targets`` of the
        input or the weight (a superset, in the same order), built on their own."""
        raise NotImplementedError

    def expression(self, flat: int) -> Poly:
        """Output entry ``flat`` over the symbols of the input, weight and bias:
        ``X_00·W_00 + … + b``."""
        outputs, inputs, weights = self.triples
        start, stop = np.searchsorted(outputs, [flat, flat + 1])
        terms: list[Poly | Symbol] = [product_of((Symbol(self.input, int(i)), Symbol(self.weight, int(k))))
                       for i, k in zip(inputs[start:stop], weights[start:stop])]
        if self.bias is not None:
            terms.append(Symbol(self.bias, int(np.unravel_index(flat, self.layouts[1])[1])))
        return poly_sum(terms)

    # -- the two independent routes work on arrays in these layouts --------------------------------
    def canonical(self, x: Array, params: Arrays) -> tuple[Array, Array, Array | None]:
        """The input, weight and bias arrays (declared shapes) in canonical layout."""
        w = params[self.weight.name].reshape(self.weight_layout)
        b = params[self.bias.name].reshape(-1) if self.bias is not None else None
        return x.reshape(self.layouts[0]), w, b

    @property
    def weight_layout(self) -> tuple[int, ...]:
        raise NotImplementedError

    def named(self, dx: Array, dw: Array, db: Array | None) -> dict[str, Array]:
        """Gradient arrays by tensor name, in the declared shapes."""
        grads = {self.input.name: dx.reshape(self.input.shape),
                 self.weight.name: dw.reshape(self.weight.shape)}
        if self.bias is not None and db is not None:
            grads[self.bias.name] = db.reshape(self.bias.shape)
        return grads


def filter_columns(g: ConvGeometry, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The outputs and the kernel columns (c', k) that read the flat weight entries ``weights``:
    every output of their filters, and their own columns."""
    columns = prod(g.weight_shape[1:])
    return g.outputs_of_filters(weights // columns), np.unique(weights % columns)


@dataclass(frozen=True, eq=False)
class ConvLayer(SumOfProducts):
    """One convolution: geometry plus the tensors it reads and writes."""

    geometry: ConvGeometry
    input: Tensor
    weight: Tensor
    bias: Tensor | None
    output: Tensor
    same: bool = False  # padding = "same": the padding was worked out by TensorFlow's rule
    kind = "conv"

    @property
    def layouts(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        return self.geometry.input_shape, self.geometry.output_shape

    @property
    def weight_layout(self) -> tuple[int, ...]:
        return self.geometry.weight_shape

    def term_count(self) -> int:
        return self.geometry.term_count(self.bias is not None)

    def allocation(self) -> tuple[int, str]:
        g = self.geometry
        padded = g.padded_size
        return g.batch * g.in_channels * prod(padded), f"the padded input {shape_text(padded)}"

    def unused_positions(self) -> list[tuple[int, ...]]:
        return self.geometry.unused_positions()

    def sizes_text(self) -> str:
        g = self.geometry
        return (f"input {compact_shape(self.input.shape)}, kernel {compact_shape(self.weight.shape)},"
                f" stride {per_axis(g.stride)}, padding {g.padding_words}")

    def triples_at(self, wrt: Tensor, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        g = self.geometry
        if wrt is self.input:
            return g.index_triples(g.outputs_reading(targets))
        return g.index_triples(*filter_columns(g, targets))

    @cached_property
    def triples(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(output, input, weight) flat positions of every product; ∂X and ∂W share them. A pure
        function of the frozen configuration, computed on first use."""
        return self.geometry.index_triples()

    def reference_forward(self, x: Array, params: Arrays) -> Array:
        """The NumPy forward pass (``params`` maps weight and bias names to arrays)."""
        x, w, b = self.canonical(x, params)
        return reference.forward(x, w, b, self.geometry).reshape(self.output.shape)

    def reference_backward(self, x: Array, params: Arrays, dy: Array) -> dict[str, Array]:
        """The NumPy backward pass: gradient arrays by tensor name."""
        x, w, _ = self.canonical(x, params)
        dx, dw, db = reference.backward(x, w, dy.reshape(self.geometry.output_shape), self.geometry)
        return self.named(dx, dw, db)

    def closed_form(self, x: Array, params: Arrays, dy: Array) -> dict[str, Array]:
        """The closed-form gradients (correlations with the dilated / rotated operands)."""
        g = self.geometry
        x, w, _ = self.canonical(x, params)
        dy = dy.reshape(g.output_shape)
        return self.named(closed_form.grad_input(dy, w, g), closed_form.grad_weight(x, dy, g),
                          closed_form.grad_bias(dy))


def declared_output_shape(input_ndim: int, dims: int, batch: int, channels: int,
                          spatial: tuple[int, ...], weight_has_channels: bool) -> tuple[int, ...]:
    """The output keeps the input's declared axes, with the channel axis replaced by the output's
    ``channels`` (a convolution's filters F).

    ``[H, W] -> [OH, OW]``; ``[C, H, W] -> [F, OH, OW]``; ``[N, C, H, W] -> [N, F, OH, OW]``;
    an input without a channel axis and several output channels gives ``[F, OH, OW]``.
    """
    if input_ndim == dims + 2:
        return (batch, channels, *spatial)
    if input_ndim == dims + 1 or (weight_has_channels and channels > 1):
        return (channels, *spatial)
    return spatial
