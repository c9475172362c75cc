"""Exact polynomials over tensor entries.

Gradients of convolution layers are polynomials in the entries of the input, the weights and the
upstream gradient, so a dictionary ``monomial -> coefficient`` is an exact, canonical form: two
expressions are equal exactly when their dictionaries are. Coefficients are ``int`` or
``fractions.Fraction``; a monomial is a sorted tuple of :class:`Atom` (repeated for powers).

An atom is a :class:`Symbol` (one tensor entry) or an opaque factor that is not a polynomial:
the indicator ``[x = max(window)]`` of max pooling, ``[x > 0]`` of ReLU, LP pooling's root, each
defined by its layer type in :mod:`symconv.layers`. Such factors are compared by their content
and sort after every symbol, so ``∂L/∂Z_00·[C_00 = max(…)]`` reads upstream first. Every atom
says how it is written (:meth:`Atom.notation`, in the vocabulary of :mod:`symconv.core.document`), what
it is in sympy and, when it has one, its exact value as a root of a polynomial; printers, the
sympy bridge and the answer checker ask the atom and never test its class.

This is deliberately tiny and fast (no sympy): the derivation, the closed-form route and the answer
checker all meet here, and sympy objects are built only when a user asks for them.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable, Iterable

from .presentation import Presentable

Number = int | Fraction


def normalize(value: Number) -> Number:
    """``Fraction(4, 2)`` -> ``2``: integers stay ``int`` so they print and compare plainly."""
    if isinstance(value, Fraction) and value.denominator == 1:
        return value.numerator
    return value


class Atom(Presentable):
    """A factor of a monomial, identified, hashed and ordered by ``_key`` (a tuple); shown as
    mathematics (``B_11``, ``[C_11 = max(…)]``) by the printers (:mod:`symconv.core.presentation`)."""

    __slots__ = ("_key",)
    _key: tuple[Any, ...]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Atom) and self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __lt__(self, other: Atom) -> bool:
        return bool(self._key < other._key)

    def value(self, value_of: Callable[["Symbol"], float]) -> float:
        """The number this atom stands for, given a value for every symbol."""
        raise NotImplementedError

    def free_symbols(self) -> tuple["Symbol", ...]:
        """The tensor entries this atom depends on (none: it is a number in disguise)."""
        raise NotImplementedError

    def notation(self) -> object:
        """How the atom is written: a node of :mod:`symconv.core.document` (its entries as symbols)."""
        raise NotImplementedError

    def to_sympy(self, entry: Callable[["Number | Symbol"], Any]) -> Any:
        """The sympy expression, with ``entry(e)`` giving the sympy form of each entry it reads."""
        raise NotImplementedError

    def remark(self) -> tuple[Any, ...]:
        """Words (and math nodes) for a reader who sees this factor's value and might misread it:
        a tied maximum whose indicator is 0. Empty when there is nothing to say."""
        return ()

    def exact_form(self) -> "Poly | None":
        """The same value written with roots (:mod:`symconv.core.radicals`) that an answer can state,
        or None when answers cannot write it (an indicator, which is 0 or 1 by the values)."""
        return None


class Symbol(Atom):
    """One entry of a tensor, e.g. ``W[0, 1]``; ordered by (tensor rank, flat index)."""

    __slots__ = ("tensor", "flat", "_hash")

    def __init__(self, tensor: Any, flat: int):
        self.tensor = tensor  # a symconv.core.tensors.Tensor (which imports this module)
        self.flat = flat
        self._key = (tensor.rank, flat)
        self._hash = hash(self._key)  # symbols key every polynomial's dict: hash once

    def __hash__(self) -> int:
        return self._hash

    def value(self, value_of: Callable[[Symbol], float]) -> float:
        return value_of(self)

    def free_symbols(self) -> tuple[Symbol, ...]:
        return (self,)

    def notation(self) -> "Symbol":
        return self


# Keys of non-symbol atoms start with this, so they sort after every tensor entry.
FACTOR_RANK = 1 << 30


def entry_key(entry: "Number | Symbol") -> tuple[Any, ...]:
    """A sortable key for a tensor entry that may be a number (numbers first)."""
    return entry._key if isinstance(entry, Symbol) else (-1, entry)


Monomial = tuple[Atom, ...]


def _accumulate(terms: dict[Monomial, Number], monomial: Monomial, coefficient: Number) -> None:
    """``terms[monomial] += coefficient``, dropping the monomial when it cancels."""
    total = normalize(terms.get(monomial, 0) + coefficient)
    if total:
        terms[monomial] = total
    else:
        terms.pop(monomial, None)


class Poly(Presentable):
    """A polynomial with exact rational coefficients; immutable by convention. It prints as
    mathematics in display names (``B_11 + B_12``), LaTeX in a notebook."""

    __slots__ = ("terms", "_ordered", "_key")

    def __init__(self, terms: dict[Monomial, Number] | None = None, *, ordered: bool = False):
        self.terms: dict[Monomial, Number] = terms or {}
        self._ordered = ordered  # the terms are in reading order already (see sorted_terms)
        self._key: frozenset[tuple[Monomial, Number]] | None = None

    @classmethod
    def lift(cls, value: "Poly | Number | Atom") -> "Poly":
        if isinstance(value, Poly):
            return value
        if isinstance(value, Atom):
            return cls({(value,): 1})
        value = normalize(Fraction(value)) if not isinstance(value, int) else value
        return cls({(): value} if value else {})

    # -- arithmetic -------------------------------------------------------------------------------
    def __add__(self, other: Poly | Number | Atom) -> Poly:
        other = Poly.lift(other)
        if not other.terms:
            return self
        if not self.terms:
            return other
        terms = dict(self.terms)
        for monomial, coefficient in other.terms.items():
            if monomial in terms:
                _accumulate(terms, monomial, coefficient)
            else:  # a new monomial: nothing to cancel
                terms[monomial] = coefficient
        return Poly(terms)

    __radd__ = __add__

    def __neg__(self) -> Poly:
        return Poly({m: -c for m, c in self.terms.items()})

    def __sub__(self, other: Poly | Number | Atom) -> Poly:
        return self + (-Poly.lift(other))

    def __rsub__(self, other: Poly | Number | Atom) -> Poly:
        return Poly.lift(other) - self

    def __mul__(self, other: Poly | Number | Atom) -> Poly:
        other = Poly.lift(other)
        if len(self.terms) == 1 and len(other.terms) == 1:  # a monomial times a monomial: most products
            [(m1, c1)], [(m2, c2)] = self.terms.items(), other.terms.items()
            c = c1 * c2
            if not c:
                return Poly()
            monomial: Monomial
            if len(m1) == 1 and len(m2) == 1:  # x·w: two atoms in order
                monomial = m1 + m2 if m1[0]._key <= m2[0]._key else m2 + m1
            else:
                monomial = tuple(sorted(m1 + m2)) if m1 and m2 else (m1 or m2)
            return Poly({monomial: normalize(c)})
        terms: dict[Monomial, Number] = {}
        for m1, c1 in self.terms.items():
            for m2, c2 in other.terms.items():
                _accumulate(terms, tuple(sorted(m1 + m2)) if m1 and m2 else (m1 or m2), c1 * c2)
        return Poly(terms)

    __rmul__ = __mul__

    def __eq__(self, other: object) -> bool:
        if other is self:
            return True
        if isinstance(other, (Poly, Atom, int, Fraction)):
            return self.terms == Poly.lift(other).terms
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # a container that compares by value: no hash

    @property
    def key(self) -> frozenset[tuple[Monomial, Number]]:
        """The value as a hashable key, for a cache of what is computed from a polynomial (made
        once: a document prints and measures the same polynomial several times)."""
        if self._key is None:
            self._key = frozenset(self.terms.items())
        return self._key

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
        """Monomials in reading order: by their symbols (upstream first), constants last. The
        terms are put in that order once (the same polynomial, its dictionary reordered), as a
        document prints and measures a polynomial several times."""
        if not self._ordered:
            self.terms = dict(sorted(self.terms.items(), key=lambda item: (not item[0], item[0])))
            self._ordered = True
        return list(self.terms.items())

    def symbols(self) -> set[Atom]:
        return {symbol for monomial in self.terms for symbol in monomial}

    def approximate(self) -> float | None:
        """A float for a polynomial without free symbols whose atoms are numbers in disguise
        (an LP root of numbers); None when it depends on symbols."""
        if any(atom.free_symbols() for monomial in self.terms for atom in monomial):
            return None
        return float(self.evaluate(no_symbols))

    def evaluate(self, value_of: Callable[[Symbol], Any]) -> Any:
        """The value with ``value_of(symbol)`` for every symbol (numbers, floats, sympy objects)."""
        total: Any = 0
        for monomial, coefficient in self.terms.items():
            product: Any = coefficient
            for atom in monomial:
                product = product * atom.value(value_of)
            total = total + product
        return total


def no_symbols(symbol: "Symbol") -> float:
    raise ValueError(f"{symbol!r} has no value here")


def poly_sum(items: Iterable["Poly | Number | Atom"]) -> Poly:
    """Sum many items with one dictionary instead of one per addition."""
    terms: dict[Monomial, Number] = {}
    for item in items:
        for monomial, coefficient in Poly.lift(item).terms.items():
            terms[monomial] = terms.get(monomial, 0) + coefficient
    return Poly({m: normalize(c) for m, c in terms.items() if c})


def product_of(factors: Iterable["Number | Atom"]) -> Poly:
    """The monomial ``c * s1 * s2 ...`` of numbers and atoms, without general multiplication."""
    coefficient: Number = 1
    symbols: list[Atom] = []
    for factor in factors:
        if isinstance(factor, Atom):
            symbols.append(factor)
        else:
            coefficient = coefficient * factor
    coefficient = normalize(Fraction(coefficient)) if not isinstance(coefficient, int) else coefficient
    return Poly({tuple(sorted(symbols)): coefficient} if coefficient else {})
