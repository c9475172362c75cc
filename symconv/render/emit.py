"""A gradient's printed pieces built on arrays, for ``symconv grad`` at the speed of the derivation.

Printing entry by entry through the printers builds Python objects for every chain-rule term (a
symbol, its name, a polynomial), and a layer has hundreds of thousands of terms. Here every
tensor's entry names are spelled once, as an object array (:meth:`Tensor.per_entry`), and taken
per term by index from the derivation's CSR arrays (:meth:`Gradient.term_rows`,
:meth:`Terms.factor_tables`); the writers in :mod:`.json` and :mod:`.text` join them a batch of
entries at a time and write each batch as soon as it is made.

An entry's simplified value (like terms merged, in :meth:`Poly.sorted_terms` order) is computed
on arrays too when every factor is a symbol or an integer, as in every convolution. Anything else
(indicators, LP roots, fractions) goes through each entry's :class:`~symconv.poly.Poly` and the
printers, as before. tests/test_emit.py checks the two give the same text on random problems.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Iterator, NamedTuple, Sequence

import numpy as np

from ..derivation import ExpandedEntry, Gradient
from ..tensors import EntryFactors, Tensor
from .printer import plain

BATCH_TERMS = 1 << 16  # terms joined and written at a time: memory stays flat for any gradient
INT64_SAFE = 1 << 62  # sums of coefficients are done in int64 only while they stay below this


FEW_TERMS = 20_000  # printed entry by entry through the printers, up to this many terms


def few(gradient: Gradient, flats: Sequence[int]) -> bool:
    """Whether ``flats`` are few enough (``--entry``) to print entry by entry: spelling every name
    of every tensor involved would cost more than the entries themselves, unless the entries have
    very many terms (one weight entry of a large convolution reads every output)."""
    if 2 * len(flats) >= gradient.wrt.size:
        return False
    terms = sum(int((block.offsets[np.asarray(flats) + 1] - block.offsets[np.asarray(flats)]).sum())
                for block in gradient.blocks)
    return terms <= FEW_TERMS


def chosen_entries(gradient: Gradient, flats: Sequence[int], expanded: Sequence | dict | None) -> list:
    """The entries ``flats`` as :class:`GradientEntry`, or as :class:`ExpandedEntry` with their
    ``expanded`` values (``--expand``, or a chain's numbers)."""
    entries = [gradient.entry(flat) for flat in flats]
    return entries if expanded is None else [ExpandedEntry(e, expanded[e.flat]) for e in entries]


def expansion(gradient: Gradient, flats: Sequence[int], expand: bool) -> Sequence | dict | None:
    """What ``grad`` writes after an entry's layer-by-layer value, by flat position: with
    ``--expand``, the value in terms of the given upstream gradient (over the size limit: refused
    before any output); else a chain's numbers when every value is known
    (:meth:`Gradient.known_expansion`). A few entries are expanded on their own."""
    if expand:
        return gradient.expanded_at(flats) if few(gradient, flats) else gradient.expanded()
    if gradient.asked is None:
        return gradient.known_expansion()
    if gradient.derivation.whole:  # the whole gradient decides, with --entry or without
        return gradient.derivation.gradient(gradient.wrt.name).known_expansion()
    return gradient.known_expansion(flats)


def objects(items: Sequence) -> np.ndarray:
    """A 1-D object array of ``items`` (taken per term by index, joined as strings)."""
    array = np.empty(len(items), dtype=object)
    array[:] = items
    return array


# -- entry names on whole arrays, for Tensor.per_entry: one call per tensor, not per entry ------
def written(columns: Sequence[np.ndarray], prefix: str, separator: str, suffix: str) -> np.ndarray:
    """``prefix``, every entry's subscript numbers (:attr:`Tensor.subscripts`) joined by
    ``separator``, then ``suffix``. Each number is looked up with its separator in a small table,
    so an entry costs one string addition per number after the first."""
    def table(column: np.ndarray, before: str, after: str) -> np.ndarray:
        return objects([before + str(i) + after for i in range(int(column.max()) + 1)])[column]

    if len(columns) == 1:
        return table(columns[0], prefix, suffix)
    text = table(columns[0], prefix, "")
    for column in columns[1:-1]:
        text = text + table(column, separator, "")
    return text + table(columns[-1], separator, suffix)


def subscripted(tensor: Tensor, prefix: str, suffix: str, *, short_prefix: str | None = None,
                short_suffix: str | None = None) -> np.ndarray:
    """Every entry's name with its subscript numbers joined by commas (``X_{0,11}``), except at
    most two single digits, written side by side (``X_{01}``, as ``latex_subscript`` and
    ``subscript_text`` decide) between ``short_prefix`` and ``short_suffix`` when given."""
    columns = tensor.subscripts
    names = written(columns, prefix, ",", suffix)
    if len(columns) <= 2:
        short = np.flatnonzero(np.logical_and.reduce([column <= 9 for column in columns]))
        if len(short):
            names[short] = written([column[short] for column in columns],
                                   prefix if short_prefix is None else short_prefix, "",
                                   suffix if short_suffix is None else short_suffix)
    return names


def plain_identifiers(tensor: Tensor, escape: Callable[[str], str] = str) -> np.ndarray:
    """Every entry's plain identifier (``X_0_1``, ``w2``, ``dL_dY_0_0``, ``b``), as
    :meth:`Tensor.plain_name` writes it; ``escape`` is applied to the letters (the tensor and
    loss names), the rest being digits and ``_``."""
    base = escape(tensor.name if tensor.derivative_of is None or tensor.naming == "bare"
                  else f"d{tensor.derivative_of}_d{tensor.name}")
    columns = tensor.subscripts
    if not columns:
        return objects([base] * tensor.size)
    return written(columns, base + ("" if tensor.naming == "flat" else "_"), "_", "")


def plain_names(tensor: Tensor) -> np.ndarray:
    """:func:`plain_identifiers` as they are (for :meth:`Tensor.per_entry`)."""
    return plain_identifiers(tensor)


def plain_entries(tensor: Tensor) -> np.ndarray:
    """Every entry as the plain printer writes it: its identifier, or its number when given."""
    if tensor.values is None:
        return tensor.per_entry(plain_names)
    return objects([plain(value) for value in tensor.values.reshape(-1).tolist()])


def integer_values(tensor: Tensor) -> np.ndarray | None:
    """The given values as int64, or None when one is a fraction or too large for exact sums."""
    assert tensor.values is not None
    values = tensor.values.reshape(-1).tolist()
    if not all(type(v) is int and abs(v) < INT64_SAFE for v in values):
        return None
    return np.array(values, dtype=np.int64)


# -- the factors of every term, as codes of symbols and integer coefficients -----------------------
class Codes:
    """Integer codes for the symbols of a gradient's terms, ordered as :class:`~symconv.poly.Symbol`
    is (by tensor rank, then flat position): ``offsets[tensor] + flat``. ``count`` is one more than
    the largest code; it marks a monomial without symbols (a number), which sorts last."""

    def __init__(self, tensors: list[Tensor]):
        self.tensors = sorted({t.name: t for t in tensors}.values(), key=lambda t: t.rank)
        self.offsets = {}
        count = 0
        for tensor in self.tensors:
            self.offsets[tensor.name] = count
            count += tensor.size
        self.count = count

    def spelling(self, spell: Callable[[Tensor], np.ndarray], times: str) -> "Spelling":
        names = np.concatenate([*(t.per_entry(spell) for t in self.tensors), objects([""])])
        tails = objects([times + name for name in names[:-1].tolist()] + [""])
        return Spelling(names, tails, times)


class Spelling(NamedTuple):
    """How monomials are written: ``names[code]``, what follows a first symbol (``tails[code]``:
    the multiplication sign and the second symbol's name), and the multiplication sign; the last
    name and tail, for ``Codes.count``, are "" (no symbol)."""

    names: np.ndarray
    tails: np.ndarray
    times: str


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
        raise NotImplementedError


class EntryColumn(Column):
    """Term t's factor is entry ``flats[t]`` of a tensor: a symbol, or a given number."""

    def __init__(self, factors: EntryFactors, codes: Codes):
        self.tensor, self.flats = factors
        self.offset = codes.offsets.get(self.tensor.name)
        self.integers = None if self.tensor.values is None else self.tensor.per_entry(integer_values)
        if self.integers is not None:
            self.bound = int(np.abs(self.integers).max(initial=0))
        elif self.tensor.values is not None:
            self.bound = None

    def monomial(self, rows):
        index = self.flats[rows]
        if self.offset is not None:
            return index + self.offset, 1
        assert self.integers is not None  # exact: every value is an integer
        return np.full(len(rows), -1), self.integers[index]

    def texts(self, rows, spell, write):
        return self.tensor.per_entry(spell)[self.flats[rows]]


class NumberColumn(Column):
    """Every term's factor is the same number."""

    def __init__(self, value):
        self.value = value
        self.bound = abs(value) if type(value) is int and abs(value) < INT64_SAFE else None

    def monomial(self, rows):
        return np.full(len(rows), -1), self.value

    def texts(self, rows, spell, write):
        return np.full(len(rows), write(self.value), dtype=object)


class ListColumn(Column):
    """One number or atom (an indicator, an LP root) per term."""

    def __init__(self, items: Sequence):
        self.items = objects(items)
        exact = all(type(v) is int and abs(v) < INT64_SAFE for v in items)
        self.integers = np.array(items if exact else [], dtype=np.int64)
        self.bound = int(np.abs(self.integers).max(initial=0)) if exact else None

    def monomial(self, rows):
        return np.full(len(rows), -1), self.integers[rows]

    def texts(self, rows, spell, write):
        return objects([write(item) for item in self.items[rows].tolist()])


def column(table, codes: Codes) -> Column:
    if isinstance(table, EntryFactors):
        return EntryColumn(table, codes)
    if isinstance(table, (int, Fraction)):
        return NumberColumn(table)
    return ListColumn(table)


# -- batches of entries and their sums -----------------------------------------------------------
@dataclass(frozen=True)
class Batch:
    """Some entries of a gradient and where their terms sit (see :meth:`Gradient.term_rows`)."""

    flats: np.ndarray  # the entries
    starts: np.ndarray  # entry i's terms are starts[i] .. starts[i + 1] of the arrays below
    blocks: np.ndarray  # each term's block
    rows: np.ndarray  # each term's row in its block
    last: bool  # the last batch of the gradient

    @property
    def counts(self) -> np.ndarray:
        """How many terms each entry has."""
        return np.diff(self.starts)

    def firsts(self) -> np.ndarray:
        """Each term: whether it is the first of its entry."""
        return first_of_runs(self.starts, len(self.rows))

    def lasts(self) -> np.ndarray:
        """Each term: whether it is the last of its entry."""
        return np.roll(first_of_runs(self.starts, len(self.rows)), -1)


def first_of_runs(starts: np.ndarray, size: int) -> np.ndarray:
    """Which of ``size`` items open a run, the runs being ``starts[i]`` to ``starts[i + 1]``."""
    first = np.zeros(size, dtype=bool)
    first[starts[:-1][np.diff(starts) > 0]] = True
    return first


Pieces = tuple[np.ndarray, np.ndarray]  # strings, and how many of them belong to each entry


def joined(segments: Sequence[np.ndarray | Pieces]) -> str:
    """Every entry's text, entry after entry: its pieces of each segment in turn. A segment is one
    string per entry (an object array), or :data:`Pieces`. One join for the whole batch."""
    sizes = [segment[1] if isinstance(segment, tuple) else np.ones(len(segment), dtype=np.int64)
             for segment in segments]
    lengths = np.stack(sizes, axis=1)
    begins = (np.cumsum(lengths.ravel()) - lengths.ravel()).reshape(lengths.shape)
    text = np.empty(int(lengths.sum()), dtype=object)
    for column, segment in enumerate(segments):
        if isinstance(segment, tuple):
            pieces, counts = segment
            before = np.cumsum(counts) - counts  # of this segment, for earlier entries
            text[np.repeat(begins[:, column] - before, counts) + np.arange(len(pieces))] = pieces
        else:
            text[begins[:, column]] = segment
    return "".join(text.tolist())


class Sums:
    """The simplified sums of a batch's entries: their monomials, like terms merged and sorted as
    :meth:`Poly.sorted_terms` sorts them. A monomial is ``(low, high)``: its symbols' codes in
    order, ``high`` −1 for one symbol and ``low`` = ``Codes.count`` for none. (Never a square: the
    two factors of a term are entries of different tensors, see ``GradientArrays.exact``.)"""

    def __init__(self, entries: int, entry: np.ndarray, low: np.ndarray, high: np.ndarray,
                 coefficients: np.ndarray, none: int):
        same_entry = entry[1:] == entry[:-1]
        same_low = low[1:] == low[:-1]
        in_order = ~same_entry | (low[1:] > low[:-1]) | (same_low & (high[1:] >= high[:-1]))
        if not in_order.all():  # e.g. numeric upstream factors, whose symbols come in any order
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

    def pieces(self, spelling: Spelling) -> Pieces:
        """Each entry's sum as the printers write a :class:`Poly` (``d1*w2 + 2*d2*w1``, ``-3``),
        three pieces per monomial; nothing for an entry whose sum is 0."""
        low, high, coefficients = self.low, self.high, self.coefficients
        count = len(low)
        first = first_of_runs(self.starts, count)
        negative = coefficients < 0
        magnitude = np.abs(coefficients)
        with_symbols = low != self.none
        if (magnitude == 1).all():
            magnitudes, which = np.ones(1, dtype=np.int64), np.zeros(count, dtype=np.int64)
        else:
            magnitudes, which = np.unique(magnitude, return_inverse=True)
        # The sign (with its spaces) and the written coefficient, for every combination at once.
        leads = []
        for value in magnitudes.tolist():
            for symbols in (False, True):
                written_value = str(value) + (spelling.times if symbols else "")
                number = "" if symbols and value == 1 else written_value
                leads += [" + " + number, number, " - " + number, "-" + number]
        pieces = np.empty((count, 3), dtype=object)
        pieces[:, 0] = objects(leads)[((which * 2 + with_symbols) * 2 + negative) * 2 + first]
        pieces[:, 1] = spelling.names[low]
        pieces[:, 2] = spelling.tails[np.where(high < 0, self.none, high)]
        return pieces.ravel(), 3 * self.counts


class GradientArrays:
    """The terms of some entries of a gradient (``flats``, in output order), in batches."""

    def __init__(self, gradient: Gradient, flats: Sequence[int]):
        self.gradient = gradient
        self.flats = np.asarray(flats, dtype=np.int64)
        tables = [block.factor_tables() for block in gradient.blocks]
        self.codes = Codes([t.tensor for pair in tables for t in pair
                            if isinstance(t, EntryFactors) and t.tensor.values is None])
        self.columns = [tuple(column(table, self.codes) for table in pair) for pair in tables]
        self.exact = self._exact()

    def _exact(self) -> bool:
        """Whether :meth:`sums` applies: every factor is a symbol or an integer, the two factors of
        a term are entries of different tensors (no squares), and every sum fits in int64."""
        largest = 0
        for up, local in self.columns:
            if up.bound is None or local.bound is None or local.tensor is up.tensor:
                return False
            largest = max(largest, up.bound * local.bound)
        longest = sum(int(np.diff(block.offsets).max(initial=0)) for block in self.gradient.blocks)
        return largest * longest < INT64_SAFE

    def batches(self) -> Iterator[Batch]:
        """Consecutive entries with about ``BATCH_TERMS`` terms together (at least one entry)."""
        sizes = sum(np.diff(block.offsets)[self.flats] for block in self.gradient.blocks)
        ends = np.cumsum(sizes)
        total = int(ends[-1]) if len(ends) else 0
        cuts = np.unique(np.searchsorted(ends, np.arange(BATCH_TERMS, total, BATCH_TERMS)) + 1)
        bounds = [0, *cuts[cuts < len(self.flats)].tolist(), len(self.flats)]
        for start, stop in zip(bounds, bounds[1:]) if len(self.flats) else ():
            flats = self.flats[start:stop]
            blocks, rows, starts = self.gradient.term_rows(flats)
            yield Batch(flats, starts, blocks, rows, stop == len(self.flats))

    def per_term(self, batch: Batch, take: Callable[[int, np.ndarray], np.ndarray]) -> np.ndarray:
        """``take(block, rows)`` for the terms of every block of the batch, in term order."""
        if len(self.gradient.blocks) == 1:
            return take(0, batch.rows)
        parts = [(mask, take(number, batch.rows[mask]))
                 for number in range(len(self.gradient.blocks))
                 for mask in [batch.blocks == number]]
        result = np.empty((len(batch.rows), *parts[0][1].shape[1:]), dtype=parts[0][1].dtype)
        for mask, values in parts:
            result[mask] = values
        return result

    def outputs(self, batch: Batch, by_output: list[np.ndarray]) -> np.ndarray:
        """``by_output[block][y]`` for each term, y its output position (the output entry's
        name, or a piece of text made from it)."""
        blocks = self.gradient.blocks
        return self.per_term(batch, lambda b, rows: by_output[b][blocks[b].outputs[rows]])

    def locals(self, batch: Batch, spell: Callable[[Tensor], np.ndarray],
               write: Callable[[object], str]) -> np.ndarray:
        """Each term's local derivative ∂y/∂x, spelled: ``spell`` for tensor entries, ``write``
        for a number or an atom."""
        return self.per_term(batch, lambda b, rows: self.columns[b][1].texts(rows, spell, write))

    def sums(self, batch: Batch) -> Sums:
        """The simplified sums of the batch's entries (only when ``exact``)."""
        def factors(b: int, rows: np.ndarray) -> np.ndarray:
            """Codes and coefficients of both factors: one row per term."""
            parts = [part for c in self.columns[b] for part in c.monomial(rows)]
            return np.stack([np.broadcast_to(np.asarray(p, dtype=np.int64), rows.shape) for p in parts],
                            axis=1)

        up, up_coefficient, local, local_coefficient = self.per_term(batch, factors).T
        symbols = (up >= 0) & (local >= 0)
        low = np.where(symbols, np.minimum(up, local), np.maximum(up, local))
        low[low < 0] = self.codes.count
        high = np.where(symbols, np.maximum(up, local), -1)
        entry = np.repeat(np.arange(len(batch.flats)), batch.counts)
        return Sums(len(batch.flats), entry, low, high, up_coefficient * local_coefficient,
                    self.codes.count)
