"""Exact roots: polynomials raised to rational powers, in one canonical form.

LP pooling's local derivative ``x^(p−1)·(Σ x^p / N)^(1/p − 1)/N`` has a root, and students write
it many ways: ``X_00/(2\\sqrt{X_00^2 + X_01^2 + X_10^2 + X_11^2})``, ``X_00·((…)/4)^(-1/2)/4``, …
A :class:`Radical` is ``base^exponent`` for a polynomial ``base`` (no roots inside) and a rational
exponent that is not a whole number ≥ 0; polynomials with such atoms are brought to one form
(:func:`simplify`): the base's positive content is taken out (``(S/4)^(-1/2) = 2·S^(-1/2)``) and
powers of the same base are merged (``x·x^(-1/2) = x^(1/2)``). Every value is taken as positive,
as LP pooling's window sums are.
"""

from __future__ import annotations

from fractions import Fraction
from math import gcd, lcm
from typing import Any, Callable

from .document import Group, Power
from .poly import FACTOR_RANK, Atom, Monomial, Number, Poly, Symbol, normalize, poly_sum


class RootError(ValueError):
    """A power that has no real value or no supported form; the parser adds the position."""


def poly_key(poly: Poly) -> tuple:
    return tuple(sorted((tuple(a._key for a in m), c) for m, c in poly.terms.items()))


class Radical(Atom):
    """``base^exponent``: ``base`` a polynomial without roots, ``exponent`` a Fraction that is
    negative or not whole (1/S is ``Radical(S, -1)``)."""

    __slots__ = ("base", "exponent")

    def __init__(self, base: Poly, exponent: Fraction):
        self.base = base
        self.exponent = Fraction(exponent)
        self._key = (FACTOR_RANK, 3, poly_key(base), self.exponent)

    def value(self, value_of: Callable[[Symbol], float]) -> float:
        return float(self.base.evaluate(value_of)) ** float(self.exponent)

    def free_symbols(self) -> tuple[Symbol, ...]:
        return tuple(sorted(a for a in self.base.symbols() if isinstance(a, Symbol)))

    def notation(self) -> Power:
        """``(X_00^2 + X_01^2)^(-1/2)``; a bare base for one name or a positive whole number."""
        (monomial, coefficient), *more = self.base.terms.items()
        bare = not more and (len(monomial) == 1 and coefficient == 1
                             or not monomial and isinstance(coefficient, int) and coefficient > 0)
        return Power(self.base if bare else Group(self.base), normalize(self.exponent))

    def to_sympy(self, entry: Callable[[Number | Symbol], Any]) -> Any:
        import sympy  # only when a user asks for sympy objects

        def rational(number: Number) -> Any:
            number = Fraction(number)
            return sympy.Rational(number.numerator, number.denominator)

        # the base has no roots or indicators: every factor is an entry's symbol
        base = sympy.Add(*[rational(c) * sympy.Mul(*[entry(s) for s in monomial])  # type: ignore[arg-type]
                           for monomial, c in self.base.terms.items()])
        return base ** rational(self.exponent)

    def exact_form(self) -> Poly:
        return Poly({(self,): 1})

    def __repr__(self) -> str:
        return f"Radical({self.base!r}, {self.exponent})"


# -- building -------------------------------------------------------------------------------------
def _integer_root(n: int, q: int) -> int:
    """⌊n^(1/q)⌋ for n ≥ 0, in integers (Newton's method; floats overflow on big numbers)."""
    if n < 2:
        return n
    x = 1 << -(-n.bit_length() // q)  # at least the root
    while True:
        y = ((q - 1) * x + n // x ** (q - 1)) // q
        if y >= x:
            return x
        x = y


def _exact_root(value: Fraction, q: int) -> Fraction | None:
    """The rational q-th root of a positive ``value`` when there is one."""
    roots = [_integer_root(part, q) for part in (value.numerator, value.denominator)]
    if roots[0] ** q != value.numerator or roots[1] ** q != value.denominator:
        return None
    return Fraction(roots[0], roots[1])


def number_power(value: Fraction, exponent: Fraction) -> Poly:
    """``value^exponent`` exactly when rational, else a constant :class:`Radical`."""
    value = Fraction(value)
    if value == 0:
        if exponent < 0:
            raise RootError("division by zero (a zero raised to a negative power)")
        return Poly.lift(0 if exponent else 1)
    if exponent.denominator == 1:
        return Poly.lift(normalize(value ** exponent.numerator))
    if value < 0:
        raise RootError(f"a root of the negative number {value} has no real value")
    root = _exact_root(value, exponent.denominator)
    if root is not None:
        return Poly.lift(normalize(root ** exponent.numerator))
    return Poly({(Radical(Poly.lift(normalize(value)), exponent),): 1})


def power(base: Poly, exponent: Fraction) -> Poly:
    """``base^exponent`` for any rational exponent, in the one form :func:`simplify` gives."""
    exponent = Fraction(exponent)
    if exponent.denominator == 1 and exponent >= 0:
        result = Poly.lift(1)
        for _ in range(exponent.numerator):
            result = result * base
        return simplify(result)
    if not base.terms:
        raise RootError("division by zero" if exponent < 0 else "the power of zero")
    if base.is_number:
        return number_power(Fraction(base.number), exponent)
    if len(base.terms) == 1:  # c·a·b…: each factor raised on its own (every value is positive)
        (monomial, coefficient), = base.terms.items()
        result = number_power(Fraction(coefficient), exponent)
        for atom in monomial:
            inner, inner_exponent = _as_power(atom)
            result = result * Poly({(Radical(inner, inner_exponent * exponent),): 1})
        return simplify(result)
    if any(not isinstance(a, Symbol) for a in base.symbols()):
        raise RootError("a root or division of a sum that itself has a root or a division is not"
                        " accepted; write e.g. X_00/(2*(X_00^2 + X_01^2)^(1/2))")
    numerators = [Fraction(c).numerator for c in base.terms.values()]
    denominators = [Fraction(c).denominator for c in base.terms.values()]
    content = Fraction(gcd(*numerators), lcm(*denominators))
    primitive = Poly({m: normalize(Fraction(c) / content) for m, c in base.terms.items()})
    return simplify(number_power(content, exponent) * Poly({(Radical(primitive, exponent),): 1}))


def _as_power(atom: Atom) -> tuple[Poly, Fraction]:
    if isinstance(atom, Radical):
        return atom.base, atom.exponent
    if isinstance(atom, Symbol):
        return Poly.lift(atom), Fraction(1)
    raise RootError("only roots of the problem's names and numbers are accepted here")


def simplify(poly: Poly) -> Poly:
    """Merge the powers of the same base in every monomial: whole exponents ≥ 0 become
    polynomials again, 0 disappears, the rest are :class:`Radical`."""
    if not any(isinstance(a, Radical) for m in poly.terms for a in m):
        return poly
    parts, kept = [], {}
    for monomial, coefficient in poly.terms.items():
        if _is_merged(monomial):
            kept[monomial] = coefficient
            continue
        totals: dict[tuple, list] = {}
        for atom in monomial:
            base, exponent = _as_power(atom)
            entry = totals.setdefault(poly_key(base), [base, Fraction(0)])
            entry[1] += exponent
        factors = [Poly.lift(coefficient)]
        for base, exponent in totals.values():
            if exponent.denominator == 1 and exponent >= 0:
                for _ in range(exponent.numerator):
                    factors.append(base)
            elif base.is_number:
                factors.append(number_power(Fraction(base.number), exponent))
            else:
                factors.append(Poly({(Radical(base, exponent),): 1}))
        product = Poly.lift(1)
        for factor in factors:
            product = product * factor
        parts.append(product)
    return poly_sum([Poly(kept), *parts])


def _is_merged(monomial: Monomial) -> bool:
    """Nothing to merge (the common case): no two factors share a base and every root's exponent
    is negative or not whole."""
    radicals = [a for a in monomial if isinstance(a, Radical)]
    if not radicals:
        return True
    bases = [a._key[2] for a in radicals]
    symbol_bases = {(((s._key,), 1),) for s in monomial if isinstance(s, Symbol)}
    return (len(set(bases)) == len(bases) and not symbol_bases.intersection(bases)
            and all(a.exponent.denominator > 1 or a.exponent < 0 for a in radicals))
