"""``type = "relu"``: ``Y = max(X, 0)`` entry by entry (no keys besides ``output``).

∂Y_i/∂X_i = ``[X_i > 0]`` (0 at X_i = 0, PyTorch's choice). Each input entry feeds exactly one
output entry, so ∂L/∂X_i has a single chain-rule term. There is no separate closed form:
``∂L/∂X = ∂L/∂Y ⊙ [X > 0]`` is already the reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..core.contract import Array, Arrays, ValuesOf
from ..engine.derivation import Terms
from ..core.document import Bracket, Call, Concat, Derivative, Formula, Heading, Once, Paragraph, Section
from ..core.poly import FACTOR_RANK, Atom, Number, Poly, Symbol
from ..engine.sections import Context, entry_array, object_array
from ..core.tensors import Tensor
from ..core.wording import shape_text
from .elementwise import Elementwise, Slope, same_shape_output
from ..engine.registry import LayerRequest, LayerType, WrongVariant, register


class IsPositive(Atom):
    """``[x > 0]``, the local derivative of ReLU."""

    __slots__ = ("entry",)

    def __init__(self, entry: Symbol):
        self.entry = entry
        self._key = (FACTOR_RANK, 1, entry._key)

    def value(self, value_of: Callable[[Symbol], float]) -> float:
        return int(value_of(self.entry) > 0)

    def free_symbols(self) -> tuple[Symbol, ...]:
        return (self.entry,)

    def notation(self) -> Bracket:
        return Bracket(Concat((self.entry, Formula(" > 0"))))

    def to_sympy(self, entry: Callable[[Number | Symbol], Any]) -> Any:
        import sympy  # only when a user asks for sympy objects

        return sympy.Heaviside(entry(self.entry), 0)

    def __repr__(self) -> str:
        return f"IsPositive({self.entry!r})"


def is_positive(entry: Number | Symbol) -> Number | IsPositive:
    return IsPositive(entry) if isinstance(entry, Symbol) else int(entry > 0)


@dataclass(frozen=True)
class Positive(Slope):
    """∂y/∂x of ReLU: ``[x > 0]`` of the entry ``index`` of ``tensor``."""

    def at(self, entry: Number | Symbol) -> Number | IsPositive:
        return is_positive(entry)

    def named_at(self, symbol: Symbol) -> IsPositive:
        return IsPositive(symbol)

    def numeric(self, values_of: ValuesOf) -> Array:
        mask: Array = (values_of(self.tensor).reshape(-1)[self.index] > 0).astype(int)
        return mask


class ReluLayer(Elementwise):
    kind = "relu"
    exact = True

    def local(self, entries: Array) -> Positive:
        return Positive(self.input, entries)

    def branch(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x > 0, dtype=bool)

    def reference_forward(self, x: Array, params: Arrays) -> Array:
        return np.where(x > 0, x, 0 * x)

    def reference_backward(self, x: Array, params: Arrays, dy: Array) -> dict[str, Array]:
        dy = dy.reshape(self.input.shape)
        return {self.input.name: np.where(x > 0, dy, 0 * dy)}



def build(request: LayerRequest) -> ReluLayer:
    return ReluLayer(request.input, same_shape_output(request))


def forward(layer: ReluLayer, context: Context) -> Section:
    """``Y = max(X, 0)`` entry by entry: the values when the input has them, else each entry's
    ``max(x, 0)``."""
    x, y = layer.input, layer.output
    blocks: list[object] = [Heading("Forward pass" + context.where(layer)),
                    Paragraph(("ReLU keeps the shape (", Formula(shape_text(x.shape)), ") and every"
                               " positive entry; the others become 0:",))]
    values = entry_array(y) if y.is_numeric else object_array(
        [Call("max", (entry, 0)) for entry in x.symbols], x.shape)
    blocks.append(context.view(Formula(f"{y.name} = max({x.name}, 0)"), values, y))
    return Section("forward", tuple(blocks))


def section(layer: ReluLayer, context: Context) -> Section:
    """The mask ``[x > 0]`` (0/1, or indicators with symbols), and ∂L/∂X = ∂L/∂Y ⊙ mask."""
    x, y, loss = layer.input, layer.output, context.loss
    blocks: list[object] = [Heading(f"Gradient with respect to {x.name}" + context.where(layer)),
                    Paragraph(("ReLU keeps the shape (", Formula(shape_text(x.shape)), "): ",
                               Formula(f"{y.name} = max({x.name}, 0)"), " entry by entry, and it"
                               " passes the gradient on where its input is positive, ",
                               Formula(f"∂{y.name}/∂{x.name} = [{x.name} > 0]"),
                               " (0 where the input is exactly 0, as in PyTorch).",)),
                    *why_a_mask(layer, context)]
    blocks.append(Paragraph(("The mask:",)))
    mask = object_array([is_positive(e) for e in x.entries()], x.shape)
    blocks.append(context.view(Formula(f"[{x.name} > 0]"), mask, x))
    blocks += context.result_blocks(
        ("So ", Formula(f"∂{loss}/∂{x.name} = ∂{loss}/∂{y.name} ⊙ [{x.name} > 0]")), x)
    return Section("dx", tuple(blocks))


def why_a_mask(layer: ReluLayer, context: Context) -> list[object]:
    """Why ReLU masks the gradient: its slope is 1 or 0, told with the input's own values."""
    x, y, loss = layer.input, layer.output, context.loss
    parts: tuple[object, ...] = ("Why a mask? ", Formula(f"{y.name}_k = max({x.name}_k, 0)"), " is ",
                    Formula(f"{x.name}_k"), " itself where it is positive (slope 1) and 0 wherever it"
                    " is not, whatever it does (slope 0)")
    if x.is_numeric and x.values is not None:
        values = x.values.reshape(-1).tolist()
        passing = next((i for i, v in enumerate(values) if v > 0), None)
        stopping = next((i for i, v in enumerate(values) if v <= 0), None)
        for flat, verb in ((passing, " passes "), (stopping, " stops ")):
            if flat is not None:
                parts += ("; " if flat == stopping and passing is not None else ": ",
                          Symbol(x, flat), f" = {str(values[flat]).replace('-', '−')}", verb,
                          Derivative(loss, Symbol(y, flat)))
    return [Once(("why", "relu"), (Paragraph(parts + (".",)),))]


def describe(layer: ReluLayer, context: Context) -> tuple[str]:
    return (f"ReLU{context.arrow(layer)}",)


def mistakes(layer: ReluLayer, target: Tensor, dy_polys: list[Poly], terms: Terms,
             loss: str) -> list[WrongVariant]:
    """ReLU's derivative at exactly 0 taken as 1 (it is 0: [x > 0])."""
    if layer.input.values is None:
        return []
    values = layer.input.values.reshape(-1).tolist()
    if 0 not in values:
        return []
    x = layer.input.name
    return [WrongVariant("relu-derivative-at-zero", f"ReLU's derivative where {x} is exactly 0 was"
                         f" taken as 1; it is 0 there ([{x} > 0], PyTorch's choice)",
                         lambda: [dy if v >= 0 else Poly() for dy, v in zip(dy_polys, values)])]


RELU = register(LayerType(
    kind="relu", name="ReLU", summary="ReLU, max(x, 0) entry by entry (its derivative at 0 is 0)", keys=(),
    build=build, describe=describe, title=lambda layer: "ReLU",
    sections={"forward": forward, "dx": section}, mistakes=mistakes, atoms=(IsPositive,),
    expression=lambda layer, flat: Call("max", (Symbol(layer.input, flat), 0))))
