"""Sums of products listed as index arrays, and the polynomials they make.

A gradient entry is Σ_t left_t·right_t over its chain-rule terms, and so is every entry of a closed
form (a correlation multiplies an upstream entry by a kernel entry, position by position). Both
routes list their terms as integer arrays: which entry each term belongs to, and where its two
factors are. Here the factors of all terms become integer codes of their symbols and integer
coefficients (:class:`Column`); like terms are merged for every entry at once by one sort
(:class:`Sums`), and each entry's :class:`~symconv.core.poly.Poly` is then built once from its merged
monomials, never by adding polynomials term by term (which copies the growing sum every time).

That holds when every factor is a symbol or an integer, as in every convolution; anything else (a
fraction, an indicator, an LP root, a polynomial carried back through a chain) is summed term by
term into one dictionary per entry (:func:`poly_sums`), which is slower but still linear.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from fractions import Fraction
from typing import Callable, Iterable, Iterator, NamedTuple, Protocol, Sequence

import numpy as np

from ..core.poly import Number, Poly, Symbol, poly_sum
from ..core.tensors import EntryFactors, FactorTable, Tensor

INT64_SAFE = 1 << 62  # sums of coefficients are done in int64 only while they stay below this


def objects(items: Sequence) -> np.ndarray:
    """A 1-D object array of ``items`` (taken per term by index, joined as strings)."""
    array = np.empty(len(items), dtype=object)
    array[:] = items
    return array


def integer_values(tensor: Tensor) -> np.ndarray | None:
    """The given values as int64, or None when one is a fraction or too large for exact sums."""
    assert tensor.values is not None
    values = tensor.values.reshape(-1).tolist()
    if not all(type(v) is int and abs(v) < INT64_SAFE for v in values):
        return None
    return np.array(values, dtype=np.int64)


@contextmanager
def collection_paused() -> Iterator[None]:
    """The cyclic garbage collector paused while many small objects that hold no cycles (the
    monomials and dictionaries of a gradient's polynomials) are made: otherwise it walks all the
    objects made so far again and again, about half the time of making them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# -- the factors of every term, as codes of symbols and integer coefficients -----------------------
class Codes:
    """Integer codes for the symbols of some tensors, ordered as :class:`~symconv.core.poly.Symbol` is
    (by tensor rank, then flat position): ``offsets[tensor] + flat``. ``count`` is one more than
    the largest code; it marks a monomial without symbols (a number), which sorts last."""

    def __init__(self, tensors: list[Tensor]):
        self.tensors = sorted({t.name: t for t in tensors}.values(), key=lambda t: t.rank)
        self.offsets = {}
        count = 0
        for tensor in self.tensors:
            self.offsets[tensor.name] = count
            count += tensor.size
        self.count = count

    def symbols(self) -> np.ndarray:
        """The symbol of every code, then None for ``count`` (no symbol)."""
        return objects([symbol for tensor in self.tensors for symbol in tensor.symbols] + [None])


class Column:
    """One factor of every term of a block: for given rows, their symbols' codes (−1 for a
    number) and integer coefficients (``monomial``, when ``bound`` is not None), and their
    printed form (``texts``)."""

    bound: int | None = 1  # the largest |coefficient|; None when not every factor is a symbol or an int
    tensor: Tensor | None = None  # the tensor whose entries the factors are, if any

    def monomial(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray | int]:
        raise NotImplementedError

    def texts(self, rows: np.ndarray, spell: Callable[[Tensor], np.ndarray],
              write: Callable[[object], str]) -> np.ndarray:
        """The factors of ``rows`` written: ``spell(tensor)`` names every entry of a tensor,
        ``write`` a number or an atom."""
        raise NotImplementedError


class EntryColumn(Column):
    """Term t's factor is entry ``flats[t]`` of a tensor: a symbol, or a given number (coded as
    its symbol when ``codes`` has the tensor: named, see :class:`EntryFactors`)."""

    tensor: Tensor

    def __init__(self, factors: EntryFactors, codes: Codes):
        self.tensor, self.flats, _ = factors
        self.offset = codes.offsets.get(self.tensor.name)
        self.integers = None
        if self.offset is None and self.tensor.values is not None:
            self.integers = self.tensor.per_entry(integer_values)
            self.bound = None if self.integers is None else int(np.abs(self.integers).max(initial=0))

    def monomial(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray | int]:
        index = self.flats[rows]
        if self.offset is not None:
            return index + self.offset, 1
        assert self.integers is not None  # exact: every value is an integer
        return np.full(len(rows), -1), self.integers[index]

    def texts(self, rows: np.ndarray, spell: Callable[[Tensor], np.ndarray],
              write: Callable[[object], str]) -> np.ndarray:
        return self.tensor.per_entry(spell)[self.flats[rows]]


class NumberColumn(Column):
    """Every term's factor is the same number."""

    def __init__(self, value: Number) -> None:
        self.value = value
        self.bound = abs(value) if type(value) is int and abs(value) < INT64_SAFE else None

    def monomial(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray | int]:
        assert isinstance(self.value, int)  # asked only when bound is set: an int
        return np.full(len(rows), -1), self.value

    def texts(self, rows: np.ndarray, spell: Callable[[Tensor], np.ndarray],
              write: Callable[[object], str]) -> np.ndarray:
        return np.full(len(rows), write(self.value), dtype=object)


class ListColumn(Column):
    """One number or atom (an indicator, an LP root) per term."""

    def __init__(self, items: Sequence):
        self.items = objects(items)
        exact = all(type(v) is int and abs(v) < INT64_SAFE for v in items)
        self.integers = np.array(items if exact else [], dtype=np.int64)
        self.bound = int(np.abs(self.integers).max(initial=0)) if exact else None

    def monomial(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray | int]:
        return np.full(len(rows), -1), self.integers[rows]

    def texts(self, rows: np.ndarray, spell: Callable[[Tensor], np.ndarray],
              write: Callable[[object], str]) -> np.ndarray:
        return objects([write(item) for item in self.items[rows].tolist()])


def column(table: FactorTable, codes: Codes) -> Column:
    if isinstance(table, EntryFactors):
        return EntryColumn(table, codes)
    if isinstance(table, (int, Fraction)):
        return NumberColumn(table)
    return ListColumn(table)


def factor_codes(left: Column, right: Column, rows: np.ndarray) -> np.ndarray:
    """Codes and coefficients of both factors of the terms ``rows``: one row per term, four
    columns (left code, left coefficient, right code, right coefficient)."""
    parts = [part for c in (left, right) for part in c.monomial(rows)]
    return np.stack([np.broadcast_to(np.asarray(p, dtype=np.int64), rows.shape) for p in parts], axis=1)


def exact_sums(columns: Sequence[tuple[Column, Column]], longest: int) -> bool:
    """Whether :class:`Sums` applies to terms with these factors: every factor is a symbol or an
    integer, and a sum of ``longest`` products stays within int64."""
    largest = 0
    for left, right in columns:
        if left.bound is None or right.bound is None:
            return False
        largest = max(largest, left.bound * right.bound)
    return largest * longest < INT64_SAFE


class TermBlock(Protocol):
    """A block of chain-rule terms (:class:`symconv.engine.derivation.Terms`): grouped by entry through
    ``offsets``, with both factors of every term as tables (exact, or named)."""

    @property
    def offsets(self) -> np.ndarray: ...

    def factor_tables(self) -> tuple[EntryFactors, FactorTable]: ...

    def named_tables(self) -> tuple[EntryFactors, FactorTable]: ...


def runs(first: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """The runs ``first[i]`` … ``first[i] + sizes[i] − 1``, laid end to end."""
    shift = np.repeat(first - (np.cumsum(sizes) - sizes), sizes)
    return np.arange(int(sizes.sum()), dtype=np.int64) + shift


def named_as_valued(tables: Iterable[FactorTable]) -> bool:
    """Whether named local derivatives (``named_table()`` of each block) are the ones the values
    use: no entry that has a value is named by its symbol, so the named sums are the values."""
    return all(isinstance(table, EntryFactors) and table.tensor.values is None
               or isinstance(table, (int, Fraction)) for table in tables)


class TermFactors:
    """Both factors of every term of some blocks, as :class:`Column` pairs (one per block), and
    the codes of their symbols; ``named``: the local derivatives as the blocks name them (the
    entries of a tensor with values by their symbols)."""

    def __init__(self, blocks: Sequence[TermBlock], *, named: bool = False):
        self.blocks = blocks
        tables = [block.named_tables() if named else block.factor_tables() for block in blocks]
        self.codes = Codes([t.tensor for pair in tables for t in pair
                            if isinstance(t, EntryFactors) and (t.named or t.tensor.values is None)])
        self.columns = [(column(up, self.codes), column(local, self.codes)) for up, local in tables]
        longest = sum(int(np.diff(block.offsets).max(initial=0)) for block in blocks)
        self.exact = exact_sums(self.columns, longest)

    def sums(self, flats: np.ndarray | None = None) -> Sums:
        """The sums of the entries ``flats`` (default: every entry), only when ``exact``."""
        if flats is None:
            flats = np.arange(len(self.blocks[0].offsets) - 1)
        entries, factors = [], []
        for block, (up, local) in zip(self.blocks, self.columns):
            first = block.offsets[flats]
            sizes = block.offsets[flats + 1] - first
            entries.append(np.repeat(np.arange(len(flats)), sizes))
            factors.append(factor_codes(up, local, runs(first, sizes)))
        return Sums.of_products(len(flats), np.concatenate(entries), np.concatenate(factors),
                                self.codes.count)

    def polys(self, flats: np.ndarray | None = None) -> list[Poly]:
        """:meth:`sums` as polynomials."""
        return self.sums(flats).polys(self.codes.symbols())

    def numbers(self) -> np.ndarray | None:
        """Every entry's sum as int64 when every factor is an integer (``exact``, and no symbol
        left), else None."""
        if not self.exact or self.codes.count:
            return None
        total = np.zeros(len(self.blocks[0].offsets) - 1, dtype=np.int64)
        for block, (up, local) in zip(self.blocks, self.columns):
            rows = np.arange(block.offsets[-1])
            products = np.broadcast_to(up.monomial(rows)[1] * local.monomial(rows)[1], rows.shape)
            sums = np.concatenate([np.zeros(1, dtype=np.int64), np.cumsum(products)])
            total += sums[block.offsets[1:]] - sums[block.offsets[:-1]]
        return total


# -- like terms merged, entry by entry -------------------------------------------------------------
class Sums:
    """The simplified sums of some entries: their monomials, like terms merged and sorted as
    :meth:`Poly.sorted_terms` sorts them. A monomial is ``(low, high)``: its symbols' codes in
    order, ``high`` −1 for one symbol and ``low`` = ``Codes.count`` for none."""

    def __init__(self, entries: int, entry: np.ndarray, low: np.ndarray, high: np.ndarray,
                 coefficients: np.ndarray, none: int):
        same_entry = entry[1:] == entry[:-1]
        same_low = low[1:] == low[:-1]
        in_order = ~same_entry | (low[1:] > low[:-1]) | (same_low & (high[1:] >= high[:-1]))
        if not (in_order.all() and (entry[1:] >= entry[:-1]).all()):
            # e.g. numeric upstream factors, whose symbols come in any order
            order = np.lexsort((high, low, entry))
            entry, low, high, coefficients = entry[order], low[order], high[order], coefficients[order]
            same_entry, same_low = entry[1:] == entry[:-1], low[1:] == low[:-1]
        repeated = same_entry & same_low & (high[1:] == high[:-1])
        if repeated.any():  # like terms: add their coefficients
            first = np.flatnonzero(np.concatenate([[True], ~repeated]))
            coefficients = np.add.reduceat(coefficients, first)
            entry, low, high = entry[first], low[first], high[first]
        kept = coefficients != 0
        if not kept.all():
            entry, low, high, coefficients = entry[kept], low[kept], high[kept], coefficients[kept]
        self.starts = np.searchsorted(entry, np.arange(entries + 1))
        self.counts = np.diff(self.starts)
        self.low, self.high, self.coefficients, self.none = low, high, coefficients, none

    @classmethod
    def of_products(cls, entries: int, entry: np.ndarray, factors: np.ndarray, none: int) -> "Sums":
        """The sums of products whose factors are the rows of ``factors`` (see
        :func:`factor_codes`; code −1 for a number), product t belonging to ``entry[t]``."""
        left, left_coefficient, right, right_coefficient = factors.T
        symbols = (left >= 0) & (right >= 0)
        low = np.where(symbols, np.minimum(left, right), np.maximum(left, right))
        low[low < 0] = none
        high = np.where(symbols, np.maximum(left, right), -1)
        return cls(entries, entry, low, high, left_coefficient * right_coefficient, none)

    def numbers(self) -> tuple[np.ndarray, np.ndarray]:
        """Which entries are numbers (nothing left, or one monomial without symbols), and those
        numbers (0 when nothing is left)."""
        single = np.flatnonzero(self.counts == 1)
        single = single[self.low[self.starts[single]] == self.none]
        values = np.zeros(len(self.counts), dtype=np.int64)
        values[single] = self.coefficients[self.starts[single]]
        numeric = self.counts == 0
        numeric[single] = True
        return numeric, values

    def leading(self, entries: np.ndarray, limit: int) -> tuple[np.ndarray, ...]:
        """The first ``limit`` monomials (or fewer) of the sums of ``entries``: each monomial's
        entry (its position in ``entries``), ``low``, ``high`` and coefficient; and every entry's
        count of monomials."""
        counts = self.counts[entries]
        shown = np.minimum(counts, limit)
        ends = np.cumsum(shown)
        taken = (np.arange(int(ends[-1]) if len(ends) else 0, dtype=np.int64)
                 + np.repeat(self.starts[entries] - (ends - shown), shown))
        entry = np.repeat(np.arange(len(entries)), shown)
        return entry, self.low[taken], self.high[taken], self.coefficients[taken], counts

    def same(self, symbols: np.ndarray, other: "Sums", other_symbols: np.ndarray) -> bool:
        """Whether these sums are ``other``'s, each naming its symbols through its own codes
        (``symbols[code]``; the symbols compared as :class:`~symconv.core.poly.Symbol` compares them)."""
        if not (np.array_equal(self.starts, other.starts)
                and np.array_equal(self.coefficients, other.coefficients)):
            return False
        codes = {symbol._key: code for code, symbol in enumerate(other_symbols.tolist())
                 if symbol is not None}
        mapping = np.array([other.none if symbol is None else codes.get(symbol._key, -2)
                            for symbol in symbols.tolist()], dtype=np.int64)
        high = np.where(self.high < 0, -1, mapping[np.maximum(self.high, 0)])
        return np.array_equal(mapping[self.low], other.low) and np.array_equal(high, other.high)

    def polys(self, symbols: np.ndarray) -> list[Poly]:
        """Every entry's :class:`Poly`, ``symbols[code]`` being the symbol of a code
        (:meth:`Codes.symbols`). Its terms are in reading order already."""
        lows = symbols[self.low].tolist()
        coefficients = self.coefficients.tolist()
        starts = self.starts.tolist()
        monomials: list[tuple]
        with collection_paused():
            if (self.high >= 0).all():
                monomials = list(zip(lows, symbols[self.high].tolist()))
            else:
                highs = symbols[np.where(self.high < 0, self.none, self.high)].tolist()
                monomials = [(a, b) if b is not None else (a,) if a is not None else ()
                             for a, b in zip(lows, highs)]
            return [Poly(dict(zip(monomials[start:stop], coefficients[start:stop])), ordered=True)
                    for start, stop in zip(starts, starts[1:])]


# -- products of given entries: a closed form's terms ------------------------------------------------
class Known(NamedTuple):
    """Polynomials already made from :class:`Sums` (a gradient's values): a closed form whose
    sums are the same gives these, not new ones (:func:`product_polys`)."""

    sums: Sums
    symbols: np.ndarray  # the symbol of each code of ``sums``
    polys: list[Poly]


class Products(NamedTuple):
    """Some sums of products, as index arrays into a list of entries: product t adds
    ``entries[firsts[t]]·entries[seconds[t]]`` to entry ``targets[t]`` of an array of ``shape``
    (``seconds`` None: ``entries[firsts[t]]`` alone)."""

    shape: tuple[int, ...]
    targets: np.ndarray
    firsts: np.ndarray
    seconds: np.ndarray | None


def entry_codes(entries: Sequence, symbols: dict) -> tuple[np.ndarray, np.ndarray] | None:
    """Each entry's code (``symbols[entry]``, −1 for a number) and coefficient (1 for a symbol),
    or None when an entry is neither a symbol nor an integer."""
    codes = np.full(len(entries), -1, dtype=np.int64)
    coefficients = np.ones(len(entries), dtype=np.int64)
    for position, entry in enumerate(entries):
        entry = simplest(entry)
        if isinstance(entry, Symbol):
            codes[position] = symbols[entry]
        elif type(entry) is int and abs(entry) < INT64_SAFE:
            coefficients[position] = entry
        else:
            return None
    return codes, coefficients


def simplest(entry: object) -> object:
    """A polynomial that is a lone symbol or a number, as that symbol or number."""
    if isinstance(entry, Poly) and len(entry.terms) <= 1:
        [(monomial, coefficient)] = entry.terms.items() or [((), 0)]
        if not monomial:
            return coefficient
        if len(monomial) == 1 and coefficient == 1 and isinstance(monomial[0], Symbol):
            return monomial[0]
    return entry


def product_polys(products: Products, entries: list, known: Known | None = None) -> np.ndarray:
    """The sums as an object array of :class:`Poly` in ``products.shape``; ``entries`` are what
    the places refer to (numbers, symbols or polynomials). When they are the ``known`` ones, those
    polynomials are given (a worked solution then prints and measures each once)."""
    size = int(np.prod(products.shape))
    entries = entries + [1]  # the second factor of a product without one
    seconds = (products.seconds if products.seconds is not None
               else np.full(len(products.firsts), len(entries) - 1))
    order = sorted({entry for entry in map(simplest, entries) if isinstance(entry, Symbol)})
    codes = entry_codes(entries, {symbol: code for code, symbol in enumerate(order)})
    longest = int(np.bincount(products.targets, minlength=1).max())
    if codes is not None and int(np.abs(codes[1]).max()) ** 2 * longest < INT64_SAFE:
        code, coefficient = codes
        grouped = np.argsort(products.targets, kind="stable")
        firsts, seconds = products.firsts[grouped], seconds[grouped]
        factors = np.stack([code[firsts], coefficient[firsts], code[seconds], coefficient[seconds]],
                           axis=1)
        sums = Sums.of_products(size, products.targets[grouped], factors, len(order))
        symbols = objects([*order, None])
        same = known is not None and sums.same(symbols, known.sums, known.symbols)
        polys = known.polys if known is not None and same else sums.polys(symbols)
    else:
        polys = poly_sums(size, products.targets, [entries[i] for i in products.firsts.tolist()],
                          [entries[i] for i in seconds.tolist()])
    return objects(polys).reshape(products.shape)


class BlockTerms(NamedTuple):
    """Chain-rule terms of one layer, grouped by entry (``offsets``): term t is ``upstream[outputs[t]]``
    (the upstream entries, or polynomials, by output position) times its local derivative
    (``local``, a :data:`~symconv.core.tensors.FactorTable`: a tensor's entries, named or as given)."""

    offsets: np.ndarray
    outputs: np.ndarray
    upstream: Sequence
    local: FactorTable


def block_products(blocks: Sequence[BlockTerms], flats: np.ndarray) -> tuple[Products, list]:
    """The products of the terms of the entries ``flats`` (target i is ``flats[i]``), and the
    entries they refer to, for :func:`product_polys`."""
    places: list = []
    targets, firsts, seconds = [], [], []
    for block in blocks:
        first = block.offsets[flats]
        sizes = block.offsets[flats + 1] - first
        rows = runs(first, sizes)
        targets.append(np.repeat(np.arange(len(flats)), sizes))
        firsts.append(block.outputs[rows] + len(places))
        places += block.upstream
        local = block.local
        if isinstance(local, EntryFactors):
            seconds.append(local.flats[rows] + len(places))
            places += local.tensor.symbols if local.named else local.tensor.entries()
        elif isinstance(local, (int, Fraction)):
            seconds.append(np.full(len(rows), len(places)))
            places.append(local)
        else:
            seconds.append(rows + len(places))
            places += local
    return Products((len(flats),), np.concatenate(targets), np.concatenate(firsts),
                    np.concatenate(seconds)), places


def poly_sums(size: int, targets: np.ndarray, lefts: list, rights: list) -> list[Poly]:
    """Σ lefts[t]·rights[t] for each target, one dictionary per target (the general case)."""
    order = np.argsort(targets, kind="stable")
    starts = np.searchsorted(targets[order], np.arange(size + 1)).tolist()
    order_list = order.tolist()
    return [poly_sum(Poly.lift(lefts[t]) * Poly.lift(rights[t]) for t in order_list[start:stop])
            for start, stop in zip(starts, starts[1:])]

