"""A worked solution, as data: the sections a handout would show, computed from the derivation.

Each section is a small frozen dataclass holding numbers, symbols and polynomials (receptive
fields, the mapped-back accumulation, zero-inserted upstream gradients, chain-rule terms with
their factors named, ...). Nothing here formats text: :mod:`symconv.render.layout` turns sections
into document blocks and the printers (LaTeX, Markdown, text) write them.

Sections are built per layer by the builders registered for the layer's type in
:data:`LAYER_SECTIONS`; a new layer type (pooling, activations) registers its own builders there.
Long lists are cut to the first :class:`Limits` items; each section keeps the full count so the
document can say how many it leaves out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, NamedTuple

import numpy as np

from . import closed_form
from .checks import CheckReport, check
from .derivation import Derivation, Gradient, derive
from .errors import SizeLimitError, SymconvError
from .layers.activation import ReluLayer
from .layers.base import (EntryOf, InWindow, IsMax, IsPositive, LpFactor, LpRoot, Positive,
                          WindowMax, first_maximum, is_positive)
from .layers.conv import ConvGeometry, ConvLayer
from .layers.pool import AvgPoolLayer, LpPoolLayer, MaxPoolLayer, PoolLayer
from .poly import Number, Poly, Symbol, poly_sum, product_of
from .problem import Problem
from .tensors import Tensor

SECTION_NAMES = ("shapes", "forward", "dw", "dx", "db", "chain", "closed-form", "connect", "checks")
BACKWARD_SECTIONS = ("dw", "dx", "db")  # written per layer, from the last layer back
MAX_SOLUTION_TERMS = 200_000


class Limits(NamedTuple):
    """How many items a section writes out before it summarises the rest."""

    fields: int = 9  # receptive fields in the forward, ∂L/∂W and ∂L/∂X sections
    steps: int = 4  # running "mapped back" matrices before the final one
    equations: int = 25  # chain-rule equations per tensor (the homework's 5×5 has 25)


# -- small helpers over tensors ----------------------------------------------------------------------


def object_array(items, shape) -> np.ndarray:
    array = np.empty(len(items), dtype=object)
    array[:] = items
    return array.reshape(shape)


def entry_array(tensor: Tensor, shape=None) -> np.ndarray:
    """The tensor's entries (numbers where values are given, else symbols)."""
    return object_array(tensor.entries(), shape or tensor.shape)


def named_array(tensor: Tensor, shape=None) -> np.ndarray:
    """The tensor's entries as symbols, even where values are given (for names such as ``X_{11}``)."""
    return object_array([Symbol(tensor, i) for i in range(tensor.size)], shape or tensor.shape)


def leading_axes(tensor: Tensor, dims: int) -> tuple[str, ...]:
    """Names of the axes in front of the spatial ones: batch ``n``, channel ``c``, filter ``f``."""
    extra = len(tensor.shape) - dims
    names = {"weight": ("f", "c"), "input": ("n", "c")}.get(tensor.role, ("n", "f"))
    return names[len(names) - extra:] if extra else ()


class NamedTerm(NamedTuple):
    """A chain-rule term with its local derivative named even when it has a value: for ∂L/∂W of
    the CS7643 image, ``local`` is the symbol ``X_{11}`` while the term's value uses 1."""

    output: Symbol
    upstream: Number | Symbol
    local: Number | Symbol


def named_local(local, position: int):
    """The local derivative of one term with its entries named, even where they have values:
    ``X_{11}`` for a convolution, ``[Y1_{00} > 0]`` for ReLU, ``[C_{12} = max(C_{11}, …)]`` for
    max pooling, LP's root over the window's symbols; a number (1, 1/N) stays a number."""
    if isinstance(local, Positive):
        return IsPositive(Symbol(local.tensor, int(local.index[position])))
    if isinstance(local, EntryOf):
        return Symbol(local.tensor, int(local.index[position]))
    if isinstance(local, InWindow):
        window = local.windows[int(local.rows[position])]
        offset = int(local.offset[position])
        names = tuple(Symbol(local.tensor, int(i)) for i in window if i >= 0)
        at = int((window[:offset] >= 0).sum())
        if isinstance(local, WindowMax):
            return IsMax(names, at)
        if isinstance(local, LpRoot) and local.p > 1:
            return LpFactor(names, at, local.p, local.divisor)
    [factor] = local.factors(position, position + 1)  # a number (1, 1/N)
    return factor


def named_terms(gradient: Gradient, flat: int) -> list[NamedTerm]:
    terms = []
    for block in gradient.blocks:
        start, stop = int(block.offsets[flat]), int(block.offsets[flat + 1])
        for position in range(start, stop):
            output = int(block.outputs[position])
            terms.append(NamedTerm(Symbol(block.output, output), block.upstream.entry(output),
                                   named_local(block.local, position)))
    return terms


def named_sum(terms: list[NamedTerm]) -> Poly:
    return poly_sum(product_of((t.upstream, t.local)) for t in terms)


# -- sections ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AxisSize:
    """The output-size formula along one spatial axis, with the numbers."""

    axis: str  # "H", "W" or "L"
    size: int
    kernel: int
    stride: int
    padding: int
    dilation: int
    output: int
    remainder: int  # what the floor drops: (I + 2P − D(K−1) − 1) mod S
    unused: tuple[int, ...]  # input positions no output reads (0-based)


@dataclass(frozen=True)
class ShapesSection:
    layer: ConvLayer | PoolLayer
    upstream: Tensor
    axes: tuple[AxisSize, ...]


@dataclass(frozen=True)
class ReceptiveField:
    """What one output reads: the window of the (padded) input, the kernel of its filter, the
    upstream entry ∂L/∂y, the bias; ``products`` are the named (input, weight) pairs of its sum."""

    output: Symbol
    window: np.ndarray  # (C/groups, *kernel): input entries, 0 on padding
    kernel: np.ndarray  # (C/groups, *kernel): weight entries
    upstream: Number | Symbol
    bias: Number | Symbol | None
    bias_name: Symbol | None
    products: tuple[tuple[Symbol, Symbol], ...]
    value: Poly  # the output's value from the entries (numbers where given)


@dataclass(frozen=True)
class ForwardSection:
    layer: ConvLayer
    fields: tuple[ReceptiveField, ...]
    total: int


@dataclass(frozen=True)
class WeightGradientSection:
    layer: ConvLayer
    fields: tuple[ReceptiveField, ...]
    total: int
    result: np.ndarray  # ∂L/∂W in the weight's declared shape


@dataclass(frozen=True)
class MappedBack:
    after: int  # how many receptive fields are in
    array: np.ndarray  # in the input's declared shape


@dataclass(frozen=True)
class InputGradientSection:
    layer: ConvLayer
    fields: tuple[ReceptiveField, ...]
    total: int
    steps: tuple[MappedBack, ...]
    result: np.ndarray  # ∂L/∂X in the input's declared shape (from the derivation)


@dataclass(frozen=True)
class BiasSum:
    bias: Symbol
    upstream: tuple  # the upstream entries of the filter's outputs
    value: Poly


@dataclass(frozen=True)
class BiasGradientSection:
    layer: ConvLayer
    sums: tuple[BiasSum, ...]


@dataclass(frozen=True)
class ChainEquation:
    number: int
    wrt: Symbol
    terms: tuple[NamedTerm, ...]
    named: Poly  # the sum with local factors named
    value: Poly  # the sum with values substituted (equal to ``named`` when nothing has values)
    expanded: Poly | None = None  # in a chain: the value in terms of the given upstream gradient


@dataclass(frozen=True)
class ChainRuleBlock:
    tensor: Tensor
    equations: tuple[ChainEquation, ...]
    total: int
    result: np.ndarray
    unexpanded: bool = False  # too many terms to expand down to the given upstream gradient
    expanded: np.ndarray | None = None  # in a chain: the result in terms of the given upstream


@dataclass(frozen=True)
class ChainRuleSection:
    loss: str
    blocks: tuple[ChainRuleBlock, ...]


@dataclass(frozen=True)
class InsertedSize:
    """Size of the zero-inserted, padded upstream gradient along one axis:
    O + (S − 1)(O − 1) + 2·D(K − 1)."""

    axis: str
    output: int
    stride: int
    dilation: int
    kernel: int

    @property
    def size(self) -> int:
        o, s = self.output, self.stride
        return o + (s - 1) * (o - 1) + 2 * self.dilation * (self.kernel - 1)


@dataclass(frozen=True)
class ClosedFormSection:
    layer: ConvLayer
    upstream: Tensor
    rotated: np.ndarray  # rot180(W), canonical (F, C/groups, *kernel)
    inserted: np.ndarray  # zero-inserted and padded ∂L/∂Y, canonical (N, F, *size)
    sizes: tuple[InsertedSize, ...]
    input_gradient: np.ndarray  # declared shapes, from the closed form (not the derivation)
    weight_gradient: np.ndarray
    bias_gradient: np.ndarray | None


@dataclass(frozen=True)
class ConnectSection:
    """Which outputs an entry feeds, with the partner factor of each (slides: "what locations in
    y are connected to x_22?", "which x and y pairs are computed using w_01?")."""

    layer: ConvLayer
    entry: Symbol
    terms: tuple[NamedTerm, ...]
    value: Poly


@dataclass(frozen=True)
class ChecksSection:
    loss: str
    report: CheckReport


@dataclass(frozen=True)
class Solution:
    problem: Problem
    sections: tuple
    limits: Limits


# -- builders for convolution layers --------------------------------------------------------------


def axis_sizes(g: ConvGeometry) -> tuple[AxisSize, ...]:
    axes_names = "HW" if g.dims == 2 else "L"
    axes = []
    for axis, h, k, s, p, d, o, unused in zip(axes_names, g.input_size, g.kernel, g.stride,
                                              g.padding, g.dilation, g.output_size,
                                              g.unused_positions()):
        remainder = (h + 2 * p - d * (k - 1) - 1) % s
        axes.append(AxisSize(axis, h, k, s, p, d, o, remainder, unused))
    return tuple(axes)


def conv_shapes(layer: ConvLayer, context: "Context") -> ShapesSection:
    return ShapesSection(layer, context.problem.upstream_of(layer), axis_sizes(layer.geometry))


def receptive_fields(layer: ConvLayer, upstream: Tensor, count: int) -> tuple[ReceptiveField, ...]:
    """The first ``count`` outputs' receptive fields, in row-major output order."""
    g = layer.geometry
    x, w = layer.input, layer.weight
    positions = closed_form.pad(np.arange(x.size).reshape(g.input_shape) + 1, g.padding, g.padding) - 1
    weights = np.arange(w.size).reshape(g.weight_shape)
    fields = []
    for o in range(min(count, layer.output.size)):
        n, f, *at = np.unravel_index(o, g.output_shape)
        group = f // g.group_filters
        channels = slice(group * g.group_channels, (group + 1) * g.group_channels)
        window = positions[(n, channels, *[slice(a * s, a * s + d * (k - 1) + 1, d) for a, s, d, k
                                           in zip(at, g.stride, g.dilation, g.kernel)])]
        kernel = weights[f]
        products = tuple((Symbol(x, int(i)), Symbol(w, int(j)))
                         for i, j in zip(window.flat, kernel.flat) if i >= 0)
        bias = layer.bias.entry(int(f)) if layer.bias is not None else None
        value = poly_sum([product_of((x.entry(a.flat), w.entry(b.flat))) for a, b in products]
                         + ([bias] if bias is not None else []))
        fields.append(ReceptiveField(
            Symbol(layer.output, o),
            object_array([x.entry(int(i)) if i >= 0 else 0 for i in window.flat], window.shape),
            object_array([w.entry(int(j)) for j in kernel.flat], kernel.shape),
            upstream.entry(o), bias,
            Symbol(layer.bias, int(f)) if layer.bias is not None else None, products, value))
    return tuple(fields)


def conv_forward(layer: ConvLayer, context: "Context") -> ForwardSection:
    upstream = context.problem.upstream_of(layer)
    return ForwardSection(layer, receptive_fields(layer, upstream, context.limits.fields),
                          layer.output.size)


def conv_weight_gradient(layer: ConvLayer, context: "Context") -> WeightGradientSection:
    upstream = context.problem.upstream_of(layer)
    result = context.result(layer.weight)
    return WeightGradientSection(layer, receptive_fields(layer, upstream, context.limits.fields),
                                 layer.output.size, result)


def mapped_back(layer: ConvLayer, upstream: Tensor, counts: list[int]) -> list[MappedBack]:
    """The input-shaped sum of ``∂L/∂y_k ⊙ W`` placed back over each output's receptive field,
    after the first ``count`` outputs, for each count (the CS7643 handout's running matrices)."""
    y, x, w = layer.geometry.index_triples()
    total = [Poly() for _ in range(layer.input.size)]
    steps, done = [], 0
    for count in sorted(counts):
        for row in np.flatnonzero((y >= done) & (y < count)):
            contribution = product_of((upstream.entry(int(y[row])), layer.weight.entry(int(w[row]))))
            total[x[row]] = total[x[row]] + contribution
        done = count
        steps.append(MappedBack(count, object_array(list(total), layer.input.shape)))
    return steps


def conv_input_gradient(layer: ConvLayer, context: "Context") -> InputGradientSection:
    upstream = context.problem.upstream_of(layer)
    outputs = layer.output.size
    counts = list(range(1, min(context.limits.steps, outputs - 1) + 1))  # the last is the result
    result = context.result(layer.input)
    return InputGradientSection(layer, receptive_fields(layer, upstream, context.limits.fields),
                                outputs, tuple(mapped_back(layer, upstream, counts)), result)


def conv_bias_gradient(layer: ConvLayer, context: "Context") -> BiasGradientSection | None:
    if layer.bias is None:
        return None
    g = layer.geometry
    upstream = context.problem.upstream_of(layer)
    values = context.result(layer.bias).reshape(-1)
    filters = np.unravel_index(np.arange(layer.output.size), g.output_shape)[1]
    sums = tuple(BiasSum(Symbol(layer.bias, f),
                         tuple(upstream.entry(int(o)) for o in np.flatnonzero(filters == f)), values[f])
                 for f in range(g.filters))
    return BiasGradientSection(layer, sums)


def conv_closed_form(layer: ConvLayer, context: "Context") -> ClosedFormSection:
    g = layer.geometry
    upstream = context.problem.upstream_of(layer)
    lift = np.vectorize(Poly.lift, otypes=[object])
    x = lift(entry_array(layer.input, g.input_shape))
    w = lift(entry_array(layer.weight, g.weight_shape))
    dy = lift(entry_array(upstream, g.output_shape))
    reach = tuple(d * (k - 1) for d, k in zip(g.dilation, g.kernel))
    inserted = closed_form.pad(closed_form.insert_zeros(entry_array(upstream, g.output_shape),
                                                        g.stride), reach, reach)
    axes_names = "HW" if g.dims == 2 else "L"
    sizes = tuple(InsertedSize(a, o, s, d, k) for a, o, s, d, k
                  in zip(axes_names, g.output_size, g.stride, g.dilation, g.kernel))
    bias = (closed_form.grad_bias(dy).reshape(layer.bias.shape) if layer.bias is not None else None)
    rotated = closed_form.rotate_180(entry_array(layer.weight, g.weight_shape), g.dims)
    return ClosedFormSection(layer, upstream, rotated, inserted, sizes,
                             closed_form.grad_input(dy, w, g).reshape(layer.input.shape),
                             closed_form.grad_weight(x, dy, g).reshape(layer.weight.shape), bias)


# -- builders for pooling and ReLU ----------------------------------------------------------------


@dataclass(frozen=True)
class PoolWindow:
    """One output's window: ``cells`` in row-major window order (the entries, numbers where given,
    None on padding) and ``names`` the same cells as symbols; for max pooling with numbers,
    ``winner`` is the cell of the first maximum and ``tied`` every cell that equals it."""

    output: Symbol
    cells: np.ndarray  # kernel-shaped object array
    names: np.ndarray  # kernel-shaped object array of Symbols (None on padding)
    upstream: Number | Symbol
    value: Number | None  # the output's value when the input has numbers (not for LP's roots)
    winner: int | None = None
    tied: tuple[int, ...] = ()

    def inside(self) -> tuple[Symbol, ...]:
        """The window's entries that lie in the input (padding left out), as symbols."""
        return tuple(n for n in self.names.flat if n is not None)


@dataclass(frozen=True)
class LocalDerivative:
    """∂output/∂entry for one window entry, named (an indicator, 1/N, LP's root), and its value."""

    output: Symbol
    entry: Symbol
    named: object
    value: object


@dataclass(frozen=True)
class PoolForwardSection:
    layer: PoolLayer
    windows: tuple[PoolWindow, ...]
    total: int
    output: np.ndarray | None  # the output's values when they are numbers


@dataclass(frozen=True)
class PoolGradientSection:
    layer: PoolLayer
    upstream: Tensor
    windows: tuple[PoolWindow, ...]
    total: int
    locals: tuple[LocalDerivative, ...]  # those of the first window
    result: np.ndarray  # ∂L/∂X in the input's shape (from the derivation)
    share: np.ndarray | None = None  # average pooling with one N: N·∂L/∂X (the notes' matrix)


@dataclass(frozen=True)
class ReluSection:
    """ReLU's forward values and mask ``[x > 0]`` (0/1 with numbers, indicators with symbols), and
    ∂L/∂X = ∂L/∂Y ⊙ mask."""

    layer: ReluLayer
    upstream: Tensor
    output: np.ndarray | None
    mask: np.ndarray
    result: np.ndarray


def pool_windows(layer: PoolLayer, upstream: Tensor, count: int) -> tuple[PoolWindow, ...]:
    """The first ``count`` outputs' windows, in row-major output order."""
    x = layer.input
    kernel = layer.geometry.kernel
    windows = []
    for o, positions in enumerate(layer.window_matrix()[:count].tolist()):
        cells = [x.entry(i) if i >= 0 else None for i in positions]
        names = [Symbol(x, i) if i >= 0 else None for i in positions]
        inside = [c for c in cells if c is not None]
        numeric = not any(isinstance(c, Symbol) for c in inside)
        output = layer.output.entry(o)
        value = output if not isinstance(output, Symbol) else None
        winner, tied = None, ()
        if isinstance(layer, MaxPoolLayer) and numeric:
            valid = [i for i, c in enumerate(cells) if c is not None]
            winner = valid[first_maximum(inside)]
            tied = tuple(i for i in valid if cells[i] == cells[winner])
        windows.append(PoolWindow(Symbol(layer.output, o), object_array(cells, kernel),
                                  object_array(names, kernel), upstream.entry(o), value, winner, tied))
    return tuple(windows)


def pool_shapes(layer: PoolLayer, context: "Context") -> ShapesSection:
    return ShapesSection(layer, context.problem.upstream_of(layer), axis_sizes(layer.geometry.conv))


def pool_forward(layer: PoolLayer, context: "Context") -> PoolForwardSection:
    upstream = context.problem.upstream_of(layer)
    output = entry_array(layer.output) if layer.output.is_numeric else None
    return PoolForwardSection(layer, pool_windows(layer, upstream, context.limits.fields),
                              layer.output.size, output)


def pool_input_gradient(layer: PoolLayer, context: "Context") -> PoolGradientSection:
    upstream = context.problem.upstream_of(layer)
    windows = pool_windows(layer, upstream, context.limits.fields)
    gradient = context.derivation.gradient(layer.input.name)
    block = next(b for b in gradient.blocks if b.output is layer.output)
    first = windows[0].inside()
    locals_ = []
    for entry in first:
        start, stop = int(block.offsets[entry.flat]), int(block.offsets[entry.flat + 1])
        position = start + block.outputs[start:stop].tolist().index(0)
        [value] = block.local.factors(position, position + 1)
        locals_.append(LocalDerivative(windows[0].output, entry,
                                       named_local(block.local, position), value))
    result = context.result(layer.input)
    share = None
    if isinstance(layer, AvgPoolLayer) and len(set(layer.counts().tolist())) == 1:
        n = int(layer.counts()[0])
        share = np.vectorize(lambda p: p * n, otypes=[object])(result)
    return PoolGradientSection(layer, upstream, windows, layer.output.size, tuple(locals_),
                               result, share)


def relu_section(layer: ReluLayer, context: "Context") -> ReluSection:
    x = layer.input
    mask = object_array([is_positive(e) for e in x.entries()], x.shape)
    output = entry_array(layer.output) if layer.output.is_numeric else None
    return ReluSection(layer, context.problem.upstream_of(layer), output, mask,
                       context.result(x))


@dataclass(frozen=True)
class Context:
    problem: Problem
    derivation: Derivation
    limits: Limits
    _results: dict = field(default_factory=dict, repr=False)

    def result(self, tensor: Tensor) -> np.ndarray:
        """∂L/∂tensor from the derivation, in the tensor's shape; computed once per solution (the
        ∂L/∂W, ∂L/∂X and chain-rule sections all show it)."""
        if tensor.name not in self._results:
            polys = self.derivation.gradient(tensor.name).polys()
            self._results[tensor.name] = object_array(polys, tensor.shape)
        return self._results[tensor.name]


LayerBuilder = Callable[[object, Context], object]

#: Section builders per layer type (every layer type of problem.LAYER_BUILDERS has its entry); a
#: section a layer type has no builder for is left out (ReLU has no shapes or forward section).
LAYER_SECTIONS: dict[type, dict[str, LayerBuilder]] = {
    ConvLayer: {"shapes": conv_shapes, "forward": conv_forward, "dw": conv_weight_gradient,
                "dx": conv_input_gradient, "db": conv_bias_gradient, "closed-form": conv_closed_form},
    **{pool: {"shapes": pool_shapes, "forward": pool_forward, "dx": pool_input_gradient}
       for pool in (MaxPoolLayer, AvgPoolLayer, LpPoolLayer)},
    ReluLayer: {"dx": relu_section},
}


def layer_section(layer, name: str, context: Context):
    builder = LAYER_SECTIONS[type(layer)].get(name)
    return builder(layer, context) if builder is not None else None


# -- whole-problem sections --------------------------------------------------------------------------


def backward_order(problem: Problem) -> list[Tensor]:
    """The tensors with a gradient in the order the chain rule reaches them: layer by layer from
    the loss back (∂L/∂Y2 before ∂L/∂Y1 before ∂L/∂X), a layer's input before its parameters."""
    order: list[Tensor] = []
    for layer in reversed(problem.layers):
        order += [t for t in (layer.input, *layer.parameters) if t not in order]
    return order


def reads_intermediate(problem: Problem, gradient: Gradient) -> bool:
    """Whether some term's upstream factor is the gradient of a later layer's output."""
    last = problem.layers[-1].output
    return any(block.output is not last for block in gradient.blocks)


def chain_rule_section(context: Context) -> ChainRuleSection:
    blocks, number = [], 0
    for tensor in backward_order(context.problem):
        gradient = context.derivation.gradient(tensor.name)
        count = min(tensor.size, context.limits.equations)
        expanded, unexpanded, whole = [None] * count, False, None
        if reads_intermediate(context.problem, gradient):
            try:
                whole = object_array(gradient.expanded(), tensor.shape)
                expanded = list(whole.reshape(-1)[:count])
            except SizeLimitError:  # the layer-by-layer form is still written
                unexpanded = True
        equations = []
        for flat in range(count):
            entry = gradient.entry(flat)
            terms = named_terms(gradient, flat)
            number += 1
            equations.append(ChainEquation(number, entry.wrt, tuple(terms), named_sum(terms),
                                           entry.value, expanded[flat]))
        blocks.append(ChainRuleBlock(tensor, tuple(equations), tensor.size,
                                     context.result(tensor), unexpanded, whole))
    return ChainRuleSection(context.problem.loss, tuple(blocks))


def default_connect_entries(problem: Problem, derivation: Derivation) -> list[Symbol]:
    """The slides' two questions for this problem: the input entry that feeds the most outputs
    (x_22 for a 5×5 input and a 3×3 kernel) and the second weight entry (w_01)."""
    layer = problem.layers[0]
    counts = np.diff(derivation.gradient(layer.input.name).blocks[0].offsets)
    entries = [Symbol(layer.input, int(np.argmax(counts)))]
    weight = next((p for p in layer.parameters if p.role == "weight"), None)
    if weight is not None:
        entries.append(Symbol(weight, min(1, weight.size - 1)))
    return entries


def connect_section(context: Context, entry: Symbol) -> ConnectSection:
    gradient = context.derivation.gradient(entry.tensor.name)
    layer = next(l for l in context.problem.layers
                 if entry.tensor in (l.input, *l.parameters))
    terms = named_terms(gradient, entry.flat)
    return ConnectSection(layer, entry, tuple(terms), gradient.entry(entry.flat).value)


def parse_sections(text: str) -> tuple[str, ...]:
    """``"shapes,dx"`` -> ``("shapes", "dx")``, in the document's order; unknown names are an error."""
    wanted = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [name for name in wanted if name not in SECTION_NAMES]
    if unknown or not wanted:
        problem = f"unknown section {unknown[0]!r}" if unknown else "no section named"
        raise SymconvError(f"{problem}; choose from {','.join(SECTION_NAMES)}"
                           " (e.g. --sections shapes,dx)")
    return tuple(name for name in SECTION_NAMES if name in wanted)


def build_solution(problem: Problem, sections=SECTION_NAMES, *, derivation: Derivation | None = None,
                   connect: list[Symbol] | None = None, limits: Limits = Limits(),
                   max_terms: int = MAX_SOLUTION_TERMS, seed: int = 0) -> Solution:
    """The worked solution of ``problem`` with the named sections, in document order.

    ``connect`` lists the entries the connectivity section asks about (default: the slides' two
    questions). Problems with more chain-rule terms than ``max_terms`` are refused: a document that
    long cannot be read, and ``symconv grad`` answers single entries of any size.
    """
    count = problem.term_count()
    if count > max_terms:
        raise SizeLimitError(f"this problem has {count:,} chain-rule terms, over the limit of"
                             f" {max_terms:,} for a worked solution; use symconv grad --entry for"
                             " single entries, or raise the limit with --max-terms")
    derivation = derivation or derive(problem, max_terms=max(max_terms, count))
    context = Context(problem, derivation, limits)
    built = []
    wanted = [n for n in BACKWARD_SECTIONS if n in sections]
    for name in SECTION_NAMES:
        if name not in sections or (name in BACKWARD_SECTIONS and name != wanted[0]):
            continue
        if name in BACKWARD_SECTIONS:
            # The gradient sections go from the loss back, layer by layer (max pooling, then ReLU,
            # then the convolution's ∂L/∂W, ∂L/∂X, ∂L/∂b), the order the chain rule takes them.
            built += [section for layer in reversed(problem.layers) for backward in wanted
                      if (section := layer_section(layer, backward, context)) is not None]
        elif name == "chain":
            built.append(chain_rule_section(context))
        elif name == "connect":
            for entry in connect or default_connect_entries(problem, derivation):
                built.append(connect_section(context, entry))
        elif name == "checks":
            built.append(ChecksSection(problem.loss, check(problem, seed=seed, derivation=derivation)))
        else:
            built += [section for layer in problem.layers
                      if (section := layer_section(layer, name, context)) is not None]
    return Solution(problem, tuple(built), limits)
