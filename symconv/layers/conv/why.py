"""Why each step of a convolution's backward pass is what it is, told with the problem's own
entries and numbers: why the kernel is rotated for ∂L/∂X, why zeros are inserted when the stride
skips outputs, and why ∂L/∂W is a correlation (and the notes' Rot180 form the same).

Each explanation is a :class:`~symconv.core.document.Once` block: the sections that use a step all
carry it, and the document says it where the step is first used.
"""

from __future__ import annotations

import numpy as np

from ...core.contract import Layer
from ...core.document import Derivative, Formula, Indexed, with_math
from ...core.indexed import general_term
from ...core.poly import Symbol
from ...engine.sections import Context, NamedTerm, named_terms
from ...core.wording import per_axis
from ..sliding.layer import ConvLayer
from ..sliding.sections import meetings, why


def busiest_entry(context: Context, layer: Layer) -> tuple[Symbol, list[NamedTerm]]:
    """The input entry of ``layer`` read by the most outputs, and its chain-rule terms in output
    order (the worked instance of an explanation)."""
    gradient = context.derivation.gradient(layer.input.name)
    block = next(b for b in gradient.blocks if b.output is layer.output)
    flat = int(np.argmax(np.diff(block.offsets)))
    terms = [t for t in named_terms(gradient, flat) if t.output.tensor is layer.output]
    return Symbol(layer.input, flat), sorted(terms, key=lambda t: t.output.flat)


def rotation(layer: ConvLayer, context: Context) -> list[object]:
    """Why ∂L/∂X correlates ∂L/∂Y with the kernel rotated by 180°: an input entry meets the
    kernel's entries in outputs whose index goes down as the kernel's goes up."""
    entry, terms = busiest_entry(context, layer)
    if len(terms) < 2:
        return []
    w, y = layer.weight, layer.output
    parts: list[object] = ["Why is the kernel rotated? ", entry, " meets ", *meetings(terms), "."]
    general = general_formula(layer)
    parts += [" In general ", *general, ": as"] if general else [" As"]
    parts += [" the output index goes up, the kernel index goes down. So ",
              Derivative(context.loss, entry), " reads ", Derivative(context.loss, y), " forwards and ",
              Formula(w.name), " backwards: the kernel rotated by 180°."]
    return why("rotation", tuple(parts))


def general_formula(layer: ConvLayer) -> list[object]:
    """``A_{i,j} meets B_{m,n} in C_{i−m+1,j−n+1}`` for an indexed kernel without stride or
    dilation (none where the letters would need channels or a division by the stride)."""
    g = layer.geometry
    x, w, y = layer.input, layer.weight, layer.output
    if (w.naming != "indexed" or x.naming != "indexed" or any(s > 1 for s in g.stride)
            or any(d > 1 for d in g.dilation) or len(x.shape) != g.dims or len(w.shape) != g.dims):
        return []
    inputs, kernel = {1: ("i",), 2: ("i", "j"), 3: ("h", "i", "j")}[g.dims], {
        1: ("m",), 2: ("m", "n"), 3: ("l", "m", "n")}[g.dims]
    offsets = []
    for i, m, before in zip(inputs, kernel, g.pad_before):
        constant = before - x.index_base + w.index_base + y.index_base
        offsets.append(f"{i}−{m}" + (f"+{constant}" if constant > 0 else f"−{-constant}" if constant else ""))
    return [Indexed(x, inputs), " meets ", Indexed(w, kernel), " in ", Indexed(y, tuple(offsets))]


def zero_insertion(layer: ConvLayer, context: Context) -> list[object]:
    """Why S − 1 zeros go between the entries of ∂L/∂Y: the stride skipped the outputs whose
    windows would start there."""
    g = layer.geometry
    if all(s == 1 for s in g.stride):
        return []
    y = layer.output
    per_axis_words = []
    for axis, size, kernel, stride, (before, after), dilation, outputs in zip(
            g.axes, g.input_size, g.kernel, g.stride, g.padding, g.dilation, g.output_size):
        every = size + before + after - dilation * (kernel - 1)  # window starts at stride 1
        kept = [o * stride for o in range(outputs)]
        skipped = [p for p in range(kept[-1] + 1) if p not in kept]
        per_axis_words.append((axis, every, kept, skipped))
    same = len({(e, tuple(k), tuple(s)) for _, e, k, s in per_axis_words}) == 1
    described = per_axis_words[:1] if same else per_axis_words
    sentences = []
    for axis, every, kept, skipped in described:
        where = "along each axis" if same else f"along {axis}"
        sentences.append(f"{where} the windows could start at {', '.join(map(str, range(every)))};"
                         f" the stride keeps {', '.join(map(str, kept))} and skips"
                         f" {', '.join(map(str, skipped)) or 'none'}")
    first, second = Symbol(y, 0), Symbol(y, 1) if y.size > 1 else None
    parts: list[object] = ["Why are zeros inserted? Without the stride ", Formula(f"S = {per_axis(g.stride)}"),
                   ", " + "; ".join(sentences) + ". A skipped window has no output, so it passes no"
                   " gradient back"]
    if second is not None:
        parts += [" (the window between ", first, " and ", second, " is one)"]
    parts += [": the ", Formula("S − 1"), " zeros between the entries of ",
              Derivative(context.loss, y), " are the gradients of those skipped outputs, 0."]
    return why("zeros", tuple(parts))


def weight_correlation(layer: ConvLayer, context: Context) -> list[object]:
    """Why ∂L/∂W is the correlation of the input with ∂L/∂Y, and the notes' Rot180 form the same."""
    w, x, y, loss = layer.weight, layer.input, layer.output, context.loss
    flat = min(1, w.size - 1)
    gradient = context.derivation.gradient(w.name)
    terms = [t for t in named_terms(gradient, flat) if t.output.tensor is y]
    sigma = general_term([(t.upstream if isinstance(t.upstream, Symbol) else Derivative(loss, t.output),
                           t.local) for t in terms],
                         [t.output for t in terms], context.letters(y)) if len(terms) > 1 else None
    strided = any(s > 1 for s in layer.geometry.stride)
    parts: list[object] = ["Why a correlation? Every output reads each kernel entry once, at its own place"
                   " in its receptive field"]
    if sigma is not None:
        parts += [", so ", Derivative(loss, Symbol(w, flat)), " = ", sigma._replace(terms=None)]
    dy = Derivative(loss, y)
    parts += [": ", dy, " slides over ", Formula(x.name), " like a kernel",
              *(with_math(", its entries $S$ apart (the zero-inserted gradient)") if strided else ()),
              ", and each of its positions gives one entry of ", Derivative(loss, w),
              ": the correlation of ", Formula(x.name), " with ", dy, ". The course notes write"
              " it grad w = Rot 180°(Inserted Grad y * x)",
              *(() if (x.name.lower(), y.name.lower()) == ("x", "y") else (
                  ", with x = ", Formula(x.name), " and y = ", Formula(y.name))),
              ": there ", Formula(x.name), " slides over the zero-inserted"
              " gradient, padded by ", Formula("K − 1"), ", and meets its entries in the opposite"
              " order, which Rot 180° turns back, so it is the same sum."]
    return why("dw", tuple(parts))
