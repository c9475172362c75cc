"""The closed-form route: gradients of a convolution written as convolutions.

For one spatial axis, with stride S, padding P (before; the padding after may differ), dilation D
and kernel size K::

    ∂L/∂W[k] = Σ_u  Ẑ[u] · Xpad[u + D·k]        correlation of the padded input with the
                                                 zero-inserted ("dilated") upstream gradient Ẑ
    ∂L/∂Xpad  = full correlation of Ẑ, padded by D(K−1) on both sides, with rot180(W) dilated by D;
                then the padding P is removed

where Ẑ is ∂L/∂Y with S − 1 zeros inserted between entries (size S(O−1) + 1). Channels follow
the notes handout: ∂L/∂X_c sums over the filters of c's group; ∂L/∂W_{f,c} sums over the batch.

Every function works on NumPy arrays of any dtype that supports ``+`` and ``*``: floats for the
numeric check, integers for exact tests, object arrays of :class:`~symconv.core.poly.Poly`. Arrays are
in canonical layout ``(N, C, *spatial)`` / ``(F, C/groups, *kernel)``.

Each function says where its products go (``into.add``: a region of the result, two operand
slices and the axes they are contracted over) and leaves the arithmetic to ``into``:
:class:`Numeric` multiplies and adds as it goes; :class:`Listed` only lists which operand entries
each result entry multiplies (operands given as :func:`positions`), so a symbolic closed form is
built as :mod:`symconv.engine.product_sums` builds the chain rule's sums: each entry's polynomial once,
never by adding products to a growing polynomial (:func:`symbolic`).
"""

from __future__ import annotations

from math import prod
from typing import Any, Callable, Sequence, overload

import numpy as np

from ...engine.product_sums import Known, Products, product_polys
from .geometry import ConvGeometry

Crop = Callable[[np.ndarray], np.ndarray]
Contraction = tuple[Sequence[int], Sequence[int]]  # the axes of each operand, as tensordot takes them


class Numeric:
    """The closed form on numbers or polynomials: every contraction multiplied and added in."""

    def __init__(self, shape: tuple[int, ...], dtype: np.dtype[Any]) -> None:
        self.out = np.zeros(shape, dtype=dtype)

    def add(self, where: tuple[slice | int, ...], left: np.ndarray, right: np.ndarray, axes: Contraction,
            axis: int | None = None) -> None:
        """``out[where] += tensordot(left, right, axes)``, the right operand's free axis moved to
        ``axis`` (where it is not already)."""
        product = np.tensordot(left, right, axes=axes)
        self.out[where] = self.out[where] + (product if axis is None else np.moveaxis(product, -1, axis))

    def add_sum(self, where: tuple[slice | int, ...], operand: np.ndarray, axes: tuple[int, ...]) -> None:
        """``out[where] += operand`` summed over ``axes`` (no second factor)."""
        self.out[where] = self.out[where] + operand.sum(axis=axes)

    def result(self, crop: Crop | None = None) -> np.ndarray:
        return self.out if crop is None else crop(self.out)


def positions(shape: tuple[int, ...], start: int = 0) -> np.ndarray:
    """An operand for :class:`Listed`: each entry's place in a list of entries (``start`` plus its
    flat position), plus one: 0 is an inserted zero or padding, as :func:`pad` and
    :func:`insert_zeros` write it."""
    return np.arange(start + 1, start + prod(shape) + 1).reshape(shape)


class Listed:
    """The closed form as data: for every result entry, which entries it multiplies (places in
    one list of both operands' entries, see :func:`positions`). Products with an inserted zero
    or padding are left out."""

    def __init__(self, shape: tuple[int, ...], dtype: np.dtype[Any] | None = None) -> None:
        self.cells = positions(shape)  # each result entry, in the operands' encoding
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray | None]] = []

    def add(self, where: tuple[slice | int, ...], left: np.ndarray, right: np.ndarray, axes: Contraction,
            axis: int | None = None) -> None:
        left_axes, right_axes = [tuple(a % array.ndim for a in side)
                                 for side, array in zip(axes, (left, right))]
        contracted = int(np.prod([left.shape[a] for a in left_axes], dtype=np.int64))
        left_free = [a for a in range(left.ndim) if a not in left_axes]
        right_free = [a for a in range(right.ndim) if a not in right_axes]
        # Both operands as (their free axes…, the contracted ones flattened), then side by side
        # as tensordot lays out its result: the left operand's free axes, then the right's.
        lefts = left.transpose(left_free + list(left_axes)).reshape(
            [left.shape[a] for a in left_free] + [1] * len(right_free) + [contracted])
        rights = right.transpose(right_free + list(right_axes)).reshape(
            [1] * len(left_free) + [right.shape[a] for a in right_free] + [contracted])
        lefts, rights = np.broadcast_arrays(lefts, rights)
        if axis is not None:
            lefts, rights = np.moveaxis(lefts, -2, axis), np.moveaxis(rights, -2, axis)
        self._record(self.cells[where][..., None], lefts, rights)

    def add_sum(self, where: tuple[slice | int, ...], operand: np.ndarray, axes: tuple[int, ...]) -> None:
        kept = [a for a in range(operand.ndim) if a not in axes]
        summed = operand.transpose(kept + list(axes)).reshape([operand.shape[a] for a in kept] + [-1])
        self._record(self.cells[where][..., None], summed, None)

    def _record(self, cells: np.ndarray, lefts: np.ndarray, rights: np.ndarray | None) -> None:
        cells = np.broadcast_to(cells, lefts.shape)
        used = (lefts > 0) if rights is None else (lefts > 0) & (rights > 0)
        self.parts.append((cells[used] - 1, lefts[used] - 1, None if rights is None else rights[used] - 1))

    def result(self, crop: Crop | None = None) -> Products:
        """The products of every entry of the result (cut to ``crop`` of it)."""
        cells = self.cells if crop is None else crop(self.cells)
        where = np.full(self.cells.size, -1, dtype=np.int64)  # result position of each cell
        where[cells.reshape(-1)[cells.reshape(-1) > 0] - 1] = np.flatnonzero(cells.reshape(-1) > 0)
        targets = np.concatenate([where[c] for c, _, _ in self.parts] or [np.zeros(0, dtype=np.int64)])
        kept = targets >= 0
        lefts = np.concatenate([l for _, l, _ in self.parts] or [np.zeros(0, dtype=np.int64)])
        rights = (None if any(r is None for _, _, r in self.parts)
                  else np.concatenate([r for _, _, r in self.parts] or [np.zeros(0, dtype=np.int64)]))
        return Products(cells.shape, targets[kept], lefts[kept], None if rights is None else rights[kept])


Into = Callable[..., Numeric | Listed]


def symbolic(function: Callable[..., Products], operands: Sequence[np.ndarray], *args: object,
             known: Known | None = None) -> np.ndarray:
    """``function(*operands, *args)`` of this module on arrays of exact entries (numbers, symbols,
    polynomials), as an object array of :class:`~symconv.core.poly.Poly`: the products are listed
    first and each entry's polynomial built once from them (or, when they are the ``known``
    polynomials, those: see :func:`~symconv.engine.product_sums.product_polys`)."""
    places, start = [], 0
    for operand in operands:
        places.append(positions(operand.shape, start))
        start += operand.size
    entries = [entry for operand in operands for entry in operand.reshape(-1).tolist()]
    return product_polys(function(*places, *args, into=Listed), entries, known)


def rotate_180(weight: np.ndarray, dims: int) -> np.ndarray:
    """The kernel flipped along every spatial axis (the last ``dims`` axes)."""
    flipped: tuple[Any, ...] = (Ellipsis, *[slice(None, None, -1)] * dims)
    rotated: np.ndarray = weight[flipped]
    return rotated


def insert_zeros(grad: np.ndarray, stride: tuple[int, ...]) -> np.ndarray:
    """``stride − 1`` zeros between neighbouring entries of each spatial axis."""
    dims = len(stride)
    size = tuple((n - 1) * s + 1 for n, s in zip(grad.shape[-dims:], stride))
    out = np.zeros(grad.shape[:-dims] + size, dtype=grad.dtype)
    spread: tuple[Any, ...] = (Ellipsis, *[slice(None, None, s) for s in stride])
    out[spread] = grad
    return out


def pad(array: np.ndarray, before: tuple[int, ...], after: tuple[int, ...]) -> np.ndarray:
    """Zero padding of the last ``len(before)`` axes."""
    dims = len(before)
    out = np.zeros(array.shape[:-dims] + tuple(n + b + a for n, b, a in zip(array.shape[-dims:],
                                                                            before, after)),
                   dtype=array.dtype)
    inner: tuple[Any, ...] = (Ellipsis, *[slice(b, b + n) for b, n in zip(before, array.shape[-dims:])])
    out[inner] = array
    return out


def _window(array: np.ndarray, start: tuple[int, ...], size: tuple[int, ...]) -> np.ndarray:
    window: tuple[Any, ...] = (Ellipsis, *[slice(a, a + n) for a, n in zip(start, size)])
    inside: np.ndarray = array[window]
    return inside


@overload
def correlate(x: np.ndarray, w: np.ndarray, g: ConvGeometry, into: type[Numeric] = ...) -> np.ndarray: ...
@overload
def correlate(x: np.ndarray, w: np.ndarray, g: ConvGeometry, into: type[Listed]) -> Products: ...
def correlate(x: np.ndarray, w: np.ndarray, g: ConvGeometry, into: Into = Numeric) -> np.ndarray | Products:
    """The forward pass as a strided correlation: ``Y[n, f, o] = Σ Xpad[n, c, o·S + k·D]·W[f, c, k]``
    over the channels c of f's group (no bias): a transposed convolution's ∂L/∂X."""
    xp = pad(x, g.pad_before, g.pad_after)
    out = into(g.output_shape, np.result_type(x, w))
    for k in np.ndindex(*g.kernel):
        strided: tuple[Any, ...] = (Ellipsis, *[slice(d * i, d * i + s * (o - 1) + 1, s) for d, i, s, o
                                      in zip(g.dilation, k, g.stride, g.output_size)])
        window = xp[strided]
        for filters, channels in g.group_slices():
            out.add((slice(None), filters), window[:, channels], w[(filters, slice(None), *k)],
                    ((1,), (1,)), axis=1)  # (N, *out, F/groups), filters moved to axis 1
    return out.result()


@overload
def grad_weight(x: np.ndarray, dy: np.ndarray, g: ConvGeometry, into: type[Numeric] = ...) -> np.ndarray: ...
@overload
def grad_weight(x: np.ndarray, dy: np.ndarray, g: ConvGeometry, into: type[Listed]) -> Products: ...
def grad_weight(x: np.ndarray, dy: np.ndarray, g: ConvGeometry,
                into: Into = Numeric) -> np.ndarray | Products:
    """∂L/∂W: correlation of the padded input with the zero-inserted upstream gradient."""
    xp = pad(x, g.pad_before, g.pad_after)
    dilated = insert_zeros(dy, g.stride)
    size = dilated.shape[2:]
    spatial = tuple(range(2, 2 + g.dims))
    out = into(g.weight_shape, np.result_type(x, dy))
    for k in np.ndindex(*g.kernel):
        window = _window(xp, tuple(d * i for d, i in zip(g.dilation, k)), size)
        for filters, channels in g.group_slices():
            out.add((filters, slice(None), *k), dilated[:, filters], window[:, channels],
                    ((0, *spatial), (0, *spatial)))
    return out.result()


@overload
def grad_input(dy: np.ndarray, w: np.ndarray, g: ConvGeometry, into: type[Numeric] = ...) -> np.ndarray: ...
@overload
def grad_input(dy: np.ndarray, w: np.ndarray, g: ConvGeometry, into: type[Listed]) -> Products: ...
def grad_input(dy: np.ndarray, w: np.ndarray, g: ConvGeometry,
               into: Into = Numeric) -> np.ndarray | Products:
    """∂L/∂X: full correlation of the zero-inserted, padded upstream gradient with rot180(W)."""
    reach = tuple(d * (k - 1) for d, k in zip(g.dilation, g.kernel))
    dilated = pad(insert_zeros(dy, g.stride), reach, reach)
    rotated = rotate_180(w, g.dims)
    size = tuple(z - r for z, r in zip(dilated.shape[2:], reach))  # S(O−1) + 1 + D(K−1)
    full = into((g.batch, g.in_channels, *size), np.result_type(dy, w))
    for k in np.ndindex(*g.kernel):
        window = _window(dilated, tuple(d * i for d, i in zip(g.dilation, k)), size)
        for filters, channels in g.group_slices():
            full.add((slice(None), channels), window[:, filters], rotated[(filters, slice(None), *k)],
                     ((1,), (0,)), axis=1)  # (N, *size, C/groups), channels moved to axis 1
    # Rows the floor dropped were never read: pad the end back to the padded size, then remove
    # the padding (P before, and after).
    return full.result(lambda array: _window(
        pad(array, (0,) * g.dims, tuple(hp - n for hp, n in zip(g.padded_size, size))),
        g.pad_before, g.input_size))


@overload
def grad_bias(dy: np.ndarray, into: type[Numeric] = ...) -> np.ndarray: ...
@overload
def grad_bias(dy: np.ndarray, into: type[Listed]) -> Products: ...
def grad_bias(dy: np.ndarray, into: Into = Numeric) -> np.ndarray | Products:
    """∂L/∂b_f: the sum of the upstream gradient over the batch and every position of filter f."""
    out = into(dy.shape[1:2], dy.dtype)
    out.add_sum((slice(None),), dy, (0, *range(2, dy.ndim)))
    return out.result()
