"""``type = "lppool"``: LP pooling, ``(Σ x^p)^(1/p)`` (PyTorch's LPPool) or ``(Σ x^p / N)^(1/p)``.

Keys: ``kernel_size`` (required), ``stride`` (default: ``kernel_size``), ``p`` (a whole number ≥ 1,
so that Σ x^p stays a polynomial), ``normalize`` (``"sum"``, PyTorch's, or ``"mean"``, the
homework's). No padding (PyTorch has none). ∂y/∂x = ``x^(p−1) · (Σ x^p / N)^(1/p − 1) / N`` with
N = 1 for ``"sum"``: an :class:`LpFactor`, whose value is irrational in general, so it stays an
atom (evaluated in floating point) also when the window holds numbers. Window sums are taken as
positive, as the root needs: known values whose window has Σ x^p ≤ 0 are refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable

import numpy as np

from ..core.contract import Array, Arrays, ValuesOf
from ..core.document import Formula, Paragraph, Power, Product, Quotient, Group, Root, Section, with_math
from ..core.poly import FACTOR_RANK, Atom, Number, Poly, Symbol, entry_key, normalize, poly_sum, product_of
from ..core.radicals import power
from ..engine.sections import Context
from ..core.spec import SpecError
from ..core.wording import ordinal
from .pooling import (InWindow, PoolLayer, PoolWindow, expression_of, overlap_mistakes, pool_cases,
                      pool_forward, pool_geometry, pool_gradient, pool_output_size, pool_shapes, pool_title,
                      pool_words)
from ..engine.registry import LayerRequest, LayerType, register

NORMALIZATIONS = ("sum", "mean")
MAX_P = 1024  # Σ x^p of a window stays a polynomial symconv can build and print


class LpFactor(Atom):
    """∂y/∂x for LP pooling ``y = (Σ_window x^p / N)^(1/p)``: ``x^(p−1) · (Σ x^p / N)^(1/p − 1) / N``.

    ``divisor`` N is the window size for ``normalize = "mean"`` and 1 for ``"sum"``; ``p`` is a
    whole number ≥ 2 (p = 1 is the constant 1/N and is never built as an atom).
    """

    __slots__ = ("window", "position", "p", "divisor")

    def __init__(self, window: tuple[Number | Symbol, ...], position: int, p: int, divisor: int):
        self.window = window
        self.position = position
        self.p = p
        self.divisor = divisor
        self._key = (FACTOR_RANK, 2, p, divisor, tuple(entry_key(e) for e in window), position)

    @property
    def entry(self) -> Number | Symbol:
        return self.window[self.position]

    @property
    def power_sum(self) -> Poly:
        """Σ x^p over the window (numbers where the window holds numbers)."""
        return poly_sum(product_of([entry] * self.p) for entry in self.window)

    @property
    def exponent(self) -> Fraction:
        return Fraction(1 - self.p, self.p)

    def value(self, value_of: Callable[[Symbol], float]) -> float:
        numbers = [value_of(e) if isinstance(e, Symbol) else float(e) for e in self.window]
        mean = sum(v ** self.p for v in numbers) / self.divisor
        local: float = numbers[self.position] ** (self.p - 1) * mean ** float(self.exponent) / self.divisor
        return local

    def free_symbols(self) -> tuple[Symbol, ...]:
        return tuple(e for e in self.window if isinstance(e, Symbol))

    def notation(self) -> Quotient | Product | Power:
        """``X_00·((X_00^2 + X_01^2)/2)^(-1/2)/2``: the entry's power, the mean's root, 1/N."""
        power_sum = self.power_sum
        if power_sum.is_number:
            mean: object = normalize(Fraction(power_sum.number) / self.divisor)
        elif self.divisor == 1:
            mean = power_sum
        else:
            mean = Quotient(power_sum, self.divisor)
        base = product_of([self.entry] * (self.p - 1))
        root = Power(Group(mean), self.exponent)
        body = root if base == 1 else Product((base, root))
        return Quotient(body, self.divisor) if self.divisor > 1 else body

    def to_sympy(self, entry: Callable[[Number | Symbol], Any]) -> Any:
        mean = sum(entry(e) ** self.p for e in self.window) / self.divisor
        import sympy  # only when a user asks for sympy objects

        exponent = sympy.Rational(self.exponent.numerator, self.exponent.denominator)
        return entry(self.entry) ** (self.p - 1) * mean ** exponent / self.divisor

    def exact_form(self) -> Poly:
        """The same value with the root as a :class:`~symconv.core.radicals.Radical`."""
        mean = self.power_sum * Fraction(1, self.divisor)
        return product_of([self.entry] * (self.p - 1)) * power(mean, self.exponent) * Fraction(
            1, self.divisor)

    def __repr__(self) -> str:
        return f"LpFactor(p={self.p}, N={self.divisor}, {self.entry!r} in {list(self.window)!r})"


def lp_local(window: tuple[Number | Symbol, ...], position: int, p: int, divisor: int) -> Number | LpFactor:
    if p == 1:
        return normalize(Fraction(1, divisor))
    if window[position] == 0 and not isinstance(window[position], Symbol):
        return 0  # x^(p−1) = 0 while the window's sum is not (such windows are refused)
    return LpFactor(window, position, p, divisor)


@dataclass(frozen=True)
class LpRoot(InWindow):
    """∂y/∂x of LP pooling (see :class:`LpFactor`)."""

    p: int = 2
    divisor: int = 1

    def factor(self, window: tuple[Number | Symbol, ...], position: int) -> Number | LpFactor:
        return lp_local(window, position, self.p, self.divisor)

    def named(self, row: int) -> Number | LpFactor:
        window, position = self.window_of(row, self.tensor.symbols.__getitem__)
        if self.p == 1:
            return normalize(Fraction(1, self.divisor))
        return LpFactor(window, position, self.p, self.divisor)

    def numeric(self, values_of: ValuesOf) -> np.ndarray:
        values = self.window_values(values_of, 0.0)
        mean = (values ** self.p).sum(axis=1) / self.divisor
        target = values[self.rows, self.offset]
        local: Array = target ** (self.p - 1) * mean[self.rows] ** ((1 - self.p) / self.p) / self.divisor
        return local


@dataclass(frozen=True, eq=False)
class LpPoolLayer(PoolLayer):
    p: int = 2
    normalize: str = "sum"
    kind = "lppool"
    exact = False  # roots: numeric inputs give irrational outputs

    @property
    def positive_inputs(self) -> bool:  # type: ignore[override]
        """Random values for the checks must be positive: a root of a negative sum is NaN (odd p,
        as in PyTorch), and a window of zeros has no derivative."""
        return self.p > 1

    @property
    def divisor(self) -> int:
        return self.geometry.window_size if self.normalize == "mean" else 1

    def nonpositive_windows(self) -> list[tuple[int, Number]]:
        """With known input values and p ≥ 2: (output, Σ x^p) of the windows with Σ x^p ≤ 0,
        where the root has no real value (odd p) or no derivative (a window of zeros)."""
        if self.p == 1 or self.input.values is None:
            return []
        windows = self.geometry.windows(self.canonical(self.input.values), 0)
        sums = (windows ** self.p).sum(axis=-1).reshape(-1)
        return [(int(o), sums[o]) for o in np.flatnonzero(sums <= 0)]

    def local(self, y: np.ndarray, offset: np.ndarray) -> LpRoot:
        return LpRoot(self.input, self.window_matrix, y, offset, self.p, self.divisor)

    def reference_forward(self, x: Array, params: Arrays) -> Array:
        windows = self.geometry.windows(self.canonical(x).astype(float), 0)
        mean = (windows ** self.p).sum(axis=-1) / self.divisor
        y: Array = (mean ** (1 / self.p)).reshape(self.output.shape)
        return y

    def reference_backward(self, x: Array, params: Arrays, dy: Array) -> dict[str, Array]:
        windows = self.geometry.windows(self.canonical(x).astype(float), 0)
        mean = (windows ** self.p).sum(axis=-1) / self.divisor
        outer = dy.reshape(self.geometry.output_shape) * mean ** ((1 - self.p) / self.p) / self.divisor
        return self.declared(self.geometry.scatter(
            lambda k: outer * windows[..., k] ** (self.p - 1)))


def build(request: LayerRequest) -> LpPoolLayer:
    path = request.path
    geometry, output = pool_geometry(request, padding=False)
    p = request.table.get("p", 2)
    if isinstance(p, bool) or not isinstance(p, (int, float)) or p <= 0:
        raise SpecError(path + ("p",), f"p must be a positive whole number, e.g. p = 2; got {p!r}")
    if not isinstance(p, int):
        raise SpecError(path + ("p",), f"symconv supports whole-number p only (p = 1, 2, 3, …)"
                                       f" so that Σ x^p stays a polynomial; got {p!r}")
    if p > MAX_P:
        raise SpecError(path + ("p",), f"p = {p} is over symconv's limit of {MAX_P} (Σ x^p must"
                                       f" stay a polynomial it can write out); e.g. p = 2")
    normalize = request.table.get("normalize", "sum")
    if normalize not in NORMALIZATIONS:
        raise SpecError(path + ("normalize",), f"normalize is \"sum\" (PyTorch's LPPool: (Σ x^p)^(1/p))"
                                               f" or \"mean\" (the homework: (Σ x^p / N)^(1/p));"
                                               f" got {normalize!r}")
    layer = LpPoolLayer(geometry, request.input, output, p, normalize)
    for flat, power_sum in layer.nonpositive_windows()[:1]:
        where = f"the window of {output.name} at {list(output.index_of(flat))}"
        if power_sum == 0:
            raise SpecError(path, f"{where} has Σ x^p = 0 (all its entries are 0), where"
                                  f" (Σ x^p)^(1/p) has no derivative; change the input values or"
                                  f" use p = 1")
        raise SpecError(path, f"{where} has Σ x^p = {power_sum} < 0, whose {ordinal(p)} root is not"
                              f" a real number (LP pooling needs window sums above 0); change the"
                              f" input values, or use an even p")
    return layer


# -- sections --------------------------------------------------------------------------------------


def formula(layer: LpPoolLayer, window: PoolWindow) -> object:
    """``(Σ x^p / N)^(1/p)`` over the window (no division for N = 1, no root for p = 1)."""
    power_sum = poly_sum(product_of([entry] * layer.p) for entry in window.inside())
    mean = Quotient(power_sum, layer.divisor) if layer.divisor > 1 else power_sum
    return mean if layer.p == 1 else Root(mean, layer.p)


def forward(layer: LpPoolLayer, context: Context) -> Section:
    kind = (f"Each output is the p-th root of the {layer.normalize} of the p-th powers of its window"
            f" (p = {layer.p})")
    return pool_forward(layer, context, kind, lambda window: formula(layer, window))


def gradient(layer: LpPoolLayer, context: Context) -> Section:
    x, y = layer.input, layer.output
    mean = layer.normalize == "mean"
    a, b = x.name, y.name
    rule = f"{b} = (Σ {a}^p / N)^(1/p)" if mean else f"{b} = (Σ {a}^p)^(1/p)"
    derivative = (f"∂{b}/∂{a} = {a}^(p − 1)·(Σ {a}^p / N)^(1/p − 1)/N" if mean
                  else f"∂{b}/∂{a} = {a}^(p − 1)·(Σ {a}^p)^(1/p − 1)")
    explanation = [Paragraph((
        "LP pooling computes ", Formula(rule), *with_math(
            " over each window"
            + (f" with $N = {layer.divisor}$, the window size (normalize = \"mean\", the"
               " homework's form)" if mean else " (normalize = \"sum\", PyTorch's LPPool)")
            + f", here $p = {layer.p}$. Its exact derivative, by the chain rule through the root and"
            " the power: "), Formula(derivative), "."
        + (" Every window's sum of p-th powers is taken to be positive, as the root needs (symconv"
           " refuses values that make one 0 or negative)." if layer.p > 1 else ""),))]
    return pool_gradient(layer, context, explanation, lambda windows: [])


def describe(layer: LpPoolLayer, context: Context) -> tuple[str]:
    return (f"LP pooling{pool_words(layer, context)}, p = {layer.p},"
            f" normalize = \"{layer.normalize}\"",)


LPPOOL = register(LayerType(
    kind="lppool", name="LP pooling",
    summary="LP pooling (p a whole number; \"sum\" as PyTorch, or \"mean\")",
    keys=("kernel_size", "stride", "p", "normalize"), build=build, describe=describe,
    title=lambda layer: pool_title(layer, f"LP pooling (p = {layer.p})"),
    sections={"shapes": pool_shapes, "forward": forward, "dx": gradient},
    output_size=pool_output_size,
    mistakes=overlap_mistakes, atoms=(LpFactor,), expression=expression_of(formula), cases=pool_cases))
