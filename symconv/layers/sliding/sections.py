"""The worked-solution pieces every layer that slides a window writes the same way: the output
size along each axis and the shape questions, the padding, receptive fields and their galleries,
the upstream gradient carried into a layer, ∂L/∂X mapped back, ∂L/∂b, the zero-inserted and
padded sizes of a closed form, and the explanations said once in a document (:func:`why`).
"""

from __future__ import annotations

from functools import partial
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from ...core.contract import Layer
from ...core.document import (MAX_SLICES, Concat, Derivative, Display, Equation, Formula, Gallery,
                              Group, Heading, Labeled, Matrix, Numbered, Once, Paragraph, Section,
                              equation, with_math)
from ...core.poly import Number, Poly, Symbol, poly_sum, product_of
from ...engine.sections import (MIN_NAMED, Context, NamedTerm, kernel_front, leading_axes,
                                object_array, planes, slice_axes, spatial_front)
from ...core.tensors import Tensor
from ...core.wording import AXIS_WORDS, per_axis, shape_text
from . import closed_form
from .geometry import ConvGeometry
from .layer import ConvLayer, SumOfProducts


# -- shapes ---------------------------------------------------------------------------------------


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
                   weight: Tensor | None, padding: list[object] | None = None,
                   input_remark: str = "") -> Section:
    """The output size along each axis, then the shapes of Y, ∂L/∂Y, (∂L/∂W,) ∂L/∂X; ``padding``:
    blocks saying which padding is used, first; ``input_remark``: see :func:`shape_questions`."""
    blocks: list[object] = [Heading("Shapes" + context.where(layer)), *(padding or []), Paragraph(words),
                    Display(axis_rows([[size_formula(axis)] for axis in axes],
                                      context.detail.once and same_numbers(axes)))]
    blocks += shape_questions(layer, context, weight, input_remark)
    for axis in axes:
        blocks += floor_note(axis, layer.input)
    return Section("shapes", tuple(blocks))


def shape_questions(layer: Layer, context: Context, weight: Tensor | None,
                    input_remark: str = "") -> list[object]:
    """CS7643's questions: the shapes of Y, ∂L/∂Y, (∂L/∂W,) ∂L/∂X, answered; ``input_remark`` ends
    the answer about ∂L/∂X (a layer without weights says why it has no ∂L/∂W question)."""
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
                      (", the same as ", Formula(x.name), input_remark)))
    return [Paragraph((f"{number}. ", *question, f" {shape_text(shape)}", *remark, "."))
            for number, (question, shape, remark) in enumerate(questions, start=1)]


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
    through a chain (:meth:`~symconv.engine.sections.Context.upstream_entries`)."""
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
    """The receptive fields a gallery shows (:meth:`~symconv.engine.sections.Context.gallery_fields`:
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
    (:func:`~symconv.core.document.with_math`)."""
    return f"$P = {g.padding_words}$" if g.symmetric else f"$P$ ({g.padding_words})"


def inserted_size(output: int, stride: int, dilation: int, kernel: int) -> int:
    """Size of the zero-inserted, padded upstream gradient along one axis:
    O + (S − 1)(O − 1) + 2·D(K − 1)."""
    return output + (stride - 1) * (output - 1) + 2 * dilation * (kernel - 1)


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


def settings_sentence(layer: SumOfProducts, opening: str, extra: str = "") -> tuple[str]:
    """``opening: stride S, padding P, …`` (:func:`settings_words`) and a lone bias's name."""
    words = f"{opening}: {settings_words(layer, extra)}"
    if layer.bias is not None and not layer.bias.is_numeric and layer.bias.naming == "bare":
        words += f", bias {layer.bias.name}"
    return (words,)


# -- explanations ---------------------------------------------------------------------------------

SHOWN_TERMS = 9  # pairs named in a worked instance


def why(key: str, parts: tuple[object, ...]) -> list[object]:
    """An explanation, said once in a document, where its step is first used."""
    return [Once(("why", key), (Paragraph(parts),))]


def meetings(terms: list[NamedTerm]) -> list[object]:
    """``B_33 in C_11, B_32 in C_12, …``: each term's kernel entry and output."""
    shown = [[t.local, " in ", t.output] for t in terms[:SHOWN_TERMS] if isinstance(t.local, Symbol)]
    parts: list[object] = []
    for number, pair in enumerate(shown):
        parts += ([", "] if number else []) + pair
    return parts + ([", …"] if len(terms) > SHOWN_TERMS else [])
