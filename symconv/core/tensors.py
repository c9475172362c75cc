"""Tensors and how their entries are named.

A :class:`Tensor` is a name, a declared shape, optional exact values, a naming style, an index
base and the names of its axes in front of the spatial ones. Its entries are either numbers (when
values are given) or :class:`~symconv.core.poly.Symbol`.

Naming styles (the handouts use all of them):

``indexed``     ``A_{11}`` / plain ``A_1_1``: one subscript per declared axis, in the index base.
``flat``        ``w_1`` / plain ``w1``: the row-major position, counted from the index base.
``bare``        ``b``: a one-entry tensor such as the bias of a single filter.
``derivative``  ``∂L/∂Y_{11}`` / plain ``dL_dY_1_1``: an upstream gradient written as itself.

Index bases are for display only; flat positions and JSON indices are always 0-based.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from math import prod
from typing import Any, Callable, NamedTuple, Sequence, TypeVar

import numpy as np
from numpy.typing import DTypeLike

from .poly import Atom, Number, Symbol

NAMINGS = ("indexed", "flat")

Built = TypeVar("Built")


class EntryName(NamedTuple):
    """The parts of an entry's name, for renderers: ``base`` with ``subscript`` numbers.

    ``derivative_of`` is the loss name when the entry is written as ``∂loss/∂base_subscript``.
    """

    base: str
    subscript: tuple[int, ...]
    derivative_of: str | None = None


class Role(Enum):
    """What a tensor is to the problem. The input, the output and the upstream gradient are every
    problem's; a layer type declares the roles of its parameters
    (:attr:`~symconv.engine.registry.LayerType.roles`)."""

    INPUT = "input"
    WEIGHT = "weight"
    BIAS = "bias"
    OUTPUT = "output"
    UPSTREAM = "upstream"


CACHED_SYMBOLS = 65_536  # a tensor this small makes all its symbols at the first lookup
MANY_ENTRIES = 256  # asked at once, so many entries make all the tensor's symbols

@dataclass(frozen=True, eq=False)
class Tensor:
    """A named tensor of the problem; immutable (its values are a read-only array).

    ``rank`` orders symbols in printed monomials (upstream gradient first, then input, weights, ...);
    it is assigned by the problem so that every tensor has its own.
    """

    name: str
    shape: tuple[int, ...]
    role: Role
    naming: str = "indexed"  # "indexed", "flat" or "bare" (a one-entry tensor: just the name)
    index_base: int = 0
    values: np.ndarray | None = None  # object array of exact numbers, in the declared shape
    derivative_of: str | None = None  # loss name, for an upstream written as ∂L/∂Y
    rank: int = 0
    #: names of the axes in front of the spatial ones, outermost first, as the layer type that
    #: makes the tensor (the problem, for its input) lays them out: a batch of images ("n", "c"),
    #: a convolution's weight ("f", "c"), a transposed one's ("c", "f"), a bias (no spatial axes)
    #: ("f",). A tensor declared without some of them (one image C × H × W, one filter K × K) has
    #: the last ones. Required, so a layer type that leaves it out fails mypy.
    leading_axes: tuple[str, ...] = field(kw_only=True)
    #: how an indexed name's subscript is written: "comma" (X_{0,1}), "compact" (X_01), or
    #: "auto": in a document, with commas for every entry once some index needs two digits
    index_style: str = "auto"

    def __post_init__(self) -> None:
        if not isinstance(self.role, Role):
            raise TypeError(f"a tensor's role is a Role, e.g. Role.WEIGHT; got {self.role!r}")
        if self.values is not None:
            self.values.flags.writeable = False

    @cached_property
    def size(self) -> int:
        """How many entries (worked out once: printers ask it for every name they write)."""
        return prod(self.shape)

    @property
    def is_numeric(self) -> bool:
        return self.values is not None

    @cached_property
    def symbols(self) -> list[Symbol]:
        """Every entry as a symbol, in row-major order (made once, on first use)."""
        return [Symbol(self, i) for i in range(self.size)]

    def entry(self, flat: int) -> Number | Symbol:
        """The entry at a flat (row-major, 0-based) position: a number or a symbol. A large
        tensor's symbols are made one by one until many are asked at once (:meth:`entries_at`):
        one entry of a 700×700 problem makes a few symbols, not 490,000."""
        if self.values is not None:
            number: Number = self.values.flat[flat]
            return number
        if self.size <= CACHED_SYMBOLS or "symbols" in self.__dict__:
            return self.symbols[flat]
        return Symbol(self, flat)

    def entries_at(self, flats: list[int]) -> list[Number | Symbol]:
        """The entries at the flat positions ``flats`` (all the tensor's symbols are made once
        when they are many)."""
        if self.values is None and len(flats) > MANY_ENTRIES:
            symbols = self.symbols
            return [symbols[flat] for flat in flats]
        return [self.entry(flat) for flat in flats]

    def entries(self) -> list[Number | Symbol]:
        if self.values is None and (self.size <= CACHED_SYMBOLS or "symbols" in self.__dict__):
            return list(self.symbols)  # the symbols made once (a page compares a matrix with them)
        return [self.entry(i) for i in range(self.size)]

    def index_of(self, flat: int) -> tuple[int, ...]:
        # Plain divmod: this runs once per printed name, where np.unravel_index's overhead dominates.
        # What is left over is 0 exactly when ``flat`` is in range: the check costs one comparison.
        index = []
        left = int(flat)
        for size in reversed(self.shape):
            left, i = divmod(left, size)
            index.append(i)
        if left:
            raise IndexError(self.no_entry(flat))
        return tuple(reversed(index))

    def flat_of(self, index: tuple[int, ...]) -> int:
        if len(index) != len(self.shape) or not all(0 <= i < n for i, n in zip(index, self.shape)):
            raise IndexError(self.no_entry(index))
        return int(np.ravel_multi_index(index, self.shape)) if self.shape else 0

    def no_entry(self, asked: int | tuple[int, ...]) -> str:
        """Why ``asked`` (a flat position or an index) is not an entry of this tensor, with the
        range that is."""
        shape = "×".join(map(str, self.shape)) or "one entry"
        first, last = tuple(0 for _ in self.shape), tuple(n - 1 for n in self.shape)
        return (f"{self.name} ({shape}) has no entry {asked}: its 0-based indices run from {first} to"
                f" {last}, its flat positions from 0 to {self.size - 1}")

    def entry_name(self, flat: int) -> EntryName:
        """Name parts of one entry, in this tensor's naming style and index base."""
        if self.naming == "bare":
            return EntryName(self.name, ())
        if self.naming == "flat":
            return EntryName(self.name, (flat + self.index_base,), self.derivative_of)
        index = tuple(i + self.index_base for i in self.index_of(flat))
        return EntryName(self.name, index, self.derivative_of)

    @cached_property
    def subscripts(self) -> tuple[np.ndarray, ...]:
        """The numbers in every entry's name (:meth:`entry_name`), one read-only array per
        position in the subscript: one per axis (indexed naming) or the flat position (flat
        naming), index base added; none for a bare name."""
        if self.naming == "bare":
            return ()
        if self.naming == "flat":
            columns = [np.arange(self.size) + self.index_base]
        else:
            axes = np.unravel_index(np.arange(self.size), self.shape)
            columns = [axis + self.index_base for axis in axes]
        for column in columns:
            column.flags.writeable = False
        return tuple(columns)

    @cached_property
    def comma_indices(self) -> bool:
        """Whether a document writes every entry's subscript with commas (``A_{1,10}`` and so
        ``A_{1,1}``): as ``index_style`` says, or when some index needs two digits or there are
        more than two indices (one style per tensor in a document)."""
        if self.index_style != "auto":
            return self.index_style == "comma"
        return self.naming == "indexed" and bool(self.shape) and (
            len(self.shape) > 2 or max(self.shape) - 1 + self.index_base > 9)

    def commas(self, subscript: tuple[int, ...], *, per_tensor: bool) -> bool:
        """Whether this subscript is written with commas: in a document (``per_tensor``) as every
        entry of the tensor is; elsewhere (``symconv grad``) entry by entry, commas when an index
        needs two digits or there are more than two, unless ``index_style`` says otherwise."""
        if per_tensor or self.index_style != "auto":
            return self.comma_indices
        return len(subscript) > 2 or any(i > 9 for i in subscript)

    def plain_name(self, flat: int) -> str:
        """The identifier used in plain expressions, JSON and sympy symbols (``A_1_1``, ``w1``)."""
        base, subscript, loss = self.entry_name(flat)
        if loss is not None:
            base = f"d{loss}_d{base}"
        if self.naming == "flat":
            return f"{base}{subscript[0]}"
        return "_".join([base, *map(str, subscript)])

    def per_entry(self, build: Callable[["Tensor"], Built]) -> Built:
        """``build(self)`` (an array with one item per entry, by flat position), built once per
        tensor and builder. Renderers spell every entry's name this way once, then take the names
        per chain-rule term by index (``names[indices]``) instead of naming each term anew."""
        if build not in self._entry_arrays:
            self._entry_arrays[build] = build(self)
        built: Built = self._entry_arrays[build]
        return built

    @cached_property
    def _entry_arrays(self) -> dict[Callable[[Tensor], Any], Any]:
        return {}

    def numeric_values(self, dtype: DTypeLike = float) -> np.ndarray:
        """The given values converted for NumPy (exact fractions become floats)."""
        if self.values is None:
            raise ValueError(f"{self.name} has no values")
        return np.array(self.values.tolist(), dtype=dtype).reshape(self.shape)


class EntryFactors(NamedTuple):
    """A factor per chain-rule term that is an entry of one tensor: term t's is
    ``tensor.entry(flats[t])`` (a symbol, or a number when the tensor has values); ``named``:
    the entry's symbol even where the tensor has values (``X_{11}`` where the value is 1)."""

    tensor: Tensor
    flats: np.ndarray
    named: bool = False


# Every chain-rule term's local derivative at once (``factor_table()`` of a local-derivative kind,
# see symconv.engine.local_derivatives): entries of a tensor, one number for every term, or one number or atom
# (an indicator, an LP root) per term.
FactorTable = EntryFactors | Number | Sequence[Number | Atom]


def flat_from_display(tensor: Tensor, numbers: tuple[int, ...]) -> int:
    """The flat position of an entry named by display indices (in the tensor's index base).

    A flat-named tensor also takes one number, its display position (``w3`` -> ``(3,)``).
    """
    from .errors import SymconvError

    base = tensor.index_base
    if tensor.naming in ("flat", "bare") and len(numbers) == 1 and len(tensor.shape) != 1:
        if not base <= numbers[0] < tensor.size + base:
            raise SymconvError(f"entry {numbers[0]} is out of range for {tensor.name}: positions run"
                               f" from {base} to {tensor.size - 1 + base}")
        return numbers[0] - base
    if len(numbers) != len(tensor.shape):
        example = ",".join(str(base) for _ in tensor.shape)
        raise SymconvError(f"{tensor.name} has {len(tensor.shape)} axes (shape {list(tensor.shape)}),"
                           f" so --entry needs {len(tensor.shape)} numbers, e.g. --entry {example}")
    for axis, (number, size) in enumerate(zip(numbers, tensor.shape)):
        if not base <= number < size + base:
            raise SymconvError(f"entry {','.join(map(str, numbers))} is out of range for {tensor.name}"
                               f" (shape {list(tensor.shape)}, indices from {base}): axis {axis}"
                               f" runs from {base} to {size - 1 + base}")
    return tensor.flat_of(tuple(n - base for n in numbers))
