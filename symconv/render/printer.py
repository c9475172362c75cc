"""The printer base: dispatch on the type of the derivation's data, like sympy's printers.

``printer.doprint(obj)`` calls ``_print_<Class>`` for the first class in ``type(obj).__mro__``
that has one. A format is one subclass in its own module; every sub-part is printed through the
same printer, so a symbol looks the same in a term, a sum or a matrix.
"""

from __future__ import annotations

from fractions import Fraction

from ..layers.base import IsMax, IsPositive, LpFactor
from ..poly import Poly, Symbol, normalize, product_of


class Printer:
    """Base printer: subclasses define ``_print_<Class>`` methods and the pieces below."""

    times = "*"
    power = "**"
    minus = "-"

    def doprint(self, obj) -> str:
        for cls in type(obj).__mro__:
            method = getattr(self, f"_print_{cls.__name__}", None)
            if method is not None:
                return method(obj)
        raise TypeError(f"{type(self).__name__} cannot print {type(obj).__name__}")

    # -- numbers and polynomials, shared by every format --------------------------------------
    def _print_int(self, number: int) -> str:
        return str(number)

    def _print_Fraction(self, number: Fraction) -> str:
        return f"{number.numerator}/{number.denominator}"

    def coefficient(self, number, has_symbols: bool) -> str:
        """``number`` as the leading factor of a monomial (nothing for 1 when symbols follow)."""
        if has_symbols and number == 1:
            return ""
        return self.doprint(number) + (self.times if has_symbols else "")

    def symbol_name(self, symbol) -> str:
        """``doprint(symbol)``, remembered: a solution prints the same few names many times."""
        names = self.__dict__.setdefault("_symbol_names", {})
        key = (id(symbol.tensor), symbol.flat) if isinstance(symbol, Symbol) else None
        if key is None:
            return self.doprint(symbol)
        if key not in names:
            names[key] = self.doprint(symbol)
        return names[key]

    def monomial(self, symbols: tuple[Symbol, ...]) -> str:
        parts, i = [], 0
        while i < len(symbols):
            j = i
            while j < len(symbols) and symbols[j] == symbols[i]:
                j += 1
            name = self.symbol_name(symbols[i])
            parts.append(name if j - i == 1 else f"{name}{self.power}{j - i}")
            i = j
        return self.times.join(parts)

    def _print_Poly(self, poly: Poly) -> str:
        text = ""
        for monomial, coefficient in poly.sorted_terms():
            negative = coefficient < 0
            body = self.coefficient(abs(coefficient), bool(monomial)) + self.monomial(monomial)
            if not text:
                text = (self.minus if negative else "") + body
            else:
                text += f" {self.minus} " if negative else " + "
                text += body
        return text or "0"

    def _print_Sum(self, node) -> str:
        """A document's written-out sum (render.document.Sum), in any format."""
        return " + ".join(self.doprint(t) for t in node.terms) if node.terms else "0"

    # -- local derivatives that are not polynomials (layers.base), shared by every format ---------
    def _print_IsMax(self, factor: IsMax) -> str:
        window = ", ".join(self.doprint(entry) for entry in factor.window)
        return f"[{self.doprint(factor.entry)} = max({window})]"

    def _print_IsPositive(self, factor: IsPositive) -> str:
        return f"[{self.doprint(factor.entry)} > 0]"

    def _print_Radical(self, factor) -> str:
        """A root or division read from an answer (answers.roots): ``(X_00^2 + X_01^2)^(-1/2)``."""
        (monomial, coefficient), *more = factor.base.terms.items()
        bare = not more and (len(monomial) == 1 and coefficient == 1  # one name: x^(1/2)
                             or not monomial and isinstance(coefficient, int) and coefficient > 0)
        base = self.doprint(factor.base) if bare else f"({self.doprint(factor.base)})"
        return f"{base}{self.power}({self.doprint(normalize(factor.exponent))})"

    def _print_LpFactor(self, factor: LpFactor) -> str:
        """``x^(p−1)·(Σ x^p / N)^(1/p − 1)/N``, e.g. ``X_00·((X_00^2 + X_01^2)/2)^(-1/2)/2``."""
        power_sum = factor.power_sum
        if power_sum.is_number:
            inner = self.doprint(normalize(Fraction(power_sum.number) / factor.divisor))
        elif factor.divisor == 1:
            inner = self.doprint(power_sum)
        else:
            inner = self.over(self.doprint(power_sum), factor.divisor, grouped=True)
        base = self.doprint(product_of([factor.entry] * (factor.p - 1)))
        text = self.power_of_group(base, inner, self.doprint(factor.exponent))
        return self.over(text, factor.divisor, grouped=False) if factor.divisor > 1 else text

    def over(self, text: str, divisor: int, *, grouped: bool) -> str:
        """``text`` divided by a whole number (``grouped``: ``text`` is a sum, so bracket it)."""
        return f"({text})/{divisor}" if grouped else f"{text}/{divisor}"

    def power_of_group(self, factor: str, group: str, exponent: str) -> str:
        """``factor·(group)^(exponent)``; a factor of 1 is left out."""
        if factor == "1":
            return f"({group}){self.power}({exponent})"
        if factor.startswith(self.minus):
            factor = f"({factor})"
        return f"{factor}{self.times}({group}){self.power}({exponent})"


class PlainPrinter(Printer):
    """Plain identifiers with ``* + - / **``: ``d1*w2 + d2*w1`` (JSON ``expr``, sympy names)."""

    def _print_Symbol(self, symbol: Symbol) -> str:
        return symbol.tensor.plain_name(symbol.flat)


def plain(obj) -> str:
    return PlainPrinter().doprint(obj)
