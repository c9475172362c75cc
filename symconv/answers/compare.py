"""Comparing one given entry with the expected one: exact polynomials, term by term.

Gradients of convolution layers are polynomials, and :class:`~symconv.core.poly.Poly` is canonical, so
an entry is right exactly when the two term -> coefficient maps are equal. When the student wrote a
decimal, coefficients are compared with a tolerance (``|given − expected| ≤ atol + rtol·|expected|``)
instead. The differences are kept as data for the feedback: terms missing, terms extra, and
coefficients that differ.

A factor that answers write in another form (a sigmoid's slope, written ``sigmoid(x)·(1 −
sigmoid(x))``: :meth:`~symconv.poly.Atom.exact_form`) is compared in that form. With decimals, a
factor without free symbols (``sigmoid(3)``) counts as its value.

Gradients that are not polynomials (LP pooling's roots) are compared by
:class:`symconv.answers.roots.RootComparer`, which is called the same way and which
:class:`~symconv.answers.verify.AnswerKey` picks when the expected values have roots.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from ..core.errors import SymconvError
from ..core.poly import Monomial, Number, Poly, Symbol, no_symbols, poly_sum, product_of
from .parse import ParsedEntry

DEFAULT_RTOL = 1e-3
DEFAULT_ATOL = 1e-6


@dataclass(frozen=True)
class Tolerance:
    """For answers written with decimals; integers and fractions are always compared exactly."""

    rtol: float = DEFAULT_RTOL
    atol: float = DEFAULT_ATOL

    def __post_init__(self) -> None:
        for name, value in (("rtol", self.rtol), ("atol", self.atol)):
            if isinstance(value, bool) or not isinstance(value, (int, float, Fraction)) \
                    or not math.isfinite(value) or value < 0:
                raise SymconvError(f"{name} must be a finite number of at least 0, e.g."
                                   f" {name}={getattr(DEFAULT, name):g}; got {value!r}")

    def close(self, given: Number | Decimal, expected: Number | Decimal) -> bool:
        """Exactly, in rationals: no overflow for huge numbers, no rounding for tiny ones."""
        given, expected = Fraction(given), Fraction(expected)
        return abs(given - expected) <= Fraction(self.atol) + Fraction(self.rtol) * abs(expected)


DEFAULT = Tolerance()


@dataclass(frozen=True)
class Sampling:
    """How an entry was compared when its form differed: at ``points`` random points, to
    ``digits`` significant digits; ``bound`` is the chance a different answer agrees at all."""

    points: int
    digits: int
    bound: float
    decimals: bool = False  # the answer had decimals: agreement within the tolerance


class Comparison:
    """The verdict on one entry and, when wrong, how it differs from the expected value.

    The differences are worked out only when asked for: the diagnosis compares every wrong entry
    with every wrong variant and needs only the verdict.
    """

    # how it was decided when at random points (answers with roots: answers/roots.py)
    sampling: Sampling | None = None

    def __init__(self, correct: bool, expected: Poly, given: ParsedEntry | None = None,
                 tolerance: Tolerance | None = None, written: Poly | None = None):
        self.correct, self.expected = correct, expected
        self._given, self._tolerance = given, tolerance
        self._written = expected if written is None else written  # in the form answers write

    @cached_property
    def _differences(self) -> tuple[tuple, tuple, tuple]:
        if self.correct or self._given is None:
            return (), (), ()
        given = self._given
        got, want = written_form(given.value).terms, self._written.terms
        missing, extra, coefficients = [], [], []
        for monomial in sorted(set(got) | set(want), key=lambda m: (not m, m)):
            g, e = got.get(monomial, 0), want.get(monomial, 0)
            if g == e or (given.inexact and self._tolerance is not None
                          and self._tolerance.close(g, e)):
                continue
            if not g:
                missing.append((monomial, e))
            elif not e:
                extra.append((monomial, g))
            else:
                coefficients.append((monomial, g, e))
        return tuple(missing), tuple(extra), tuple(coefficients)

    @property
    def missing(self) -> tuple[tuple[Monomial, Number], ...]:
        """Expected terms the answer lacks."""
        return self._differences[0]

    @property
    def extra(self) -> tuple[tuple[Monomial, Number], ...]:
        """Terms the answer has and should not."""
        return self._differences[1]

    @property
    def coefficients(self) -> tuple[tuple[Monomial, Number, Number], ...]:
        """(term, given coefficient, expected coefficient) where both have the term."""
        return self._differences[2]


# How one entry is compared with one accepted form: compare_polys, or roots.RootComparer
Compare = Callable[[ParsedEntry, Poly, Tolerance], Comparison]


def written_form(poly: Poly) -> Poly:
    """``poly`` with every factor that answers write in another form in that form
    (:meth:`~symconv.poly.Atom.exact_form`); ``poly`` itself when it has none."""
    forms = {atom: atom.exact_form() for monomial in poly.terms for atom in monomial
             if not isinstance(atom, Symbol)}
    if not any(form is not None for form in forms.values()):
        return poly
    parts = []
    for monomial, coefficient in poly.terms.items():
        product = Poly.lift(coefficient)
        for atom in monomial:
            product = product * (forms.get(atom) or atom)
        parts.append(product)
    return poly_sum(parts)


def valued(poly: Poly) -> dict[Monomial, Number]:
    """The terms with every factor without free symbols (``sigmoid(3)``) taken as its value, for
    comparing with decimals: ``0.0452·d1`` against ``d1·sigmoid(3)·(1 − sigmoid(3))``."""
    if all(isinstance(atom, Symbol) for monomial in poly.terms for atom in monomial):
        return poly.terms
    parts = []
    for monomial, coefficient in poly.terms.items():
        constant = [atom for atom in monomial if not isinstance(atom, Symbol) and not atom.free_symbols()]
        value = Fraction(float(product_of(constant).evaluate(no_symbols))) if constant else 1
        parts.append(product_of([atom for atom in monomial if atom not in constant]) * (coefficient * value))
    return poly_sum(parts).terms


def compare_polys(given: ParsedEntry, expected: Poly, tolerance: Tolerance) -> Comparison:
    """Exact comparison (tolerant on coefficients when the answer has decimals), both sides in the
    form answers write. A decimal answering an irrational number that no answer can write exactly
    (a sigmoid's slope at given values: an atom without free symbols) is compared with its value,
    within the tolerance."""
    written, value = written_form(expected), written_form(given.value)
    if not given.inexact:
        return Comparison(value == written, expected, given, tolerance, written)
    got, want = valued(value), valued(written)
    correct = all(tolerance.close(got.get(m, 0), want.get(m, 0)) for m in set(got) | set(want))
    return Comparison(correct, expected, given, tolerance, written)


def best_comparison(given: ParsedEntry, candidates: list[Poly], tolerance: Tolerance,
                    compare: Compare = compare_polys) -> Comparison:
    """Right when any accepted form matches; otherwise the differences from the closest form."""
    results = [compare(given, candidate, tolerance) for candidate in candidates]
    right = next((r for r in results if r.correct), None)
    if right is not None:
        return right
    return min(results, key=lambda r: len(r.missing) + len(r.extra) + len(r.coefficients))
