"""Answers that are not polynomials (LP pooling): roots and divisions, compared exactly where
possible, else at random exact rational points.

LP pooling's local derivative ``x^(p−1)·(Σ x^p / N)^(1/p − 1)/N`` has a root, and students write it
many ways: ``X_00/(2\\sqrt{X_00^2 + X_01^2 + X_10^2 + X_11^2})``, ``X_00·((…)/4)^(-1/2)/4``, …
A :class:`Radical` is ``base^exponent`` for a polynomial ``base`` (no roots inside) and a rational
exponent that is not a whole number ≥ 0; polynomials with such atoms are brought to one form
(:func:`simplify`): the base's positive content is taken out (``(S/4)^(-1/2) = 2·S^(-1/2)``) and
powers of the same base are merged (``x·x^(-1/2) = x^(1/2)``).

Comparison (:class:`RootComparer`): when the two forms are equal, the answer is right,
exactly. Otherwise both are evaluated at random points where every entry is a positive rational
``n/1024`` (``n`` up to 2^30), to 50 significant digits, and must agree at all of them. Equal forms
agree everywhere; different ones can agree only where their difference vanishes. After clearing
roots and denominators that difference becomes a polynomial of some degree D (bounded below), so
by the Schwartz–Zippel lemma a different answer agrees at one random point with probability at most
D / 2^30, and at all k points at most (D / 2^30)^k: the confidence the verdict states. (The bound
assumes the radicands are independent, as LP pooling's window sums are; treat it as an estimate
for other forms.) An answer with decimals is compared at the same points with the tolerance.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation, localcontext
from fractions import Fraction
from math import lcm

from ..poly import Poly, Symbol, poly_sum
from ..radicals import Radical, RootError, poly_key, simplify
from .compare import Comparison, Tolerance
from .parse import ParsedEntry

POINTS = 6
DIGITS = 50
AGREE = Decimal("1e-35")  # relative to the size of the terms: far below any real difference
SAMPLE_BITS = 30
DENOMINATOR = 1024


def exact_form(poly: Poly) -> Poly:
    """An expected value with every factor that has a root (LP pooling's) written with
    :class:`~symconv.radicals.Radical` (the same value, in the form answers are read into)."""
    if not has_roots([poly]):
        return poly
    parts = []
    for monomial, coefficient in poly.terms.items():
        product = Poly.lift(coefficient)
        for atom in monomial:
            product = product * (atom.exact_form() or atom)
        parts.append(product)
    return simplify(poly_sum(parts))


def has_roots(polys) -> bool:
    """Whether any expected value has a factor with a root (so answers need roots to be written)."""
    return any(not isinstance(atom, Symbol) and atom.exact_form() is not None
               for p in polys for m in p.terms for atom in m)


# -- comparing ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sampling:
    """How an entry was compared when its form differed: at ``points`` random points, to
    ``digits`` significant digits; ``bound`` is the chance a different answer agrees at all."""

    points: int
    digits: int
    bound: float
    decimals: bool = False  # the answer had decimals: agreement within the tolerance


class RootComparison(Comparison):
    """A comparison of values with roots; term-by-term differences are not shown (two right forms
    can have different terms), and ``sampling`` says how it was decided when not exactly."""

    def __init__(self, correct: bool, expected: Poly, sampling: Sampling | None):
        super().__init__(correct, expected)
        self.sampling = sampling


class RootComparer:
    """Compares like :func:`~.compare.compare_polys` (same call), for values with roots: exactly
    when the forms are equal, else at random exact rational points.

    The work is shared between calls, because every entry is compared with the expected value and
    then with every wrong variant: each value's form, its symbols and its values at the points are
    kept (up to ``KEPT`` values; each is kept with its polynomial, so an ``id`` is never reused).
    A symbol's value at point k depends only on the symbol and k, so the points agree across calls
    and the verdicts are reproducible.
    """

    KEPT = 4_096

    def __init__(self):
        self._forms: dict[int, tuple[Poly, Poly]] = {}
        self._symbols: dict[int, tuple[Poly, set]] = {}
        self._values: dict[int, tuple[Poly, list]] = {}
        self._points: dict[tuple, Decimal] = {}

    def __call__(self, given: ParsedEntry, expected: Poly, tolerance: Tolerance) -> Comparison:
        want = self._kept(self._forms, expected, exact_form)
        if not given.inexact and given.value == want:
            return RootComparison(True, expected, None)
        symbols = self._kept(self._symbols, given.value, _symbols) | self._kept(self._symbols, want,
                                                                                 _symbols)
        points = POINTS if symbols else 1
        for k in range(points):
            got, exp = self._value(given.value, k), self._value(want, k)
            if got is None or exp is None:
                return RootComparison(False, expected, Sampling(k + 1, DIGITS, 1.0, given.inexact))
            if given.inexact:
                agree = tolerance.close(float(got[0]), float(exp[0]))
            else:
                agree = abs(got[0] - exp[0]) <= AGREE * max(got[1], exp[1], Decimal(1))
            if not agree:
                return RootComparison(False, expected, Sampling(k + 1, DIGITS, 1.0, given.inexact))
        bound = (min(1.0, _degree_bound(given.value, want) / (1 << SAMPLE_BITS)) ** points
                 if symbols else 0.0)
        return RootComparison(True, expected, Sampling(points, DIGITS, bound, given.inexact))

    def _kept(self, cache: dict, poly: Poly, compute):
        found = cache.get(id(poly))
        if found is None:
            if len(cache) >= self.KEPT:
                cache.clear()
            found = cache[id(poly)] = (poly, compute(poly))
        return found[1]

    def _value(self, poly: Poly, k: int) -> tuple[Decimal, Decimal] | None:
        """The value at point k and the sum of the terms' sizes; None where it has no real value."""
        values = self._kept(self._values, poly, lambda _: [])
        while len(values) <= k:
            point = len(values)
            with localcontext() as context:
                context.prec = DIGITS
                try:
                    values.append(_evaluate(poly, lambda s: self._point(s, point)))
                except (InvalidOperation, ZeroDivisionError, RootError):
                    values.append(None)
        return values[k]

    def _point(self, symbol: Symbol, k: int) -> Decimal:
        key = (symbol._key, k)
        if key not in self._points:
            if len(self._points) >= self.KEPT:
                self._points.clear()
            numerator = random.Random(f"symconv:{symbol._key}:{k}").randint(1, 1 << SAMPLE_BITS)
            self._points[key] = Decimal(numerator) / DENOMINATOR
        return self._points[key]


def _symbols(poly: Poly) -> set[Symbol]:
    atoms = {atom for monomial in poly.terms for atom in monomial}  # a root once, not once per term
    found = {atom for atom in atoms if isinstance(atom, Symbol)}
    for atom in atoms - found:
        found.update(atom.free_symbols())
    return found


def _evaluate(poly: Poly, value_of) -> tuple[Decimal, Decimal]:
    """The value with ``value_of(symbol)`` and the sum of the terms' sizes (for a relative
    threshold)."""
    total, size = Decimal(0), Decimal(0)
    roots: dict[Radical, Decimal] = {}  # each root once, however many terms it is in
    for monomial, coefficient in poly.terms.items():
        coefficient = Fraction(coefficient)
        term = Decimal(coefficient.numerator) / Decimal(coefficient.denominator)
        for atom in monomial:
            if isinstance(atom, Symbol):
                term *= value_of(atom)
            elif isinstance(atom, Radical):
                if atom not in roots:
                    base = _evaluate(atom.base, value_of)[0]
                    if base <= 0 and atom.exponent.denominator > 1:
                        raise RootError("no real root")
                    roots[atom] = base ** (Decimal(atom.exponent.numerator)
                                           / Decimal(atom.exponent.denominator))
                term *= roots[atom]
            else:
                raise RootError(f"cannot evaluate {atom!r}")
        total += term
        size += abs(term)
    return total, size


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
                    degree = max(len(m) for m in atom.base.terms)
                    key = poly_key(atom.base)
                    low = min(radicands.get(key, (degree, Fraction(0)))[1], atom.exponent)
                    radicands[key] = (degree, low)
                    q = lcm(q, atom.exponent.denominator)
    shift = {key: -low for key, (_, low) in radicands.items()}
    cleared = sum(degree * shift[key] for key, (degree, _) in radicands.items())
    top = 0
    for poly in polys:
        for monomial in poly.terms:
            degree = cleared
            for atom in monomial:
                if isinstance(atom, Symbol):
                    degree += 1
                elif isinstance(atom, Radical) and not atom.base.is_number:
                    degree += max(len(m) for m in atom.base.terms) * atom.exponent
            top = max(top, degree)
    return max(1, int(q ** len(radicands) * top) + 1)
