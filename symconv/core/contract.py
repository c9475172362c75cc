"""The layer contract: what the derivation, the problem, the checks and the worked solutions ask of a
layer, in types that mypy checks.

A layer type (one home under :mod:`symconv.layers`) builds immutable layer configs that satisfy
:class:`Layer`; registering its :class:`~symconv.engine.registry.LayerType` checks that, so a layer
type that forgets a member (``connections()``, ``closed_form()``) fails ``mypy``, not a student's
``solve``. The contract lives here, below the engine, because the engine (:mod:`symconv.engine.derivation`)
and the section helpers (:mod:`symconv.engine.sections`) read layers while the layer types import them.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, NamedTuple, Protocol, Sequence

from numpy.typing import NDArray

from .document import Note
from .poly import Atom, Number
from .tensors import FactorTable, Tensor

Array = NDArray[Any]
#: the NumPy arrays of a layer's parameters, by tensor name
Arrays = Mapping[str, Array]
#: a tensor's values as a NumPy array (what :meth:`LocalDerivative.numeric` reads)
ValuesOf = Callable[[Tensor], Array]


class LocalDerivative(Protocol):
    """The local derivatives ∂y/∂x of a block of chain-rule terms, as per-term data (each layer
    type has its kinds, see :mod:`symconv.engine.local_derivatives`)."""

    def take(self, order: Array) -> LocalDerivative:
        """The terms reordered."""
        ...

    def factors(self, start: int, stop: int) -> Sequence[Number | Atom]:
        """The exact local derivatives of terms start..stop: numbers or atoms."""
        ...

    def named(self, row: int) -> Number | Atom:
        """The local derivative of one term with its entries named (symbols, even with values)."""
        ...

    def numeric(self, values_of: ValuesOf) -> Array | Number | float:
        """Every term's local derivative as a number (an array, or one number for all)."""
        ...

    def factor_table(self) -> FactorTable:
        """Every term's exact local derivative at once, for printers that work on whole arrays."""
        ...

    def named_table(self) -> FactorTable:
        """Every term's local derivative as :meth:`named` gives it, at once."""
        ...


class Connections(NamedTuple):
    """The chain-rule terms of one differentiated tensor through one layer, in forward order:
    term t links entry ``target[t]`` to output entry ``output[t]`` with local derivative
    ``local`` (per-term data, see :class:`LocalDerivative`)."""

    target: Array
    output: Array
    local: LocalDerivative


class Layer(Protocol):
    """A layer: an immutable config whose members are all the engine reads."""

    @property
    def kind(self) -> str:
        """Its layer type's name, the problem file's ``type``."""
        ...

    @property
    def input(self) -> Tensor: ...

    @property
    def output(self) -> Tensor: ...

    @property
    def parameters(self) -> tuple[Tensor, ...]:
        """Its weights and biases, in the order they are listed (none for pooling or ReLU)."""
        ...

    @property
    def exact(self) -> bool:
        """Whether the forward pass stays exact on object arrays of int/Fraction (then given
        values give exact outputs, and indicators further on become 0 or 1)."""
        ...

    @property
    def positive_inputs(self) -> bool:
        """Whether random values for the checks must be positive (LP pooling's roots)."""
        ...

    def with_output(self, output: Tensor) -> Layer:
        """The same layer writing into ``output`` (the same tensor with exact values)."""
        ...

    def connections(self, wrt: Tensor, targets: Array | None = None) -> Connections:
        """The chain-rule terms of ``wrt`` through the layer; with ``targets`` (flat positions of
        ``wrt``, ascending) only theirs, built without the rest where the layer can (``grad
        --entry`` of a large convolution)."""
        ...

    def term_count(self) -> int:
        """How many chain-rule terms all its gradients have, from the configuration alone."""
        ...

    def allocation(self) -> tuple[int, str]:
        """The entries of the largest array its NumPy routes allocate (a padded input), computed
        from the configuration alone, and what it is (for a refusal: ``the padded input 9 × 9``)."""
        ...

    def unused_positions(self) -> list[tuple[int, ...]]:
        """Per spatial axis, the input positions no output reads (their gradient is 0)."""
        ...

    def reference_forward(self, x: Array, params: Arrays) -> Array:
        """The forward pass in NumPy, the independent route the checks compare with."""
        ...

    def reference_backward(self, x: Array, params: Arrays, dy: Array) -> dict[str, Array]:
        """Every gradient in NumPy, by tensor name, from the upstream gradient ``dy``."""
        ...

    def closed_form(self, x: Array, params: Arrays, dy: Array) -> dict[str, Array] | None:
        """The gradients by the closed form (a full correlation with the rotated kernel), or None
        when the layer has none besides its reference."""
        ...

    def branch(self, x: Array) -> Array | None:
        """Which branch of a piecewise forward pass each output takes at ``x`` (a max pooling's
        winners, ReLU's sign), for finite differences that must not step across a kink; None when
        the layer is smooth."""
        ...

    def notes(self) -> list[Note]:
        """What a reader should know of this layer (the tie rule of max pooling)."""
        ...

    def sizes_text(self) -> str:
        """Its sizes in a few words, for messages (``input 4×4, kernel 2×2``)."""
        ...


class ProblemView(Protocol):
    """What the engine (:mod:`symconv.engine.derivation`) and the sections (:mod:`symconv.engine.sections`) read
    of a problem (:class:`symconv.problems.problem.Problem`, which imports both): its layers in order, the
    tensors around them, the loss and how the problem is introduced."""

    @property
    def loss(self) -> str: ...

    @property
    def dims(self) -> int: ...

    @property
    def input(self) -> Tensor: ...

    @property
    def upstream(self) -> Tensor: ...

    @property
    def layers(self) -> tuple[Layer, ...]: ...

    @property
    def title(self) -> str | None: ...

    @property
    def source(self) -> Any: ...  # its Source (symconv.problems.problem), or None

    def tensors(self) -> list[Tensor]: ...

    def differentiable(self) -> list[Tensor]: ...

    def tensor(self, name: str) -> Tensor: ...

    def output_named(self, name: str) -> Tensor | None: ...

    def upstream_of(self, layer: Layer) -> Tensor: ...

    def term_count(self) -> int: ...

    def notes(self) -> list[Note]: ...
