"""A transposed convolution's worked-solution sections.

``shapes``       ``O = (I − 1)·S − 2P + K + OP`` with the numbers, and the four shape questions
``forward``      each input entry ⊙ the kernel, where it lands on the output (running sums), every
                 output written out
``dx``           ∂L/∂X as the strided correlation of ∂L/∂Y with W: each input entry's window of
                 ∂L/∂Y ⊙ the kernel
``dw``           each window of ∂L/∂Y ⊙ its input entry, then their sum
``db``           ∂L/∂b as the sum of each output channel's upstream entries
``closed-form``  the zero-inserted, padded input and the rotated kernel (the forward pass as a full
                 correlation); ∂L/∂X and ∂L/∂W as correlations of the padded ∂L/∂Y

Most of it is the convolution's own material with the roles swapped: the convolution this layer
is the adjoint of (:func:`adjoint`) has ∂L/∂Y as its input and X as its output, so its receptive
fields are the windows of ∂L/∂Y that each input entry reads, and its "mapped back" sums are where
each input entry's contribution lands.
"""

from __future__ import annotations

import numpy as np

from ...core.document import (Derivative, Display, Equation, Formula, Hadamard, Heading, Matrix,
                         Paragraph, Product, Reference, Section, Sum, equation,
                         with_math)
from ...core.poly import Number, Poly, Symbol, poly_sum, product_of
from ...engine.sections import (Context, entry_array, more, named_terms, object_array, output_blocks,
                         output_matrix, unwrap_constant)
from ...core.tensors import Tensor
from ...core.wording import per_axis, shape_text
from ..sliding import closed_form
from ..sliding.layer import ConvLayer
from ..sliding.sections import (axis_rows, bias_gradient, canonical_slices, field_gallery, fields_key,
                                fields_once, inserted_sizes, kernel_item, letters, mapped_back,
                                meetings, named_kernels_note, padding_blocks, padding_named,
                                padding_terms, receptive_fields, settings_sentence, shape_questions,
                                shown_fields, why)
from .layer import ConvTransposeLayer


def adjoint(layer: ConvTransposeLayer, reads: Tensor) -> ConvLayer:
    """The convolution this layer is the adjoint of, reading ``reads`` (shaped like the output:
    ∂L/∂Y, or Y itself) and writing entries named after this layer's input."""
    return ConvLayer(layer.geometry, reads, layer.weight, None, layer.input)


def transposed_input(layer: ConvTransposeLayer, context: Context) -> list[object]:
    """Why a transposed convolution's ∂L/∂X rotates nothing: an input entry's product lands on
    outputs whose index goes up with the kernel's."""
    x, y = layer.input, layer.output
    gradient = context.derivation.gradient(x.name)
    terms = sorted((t for t in named_terms(gradient, 0) if t.output.tensor is y),
                   key=lambda t: t.output.flat)
    if len(terms) < 2:
        return []
    parts: tuple[object, ...] = ("Why is nothing rotated? ", Symbol(x, 0), "'s product lands with ",
                    *meetings(terms), ": the output index goes up with the kernel index, so ",
                    Derivative(context.loss, Symbol(x, 0)), " reads ", Derivative(context.loss, y),
                    " and the kernel in the same order, a plain correlation.")
    return why("transposed", parts)


# -- shapes ---------------------------------------------------------------------------------------


def size_formula(axis: str, size: int, kernel: int, stride: int, padding: tuple[int, int],
                 dilation: int, output_padding: int, output: int) -> Equation:
    letters = padding_terms(padding)[0]
    letters = f"({letters})" if "+" in letters else letters
    general = ("(I − 1)·S − {letters} + K + OP" if dilation == 1
               else "(I − 1)·S − {letters} + D(K − 1) + OP + 1").format(letters=letters)
    values = size_values(size, kernel, stride, padding, dilation, output_padding)
    return Equation((Formula(f"O_{axis}"), Formula(general), Formula(values), output))


def size_values(size: int, kernel: int, stride: int, padding: tuple[int, int], dilation: int,
                output_padding: int) -> str:
    """PyTorch's output size with the numbers: ``(3 − 1)·2 − 2·1 + 3 + 1``."""
    numbers = padding_terms(padding)[1]
    numbers = f"({numbers})" if "+" in numbers else numbers
    if dilation == 1:
        return f"({size} − 1)·{stride} − {numbers} + {kernel} + {output_padding}"
    return f"({size} − 1)·{stride} − {numbers} + {dilation}·({kernel} − 1) + {output_padding} + 1"


def output_arithmetic(layer: ConvTransposeLayer) -> tuple[str, ...]:
    g = layer.geometry
    return tuple(size_values(*axis) for axis in zip(layer.input_size, g.kernel, g.stride, g.padding,
                                                    g.dilation, layer.output_padding))


def shapes(layer: ConvTransposeLayer, context: Context) -> Section:
    g = layer.geometry
    dilated = any(d > 1 for d in g.dilation)
    words = letters("The output size along each axis, PyTorch's formula (", [
        ("I", "input"), ("K", "kernel"), ("P", "padding"), ("S", "stride"),
        *([("D", "dilation")] if dilated else []), ("OP", "output_padding")], context)
    formulas = [[size_formula(*axis)] for axis in zip(
        g.axes, layer.input_size, g.kernel, g.stride, g.padding, g.dilation, layer.output_padding,
        layer.output_size)]
    rows = axis_rows(formulas, context.detail.once and len({row[0].sides[1:] for row in formulas}) == 1)
    blocks: list[object] = [Heading("Shapes" + context.where(layer)),
                    *padding_blocks(g, layer.same, tuple(h * s for h, s in zip(layer.input_size,
                                                                                g.stride))),
                    Paragraph(words), Display(rows)]
    if layer.same:
        blocks.append(Paragraph(("With padding = \"same\" the output is stride × input along each"
                                 " axis, as in Keras; OP is what the formula needs to get there.",)))
    return Section("shapes", tuple(blocks + shape_questions(layer, context, layer.weight)))


# -- forward: where each input entry's contribution lands ------------------------------------------


def forward(layer: ConvTransposeLayer, context: Context) -> Section:
    x, y = layer.input, layer.output
    g = layer.geometry
    conv = adjoint(layer, y)
    fields = shown_fields(context, receptive_fields(conv, x, context.detail.fields))
    blocks: list[object] = [
        Heading("Forward pass" + context.where(layer)),
        Paragraph(with_math(
            f"Each entry of ${x.name}$ multiplies the whole kernel, and the product lands on"
            f" ${y.name}$ at the stride $S = {per_axis(g.stride)}$: the product of input entry $i$"
            f" goes to the outputs $i·S − P + k" + ("·D" if max(g.dilation) > 1 else "") + "$ for"
            " the kernel offsets $k$" + (f" ($D = {per_axis(g.dilation)}$, the dilation)"
                                         if max(g.dilation) > 1 else "")
            + ". Products that land on the padding"
            f" {padding_named(g)} are cropped, and where they overlap they add up"
            + (", plus the bias of each output channel" if layer.bias is not None else "")
            + ":"))]
    blocks.append(field_gallery(conv, fields, lambda f, i: Hadamard(f.upstream, kernel_item(conv, context, f, i)),
                                context.label_base(x)))
    blocks += named_kernels_note(conv, context, fields)
    blocks += more(len(fields), x.size, "input entries")
    for after, array in mapped_back(conv, x, context.steps(y, x.size)):
        what = "the first input entry lands" if after == 1 else f"the first {after} input entries land"
        blocks.append(Paragraph((f"Where {what} (same shape as {y.name}):",)))
        blocks.append(context.view(None, array, y, running=True))
    if context.detail.once:  # a handout: the outputs as one result
        values = object_array([unwrap_constant(output_value(layer, o)) for o in range(y.size)], y.shape)
        return Section("forward", tuple(blocks + output_blocks(
            context, ("Adding up what lands on each output, the output",), y, values)))
    blocks.append(Paragraph(("Each output written out:",)))
    blocks.append(Display(tuple(output_equation(layer, o) for o in range(
        min(context.detail.fields, y.size)))))
    blocks += more(min(context.detail.fields, y.size), y.size, "outputs")
    return Section("forward", tuple(blocks + output_matrix(layer, context)))


def output_terms(layer: ConvTransposeLayer, flat: int) -> tuple[list[Product | Symbol],
                                                               list[Poly | Number | Symbol]]:
    """The products (and the bias) that land on output ``flat``: as named terms, and as values."""
    x, w, b = layer.input, layer.weight, layer.bias
    outputs, inputs, weights = layer.triples
    rows = np.flatnonzero(outputs == flat)
    pairs = [(Symbol(x, int(inputs[r])), Symbol(w, int(weights[r]))) for r in rows]
    terms: list[Product | Symbol] = [Product(pair) for pair in pairs]
    values: list[Poly | Number | Symbol] = [product_of((x.entry(i.flat), w.entry(k.flat))) for i, k in pairs]
    if b is not None:
        channel = flat // int(np.prod(layer.output_size)) % layer.out_channels
        terms.append(Symbol(b, channel))
        values.append(b.entry(channel))
    return terms, values


def output_value(layer: ConvTransposeLayer, flat: int) -> Poly:
    return poly_sum(output_terms(layer, flat)[1])


def output_equation(layer: ConvTransposeLayer, flat: int) -> Equation:
    """``Y_o = X_i·W_k + … (+ b) (= its value)``: the products that land on output ``flat``."""
    x, w, b = layer.input, layer.weight, layer.bias
    terms, values = output_terms(layer, flat)
    sides: tuple[object, ...] = (Symbol(layer.output, flat), Sum(tuple(terms)) if terms else 0)
    if terms and (x.is_numeric or w.is_numeric or (b is not None and b.is_numeric)):
        sides += (poly_sum(values),)
    return equation(*sides)


# -- the gradients ------------------------------------------------------------------------------------


def input_gradient(layer: ConvTransposeLayer, context: Context) -> Section:
    x, loss = layer.input, context.loss
    g = layer.geometry
    upstream = context.upstream_of(layer)
    conv = adjoint(layer, upstream)
    fields = shown_fields(context, receptive_fields(conv, x, context.detail.fields))
    dilation = "·D" if max(g.dilation) > 1 else ""
    blocks: list[object] = [
        Heading(f"Gradient with respect to {x.name}" + context.where(layer)),
        Paragraph((Derivative(loss, x), " is the plain strided correlation of ",
                   Derivative(loss, layer.output), " with the kernel: each input entry collects the"
                   " upstream gradient from exactly the outputs its product landed on, ",
                   Formula(f"∂{loss}/∂{x.name}_i = Σ_k ∂{loss}/∂{layer.output.name}_{{i·S − P +"
                           f" k{dilation}}}·{layer.weight.name}_k"),
                   *with_math(
                       f" for input position $i$ and kernel offset $k$ ($S$ the stride,"
                       f" $P = {per_axis(g.pad_before)}$ the padding"
                       + (", $D$ the dilation" if dilation else "") + "). Nothing is rotated and no"
                       " zeros are inserted: it is a convolution of "),
                   Derivative(loss, layer.output),
                   *with_math(f" (padded by {padding_named(g)}, stride {per_axis(g.stride)}) with"
                              f" ${layer.weight.name}$. Each window ⊙ the kernel:")))]
    blocks += transposed_input(layer, context)
    gallery = field_gallery(conv, fields, lambda f, i: Hadamard(Matrix(f.window[i]),
                                                                kernel_item(conv, context, f, i)),
                            context.label_base(x))
    blocks += fields_once(conv, context, fields, gallery, (Paragraph((
        "The windows are those of ", Reference(fields_key(conv)), ", each now multiplied"
        " element-wise by the kernel ", Formula(layer.weight.name), ".")),))
    blocks += named_kernels_note(conv, context, fields)
    blocks += more(len(fields), x.size, "windows")
    blocks += context.result_blocks((f"Each window's products added up, with the shape of {x.name}",), x)
    return Section("dx", tuple(blocks))


def weight_gradient(layer: ConvTransposeLayer, context: Context) -> Section:
    x, w, loss = layer.input, layer.weight, context.loss
    upstream = context.upstream_of(layer)
    conv = adjoint(layer, upstream)
    fields = shown_fields(context, receptive_fields(conv, x, context.detail.fields))
    blocks: list[object] = [
        Heading(f"Gradient with respect to {w.name}" + context.where(layer)),
        Paragraph((Derivative(loss, w), ": each input entry times the window of ",
                   Derivative(loss, layer.output), " where its product landed, all of them added"
                   " together.",))]
    gallery = field_gallery(conv, fields, lambda f, i: Hadamard(Matrix(f.window[i]), f.upstream),
                            context.label_base(x))
    blocks += fields_once(conv, context, fields, gallery, (Paragraph((
        "The windows are those of ", Reference(fields_key(conv)), ", each now multiplied by its"
        " input entry: the window of ", fields[0].output, " by ", fields[0].upstream,
        ", and so on.")),))
    blocks += more(len(fields), x.size, "windows")
    blocks += context.result_blocks((f"The sum, with the shape of {w.name}",), w)
    return Section("dw", tuple(blocks))


def bias(layer: ConvTransposeLayer, context: Context) -> Section | None:
    return bias_gradient(layer, context, layer.geometry.input_shape, "output channel")


# -- the closed form ------------------------------------------------------------------------------


def closed_form_section(layer: ConvTransposeLayer, context: Context) -> Section:
    g = layer.geometry
    x, w, y, loss = layer.input, layer.weight, layer.output, context.loss
    upstream = context.upstream_of(layer)
    lift = np.vectorize(Poly.lift, otypes=[object])
    xs, ws = entry_array(x, g.output_shape), entry_array(w, g.weight_shape)
    dys = entry_array(upstream, g.input_shape)
    reach = tuple(d * (k - 1) for d, k in zip(g.dilation, g.kernel))
    dilated = max(g.dilation) > 1
    blocks: list[object] = [
        Heading("Closed form" + context.where(layer)),
        Paragraph(with_math(
            "The forward pass is itself a convolution, a full correlation: insert $S − 1$"
            f" zeros between the entries of ${x.name}$ ($S = {per_axis(g.stride)}$, the stride),"
            f" pad it with $K − 1$ zeros on every side ($K = {per_axis(g.kernel)}$, the kernel size"
            + (f"; $D(K − 1)$ with the dilation $D = {per_axis(g.dilation)}$" if dilated else "")
            + "), slide the kernel rotated by 180° over it"
            + (", add $OP$ zeros at the end ($OP$ = output_padding)" if any(layer.output_padding) else "")
            + f", then remove the padding {padding_named(g)}.")),
        Paragraph(with_math("Size of the zero-inserted, padded input along each axis ($I$ the"
                            " input size):"))]
    display, sizes = inserted_sizes("I", layer.input_size, g, context.detail.once)
    blocks.append(display)
    blocks.append(Paragraph(("The zero-inserted, padded input (", Formula(shape_text(tuple(sizes))),
                             "):")))
    inserted = closed_form.pad(closed_form.insert_zeros(xs, g.stride), reach, reach)
    blocks += canonical_slices(Formula(f"inserted({x.name})"), inserted, context.label_base(x),
                               (g.batch, layer.in_channels), ("n", "c"), context.canonical_slices)
    blocks.append(Paragraph(("The kernel rotated by 180°:",)))
    blocks += canonical_slices(Formula(f"rot180({w.name})"), closed_form.rotate_180(ws, g.dims),
                               context.label_base(w),
                               (layer.in_channels, g.group_channels), ("c", "f"), context.canonical_slices)
    forward_polys = closed_form.symbolic(closed_form.grad_input, (xs, ws), g)
    if layer.bias is not None:
        forward_polys = forward_polys + lift(entry_array(layer.bias)).reshape(
            (1, -1) + (1,) * g.dims)
    blocks += output_blocks(context, ("Their full correlation, cropped"
                                      + (", plus the bias" if layer.bias is not None else ""),),
                            y, forward_polys.reshape(y.shape))
    blocks.append(Paragraph((Derivative(loss, x), " is the strided correlation of ",
                             Derivative(loss, y),
                             *with_math(f" padded by {padding_named(g)} with ${w.name}$"
                                        f" (stride {per_axis(g.stride)}"
                                        + (f", dilation {per_axis(g.dilation)}" if dilated else "")
                                        + "): nothing rotated, no zeros inserted. The padded"
                                        " upstream gradient:"))))
    blocks += canonical_slices(Formula(f"pad(∂{loss}/∂{y.name})"),
                               closed_form.pad(dys, g.pad_before, g.pad_after),
                               context.label_base(upstream),
                               (g.batch, layer.out_channels), ("n", "f"), context.canonical_slices)
    blocks += context.result_blocks(
        ("Its strided correlation with the kernel",), x,
        closed_form.symbolic(closed_form.correlate, (dys, ws), g).reshape(x.shape))
    blocks += context.result_blocks(
        (Derivative(loss, w), " is the correlation of the padded ", Derivative(loss, y),
         " with the zero-inserted input" + (", summed over the batch" if g.batch > 1 else "")),
        w, closed_form.symbolic(closed_form.grad_weight, (dys, xs), g).reshape(w.shape))
    if layer.bias is not None:
        b = layer.bias
        blocks += context.result_blocks(
            (Derivative(loss, b), " is the sum of the upstream gradient"
             + (" of each output channel" if b.size > 1 else "")),
            b, closed_form.symbolic(closed_form.grad_bias, (dys,)).reshape(b.shape))
    return Section("closed-form", tuple(blocks))


SECTIONS = {"shapes": shapes, "forward": forward, "dw": weight_gradient, "dx": input_gradient,
            "db": bias, "closed-form": closed_form_section}


def describe(layer: ConvTransposeLayer, context: Context) -> tuple[object, ...]:
    """One sentence for the problem statement."""
    dims = layer.geometry.dims
    extra = f", output_padding {per_axis(layer.output_padding)}" if any(layer.output_padding) else ""
    return settings_sentence(layer, f"A {dims}-D transposed convolution{context.where(layer)} (as"
                                    f" PyTorch's ConvTranspose{dims}d)", extra)

