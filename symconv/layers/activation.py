"""Element-wise activation layers: ReLU.

``Y = max(X, 0)`` entry by entry; ∂Y_i/∂X_i = [X_i > 0] (0 at X_i = 0, PyTorch's choice). Each
input entry feeds exactly one output entry, so ∂L/∂X_i has a single chain-rule term. There is no
separate closed form: ``∂L/∂X = ∂L/∂Y ⊙ [X > 0]`` is already the reference.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..tensors import Tensor
from .base import Connections, Positive


@dataclass(frozen=True, eq=False)
class ReluLayer:
    input: Tensor
    output: Tensor
    kind = "relu"
    exact = True

    @property
    def parameters(self) -> tuple[Tensor, ...]:
        return ()

    def term_count(self) -> int:
        return self.input.size

    def unused_positions(self) -> list[tuple[int, ...]]:
        return []  # every entry is read

    def connections(self, wrt: Tensor) -> Connections:
        if wrt is not self.input:
            raise KeyError(wrt.name)
        every = np.arange(self.input.size)
        return Connections(every, every, Positive(self.input, every))

    def branch(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x > 0, dtype=bool)

    def reference_forward(self, x: np.ndarray, params: dict) -> np.ndarray:
        return np.where(x > 0, x, 0 * x)

    def reference_backward(self, x: np.ndarray, params: dict, dy: np.ndarray) -> dict:
        dy = dy.reshape(self.input.shape)
        return {self.input.name: np.where(x > 0, dy, 0 * dy)}
