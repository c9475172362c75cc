"""Comparing one given entry with the expected one: exact polynomials, term by term.

Gradients of convolution layers are polynomials, and :class:`~symconv.poly.Poly` is canonical, so
an entry is right exactly when the two term -> coefficient maps are equal. When the student wrote a
decimal, coefficients are compared with a tolerance (``|given − expected| ≤ atol + rtol·|expected|``)
instead. The differences are kept as data for the feedback: terms missing, terms extra, and
coefficients that differ.

A layer whose gradients are not polynomials (LP pooling) plugs in its own comparison with the same
signature as :func:`compare_polys` (for instance evaluation at random exact rationals) through
:attr:`symconv.answers.verify.AnswerKey.compare`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..poly import Monomial, Number, Poly
from .parse import ParsedEntry

DEFAULT_RTOL = 1e-3
DEFAULT_ATOL = 1e-6


@dataclass(frozen=True)
class Tolerance:
    """For answers written with decimals; integers and fractions are always compared exactly."""

    rtol: float = DEFAULT_RTOL
    atol: float = DEFAULT_ATOL

    def close(self, given: Number, expected: Number) -> bool:
        return abs(float(given) - float(expected)) <= self.atol + self.rtol * abs(float(expected))


@dataclass(frozen=True)
class Comparison:
    """The verdict on one entry and, when wrong, how it differs from the expected value."""

    correct: bool
    expected: Poly
    missing: tuple[tuple[Monomial, Number], ...] = ()  # expected terms the answer lacks
    extra: tuple[tuple[Monomial, Number], ...] = ()  # terms the answer has and should not
    coefficients: tuple[tuple[Monomial, Number, Number], ...] = ()  # (term, given, expected)


def compare_polys(given: ParsedEntry, expected: Poly, tolerance: Tolerance) -> Comparison:
    """Exact comparison (tolerant on coefficients when the answer has decimals)."""
    if not given.inexact and given.value == expected:
        return Comparison(True, expected)
    got, want = given.value.terms, expected.terms
    order = sorted(set(got) | set(want), key=lambda m: (not m, m))
    missing, extra, coefficients = [], [], []
    for monomial in order:
        g, e = got.get(monomial, 0), want.get(monomial, 0)
        if given.inexact and tolerance.close(g, e):
            continue
        if g == e:
            continue
        if not g:
            missing.append((monomial, e))
        elif not e:
            extra.append((monomial, g))
        else:
            coefficients.append((monomial, g, e))
    correct = not (missing or extra or coefficients)
    return Comparison(correct, expected, tuple(missing), tuple(extra), tuple(coefficients))


def best_comparison(given: ParsedEntry, candidates: list[Poly], tolerance: Tolerance,
                    compare=compare_polys) -> Comparison:
    """Right when any accepted form matches; otherwise the differences from the closest form."""
    results = [compare(given, candidate, tolerance) for candidate in candidates]
    right = next((r for r in results if r.correct), None)
    if right is not None:
        return right
    return min(results, key=lambda r: len(r.missing) + len(r.extra) + len(r.coefficients))
