"""A convolution's worked-solution sections, as the handouts write them.

``shapes``       the output-size formula with the numbers, and the four shape questions (CS7643)
``forward``      every receptive field ⊙ the kernel, every output written out
``dw``           each receptive field ⊙ its upstream entry, then their sum (CS7643)
``dx``           each upstream entry ⊙ the kernel, mapped back field by field (CS7643)
``db``           ∂L/∂b as the sum of each filter's upstream entries (slides, notes)
``closed-form``  the rotated kernel, the zero-inserted and padded upstream gradient, the full
                 correlation, ∂L/∂W and ∂L/∂b (notes)
"""

from __future__ import annotations

from functools import partial
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from ...contract import Layer
from ...document import (Concat, Derivative, Display, Equation, Formula, Gallery, Group, Hadamard, Heading,
                         Labeled, Matrix, Numbered, Once, Paragraph, Reference, Section, Sum,
                         MAX_SLICES, equation, with_math)
from ...poly import Number, Poly, Symbol, poly_sum, product_of
from ...sections import (MIN_NAMED, Context, entry_array, kernel_front, leading_axes, more,
                         object_array, output_blocks, output_matrix, planes, slice_axes,
                         spatial_front, unwrap_constant)
from ...tensors import Tensor
from ...wording import AXIS_WORDS, ordinal, per_axis, shape_text
from . import closed_form, why
from .figures import closed_form_figure, receptive_field_figure
from .geometry import ConvGeometry
from .layer import ConvLayer, SumOfProducts


# -- shapes (shared with pooling, whose windows slide like a kernel) -----------------------------------


class AxisSize(NamedTuple):
    """The output-size formula along one spatial axis, with the numbers."""

    axis: str  # "D", "H", "W" or "L"
    size: int
    kernel: int
    stride: int
    padding: tuple[int, int]  # before, after
    dilation: int
    output: int
    remainder: int  # what the floor drops: (I + 2P − D(K−1) − 1) mod S
    unused: tuple[int, ...]  # input positions no output reads (0-based)


def axis_sizes(g: ConvGeometry) -> list[AxisSize]:
    axes = []
    for axis, h, k, s, p, d, o, unused in zip(g.axes, g.input_size, g.kernel, g.stride, g.padding,
                                              g.dilation, g.output_size, g.unused_positions()):
        remainder = (h + sum(p) - d * (k - 1) - 1) % s
        axes.append(AxisSize(axis, h, k, s, p, d, o, remainder, unused))
    return axes


def axis_rows(per_axis: Sequence[Sequence[Equation]], same: bool) -> tuple[Equation, ...]:
    """The equations of every axis in turn; when every axis has the same numbers (``same``: in a
    handout), each equation once for all of them: ``O_H = O_W = ⌊(I − K + 2P)/S⌋ + 1 = … = 3``."""
    if not same or len(per_axis) < 2:
        return tuple(row for rows in per_axis for row in rows)
    return tuple(Equation((Formula(" = ".join(rows[i].sides[0].text for rows in per_axis)),
                           *per_axis[0][i].sides[1:])) for i in range(len(per_axis[0])))


def same_numbers(axes: Sequence[AxisSize]) -> bool:
    return len({axis._replace(axis="") for axis in axes}) == 1


def padding_terms(padding: tuple[int, int]) -> tuple[str, str]:
    """The padding in a size formula, in letters and in numbers: ``2P`` and ``2·1``, or
    ``P_before + P_after`` and ``1 + 2`` when the sides differ."""
    before, after = padding
    if before == after:
        return "2P", f"2·{before}"
    return "P_before + P_after", f"{before} + {after}"


def size_formula(a: AxisSize) -> Equation:
    letters, numbers_of = padding_terms(a.padding)
    if a.dilation == 1:
        general = Formula(f"⌊(I − K + {letters})/S⌋ + 1")
        numbers = Formula(f"⌊({a.size} − {a.kernel} + {numbers_of})/{a.stride}⌋ + 1")
    else:
        general = Formula(f"⌊(I + {letters} − D(K − 1) − 1)/S⌋ + 1")
        numbers = Formula(f"⌊({a.size} + {numbers_of} − {a.dilation}·({a.kernel} − 1) − 1)"
                          f"/{a.stride}⌋ + 1")
    return Equation((Formula(f"O_{a.axis}"), general, numbers, a.output))


def size_arithmetic(a: AxisSize) -> str:
    """The output size along one axis as a message writes it, with the numbers only: ``(5 − 3)/1 +
    1``, ``⌊(6 − 3 + 2·1)/2⌋ + 1`` (the floor only when it drops something, the padding only when
    there is some)."""
    _, padding = padding_terms(a.padding)
    padding = f" + {padding}" if sum(a.padding) else ""
    inner = (f"{a.size} − {a.kernel}{padding}" if a.dilation == 1
             else f"{a.size}{padding} − {a.dilation}·({a.kernel} − 1) − 1")
    return f"⌊({inner})/{a.stride}⌋ + 1" if a.remainder else f"({inner})/{a.stride} + 1"


def output_arithmetic(layer: ConvLayer) -> tuple[str, ...]:
    return tuple(size_arithmetic(axis) for axis in axis_sizes(layer.geometry))


def floor_note(axis: AxisSize, x: Tensor) -> list[object]:
    words = AXIS_WORDS[axis.axis]
    blocks: list[object] = []
    if axis.remainder:
        numerator = axis.size + sum(axis.padding) - axis.dilation * (axis.kernel - 1) - 1
        letters = padding_terms(axis.padding)[0]
        formula = f"I − K + {letters}" if axis.dilation == 1 else f"I + {letters} − D(K − 1) − 1"
        blocks.append(Paragraph((f"Along {axis.axis} the division is not exact: ",
                                 Formula(f"{formula} = {numerator}"), " is not a multiple of ",
                                 Formula(f"S = {axis.stride}"), ", and the floor drops the"
                                 f" remainder {axis.remainder}.")))
    if axis.unused:
        shown = ", ".join(str(p + x.index_base) for p in axis.unused)
        if len(axis.unused) == 1:
            words, verb, their = words[:-1], "is", "its"
        else:
            verb, their = "are", "their"
        blocks.append(Paragraph((f"{words.capitalize()} {shown} of {x.name} {verb} never read"
                                 f" by any output, so {their} gradient is 0.",)))
    return blocks


def axes_words(tensor: Tensor, dims: int) -> tuple[object, ...]:
    """`` (N × F × H_out × W_out)``, the axes of an output with batch or filter axes, in math."""
    extra = leading_axes(tensor, dims)
    if not extra:
        return ()
    spatial = {1: ("L_out",), 2: ("H_out", "W_out"), 3: ("D_out", "H_out", "W_out")}[dims]
    return (" (", Formula(" × ".join([a.upper() for a in extra] + list(spatial))), ")")


def letters(lead: str, pairs: list[tuple[str, str]], context: Context,
            end: str = "):") -> tuple[object, ...]:
    """``lead`` then the letters of a formula, each in math, with what it stands for:
    "… (I input, K kernel, …):"; a letter that also names one of the problem's tensors (d2l's
    kernel K) is said to be its size here."""
    names = {t.name for layer in context.problem.layers
             for t in (layer.input, layer.output, *layer.parameters)}
    parts: list[object] = [lead]
    for n, (letter, meaning) in enumerate(pairs):
        parts += [", " if n else "", Formula(letter), f" {meaning}"]
        if letter in names:
            parts += [" size (in these formulas, not the tensor ", Formula(letter), ")"]
    return (*parts, end)


def shapes_section(layer: Layer, context: Context, axes: list[AxisSize], words: tuple[object, ...],
                   weight: Tensor | None, padding: list[object] | None = None) -> Section:
    """The output size along each axis, then the shapes of Y, ∂L/∂Y, (∂L/∂W,) ∂L/∂X; ``padding``:
    blocks saying which padding is used, first."""
    blocks: list[object] = [Heading("Shapes" + context.where(layer)), *(padding or []), Paragraph(words),
                    Display(axis_rows([[size_formula(axis)] for axis in axes],
                                      context.detail.once and same_numbers(axes)))]
    blocks += shape_questions(layer, context, weight)
    for axis in axes:
        blocks += floor_note(axis, layer.input)
    return Section("shapes", tuple(blocks))


def shape_questions(layer: Layer, context: Context, weight: Tensor | None) -> list[object]:
    """CS7643's questions: the shapes of Y, ∂L/∂Y, (∂L/∂W,) ∂L/∂X, answered."""
    x, y, loss = layer.input, layer.output, context.loss
    upstream = context.upstream_of(layer)
    questions = [
        (("What is the shape of the output ", Formula(y.name), "?"), y.shape,
         axes_words(y, context.dims)),
        (("What is the shape of the upstream gradient ", Derivative(loss, y),
          " passed back to this layer?"), upstream.shape, (", the same as ", Formula(y.name))),
    ]
    if weight is not None:
        questions.append((("What is the shape of ", Derivative(loss, weight), "?"), weight.shape,
                          (", the same as ", Formula(weight.name))))
    questions.append((("What is the shape of ", Derivative(loss, x), "?"), x.shape,
                      (", the same as ", Formula(x.name),
                       "" if weight is not None else " (pooling has no weights)")))
    return [Paragraph((f"{number}. ", *question, f" {shape_text(shape)}", *remark, "."))
            for number, (question, shape, remark) in enumerate(questions, start=1)]


def conv_shapes(layer: ConvLayer, context: Context) -> Section:
    dilated = any(d > 1 for d in layer.geometry.dilation)
    words = letters("The output size along each axis (", [
        ("I", "input"), ("K", "kernel"), ("P", "padding"), ("S", "stride"),
        *([("D", "dilation")] if dilated else [])], context)
    return shapes_section(layer, context, axis_sizes(layer.geometry), words, layer.weight,
                          padding_blocks(layer.geometry, layer.same))


def padding_blocks(g: ConvGeometry, same: bool, sizes: tuple[int, ...] | None = None) -> list[object]:
    """How the padding was worked out (``padding = "same"``, from ``sizes``: the input's by
    default) and what it is on each side, when the sides differ."""
    if not same:
        return [] if g.symmetric else [Paragraph((f"The padding differs between the sides:"
                                                  f" {g.padding_words}.",))]
    sizes = sizes or g.input_size
    dilated = any(d > 1 for d in g.dilation)
    reach_of: Callable[[int, int], str]
    reach, reach_of = ("D(K − 1) + 1", lambda d, k: f"{d}·({k} − 1) + 1") if dilated else (
        "K", lambda d, k: f"{k}")
    rows = tuple(Equation((Formula(f"P_{axis}"), Formula(f"max((⌈I/S⌉ − 1)·S + {reach} − I, 0)"),
                           Formula(f"max((⌈{h}/{s}⌉ − 1)·{s} + {reach_of(d, k)} − {h}, 0)"), b + a))
                 for axis, h, k, s, d, (b, a) in zip(g.axes, sizes, g.kernel, g.stride, g.dilation,
                                                      g.padding))
    return [Paragraph(with_math("padding = \"same\" (TensorFlow and Keras): $⌈I/S⌉$ outputs along"
                                " each axis ($I$ the input size, $S$ the stride, $K$ the kernel size"
                                + (", $D$ the dilation" if dilated else "") + "), with the total"
                                " padding below split in half, the odd one after:")),
            Display(rows),
            Paragraph((f"So the padding used is {g.padding_words}"
                       + (" on every side" if g.symmetric and len(set(g.pad_before)) == 1 else "")
                       + ".",))]


# -- receptive fields -----------------------------------------------------------------------------


class ReceptiveField(NamedTuple):
    """What one output reads: the window of the (padded) input, the kernel of its filter, the
    upstream entry ∂L/∂y, the bias; ``products`` are the named (input, weight) pairs of its sum."""

    output: Symbol
    filter: int
    window: np.ndarray  # (C/groups, *kernel): input entries, 0 on padding
    kernel: np.ndarray  # (C/groups, *kernel): weight entries
    upstream: Number | Symbol | Poly
    bias_name: Symbol | None
    products: tuple[tuple[Symbol, Symbol], ...]
    value: Poly  # the output's value from the entries (numbers where given)


def upstream_entry(upstream: Tensor | Sequence[Number | Symbol | Poly]
                   ) -> Callable[[int], Number | Symbol | Poly]:
    """Output o's upstream entry: the tensor's entry, or ``upstream[o]`` for values carried back
    through a chain (:meth:`~symconv.sections.Context.upstream_entries`)."""
    return upstream.entry if isinstance(upstream, Tensor) else upstream.__getitem__


def factor(value: object) -> object:
    """A value as a factor of ⊙ or of a sum: a polynomial of several terms in parentheses."""
    return Group(value) if isinstance(value, Poly) and len(value.terms) > 1 else value


def receptive_fields(layer: ConvLayer, upstream: Tensor | Sequence[Number | Symbol | Poly],
                     count: int) -> tuple[ReceptiveField, ...]:
    """The first ``count`` outputs' receptive fields, in row-major output order; ``upstream`` is
    the upstream gradient or the entry each output passes back."""
    g = layer.geometry
    x, w = layer.input, layer.weight
    positions = closed_form.pad(np.arange(x.size).reshape(g.input_shape) + 1, g.pad_before,
                                g.pad_after) - 1
    weights = np.arange(w.size).reshape(g.weight_shape)
    upstream_of = upstream_entry(upstream)
    fields = []
    for o in range(min(count, layer.output.size)):
        n, f, *at = np.unravel_index(o, g.output_shape)
        group = f // g.group_filters
        channels = slice(group * g.group_channels, (group + 1) * g.group_channels)
        reads: tuple[Any, ...] = (n, channels, *[slice(a * s, a * s + d * (k - 1) + 1, d) for a, s, d, k
                                                 in zip(at, g.stride, g.dilation, g.kernel)])
        window = positions[reads]
        kernel = weights[f]
        products = tuple((Symbol(x, int(i)), Symbol(w, int(j)))
                         for i, j in zip(window.flat, kernel.flat) if i >= 0)
        bias = layer.bias.entry(int(f)) if layer.bias is not None else None
        value = poly_sum([product_of((x.entry(a.flat), w.entry(b.flat))) for a, b in products]
                         + ([bias] if bias is not None else []))
        fields.append(ReceptiveField(
            Symbol(layer.output, o), int(f),
            object_array([x.entry(int(i)) if i >= 0 else 0 for i in window.flat], window.shape),
            object_array([w.entry(int(j)) for j in kernel.flat], kernel.shape),
            upstream_of(o), Symbol(layer.bias, int(f)) if layer.bias is not None else None,
            products, value))
    return tuple(fields)


def field_items(field: ReceptiveField, item_of: Callable[[tuple[int, ...]], object], base: int = 0,
                channel: str | None = "c") -> list[Labeled]:
    """``item_of(index)`` for each 2-D plane of a receptive field (each channel, named
    ``channel``, and in 3-D each depth d of the kernel), labelled with the output (and the plane
    when there are several, counted from ``base``, as the input's slices). ``channel`` None: the
    input has no channel axis, so no label names one."""
    names = (channel, *kernel_front(field.window.ndim - 1))
    found = planes(field.window, names, base)
    if len(found) == 1:
        return [Labeled(field.output, item_of(found[0][1]))]
    return [Labeled(Concat((field.output, Formula(", " + label))), item_of(index))
            for label, index in found]


def shown_fields(context: Context, fields: tuple[ReceptiveField, ...]) -> tuple[ReceptiveField, ...]:
    """The receptive fields a gallery shows (:meth:`~symconv.sections.Context.gallery_fields`:
    fewer in a handout when each has several channels or depth slices)."""
    planes = len(field_items(fields[0], lambda index: index)) if fields else 1
    return tuple(context.gallery_fields(fields, planes))


def field_gallery(layer: ConvLayer, fields: tuple[ReceptiveField, ...],
                  item_of: Callable[[ReceptiveField, tuple[int, ...]], object],
                  base: int) -> Gallery:
    """The receptive fields' items (``item_of(field, channel)``) laid out like the output grid:
    a row of the gallery per row of outputs; channels counted from ``base``."""
    leading = leading_axes(layer.input, layer.geometry.dims)
    channel = leading[-1] if leading and leading[-1] != "n" else None
    items: list[Labeled] = []
    for field in fields:
        items += field_items(field, partial(item_of, field), base, channel)
    per_field = len(items) // max(1, len(fields))
    return Gallery(tuple(items), columns=layer.geometry.output_size[-1] * per_field)


def fields_key(layer: ConvLayer) -> tuple[str, str]:
    return ("receptive fields", layer.output.name)


def fields_once(layer: ConvLayer, context: Context, fields: tuple[ReceptiveField, ...],
                gallery: Gallery, again: tuple[object, ...] = ()) -> list[object]:
    """A gallery of the receptive fields; in a handout, where they were shown before, ``again``
    instead (which refers to them)."""
    if not fields or not context.detail.once:
        return [gallery]
    key = fields_key(layer)
    return [Once(key, (Numbered(gallery, key=key, optional=True),), again, result=True)]


def is_big(context: Context, plane: np.ndarray) -> bool:
    """Whether a matrix is written once in this document, and by name after that (a handout's
    3 × 3 kernel in every receptive field)."""
    return context.detail.once and plane.size >= MIN_NAMED


def kernel_item(layer: ConvLayer, context: Context, field: ReceptiveField,
                plane: tuple[int, ...]) -> Matrix | Formula:
    """A receptive field's kernel (the ``plane`` of a kernel with channels or depth): its matrix,
    or in a handout a kernel of 9 or more entries by its name, ``W`` or ``W[f, c]`` (the problem
    statement shows it)."""
    kernel = field.kernel[plane]
    if not (context.statement and is_big(context, kernel)):
        return Matrix(kernel)
    return Formula(kernel_name(layer, context, field.filter, plane))


def kernel_name(layer: ConvLayer, context: Context, filter_: int, plane: tuple[int, ...]) -> str:
    """``W``, or the slice ``W[f, c]`` (``W[f, c, d]`` in 3-D) counted from the slice labels' base."""
    w = layer.weight
    leading = [filter_, plane[0]] if len(w.shape) > layer.geometry.dims else []
    indices = leading + list(plane[1:])  # and the kernel's depth in 3-D
    base = context.label_base(w)
    return w.name + (f"[{', '.join(str(i + base) for i in indices)}]" if indices else "")


def kernel_label(layer: ConvLayer, context: Context, filter_: int) -> Formula:
    """The kernel of a filter by name: ``W``, or ``W[f]`` for filter f of a weight with filters."""
    w = layer.weight
    if len(w.shape) == layer.geometry.dims:
        return Formula(w.name)
    return Formula(f"{w.name}[{filter_ + context.label_base(w)}]")


def kernel_words(layer: ConvLayer, context: Context) -> tuple[object, ...]:
    """What ``W[f]`` stands for, when a sentence names a filter's kernel."""
    w = layer.weight
    if len(w.shape) == layer.geometry.dims:
        return ()
    return (f" ({w.name}[f] is filter f's kernel, every channel of it.)",)


def named_kernels_note(layer: ConvLayer, context: Context,
                       fields: tuple[ReceptiveField, ...]) -> list[object]:
    """What ``W[f, c]`` stands for, when a gallery names kernel slices."""
    w = layer.weight
    if not fields or not context.statement or len(w.shape) == layer.geometry.dims or not is_big(
            context, fields[0].kernel[(0,) * (fields[0].kernel.ndim - 2)]):
        return []
    axes = ", ".join(slice_axes(w, context.dims))
    return [Paragraph((f"({w.name}[{axes}] is the slice {axes} of the kernel {w.name}, as shown"
                       " with the problem.)",))]


def conv_forward(layer: ConvLayer, context: Context) -> Section:
    fields = receptive_fields(layer, context.upstream_of(layer), context.detail.fields)
    blocks: list[object] = [Heading("Forward pass" + context.where(layer)),
                    Paragraph(("Each receptive field is multiplied element-wise (⊙) by the kernel"
                               " and the products are added"
                               + (", plus the bias" if layer.bias is not None else "") + ":",))]
    blocks += receptive_field_figure(layer, context)
    shown = shown_fields(context, fields)
    gallery = field_gallery(layer, shown, lambda f, c: Hadamard(Matrix(f.window[c]),
                                                                kernel_item(layer, context, f, c)),
                            context.label_base(layer.input))
    blocks += fields_once(layer, context, shown, gallery)
    blocks += named_kernels_note(layer, context, shown)
    if len(shown) < len(fields):
        blocks += more(len(shown), layer.output.size, "receptive fields")
    outputs = [unwrap_constant(f.value) for f in receptive_fields(layer, context.upstream_of(layer),
                                                        layer.output.size)] if context.detail.once else []
    if outputs and not any(isinstance(v, Poly) and context.is_long(len(v.terms)) for v in outputs):
        # a handout: the outputs as one result (the gallery shows the products)
        return Section("forward", tuple(blocks + output_blocks(
            context, ("Adding up the products of each receptive field, the output",), layer.output,
            object_array(outputs, layer.output.shape))))
    blocks.append(Paragraph(("Each output written out:",)))
    rows = []
    for field in fields:
        products = context.sum_of(field.products, [w for _, w in field.products])
        sum_side = products if field.bias_name is None else (
            Sum((products, field.bias_name)) if not isinstance(products, Sum)
            else Sum((*products.terms, field.bias_name)))
        sides: tuple[object, ...] = (field.output, sum_side)
        if (any(t.is_numeric for t in (x.tensor for pair in field.products for x in pair)) or (
                field.bias_name is not None and field.bias_name.tensor.is_numeric)) and not (
                context.is_long(len(field.value.terms))):
            sides += (field.value,)
        rows.append(equation(*sides))
    blocks.append(Display(tuple(rows)))
    blocks += more(len(fields), layer.output.size, "outputs")
    return Section("forward", tuple(blocks + output_matrix(layer, context)))


def conv_weight_gradient(layer: ConvLayer, context: Context) -> Section:
    w = layer.weight
    fields = receptive_fields(layer, context.upstream_entries(layer), context.detail.fields)
    blocks: list[object] = [Heading(f"Gradient with respect to {w.name}" + context.where(layer)),
                    *carried_upstream(layer, context),
                    Paragraph((Derivative(context.loss, w), ": multiply each upstream entry into"
                               " its receptive field, then add all the receptive fields together.",)),
                    *why.weight_correlation(layer, context)]
    shown = shown_fields(context, fields)
    gallery = field_gallery(layer, shown,
                            lambda f, c: Hadamard(Matrix(f.window[c]), factor(f.upstream)),
                            context.label_base(layer.input))
    blocks += fields_once(layer, context, shown, gallery, (Paragraph((
        "The receptive fields are those of ", Reference(fields_key(layer)), ", each now multiplied"
        " by its output's upstream entry: the field of ", shown[0].output, " by ",
        factor(shown[0].upstream), ", and so on.")),))
    blocks += more(len(shown), layer.output.size, "receptive fields")
    blocks += context.result_blocks((f"The sum, with the shape of {w.name}{expanded_words(layer, context)}",),
                                    w, context.layer_result(layer, w))
    return Section("dw", tuple(blocks))


# -- the upstream gradient of a layer inside a chain ------------------------------------------------


def carried_upstream(layer: SumOfProducts, context: Context) -> list[object]:
    """In a chain whose later values are known, ∂L/∂(output) expanded down to the given upstream
    gradient: the numbers the layer's sections then carry. Stated in the first of them."""
    carried = context.carried(layer)
    if carried is None:
        return []
    loss, y = context.loss, layer.output
    said = Paragraph(("In this chain ", Derivative(loss, y), " is not given: it comes"
                      " back through the later layers. Expanded down to the given upstream"
                      " gradient ", Derivative(loss, context.problem.layers[-1].output),
                      " (the chain-rule section writes out each entry)"))
    return [Once(("carried", y.name), (*context.result_blocks(
        said.parts, context.upstream_of(layer), carried),))]


def expanded_words(layer: ConvLayer, context: Context) -> str:
    """Said of a result that is written with the carried values."""
    return "" if context.carried(layer) is None else ", expanded down to the given upstream gradient"


# -- ∂L/∂X, mapped back -----------------------------------------------------------------------------


def mapped_back(layer: ConvLayer, upstream: Tensor | Sequence[Number | Symbol | Poly],
                counts: list[int]) -> list[tuple[int, np.ndarray]]:
    """The input-shaped sum of ``∂L/∂y_k ⊙ W`` placed back over each output's receptive field,
    after the first ``count`` outputs, for each count (the CS7643 handout's running matrices);
    ``upstream`` is the upstream gradient or the entry each output passes back."""
    y, x, w = layer.triples
    upstream_of = upstream_entry(upstream)
    total = [Poly() for _ in range(layer.input.size)]
    steps, done = [], 0
    for count in sorted(counts):
        for row in np.flatnonzero((y >= done) & (y < count)):
            contribution = Poly.lift(upstream_of(int(y[row]))) * layer.weight.entry(int(w[row]))
            total[x[row]] = total[x[row]] + contribution
        done = count
        steps.append((count, object_array(list(total), layer.input.shape)))
    return steps


def conv_input_gradient(layer: ConvLayer, context: Context) -> Section:
    x = layer.input
    upstream = context.upstream_entries(layer)
    outputs = layer.output.size
    fields = receptive_fields(layer, upstream, context.detail.fields)
    blocks: list[object] = [Heading(f"Gradient with respect to {x.name}" + context.where(layer)),
                    *carried_upstream(layer, context),
                    Paragraph((Derivative(context.loss, x), ": multiply each upstream entry into"
                               f" the kernel and map it back onto its receptive field in {x.name};"
                               " overlapping entries are added.",))]
    if context.detail.once and fields:  # every item would be the same kernel: said once
        landing: list[object] = []
        for number, field in enumerate(fields[:2]):
            product = Hadamard(factor(field.upstream), kernel_label(layer, context, field.filter))
            landing += ([product, " lands on the receptive field of ", field.output] if not number
                        else [", ", product, " on that of ", field.output])
        blocks[-1] = Paragraph((Derivative(context.loss, x), ": multiply each upstream entry into"
                                f" the kernel and map it back onto its receptive field in {x.name};"
                                " overlapping entries are added. ", *landing, ", and so on.",
                                *kernel_words(layer, context)))
    else:
        shown = shown_fields(context, fields)
        blocks.append(field_gallery(layer, shown,
                                    lambda f, c: Hadamard(factor(f.upstream), kernel_item(layer, context, f, c)),
                                    context.label_base(x)))
        blocks += named_kernels_note(layer, context, shown)
        blocks += more(len(shown), outputs, "receptive fields")
    for after, array in mapped_back(layer, upstream, context.steps(x, outputs)):
        # a partial sum of ∂L/∂X, named as such (its entries too, when they are listed)
        so_far = "receptive field" if after == 1 else f"{after} receptive fields"
        blocks.append(Paragraph((f"{ordinal(after).capitalize()} receptive field mapped back: ",
                                 Derivative(context.loss, x), f" after the first {so_far} (same"
                                 f" shape as {x.name}):")))
        blocks.append(context.view(None, array, x, gradient=True, running=True))
    mapped = "The receptive field mapped back" if outputs == 1 else f"All {outputs} receptive fields mapped back"
    blocks += context.result_blocks((mapped + expanded_words(layer, context),), x,
                                    context.layer_result(layer, x))
    return Section("dx", tuple(blocks))


def conv_bias_gradient(layer: ConvLayer, context: Context) -> Section | None:
    return bias_gradient(layer, context, layer.geometry.output_shape, "filter")


def bias_gradient(layer: SumOfProducts, context: Context, output_shape: tuple[int, ...], channel: str) -> Section | None:
    """∂L/∂b: the sum of the upstream entries of each output ``channel`` (a filter), the output
    being laid out as ``output_shape`` (N, channels, *spatial)."""
    if layer.bias is None:
        return None
    upstream = context.upstream_entries(layer)
    values = context.layer_result(layer, layer.bias).reshape(-1)
    channels = np.unravel_index(np.arange(layer.output.size), output_shape)[1]
    blocks: list[object] = [Heading(f"Gradient with respect to {layer.bias.name}" + context.where(layer)),
                    *carried_upstream(layer, context),
                    Paragraph(with_math(f"Every output of a {channel} adds its bias once"
                                        f" ($∂{layer.output.name}_k/∂{layer.bias.name} = 1$ for each"
                                        f" output ${layer.output.name}_k$), so the bias gradient is"
                                        f" the sum of the upstream entries of that {channel}:"))]
    rows = []
    for f in range(output_shape[1]):
        outputs = np.flatnonzero(channels == f)
        entries = [factor(upstream[int(o)]) for o in outputs]
        sides: tuple[object, ...] = (Derivative(context.loss, Symbol(layer.bias, f)), context.sum_of(
            [(u,) for u in entries], [Symbol(layer.output, int(o)) for o in outputs]))
        if any(not isinstance(u, Symbol) for u in entries) and not (
                isinstance(values[f], Poly) and context.is_long(len(values[f].terms))):
            sides += (values[f],)
        rows.append(equation(*sides))
    return Section("db", tuple(blocks + [Display(tuple(rows))]))


# -- the closed form --------------------------------------------------------------------------------


def padding_named(g: ConvGeometry) -> str:
    """``$P = 1$``, or the padding of each side when they differ, formulas between dollars
    (:func:`~symconv.document.with_math`)."""
    return f"$P = {g.padding_words}$" if g.symmetric else f"$P$ ({g.padding_words})"


def inserted_size(output: int, stride: int, dilation: int, kernel: int) -> int:
    """Size of the zero-inserted, padded upstream gradient along one axis:
    O + (S − 1)(O − 1) + 2·D(K − 1)."""
    return output + (stride - 1) * (output - 1) + 2 * dilation * (kernel - 1)


def correlation_sizes(axes: list[AxisSize], inserted: Sequence[int], x: Tensor,
                      merge: bool) -> list[object]:
    """From the zero-inserted, padded upstream gradient to the size of X, axis by axis: the full
    correlation is D(K − 1) shorter; where the floor in the output size dropped a remainder R, no
    output reads the last R positions of the padded input, so the full correlation is padded at
    the end by R zeros (their gradient) before the padding P comes off both sides."""
    dilated = any(a.dilation > 1 for a in axes)
    rows, notes = [], []
    for a, size in zip(axes, inserted):
        full = size - a.dilation * (a.kernel - 1)
        reach = f"({a.kernel} − 1)" if a.dilation == 1 else f"{a.dilation}·({a.kernel} − 1)"
        added = (" + R", f" + {a.remainder}") if a.remainder else ("", "")
        letters, numbers = padding_terms(a.padding)
        if a.padding[0] != a.padding[1]:
            letters, numbers = f"({letters})", f"({numbers})"
        rows.append([Equation((Formula(f"full_{a.axis}"),
                               Formula(f"size_{a.axis} − {'D' if a.dilation > 1 else ''}(K − 1)"),
                               Formula(f"{size} − {reach}"), full)),
                     Equation((Formula(f"I_{a.axis}"), Formula(f"full_{a.axis}{added[0]} − {letters}"),
                               Formula(f"{full}{added[1]} − {numbers}"), a.size))])
        if a.remainder:
            words = AXIS_WORDS[a.axis]
            last = f"its last {words[:-1]} is" if a.remainder == 1 else f"its last {a.remainder} {words} are"
            notes.append(Paragraph((
                f"Along {a.axis} the floor dropped ", Formula(f"R = {a.remainder}"),
                ": the padded ", Formula(x.name), f" has {a.size} + {padding_terms(a.padding)[1]}"
                f" = {full} + {a.remainder} {words}, and {last} read by no output.")))
    shorter = "D(K − 1)" if dilated else "K − 1"
    if notes:
        rest = (f" It covers the padded ${x.name}$ except, along an axis where the floor in the"
                " output size dropped a remainder $R$, its last $R$ positions (no output reads"
                " them, so their gradient is 0): pad it at the end with $R$ zeros there, then"
                " remove the padding from both sides:")
    else:
        rest = f" Removing the padding from both sides leaves $I$, the size of ${x.name}$:"
    return [Paragraph(with_math(f"The full correlation is ${shorter}$ shorter than that along"
                                " each axis (the rotated kernel has to fit inside it)." + rest)),
            Display(axis_rows(rows, merge and same_numbers(axes))), *notes]


def inserted_sizes(letter: str, sizes: tuple[int, ...], g: ConvGeometry,
                   merge: bool) -> tuple[Display, tuple[int, ...]]:
    """Each axis's size once S − 1 zeros go between ``sizes`` entries and D(K − 1) zeros on each
    side, ``size_H = O + (S − 1)(O − 1) + 2(K − 1)`` with the numbers (``letter``: O for the
    upstream gradient, I for a transposed convolution's input); and the sizes."""
    rows, found = [], []
    for axis, o, s, d, k in zip(g.axes, sizes, g.stride, g.dilation, g.kernel):
        reach_words = "2(K − 1)" if d == 1 else "2D(K − 1)"
        numbers = f"{o} + ({s} − 1)·({o} − 1) + " + (f"2·({k} − 1)" if d == 1 else f"2·{d}·({k} − 1)")
        found.append(inserted_size(o, s, d, k))
        rows.append([Equation((Formula(f"size_{axis}"),
                               Formula(f"{letter} + (S − 1)({letter} − 1) + {reach_words}"),
                               Formula(numbers), found[-1]))])
    same = len({row[0].sides[1:] for row in rows}) == 1
    return Display(axis_rows(rows, merge and same)), tuple(found)


def canonical_slices(label: object, array: np.ndarray, base: int, leading: tuple[int, int],
                     axes: tuple[str, str], limit: int = MAX_SLICES) -> list[object]:
    """An array in canonical layout (two leading axes), leading axes of size 1 left out, slice
    by slice over the others (and the depth of a 3-D array), the first ``limit``; slice labels
    count from ``base``."""
    spatial_size = array.shape[2:]
    kept = [(a, n) for a, n in zip(axes, leading) if n > 1]
    spatial = array.reshape(tuple(n for _, n in kept) + spatial_size)
    kept += list(zip(spatial_front(len(spatial_size)), spatial_size))
    if not kept:
        return [Display((Equation((label, Matrix(spatial))),))]
    items = []
    for number, index in enumerate(np.ndindex(*[n for _, n in kept])):
        if number == limit:
            break
        words = ", ".join(f"{a} = {i + base}" for (a, _), i in zip(kept, index))
        items.append(Labeled(words, Matrix(spatial[index])))
    count = int(np.prod([n for _, n in kept]))
    first = "Only the first" if len(items) == 1 else f"The first {len(items)}"
    note: list[object] = ([Paragraph((f"({first} of the {count} slices {'is' if len(items) == 1 else 'are'}"
                        " shown; the others are formed the same way.)",))]
            if count > len(items) else [])
    return [Paragraph((label, ", slice by slice:")), Gallery(tuple(items))] + note


def conv_closed_form(layer: ConvLayer, context: Context) -> Section:
    g = layer.geometry
    x, w, y = layer.input, layer.weight, layer.output
    loss = context.loss
    upstream = context.upstream_of(layer)
    passed = object_array(context.upstream_entries(layer), g.output_shape)  # carried values too
    reach = tuple(d * (k - 1) for d, k in zip(g.dilation, g.kernel))
    inserted = closed_form.pad(closed_form.insert_zeros(passed, g.stride), reach, reach)
    rotated = closed_form.rotate_180(entry_array(w, g.weight_shape), g.dims)
    blocks: list[object] = [
        Heading("Closed form" + context.where(layer)), *carried_upstream(layer, context),
        Paragraph((Derivative(loss, x), *with_math(" is a full correlation: insert $S − 1$ zeros"
                                                   " between the entries of "), Derivative(loss, y),
                   *with_math(f" ($S = {per_axis(g.stride)}$, the stride), pad it with $K − 1$"
                              f" zeros on every side ($K = {per_axis(g.kernel)}$, the kernel size"
                              + (f"; $D(K − 1)$ with the dilation $D = {per_axis(g.dilation)}$"
                                 if max(g.dilation) > 1 else "")
                              + "), and slide the kernel rotated by 180° over it; then remove the"
                              f" padding {padding_named(g)} of the input."))),
        ]
    blocks += why.rotation(layer, context) + why.zero_insertion(layer, context)
    figure = closed_form_figure(layer, context)
    # A handout lets the picture show the rotated kernel and the zero-inserted gradient (their
    # first slice, as the matrices would), when it shows the upstream gradient's own entries
    # (not carried values).
    pictured = bool(figure) and context.detail.once and context.carried(layer) is None
    if not pictured:
        blocks.append(Paragraph(("The kernel rotated by 180°:",)))
        blocks += canonical_slices(Formula(f"rot180({w.name})"), rotated, context.label_base(w),
                                   (g.filters, g.group_channels), ("f", "c"), context.canonical_slices)
    blocks.append(Paragraph(with_math("Size of the zero-inserted, padded upstream gradient along"
                                      " each axis ($O$ the output size):")))
    display, sizes = inserted_sizes("O", g.output_size, g, context.detail.once)
    blocks.append(display)
    if not pictured:
        blocks.append(Paragraph(("The zero-inserted, padded upstream gradient (",
                                 Formula(shape_text(tuple(sizes))), "):",)))
        blocks += canonical_slices(Formula(f"inserted(∂{loss}/∂{y.name})"), inserted,
                                   context.label_base(upstream),
                                   (g.batch, g.filters), ("n", "f"), context.canonical_slices)
    blocks += correlation_sizes(axis_sizes(g), sizes, x, context.detail.once)
    blocks += [f._replace(alone=pictured) for f in figure]
    xs, ws = entry_array(x, g.input_shape), entry_array(w, g.weight_shape)
    blocks += context.result_blocks(
        ("Its full correlation with the rotated kernel, with the padding removed"
         + (", summed over the filters" if g.filters > 1 else "") + expanded_words(layer, context),),
        x, closed_form.symbolic(closed_form.grad_input, (passed, ws), g,
                                known=context.derivation.gradient(x.name).known()).reshape(x.shape))
    blocks += why.weight_correlation(layer, context)
    blocks += context.result_blocks(
        (Derivative(loss, w), *with_math(f" is the correlation of the input (padded by"
                                         f" {padding_named(g)}) with the zero-inserted upstream"
                                         " gradient" + (", summed over the batch" if g.batch > 1 else "")
                                         + expanded_words(layer, context))),
        w, closed_form.symbolic(closed_form.grad_weight, (xs, passed), g,
                                known=context.derivation.gradient(w.name).known()).reshape(w.shape))
    if layer.bias is not None:
        b = layer.bias
        bias_gradient = closed_form.symbolic(closed_form.grad_bias, (passed,)).reshape(b.shape)
        lead = (Derivative(loss, b), " is the sum of the upstream gradient"
                + (" of each filter" if g.filters > 1 else "") + expanded_words(layer, context))
        if b.size == 1:
            blocks.append(Paragraph((*lead, ":")))
            written = context.written_entries(b, bias_gradient).reshape(-1)[0]
            blocks.append(Display((Equation((Derivative(loss, b), Formula(f"sum(∂{loss}/∂{y.name})"),
                                             written)),)))
        else:
            blocks += context.result_blocks(lead, b, bias_gradient)
    return Section("closed-form", tuple(blocks))


SECTIONS = {"shapes": conv_shapes, "forward": conv_forward, "dw": conv_weight_gradient,
            "dx": conv_input_gradient, "db": conv_bias_gradient, "closed-form": conv_closed_form}


def settings_words(layer: SumOfProducts, extra: str = "") -> str:
    """``stride 2, padding 1`` (``"same" (…)`` when worked out), then ``extra`` (a transposed
    convolution's output_padding), the dilation and the groups when they are not 1."""
    g = layer.geometry
    padding = f"\"same\" ({g.padding_words})" if layer.same else g.padding_words
    words = f"stride {per_axis(g.stride)}, padding {padding}{extra}"
    if any(d > 1 for d in g.dilation):
        words += f", dilation {per_axis(g.dilation)}"
    if g.groups > 1:
        words += f", {g.groups} groups"
    return words


def describe(layer: ConvLayer, context: Context) -> tuple[str]:
    """One sentence for the problem statement."""
    return settings_sentence(layer, f"A {layer.geometry.dims}-D convolution{context.where(layer)}"
                                    " (cross-correlation, as in PyTorch)")


def settings_sentence(layer: SumOfProducts, opening: str, extra: str = "") -> tuple[str]:
    """``opening: stride S, padding P, …`` (:func:`settings_words`) and a lone bias's name."""
    words = f"{opening}: {settings_words(layer, extra)}"
    if layer.bias is not None and not layer.bias.is_numeric and layer.bias.naming == "bare":
        words += f", bias {layer.bias.name}"
    return (words,)
