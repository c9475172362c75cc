"""The layer-type registry: one :class:`LayerType` per layer type, everything symconv knows of it.

A layer type lives in one module or package under :mod:`symconv.layers` and registers one
:class:`LayerType` (JAX registers a primitive's rules the same way). The rest of symconv loops over
the registry and asks the layer; it never names a layer kind or tests a layer's class:

- the problem file: :attr:`LayerType.keys` and :attr:`LayerType.build` (read, check, build);
- the chain rule: the layer's :meth:`Layer.connections` (index arrays and local derivatives);
- the second and third routes: :meth:`Layer.closed_form` and :meth:`Layer.reference_backward`;
- worked solutions: :attr:`LayerType.sections`, written in :mod:`symconv.core.document`'s vocabulary;
- answers: :attr:`LayerType.mistakes`, the wrong backward passes students compute, and
  :attr:`LayerType.functions`, the functions answers may call (``sigmoid(X_11)``);
- notation: the non-polynomial factors of its local derivatives are atoms
  (:class:`symconv.core.poly.Atom`) that say how they are written, listed in :attr:`LayerType.atoms`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Generic, Iterable, Mapping, NamedTuple, TypeVar

import numpy as np

from ..core.contract import Array, Connections, Layer
from .derivation import Terms
from ..core.document import Section
from ..core.errors import ProblemError
from ..core.poly import Atom, Poly
from .sections import Case, Context
from ..core.tensors import Role, Tensor

L = TypeVar("L", bound=Layer)
#: a quick question's stride, padding or dilation: one number, one per axis, or "same"/"valid"
QuickSetting = int | tuple[int, ...] | str


def only(connections: Connections, targets: Array) -> Connections:
    """The terms of ``connections`` whose target is one of ``targets``, in their order."""
    keep = np.flatnonzero(np.isin(connections.target, targets))
    return Connections(connections.target[keep], connections.output[keep],
                       connections.local.take(keep))


class LayerRequest(NamedTuple):
    """What a layer type's builder reads: its table of the problem file and where it sits."""

    table: dict[str, Any]
    path: tuple[str | int, ...]  # ("layers", i): the key path of the table, for errors
    input: Tensor  # the problem's input, or the previous layer's output
    dims: int
    rank: int  # the rank of the input: the layer's tensors take the ones after it
    default_output: str


class Im2col(NamedTuple):
    """∂L/∂W of a layer that is a matrix product (a convolution, a transposed one) as one product
    per group g, ``∂L/∂W_g = A_g·B_gᵀ`` reshaped to the weight's shape: ``rows`` (groups, r, n) and
    ``columns`` (groups, c, n) hold flat positions (−1: a padding zero) into the tensors named by
    ``rows_of`` and ``columns_of``, each :attr:`Role.INPUT` or :attr:`Role.UPSTREAM` (∂L/∂Y)."""

    rows: Array
    rows_of: Role
    columns: Array
    columns_of: Role


class WrongVariant(NamedTuple):
    """A wrong backward pass of one layer, as students compute it: ``compute()`` gives the whole
    wrong gradient, row-major, in ``shape`` (None: the right gradient's shape)."""

    key: str  # e.g. "kernel-not-rotated"
    description: str
    compute: Callable[[], Iterable[Any]]
    shape: tuple[int, ...] | None = None


class AnswerFunction(NamedTuple):
    """A function that answers may call, e.g. ``sigmoid(X_11)``: its spellings (the first is how
    messages name it; a LaTeX command such as ``\\sigma`` is read as ``\\sigma(…)``) and
    ``apply``, its value at the argument read: a factor, as written (``sigmoid(-3)``), whose
    :meth:`~symconv.poly.Atom.exact_form` gives the form it is compared in (``1 − sigmoid(3)``).
    ``apply`` raises ValueError with a sentence for the student when it does not take the
    argument."""

    names: tuple[str, ...]
    apply: Callable[[Poly], Atom]


#: A worked-solution section of one layer: (layer, context) -> the section, or None to leave it out.
SectionBuilder = Callable[[L, Context], "Section | None"]
#: A layer's wrong variants: (layer, differentiated tensor, upstream gradient as polynomials,
#: the tensor's chain-rule terms through the layer, the loss's name) -> candidates, each described
#: in the problem's own names (``the kernel B was not rotated …, ∂E/∂A is …``).
MistakeFinder = Callable[[L, Tensor, list[Poly], Terms, str], list[WrongVariant]]


def no_mistakes(layer: Layer, target: Tensor, upstream: list[Poly], terms: Terms,
                loss: str) -> list[WrongVariant]:
    return []


def no_ambiguity(layer: Layer) -> str | None:
    return None


@dataclass(frozen=True)
class LayerType(Generic[L]):
    """A layer type, generic over its layers' class ``L``: ``build`` makes an ``L`` and every
    other member takes one, so mypy checks each builder against the layer it is given, and
    ``L`` against the :class:`~symconv.core.contract.Layer` contract."""

    kind: str  # the problem file's ``type``
    name: str  # what prose calls it (``max pooling``, ``ReLU``), in messages and notes
    summary: str  # one line for the list of layer types
    keys: tuple[str, ...]  # the keys of its table besides ``type`` and ``output``
    build: Callable[[LayerRequest], L]  # reads and checks the table; raises SpecError
    #: (layer, context) -> the problem statement's sentence
    describe: Callable[[L, Context], tuple[Any, ...]]
    #: the roles of its parameters (weight, bias), in the order of ``Layer.parameters``
    roles: tuple[Role, ...] = ()
    #: (layer) -> the layer in the automatic title (``2 × 2 kernel, stride 1, padding 0``,
    #: ``2 × 2 max pooling, stride 1``, ``ReLU``); without one the title names its kind
    title: Callable[[L], str] | None = None
    sections: Mapping[str, SectionBuilder[L]] = field(default_factory=dict)
    mistakes: MistakeFinder[L] = no_mistakes
    atoms: tuple[type[Atom], ...] = ()  # its non-polynomial factors (each says how it is written)
    #: the functions answers about it may call (``sigmoid(X_11)``)
    functions: tuple[AnswerFunction, ...] = ()
    #: (layer) -> why its given values sit where conventions differ (a max pooling tie), or None:
    #: such a variant makes a poor exercise unless the exercise asks for it
    ambiguity: Callable[[L], str | None] = no_ambiguity
    #: (layer, flat) -> output entry ``flat`` written over the symbols of the layer's input and
    #: parameters: a polynomial or a vocabulary node (``max(…)``, LP's root), for the forward
    #: pass as data (``symconv forward --format json``)
    expression: Callable[[L, int], object] | None = None
    #: (layer) -> its weight gradient as im2col products; given only for layers linear in their
    #: input, ``vec(Y) = C·vec(X) + vec(b)``, whose matrix C is then read from their connections
    #: (the matrix view, ``symconv matrix``)
    im2col: Callable[[L], Im2col] | None = None
    #: (layer) -> how its output's size comes about along each spatial axis, with the numbers
    #: (``(5 − 3)/1 + 1``), for messages about shapes; None: the output keeps the input's shape
    output_size: Callable[[L], tuple[str, ...]] | None = None
    #: (kernel shape, stride=…, padding=…, dilation=…, bias=…) -> its layer table, for the quick
    #: questions of the command line (``symconv grad --input 4x4 --kernel 2x2``)
    quick: Callable[..., dict[str, Any]] | None = None
    #: (layer, tensor) -> the case of every entry of ``tensor`` (its input or a parameter), from
    #: the layer's geometry (:class:`symconv.engine.sections.Case`: a corner, an edge, the interior, …),
    #: or None: the chain rule of a handout shows one entry of every case
    cases: Callable[[L, Tensor], list[Case] | None] | None = None

    def built(self, request: LayerRequest) -> L:
        """The layer of a problem file's table, its parameters' roles checked against the declared
        ones and every tensor it made checked to name its axes in front of the spatial ones (a
        layer type that does not is a bug in it)."""
        layer = self.build(request)
        undeclared = [p for p in layer.parameters if p.role not in self.roles]
        if undeclared:
            raise TypeError(f"the {self.kind} layer type made {undeclared[0].name} a"
                            f" {undeclared[0].role.value}, a role it does not declare")
        for tensor in (*layer.parameters, layer.output):
            leading = len(tensor.shape) - request.dims
            if len(tensor.leading_axes) < leading:
                raise TypeError(f"the {self.kind} layer type made {tensor.name} with {leading} axes"
                                f" in front of the spatial ones but named {tensor.leading_axes};"
                                f" give it leading_axes with a name for each, e.g. (\"n\", \"f\")")
        return layer


#: Every registered layer type by kind. Their layer classes differ, so the registry holds them as
#: ``LayerType[Any]``; each registration was checked against its own class.
LAYER_TYPES: dict[str, LayerType[Any]] = {}


def register(layer_type: LayerType[L]) -> LayerType[L]:
    if layer_type.kind in LAYER_TYPES:
        raise ValueError(f"layer type {layer_type.kind!r} registered twice")
    LAYER_TYPES[layer_type.kind] = layer_type
    return layer_type


def layer_type(layer: Layer) -> LayerType[Any]:
    """The registered type of a layer."""
    try:
        return LAYER_TYPES[layer.kind]
    except KeyError:
        raise ProblemError(f"no layer type {layer.kind!r} is registered") from None
