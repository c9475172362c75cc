"""Checking a student's answer for one gradient: read, parse, compare entry by entry, diagnose.

An :class:`AnswerKey` is built once per problem and tensor (the expected polynomials, the name
table, the wrong variants); :meth:`AnswerKey.check` then takes the text of one answer and returns
a :class:`Verdict`. An answer that cannot be read raises :class:`~symconv.core.errors.AnswerError`
(it is *invalid*, never *wrong*).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Iterator, Sequence, overload

import numpy as np

from ..core.contract import ProblemView
from ..engine.derivation import Derivation, Gradient, derive
from ..core.errors import AnswerError, ProblemError
from ..layers import layer_type
from ..core.poly import Poly, Symbol
from ..core.presentation import Presentable
from ..problems.problem import Problem
from ..files.problem_file import read_standard_input, read_text
from ..render.text import TextPrinter
from ..core.tensors import Tensor
from .compare import Compare, Comparison, Sampling, Tolerance, best_comparison, compare_polys
from .diagnose import Diagnosis, Mistake, WrongVariants, diagnose, wrong_variants
from .names import NameTable, Reading, answer_tensors, right_form
from .parse import DEFAULT_LIMITS, EntryError, Limits, ParsedEntry, parse_entry
from .read import MAX_ANSWER_BYTES, Cell, Rows, ShapeError, arrange, nearest_form, read_answer
from .roots import RootComparer, has_roots
from .shapes import explain_shape, grid_of

INDEX_BASE = "index-base"
# [C_11 = max(C_11, …)], 1[x > 0], \mathbb{1}[x>0]: bounded, so the scan stays linear
_WRITTEN_INDICATOR = re.compile(r"\[[^\[\]\n]{0,200}?(?:=\s*\\?max\b|>\s*0\s*\])")
PARSED_ENTRIES_KEPT = 4_096
KEPT_TERMS = 64


@dataclass(frozen=True)
class EntryResult:
    flat: int  # row-major position in the gradient
    cell: Cell
    given: ParsedEntry
    comparison: Comparison
    base_shifted: bool = False  # only readable with names counted from the other index base

    @property
    def correct(self) -> bool:
        return self.comparison.correct and not self.base_shifted


class EntryResults(Sequence[EntryResult]):
    """Every entry's :class:`EntryResult`, each made when it is first asked for: an answer of
    100,000 numbers is checked on arrays, and a right one never needs its entries' objects.
    ``correct`` says which entries are right; ``comparison(flat)`` compares one entry."""

    def __init__(self, cells: list[Cell], given: list[ParsedEntry], correct: np.ndarray,
                 comparison: Callable[[int], Comparison], shifted: bool = False):
        self.cells, self.given, self.correct = cells, given, correct
        self._comparison, self._shifted = comparison, shifted
        self._made: dict[int, EntryResult] = {}

    def __len__(self) -> int:
        return len(self.cells)

    @overload
    def __getitem__(self, flat: int) -> EntryResult: ...

    @overload
    def __getitem__(self, flat: slice) -> list[EntryResult]: ...

    def __getitem__(self, flat: int | slice) -> EntryResult | list[EntryResult]:
        if isinstance(flat, slice):
            return [self[i] for i in range(len(self))[flat]]
        flat = range(len(self))[flat]
        if flat not in self._made:
            self._made[flat] = EntryResult(flat, self.cells[flat], self.given[flat],
                                           self._comparison(flat), self._shifted)
        return self._made[flat]

    def __iter__(self) -> Iterator[EntryResult]:
        return (self[flat] for flat in range(len(self)))

    def wrong(self) -> list[EntryResult]:
        """The wrong entries, in order."""
        return [self[int(flat)] for flat in np.flatnonzero(~self.correct)]


@dataclass(frozen=True, repr=False)
class Verdict(Presentable):
    """The answer checked entry by entry; it prints as the feedback ``symconv verify`` gives (its
    look is registered by :mod:`.feedback`), in a notebook as a table in green and red."""

    source: str
    entries: EntryResults
    diagnosis: Diagnosis | None
    key: "AnswerKey" = field(repr=False)

    @property
    def correct(self) -> int:
        return int(self.entries.correct.sum())

    @property
    def total(self) -> int:
        return len(self.entries)

    @property
    def score(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def ok(self) -> bool:
        return self.correct == self.total

    @property
    def sampling(self) -> tuple[int, Sampling] | None:
        """(entries, the weakest of their samplings) when some entries were found right at random
        points because their form differs from the expected one (answers with roots, LP pooling)."""
        if not self.key.radicals:  # compared exactly: nothing at random points
            return None
        sampled = [e.comparison.sampling for e in self.entries
                   if e.correct and e.comparison.sampling is not None]
        if not sampled:
            return None
        return len(sampled), Sampling(min(s.points for s in sampled), sampled[0].digits,
                                      max(s.bound for s in sampled), any(s.decimals for s in sampled))

    @property
    def readings(self) -> list[tuple[Cell, Reading]]:
        return [(cell, r) for cell, given in zip(self.entries.cells, self.entries.given)
                for r in given.readings]


class AnswerKey:
    """Everything needed to check answers for ∂loss/∂``wrt`` of ``problem``."""

    def __init__(self, problem: Problem, wrt: str, *, tolerance: Tolerance = Tolerance(),
                 limits: Limits = DEFAULT_LIMITS, derivation: Derivation | None = None,
                 compare: Compare | None = None, seed: int | None = None) -> None:
        self.problem = problem
        self.gradient = (derivation or derive(problem)).gradient(problem.tensor(wrt).name)
        # Every value given: the key is the numbers, from the term arrays (no polynomial made).
        self.numbers = self.gradient.numbers()
        self._expected: list[list[Poly]] | None = None
        self.tensors = answer_tensors(problem)
        self.radicals = False
        self.right_form = right_form([])  # messages' example: numbers, or in the problem's names
        if self.numbers is None:
            polys = self.gradient.polys()
            expanded = self.gradient.expanded()
            # LP pooling's gradients have roots: answers may write them, and are compared exactly
            # where the forms agree, else at random exact rational points (see .roots).
            self.radicals = has_roots(expanded)
            # A gradient through several layers may be written with the intermediate ∂L/∂Y or
            # fully expanded; both forms are right.
            self._expected = [[p] if p == e else [p, e] for p, e in zip(polys, expanded)]
            refuse_indicators(problem, self.gradient, expanded)
            self.right_form = right_form(expanded)
            self.tensors = answer_tensors(problem, expanded)
        if compare is None:
            compare = RootComparer(seed) if self.radicals else compare_polys  # seed: see .roots
        self.tolerance, self.limits, self.compare = tolerance, limits, compare
        # sigmoid(X_11): the functions the problem's layer types let answers call
        self.functions = {name: function.apply for layer in problem.layers
                          for function in layer_type(layer).functions for name in function.names}
        self.names = NameTable(self.tensors, right_form=self.right_form)
        self._shifted_names: NameTable | None = None
        self.context = shape_context(problem, self.gradient.wrt)
        # A class writes the same entries again and again: small parsed entries (immutable) are
        # kept, up to a fixed number, so hostile answers cannot grow the memory through it.
        self._parsed: dict[tuple[str, bool], ParsedEntry] = {}

    @property
    def shape(self) -> tuple[int, ...]:
        return self.gradient.shape

    @property
    def expected(self) -> list[list[Poly]]:
        """The accepted forms of every entry (one, or two through a chain)."""
        if self._expected is None:
            assert self.numbers is not None
            self._expected = [[Poly.lift(number)] for number in self.numbers.reshape(-1).tolist()]
        return self._expected

    @cached_property
    def variants(self) -> WrongVariants:
        """The likely mistakes, worked out when an answer first needs them (one with wrong
        entries, or of the wrong shape): a right answer never does."""
        return wrong_variants(self.problem, self.gradient)

    @property
    def mistakes(self) -> list[Mistake]:
        return self.variants.mistakes

    @property
    def reshaped(self) -> list[tuple[Mistake, tuple[int, ...]]]:
        """∂L/∂X with the padding left on has another shape: matched when the shape is wrong."""
        return self.variants.reshaped

    # -- reading ------------------------------------------------------------------------------------
    def shifted_names(self) -> NameTable:
        if self._shifted_names is None:
            self._shifted_names = NameTable(self.tensors, shift_base=True,
                                            right_form=self.right_form)
        return self._shifted_names

    def check(self, text: str, source: str = "<answer>") -> Verdict:
        """Check the text of one answer (any format :func:`.read.read_answer` knows)."""
        refuse_written_indicator(text, source)
        rows = read_answer(text, source)
        try:
            cells = arrange(rows, self.shape, source, self.context)
        except ShapeError as error:
            raise self._explain_shape(rows, source, error) from None
        return self._check_cells(cells, source)

    def check_entries(self, texts: Sequence[str], source: str = "<answer>") -> Verdict:
        """Check entries given one by one, row-major (a course platform's input fields)."""
        if len(texts) != self.gradient.wrt.size:
            raise AnswerError(f"{source}: got {len(texts)} entries, expected {self.gradient.wrt.size}:"
                              f" {self.context}")
        width = self.shape[-1] if self.shape else 1
        for text in texts:
            refuse_written_indicator(text, source)
        return self._check_cells([Cell(text, None, flat // width + 1, flat % width + 1)
                                  for flat, text in enumerate(texts)], source)

    def entry_error(self, text: str) -> str | None:
        """Why one entry cannot be read (symconv's message), or None when it can."""
        try:
            refuse_written_indicator(text, "entry")
            self._parse(text, False)
        except AnswerError as error:
            return str(error)
        return None

    def _check_cells(self, cells: list[Cell], source: str) -> Verdict:
        try:
            parsed = self._parse_cells(cells, source, shifted=False)
        except _UnknownName as unknown:
            return self._check_shifted(cells, unknown, source)
        results = self._compare(cells, parsed, shifted=False)
        diagnosis = None
        if not results.correct.all():
            diagnosis = diagnose(parsed, results.correct.tolist(), self.mistakes, self.tolerance,
                                 self.compare)
        return Verdict(source, results, diagnosis, self)

    def _explain_shape(self, rows: Rows, source: str, error: ShapeError) -> AnswerError:
        """A wrong shape that is a known mistake (∂L/∂X with the padding left on) says so (the
        answer is still unreadable as ∂L/∂X: its entries do not line up with X's); one that is
        another tensor's shape says which and how the asked one comes about; any other says what
        the answer looks like and its first row in a form symconv reads."""
        for mistake, shape in self.reshaped:
            try:
                cells = arrange(rows, shape, source, self.context)
                parsed = self._parse_cells(cells, source, shifted=False)
            except (AnswerError, _UnknownName):
                continue
            matching = sum(self.compare(given, value, self.tolerance).correct
                           for given, value in zip(parsed, mistake.values))
            if 3 * matching >= 2 * len(parsed):
                return AnswerError(f"{error}; it matches {matching} of {len(parsed)} entries of a"
                                   f" likely mistake: {mistake.description}")
        meaning = explain_shape(self.problem, self.gradient.wrt, error.got) if error.got else None
        if meaning:
            return AnswerError(f"{error.head}: {meaning}")
        hint = nearest_form(rows.text) if misread(error.got, grid_of(self.shape)) else None
        return AnswerError(f"{error}; {hint}") if hint else error

    def _parse(self, text: str, shifted: bool) -> ParsedEntry:
        parsed = self._parsed.get((text, shifted))
        if parsed is None:
            names = self.shifted_names() if shifted else self.names
            parsed = parse_entry(text, names, loss=self.problem.loss, limits=self.limits,
                                 radicals=self.radicals, functions=self.functions)
            if len(parsed.value.terms) <= KEPT_TERMS and len(self._parsed) < PARSED_ENTRIES_KEPT:
                self._parsed[text, shifted] = parsed
        return parsed

    def _parse_cells(self, cells: list[Cell], source: str, *, shifted: bool) -> list[ParsedEntry]:
        """Every cell's entry; a text written many times (a class writes the same numbers again
        and again) is read once. The first cell that cannot be read is the error."""
        texts = [cell.text for cell in cells]
        first = dict(zip(reversed(texts), range(len(texts) - 1, -1, -1)))  # each text's first cell
        read = {text: self._parse_at(cells[flat], source, shifted=shifted)
                for text, flat in sorted(first.items(), key=lambda item: item[1])}
        return [read[text] for text in texts]

    def _parse_at(self, cell: Cell, source: str, *, shifted: bool = False) -> ParsedEntry:
        try:
            return self._parse(cell.text, shifted)
        except EntryError as error:
            if error.unknown_name and not shifted:
                raise _UnknownName(located(error, cell, source)) from None
            raise located(error, cell, source) from None

    def _compare(self, cells: list[Cell], parsed: list[ParsedEntry], *, shifted: bool) -> EntryResults:
        """Every entry compared. With a key of numbers, entries written as exact numbers are
        compared all at once; the rest (decimals, expressions) one by one."""
        if self.numbers is None:
            comparisons = [best_comparison(given, self.expected[flat], self.tolerance, self.compare)
                           for flat, given in enumerate(parsed)]
            correct = np.array([c.correct for c in comparisons], dtype=bool)
            return EntryResults(cells, parsed, correct & (not shifted), comparisons.__getitem__, shifted)
        expected = self.numbers.reshape(-1)
        texts = [cell.text for cell in cells]
        numbers = {text: entry.value.number for text, entry in zip(texts, parsed)
                   if not entry.inexact and entry.value.is_number}  # parsed once per text
        given = np.array([numbers.get(text) for text in texts], dtype=object)
        exact = given != None  # noqa: E711  (elementwise: entries that are exact numbers)
        correct = np.zeros(len(parsed), dtype=bool)
        correct[exact] = given[exact] == expected[exact]
        compared: dict[int, Comparison] = {}
        for flat in np.flatnonzero(~exact).tolist():
            compared[flat] = best_comparison(parsed[flat], self.expected[flat], self.tolerance,
                                             self.compare)
            correct[flat] = compared[flat].correct

        def comparison(flat: int) -> Comparison:
            if flat not in compared:
                compared[flat] = Comparison(bool(correct[flat]), Poly.lift(int(expected[flat])),
                                            parsed[flat], self.tolerance)
            return compared[flat]

        return EntryResults(cells, parsed, correct & (not shifted), comparison, shifted)

    def _check_shifted(self, cells: list[Cell], unknown: "_UnknownName", source: str) -> Verdict:
        """An unknown name such as ``B_00`` in a problem counted from 1: when the whole answer reads
        and is mostly right with every index base flipped, that is the mistake; otherwise the
        unknown name is the error."""
        try:
            parsed = self._parse_cells(cells, source, shifted=True)
        except AnswerError:
            raise unknown.error from None
        results = self._compare(cells, parsed, shifted=True)
        right = sum(results[flat].comparison.correct for flat in range(len(results)))
        if 3 * right < 2 * len(results):
            raise unknown.error
        bases = {t.index_base for t in self.names.tensors if t.naming != "bare"}
        counted = f"from {bases.pop()}" if len(bases) == 1 else "as each tensor declares"
        mistake = Mistake(INDEX_BASE, f"the names are counted from the wrong index base; this"
                                      f" problem counts {counted} ({self.names.describe()})", ())
        return Verdict(source, results, Diagnosis(mistake, right, len(results), right == len(results)),
                       self)

    def check_file(self, path: str) -> Verdict:
        """Check an answer file (``-`` for standard input)."""
        return self.check(read_answer_file(path), "<stdin>" if path == "-" else path)


class _UnknownName(Exception):
    """Carries the located error of an unknown name while another index base is tried."""

    def __init__(self, error: AnswerError):
        self.error = error


def misread(got: tuple[int, int] | None, expected: tuple[int, int]) -> bool:
    """Whether rows of ``got`` look like an answer read in the wrong format (rows of unequal
    length, one row or one column where more were due) rather than one of another shape."""
    return got is None or (got[0] == 1 < expected[0]) or (got[1] == 1 < expected[1])


def read_answer_file(path: str) -> str:
    if path == "-":
        return read_standard_input(limit=MAX_ANSWER_BYTES)
    return read_text(path, limit=MAX_ANSWER_BYTES, what="answer file")


def located(error: EntryError, cell: Cell, source: str) -> AnswerError:
    """The entry's error with its place: ``answer.txt:3: row 3, entry 2 ('B_11 + Q'): …``."""
    shown = cell.text if len(cell.text) <= 40 else cell.text[:40] + "…"
    return AnswerError(str(error), where=f"{cell.where(source)} ({shown!r})")


def shape_context(problem: ProblemView, wrt: Tensor) -> str:
    """``∂E/∂A has the shape of A (input 5×5, kernel 3×3, stride 1, padding 0)``: the sizes of
    the layer that reads it."""
    layer = next(l for l in problem.layers if wrt in (l.input, *l.parameters))
    return f"∂{problem.loss}/∂{wrt.name} has the shape of {wrt.name} ({layer.sizes_text()})"


def refuse_indicators(problem: ProblemView, gradient: Gradient, expanded: Sequence[Poly]) -> None:
    """Max pooling's ``[x = max(window)]`` and ReLU's ``[x > 0]`` stay symbolic when the values
    they compare are not given, and an answer cannot write them (the answer grammar has no
    brackets or comparisons, so hostile text has fewer ways in): say what to give instead."""
    for flat, value in enumerate(expanded):
        atom = next((a for monomial in value.terms for a in monomial  # (no free symbols: a number)
                     if not isinstance(a, Symbol) and a.exact_form() is None and a.free_symbols()), None)
        if atom is None:
            continue
        printer = TextPrinter(problem.loss)
        compared = atom.free_symbols()[0].tensor  # the tensor whose values decide the indicator
        reader = next(i for i, layer in enumerate(problem.layers) if layer.input is compared)
        unknown = [t.name for t in (problem.input, *[p for layer in problem.layers[:reader]
                                                     for p in layer.parameters])
                   if not t.is_numeric]
        if not unknown:  # every value is given, but a layer before computes them inexactly
            inexact = next(layer for layer in problem.layers[:reader] if not layer.exact)
            raise ProblemError(
                f"∂{problem.loss}/∂{printer.name_only(gradient.entry(flat).wrt)} contains"
                f" {printer.doprint(atom)}, which is 1 or 0 depending on the values of"
                f" {compared.name}; every value is given, but {inexact.output.name} is irrational"
                f" (the output of the {layer_type(inexact).name}), so symconv cannot decide the indicator"
                f" exactly, and answers about ∂{problem.loss}/∂{gradient.wrt.name} cannot be"
                f" checked; check the gradients of the tensors after that indicator instead")
        raise ProblemError(
            f"∂{problem.loss}/∂{printer.name_only(gradient.entry(flat).wrt)} contains"
            f" {printer.doprint(atom)}, which is 1 or 0 depending on values symconv does not know,"
            f" and answers cannot write such indicators; give the values of {' and '.join(unknown)}"
            f" in the problem file (e.g. values = [[1, 2], [3, 4]] under [input]) and write the"
            f" answer with numbers where the indicators were, e.g. 1 1 0")


def refuse_written_indicator(text: str, source: str) -> None:
    """An answer that writes ``[x = max(…)]`` or ``[x > 0]``: say to write the 0 or 1 instead (the
    key refuses problems where the indicators' values are unknown, see :func:`refuse_indicators`)."""
    found = _WRITTEN_INDICATOR.search(text)
    if found is None:
        return
    line = text.count("\n", 0, found.start()) + 1
    shown = found.group(0) if len(found.group(0)) <= 40 else found.group(0)[:40] + "…"
    raise AnswerError(f"{shown!r} is an indicator, and answers cannot write indicators; the values"
                      f" are known here, so write its number: 1 where the entry is the (first)"
                      f" maximum of the window or positive, else 0 (e.g. 1 1 0)",
                      where=f"{source}:{line}")
