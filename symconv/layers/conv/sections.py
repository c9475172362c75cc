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

from typing import NamedTuple

import numpy as np

from ...document import (Concat, Derivative, Display, Equation, Formula, Gallery, Hadamard, Heading,
                         Labeled, Matrix, Paragraph, Product, Section, Sum, equation)
from ...poly import Number, Poly, Symbol, poly_sum, product_of
from ...sections import MAX_SLICES, Context, entry_array, leading_axes, more, object_array
from ...tensors import Tensor
from ...wording import AXIS_WORDS, ordinal, per_axis, shape_text
from . import closed_form
from .geometry import ConvGeometry
from .layer import ConvLayer


# -- shapes (shared with pooling, whose windows slide like a kernel) -----------------------------------


class AxisSize(NamedTuple):
    """The output-size formula along one spatial axis, with the numbers."""

    axis: str  # "D", "H", "W" or "L"
    size: int
    kernel: int
    stride: int
    padding: int
    dilation: int
    output: int
    remainder: int  # what the floor drops: (I + 2P − D(K−1) − 1) mod S
    unused: tuple[int, ...]  # input positions no output reads (0-based)


def axis_sizes(g: ConvGeometry) -> list[AxisSize]:
    axes = []
    for axis, h, k, s, p, d, o, unused in zip(g.axes, g.input_size, g.kernel, g.stride, g.padding,
                                              g.dilation, g.output_size, g.unused_positions()):
        remainder = (h + 2 * p - d * (k - 1) - 1) % s
        axes.append(AxisSize(axis, h, k, s, p, d, o, remainder, unused))
    return axes


def size_formula(a: AxisSize) -> Equation:
    if a.dilation == 1:
        general = Formula("⌊(I − K + 2P)/S⌋ + 1")
        numbers = Formula(f"⌊({a.size} − {a.kernel} + 2·{a.padding})/{a.stride}⌋ + 1")
    else:
        general = Formula("⌊(I + 2P − D(K − 1) − 1)/S⌋ + 1")
        numbers = Formula(f"⌊({a.size} + 2·{a.padding} − {a.dilation}·({a.kernel} − 1) − 1)"
                          f"/{a.stride}⌋ + 1")
    return Equation((Formula(f"O_{a.axis}"), general, numbers, a.output))


def floor_note(axis: AxisSize, x: Tensor) -> list:
    words = AXIS_WORDS[axis.axis]
    blocks: list = []
    if axis.remainder:
        numerator = axis.size + 2 * axis.padding - axis.dilation * (axis.kernel - 1) - 1
        formula = "I − K + 2P" if axis.dilation == 1 else "I + 2P − D(K − 1) − 1"
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


def axes_words(tensor: Tensor, dims: int) -> str:
    extra = leading_axes(tensor, dims)
    if not extra:
        return ""
    spatial = {1: ("L_out",), 2: ("H_out", "W_out"), 3: ("D_out", "H_out", "W_out")}[dims]
    return f" ({' × '.join([a.upper() for a in extra] + list(spatial))})"


def shapes_section(layer, context: Context, axes: list[AxisSize], words: str,
                   weight: Tensor | None) -> Section:
    """The output size along each axis, then the shapes of Y, ∂L/∂Y, (∂L/∂W,) ∂L/∂X."""
    x, y, loss = layer.input, layer.output, context.loss
    upstream = context.upstream_of(layer)
    blocks: list = [Heading("Shapes" + context.where(layer)), Paragraph((words,)),
                    Display(tuple(size_formula(axis) for axis in axes))]
    questions = [
        (("What is the shape of the output ", Formula(y.name), "?"), y.shape,
         axes_words(y, context.dims)),
        (("What is the shape of the upstream gradient ", Derivative(loss, y),
          " passed back to this layer?"), upstream.shape, f", the same as {y.name}"),
    ]
    if weight is not None:
        questions.append((("What is the shape of ", Derivative(loss, weight), "?"), weight.shape,
                          f", the same as {weight.name}"))
    questions.append((("What is the shape of ", Derivative(loss, x), "?"), x.shape,
                      f", the same as {x.name}" + ("" if weight is not None
                                                    else " (pooling has no weights)")))
    for number, (question, shape, remark) in enumerate(questions, start=1):
        blocks.append(Paragraph((f"{number}. ", *question, f" {shape_text(shape)}{remark}.")))
    for axis in axes:
        blocks += floor_note(axis, x)
    return Section("shapes", tuple(blocks))


def conv_shapes(layer: ConvLayer, context: Context) -> Section:
    dilated = any(d > 1 for d in layer.geometry.dilation)
    words = ("The output size along each axis (I input, K kernel, P padding, S stride"
             + (", D dilation" if dilated else "") + "):")
    return shapes_section(layer, context, axis_sizes(layer.geometry), words, layer.weight)


# -- receptive fields -----------------------------------------------------------------------------


class ReceptiveField(NamedTuple):
    """What one output reads: the window of the (padded) input, the kernel of its filter, the
    upstream entry ∂L/∂y, the bias; ``products`` are the named (input, weight) pairs of its sum."""

    output: Symbol
    window: np.ndarray  # (C/groups, *kernel): input entries, 0 on padding
    kernel: np.ndarray  # (C/groups, *kernel): weight entries
    upstream: Number | Symbol
    bias_name: Symbol | None
    products: tuple[tuple[Symbol, Symbol], ...]
    value: Poly  # the output's value from the entries (numbers where given)


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
            upstream.entry(o), Symbol(layer.bias, int(f)) if layer.bias is not None else None,
            products, value))
    return tuple(fields)


def field_items(field: ReceptiveField, item_of) -> list:
    """``item_of(c)`` for each channel c of a receptive field, labelled with the output when
    there are several channels."""
    channels = field.window.shape[0]
    if channels == 1:
        return [item_of(0)]
    return [Labeled(Concat((field.output, Formula(f", c = {c}"))), item_of(c))
            for c in range(channels)]


def conv_forward(layer: ConvLayer, context: Context) -> Section:
    fields = receptive_fields(layer, context.upstream_of(layer), context.limits.fields)
    blocks: list = [Heading("Forward pass" + context.where(layer)),
                    Paragraph(("Each receptive field is multiplied element-wise (⊙) by the kernel"
                               " and the products are added"
                               + (", plus the bias" if layer.bias is not None else "") + ":",))]
    items = []
    for field in fields:
        items += field_items(field, lambda c, f=field: Hadamard(Matrix(f.window[c]),
                                                                Matrix(f.kernel[c])))
    blocks.append(Gallery(tuple(items)))
    blocks.append(Paragraph(("Each output written out:",)))
    rows = []
    for field in fields:
        terms: list = [Product(pair) for pair in field.products]
        if field.bias_name is not None:
            terms.append(field.bias_name)
        sides: tuple = (field.output, Sum(tuple(terms)))
        if any(t.is_numeric for t in (x.tensor for pair in field.products for x in pair)) or (
                field.bias_name is not None and field.bias_name.tensor.is_numeric):
            sides += (field.value,)
        rows.append(equation(*sides))
    blocks.append(Display(tuple(rows)))
    return Section("forward", tuple(blocks + more(len(fields), layer.output.size, "outputs")))


def conv_weight_gradient(layer: ConvLayer, context: Context) -> Section:
    w = layer.weight
    fields = receptive_fields(layer, context.upstream_of(layer), context.limits.fields)
    blocks: list = [Heading(f"Gradient with respect to {w.name}" + context.where(layer)),
                    Paragraph((Derivative(context.loss, w), ": multiply each upstream entry into"
                               " its receptive field, then add all the receptive fields together.",))]
    items = []
    for field in fields:
        items += field_items(field, lambda c, f=field: Hadamard(Matrix(f.window[c]), f.upstream))
    blocks.append(Gallery(tuple(items)))
    blocks += more(len(fields), layer.output.size, "receptive fields")
    blocks.append(Paragraph((f"The sum, with the shape of {w.name}:",)))
    blocks.append(context.gradient_view(w))
    return Section("dw", tuple(blocks))


# -- ∂L/∂X, mapped back -----------------------------------------------------------------------------


def mapped_back(layer: ConvLayer, upstream: Tensor, counts: list[int]) -> list[tuple[int, np.ndarray]]:
    """The input-shaped sum of ``∂L/∂y_k ⊙ W`` placed back over each output's receptive field,
    after the first ``count`` outputs, for each count (the CS7643 handout's running matrices)."""
    y, x, w = layer.triples
    total = [Poly() for _ in range(layer.input.size)]
    steps, done = [], 0
    for count in sorted(counts):
        for row in np.flatnonzero((y >= done) & (y < count)):
            contribution = product_of((upstream.entry(int(y[row])), layer.weight.entry(int(w[row]))))
            total[x[row]] = total[x[row]] + contribution
        done = count
        steps.append((count, object_array(list(total), layer.input.shape)))
    return steps


def conv_input_gradient(layer: ConvLayer, context: Context) -> Section:
    x = layer.input
    upstream = context.upstream_of(layer)
    outputs = layer.output.size
    fields = receptive_fields(layer, upstream, context.limits.fields)
    blocks: list = [Heading(f"Gradient with respect to {x.name}" + context.where(layer)),
                    Paragraph((Derivative(context.loss, x), ": multiply each upstream entry into"
                               f" the kernel and map it back onto its receptive field in {x.name};"
                               " overlapping entries are added.",))]
    items = []
    for field in fields:
        items += field_items(field, lambda c, f=field: Hadamard(f.upstream, Matrix(f.kernel[c])))
    blocks.append(Gallery(tuple(items)))
    blocks += more(len(fields), outputs, "receptive fields")
    counts = list(range(1, min(context.limits.steps, outputs - 1) + 1))  # the last is the result
    for after, array in mapped_back(layer, upstream, counts):
        blocks.append(Paragraph((f"{ordinal(after).capitalize()} receptive field mapped back (same"
                                 f" shape as {x.name}):",)))
        blocks.append(context.view(None, array, x))
    blocks.append(Paragraph((f"All {outputs} receptive fields mapped back:",)))
    blocks.append(context.gradient_view(x))
    return Section("dx", tuple(blocks))


def conv_bias_gradient(layer: ConvLayer, context: Context) -> Section | None:
    if layer.bias is None:
        return None
    g = layer.geometry
    upstream = context.upstream_of(layer)
    values = context.result(layer.bias).reshape(-1)
    filters = np.unravel_index(np.arange(layer.output.size), g.output_shape)[1]
    blocks: list = [Heading(f"Gradient with respect to {layer.bias.name}" + context.where(layer)),
                    Paragraph(("Every output of a filter adds its bias once (∂y/∂b = 1), so the"
                               " bias gradient is the sum of the upstream entries of that filter:",))]
    rows = []
    for f in range(g.filters):
        entries = tuple(upstream.entry(int(o)) for o in np.flatnonzero(filters == f))
        sides: tuple = (Derivative(context.loss, Symbol(layer.bias, f)), Sum(entries))
        if any(not isinstance(u, Symbol) for u in entries):
            sides += (values[f],)
        rows.append(equation(*sides))
    return Section("db", tuple(blocks + [Display(tuple(rows))]))


# -- the closed form --------------------------------------------------------------------------------


def inserted_size(output: int, stride: int, dilation: int, kernel: int) -> int:
    """Size of the zero-inserted, padded upstream gradient along one axis:
    O + (S − 1)(O − 1) + 2·D(K − 1)."""
    return output + (stride - 1) * (output - 1) + 2 * dilation * (kernel - 1)


def canonical_slices(label, array: np.ndarray, tensor: Tensor, leading: tuple[int, int],
                     axes: tuple[str, str]) -> list:
    """An array in canonical layout (two leading axes), leading axes of size 1 left out."""
    kept = [(a, n) for a, n in zip(axes, leading) if n > 1]
    spatial = array.reshape(array.shape[2:]) if not kept else array.reshape(
        tuple(n for _, n in kept) + array.shape[2:])
    if not kept:
        return [Display((Equation((label, Matrix(spatial))),))]
    items = []
    for number, index in enumerate(np.ndindex(*[n for _, n in kept])):
        if number == MAX_SLICES:
            break
        words = ", ".join(f"{a} = {i + tensor.index_base}" for (a, _), i in zip(kept, index))
        items.append(Labeled(words, Matrix(spatial[index])))
    count = int(np.prod([n for _, n in kept]))
    note = ([Paragraph((f"(The first {MAX_SLICES} of the {count} slices are shown.)",))]
            if count > MAX_SLICES else [])
    return [Paragraph((label, ", slice by slice:")), Gallery(tuple(items))] + note


def conv_closed_form(layer: ConvLayer, context: Context) -> Section:
    g = layer.geometry
    x, w, y = layer.input, layer.weight, layer.output
    loss = context.loss
    upstream = context.upstream_of(layer)
    lift = np.vectorize(Poly.lift, otypes=[object])
    dy = lift(entry_array(upstream, g.output_shape))
    reach = tuple(d * (k - 1) for d, k in zip(g.dilation, g.kernel))
    inserted = closed_form.pad(closed_form.insert_zeros(entry_array(upstream, g.output_shape),
                                                        g.stride), reach, reach)
    rotated = closed_form.rotate_180(entry_array(w, g.weight_shape), g.dims)
    blocks: list = [
        Heading("Closed form" + context.where(layer)),
        Paragraph((Derivative(loss, x), " is a full correlation: insert S − 1 zeros between the"
                   " entries of ", Derivative(loss, y), ", pad it with K − 1 zeros on every side"
                   + (" (D(K − 1) with dilation D)" if max(g.dilation) > 1 else "")
                   + ", and slide the kernel rotated by 180° over it; then remove the padding"
                   f" P = {per_axis(g.padding)} of the input.",)),
        Paragraph(("The kernel rotated by 180°:",))]
    blocks += canonical_slices(Formula(f"rot180({w.name})"), rotated, w,
                               (g.filters, g.group_channels), ("f", "c"))
    blocks.append(Paragraph(("Size of the zero-inserted, padded upstream gradient along each"
                             " axis:",)))
    rows = []
    sizes = []
    for axis, o, s, d, k in zip(g.axes, g.output_size, g.stride, g.dilation, g.kernel):
        reach_words = "2(K − 1)" if d == 1 else "2D(K − 1)"
        numbers = f"{o} + ({s} − 1)·({o} − 1) + " + (f"2·({k} − 1)" if d == 1 else f"2·{d}·({k} − 1)")
        sizes.append(inserted_size(o, s, d, k))
        rows.append(Equation((Formula(f"size_{axis}"), Formula(f"O + (S − 1)(O − 1) + {reach_words}"),
                              Formula(numbers), sizes[-1])))
    blocks.append(Display(tuple(rows)))
    blocks.append(Paragraph(("The zero-inserted, padded upstream gradient (",
                             Formula(shape_text(tuple(sizes))), "):",)))
    blocks += canonical_slices(Formula(f"inserted(∂{loss}/∂{y.name})"), inserted, upstream,
                               (g.batch, g.filters), ("n", "f"))
    blocks.append(Paragraph(("Its full correlation with the rotated kernel, with the padding removed"
                             + (", summed over the filters" if g.filters > 1 else "") + ":",)))
    x_polys = lift(entry_array(x, g.input_shape))
    w_polys = lift(entry_array(w, g.weight_shape))
    blocks.append(context.gradient_view(
        x, closed_form.grad_input(dy, w_polys, g).reshape(x.shape)))
    blocks.append(Paragraph((Derivative(loss, w), f" is the correlation of the input (padded by"
                             f" P = {per_axis(g.padding)}) with the zero-inserted upstream gradient"
                             + (", summed over the batch" if g.batch > 1 else "") + ":",)))
    blocks.append(context.gradient_view(
        w, closed_form.grad_weight(x_polys, dy, g).reshape(w.shape)))
    if layer.bias is not None:
        b = layer.bias
        bias_gradient = closed_form.grad_bias(dy).reshape(b.shape)
        blocks.append(Paragraph((Derivative(loss, b), " is the sum of the upstream gradient"
                                 + (" of each filter" if g.filters > 1 else "") + ":",)))
        if b.size == 1:
            blocks.append(Display((Equation((Derivative(loss, b), Formula(f"sum(∂{loss}/∂{y.name})"),
                                             bias_gradient.reshape(-1)[0])),)))
        else:
            blocks.append(context.gradient_view(b, bias_gradient))
    return Section("closed-form", tuple(blocks))


SECTIONS = {"shapes": conv_shapes, "forward": conv_forward, "dw": conv_weight_gradient,
            "dx": conv_input_gradient, "db": conv_bias_gradient, "closed-form": conv_closed_form}


def describe(layer: ConvLayer, context: Context) -> tuple:
    """One sentence for the problem statement."""
    g = layer.geometry
    words = (f"A {g.dims}-D convolution{context.where(layer)} (cross-correlation, as in PyTorch): stride"
             f" {per_axis(g.stride)}, padding {per_axis(g.padding)}")
    if any(d > 1 for d in g.dilation):
        words += f", dilation {per_axis(g.dilation)}"
    if g.groups > 1:
        words += f", {g.groups} groups"
    if layer.bias is not None and not layer.bias.is_numeric and layer.bias.naming == "bare":
        words += f", bias {layer.bias.name}"
    return (words,)
