"""Local derivatives shared by several layer types, as per-term data.

A layer gives, for each tensor it differentiates, one row per chain-rule term (see
:class:`~symconv.engine.registry.Connections`) and the local derivatives ∂output/∂target of all its
rows as one object. Every kind answers the same questions on its rows:

``take(order)``            the rows reordered (the derivation groups them by target entry);
``factors(start, stop)``   the exact local derivatives of rows start..stop: numbers or
                           :class:`~symconv.core.poly.Atom` (a symbol, an indicator, LP's root);
``named(row)``             the same factor with its entries named even where they have values
                           (``X_{11}`` where the value is 1), for worked solutions and feedback;
``numeric(values_of)``     all rows as numbers, vectorised;
``factor_table()``         every row's exact local derivative at once, for printers that work on
                           whole arrays (:data:`~symconv.core.tensors.FactorTable`);
``named_table()``          every row's named local derivative at once.

The kinds here are shared: a tensor entry (convolutions), one constant (a bias, 1/N of average
pooling), a number per row. Layer types with their own kinds define them in their home (max
pooling's indicator, ReLU's mask, LP pooling's root).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from ..core.contract import Array, ValuesOf
from ..core.poly import Atom, Number, Symbol
from ..core.tensors import EntryFactors, FactorTable, Tensor


@dataclass(frozen=True)
class EntryOf:
    """∂y/∂x is an entry of another tensor (a weight for ∂/∂X, an input entry for ∂/∂W)."""

    tensor: Tensor
    index: np.ndarray

    def take(self, order: np.ndarray) -> "EntryOf":
        return replace(self, index=self.index[order])

    def factors(self, start: int, stop: int) -> Sequence[Number | Atom]:
        return self.tensor.entries_at(self.index[start:stop].tolist())

    def factor_table(self) -> FactorTable:
        return EntryFactors(self.tensor, self.index)

    def named(self, row: int) -> Atom:
        return Symbol(self.tensor, int(self.index[row]))

    def named_table(self) -> FactorTable:
        return EntryFactors(self.tensor, self.index, named=True)

    def numeric(self, values_of: ValuesOf) -> Array:
        values: Array = values_of(self.tensor).reshape(-1)[self.index]
        return values


@dataclass(frozen=True)
class Constant:
    """∂y/∂x is the same number for every term (1 for a bias, 1/N for average pooling)."""

    value: Number

    def take(self, order: np.ndarray) -> "Constant":
        return self

    def factors(self, start: int, stop: int) -> list[Number]:
        return [self.value] * (stop - start)

    def factor_table(self) -> FactorTable:
        return self.value

    def named(self, row: int) -> Number:
        return self.value

    def named_table(self) -> FactorTable:
        return self.value

    def numeric(self, values_of: ValuesOf) -> Number | float:
        # An int stays an int, so integer arrays give exact integer gradients.
        return self.value if isinstance(self.value, int) else float(self.value)


@dataclass(frozen=True)
class Numbers:
    """∂y/∂x is an exact number per term (1/N of average pooling when N varies at the border)."""

    values: np.ndarray  # object array of int | Fraction

    def take(self, order: np.ndarray) -> "Numbers":
        return Numbers(self.values[order])

    def factors(self, start: int, stop: int) -> list[Number]:
        numbers: list[Number] = self.values[start:stop].tolist()
        return numbers

    def factor_table(self) -> FactorTable:
        return self.factors(0, len(self.values))

    def named(self, row: int) -> Number:
        number: Number = self.values[row]
        return number

    def named_table(self) -> FactorTable:
        return self.factor_table()

    def numeric(self, values_of: ValuesOf) -> Array:
        return self.values.astype(float)
