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

from typing import Sequence

import numpy as np

from ...core.document import (Derivative, Display, Equation, Formula, Hadamard, Heading, Matrix,
                              Paragraph, Reference, Section, Sum, equation, with_math)
from ...core.poly import Poly
from ...engine.sections import (Context, entry_array, more, object_array, output_blocks,
                                output_matrix, result_key, unwrap_constant)
from ...core.tensors import Tensor
from ...core.wording import AXIS_WORDS, ordinal, per_axis, shape_text
from ..sliding import closed_form
from . import why
from .figures import closed_form_figure, receptive_field_figure
from ..sliding.layer import ConvLayer
from ..sliding.sections import (AxisSize, axis_rows, axis_sizes, bias_gradient, canonical_slices,
                                carried_upstream, each_receptive_field, factor, field_gallery,
                                fields_key, fields_once, inserted_sizes, kernel_item, letters, mapped_back,
                                named_kernels_note, padding_blocks, padding_named, padding_terms,
                                receptive_fields, same_numbers, settings_sentence, shapes_section,
                                shown_fields, size_arithmetic)


def output_arithmetic(layer: ConvLayer) -> tuple[str, ...]:
    return tuple(size_arithmetic(axis) for axis in axis_sizes(layer.geometry))


def conv_shapes(layer: ConvLayer, context: Context) -> Section:
    dilated = any(d > 1 for d in layer.geometry.dilation)
    words = letters("The output size along each axis (", [
        ("I", "input"), ("K", "kernel"), ("P", "padding"), ("S", "stride"),
        *([("D", "dilation")] if dilated else [])], context)
    return shapes_section(layer, context, axis_sizes(layer.geometry), words, layer.weight,
                          padding_blocks(layer.geometry, layer.same))


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
    outputs = short_outputs(layer, context) if context.detail.once else None
    if outputs is not None:
        # a handout: the outputs as one result (the gallery shows the products)
        return Section("forward", tuple(blocks + output_blocks(
            context, ("Adding up the products of each receptive field, the output",), layer.output,
            outputs)))
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


def short_outputs(layer: ConvLayer, context: Context) -> np.ndarray | None:
    """Every output's value, in the output's shape, when none is a sum long at this detail
    (None as soon as one is: at the worked-solution limit the first output already is)."""
    outputs = []
    for field in each_receptive_field(layer, context.upstream_of(layer)):
        value = unwrap_constant(field.value)
        if isinstance(value, Poly) and context.is_long(len(value.terms)):
            return None
        outputs.append(value)
    return object_array(outputs, layer.output.shape)


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


def expanded_words(layer: ConvLayer, context: Context) -> str:
    """Said of a result that is written with the carried values."""
    return "" if context.carried(layer) is None else ", expanded down to the given upstream gradient"


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
            written = context.written_entries(b, bias_gradient).reshape(-1)[0]
            summed = Display((Equation((Derivative(loss, b), Formula(f"sum(∂{loss}/∂{y.name})"), written)),))
            if context.has_long_sum(bias_gradient):  # a long sum the chain rule wrote: referred to
                blocks += context.shown_once(result_key(bias_gradient), lead, Derivative(loss, b), summed,
                                             again=False)
            else:
                blocks += [Paragraph((*lead, ":")), summed]
        else:
            blocks += context.result_blocks(lead, b, bias_gradient)
    return Section("closed-form", tuple(blocks))


SECTIONS = {"shapes": conv_shapes, "forward": conv_forward, "dw": conv_weight_gradient,
            "dx": conv_input_gradient, "db": conv_bias_gradient, "closed-form": conv_closed_form}


def describe(layer: ConvLayer, context: Context) -> tuple[str]:
    """One sentence for the problem statement."""
    return settings_sentence(layer, f"A {layer.geometry.dims}-D convolution{context.where(layer)}"
                                    " (cross-correlation, as in PyTorch)")
