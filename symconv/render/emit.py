"""A gradient's printed pieces built on arrays, for ``symconv grad`` at the speed of the derivation.

Printing entry by entry builds Python objects for every chain-rule term (a symbol, its name, a
polynomial), and a layer has hundreds of thousands of terms. Here the printers' own bulk speller
(:attr:`Printer.spell`, :mod:`.names`) names every tensor's entries once, as an object array
(:meth:`Tensor.per_entry`), and the names are taken per term by index from the derivation's CSR
arrays (:meth:`Gradient.term_rows`, :meth:`Terms.factor_tables`); the writers in :mod:`.json` and
:mod:`.text` join them a batch of entries at a time and write each batch as soon as it is made.

An entry's simplified value (like terms merged, in :meth:`Poly.sorted_terms` order) is computed
on arrays too when every factor is a symbol or an integer, as in every convolution, and written
with the printer's own signs and coefficients (:meth:`Printer.lead`). Anything else (indicators,
LP roots, fractions) goes through each entry's :class:`~symconv.core.poly.Poly` and the printer.
tests/test_emit.py checks the two give the same text on random problems.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, NamedTuple, Sequence

import numpy as np

from ..engine.derivation import ExpandedEntry, Gradient
from ..engine.product_sums import Codes, Sums, TermFactors, factor_codes, objects
from ..core.tensors import Tensor
from .printer import Printer

BATCH_TERMS = 1 << 16  # terms joined and written at a time: memory stays flat for any gradient


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


class Spelling(NamedTuple):
    """How ``printer`` writes monomials: ``names[code]`` (its names of the entries), and what
    follows a first symbol (``tails[code]``: its multiplication sign and the second symbol's
    name); the last name and tail, for ``Codes.count``, are "" (no symbol)."""

    names: np.ndarray
    tails: np.ndarray
    printer: Printer


def spelling(codes: Codes, printer: Printer) -> Spelling:
    """How ``printer`` writes the symbols of ``codes``: its own speller's names."""
    names = np.concatenate([*(t.per_entry(printer.spell) for t in codes.tensors), objects([""])])
    tails = objects([printer.times + name for name in names[:-1].tolist()] + [""])
    return Spelling(names, tails, printer)


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


def concatenated(segments: Sequence[np.ndarray | Pieces]) -> str:
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


def sum_pieces(sums: Sums, spelling: Spelling) -> Pieces:
    """Each entry's sum as the printer writes a :class:`Poly` (``d1*w2 + 2*d2*w1``, ``-3``: its
    :meth:`Printer.lead` and names), three pieces per monomial; nothing for an entry whose sum is 0.
    (Never a square: the two factors of a term are entries of different tensors, see
    ``GradientArrays.exact``.)"""
    low, high, coefficients = sums.low, sums.high, sums.coefficients
    count = len(low)
    first = first_of_runs(sums.starts, count)
    negative = coefficients < 0
    magnitude = np.abs(coefficients)
    with_symbols = low != sums.none
    if (magnitude == 1).all():
        magnitudes, which = np.ones(1, dtype=np.int64), np.zeros(count, dtype=np.int64)
    else:
        magnitudes, which = np.unique(magnitude, return_inverse=True)
    # The sign (with its spaces) and the written coefficient, for every combination at once.
    leads = [spelling.printer.lead(value, symbols, negative, first) for value in magnitudes.tolist()
             for symbols in (False, True) for negative in (False, True) for first in (False, True)]
    pieces = np.empty((count, 3), dtype=object)
    pieces[:, 0] = objects(leads)[((which * 2 + with_symbols) * 2 + negative) * 2 + first]
    pieces[:, 1] = spelling.names[low]
    pieces[:, 2] = spelling.tails[np.where(high < 0, sums.none, high)]
    return pieces.ravel(), 3 * sums.counts


class GradientArrays:
    """The terms of some entries of a gradient (``flats``, in output order), in batches."""

    def __init__(self, gradient: Gradient, flats: Sequence[int]):
        self.gradient = gradient
        self.flats = np.asarray(flats, dtype=np.int64)
        factors = TermFactors(gradient.blocks)
        self.codes, self.columns = factors.codes, factors.columns
        # The two factors of a term are entries of different tensors: no squares to write.
        self.exact = factors.exact and all(local.tensor is not up.tensor for up, local in self.columns)

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
        factors = self.per_term(batch, lambda b, rows: factor_codes(*self.columns[b], rows))
        entry = np.repeat(np.arange(len(batch.flats)), batch.counts)
        return Sums.of_products(len(batch.flats), entry, factors, self.codes.count)
