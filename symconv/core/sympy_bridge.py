"""sympy objects from exact polynomials, built only when a user asks for them.

Symbols are named by the entries' plain identifiers (``d1``, ``X_0_1``, ``dL_dY_0_0``), so
``str()`` of the result reads like the JSON ``expr`` field.
"""

from __future__ import annotations

from fractions import Fraction

import sympy

from .poly import Atom, Number, Poly, Symbol


def number(c: Number) -> sympy.Rational:
    return sympy.Rational(c.numerator, c.denominator) if isinstance(c, Fraction) else sympy.Integer(c)


def to_sympy(poly: Poly, cache: dict | None = None) -> sympy.Expr:
    """Each non-polynomial factor says what it is in sympy (:meth:`symconv.core.poly.Atom.to_sympy`):
    max pooling's indicator a ``Piecewise`` (the first maximum), ReLU's ``Heaviside(x, 0)``, LP's
    root a rational power."""
    cache = {} if cache is None else cache

    def entry(e: Number | Symbol) -> sympy.Expr:
        if not isinstance(e, Symbol):
            return number(e)
        if e not in cache:
            cache[e] = sympy.Symbol(e.tensor.plain_name(e.flat))
        return cache[e]

    def atom(a: Atom) -> sympy.Expr:
        return entry(a) if isinstance(a, Symbol) else a.to_sympy(entry)

    return sympy.Add(*[sympy.Mul(number(c), *[atom(s) for s in monomial])
                       for monomial, c in poly.terms.items()])


def polys_to_sympy(polys: list[Poly], shape: tuple[int, ...]) -> sympy.Matrix | sympy.Array:
    """A ``Matrix`` for at most two axes (a 1-D tensor is a column), else an ``Array``."""
    cache: dict = {}
    items = [to_sympy(p, cache) for p in polys]
    if len(shape) <= 2:
        rows = shape[0] if shape else 1
        return sympy.Matrix(rows, len(items) // rows, items)
    return sympy.Array(items, shape)
