"""A convolution's pictures, drawn from its geometry: the receptive field of one output on the padded
input (and the next output's, a stride further; dilation leaves holes), and the closed form's
zero-inserted, padded upstream gradient next to the rotated kernel."""

from __future__ import annotations

import numpy as np

from ...core.document import Figure, Formula, Grid
from ...engine.figures import entry_grid, grid_position, is_pictured, slice_label
from ...core.poly import Symbol
from ...engine.sections import Context
from ...core.wording import per_axis
from ..sliding import closed_form
from ..sliding.layer import ConvLayer


def as_rows(values: tuple[int, ...]) -> tuple[int, int]:
    """Per-axis values as (rows, columns) of a picture (1-D: one row)."""
    return (1, values[0]) if len(values) == 1 else (values[-2], values[-1])


def field_cells(layer: ConvLayer, at: tuple[int, int], grid: np.ndarray) -> frozenset[int]:
    """The padded input's cells that the output at (row, column) reads."""
    stride, dilation, kernel = (as_rows(v) for v in (layer.geometry.stride, layer.geometry.dilation,
                                                     layer.geometry.kernel))
    return frozenset(grid_position(grid, at[0] * stride[0] + i * dilation[0],
                                   at[1] * stride[1] + j * dilation[1])
                     for i in range(kernel[0]) for j in range(kernel[1]))


def receptive_field_figure(layer: ConvLayer, context: Context) -> list[Figure]:
    """The first output's receptive field on the padded input, and the next output's a stride to
    the right (or down): stride, dilation and padding as the kernel meets them."""
    g = layer.geometry
    if not is_pictured(g.dims):
        return []
    x, y = layer.input, layer.output
    padded = any(b or a for b, a in g.padding)
    grid = entry_grid(x, g.dims, 0, g.padding)
    outputs = entry_grid(y, g.dims, 0)
    rows, columns = outputs.shape
    first, step = (0, 0), ((0, 1) if columns > 1 else (1, 0) if rows > 1 else None)
    fields = [field_cells(layer, first, grid)]
    shaded = [frozenset({0})]
    if step is not None:
        fields.append(field_cells(layer, step, grid))
        shaded.append(frozenset({grid_position(outputs, *step)}))
    words = "padded" if padded else ""
    grids = (Grid(grid, slice_label(x, g.dims, 0, words), tuple(fields)),
             Grid(outputs, slice_label(y, g.dims, 0), tuple(shaded)))
    caption: list[object] = ["The receptive field of ", outputs[0, 0], " (blue) on ", Formula(x.name)]
    if step is not None:
        axis = "to the right" if step == (0, 1) else "down"
        stride = as_rows(g.stride)[1 if step == (0, 1) else 0]
        caption += [" and that of ", outputs[step], f" (orange), {stride} {'entry' if stride == 1 else 'entries'}"
                    f" further {axis}: the stride is {per_axis(g.stride)}"]
    if any(d > 1 for d in g.dilation):
        caption.append(f"; with dilation {per_axis(g.dilation)} the kernel skips entries between the"
                       " ones it reads")
    if padded:
        padding = per_axis(g.pad_before) if g.symmetric else g.padding_words
        caption.append(f"; the padding of {padding} is grey (zeros)")
    return [Figure(grids, tuple(caption + ["."]))]


def zeros(counts: tuple[int, ...]) -> str:
    return "zero" if counts == (1,) * len(counts) else "zeros"


def closed_form_figure(layer: ConvLayer, context: Context) -> list[Figure]:
    """∂L/∂Y with S − 1 zeros inserted and D(K − 1) of padding (grey), next to rot180(W) (with
    D − 1 zeros between its entries when dilated)."""
    g = layer.geometry
    if not is_pictured(g.dims):
        return []
    upstream, w = context.upstream_of(layer), layer.weight
    names = np.empty(upstream.size, dtype=object)
    names[:] = upstream.symbols
    first = names.reshape(g.output_shape)[0, 0]
    inserted = closed_form.insert_zeros(first, g.stride)
    reach = tuple(d * (k - 1) for d, k in zip(g.dilation, g.kernel))
    padded = np.full(tuple(n + 2 * r for n, r in zip(inserted.shape, reach)), None, dtype=object)
    padded[tuple(slice(r, r + n) for r, n in zip(reach, inserted.shape))] = inserted
    kernel = np.empty(w.size, dtype=object)
    kernel[:] = w.symbols
    rotated = closed_form.insert_zeros(closed_form.rotate_180(kernel.reshape(g.weight_shape)[0, 0], g.dims),
                                       g.dilation)
    padded, rotated = (a.reshape(1, -1) if a.ndim == 1 else a for a in (padded, rotated))
    originals = frozenset(i for i, cell in enumerate(padded.flat) if isinstance(cell, Symbol))
    grids = (Grid(padded, Formula(f"inserted(∂{context.loss}/∂{layer.output.name})"), (originals,)),
             Grid(rotated, Formula(f"rot180({w.name})"), (frozenset(i for i, c in enumerate(rotated.flat)
                                                          if isinstance(c, Symbol)),)))
    gaps = tuple(s - 1 for s in g.stride)
    reach_letters = "D(K − 1)" if any(d > 1 for d in g.dilation) else "K − 1"  # D only when dilated
    caption: list[object] = [f"The upstream gradient (blue) with S − 1 = {per_axis(gaps)}"
                     f" {zeros(gaps)} inserted between neighbouring entries and {reach_letters} ="
                     f" {per_axis(reach)} {zeros(reach)} of padding (grey) on every side, next to the"
                     " kernel rotated by 180°"]
    if any(d > 1 for d in g.dilation):
        caption.append(f", dilated by {per_axis(g.dilation)} (zeros between its entries)")
    if len(g.output_shape) > 2 and (g.batch > 1 or g.filters > 1):
        caption.append(" (first batch entry and filter)")
    return [Figure(grids, tuple(caption + ["; sliding it over the grid gives the full correlation."]))]
