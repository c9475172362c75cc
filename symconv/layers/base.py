"""What every layer gives the derivation engine: connectivity as index arrays.

A layer is an immutable configuration plus pure functions. For each tensor it differentiates
(its input and its parameters) it returns :class:`Connections`: one row per chain-rule term,
``target`` (the entry being differentiated), ``output`` (the output entry it feeds) and the local
derivative ∂output/∂target as data. Rows come in forward order (output by output, and within an
output in the order its forward sum is written), so a stable sort by target gives every entry's
terms in reading order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..poly import Number
from ..tensors import Tensor


@dataclass(frozen=True)
class EntryOf:
    """∂y/∂x is an entry of another tensor (a weight for ∂/∂X, an input entry for ∂/∂W)."""

    tensor: Tensor
    index: np.ndarray

    def take(self, order: np.ndarray) -> "EntryOf":
        return EntryOf(self.tensor, self.index[order])


@dataclass(frozen=True)
class Constant:
    """∂y/∂x is the same number for every term (1 for a bias, 1/N for average pooling)."""

    value: Number

    def take(self, order: np.ndarray) -> "Constant":
        return self


LocalDerivative = EntryOf | Constant


@dataclass(frozen=True)
class Connections:
    target: np.ndarray  # flat index into the differentiated tensor
    output: np.ndarray  # flat index into the layer's output
    local: LocalDerivative


class Layer(Protocol):
    input: Tensor
    output: Tensor

    @property
    def parameters(self) -> tuple[Tensor, ...]: ...

    def connections(self, wrt: Tensor) -> Connections: ...
