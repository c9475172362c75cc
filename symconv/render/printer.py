"""The printer base: dispatch on the type of the data, like sympy's printers.

``printer.doprint(obj)`` calls ``_print_<Class>`` for the first class in ``type(obj).__mro__``
that has one; an object the printer has no method for but that says how it is written
(``obj.notation()``: the non-polynomial factors of the layer types, which live outside
:mod:`symconv.render`) is printed as that. A format is one subclass in its own module; every sub-part
is printed through the same printer, so a symbol looks the same in a term, a sum or a matrix.

A printer takes its settings when it is made, as sympy's do: the loss's name, then the settings its
class lists in :attr:`Printer.default_settings` (LaTeX's ``fragment``, Markdown's
``figure_files``); an unknown one is refused with the valid ones named.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Callable

import numpy as np

from ..core.document import Bracket, Call, Concat, Formula, Group, Power, Product, Quotient, Root, Sum
from ..core.poly import Atom, Poly, Symbol
from ..core.tensors import Tensor
from .names import entry_text, plain_names


class Printer:
    """Base printer: subclasses define ``_print_<Class>`` methods and the pieces below."""

    times = "*"
    power = "**"
    minus = "-"
    #: the format's speller of entry names (:mod:`.names`): every entry of a tensor at once
    spell: Callable[..., np.ndarray]
    #: the settings this printer takes besides the loss, and their defaults (a subclass adds its own)
    default_settings: dict[str, object] = {}

    def __init__(self, loss: str = "L", **settings: object) -> None:
        unknown = sorted(set(settings) - set(self.default_settings))
        if unknown:
            valid = ", ".join(sorted(self.default_settings)) or "none besides the loss"
            raise TypeError(f"{type(self).__name__} has no setting {unknown[0]!r}; its settings:"
                            f" {valid}")
        self.loss = loss
        self.settings = {**self.default_settings, **settings}

    def doprint(self, obj: object) -> str:
        for cls in type(obj).__mro__:
            method = getattr(self, f"_print_{cls.__name__}", None)
            if method is not None:
                return method(obj)
        notation = getattr(obj, "notation", None)
        if notation is not None:
            return self.doprint(notation())
        raise TypeError(f"{type(self).__name__} cannot print {type(obj).__name__}")

    # -- numbers and polynomials, shared by every format --------------------------------------
    def _print_int(self, number: int) -> str:
        return str(number)

    def _print_Fraction(self, number: Fraction) -> str:
        return f"{number.numerator}/{number.denominator}"

    def _print_Symbol(self, symbol: Symbol) -> str:
        return self.entry_name(symbol.tensor, symbol.flat)

    def entry_name(self, tensor: Tensor, flat: int) -> str:
        """Entry ``flat``'s name, as :attr:`spell` writes the whole tensor's."""
        return entry_text(tensor, flat, self.spell)

    def coefficient(self, number: object, has_symbols: bool) -> str:
        """``number`` as the leading factor of a monomial (nothing for 1 when symbols follow)."""
        if has_symbols and number == 1:
            return ""
        return self.doprint(number) + (self.times if has_symbols else "")

    def symbol_name(self, atom: Atom) -> str:
        """``doprint(atom)``, remembered by the atom's key: a solution prints the same few names
        many times."""
        names = self.__dict__.setdefault("_symbol_names", {})
        if atom._key not in names:
            names[atom._key] = self.doprint(atom)
        return names[atom._key]

    def monomial(self, symbols: tuple[Atom, ...]) -> str:
        """The symbols (sorted, so repeats are neighbours) as a product, a repeated one raised."""
        parts, i = [], 0
        while i < len(symbols):
            j = i
            while j < len(symbols) and symbols[j] == symbols[i]:
                j += 1
            name = self.symbol_name(symbols[i])
            parts.append(name if j - i == 1 else self.raised(name, j - i))
            i = j
        return self.times.join(parts)

    def raised(self, name: str, count: int) -> str:
        return f"{name}{self.power}{count}"

    def _print_Poly(self, poly: Poly) -> str:
        """Remembered by value: a document measures its cells and equations before it prints
        them, so each is printed several times."""
        printed = self.__dict__.setdefault("_polys", {})
        key = poly.key
        if key not in printed:
            printed[key] = self.poly_text(poly)
        return printed[key]

    def poly_text(self, poly: Poly) -> str:
        text = ""
        for monomial, coefficient in poly.sorted_terms():
            text += self.lead(abs(coefficient), bool(monomial), coefficient < 0, not text)
            text += self.monomial(monomial)
        return text or "0"

    def lead(self, magnitude: object, has_symbols: bool, negative: bool, first: bool) -> str:
        """A term of a sum up to its symbols: the sign (`` + ``, `` - ``; a first term's ``-``
        only) and the coefficient (see :meth:`coefficient`)."""
        sign = (self.minus if negative else "") if first else f" {self.minus} " if negative else " + "
        return sign + self.coefficient(magnitude, has_symbols)

    # -- document math shared by every format --------------------------------------------------
    def _print_Sum(self, node: Sum) -> str:
        """A document's written-out sum, in any format."""
        return " + ".join(self.doprint(t) for t in node.terms) if node.terms else "0"

    def _print_Formula(self, formula: Formula) -> str:
        return formula.text

    def _print_Concat(self, node: Concat) -> str:
        return "".join(self.doprint(part) for part in node.parts)

    def _print_Call(self, node: Call) -> str:
        return f"{node.name}({', '.join(self.doprint(a) for a in node.args)})"

    def _print_Group(self, node: Group) -> str:
        return f"({self.doprint(node.inner)})"

    def _print_Bracket(self, node: Bracket) -> str:
        return f"[{self.doprint(node.inner)}]"

    def product_factor(self, node: object) -> str:
        """A factor of a product: set in parentheses when it prints with a leading minus."""
        text = self.doprint(node)
        return f"({text})" if text.startswith(self.minus) else text

    def _print_Product(self, node: Product) -> str:
        return self.times.join(self.product_factor(f) for f in node.factors)

    def _print_Power(self, node: Power) -> str:
        return f"{self.doprint(node.base)}{self.power}({self.doprint(node.exponent)})"

    def _print_Root(self, node: Root) -> str:
        return self.root(self.doprint(node.radicand), node.degree,
                         divided=isinstance(node.radicand, Quotient))

    def root(self, text: str, p: int, *, divided: bool) -> str:
        """The ``p``-th root of the printed radicand (``divided``: a fraction, stacked where the
        format stacks them); each format writes roots its own way."""
        return f"({text}){self.power}(1/{p})"

    def _print_Quotient(self, node: Quotient) -> str:
        numerator = self.doprint(node.numerator)
        if is_sum(node.numerator):
            numerator = f"({numerator})"
        return f"{numerator}/{self.doprint(node.denominator)}"


def is_sum(node: object) -> bool:
    """Whether a node prints as several terms (so it needs parentheses before ``/``)."""
    return isinstance(node, Poly) and len(node.terms) > 1 or isinstance(node, Sum)


class PlainPrinter(Printer):
    """Plain identifiers with ``* + - / **``: ``d1*w2 + d2*w1`` (JSON ``expr``, sympy names)."""

    spell = staticmethod(plain_names)


def plain(obj: object) -> str:
    return PlainPrinter().doprint(obj)
