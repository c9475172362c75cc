"""Every spelling of the problem's declared entries, for reading answers.

Students write the same entry many ways: ``B_1_1``, ``B11``, ``B_{11}``, ``B_{1,1}`` (indexed),
``w2``, ``w_2``, ``w_{2}`` (flat), ``dE_dC_1_1`` or ``∂E/∂C_{11}`` (an upstream gradient written as
the derivative). The tokenizer reduces an identifier to its *canonical spelling* (braces and spaces
dropped, commas become ``_``), and this table maps each canonical spelling to the entry it names:
a :class:`~symconv.core.poly.Symbol`, or the number when the tensor has values.

Run-together names such as ``d1w2`` are read only as a split into declared spellings
(``d1·w2``), and only when exactly one split exists.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..core.contract import ProblemView
from ..core.errors import nearest
from ..core.poly import Poly, Symbol
from ..render.names import written
from ..render.text import TextPrinter
from ..core.tensors import Tensor

AMBIGUOUS = object()  # a spelling shared by two entries: using it is an error
MAX_SPLIT_PARTS = 8
#: the right form of an entry, for messages, when no answer key says it in the problem's names
RIGHT_FORM = "e.g. B_11 + 2*B_12, d1*w2 + d2*w1, \\frac{1}{4} d_1 or 0.5"


def canonical(identifier: str) -> str:
    """``B_{1, 1}`` -> ``B_1_1``; ``B_{11}`` -> ``B_11``."""
    return identifier.replace("{", "").replace("}", "").replace(" ", "").replace(",", "_")


@dataclass(frozen=True)
class Reading:
    """How a run-together identifier was read, to echo back: ``d1w2`` as ``d1·w2``."""

    written: str
    parts: tuple[str, ...]


def spellings(tensor: Tensor, flat: int, index_base: int) -> list[str]:
    """The canonical spellings of one entry, with the given display index base."""
    if tensor.naming == "bare":
        return [tensor.name]
    base = f"d{tensor.derivative_of}_d{tensor.name}" if tensor.derivative_of else tensor.name
    if tensor.naming == "flat":
        position = str(flat + index_base)
        return [base + position, f"{base}_{position}"]
    index = [str(i + index_base) for i in tensor.index_of(flat)]
    names = [f"{base}_{'_'.join(index)}"]
    if all(len(i) == 1 for i in index) and len(index) > 1:
        names += [f"{base}_{''.join(index)}", base + "".join(index)]
    elif len(index) == 1:
        names.append(base + index[0])
    return names


def spelling_arrays(tensor: Tensor, index_base: int) -> list[np.ndarray]:
    """:func:`spellings` of every entry at once: arrays of spellings by flat position, the first
    for every entry, the others for the entries that have them (the rest ``None``)."""
    if tensor.naming == "bare":
        return [np.array([tensor.name], dtype=object)]
    base = f"d{tensor.derivative_of}_d{tensor.name}" if tensor.derivative_of else tensor.name
    columns = [column - tensor.index_base + index_base for column in tensor.subscripts]
    if tensor.naming == "flat":
        return [written(columns, base, "", ""), written(columns, base + "_", "", "")]
    names = [written(columns, base + "_", "_", "")]
    if len(columns) > 1:
        short = np.logical_and.reduce([column <= 9 for column in columns])
        for prefix in (base + "_", base):
            joined = np.full(tensor.size, None, dtype=object)
            if short.any():
                joined[short] = written([column[short] for column in columns], prefix, "", "")
            names.append(joined)
    else:
        names.append(written(columns, base, "", ""))
    return names


class NameTable:
    """Canonical spelling -> entry (symbol or number), for the tensors an answer may mention.
    The table is made when first read: an answer of numbers never needs it."""

    def __init__(self, tensors: list[Tensor], *, shift_base: bool = False,
                 right_form: str = RIGHT_FORM):
        self.tensors = tensors
        self.shift_base = shift_base  # spellings as if every index base were flipped (0 <-> 1)
        self.right_form = right_form  # an example for messages, in the problem's names

    def _spellings(self) -> Iterator[tuple[Tensor, np.ndarray, Sequence[object]]]:
        """(tensor, spellings by flat position, entries by flat position) for every spelling kind."""
        for tensor in self.tensors:
            base = 1 - tensor.index_base if self.shift_base else tensor.index_base
            entries = tensor.symbols if tensor.values is None else tensor.values.reshape(-1).tolist()
            for names in spelling_arrays(tensor, base):
                yield tensor, names, entries

    @cached_property
    def _entries(self) -> dict[str, object]:
        table: dict[str, object] = {}
        for _, names, entries in self._spellings():
            spelled = names.tolist()
            found = (dict(zip(spelled, entries)) if None not in spelled
                     else {name: entry for name, entry in zip(spelled, entries) if name is not None})
            for spelling in found.keys() & table.keys():  # written alike: the same entry, or ambiguous
                known, entry = table[spelling], found[spelling]
                found[spelling] = known if known is entry or known == entry else AMBIGUOUS
            table.update(found)
        return table

    @cached_property
    def _positions(self) -> dict[str, tuple[Tensor, int]]:
        """The entry each spelling names first, for display names."""
        positions: dict[str, tuple[Tensor, int]] = {}
        for tensor, names, _ in self._spellings():
            for flat, spelling in enumerate(names.tolist()):
                if spelling is not None:
                    positions.setdefault(spelling, (tensor, flat))
        return positions

    @cached_property
    def longest(self) -> int:
        return max((len(s) for s in self._entries), default=0)

    def lookup(self, spelling: str) -> object:
        """The entry named by a canonical spelling, ``AMBIGUOUS``, or None."""
        return self._entries.get(spelling)

    def split(self, spelling: str) -> list[tuple[str, ...]]:
        """Ways to read ``spelling`` as declared names written together (at most two returned)."""
        ways: list[list[tuple[str, ...]]] = [[] for _ in range(len(spelling) + 1)]
        ways[0] = [()]
        for end in range(1, len(spelling) + 1):
            for start in range(max(0, end - self.longest), end):
                part = spelling[start:end]
                if ways[start] and self._entries.get(part) not in (None, AMBIGUOUS):
                    ways[end] += [w + (part,) for w in ways[start] if len(w) < MAX_SPLIT_PARTS]
            ways[end] = ways[end][:2]
        return [w for w in ways[-1] if len(w) > 1]

    def display(self, spelling: str) -> str:
        """How symconv writes the entry a canonical spelling names: ``B_1_1`` -> ``B_11``,
        ``dE_dC_1_1`` -> ``∂E/∂C_11`` (the spelling itself when it names nothing)."""
        position = self._positions.get(spelling)
        return display_name(*position) if position else spelling

    def range_of(self, tensor: Tensor) -> str:
        first = display_name(tensor, 0)
        last = display_name(tensor, tensor.size - 1)
        return first if first == last else f"{first} … {last}"

    def describe(self) -> str:
        """``B_11 … B_33, ∂E/∂C_11 … ∂E/∂C_33``: what an answer may mention."""
        return ", ".join(self.range_of(t) for t in self.tensors) or "no names (numbers only)"

    def suggestion(self, spelling: str) -> str:
        """A hint for an unknown name: the tensor it seems to mean and its range, or the nearest."""
        for tensor in sorted(self.tensors, key=lambda t: -len(t.name)):
            prefix = f"d{tensor.derivative_of}_d{tensor.name}" if tensor.derivative_of else tensor.name
            if spelling.startswith(prefix):
                return f"{tensor.name} runs {self.range_of(tensor)}"
        firsts = {spellings(t, flat, t.index_base)[0]: (t, flat)
                  for t in self.tensors for flat in range(min(t.size, 200))}
        close = nearest(spelling, firsts)
        if close:
            return f"did you mean {display_name(*firsts[close])}? Names here: {self.describe()}"
        return f"names here: {self.describe()}"


def right_form(values: Iterable[Poly]) -> str:
    """``e.g. B_11 + 2*B_12, \\frac{1}{4} B_11 or 0.5``: how an entry is written, in the names of
    the terms the expected ``values`` (polynomials) have; numbers when they have none."""
    monomials = list(dict.fromkeys(m for value in values for m, _ in value.sorted_terms()
                                   if m and all(isinstance(a, Symbol) for a in m)))
    if not monomials:  # factors with roots or indicators: their entries, one by one
        monomials = [(s,) for s in sorted({s for value in values for m in value.terms for a in m
                                            for s in a.free_symbols()})]
    if not monomials:
        return "e.g. 3, -2, 1/4 or 0.5"
    printer = TextPrinter()
    first, second = [("*".join(printer.doprint(a) for a in m)) for m in (monomials + monomials)[:2]]
    return f"e.g. {first} + 2*{second}, \\frac{{1}}{{4}} {first} or 0.5"


def display_name(tensor: Tensor, flat: int) -> str:
    """The entry's name as every message writes it: ``X_22``, ``w2``, ``∂L/∂Y1_00``."""
    return TextPrinter().doprint(Symbol(tensor, flat))


def answer_tensors(problem: ProblemView, values: Iterable[Poly] = ()) -> list[Tensor]:
    """The tensors whose entries a gradient can mention: leaves, the upstream gradient, the
    derivative symbols of intermediate outputs (∂L/∂Y1 of a two-layer problem), and the tensors
    that the factors of the expected ``values`` read (``sigmoid(Y1_00)``)."""
    found = [problem.input, *[p for layer in problem.layers for p in layer.parameters]]
    found += [problem.upstream_of(layer) for layer in problem.layers]
    read = {symbol.tensor: None for value in values for monomial in value.terms for atom in monomial
            if not isinstance(atom, Symbol) for symbol in atom.free_symbols()}
    return found + [tensor for tensor in read if tensor not in found]
