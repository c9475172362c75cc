"""``type = "maxpool"``: max pooling (PyTorch's MaxPool1d/MaxPool2d).

Keys: ``kernel_size`` (required), ``stride`` (default: ``kernel_size``), ``padding`` (at most
``kernel_size / 2``; padding never wins). ∂Y/∂X = ``[X = max(window)]``: 1 for the *first* maximum
in row-major window order, PyTorch's rule for ties, else 0. Once the window holds numbers the
indicator is built as 0 or 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import partial
from typing import Any, Callable, Sequence

import numpy as np

from ..core.contract import Array, Arrays, ValuesOf
from ..engine.derivation import Terms
from ..core.document import Bracket, Call, Concat, Derivative, Formula, Note, Once, Paragraph, Section
from ..core.poly import FACTOR_RANK, Atom, Number, Poly, Symbol, poly_sum
from ..engine.sections import Context, more, with_and
from ..core.tensors import Tensor
from .pooling import (POOL_KEYS, InWindow, PoolLayer, PoolWindow, expression_of, overlap_mistakes,
                      pool_cases, pool_forward, pool_geometry, pool_gradient, pool_output_size,
                      pool_shapes, pool_title, pool_windows, pool_words)
from ..engine.registry import LayerRequest, LayerType, WrongVariant, register

RULE = "the first maximum in row-major window order (PyTorch's rule for ties)"


def first_maximum(values: Sequence[Any]) -> int:  # Any: exact numbers or floats
    """Position of the first maximum (row-major window order), PyTorch's tie rule."""
    best = 0
    for i, value in enumerate(values):
        if value > values[best]:
            best = i
    return best


class IsMax(Atom):
    """``[window[position] = max(window)]``, 1 only for the first maximum when entries tie."""

    __slots__ = ("window", "position")

    def __init__(self, window: tuple[Symbol, ...], position: int):
        self.window = window
        self.position = position
        self._key = (FACTOR_RANK, 0, tuple(s._key for s in window), position)

    @property
    def entry(self) -> Symbol:
        return self.window[self.position]

    def value(self, value_of: Callable[[Symbol], float]) -> float:
        return int(first_maximum([value_of(s) for s in self.window]) == self.position)

    def free_symbols(self) -> tuple[Symbol, ...]:
        return self.window

    def notation(self) -> Bracket:
        return Bracket(Concat((self.entry, Formula(" = "), Call("max", self.window))))

    def remark(self) -> tuple[object, ...]:
        """When the window's values are known and this entry ties for its maximum: which of the
        tied entries takes the gradient (``[x = max(…)]`` alone would read as 1 for each)."""
        if not all(s.tensor.is_numeric for s in self.window):
            return ()
        values = [s.tensor.values.flat[s.flat] for s in self.window]
        first = first_maximum(values)
        tied = [s for s, v in zip(self.window, values) if v == values[first]]
        if len(tied) < 2 or self.entry not in tied:
            return ()
        return (*with_and(tied), f" tie for the maximum {values[first]} of ", Call("max", self.window),
                "; ", self.window[first], ", the first in row-major window order, takes the"
                " gradient.")

    def to_sympy(self, entry: Callable[[Number | Symbol], Any]) -> Any:
        import sympy  # only when a user asks for sympy objects

        x = entry(self.entry)
        others = [entry(e) for e in self.window]
        first = sympy.And(*[x > o for o in others[:self.position]],
                          *[x >= o for o in others[self.position + 1:]])
        return sympy.Piecewise((1, first), (0, True))

    def __repr__(self) -> str:
        return f"IsMax({self.entry!r} in {list(self.window)!r})"


# Any: a window holds symbols (no values given) or numbers, never both
def is_window_max(window: tuple[Any, ...], position: int) -> Number | IsMax:
    """The local derivative of max pooling: 0/1 when the window holds numbers, else the atom."""
    if any(isinstance(entry, Symbol) for entry in window):
        return IsMax(window, position)
    return int(first_maximum(window) == position)


@dataclass(frozen=True)
class WindowMax(InWindow):
    """∂y/∂x of max pooling: ``[x = max(window)]``."""

    def factor(self, window: tuple[Number | Symbol, ...], position: int) -> Number | IsMax:
        return is_window_max(window, position)

    def named(self, row: int) -> IsMax:
        return IsMax(*self.window_of(row, self.tensor.symbols.__getitem__))

    def numeric(self, values_of: ValuesOf) -> np.ndarray:
        first: Array = np.argmax(self.window_values(values_of, -np.inf), axis=1)  # first maximum
        exact: Array = (first[self.rows] == self.offset).astype(int)  # 0/1, exact with integer arrays
        return exact


@dataclass(frozen=True, eq=False)
class MaxPoolLayer(PoolLayer):
    kind = "maxpool"

    def local(self, y: np.ndarray, offset: np.ndarray) -> WindowMax:
        return WindowMax(self.input, self.window_matrix, y, offset)

    def branch(self, x: np.ndarray) -> np.ndarray:
        """Which window entry each output takes (the first maximum)."""
        first: Array = np.argmax(self.geometry.windows(self.canonical(x), -np.inf), axis=-1)
        return first

    def reference_forward(self, x: Array, params: Arrays) -> Array:
        windows = self.geometry.windows(self.canonical(x), -np.inf)
        y: Array = windows.max(axis=-1).reshape(self.output.shape)
        return y

    def reference_backward(self, x: Array, params: Arrays, dy: Array) -> dict[str, Array]:
        """Each output's gradient scattered, offset by offset, onto its window's first maximum."""
        first = self.branch(x)
        dy = dy.reshape(self.geometry.output_shape)
        return self.declared(self.geometry.scatter(lambda k: np.where(first == k, dy, 0 * dy)))

    def closed_form(self, x: Array, params: Arrays, dy: Array) -> dict[str, Array]:
        """Routing: ∂L/∂X = Σ_o ∂L/∂Y_o · e_{argmax of window o}, accumulated where windows overlap."""
        window = self.window_matrix
        values = self.geometry.windows(self.canonical(x), -np.inf).reshape(len(window), -1)
        winners = window[np.arange(len(window)), np.argmax(values, axis=1)]
        dy = dy.reshape(-1)
        grad = np.zeros(self.input.size, dtype=dy.dtype)
        np.add.at(grad, winners, dy)
        return self.declared(grad)

    def ties(self) -> list[tuple[int, tuple[int, ...]]]:
        """With known input values: (output, tied input positions) for windows whose maximum is
        shared; the gradient goes to the first of them."""
        if self.input.values is None:
            return []
        window = self.window_matrix
        values = self.geometry.windows(self.canonical(self.input.values), -np.inf)
        values = values.reshape(len(window), -1)
        best = values.max(axis=1)
        tied = (values == best[:, None]) & (window >= 0)
        return [(int(o), tuple(int(i) for i in window[o][tied[o]]))
                for o in np.flatnonzero(tied.sum(axis=1) > 1)]

    def notes(self) -> list[Note]:
        x, y = self.input, self.output
        ties = self.ties()
        if not ties:
            return [Note(x, (f"max pooling {x.name} -> {y.name}: each output's gradient goes to"
                             f" {RULE}; [x = max(…)] is 1 for that entry only",), flows_back=True)]
        parts: list[object] = [f"max pooling {x.name} -> {y.name} sends each gradient to {RULE}: "]
        for number, (output, inputs) in enumerate(ties):
            if number:
                parts.append("; ")
            parts += [Symbol(y, output), " ties "]
            for position, i in enumerate(inputs):
                parts += [" = "] if position else []
                parts.append(Symbol(x, i))
            parts += [", gradient to ", Symbol(x, inputs[0])]
        return [Note(x, tuple(parts), flows_back=True)]


def build(request: LayerRequest) -> MaxPoolLayer:
    geometry, output = pool_geometry(request)
    return MaxPoolLayer(geometry, request.input, output)


# -- sections --------------------------------------------------------------------------------------


def formula(layer: MaxPoolLayer, window: PoolWindow) -> Call:
    return Call("max", window.inside())


def forward(layer: MaxPoolLayer, context: Context) -> Section:
    return pool_forward(layer, context, "Each output is the largest entry of its window (padding"
                        " never wins)", lambda window: formula(layer, window), first_maximum)


def gradient(layer: MaxPoolLayer, context: Context) -> Section:
    x, y, loss = layer.input, layer.output, context.loss
    explanation = [Paragraph((
        "Max pooling passes each upstream entry ", Derivative(loss, y), " on to the one entry"
        " of its window that holds the maximum: ",
        Formula(f"∂{y.name}/∂{x.name} = [{x.name} = max(window)]"),
        ", 1 for the maximum and 0 for every other entry. When entries tie for the maximum, the"
        " gradient goes to the first of them in row-major window order, as in PyTorch.",))]
    return pool_gradient(layer, context, explanation + why_one_entry(layer, context),
                         lambda windows: routing(windows, layer.output.size, loss, context.detail.once),
                         first_maximum)


def either(items: list[object]) -> list[object]:
    """``a``, ``a or b``, ``a, b or c``."""
    parts = with_and(items)
    return [" or " if part == " and " else part for part in parts]


def why_one_entry(layer: MaxPoolLayer, context: Context) -> list[object]:
    """Why max pooling passes each upstream entry to one input, told with the first window."""
    [window] = pool_windows(layer, context.upstream_of(layer), 1, first_maximum)
    inside, y = window.inside(), window.output
    if len(inside) < 2:
        return []
    if window.winner is None:  # symbols: which is largest is not known
        parts: tuple[object, ...] = ("Why one entry? Whichever of ", *with_and(list(inside)), " is the largest, a"
                        " small change of another leaves ", y, " = ", Call("max", inside), " where"
                        " it is (derivative 0), and a small change of the largest moves ", y,
                        " with it (derivative 1).")
        return [Once(("why", "max"), (Paragraph(parts),))]
    names, cells = window.names.reshape(-1), window.cells.reshape(-1)
    winner = names[window.winner]
    others = [n for i, n in enumerate(names) if n is not None and i != window.winner]
    parts = ("Why one entry? ", y, " = ", Call("max", inside), " = ", winner,
             f" = {cells[window.winner]}: a small change of ", *either(others), " leaves the"
             " maximum where it is, so their derivative is 0; a small change of ", winner, " moves ",
             y, " with it, derivative 1.")
    if len(window.tied) > 1:
        parts += (" Where entries tie for the maximum, as ", *with_and([names[i] for i in window.tied]),
                  " do here, no derivative exists; the convention (PyTorch's) gives it to the first.")
    return [Once(("why", "max"), (Paragraph(parts),))]


def routing(windows: tuple[PoolWindow, ...], total: int, loss: str, brief: bool = False) -> list[Paragraph]:
    """Where each upstream entry goes (and the ties), when the windows hold numbers; ``brief``:
    in one paragraph."""
    if any(w.winner is None for w in windows):
        return [Paragraph(("The entries are symbols, so which one is the maximum is not known:"
                           " each gradient entry keeps its indicators, which become 0 or 1"
                           " once values are given.",))]
    blocks: list[Paragraph] = [Paragraph(("Where each upstream entry goes:",))]
    wins: dict[Symbol, int] = {}
    for window in windows:
        assert window.winner is not None
        names = window.names.reshape(-1)
        winner = names[window.winner]
        wins[winner] = wins.get(winner, 0) + 1
        parts: list[object] = [Derivative(loss, window.output), " goes to ", winner,
                       f" = {window.cells.reshape(-1)[window.winner]}"]
        if len(window.tied) > 1:
            parts += [" (a tie: ", *with_and([names[i] for i in window.tied]),
                      " hold the maximum; the first in row-major order takes the gradient)"]
        blocks.append(Paragraph(tuple(parts + ["."])))
    if brief:  # one paragraph: "Where each upstream entry goes: ∂L/∂Z_11 goes to …; ∂L/∂Z_12 …"
        said: list[object] = ["Where each upstream entry goes: "]
        for number, block in enumerate(blocks[1:]):
            said += ([] if not number else ["; "]) + list(block.parts[:-1])
        blocks = [Paragraph(tuple(said + ["."]))]
    blocks += more(len(windows), total, "windows")
    repeated = [name for name, count in wins.items() if count > 1]
    if repeated:
        blocks.append(Paragraph((*with_and(repeated),
                                 " win" + ("s" if len(repeated) == 1 else "") + " more than one"
                                 " window, so the upstream entries of all those windows add"
                                 " up in " + ("its" if len(repeated) == 1 else "their")
                                 + " gradient.",)))
    return blocks


def describe(layer: MaxPoolLayer, context: Context) -> tuple[str]:
    return (f"Max pooling{pool_words(layer, context)}",)


# -- mistakes --------------------------------------------------------------------------------------
TIE_RULES = (  # {x}: the name of the pooled tensor
    ("tie-last-maximum", "last", "on a tie in a window of {x} the gradient went to the last"
                                 " maximum; it goes to the first maximum in row-major window order"
                                 " (PyTorch's rule)"),
    ("tie-split", "split", "on a tie in a window of {x} the gradient was split equally among the"
                           " tied maxima; it goes whole to the first maximum in row-major window"
                           " order (PyTorch's rule)"),
    ("tie-all-maxima", "all", "on a tie in a window of {x} every tied maximum got the whole"
                              " gradient; only the first maximum in row-major window order gets it"
                              " (PyTorch's rule)"),
)


def mistakes(layer: MaxPoolLayer, target: Tensor, dy_polys: list[Poly], terms: Terms,
             loss: str) -> list[WrongVariant]:
    found = overlap_mistakes(layer, target, dy_polys, terms, loss, routes=True)
    if layer.ties():
        found += [WrongVariant(key, description.format(x=layer.input.name),
                               partial(routed, layer, dy_polys, rule))
                  for key, rule, description in TIE_RULES]
    return found


def routed(layer: MaxPoolLayer, dy_polys: list[Poly], rule: str) -> list[Poly]:
    """∂L/∂X of max pooling with known values when ties follow ``rule`` ("last": the last maximum,
    "split": equal shares, "all": the whole gradient to each tied maximum)."""
    assert layer.input.values is not None
    values = layer.input.values.reshape(-1)
    parts: list[list[Poly]] = [[] for _ in range(layer.input.size)]
    for output, window in enumerate(layer.window_matrix.tolist()):
        members = [i for i in window if i >= 0]
        best = max(values[i] for i in members)
        tied = [i for i in members if values[i] == best]
        shares: list[tuple[int, Number]]
        if rule == "last":
            shares = [(tied[-1], 1)]
        elif rule == "split":
            shares = [(i, Fraction(1, len(tied))) for i in tied]
        else:
            shares = [(i, 1) for i in tied]
        for i, share in shares:
            parts[i].append(dy_polys[output] * share)
    return [poly_sum(p) for p in parts]


def ambiguity(layer: MaxPoolLayer) -> str | None:
    ties = layer.ties()
    return f"the max pooling of {layer.input.name} has a tie" if ties else None


MAXPOOL = register(LayerType(
    kind="maxpool", name="max pooling", summary="max pooling (the first maximum of a tie takes the gradient)",
    keys=POOL_KEYS, build=build, describe=describe,
    title=lambda layer: pool_title(layer, "max pooling"),
    sections={"shapes": pool_shapes, "forward": forward, "dx": gradient},
    output_size=pool_output_size,
    mistakes=mistakes, atoms=(IsMax,), ambiguity=ambiguity, expression=expression_of(formula),
    cases=pool_cases))
