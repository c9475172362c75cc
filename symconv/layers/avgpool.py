"""``type = "avgpool"``: average pooling (PyTorch's AvgPool1d/AvgPool2d).

Keys: ``kernel_size`` (required), ``stride`` (default: ``kernel_size``), ``padding``,
``count_include_pad`` (default true: divide by the whole window, padding included; false: by its
part inside the input). ∂Y/∂X = 1/N; average pooling is a convolution whose weights are all 1/N,
which is its closed form.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..core.contract import Array, Arrays
from ..core.document import (Derivative, Display, Equation, Formula, Group, Matrix, Once, Paragraph, Product,
                        Section, Sum, with_math)
from ..core.poly import normalize, poly_sum
from ..engine.sections import Context, slice_axes
from ..core.spec import SpecError
from ..core.wording import per_axis
from ..engine.local_derivatives import Constant, Numbers
from .sliding import closed_form
from .pooling import (POOL_KEYS, PoolLayer, PoolWindow, expression_of, overlap_mistakes,
                      pool_cases, pool_forward, pool_geometry, pool_gradient, pool_output_size,
                      pool_shapes, pool_title, pool_windows, pool_words)
from ..engine.registry import LayerRequest, LayerType, register

MAX_GROUPED = 9  # windows up to this size are written 1/N·(y_00 + …); larger ones term by term


@dataclass(frozen=True, eq=False)
class AvgPoolLayer(PoolLayer):
    count_include_pad: bool = True
    kind = "avgpool"

    def counts(self) -> np.ndarray:
        """N of every output: the window size, or its non-padded part."""
        if self.count_include_pad:
            return np.full(int(np.prod(self.geometry.output_shape)), self.geometry.window_size)
        inside: Array = (self.window_matrix >= 0).sum(axis=1)
        return inside

    def shared_count(self) -> int | None:
        """The one N of every window, or None when it varies at the border."""
        counts = set(self.counts().tolist())
        return counts.pop() if len(counts) == 1 else None

    def reciprocals(self, like: np.ndarray) -> np.ndarray:
        """1/N per output in the output's canonical shape, exact for object arrays."""
        counts = self.counts()
        if like.dtype == object:
            values = np.empty(len(counts), dtype=object)
            values[:] = [Fraction(1, int(n)) for n in counts]
        else:
            values = 1.0 / counts
        return values.reshape(self.geometry.output_shape)

    def local(self, y: np.ndarray, offset: np.ndarray) -> Constant | Numbers:
        counts = self.counts()
        if (counts == self.geometry.window_size).all():
            return Constant(normalize(Fraction(1, self.geometry.window_size)))
        values = np.empty(len(y), dtype=object)
        values[:] = [normalize(Fraction(1, int(n))) for n in counts[y]]
        return Numbers(values)

    def reference_forward(self, x: Array, params: Arrays) -> Array:
        x = self.canonical(x)
        sums = self.geometry.windows(x, 0).sum(axis=-1)
        y: Array = (sums * self.reciprocals(x)).reshape(self.output.shape)
        return y

    def reference_backward(self, x: Array, params: Arrays, dy: Array) -> dict[str, Array]:
        share = dy.reshape(self.geometry.output_shape) * self.reciprocals(dy)
        return self.declared(self.geometry.scatter(lambda k: share))

    def closed_form(self, x: Array, params: Arrays, dy: Array) -> dict[str, Array]:
        """The notes' view: a convolution with weights 1/N, so ∂L/∂X is the full correlation of
        the zero-inserted ∂L/∂Y/N with the (rotated) all-ones kernel — for stride = kernel and no
        padding, 1/k² times ∂L/∂Y upsampled."""
        g = self.geometry.conv
        share = (dy.reshape(self.geometry.output_shape) * self.reciprocals(dy)).reshape(g.output_shape)
        ones = np.ones(g.weight_shape, dtype=int)
        return self.declared(closed_form.grad_input(share, ones, g))


def build(request: LayerRequest) -> AvgPoolLayer:
    geometry, output = pool_geometry(request)
    include = request.table.get("count_include_pad", True)
    if not isinstance(include, bool):
        raise SpecError(request.path + ("count_include_pad",), f"count_include_pad is true or"
                                                               f" false; got {include!r}")
    return AvgPoolLayer(geometry, request.input, output, include)


# -- sections --------------------------------------------------------------------------------------


def formula(layer: AvgPoolLayer, window: PoolWindow) -> object:
    """``1/4·(y_00 + y_01 + y_10 + y_11)``; a long window term by term, so it can break."""
    inside = window.inside()
    count = int(layer.counts()[window.output.flat])
    if count == 1:
        return inside[0]
    if len(inside) <= MAX_GROUPED:
        return Product((Fraction(1, count), Group(Sum(inside))))
    return poly_sum(inside) * Fraction(1, count)


def forward(layer: AvgPoolLayer, context: Context) -> Section:
    return pool_forward(layer, context, "Each output is the mean of its window",
                        lambda window: formula(layer, window))


def gradient(layer: AvgPoolLayer, context: Context) -> Section:
    g = layer.geometry
    x, y, loss = layer.input, layer.output, context.loss
    n = layer.shared_count()
    how = (f"$N = {n}$" if n is not None else "$N$ the number of the window's entries inside the"
           " input (count_include_pad = false), smaller at the border")
    if n is not None and max(g.padding) > 0 and layer.count_include_pad:
        how += ", the whole window, padding included (count_include_pad = true)"
    explanation = [Paragraph((
        "Average pooling weighs every entry of a window by the same ", Formula("1/N"),
        *with_math(": it is a correlation whose weights are all $1/N$, so"
                   f" $∂{y.name}/∂{x.name} = 1/N$ with {how}. Each entry receives $1/N$ of the"
                   " upstream entry of every window that contains it."))), *why_a_share(layer, context)]

    def share(windows: tuple[PoolWindow, ...]) -> list[object]:
        """The notes' matrix: with one N, ∂L/∂X = 1/N · (the upstream gradient spread out)."""
        if n is None or slice_axes(x, context.dims):  # only for a single matrix
            return []
        result = context.result(x)
        spread = np.vectorize(lambda p: p * n, otypes=[object])(result)
        if tuple(g.stride) == tuple(g.kernel) and max(g.padding) == 0:
            k = per_axis(g.kernel)
            words: tuple[object, ...] = (
                *with_math(f"Here the stride equals the window ($k = {k}$) and there is no padding,"
                           " so every entry lies in exactly one window and "),
                Formula(f"∂{loss}/∂{x.name}_{{ij}} = 1/k^2 · ∂{loss}/∂{y.name}_{{⌊i/k⌋⌊j/k⌋}}"
                        if g.dims == 2 else f"∂{loss}/∂{x.name}_i = 1/k · ∂{loss}/∂{y.name}_{{⌊i/k⌋}}"),
                f": the upstream gradient spread over the windows, times 1/{n}:")
        else:
            words = with_math(f"Every window has $N = {n}$, so $1/{n}$ comes out of the sum:")
        return [Paragraph(words), Display((Equation((Derivative(loss, x),
                                                     Product((Fraction(1, n), Matrix(spread))))),))]

    return pool_gradient(layer, context, explanation, share)


def why_a_share(layer: AvgPoolLayer, context: Context) -> list[object]:
    """Why average pooling spreads 1/N of each upstream entry, told with the first window."""
    [window] = pool_windows(layer, context.upstream_of(layer), 1)
    inside, y = window.inside(), window.output
    if len(inside) < 2:
        return []
    g = layer.geometry
    count = int(layer.counts()[window.output.flat])
    entry = inside[1]
    square = tuple(g.stride) == tuple(g.kernel) and len(set(g.kernel)) == 1 and g.dims == 2
    parts: tuple[object, ...] = ("Why a share? ", y, " = ", formula(layer, window), f" counts each of its {count}"
                    " entries once in a mean, so a change of ", entry, " moves ", y, f" by 1/{count}"
                    " of it: ", Derivative(y, entry), f" = 1/{count}",
                    *(with_math(f", the notes' $1/k²$ with $k = {g.kernel[0]}$") if square else ()),
                    f". Each entry of the window so takes 1/{count} of ", Derivative(context.loss, y),
                    ".")
    return [Once(("why", "average"), (Paragraph(parts),))]


def describe(layer: AvgPoolLayer, context: Context) -> tuple[str]:
    words = f"Average pooling{pool_words(layer, context)}"
    if max(layer.geometry.padding) > 0:
        words += f", count_include_pad = {str(layer.count_include_pad).lower()}"
    return (words,)


AVGPOOL = register(LayerType(
    kind="avgpool", name="average pooling", summary="average pooling",
    keys=(*POOL_KEYS, "count_include_pad"), build=build, describe=describe,
    title=lambda layer: pool_title(layer, "average pooling"),
    sections={"shapes": pool_shapes, "forward": forward, "dx": gradient},
    output_size=pool_output_size,
    mistakes=overlap_mistakes, expression=expression_of(formula), cases=pool_cases))
