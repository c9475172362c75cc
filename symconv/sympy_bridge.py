"""sympy objects from exact polynomials, built only when a user asks for them.

Symbols are named by the entries' plain identifiers (``d1``, ``X_0_1``, ``dL_dY_0_0``), so
``str()`` of the result reads like the JSON ``expr`` field.
"""

from __future__ import annotations

from fractions import Fraction

import sympy

from .poly import Poly, Symbol


def to_sympy(poly: Poly, cache: dict | None = None) -> sympy.Expr:
    cache = {} if cache is None else cache

    def symbol(s: Symbol):
        if s not in cache:
            cache[s] = sympy.Symbol(s.tensor.plain_name(s.flat))
        return cache[s]

    def number(c):
        return sympy.Rational(c.numerator, c.denominator) if isinstance(c, Fraction) else sympy.Integer(c)

    return sympy.Add(*[sympy.Mul(number(c), *[symbol(s) for s in monomial])
                       for monomial, c in poly.terms.items()])


def polys_to_sympy(polys: list[Poly], shape: tuple[int, ...]):
    """A ``Matrix`` for at most two axes (a 1-D tensor is a column), else an ``Array``."""
    cache: dict = {}
    items = [to_sympy(p, cache) for p in polys]
    if len(shape) <= 2:
        rows = shape[0] if shape else 1
        return sympy.Matrix(rows, len(items) // rows, items)
    return sympy.Array(items, shape)
