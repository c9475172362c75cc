"""Reading one answer entry into an exact :class:`~symconv.core.poly.Poly`, without eval.

Answers are untrusted text, so this is a small tokenizer and recursive-descent parser that accepts
only numbers, the problem's declared names (every spelling, see :mod:`.names`), ``+ - * / ^ ( )``
(also ``**``, ``·``, ``×``, ``−``), the functions the problem's layer types declare
(``sigmoid(X_11)``, ``σ(X_11)``, ``\\operatorname{sigmoid}(X_{11})``; see
:class:`~symconv.layers.registry.AnswerFunction`) and the LaTeX ``\\frac{}{}``, ``\\cdot``,
``\\times``, ``\\left( \\right)``, braces and spacing commands. Grammar::

    sum     := ["+" | "-"] product (("+" | "-") product)*
    product := signed (("*" | "/" | nothing) signed)*       nothing = side by side: 2(d1 + d3)
    signed  := ("+" | "-")* power
    power   := atom [("^" | "**") exponent]                  exponent: a small whole number
    atom    := number | name | "(" sum ")" | "{" sum "}" | \\frac{sum}{sum} | function "(" sum ")"

The parser first builds a tree and works out, for every node, bounds on the degree, the number of
terms and the size of the coefficients; only when all are within :class:`Limits` does any
arithmetic happen. Every error is an :class:`EntryError` with the character position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache, reduce
from typing import Any, Callable, Mapping

from ..core.errors import AnswerError
from ..core.poly import Atom, Poly, Symbol, poly_sum
from ..core.radicals import RootError, power, simplify
from .names import AMBIGUOUS, NameTable, Reading, canonical, display_name


@dataclass(frozen=True)
class Limits:
    """Caps checked before any arithmetic (and, for characters, before tokenizing)."""

    entry_chars: int = 2_000
    depth: int = 40  # nested parentheses, fractions, signs and powers
    exponent: int = 8
    degree: int = 16
    terms: int = 20_000  # bound on the expanded number of terms
    digits: int = 40  # per number
    coefficient_bits: int = 4_096


DEFAULT_LIMITS = Limits()


class EntryError(AnswerError):
    """An entry that cannot be read; ``column`` is the 1-based character position."""

    def __init__(self, message: str, column: int, *, unknown_name: bool = False):
        self.column = column
        self.unknown_name = unknown_name
        super().__init__(f"{message} (at character {column})")


@dataclass(frozen=True)
class ParsedEntry:
    value: Poly
    inexact: bool  # a decimal was written: compare with a tolerance
    readings: tuple[Reading, ...] = ()


_NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_IDENT = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:_(?:[A-Za-z0-9]+|\{[A-Za-z0-9,\s]*\}))*")
_DIGITS = frozenset("0123456789")  # ASCII only: str.isdigit() also accepts ² and ١
_BRACELESS_DIGIT = re.compile(r"\s*([0-9])")
_SPACING = re.compile(r"\\(?:[,;:! ]|quad|qquad)")
_SYMBOL_OPS = {"+": "+", "-": "-", "\u2212": "-", "*": "*", "\u00b7": "*", "\u22c5": "*",
               "\u00d7": "*", "/": "/", "^": "^", "(": "(", ")": ")", "{": "{", "}": "}"}
_LATEX_OPS = {"cdot": "*", "times": "*", "ast": "*", "frac": "frac", "dfrac": "frac",
              "tfrac": "frac"}
_SYMPY_NAMES = {"E", "I", "N", "S", "O", "Q", "pi", "oo", "zoo"}
_NOT_NUMBERS = {"nan", "inf", "infinity"}
_OPERATORNAME = re.compile(r"\s*\{\s*([A-Za-z]+)\s*\}")
#: spelling -> the function's value at its argument (:class:`~symconv.layers.registry.AnswerFunction`)
Functions = Mapping[str, Callable[[Poly], Atom]]


@lru_cache(maxsize=8)
def _derivative_patterns(loss: str) -> tuple[re.Pattern, ...]:
    """``\\frac{\\partial L}{\\partial Y_{11}}``, ``∂L/∂Y_11``, ``dL/dY_11``; group 1 is the name."""
    d = r"(?:\\partial\s*|∂\s*|d)"
    loss = re.escape(loss)
    return (re.compile(rf"\\[dt]?frac\s*\{{\s*{d}{loss}\s*\}}\s*\{{\s*{d}\s*({_IDENT.pattern})\s*\}}"),
            re.compile(rf"{d}{loss}\s*/\s*{d}\s*({_IDENT.pattern})"))


class _Tokenizer:
    def __init__(self, text: str, names: NameTable, loss: str, limits: Limits, radicals: bool,
                 functions: Functions):
        self.text, self.names, self.limits, self.loss = text, names, limits, loss
        self.radicals, self.functions = radicals, functions
        self.tokens: list[tuple] = []  # (kind, value, column)
        self.readings: list[Reading] = []
        self.inexact = False
        self.derivative = _derivative_patterns(loss)

    def run(self) -> list[tuple]:
        text, i = self.text, 0
        while i < len(text):
            char = text[i]
            if char.isspace() or char == "$":
                i += 1
                continue
            derivative = self._derivative(i) if char in "\\∂d" else None
            if derivative:
                match, ident = derivative
                self._name(f"d{self.loss}_d{canonical(ident)}", match.group(0), i)
                i = match.end()
            elif char in _DIGITS or (char == "." and text[i + 1:i + 2] in _DIGITS):
                i = self._number(i)
            elif char.isascii() and char.isalpha():
                identifier = _IDENT.match(text, i)
                assert identifier is not None  # a letter always starts an identifier
                i = self._identifier(identifier.group(0), i, identifier.end())
            elif text.startswith("**", i):
                self.tokens.append(("op", "^", i + 1))
                i += 2
            elif char in _SYMBOL_OPS:
                kind = _SYMBOL_OPS[char]
                self.tokens.append(("op", kind, i + 1) if kind in "+-*/^" else (kind, None, i + 1))
                i += 1
            elif char == "\\":
                i = self._latex(i)
            elif (spelling := self._symbol_function(i)) is not None:
                self._call(spelling, i)
                i += len(spelling)
            else:
                raise EntryError(self._unexpected(i), i + 1)
        self.tokens.append(("end", None, len(text) + 1))
        return self.tokens

    def _derivative(self, i: int) -> tuple[re.Match[str], str] | None:
        for pattern in self.derivative:
            match = pattern.match(self.text, i)
            if match:
                return match, match.group(1)
        return None

    def _number(self, i: int) -> int:
        match = _NUMBER.match(self.text, i)
        assert match is not None  # called at a digit or at "." before one
        written = match.group(0)
        mantissa, _, exponent = written.lower().partition("e")
        digits = sum(c.isdigit() for c in mantissa)
        if digits > self.limits.digits:
            raise EntryError(f"a number with {digits} digits is over the limit of"
                             f" {self.limits.digits}; write it as a fraction or decimal, e.g. 1/3"
                             f" or 0.3333", i + 1)
        if exponent and abs(int(exponent)) > 30:
            raise EntryError(f"the number {written!r} has an exponent over 30; write it plainly", i + 1)
        end = match.end()
        follower = self.text[end:end + 1]
        if follower in ("O", "o", "l", "I") and not self.names.lookup(follower):
            guess = written + ("0" if follower in "Oo" else "1")
            raise EntryError(f"{written + follower!r} looks like a misread number (the letter"
                             f" {follower!r} after a digit); did you mean {guess}?", end + 1)
        if follower == ".":
            raise EntryError("'.' is not allowed here; write decimals as 0.5 (one point per number)",
                             end + 1)
        if "." in written or exponent:
            self.inexact = True
        self.tokens.append(("num", Fraction(written), i + 1))
        return end

    def _symbol_function(self, i: int) -> str | None:
        """The spelling of a function written in a symbol (``σ``) that starts at ``i``, if any."""
        return next((name for name in self.functions if not name[0].isascii()
                     and self.text.startswith(name, i)), None)

    def _call(self, name: str, start: int) -> None:
        self.tokens.append(("call", (name, self.functions[name], f"{name}({self.example()})"),
                            start + 1))

    def _identifier(self, written: str, start: int, end: int) -> int:
        call = self.text[end:].lstrip().startswith("(")
        if self.radicals and written == "sqrt" and not self.names.lookup(written):
            self.tokens.append(("sqrt", 2, start + 1))
            return end
        if call and written in self.functions:
            self._call(written, start)
            return end
        self._name(canonical(written), written, start, call=call)
        return end

    def _name(self, spelling: str, written: str, start: int, *, call: bool = False) -> None:
        column = start + 1
        entry = self.names.lookup(spelling)
        if entry is AMBIGUOUS:
            raise EntryError(f"{written[:30]!r} names more than one entry here; write it with"
                             f" underscores, e.g. {self.names.describe()}", column)
        if entry is not None:
            self.tokens.append(("name", entry, column))
            return
        ways = self.names.split(spelling)
        if len(ways) == 1:
            self.readings.append(Reading(written, ways[0]))
            for part in ways[0]:
                self.tokens.append(("name", self.names.lookup(part), column))
            return
        written = written if len(written) <= 30 else written[:30] + "…"  # keeps messages short
        if len(ways) > 1:
            options = " or ".join("·".join(way) for way in ways)
            raise EntryError(f"{written!r} can be read as {options}; separate the names with"
                             f" * or a space", column)
        raise EntryError(self._unknown(spelling, written, call), column, unknown_name=not call)

    def _unknown(self, spelling: str, written: str, call: bool) -> str:
        if written.lower() in _NOT_NUMBERS:
            return f"{written!r} is not a number symconv accepts; write a finite number such as 0.5"
        if call and self.functions:
            known = self.known_functions()
            return (f"unknown function {written}(…); the functions known here are"
                    f" {', '.join(f'{name}(…)' for name in known)}; e.g. {known[0]}({self.example()})")
        if call and self.radicals:  # (the practice page's script says the same: answers.js)
            return (f"function calls such as {written}(...) are not allowed, only sqrt(...); e.g."
                    f" X_00/(2*sqrt(X_00^2 + X_01^2))")
        if call:
            return (f"function calls such as {written}(...) are not allowed; write a polynomial,"
                    f" {self.names.right_form}")
        if re.fullmatch(r"[lIO][0-9]+", written):
            guess = {"l": "1", "I": "1", "O": "0"}[written[0]] + written[1:]
            return f"unknown name {written!r}: did you mean the number {guess}?"
        if written in _SYMPY_NAMES:
            return (f"unknown name {written!r}: symconv knows no constants such as E or I, only"
                    f" the problem's names ({self.names.describe()}) and numbers")
        return f"unknown name {written!r}; {self.names.suggestion(spelling)}"

    def known_functions(self) -> list[str]:
        return ["sqrt"] * self.radicals + list(self.functions)

    def example(self) -> str:
        """An entry of the problem in its display name, for the examples of messages."""
        return display_name(self.names.tensors[0], 0) if self.names.tensors else "2"

    def _latex(self, i: int) -> int:
        spacing = _SPACING.match(self.text, i)
        if spacing:
            return spacing.end()
        command = re.match(r"\\([A-Za-z]+)", self.text[i:i + 40])
        if command is None:
            raise EntryError(self._unexpected(i), i + 1)
        name, end = command.group(1), i + command.end()
        if name == "sqrt" and self.radicals:
            order = re.match(r"\s*\[\s*([2-9])\s*\]", self.text[end:end + 12])
            self.tokens.append(("sqrt", int(order.group(1)) if order else 2, i + 1))
            return end + (order.end() if order else 0)
        if "\\" + name in self.functions:
            self._call("\\" + name, i)
            return end
        if name == "operatorname":
            word = _OPERATORNAME.match(self.text, end)
            if word and word.group(1) in self.functions:
                self._call(word.group(1), i)
                return word.end()
            shown = f"\\operatorname{{{word.group(1)}}}" if word else "\\operatorname"
            known = ", ".join(self.known_functions()) or "none"
            raise EntryError(f"{shown} is not a function symconv knows here (known: {known})", i + 1)
        if name in _LATEX_OPS:
            kind = _LATEX_OPS[name]
            self.tokens.append(("op", kind, i + 1) if kind == "*" else ("frac", None, i + 1))
            return end if kind == "*" else self._braceless_arguments(end)
        if name in ("left", "right"):
            rest = self.text[end:].lstrip()
            bracket = rest[:1]
            if (name, bracket) in (("left", "("), ("right", ")")):
                self.tokens.append((bracket, None, i + 1))
                return len(self.text) - len(rest) + 1
            raise EntryError(f"only \\left( and \\right) are accepted here, got \\{name}{bracket}",
                             i + 1)
        raise EntryError(f"the LaTeX command \\{name} is not accepted here; use + - \\cdot"
                         f" \\frac{{}}{{}} ( ) ^ and names, {self.names.right_form}", i + 1)

    def _braceless_arguments(self, at: int) -> int:
        """LaTeX's ``\\frac14`` and ``\\frac1{4}``: an argument without braces is a single token,
        here one digit; it is read as if braced (``\\frac{1}{4}``)."""
        for _ in range(2):
            digit = _BRACELESS_DIGIT.match(self.text, at)
            if digit is None:
                break
            column = digit.start(1) + 1
            self.tokens += [("{", None, column), ("num", Fraction(digit.group(1)), column),
                            ("}", None, column)]
            at = digit.end()
        return at

    def _unexpected(self, i: int) -> str:
        text = self.text
        for sequence, message in (("__", "'__' is not allowed"), ("==", "'==' is not allowed"),
                                  ("\\\\", "'\\\\' ends a row; it cannot be inside an entry")):
            if text.startswith(sequence, i):
                return f"{message}; write only the value, {self.names.right_form}"
        char = text[i]
        if char in "<>=":
            return (f"comparisons and '=' are not allowed ({char!r}); write only the value,"
                    f" {self.names.right_form}")
        if char in "[]":
            return f"brackets {char!r} are not allowed inside an entry; use ( )"
        if char == ".":
            return "'.' is not allowed here; write decimals as 0.5"
        if char == "_":
            return "'_' must follow a name and come before its index, e.g. B_11"
        shown = char if char.isprintable() else ""
        return (f"unexpected character {shown!r} (U+{ord(char):04X}); write numbers, names and"
                f" + - * / ^ ( ), {self.names.right_form}").replace("'' ", "")


@dataclass
class _Node:
    """A parse-tree node with bounds on its expanded size, known before any arithmetic."""

    kind: str  # "num", "name", "sum", "product", "quotient", "power", "neg", "call"
    column: int
    degree: int
    terms: int
    bits: int
    value: Any = None  # the number or entry (num, name), the exponent (power), the function (call)
    children: tuple = ()


class _Parser:
    def __init__(self, tokens: list[tuple], limits: Limits, radicals: bool, right_form: str):
        self.tokens, self.limits, self.at, self.depth = tokens, limits, 0, 0
        self.right_form = right_form
        self.radicals = radicals  # roots, fractional and negative powers, division by sums

    # -- token helpers --------------------------------------------------------------------------
    def peek(self) -> tuple:
        return self.tokens[self.at]

    def take(self) -> tuple:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def is_op(self, *ops: str) -> bool:
        kind, value, _ = self.peek()
        return kind == "op" and value in ops

    def expect(self, kind: str, what: str) -> tuple:
        token = self.take()
        if token[0] != kind:
            raise EntryError(f"expected {what} here, found {self.describe(token)}", token[2])
        return token

    @staticmethod
    def describe(token: tuple) -> str:
        kind, value, _ = token
        if kind == "end":
            return "the end of the entry"
        if kind == "op":
            return f"{value!r}"
        if kind == "call":
            return f"{value[0]}(…)"
        return {"num": "a number", "name": "a name", "frac": "\\frac"}.get(kind, repr(kind))

    def enter(self, column: int) -> None:
        self.depth += 1
        if self.depth > self.limits.depth:
            raise EntryError(f"nested more than {self.limits.depth} levels deep (parentheses,"
                             f" fractions, signs); write it flatter, e.g. 2*(d1 + d3)", column)

    def check(self, node: _Node) -> _Node:
        limits = self.limits
        for size, limit, what in ((node.degree, limits.degree, "degree"),
                                  (node.terms, limits.terms, "number of terms"),
                                  (node.bits, limits.coefficient_bits, "coefficient size (bits)")):
            if size > limit:
                raise EntryError(f"this expression is too large: its {what} could reach {size:,},"
                                 f" over the limit of {limit:,}; write the expanded sum, e.g."
                                 f" d1*w2 + d2*w1", node.column)
        return node

    # -- grammar --------------------------------------------------------------------------------
    def entry(self) -> _Node:
        if self.peek()[0] == "end":
            raise EntryError(f"the entry is empty; write 0 for a zero entry, {self.right_form}", 1)
        node = self.sum()
        token = self.peek()
        if token[0] != "end":
            if token[0] == ")" or token[0] == "}":
                raise EntryError(f"unbalanced parentheses: {token[0]!r} without a matching opening"
                                 f" one; e.g. 2*(d1 + d3)", token[2])
            raise EntryError(f"unexpected {self.describe(token)}; is an operator missing?", token[2])
        return node

    def sum(self) -> _Node:
        column = self.peek()[2]
        items = [self.signed()]
        while self.is_op("+", "-"):
            op = self.take()
            item = self.signed()
            items.append(self.neg(item) if op[1] == "-" else item)
        if len(items) == 1:
            return items[0]
        return self.check(_Node("sum", column, max(n.degree for n in items),
                                sum(n.terms for n in items),
                                max(n.bits for n in items) + len(items).bit_length(),
                                children=tuple(items)))

    def neg(self, node: _Node) -> _Node:
        return _Node("neg", node.column, node.degree, node.terms, node.bits, children=(node,))

    def signed(self) -> _Node:
        negative = False
        while self.is_op("+", "-"):
            negative ^= self.take()[1] == "-"
        node = self.product()
        return self.neg(node) if negative else node

    def product(self) -> _Node:
        """Factors in a flat list (no deep trees for d1*d2*...*d9); ``/`` marks a divisor."""
        column = self.peek()[2]
        factors = [(self.power(), False)]
        while True:
            kind = self.peek()[0]
            divide = self.is_op("/")
            if divide or self.is_op("*"):
                self.take()
                factor = self.power_signed()
            elif kind in ("name", "(", "{", "frac", "sqrt", "call"):
                factor = self.power()  # side by side: 2(d1 + d3), d_1 w_2, \frac{1}{4} d_1
            elif kind == "num":
                raise EntryError("a number right after another factor; put * or + between them",
                                 self.peek()[2])
            else:
                break
            factors.append((factor, divide))
        return factors[0][0] if len(factors) == 1 else self.quotient(factors, column)

    def power_signed(self) -> _Node:
        """A factor after ``*`` or ``/`` may carry its own sign: ``d1*-d2``."""
        if self.is_op("+", "-"):
            self.enter(self.peek()[2])
            negative = self.take()[1] == "-"
            node = self.power_signed()
            self.depth -= 1
            return self.neg(node) if negative else node
        return self.power()

    def quotient(self, factors: list[tuple[_Node, bool]], column: int) -> _Node:
        """A product of factors, some of them divisors (which must be numbers)."""
        for node, divide in factors:
            if divide and node.degree and not self.radicals:
                raise EntryError("only division by a number is accepted (a gradient of a"
                                 " convolution is a polynomial); e.g. d1/4", node.column)
        terms = 1
        for node, divide in factors:
            terms *= 1 if divide else node.terms
            if terms > self.limits.terms:
                break
        return self.check(_Node("product", column, sum(n.degree for n, _ in factors), terms,
                                sum(n.bits for n, _ in factors), children=tuple(factors)))

    def power(self) -> _Node:
        base = self.atom()
        if not self.is_op("^"):
            return base
        caret = self.take()
        exponent = self.exponent(caret[2])
        if self.is_op("^"):
            raise EntryError("two powers in a row; add parentheses, e.g. (d1^2)^2", self.peek()[2])
        return self.raised(base, exponent)

    def raised(self, base: _Node, exponent: Fraction) -> _Node:
        """A power node; a root counts as its whole power rounded up for the size bounds."""
        whole = -(-abs(exponent.numerator) // exponent.denominator)
        return self.check(_Node("power", base.column, base.degree * whole, base.terms ** whole,
                                base.bits * whole, exponent, (base,)))

    def exponent(self, column: int) -> Fraction:
        close = {"(": ")", "{": "}"}.get(self.peek()[0])
        if close:
            self.take()
        negative = self.radicals and self.is_op("-") and self.take() is not None
        token = self.take()
        value = token[1]
        if self.radicals and close and token[0] == "num" and self.is_op("/"):
            self.take()
            denominator = self.take()
            if denominator[0] != "num" or denominator[1].denominator != 1 or denominator[1] == 0:
                value = None
            else:
                value = value / denominator[1]
        limit = self.limits.exponent
        if (token[0] != "num" or value is None or not 0 <= value <= limit
                or not (value.denominator == 1 or self.radicals and value.denominator <= limit)):
            allowed = (f"a whole number or fraction from -{limit} to {limit}, e.g. d1^2 or"
                       f" (X_00^2 + X_01^2)^(-1/2)" if self.radicals
                       else f"a whole number from 0 to {limit}, e.g. d1^2")
            raise EntryError(f"an exponent must be {allowed}",
                             token[2] if token[0] != "end" else column)
        if close:
            self.expect(close, f"{close!r}")
        return -value if negative else value

    def atom(self) -> _Node:
        kind, value, column = token = self.take()
        if kind == "num":
            return _Node("num", column, 0, 1, _bits(value), value)
        if kind == "name":
            if isinstance(value, Symbol):
                return _Node("name", column, 1, 1, 1, value)
            number = Fraction(value)
            return _Node("num", column, 0, 1, _bits(number), number)
        if kind in ("(", "{"):
            self.enter(column)
            node = self.sum()
            close = ")" if kind == "(" else "}"
            if self.peek()[0] != close:
                raise EntryError(f"unbalanced parentheses: {kind!r} at character {column} is not"
                                 f" closed; e.g. 2*(d1 + d3)", self.peek()[2])
            self.take()
            self.depth -= 1
            node.column = column  # a group is reported where it opens
            return node
        if kind == "sqrt":
            if self.peek()[0] not in ("(", "{"):
                raise EntryError("expected ( or { after the root, e.g. \\sqrt{X_00^2 + X_01^2}",
                                 self.peek()[2])
            return self.raised(self.atom(), Fraction(1, value))
        if kind == "call":
            return self.call(value, column)
        if kind == "frac":
            self.enter(column)
            parts = []
            for which in ("numerator", "denominator"):
                self.expect("{", "{ after \\frac (\\frac{1}{4})")
                parts.append(self.sum())
                self.expect("}", f"}} closing the {which} of \\frac")
            self.depth -= 1
            return self.quotient([(parts[0], False), (parts[1], True)], column)
        raise EntryError(f"expected a number, a name or '(' here, found {self.describe(token)}",
                         column)

    def call(self, function: tuple[str, Callable[[Poly], Atom], str], column: int) -> _Node:
        """``sigmoid(…)``: its value is one factor (see
        :class:`~symconv.layers.registry.AnswerFunction`), whatever the argument's size."""
        if self.peek()[0] != "(":
            raise EntryError(f"expected ( after {function[0]}, e.g. {function[2]}", self.peek()[2])
        argument = self.atom()
        return _Node("call", column, 1, 1, 1, function, (argument,))


def _bits(number: Fraction) -> int:
    return number.numerator.bit_length() + number.denominator.bit_length()


def _evaluate(node: _Node) -> Poly:
    try:
        return _evaluate_node(node)
    except RootError as error:
        raise EntryError(f"{error}", node.column) from None


def _evaluate_node(node: _Node) -> Poly:
    kind = node.kind
    if kind in ("num", "name"):
        return Poly.lift(node.value)
    if kind == "neg":
        return -_evaluate(node.children[0])
    if kind == "call":
        _, function, example = node.value
        try:
            return Poly.lift(function(_evaluate(node.children[0])))
        except ValueError as error:
            raise EntryError(f"{error}, e.g. {example}", node.column) from None
    if kind == "sum":
        return simplify(poly_sum(_evaluate(child) for child in node.children))
    if kind == "product":
        result = Poly.lift(1)
        for child, divide in node.children:
            value = _evaluate(child)
            if divide:
                if not value.terms:
                    raise EntryError("division by zero; divide by a nonzero number, e.g. d1/4",
                                     child.column)
                value = (Poly.lift(1 / Fraction(value.number)) if value.is_number
                         else power(value, Fraction(-1)))
            result = result * value
        return simplify(result)
    base = _evaluate(node.children[0])
    if node.value.denominator == 1 and node.value >= 0:
        return reduce(lambda power, _: power * base, range(int(node.value)), Poly.lift(1))
    return power(base, node.value)


def parse_entry(text: str, names: NameTable, *, loss: str = "L", limits: Limits = DEFAULT_LIMITS,
                radicals: bool = False, functions: Functions | None = None) -> ParsedEntry:
    """One answer entry as an exact polynomial over the problem's entries; with ``radicals``
    (answers about LP pooling) also roots ``\\sqrt{…}``, ``sqrt(…)``, powers such as ``^(-1/2)``
    and division by sums, as :class:`~symconv.core.radicals.Radical` factors; with ``functions``
    (spelling -> value) calls such as ``sigmoid(X_11)``."""
    if len(text) > limits.entry_chars:
        raise EntryError(f"the entry has {len(text):,} characters, over the limit of"
                         f" {limits.entry_chars:,}", 1)
    tokenizer = _Tokenizer(text, names, loss, limits, radicals, functions or {})
    tokens = tokenizer.run()
    tree = _Parser(tokens, limits, radicals, names.right_form).entry()
    return ParsedEntry(_evaluate(tree), tokenizer.inexact, tuple(tokenizer.readings))
