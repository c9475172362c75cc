"""What the layer types that act entry by entry share (ReLU, the sigmoid): the output keeps the
input's shape, and input entry i feeds output entry i only, so every gradient entry has one
chain-rule term, whose local derivative ∂y_i/∂x_i each type gives (:meth:`Elementwise.local`)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from typing import ClassVar

import numpy as np

from ..core.contract import Array, Arrays, Connections, LocalDerivative
from ..core.document import Note
from ..core.poly import Atom, Number, Symbol
from ..core.spec import output_tensor
from ..core.tensors import FactorTable, Tensor
from ..core.wording import compact_shape, shape_text
from ..engine.local_derivatives import EntryOf
from ..engine.registry import LayerRequest

@dataclass(frozen=True)
class Slope(EntryOf, ABC):
    """∂y_i/∂x_i = f'(x_i) at the entry ``index`` of ``tensor``: a subclass says it for an entry
    (:meth:`at`: a number where the entry is one and f' stays exact there, else an atom) and for
    a symbol (:meth:`named_at`)."""

    @abstractmethod
    def at(self, entry: Number | Symbol) -> Number | Atom: ...

    @abstractmethod
    def named_at(self, symbol: Symbol) -> Atom: ...

    def factors(self, start: int, stop: int) -> list[Number | Atom]:
        return [self.at(entry) for entry in self.tensor.entries_at(self.index[start:stop].tolist())]

    def factor_table(self) -> FactorTable:
        return self.factors(0, len(self.index))

    def named(self, row: int) -> Atom:
        return self.named_at(Symbol(self.tensor, int(self.index[row])))

    def named_table(self) -> FactorTable:
        return [self.named_at(self.tensor.symbols[i]) for i in self.index.tolist()]


@dataclass(frozen=True, eq=False)
class Elementwise(ABC):
    """A layer ``y_i = f(x_i)`` without parameters; a subclass gives its kind, whether ``f`` stays
    exact on exact numbers, ``local``, ``branch`` and the references (abstract: a type that
    forgets one cannot be built, and mypy says so where its ``build`` makes one)."""

    input: Tensor
    output: Tensor
    kind: ClassVar[str]
    exact: ClassVar[bool]
    positive_inputs = False

    @property
    def parameters(self) -> tuple[Tensor, ...]:
        return ()

    def with_output(self, output: Tensor) -> Elementwise:
        return replace(self, output=output)

    def term_count(self) -> int:
        return self.input.size

    def allocation(self) -> tuple[int, str]:
        return self.input.size, f"its input {shape_text(self.input.shape)}"

    def unused_positions(self) -> list[tuple[int, ...]]:
        return []  # every entry is read

    def notes(self) -> list[Note]:
        return []

    def sizes_text(self) -> str:
        return f"input {compact_shape(self.input.shape)}"

    def connections(self, wrt: Tensor, targets: Array | None = None) -> Connections:
        if wrt is not self.input:
            raise KeyError(wrt.name)
        every = np.arange(self.input.size) if targets is None else np.asarray(targets)
        return Connections(every, every, self.local(every))

    def closed_form(self, x: Array, params: Arrays, dy: Array) -> None:
        return None  # ∂L/∂X = ∂L/∂Y ⊙ f'(X) is the reference already

    # Each type's own:
    @abstractmethod
    def local(self, entries: Array) -> LocalDerivative:
        """∂y_i/∂x_i at the input entries ``entries`` (flat positions)."""

    @abstractmethod
    def branch(self, x: Array) -> Array | None: ...

    @abstractmethod
    def reference_forward(self, x: Array, params: Arrays) -> Array: ...

    @abstractmethod
    def reference_backward(self, x: Array, params: Arrays, dy: Array) -> dict[str, Array]: ...


def same_shape_output(request: LayerRequest) -> Tensor:
    """The output of an entry-by-entry layer: the input's shape, named by the table or the default."""
    return output_tensor(request.table, request.path, request.default_output, request.input.shape,
                         request.input, request.rank + 1,
                         leading_axes=("n", "f"))  # the documents call every output's channels f
