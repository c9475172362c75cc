"""The chain-rule derivation: every entry of every gradient, as data.

For an entry x read by a layer with output y::

    ∂L/∂x = Σ_k ∂L/∂y_k · ∂y_k/∂x      over exactly the outputs y_k that read x

The terms come from the layer's connectivity (index arithmetic, never differentiation against
every output), so the cost grows with the number of terms. They are stored compactly, grouped by
target entry like a CSR matrix: ``offsets`` into per-term arrays of output positions and local
derivatives. Polynomials (:mod:`symconv.core.poly`) and sympy objects are built only on request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, NamedTuple, Sequence

import numpy as np

from ..core.contract import Array, Connections, ProblemView, LocalDerivative, ValuesOf
from ..core.document import Note
from ..core.errors import ProblemError, SizeLimitError
from ..core.poly import Atom, Monomial, Number, Poly, Symbol, normalize, poly_sum, product_of
from ..core.presentation import Presentable
from .product_sums import BlockTerms, Known, TermFactors, block_products, product_polys, runs
from ..core.tensors import EntryFactors, FactorTable, Role, Tensor

DEFAULT_MAX_TERMS = 5_000_000


class Term(NamedTuple):
    """One chain-rule term ∂L/∂y · ∂y/∂x: the output entry y, the upstream factor ∂L/∂y (a symbol
    or a number) and the local derivative ∂y/∂x (a number, a symbol or another atom)."""

    output: Symbol  # an entry of the layer's output tensor
    upstream: Number | Symbol
    local: Number | Atom  # a symbol, or an indicator / LP root (see layers.base)


@dataclass(frozen=True)
class Terms:
    """The chain-rule terms of ∂L/∂wrt through one layer, grouped by entry of ``wrt``."""

    wrt: Tensor
    output: Tensor  # the layer's output y
    upstream: Tensor  # ∂L/∂y: symbols, numbers or the derivative notation
    offsets: np.ndarray  # terms of entry i are [offsets[i], offsets[i + 1])
    outputs: np.ndarray  # flat output position of each term
    local: LocalDerivative

    @classmethod
    def from_connections(cls, wrt: Tensor, output: Tensor, upstream: Tensor,
                         connections: Connections) -> Terms:
        order = np.argsort(connections.target, kind="stable")
        counts = np.bincount(connections.target, minlength=wrt.size)
        offsets = np.zeros(wrt.size + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        return cls(wrt, output, upstream, offsets, connections.output[order],
                   connections.local.take(order))

    @property
    def count(self) -> int:
        return len(self.outputs)

    def of_entry(self, flat: int, limit: int | None = None) -> list[Term]:
        """The terms of entry ``flat`` (the first ``limit`` of them)."""
        start, stop = int(self.offsets[flat]), int(self.offsets[flat + 1])
        if limit is not None:
            stop = min(stop, start + limit)
        outputs = self.outputs[start:stop].tolist()
        upstream = self.upstream.entries_at(outputs)
        local = self.local.factors(start, stop)
        return [Term(Symbol(self.output, o), u, l) for o, u, l in zip(outputs, upstream, local)]

    def factor_tables(self) -> tuple[EntryFactors, FactorTable]:
        """Both factors of every term at once, for printers that work on whole arrays: the
        upstream ∂L/∂y (the entry of ``upstream`` at each term's output) and the local derivative
        ∂y/∂x (see ``factor_table`` in :mod:`symconv.engine.local_derivatives`)."""
        return EntryFactors(self.upstream, self.outputs), self.local.factor_table()

    def named_tables(self) -> tuple[EntryFactors, FactorTable]:
        """As :meth:`factor_tables`, the local derivatives named (:meth:`LocalDerivative.named`)."""
        return EntryFactors(self.upstream, self.outputs), self.local.named_table()

    def evaluate(self, upstream_values: Array, values_of: ValuesOf) -> Array:
        """All entries at once, numerically: ``values_of(tensor)`` gives a tensor's array."""
        products = upstream_values.reshape(-1)[self.outputs] * self.local.numeric(values_of)
        sums = np.concatenate([np.zeros(1, dtype=products.dtype), np.cumsum(products)])
        result: Array = (sums[self.offsets[1:]] - sums[self.offsets[:-1]]).reshape(self.wrt.shape)
        return result


def add_product(terms: dict[Monomial, Number], upstream: Number | Atom, local: Number | Atom) -> None:
    """``terms += upstream · local`` for a polynomial kept as a dict (monomial -> coefficient)."""
    if isinstance(upstream, Atom):
        if isinstance(local, Atom):
            key: Monomial = (upstream, local) if not local < upstream else (local, upstream)
            terms[key] = terms.get(key, 0) + 1
        elif local:
            terms[upstream,] = terms.get((upstream,), 0) + local
    elif isinstance(local, Atom):
        if upstream:
            terms[local,] = terms.get((local,), 0) + upstream
    elif upstream and local:
        terms[()] = terms.get((), 0) + upstream * local


class EntryFields(NamedTuple):
    wrt: Symbol  # the entry being differentiated
    flat: int
    index: tuple[int, ...]  # type: ignore[assignment]  # 0-based, in the declared shape
    terms: list[Term]
    value: Poly  # the simplified sum
    loss: str = "L"  # the loss's name, for ∂loss/∂entry
    total: int | None = None  # how many terms in all, when ``terms`` are the first ones only


class GradientEntry(Presentable, EntryFields):
    """One entry of a gradient: where it is, its chain-rule terms and their simplified sum.
    It prints as its chain-rule equation (``∂E/∂A_22 = ∂E/∂C_11·∂C_11/∂A_22 + … = B_11 + …``)."""

    __slots__ = ()


@dataclass(repr=False)
class Gradient(Presentable):
    """∂L/∂wrt: the terms of every entry (one block per layer that reads ``wrt``). It prints as its
    matrix (``str``), or in a notebook as LaTeX."""

    wrt: Tensor
    blocks: list[Terms]
    derivation: "Derivation" = field(repr=False)
    asked: tuple[int, ...] | None = None  # the entries whose terms it holds, when not all
    _polys: list[Poly] | None = field(default=None, repr=False)
    _known: Known | None = field(default=None, repr=False)
    _expanded: list[Poly] | None = field(default=None, repr=False)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.wrt.shape

    @property
    def term_count(self) -> int:
        return sum(block.count for block in self.blocks)

    def entry(self, index: tuple[int, ...] | int, *, limit: int | None = None) -> GradientEntry:
        """One entry; with ``limit``, an entry of more terms lists the first ``limit`` of them
        (and says how many there are)."""
        flat = index if isinstance(index, int) else self.wrt.flat_of(index)
        position = self.wrt.index_of(flat)  # an entry the gradient has, or one clear IndexError
        count = sum(int(block.offsets[flat + 1] - block.offsets[flat]) for block in self.blocks)
        if limit is not None and count > limit:
            terms: list[Term] = []
            for block in self.blocks:
                terms += block.of_entry(flat, limit - len(terms))
            return GradientEntry(Symbol(self.wrt, flat), flat, position, terms,
                                 self.polys()[flat], self.derivation.problem.loss, total=count)
        terms = [term for block in self.blocks for term in block.of_entry(flat)]
        value = poly_sum(product_of((t.upstream, t.local)) for t in terms)
        return GradientEntry(Symbol(self.wrt, flat), flat, position, terms, value,
                             self.derivation.problem.loss)

    def entries(self) -> Iterator[GradientEntry]:
        return (self.entry(flat) for flat in range(self.wrt.size))

    def term_rows(self, flats: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Where the terms of the entries ``flats`` sit in the blocks' arrays, in the order
        :meth:`entry` lists them (entry by entry; within one, block by block), without building
        them: each term's block and its row there, and ``starts`` (the terms of ``flats[i]`` are
        ``starts[i]`` to ``starts[i + 1]``)."""
        flats = np.asarray(flats, dtype=np.int64)
        entries, blocks, rows = [], [], []
        counts = np.zeros(len(flats), dtype=np.int64)
        for number, block in enumerate(self.blocks):
            first, sizes = block.offsets[flats], block.offsets[flats + 1] - block.offsets[flats]
            counts += sizes
            rows.append(runs(first, sizes))
            entries.append(np.repeat(np.arange(len(flats)), sizes))
            blocks.append(np.full(len(rows[-1]), number, dtype=np.int64))
        starts = np.zeros(len(flats) + 1, dtype=np.int64)
        np.cumsum(counts, out=starts[1:])
        if len(self.blocks) == 1:
            return blocks[0], rows[0], starts
        order = np.argsort(np.concatenate(entries), kind="stable")  # block by block within an entry
        return np.concatenate(blocks)[order], np.concatenate(rows)[order], starts

    def polys(self) -> list[Poly]:
        """The simplified value of every entry, in row-major order (computed once): the same sums
        as :meth:`entry`'s, from the term arrays. When every factor is a symbol or an integer (a
        convolution) like terms are merged on arrays, one sort for all entries
        (:class:`~symconv.engine.product_sums.TermFactors`); otherwise term by term, one dictionary per
        entry."""
        if self._polys is None:
            factors = TermFactors(self.blocks)
            if factors.exact:
                sums, symbols = factors.sums(), factors.codes.symbols()
                self._polys = sums.polys(symbols)
                self._known = Known(sums, symbols, self._polys)
            else:
                self._polys = self._summed_term_by_term()
        return self._polys

    def known(self) -> Known | None:
        """:meth:`polys` with the sums they were made from, when they were made on arrays (a
        closed form equal to them gives the same objects, see :func:`product_polys`)."""
        self.polys()
        return self._known

    def numbers(self) -> np.ndarray | None:
        """Every entry's value as an int64 array, when every factor of every term is an integer
        (all values given) and the sums fit: straight from the term arrays, no polynomial made.
        None otherwise."""
        numbers = TermFactors(self.blocks).numbers()
        return None if numbers is None else numbers.reshape(self.shape)

    def _summed_term_by_term(self) -> list[Poly]:
        sums: list[dict[Monomial, Number]] = [{} for _ in range(self.wrt.size)]
        for block in self.blocks:
            upstream = block.upstream.entries()
            targets = np.repeat(np.arange(self.wrt.size), np.diff(block.offsets)).tolist()
            for target, output, local in zip(targets, block.outputs.tolist(),
                                             block.local.factors(0, block.count)):
                add_product(sums[target], upstream[output], local)
        return [Poly({m: c if type(c) is int else normalize(c) for m, c in terms.items() if c})
                for terms in sums]

    def expanded(self) -> list[Poly]:
        """Every entry with upstream factors that are themselves gradients substituted, all the way
        to the given upstream gradient. Each later gradient is expanded once (cached), so a chain
        costs one pass per layer over its terms, never a recomputation per entry."""
        if self._expanded is not None:
            return self._expanded
        if not self.reads_intermediate:  # the upstream factors are the given ones already
            self._expanded = self.polys()
            return self._expanded
        bound = float(self.expanded_size().sum())
        if bound > self.derivation.max_terms:
            raise SizeLimitError(
                f"expanding ∂L/∂{self.wrt.name} could write up to {bound:,.0f} terms, over the limit"
                f" of {self.derivation.max_terms:,}; use the layer-by-layer form (without --expand),"
                " smaller sizes, or raise the limit with --max-terms")
        self._expanded = self.pulled_back([self.derivation.upstream_polys(block.upstream)
                                           for block in self.blocks])
        return self._expanded

    def known_expansion(self, flats: Sequence[int] | None = None) -> list[Poly] | dict[int, Poly] | None:
        """For a gradient through later layers whose every value is known, the given upstream
        gradient's included: each entry's number (its value expanded down to that gradient), which
        ``grad`` writes after the layer-by-layer form; of the entries ``flats`` only (by flat
        position) when given. None for one layer (its value is the number already), where a
        symbol remains, or where the expansion is over the size limit."""
        problem = self.derivation.problem
        if not self.reads_intermediate or problem.upstream.values is None:
            return None
        if flats is not None and not (all(layer.exact for layer in problem.layers) and all(
                t.is_numeric for t in problem.tensors() if t.role in (Role.INPUT, Role.WEIGHT, Role.BIAS))):
            # a few entries of a problem too large to expand whole: numbers when every value is
            # given and every layer computes exactly (the whole gradient's entries are all
            # numbers then; a symbol that happens to cancel everywhere is not looked for)
            return None
        try:
            expanded = self.expanded() if flats is None else self.expanded_at(flats)
        except SizeLimitError:
            return None
        values = expanded.values() if isinstance(expanded, dict) else expanded
        return expanded if all(poly.is_number for poly in values) else None

    def expanded_at(self, flats: Sequence[int]) -> dict[int, Poly]:
        """:meth:`expanded` of the entries ``flats`` only: each later gradient is taken at just
        the entries these terms read, so a few entries of a large chain cost a few terms."""
        flats = sorted(set(int(f) for f in flats))
        if not self.reads_intermediate:
            return {flat: self.entry(flat).value for flat in flats}
        bound = float(sum(self.expanded_size_at(flats).values()))
        if bound > self.derivation.max_terms:
            raise SizeLimitError(
                f"expanding these entries of ∂L/∂{self.wrt.name} could write up to {bound:,.0f} terms,"
                f" over the limit of {self.derivation.max_terms:,}; use the layer-by-layer form"
                " (without --expand), or raise the limit with --max-terms")
        parts: dict[int, list[Poly]] = {flat: [] for flat in flats}
        for block in self.blocks:
            upstream = self.derivation.upstream_at(block.upstream, self.read_by(block, flats))
            for flat in flats:
                start, stop = int(block.offsets[flat]), int(block.offsets[flat + 1])
                for output, local in zip(block.outputs[start:stop].tolist(),
                                         block.local.factors(start, stop)):
                    if local != 0:
                        parts[flat].append(upstream[output] * local)
        return {flat: poly_sum(found) for flat, found in parts.items()}

    def expanded_size_at(self, flats: Sequence[int]) -> dict[int, float]:
        """:meth:`expanded_size` of the entries ``flats`` only."""
        total = {int(flat): 0.0 for flat in flats}
        for block in self.blocks:
            sizes = self.derivation.upstream_sizes_at(block.upstream, self.read_by(block, flats))
            for flat in total:
                rows = block.outputs[int(block.offsets[flat]):int(block.offsets[flat + 1])]
                total[flat] += sum(sizes[o] for o in rows.tolist())
        return total

    @staticmethod
    def read_by(block: "Terms", flats: Sequence[int]) -> np.ndarray:
        """The outputs whose upstream entries the terms of ``flats`` read, ascending."""
        rows = [block.outputs[int(block.offsets[f]):int(block.offsets[f + 1])] for f in flats]
        return np.unique(np.concatenate(rows)) if rows else np.zeros(0, dtype=np.int64)

    @property
    def reads_intermediate(self) -> bool:
        """Whether some term's upstream factor is the gradient of a later layer's output."""
        last = self.derivation.problem.layers[-1].output
        return any(block.output is not last for block in self.blocks)

    def pulled_back(self, upstreams: list[list[Poly]]) -> list[Poly]:
        """Every entry with each block's upstream gradient given as polynomials (one list per
        block, indexed by output position): :meth:`expanded` passes the right ones, the answer
        checker's diagnosis wrong ones (a mistake made in a later layer, pulled back to here).
        The products are listed as index arrays and each entry's sum built once
        (:func:`~symconv.engine.product_sums.product_polys`)."""
        blocks = [BlockTerms(block.offsets, block.outputs, upstream, block.local.factor_table())
                  for block, upstream in zip(self.blocks, upstreams)]
        polys: list[Poly] = product_polys(*block_products(blocks, np.arange(self.wrt.size))).tolist()
        return polys

    def expanded_size(self) -> np.ndarray:
        """An upper bound on the terms of every expanded entry (before like terms merge), from the
        term arrays alone: Σ over an entry's terms of its upstream entry's bound (1 for a given
        upstream gradient)."""
        total = np.zeros(self.wrt.size)
        for block in self.blocks:
            sizes = self.derivation.upstream_sizes(block.upstream)[block.outputs]
            sums = np.concatenate([np.zeros(1), np.cumsum(sizes)])
            total += sums[block.offsets[1:]] - sums[block.offsets[:-1]]
        return total

    def expanded_entries(self, entries: list[GradientEntry]) -> list["ExpandedEntry"]:
        """``entries`` paired with their expanded values (see :meth:`expanded`)."""
        expanded = self.expanded()
        return [ExpandedEntry(entry, expanded[entry.flat]) for entry in entries]

    def evaluate(self, values_of: ValuesOf) -> Array:
        """Numeric value of every entry; ``values_of(tensor)`` gives a leaf tensor's array."""
        # Summed block by block so integer inputs stay exact integers.
        total = np.zeros(self.wrt.shape, dtype=int)
        for block in self.blocks:
            total = total + block.evaluate(self.derivation.upstream_numeric(block.upstream, values_of),
                                           values_of)
        return total

    def to_sympy(self) -> Any:
        """The gradient as a sympy ``Matrix`` (≤ 2 axes) or ``Array``, in plain-identifier symbols."""
        from ..core.sympy_bridge import polys_to_sympy

        return polys_to_sympy(self.polys(), self.shape)


class ExpandedEntry(NamedTuple):
    """A gradient entry together with its value expanded down to the given upstream gradient."""

    entry: GradientEntry
    expanded: Poly


class Derivation(Presentable):
    """All gradients of a problem, derived lazily from its layers' connectivity."""

    def __init__(self, problem: ProblemView, *, max_terms: int = DEFAULT_MAX_TERMS, whole: bool = True):
        check_size(problem, max_terms, terms=whole)
        self.problem = problem
        self.max_terms = max_terms
        self.whole = whole  # false: only the entries asked count (and a few entries decide alone)
        self._gradients: dict[str, Gradient] = {}
        self._partial: dict[tuple[str, tuple[int, ...]], Gradient] = {}

    @property
    def notes(self) -> list[Note]:
        return self.problem.notes()

    def notes_for(self, tensor: Tensor) -> list[Note]:
        """The notes that matter for ∂L/∂tensor: those about the tensor itself, and those that
        flow back (the tie rule of a max pooling) from every layer its gradient passes through."""
        readers = [i for i, layer in enumerate(self.problem.layers)
                   if tensor in (layer.input, *layer.parameters)]
        later = [layer.input for layer in self.problem.layers[min(readers, default=0):]]
        return [note for note in self.notes
                if note.tensor is tensor or (note.flows_back and any(note.tensor is t for t in later))]

    def names(self) -> list[str]:
        return [tensor.name for tensor in self.problem.differentiable()]

    def gradient(self, name: str, entries: Sequence[int] | None = None) -> Gradient:
        """∂L/∂name; with ``entries`` (flat positions), a gradient that holds the chain-rule terms
        of those entries only (the others have none): their terms, counted against
        ``max_terms``, are all that is built (``symconv grad --entry`` of a large problem)."""
        if entries is not None:
            return self.gradient_at(name, tuple(sorted(set(int(e) for e in entries))))
        if name not in self._gradients:
            self._gradients[name] = Gradient(self.problem.tensor(name), self.blocks(name), self)
        return self._gradients[name]

    def gradient_at(self, name: str, entries: tuple[int, ...]) -> Gradient:
        key = (name, entries)
        if name in self._gradients:
            return self._gradients[name]
        if key not in self._partial:
            blocks = self.blocks(name, np.asarray(entries, dtype=np.int64))
            count = sum(block.count for block in blocks)
            if count > self.max_terms:
                raise SizeLimitError(
                    f"these entries of ∂L/∂{name} have {count:,} chain-rule terms, over the limit of"
                    f" {self.max_terms:,}; ask fewer entries, or raise the limit with --max-terms")
            self._partial[key] = Gradient(self.problem.tensor(name), blocks, self, entries)
        return self._partial[key]

    def blocks(self, name: str, targets: np.ndarray | None = None) -> list[Terms]:
        """The terms of ∂L/∂name through every layer that reads it (of ``targets`` only)."""
        tensor = self.problem.tensor(name)
        blocks = [Terms.from_connections(tensor, layer.output, self.problem.upstream_of(layer),
                                         layer.connections(tensor, targets))
                  for layer in self.problem.layers if tensor in (layer.input, *layer.parameters)]
        if not blocks:
            raise ProblemError(f"nothing in the problem reads {name}, so ∂L/∂{name} is not defined")
        return blocks

    def upstream_polys(self, upstream: Tensor) -> list[Poly]:
        """Every entry of an upstream gradient as a polynomial, expanded through later layers when
        it is the derivative of an intermediate output."""
        of = self.problem.output_named(upstream.name) if upstream.derivative_of else None
        if of is not None and of is not self.problem.layers[-1].output:
            return self.gradient(of.name).expanded()
        return [Poly.lift(entry) for entry in upstream.entries()]

    def upstream_at(self, upstream: Tensor, flats: np.ndarray) -> dict[int, Poly]:
        """:meth:`upstream_polys` of the entries ``flats`` only."""
        of = self.problem.output_named(upstream.name) if upstream.derivative_of else None
        if of is not None and of is not self.problem.layers[-1].output:
            return self.gradient(of.name, flats.tolist()).expanded_at(flats.tolist())
        return {flat: Poly.lift(upstream.entry(flat)) for flat in flats.tolist()}

    def upstream_sizes_at(self, upstream: Tensor, flats: np.ndarray) -> dict[int, float]:
        """:meth:`upstream_sizes` of the entries ``flats`` only."""
        of = self.problem.output_named(upstream.name) if upstream.derivative_of else None
        if of is not None and of is not self.problem.layers[-1].output:
            return self.gradient(of.name, flats.tolist()).expanded_size_at(flats.tolist())
        return {flat: 1.0 for flat in flats.tolist()}

    def upstream_sizes(self, upstream: Tensor) -> np.ndarray:
        """Bounds on the terms of every upstream entry once expanded (see ``upstream_polys``)."""
        of = self.problem.output_named(upstream.name) if upstream.derivative_of else None
        if of is not None and of is not self.problem.layers[-1].output:
            return self.gradient(of.name).expanded_size()
        return np.ones(upstream.size)

    def upstream_numeric(self, upstream: Tensor, values_of: ValuesOf) -> Array:
        of = self.problem.output_named(upstream.name) if upstream.derivative_of else None
        if of is not None and of is not self.problem.layers[-1].output:
            return self.gradient(of.name).evaluate(values_of)
        return values_of(upstream)


def check_size(problem: ProblemView, max_terms: int = DEFAULT_MAX_TERMS, *, subject: str = "this problem",
               hint: str = "use smaller sizes, or raise the limit with --max-terms",
               terms: bool = True) -> None:
    """Refuse, from its sizes alone, a problem with more chain-rule terms, or tensor entries,
    than ``max_terms``: every command that works entry by entry (grad, matrix, forward --format
    json, exercise, the exports) asks this before it allocates anything of that size. Without
    ``terms`` only the entries are counted (``grad --entry`` counts the asked entries' terms
    when it builds them)."""
    count = problem.term_count()
    if terms and count > max_terms:
        raise SizeLimitError(f"{subject} has {count:,} chain-rule terms, over the limit of"
                             f" {max_terms:,}; {hint}")
    entries = sum(tensor.size for tensor in problem.tensors())
    if entries > max_terms:  # e.g. a huge input read by a few strided outputs
        raise SizeLimitError(f"{subject}'s tensors have {entries:,} entries, over the limit of"
                             f" {max_terms:,}; {hint}")


def derive(problem: ProblemView, *, max_terms: int = DEFAULT_MAX_TERMS, whole: bool = True) -> Derivation:
    """Derive every gradient of ``problem`` (lazily; nothing is built until asked for). A problem
    with more chain-rule terms than ``max_terms`` is refused, unless ``whole`` is false: then only
    the entries asked of :meth:`Derivation.gradient` count (``symconv grad --entry``)."""
    return Derivation(problem, max_terms=max_terms, whole=whole)
