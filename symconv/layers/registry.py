"""The layer-type registry: one :class:`LayerType` per layer type, everything symconv knows of it.

A layer type lives in one module or package under :mod:`symconv.layers` and registers one
:class:`LayerType` (JAX registers a primitive's rules the same way). The rest of symconv loops over
the registry and asks the layer; it never names a layer kind or tests a layer's class:

- the problem file: :attr:`LayerType.keys` and :attr:`LayerType.build` (read, check, build);
- the chain rule: the layer's :meth:`Layer.connections` (index arrays and local derivatives);
- the second and third routes: :meth:`Layer.closed_form` and :meth:`Layer.reference_backward`;
- worked solutions: :attr:`LayerType.sections`, written in :mod:`symconv.document`'s vocabulary;
- answers: :attr:`LayerType.mistakes`, the wrong backward passes students compute;
- notation: the non-polynomial factors of its local derivatives are atoms
  (:class:`symconv.poly.Atom`) that say how they are written, listed in :attr:`LayerType.atoms`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, NamedTuple, Protocol

import numpy as np

from ..document import Note, Section
from ..errors import ProblemError
from ..tensors import Tensor


class Connections(NamedTuple):
    """The chain-rule terms of one differentiated tensor through one layer, in forward order:
    term t links entry ``target[t]`` to output entry ``output[t]`` with local derivative
    ``local`` (per-term data, see :class:`LocalDerivative`)."""

    target: np.ndarray
    output: np.ndarray
    local: Any


class Layer(Protocol):
    """What the derivation, the problem and the checks ask of a layer (an immutable config)."""

    kind: str
    input: Tensor
    output: Tensor
    #: whether the forward pass stays exact on object arrays of int/Fraction (then given values
    #: give exact outputs, and indicators further on become 0 or 1)
    exact: bool
    #: whether random values for the checks must be positive (LP pooling's roots)
    positive_inputs: bool

    @property
    def parameters(self) -> tuple[Tensor, ...]: ...

    def with_output(self, output: Tensor) -> "Layer": ...

    def connections(self, wrt: Tensor, targets: np.ndarray | None = None) -> Connections:
        """The chain-rule terms of ``wrt`` through the layer; with ``targets`` (flat positions of
        ``wrt``, ascending) only theirs, built without the rest where the layer can (``grad
        --entry`` of a large convolution)."""
        ...

    def term_count(self) -> int: ...

    def allocation(self) -> tuple[int, str]:
        """The entries of the largest array its NumPy routes allocate (a padded input), computed
        from the configuration alone, and what it is (for a refusal: ``the padded input 9 × 9``)."""
        ...

    def unused_positions(self) -> list[tuple[int, ...]]: ...

    def reference_forward(self, x: np.ndarray, params: dict) -> np.ndarray: ...

    def reference_backward(self, x: np.ndarray, params: dict, dy: np.ndarray) -> dict: ...

    def closed_form(self, x: np.ndarray, params: dict, dy: np.ndarray) -> dict | None: ...

    def branch(self, x: np.ndarray) -> np.ndarray | None: ...

    def notes(self) -> list[Note]: ...

    def sizes_text(self) -> str: ...


def only(connections: Connections, targets: np.ndarray) -> Connections:
    """The terms of ``connections`` whose target is one of ``targets``, in their order."""
    keep = np.flatnonzero(np.isin(connections.target, targets))
    return Connections(connections.target[keep], connections.output[keep],
                       connections.local.take(keep))


class LayerRequest(NamedTuple):
    """What a layer type's builder reads: its table of the problem file and where it sits."""

    table: dict
    path: tuple  # ("layers", i): the key path of the table, for errors
    input: Tensor  # the problem's input, or the previous layer's output
    dims: int
    rank: int  # the rank of the input: the layer's tensors take the ones after it
    default_output: str


class Im2col(NamedTuple):
    """∂L/∂W of a layer that is a matrix product (a convolution, a transposed one) as one product
    per group g, ``∂L/∂W_g = A_g·B_gᵀ`` reshaped to the weight's shape: ``rows`` (groups, r, n) and
    ``columns`` (groups, c, n) hold flat positions (−1: a padding zero) into the tensors named by
    ``rows_of`` and ``columns_of``, each ``"input"`` or ``"upstream"`` (∂L/∂Y)."""

    rows: np.ndarray
    rows_of: str
    columns: np.ndarray
    columns_of: str


class WrongVariant(NamedTuple):
    """A wrong backward pass of one layer, as students compute it: ``compute()`` gives the whole
    wrong gradient, row-major, in ``shape`` (None: the right gradient's shape)."""

    key: str  # e.g. "kernel-not-rotated"
    description: str
    compute: Callable[[], Iterable]
    shape: tuple[int, ...] | None = None


#: A worked-solution section of one layer: (layer, context) -> the section, or None to leave it out.
SectionBuilder = Callable[[Any, Any], "Section | None"]
#: A layer's wrong variants: (layer, differentiated tensor, upstream gradient as polynomials,
#: the tensor's chain-rule terms through the layer, the loss's name) -> candidates, each described
#: in the problem's own names (``the kernel B was not rotated …, ∂E/∂A is …``).
MistakeFinder = Callable[[Any, Tensor, list, Any, str], list[WrongVariant]]


@dataclass(frozen=True)
class LayerType:
    kind: str  # the problem file's ``type``
    summary: str  # one line for the list of layer types
    keys: tuple[str, ...]  # the keys of its table besides ``type`` and ``output``
    build: Callable[[LayerRequest], Any]  # reads and checks the table; raises SpecError
    describe: Callable[[Any, Any], tuple]  # (layer, context) -> the problem statement's sentence
    #: (layer) -> the layer in the automatic title (``2 × 2 kernel, stride 1, padding 0``,
    #: ``2 × 2 max pooling, stride 1``, ``ReLU``); without one the title names its kind
    title: Callable[[Any], str] | None = None
    sections: Mapping[str, SectionBuilder] = field(default_factory=dict)
    mistakes: MistakeFinder = lambda layer, target, upstream, terms, loss: []
    atoms: tuple[type, ...] = ()  # its non-polynomial factors (each says how it is written)
    #: (layer) -> why its given values sit where conventions differ (a max pooling tie), or None:
    #: such a variant makes a poor exercise unless the exercise asks for it
    ambiguity: Callable[[Any], str | None] = lambda layer: None
    #: (layer, flat) -> output entry ``flat`` written over the symbols of the layer's input and
    #: parameters: a polynomial or a vocabulary node (``max(…)``, LP's root), for the forward
    #: pass as data (``symconv forward --format json``)
    expression: Callable[[Any, int], object] | None = None
    #: (layer) -> its weight gradient as im2col products; given only for layers linear in their
    #: input, ``vec(Y) = C·vec(X) + vec(b)``, whose matrix C is then read from their connections
    #: (the matrix view, ``symconv matrix``)
    im2col: Callable[[Any], Im2col] | None = None
    #: (layer) -> how its output's size comes about along each spatial axis, with the numbers
    #: (``(5 − 3)/1 + 1``), for messages about shapes; None: the output keeps the input's shape
    output_size: Callable[[Any], tuple[str, ...]] | None = None
    #: (kernel shape, stride=…, padding=…, dilation=…, bias=…) -> its layer table, for the quick
    #: questions of the command line (``symconv grad --input 4x4 --kernel 2x2``)
    quick: Callable[..., dict] | None = None
    #: (layer, tensor) -> the case of every entry of ``tensor`` (its input or a parameter), from
    #: the layer's geometry (:class:`symconv.sections.Case`: a corner, an edge, the interior, …),
    #: or None: the chain rule of a handout shows one entry of every case
    cases: Callable[[Any, Tensor], list | None] | None = None
    #: what a sentence calls a layer of this type (``ReLU``, ``max pooling``); its kind when left out
    name: str = ""

    @property
    def called(self) -> str:
        """The layer type's name in a sentence (the checks' ``ReLU has no closed form``)."""
        return self.name or self.kind


LAYER_TYPES: dict[str, LayerType] = {}


def register(layer_type: LayerType) -> LayerType:
    if layer_type.kind in LAYER_TYPES:
        raise ValueError(f"layer type {layer_type.kind!r} registered twice")
    LAYER_TYPES[layer_type.kind] = layer_type
    return layer_type


def layer_type(layer: Layer) -> LayerType:
    """The registered type of a layer."""
    try:
        return LAYER_TYPES[layer.kind]
    except KeyError:
        raise ProblemError(f"no layer type {layer.kind!r} is registered") from None
