"""``type = "sigmoid"``: ``Y = sigmoid(X) = 1/(1 + e^(−X))`` entry by entry (no keys besides ``output``).

∂Y_i/∂X_i = ``sigmoid(X_i)·(1 − sigmoid(X_i))``, which is ``Y_i·(1 − Y_i)``: the slope is largest,
1/4, at 0 and vanishes for large |x|. Each input entry feeds exactly one output entry, so ∂L/∂X_i
has a single chain-rule term, and ``∂L/∂X = ∂L/∂Y ⊙ sigmoid(X) ⊙ (1 − sigmoid(X))`` is already the
reference (no separate closed form). The slope is irrational at every rational x but 0, so it stays
an atom, evaluated in floating point, also where the input has values.

Answers may write ``sigmoid(X_11)`` or ``σ(X_11)`` (:data:`SIGMOID_CALL`): the value is the atom
:class:`Sigmoid`, compared in one form (``sigmoid(−x) = 1 − sigmoid(x)``, ``sigmoid(0) = 1/2``),
and the slope's answer form (:meth:`SigmoidSlope.exact_form`) is ``sigmoid(x) − sigmoid(x)²`` in
it, so ``d1*sigmoid(x1)*(1 - sigmoid(x1))`` is compared exactly.
The likely mistakes (:func:`mistakes`) are the slopes students write instead of σ(1 − σ).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable

import numpy as np

from ..core.contract import Array, Arrays, ValuesOf
from ..core.document import Concat, Formula, Group, Heading, Paragraph, Section
from ..core.poly import FACTOR_RANK, Atom, Number, Poly, Symbol, entry_key, normalize
from ..core.tensors import Tensor
from ..core.wording import shape_text
from ..engine.derivation import Terms
from ..engine.sections import Context, object_array
from .elementwise import Elementwise, Slope, same_shape_output
from ..engine.registry import AnswerFunction, LayerRequest, LayerType, WrongVariant, register


def sigmoid_of(entry: Number | Symbol | Concat) -> Concat:
    """``sigmoid(x)`` as the printers write any word: ``\\operatorname{sigmoid}`` in LaTeX."""
    return Concat((Formula("sigmoid"), Group(entry)))


class Sigmoid(Atom):
    """``sigmoid(x)`` or ``sigmoid(−x)`` of an entry ``x`` (a symbol or a number), as an answer
    writes it; never a factor of a derivation. Its :meth:`exact_form` is the one form compared."""

    __slots__ = ("entry", "negated")

    def __init__(self, entry: Number | Symbol, negated: bool = False):
        self.entry, self.negated = entry, negated
        self._key = (FACTOR_RANK, 5, entry_key(entry), negated)

    def value(self, value_of: Callable[[Symbol], float]) -> float:
        x = value_of(self.entry) if isinstance(self.entry, Symbol) else self.entry
        return float(sigmoid(-x if self.negated else x))

    def free_symbols(self) -> tuple[Symbol, ...]:
        return (self.entry,) if isinstance(self.entry, Symbol) else ()

    def notation(self) -> Concat:
        return sigmoid_of(Concat((Formula("−"), self.entry)) if self.negated else self.entry)

    def to_sympy(self, entry: Callable[[Number | Symbol], Any]) -> Any:
        import sympy  # only when a user asks for sympy objects

        x = entry(self.entry)
        return 1 / (1 + sympy.exp(x if self.negated else -x))

    def exact_form(self) -> Poly | None:
        """The one form of :func:`sigmoid_value`; None when this is it."""
        form = sigmoid_value(self.entry, self.negated)
        return None if form == self else form

    def __repr__(self) -> str:
        return f"Sigmoid({'-' * self.negated}{self.entry!r})"


def sigmoid_value(entry: Number | Symbol, negated: bool = False) -> Poly:
    """``sigmoid(±entry)`` in one form for every way of writing it: ``1/2`` at 0, and
    ``sigmoid(−x) = 1 − sigmoid(x)``, so the atom's entry is a symbol or a positive number."""
    if not isinstance(entry, Symbol):
        number = normalize(-entry if negated else entry)
        if number == 0:
            return Poly.lift(Fraction(1, 2))
        negated, entry = number < 0, -number if number < 0 else number
    value = Poly.lift(Sigmoid(entry))
    return 1 - value if negated else value


def sigmoid_call(argument: Poly) -> Sigmoid:
    """An answer's ``sigmoid(…)``: of one entry (``X_11``, ``-X_11``) or one number, as written."""
    if argument.is_number:
        return Sigmoid(normalize(argument.number))
    [(monomial, coefficient)] = argument.terms.items() if len(argument.terms) == 1 else [((), 0)]
    if len(monomial) == 1 and isinstance(monomial[0], Symbol) and coefficient in (1, -1):
        return Sigmoid(monomial[0], negated=coefficient == -1)
    raise ValueError("sigmoid(…) takes one entry of the sigmoid's input or a number, as the slope"
                     " sigmoid(x)·(1 − sigmoid(x)) does")


SIGMOID_CALL = AnswerFunction(("sigmoid", "σ", "\\sigma"), sigmoid_call)


class SigmoidSlope(Atom):
    """``sigmoid(x)·(1 − sigmoid(x))``, the local derivative of the sigmoid at the entry ``x`` (a
    symbol, or a number where the input has values)."""

    __slots__ = ("entry",)

    def __init__(self, entry: Number | Symbol):
        self.entry = entry
        self._key = (FACTOR_RANK, 4, entry_key(entry))

    def value(self, value_of: Callable[[Symbol], float]) -> float:
        s = float(sigmoid(value_of(self.entry) if isinstance(self.entry, Symbol) else self.entry))
        return s * (1 - s)

    def free_symbols(self) -> tuple[Symbol, ...]:
        return (self.entry,) if isinstance(self.entry, Symbol) else ()

    def notation(self) -> Concat:
        sigmoid = sigmoid_of(self.entry)
        return Concat((sigmoid, Formula("·"), Group(Concat((Formula("1 − "), sigmoid)))))

    def to_sympy(self, entry: Callable[[Number | Symbol], Any]) -> Any:
        import sympy  # only when a user asks for sympy objects

        s = 1 / (1 + sympy.exp(-entry(self.entry)))
        return s * (1 - s)

    def exact_form(self) -> Poly:
        """``sigmoid(x) − sigmoid(x)²`` in :class:`Sigmoid`, as answers write it."""
        s = sigmoid_value(self.entry)
        return s - s * s

    def __repr__(self) -> str:
        return f"SigmoidSlope({self.entry!r})"


def slope(entry: Number | Symbol) -> Number | SigmoidSlope:
    """The local derivative at ``entry``: exactly 1/4 at 0, else an atom."""
    return Fraction(1, 4) if entry == 0 and not isinstance(entry, Symbol) else SigmoidSlope(entry)


def sigmoid(x: object) -> Array:
    """1/(1 + e^(−x)) in floats, written with e^(−|x|) so that no x overflows."""
    x = np.asarray(x, dtype=float)
    e = np.exp(-np.abs(x))
    s: Array = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return s


@dataclass(frozen=True)
class SigmoidSlopes(Slope):
    """∂y/∂x of the sigmoid: the slope at the entry ``index`` of ``tensor``."""

    def at(self, entry: Number | Symbol) -> Number | SigmoidSlope:
        return slope(entry)

    def named_at(self, symbol: Symbol) -> SigmoidSlope:
        return SigmoidSlope(symbol)

    def numeric(self, values_of: ValuesOf) -> Array:
        s = sigmoid(values_of(self.tensor).reshape(-1)[self.index])
        slopes: Array = s * (1 - s)
        return slopes


class SigmoidLayer(Elementwise):
    kind = "sigmoid"
    exact = False  # e^(−x): numeric inputs give irrational outputs

    def local(self, entries: Array) -> SigmoidSlopes:
        return SigmoidSlopes(self.input, entries)

    def branch(self, x: Array) -> None:
        return None  # smooth: one piece

    def reference_forward(self, x: Array, params: Arrays) -> Array:
        return sigmoid(x)

    def reference_backward(self, x: Array, params: Arrays, dy: Array) -> dict[str, Array]:
        s = sigmoid(x)
        return {self.input.name: dy.reshape(self.input.shape) * s * (1 - s)}


def build(request: LayerRequest) -> SigmoidLayer:
    return SigmoidLayer(request.input, same_shape_output(request))


def forward(layer: SigmoidLayer, context: Context) -> Section:
    """``Y = sigmoid(X)`` entry by entry, each output written over its input entry."""
    x, y = layer.input, layer.output
    values = object_array([sigmoid_of(entry) for entry in x.entries()], x.shape)
    return Section("forward", (
        Heading("Forward pass" + context.where(layer)),
        Paragraph(("The sigmoid keeps the shape (", Formula(shape_text(x.shape)), ") and squashes every"
                   " entry into (0, 1): ", Formula("sigmoid(x) = 1/(1 + e^(−x))"), ".")),
        context.view(Formula(f"{y.name} = sigmoid({x.name})"), values, y)))


def section(layer: SigmoidLayer, context: Context) -> Section:
    """The slopes ``sigmoid(x)(1 − sigmoid(x))`` and ∂L/∂X = ∂L/∂Y ⊙ slopes."""
    x, y, loss = layer.input, layer.output, context.loss
    slopes = object_array([slope(entry) for entry in x.entries()], x.shape)
    return Section("dx", (
        Heading(f"Gradient with respect to {x.name}" + context.where(layer)),
        Paragraph(("The sigmoid acts entry by entry, ", Formula(f"{y.name} = sigmoid({x.name})"),
                   ", so each entry's gradient has one chain-rule term, through its own slope ",
                   Formula(f"∂{y.name}/∂{x.name} = sigmoid({x.name})·(1 − sigmoid({x.name}))"),
                   " (the derivative of ", Formula("1/(1 + e^(−x))"), ", which is ",
                   Formula(f"{y.name}·(1 − {y.name})"), "). The slope is at most 1/4, at 0, and nearly 0 for large ", Formula("|x|"),
                   ": the gradient fades where the sigmoid saturates.")),
        Paragraph(("The slopes:",)),
        context.view(Formula(f"sigmoid({x.name})·(1 − sigmoid({x.name}))"), slopes, x),
        *context.result_blocks(("So ", Formula(f"∂{loss}/∂{x.name} = ∂{loss}/∂{y.name} ⊙ sigmoid({x.name})"
                                               f" ⊙ (1 − sigmoid({x.name}))")), x)))


def mistakes(layer: SigmoidLayer, target: Tensor, dy_polys: list[Poly], terms: Terms,
             loss: str) -> list[WrongVariant]:
    """The slopes students write instead of ``sigmoid(x)·(1 − sigmoid(x))`` (times ∂L/∂Y, done
    right), and the right slopes with ∂L/∂Y left out."""
    x, y = layer.input.name, layer.output.name
    entries = layer.input.entries()
    right = f"the slope is sigmoid({x})·(1 − sigmoid({x})) = {y}·(1 − {y})"
    named = "" if dy_polys[0].is_number else f" ({dy_polys[0]} … {dy_polys[-1]})"

    def times(wrong_slope: Callable[[Number | Symbol], Poly]) -> Callable[[], list[Poly]]:
        return lambda: [dy * wrong_slope(entry) for dy, entry in zip(dy_polys, entries)]

    return [
        WrongVariant("sigmoid-value-as-slope", f"the sigmoid itself, sigmoid({x}), was used as"
                     f" its slope; {right}", times(sigmoid_value)),
        WrongVariant("sigmoid-slope-plus", f"the slope was taken as sigmoid({x})·(1 +"
                     f" sigmoid({x})), with + for −; {right}",
                     times(lambda e: sigmoid_value(e) * (1 + sigmoid_value(e)))),
        WrongVariant("sigmoid-slope-of-input", f"the slope was taken as {x}·(1 − {x}), the rule"
                     f" y·(1 − y) used with the input {x} for the output {y}; {right}",
                     times(lambda e: Poly.lift(e) * (1 - Poly.lift(e)))),
        WrongVariant("sigmoid-upstream-forgotten", f"the upstream gradient ∂{loss}/∂{y}{named} was"
                     f" left out (the answer is the slopes alone); ∂{loss}/∂{x} = ∂{loss}/∂{y} ⊙"
                     f" sigmoid({x}) ⊙ (1 − sigmoid({x}))",
                     lambda: [Poly.lift(slope(entry)) for entry in entries]),
    ]


def describe(layer: SigmoidLayer, context: Context) -> tuple[str]:
    return (f"A sigmoid{context.arrow(layer)}",)


SIGMOID = register(LayerType(
    kind="sigmoid", name="sigmoid", summary="the logistic sigmoid, 1/(1 + e^(−x)) entry by entry", keys=(),
    build=build, describe=describe, title=lambda layer: "sigmoid",
    sections={"forward": forward, "dx": section}, atoms=(SigmoidSlope, Sigmoid), functions=(SIGMOID_CALL,),
    mistakes=mistakes,
    expression=lambda layer, flat: sigmoid_of(Symbol(layer.input, flat))))
