"""Exact polynomials over tensor entries.

Gradients of convolution layers are polynomials in the entries of the input, the weights and the
upstream gradient, so a dictionary ``monomial -> coefficient`` is an exact, canonical form: two
expressions are equal exactly when their dictionaries are. Coefficients are ``int`` or
``fractions.Fraction``; a monomial is a sorted tuple of :class:`Symbol` (repeated for powers).

This is deliberately tiny and fast (no sympy): the derivation, the closed-form route and the answer
checker all meet here, and sympy objects are built only when a user asks for them.
"""

from __future__ import annotations

from fractions import Fraction
from numbers import Rational
from typing import Callable, Iterable

Number = int | Fraction


def normalize(value: Rational) -> Number:
    """``Fraction(4, 2)`` -> ``2``: integers stay ``int`` so they print and compare plainly."""
    if isinstance(value, Fraction) and value.denominator == 1:
        return value.numerator
    return value


class Symbol:
    """One entry of a tensor, e.g. ``W[0, 1]``; ordered by (tensor rank, flat index)."""

    __slots__ = ("tensor", "flat", "_key")

    def __init__(self, tensor, flat: int):
        self.tensor = tensor
        self.flat = flat
        self._key = (tensor.rank, flat)

    def __eq__(self, other):
        return isinstance(other, Symbol) and self._key == other._key

    def __hash__(self):
        return hash(self._key)

    def __lt__(self, other):
        return self._key < other._key

    def __repr__(self):
        return f"Symbol({self.tensor.plain_name(self.flat)})"


Monomial = tuple[Symbol, ...]


def _accumulate(terms: dict, monomial: Monomial, coefficient: Number) -> None:
    """``terms[monomial] += coefficient``, dropping the monomial when it cancels."""
    total = normalize(terms.get(monomial, 0) + coefficient)
    if total:
        terms[monomial] = total
    else:
        terms.pop(monomial, None)


class Poly:
    """A polynomial with exact rational coefficients; immutable by convention."""

    __slots__ = ("terms",)

    def __init__(self, terms: dict[Monomial, Number] | None = None):
        self.terms: dict[Monomial, Number] = terms or {}

    @classmethod
    def lift(cls, value: "Poly | Number | Symbol") -> "Poly":
        if isinstance(value, Poly):
            return value
        if isinstance(value, Symbol):
            return cls({(value,): 1})
        value = normalize(Fraction(value)) if not isinstance(value, int) else value
        return cls({(): value} if value else {})

    # -- arithmetic -------------------------------------------------------------------------------
    def __add__(self, other):
        other = Poly.lift(other)
        if not other.terms:
            return self
        terms = dict(self.terms)
        for monomial, coefficient in other.terms.items():
            _accumulate(terms, monomial, coefficient)
        return Poly(terms)

    __radd__ = __add__

    def __neg__(self):
        return Poly({m: -c for m, c in self.terms.items()})

    def __sub__(self, other):
        return self + (-Poly.lift(other))

    def __rsub__(self, other):
        return Poly.lift(other) - self

    def __mul__(self, other):
        other = Poly.lift(other)
        terms: dict[Monomial, Number] = {}
        for m1, c1 in self.terms.items():
            for m2, c2 in other.terms.items():
                _accumulate(terms, tuple(sorted(m1 + m2)) if m1 and m2 else (m1 or m2), c1 * c2)
        return Poly(terms)

    __rmul__ = __mul__

    def __eq__(self, other):
        if isinstance(other, (Poly, Symbol, int, Fraction)):
            return self.terms == Poly.lift(other).terms
        return NotImplemented

    __hash__ = None  # mutable-looking container semantics; compare, don't hash

    # -- inspection -------------------------------------------------------------------------------
    @property
    def is_number(self) -> bool:
        return all(not monomial for monomial in self.terms)

    @property
    def number(self) -> Number:
        """The value of a constant polynomial (0 for the empty one)."""
        if not self.is_number:
            raise ValueError("polynomial is not a number")
        return self.terms.get((), 0)

    def sorted_terms(self) -> list[tuple[Monomial, Number]]:
        """Monomials in reading order: by their symbols (upstream first), constants last."""
        return sorted(self.terms.items(), key=lambda item: (not item[0], item[0]))

    def symbols(self) -> set[Symbol]:
        return {symbol for monomial in self.terms for symbol in monomial}

    def evaluate(self, value_of: Callable[[Symbol], float]) -> float:
        total = 0
        for monomial, coefficient in self.terms.items():
            product = coefficient
            for symbol in monomial:
                product = product * value_of(symbol)
            total = total + product
        return total

    def __repr__(self):
        return f"Poly({self.sorted_terms()!r})"


def poly_sum(items: Iterable["Poly | Number | Symbol"]) -> Poly:
    """Sum many items with one dictionary instead of one per addition."""
    terms: dict[Monomial, Number] = {}
    for item in items:
        for monomial, coefficient in Poly.lift(item).terms.items():
            terms[monomial] = terms.get(monomial, 0) + coefficient
    return Poly({m: normalize(c) for m, c in terms.items() if c})


def product_of(factors: Iterable["Number | Symbol"]) -> Poly:
    """The monomial ``c * s1 * s2 ...`` of numbers and symbols, without general multiplication."""
    coefficient: Number = 1
    symbols: list[Symbol] = []
    for factor in factors:
        if isinstance(factor, Symbol):
            symbols.append(factor)
        else:
            coefficient = coefficient * factor
    coefficient = normalize(Fraction(coefficient)) if not isinstance(coefficient, int) else coefficient
    return Poly({tuple(sorted(symbols)): coefficient} if coefficient else {})
