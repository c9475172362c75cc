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

from ...document import (Derivative, Display, Equation, Formula, Hadamard, Heading, Matrix,
                         Paragraph, Product, Section, Sum, equation)
from ...poly import Poly, Symbol, poly_sum, product_of
from ...sections import Context, entry_array, more
from ...tensors import Tensor
from ...wording import per_axis, shape_text
from ..conv import closed_form
from ..conv.layer import ConvLayer
from ..conv.sections import (bias_gradient, canonical_slices, field_gallery, inserted_sizes, mapped_back,
                             padding_blocks, padding_named, padding_terms, receptive_fields,
                             settings_sentence, shape_questions)
from .layer import ConvTransposeLayer


def adjoint(layer: ConvTransposeLayer, reads: Tensor) -> ConvLayer:
    """The convolution this layer is the adjoint of, reading ``reads`` (shaped like the output:
    ∂L/∂Y, or Y itself) and writing entries named after this layer's input."""
    return ConvLayer(layer.geometry, reads, layer.weight, None, layer.input)


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
    words = ("The output size along each axis, PyTorch's formula (I input, K kernel, P padding,"
             " S stride" + (", D dilation" if dilated else "") + ", OP output_padding):")
    rows = tuple(size_formula(*axis) for axis in zip(
        g.axes, layer.input_size, g.kernel, g.stride, g.padding, g.dilation, layer.output_padding,
        layer.output_size))
    blocks: list = [Heading("Shapes" + context.where(layer)),
                    *padding_blocks(g, layer.same, tuple(h * s for h, s in zip(layer.input_size,
                                                                                g.stride))),
                    Paragraph((words,)), Display(rows)]
    if layer.same:
        blocks.append(Paragraph(("With padding = \"same\" the output is stride × input along each"
                                 " axis, as in Keras; OP is what the formula needs to get there.",)))
    return Section("shapes", tuple(blocks + shape_questions(layer, context, layer.weight)))


# -- forward: where each input entry's contribution lands ------------------------------------------


def forward(layer: ConvTransposeLayer, context: Context) -> Section:
    x, y = layer.input, layer.output
    g = layer.geometry
    conv = adjoint(layer, y)
    fields = receptive_fields(conv, x, context.limits.fields)
    blocks: list = [
        Heading("Forward pass" + context.where(layer)),
        Paragraph((f"Each entry of {x.name} multiplies the whole kernel, and the product lands on"
                   f" {y.name} at stride {per_axis(g.stride)}: the product of input entry i goes to"
                   f" the outputs i·S − P + k" + ("·D" if max(g.dilation) > 1 else "") + " for"
                   f" the kernel offsets k. Products that land on the padding"
                   f" {padding_named(g)} are cropped, and where they overlap they add up"
                   + (", plus the bias of each output channel" if layer.bias is not None else "")
                   + ":",))]
    blocks.append(field_gallery(conv, fields, lambda f, i: Hadamard(f.upstream, Matrix(f.kernel[i])),
                                context.label_base(x)))
    blocks += more(len(fields), x.size, "input entries")
    counts = list(range(1, min(context.limits.steps, x.size - 1) + 1))
    for after, array in mapped_back(conv, x, counts):
        what = "the first input entry lands" if after == 1 else f"the first {after} input entries land"
        blocks.append(Paragraph((f"Where {what} (same shape as {y.name}):",)))
        blocks.append(context.view(None, array, y))
    blocks.append(Paragraph(("Each output written out:",)))
    blocks.append(Display(tuple(output_equation(layer, o) for o in range(
        min(context.limits.fields, y.size)))))
    blocks += more(min(context.limits.fields, y.size), y.size, "outputs")
    if y.is_numeric:
        blocks.append(Paragraph(("So the output is:",)))
        blocks.append(context.view(Formula(y.name), entry_array(y), y))
    return Section("forward", tuple(blocks))


def output_equation(layer: ConvTransposeLayer, flat: int) -> Equation:
    """``Y_o = X_i·W_k + … (+ b) (= its value)``: the products that land on output ``flat``."""
    x, w, y, b = layer.input, layer.weight, layer.output, layer.bias
    outputs, inputs, weights = layer.triples
    rows = np.flatnonzero(outputs == flat)
    pairs = [(Symbol(x, int(inputs[r])), Symbol(w, int(weights[r]))) for r in rows]
    terms: list = [Product(pair) for pair in pairs]
    values: list = [product_of((x.entry(i.flat), w.entry(k.flat))) for i, k in pairs]
    if b is not None:
        channel = flat // int(np.prod(layer.output_size)) % layer.out_channels
        terms.append(Symbol(b, channel))
        values.append(b.entry(channel))
    sides: tuple = (Symbol(y, flat), Sum(tuple(terms)) if terms else 0)
    if terms and (x.is_numeric or w.is_numeric or (b is not None and b.is_numeric)):
        sides += (poly_sum(values),)
    return equation(*sides)


# -- the gradients ------------------------------------------------------------------------------------


def input_gradient(layer: ConvTransposeLayer, context: Context) -> Section:
    x, loss = layer.input, context.loss
    g = layer.geometry
    upstream = context.upstream_of(layer)
    conv = adjoint(layer, upstream)
    fields = receptive_fields(conv, x, context.limits.fields)
    dilation = "·D" if max(g.dilation) > 1 else ""
    blocks: list = [
        Heading(f"Gradient with respect to {x.name}" + context.where(layer)),
        Paragraph((Derivative(loss, x), " is the plain strided correlation of ",
                   Derivative(loss, layer.output), " with the kernel: each input entry collects the"
                   " upstream gradient from exactly the outputs its product landed on, ",
                   Formula(f"∂{loss}/∂{x.name}_i = Σ_k ∂{loss}/∂{layer.output.name}_(i·S − P +"
                           f" k{dilation})·{layer.weight.name}_k"),
                   f". Nothing is rotated and no zeros are inserted: it is a convolution of"
                   f" ∂{loss}/∂{layer.output.name} (padded by {padding_named(g)}, stride"
                   f" {per_axis(g.stride)}) with {layer.weight.name}. Each window ⊙ the kernel:",))]
    blocks.append(field_gallery(conv, fields,
                                lambda f, i: Hadamard(Matrix(f.window[i]), Matrix(f.kernel[i])),
                                context.label_base(x)))
    blocks += more(len(fields), x.size, "windows")
    blocks.append(Paragraph((f"Each window's products added up, with the shape of {x.name}:",)))
    blocks.append(context.gradient_view(x))
    return Section("dx", tuple(blocks))


def weight_gradient(layer: ConvTransposeLayer, context: Context) -> Section:
    x, w, loss = layer.input, layer.weight, context.loss
    upstream = context.upstream_of(layer)
    conv = adjoint(layer, upstream)
    fields = receptive_fields(conv, x, context.limits.fields)
    blocks: list = [
        Heading(f"Gradient with respect to {w.name}" + context.where(layer)),
        Paragraph((Derivative(loss, w), ": each input entry times the window of ",
                   Derivative(loss, layer.output), " where its product landed, all of them added"
                   " together.",))]
    blocks.append(field_gallery(conv, fields, lambda f, i: Hadamard(Matrix(f.window[i]), f.upstream),
                                context.label_base(x)))
    blocks += more(len(fields), x.size, "windows")
    blocks.append(Paragraph((f"The sum, with the shape of {w.name}:",)))
    blocks.append(context.gradient_view(w))
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
    blocks: list = [
        Heading("Closed form" + context.where(layer)),
        Paragraph((f"The forward pass is itself a convolution, a full correlation: insert S − 1"
                   f" zeros between the entries of {x.name}, pad it with K − 1 zeros on every side"
                   + (" (D(K − 1) with dilation D)" if dilated else "") + ", slide the kernel"
                   " rotated by 180° over it"
                   + (", add OP zeros at the end" if any(layer.output_padding) else "")
                   + f", then remove the padding {padding_named(g)}.",)),
        Paragraph(("Size of the zero-inserted, padded input along each axis:",))]
    display, sizes = inserted_sizes("I", layer.input_size, g)
    blocks.append(display)
    blocks.append(Paragraph(("The zero-inserted, padded input (", Formula(shape_text(tuple(sizes))),
                             "):")))
    inserted = closed_form.pad(closed_form.insert_zeros(xs, g.stride), reach, reach)
    blocks += canonical_slices(Formula(f"inserted({x.name})"), inserted, context.label_base(x),
                               (g.batch, layer.in_channels), ("n", "c"))
    blocks.append(Paragraph(("The kernel rotated by 180°:",)))
    blocks += canonical_slices(Formula(f"rot180({w.name})"), closed_form.rotate_180(ws, g.dims),
                               context.label_base(w),
                               (layer.in_channels, g.group_channels), ("c", "f"))
    forward_polys = closed_form.symbolic(closed_form.grad_input, (xs, ws), g)
    if layer.bias is not None:
        forward_polys = forward_polys + lift(entry_array(layer.bias)).reshape(
            (1, -1) + (1,) * g.dims)
    blocks.append(Paragraph(("Their full correlation, cropped"
                             + (", plus the bias" if layer.bias is not None else "") + ":",)))
    blocks.append(context.view(Formula(y.name), forward_polys.reshape(y.shape), y))
    blocks.append(Paragraph((Derivative(loss, x), " is the strided correlation of ",
                             Derivative(loss, y), f" padded by {padding_named(g)} with {w.name}"
                             f" (stride {per_axis(g.stride)}"
                             + (f", dilation {per_axis(g.dilation)}" if dilated else "")
                             + "): nothing rotated, no zeros inserted. The padded upstream"
                             " gradient:",)))
    blocks += canonical_slices(Formula(f"pad(∂{loss}/∂{y.name})"),
                               closed_form.pad(dys, g.pad_before, g.pad_after),
                               context.label_base(upstream),
                               (g.batch, layer.out_channels), ("n", "f"))
    blocks.append(Paragraph(("Its strided correlation with the kernel:",)))
    blocks.append(context.gradient_view(x, closed_form.symbolic(closed_form.correlate, (dys, ws), g).reshape(
        x.shape)))
    blocks.append(Paragraph((Derivative(loss, w), " is the correlation of the padded ",
                             Derivative(loss, y), " with the zero-inserted input"
                             + (", summed over the batch" if g.batch > 1 else "") + ":",)))
    blocks.append(context.gradient_view(w, closed_form.symbolic(closed_form.grad_weight, (dys, xs), g).reshape(
        w.shape)))
    if layer.bias is not None:
        b = layer.bias
        blocks.append(Paragraph((Derivative(loss, b), " is the sum of the upstream gradient"
                                 + (" of each output channel" if b.size > 1 else "") + ":",)))
        blocks.append(context.gradient_view(b, closed_form.symbolic(closed_form.grad_bias, (dys,)).reshape(b.shape)))
    return Section("closed-form", tuple(blocks))


SECTIONS = {"shapes": shapes, "forward": forward, "dw": weight_gradient, "dx": input_gradient,
            "db": bias, "closed-form": closed_form_section}


def describe(layer: ConvTransposeLayer, context: Context) -> tuple:
    """One sentence for the problem statement."""
    dims = layer.geometry.dims
    extra = f", output_padding {per_axis(layer.output_padding)}" if any(layer.output_padding) else ""
    return settings_sentence(layer, f"A {dims}-D transposed convolution{context.where(layer)} (as"
                                    f" PyTorch's ConvTranspose{dims}d)", extra)

