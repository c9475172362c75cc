"""Answers that are not polynomials (LP pooling): roots and divisions, compared exactly where
possible, else at random exact rational points.

LP pooling's local derivative ``x^(p−1)·(Σ x^p / N)^(1/p − 1)/N`` has a root, and students write it
many ways: ``X_00/(2\\sqrt{X_00^2 + X_01^2 + X_10^2 + X_11^2})``, ``X_00·((…)/4)^(-1/2)/4``, …
Both sides are brought to the one form of :mod:`symconv.core.radicals`.

Comparison (:class:`RootComparer`): when the two forms are equal, the answer is right,
exactly; when they differ by a polynomial (no root left in the difference), it is wrong, exactly.
Otherwise the difference is evaluated at random points where every entry is a positive rational
``n/1024`` (``n`` up to 2^30) drawn from a secret seed (:mod:`secrets`, one per comparer, that is
per answer key and grading run; recorded so a run can be reproduced on purpose): its terms without
roots exactly, in rationals, the roots to at least 50 significant digits; it must vanish at all of
them. After clearing roots and denominators the difference becomes a polynomial of some degree D
(bounded below), so by the Schwartz–Zippel lemma a wrong answer agrees at one random point with
probability at most D / 2^30, and at all k points at most (D / 2^30)^k. That is a bound against
*accidental* errors, and it holds for any answer written without knowing the points, which stay
secret: an answer built to vanish at some fixed points (say, ones computed from the names) is
caught like any other. (The bound assumes the radicands are independent, as LP pooling's window
sums are; treat it as an estimate for other forms.) An answer with decimals is compared at the
same points with the tolerance.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation, localcontext
from fractions import Fraction
from math import lcm

from ..core.errors import SymconvError
from ..core.poly import Poly, Symbol
from ..core.radicals import Radical, RootError, poly_key, simplify
from .compare import Comparison, Sampling, Tolerance, written_form
from .parse import ParsedEntry

POINTS = 6
DIGITS = 50  # at least; more for big coefficients and high degrees (_working_digits)
GUARD_DIGITS = 15  # agreement within 10^(15 - digits) of the terms' size: far below any real difference
SAMPLE_BITS = 30
DENOMINATOR = 1024
SEED_BITS = 64


def exact_form(poly: Poly) -> Poly:
    """An expected value with every factor that has a root (LP pooling's) written with
    :class:`~symconv.core.radicals.Radical` (the same value, in the form answers are read into)."""
    written = written_form(poly)
    return poly if written is poly else simplify(written)


def has_roots(polys: Iterable[Poly]) -> bool:
    """Whether any expected value has a factor with a root (so answers need roots to be written):
    one whose exact form is written with roots of :mod:`symconv.radicals` (or with none left,
    a root of a square), not with other factors (a sigmoid's)."""
    atoms = {atom for p in polys for m in p.terms for atom in m if not isinstance(atom, Symbol)}
    return any((form := atom.exact_form()) is not None and _radical_form(form) for atom in atoms)


# -- comparing ------------------------------------------------------------------------------------
class RootComparison(Comparison):
    """A comparison of values with roots; term-by-term differences are not shown (two right forms
    can have different terms), and ``sampling`` says how it was decided when not exactly."""

    def __init__(self, correct: bool, expected: Poly, sampling: Sampling | None):
        super().__init__(correct, expected)
        self.sampling = sampling


class RootComparer:
    """Compares like :func:`~.compare.compare_polys` (same call), for values with roots: exactly
    when the forms are equal or when they differ by a polynomial, else at secret random exact
    rational points.

    The points come from ``seed``: a fresh secret one (:mod:`secrets`) for each comparer, so for
    each answer key and grading run, unless a seed is given to reproduce a run on purpose. Nobody
    who does not know the seed can build a wrong answer that agrees at the points. Work is shared
    between calls (every entry is compared with the expected value, then with every wrong
    variant): each expected value's form and each root's value at a point are kept, up to
    ``KEPT`` of each.
    """

    KEPT = 4_096

    def __init__(self, seed: int | None = None):
        if seed is None:
            seed = secrets.randbits(SEED_BITS)
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 1 << SEED_BITS:
            raise SymconvError(f"the seed must be a whole number from 0 to 2^{SEED_BITS} - 1;"
                               f" got {seed!r}")
        self.seed = seed
        self._forms: dict[frozenset, Poly] = {}
        self._points: dict[tuple, Fraction] = {}
        self._roots: dict[tuple, Decimal] = {}

    def __call__(self, given: ParsedEntry, expected: Poly, tolerance: Tolerance) -> Comparison:
        want = self._forms.get(expected.key)
        if want is None:
            if len(self._forms) >= self.KEPT:
                self._forms.clear()
            want = self._forms[expected.key] = exact_form(expected)
        if given.inexact:
            return self._sampled(given.value, want, expected, tolerance)
        if given.value == want:
            return RootComparison(True, expected, None)
        difference = given.value - want
        if not _has_radical(difference):  # a nonzero polynomial: wrong, exactly, no sampling
            return RootComparison(False, expected, None)
        return self._sampled(difference, None, expected, tolerance)

    def _sampled(self, value: Poly, other: Poly | None, expected: Poly,
                 tolerance: Tolerance) -> RootComparison:
        """``value`` (a difference) must vanish at every point, or, with ``other`` (an answer
        with decimals), agree with it within the tolerance."""
        polys = (value,) if other is None else (value, other)
        decimals = other is not None
        points = POINTS if any(_symbols(p) for p in polys) else 1
        digits = _working_digits(polys)
        for k in range(points):
            try:
                values = [self._evaluate(p, k, digits) for p in polys]
            except (InvalidOperation, ZeroDivisionError, RootError, OverflowError):
                return RootComparison(False, expected, Sampling(k + 1, digits, 1.0, decimals))
            if decimals:
                agree = tolerance.close(values[0][0], values[1][0])
            else:
                total, size = values[0]
                agree = abs(total) <= size * Decimal(10) ** (GUARD_DIGITS - digits)
            if not agree:
                return RootComparison(False, expected, Sampling(k + 1, digits, 1.0, decimals))
        bound = _sampling_bound(polys, points) if points > 1 else 0.0
        return RootComparison(True, expected, Sampling(points, digits, bound, decimals))

    def _point(self, symbol: Symbol, k: int) -> Fraction:
        key = (symbol._key, k)
        found = self._points.get(key)
        if found is None:
            if len(self._points) >= self.KEPT:
                self._points.clear()
            source = random.Random(f"symconv:{self.seed}:{symbol._key}:{k}")
            found = self._points[key] = Fraction(source.randint(1, 1 << SAMPLE_BITS), DENOMINATOR)
        return found

    def _evaluate(self, poly: Poly, k: int, digits: int) -> tuple[Decimal, Decimal]:
        """The value at point k and the sum of its terms' sizes (for a relative threshold): the
        terms without roots exactly, in rationals; the others to ``digits`` significant digits."""
        exact, approximate, size = Fraction(0), Decimal(0), Decimal(0)
        with localcontext() as context:
            context.prec = digits
            for monomial, coefficient in poly.terms.items():
                product = Fraction(coefficient)
                radicals = []
                for atom in monomial:
                    if isinstance(atom, Symbol):
                        product *= self._point(atom, k)
                    elif isinstance(atom, Radical):
                        radicals.append(self._root(atom, k, digits))
                    else:
                        raise RootError(f"cannot evaluate {atom!r}")
                if not radicals:
                    exact += product
                    continue
                term = _decimal(product)
                for root in radicals:
                    term *= root
                approximate += term
                size += abs(term)
            total = _decimal(exact) + approximate
            return total, size + abs(_decimal(exact))

    def _root(self, radical: Radical, k: int, digits: int) -> Decimal:
        key = (radical, k, digits)
        found = self._roots.get(key)
        if found is None:
            base = Fraction(0)
            for monomial, coefficient in radical.base.terms.items():
                term = Fraction(coefficient)
                for atom in monomial:
                    if not isinstance(atom, Symbol):
                        raise RootError("a root of a root")
                    term *= self._point(atom, k)
                base += term
            if base <= 0 and radical.exponent.denominator > 1:
                raise RootError("no real root")
            exponent = radical.exponent
            found = _decimal(base) ** (Decimal(exponent.numerator) / Decimal(exponent.denominator))
            if len(self._roots) >= self.KEPT:
                self._roots.clear()
            self._roots[key] = found
        return found


def _decimal(value: Fraction) -> Decimal:
    return Decimal(value.numerator) / Decimal(value.denominator)


def _radical_form(poly: Poly) -> bool:
    return all(isinstance(a, (Symbol, Radical)) for monomial in poly.terms for a in monomial)


def _has_radical(poly: Poly) -> bool:
    return any(isinstance(a, Radical) for monomial in poly.terms for a in monomial)


def _working_digits(polys: Iterable[Poly]) -> int:
    """Enough digits that a term can be told from rounding: the coefficients' own digits and
    the points' range (1/1024 to 2^20, six digits per degree each way) come on top of DIGITS."""
    coefficient_digits, degree = 0, 0
    for poly in polys:
        for monomial, coefficient in poly.terms.items():
            coefficient = Fraction(coefficient)
            size = max(coefficient.numerator.bit_length(), coefficient.denominator.bit_length())
            coefficient_digits = max(coefficient_digits, size * 30103 // 100000 + 1)
            degree = max(degree, sum(1 for a in monomial if isinstance(a, Symbol)))
    return DIGITS + 2 * coefficient_digits + 12 * degree


def _symbols(poly: Poly) -> set[Symbol]:
    atoms = {atom for monomial in poly.terms for atom in monomial}  # a root once, not once per term
    found = {atom for atom in atoms if isinstance(atom, Symbol)}
    for atom in atoms - found:
        found.update(atom.free_symbols())
    return found


def _sampling_bound(polys: Iterable[Poly], points: int) -> float:
    """(D / 2^SAMPLE_BITS)^points, D from :func:`_degree_bound`; 1.0 (no bound) when D is that
    big (an answer with very many different roots)."""
    degree = _degree_bound(*polys)
    if degree >= 1 << SAMPLE_BITS:
        return 1.0
    return (degree / (1 << SAMPLE_BITS)) ** points


def _degree_bound(*polys: Poly) -> int:
    """The degree of the difference after roots and denominators are cleared: each of the r
    radicands R_j with roots of order dividing q becomes z_j with z_j^q = R_j; clearing negative
    powers and taking the norm over the q^r conjugates gives a polynomial of degree at most
    q^r · (max over terms of its degree with z_j counted as deg R_j / q)."""
    radicands: dict[tuple, tuple[int, Fraction]] = {}  # key -> (degree, most negative exponent)
    q = 1
    for poly in polys:
        for monomial in poly.terms:
            for atom in monomial:
                if isinstance(atom, Radical) and not atom.base.is_number:
                    base_degree = max(len(m) for m in atom.base.terms)
                    key = poly_key(atom.base)
                    low = min(radicands.get(key, (base_degree, Fraction(0)))[1], atom.exponent)
                    radicands[key] = (base_degree, low)
                    q = lcm(q, atom.exponent.denominator)
    shift = {key: -low for key, (_, low) in radicands.items()}
    cleared = sum(degree * shift[key] for key, (degree, _) in radicands.items())
    top: Fraction | int = 0
    for poly in polys:
        for monomial in poly.terms:
            degree: Fraction | int = cleared
            for atom in monomial:
                if isinstance(atom, Symbol):
                    degree += 1
                elif isinstance(atom, Radical) and not atom.base.is_number:
                    degree += max(len(m) for m in atom.base.terms) * atom.exponent
            top = max(top, degree)
    return max(1, int(q ** len(radicands) * top) + 1)
