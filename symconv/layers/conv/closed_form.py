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
numeric check, integers for exact tests, and object arrays of :class:`~symconv.poly.Poly` for the
symbolic comparison with the chain-rule derivation. Arrays are in canonical layout
``(N, C, *spatial)`` / ``(F, C/groups, *kernel)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .geometry import ConvGeometry


def rotate_180(weight: np.ndarray, dims: int) -> np.ndarray:
    """The kernel flipped along every spatial axis (the last ``dims`` axes)."""
    flipped: tuple[Any, ...] = (Ellipsis, *[slice(None, None, -1)] * dims)
    return weight[flipped]


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
    return array[window]


def correlate(x: np.ndarray, w: np.ndarray, g: ConvGeometry) -> np.ndarray:
    """The forward pass as a strided correlation: ``Y[n, f, o] = Σ Xpad[n, c, o·S + k·D]·W[f, c, k]``
    over the channels c of f's group (no bias): a transposed convolution's ∂L/∂X."""
    xp = pad(x, g.pad_before, g.pad_after)
    out = np.zeros(g.output_shape, dtype=np.result_type(x, w))
    for k in np.ndindex(*g.kernel):
        strided: tuple = (Ellipsis, *[slice(d * i, d * i + s * (o - 1) + 1, s) for d, i, s, o
                                      in zip(g.dilation, k, g.stride, g.output_size)])
        window = xp[strided]
        for group in range(g.groups):
            filters = slice(group * g.group_filters, (group + 1) * g.group_filters)
            channels = slice(group * g.group_channels, (group + 1) * g.group_channels)
            contribution = np.tensordot(window[:, channels], w[(filters, slice(None), *k)],
                                        axes=((1,), (1,)))  # (N, *out, F/groups)
            out[:, filters] = out[:, filters] + np.moveaxis(contribution, -1, 1)
    return out


def grad_weight(x: np.ndarray, dy: np.ndarray, g: ConvGeometry) -> np.ndarray:
    """∂L/∂W: correlation of the padded input with the zero-inserted upstream gradient."""
    xp = pad(x, g.pad_before, g.pad_after)
    dilated = insert_zeros(dy, g.stride)
    size = dilated.shape[2:]
    spatial = tuple(range(2, 2 + g.dims))
    out = np.zeros(g.weight_shape, dtype=np.result_type(x, dy))
    for k in np.ndindex(*g.kernel):
        window = _window(xp, tuple(d * i for d, i in zip(g.dilation, k)), size)
        for group in range(g.groups):
            filters = slice(group * g.group_filters, (group + 1) * g.group_filters)
            channels = slice(group * g.group_channels, (group + 1) * g.group_channels)
            out[(filters, slice(None), *k)] = np.tensordot(
                dilated[:, filters], window[:, channels], axes=((0, *spatial), (0, *spatial)))
    return out


def grad_input(dy: np.ndarray, w: np.ndarray, g: ConvGeometry) -> np.ndarray:
    """∂L/∂X: full correlation of the zero-inserted, padded upstream gradient with rot180(W)."""
    reach = tuple(d * (k - 1) for d, k in zip(g.dilation, g.kernel))
    dilated = pad(insert_zeros(dy, g.stride), reach, reach)
    rotated = rotate_180(w, g.dims)
    size = tuple(z - r for z, r in zip(dilated.shape[2:], reach))  # S(O−1) + 1 + D(K−1)
    full = np.zeros((g.batch, g.in_channels, *size), dtype=np.result_type(dy, w))
    for k in np.ndindex(*g.kernel):
        window = _window(dilated, tuple(d * i for d, i in zip(g.dilation, k)), size)
        for group in range(g.groups):
            filters = slice(group * g.group_filters, (group + 1) * g.group_filters)
            channels = slice(group * g.group_channels, (group + 1) * g.group_channels)
            contribution = np.tensordot(window[:, filters], rotated[(filters, slice(None), *k)],
                                        axes=((1,), (0,)))  # (N, *size, C/groups)
            full[:, channels] = full[:, channels] + np.moveaxis(contribution, -1, 1)
    # Rows the floor dropped were never read: pad the end back to the padded size, then remove
    # the padding (P before, and after).
    full = pad(full, (0,) * g.dims, tuple(hp - n for hp, n in zip(g.padded_size, size)))
    return _window(full, g.pad_before, g.input_size)


def grad_bias(dy: np.ndarray) -> np.ndarray:
    """∂L/∂b_f: the sum of the upstream gradient over the batch and every position of filter f."""
    return dy.sum(axis=(0, *range(2, dy.ndim)))
