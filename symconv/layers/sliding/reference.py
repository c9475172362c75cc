"""The NumPy reference: forward and backward passes of a convolution, vectorised.

Independent of both the chain-rule terms and the closed form: the forward pass and ∂L/∂W are
``einsum`` over sliding windows, ∂L/∂X scatters each kernel offset's contribution into the padded
input (a loop over kernel offsets, never over pixels). A transposed convolution is the adjoint of a
convolution, so its forward pass is :func:`input_gradient`, and its gradients are :func:`forward`
and :func:`weight_gradient` with the roles of input and output swapped. Works on float and integer arrays, in
canonical layout.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .closed_form import pad
from .geometry import ConvGeometry

_LETTERS = "hwl"


def _windows(x: np.ndarray, g: ConvGeometry) -> np.ndarray:
    """(N, groups, C/groups, *out, *kernel): the input entries each output reads."""
    xp = pad(x, g.pad_before, g.pad_after)
    span = tuple(d * (k - 1) + 1 for d, k in zip(g.dilation, g.kernel))
    view = sliding_window_view(xp, span, axis=tuple(range(2, 2 + g.dims)))
    view = view[(slice(None), slice(None),
                 *[slice(None, s * (o - 1) + 1, s) for s, o in zip(g.stride, g.output_size)],
                 *[slice(None, None, d) for d in g.dilation])]
    return view.reshape(g.batch, g.groups, g.group_channels, *view.shape[2:])


def _subscripts(g: ConvGeometry) -> tuple[str, str]:
    out = _LETTERS[:g.dims]
    kernel = "xyz"[:g.dims]
    return out, kernel


def forward(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, g: ConvGeometry) -> np.ndarray:
    out, kernel = _subscripts(g)
    weights = w.reshape(g.groups, g.group_filters, g.group_channels, *g.kernel)
    y = np.einsum(f"ngc{out}{kernel},gfc{kernel}->ngf{out}", _windows(x, g), weights)
    y = y.reshape(g.output_shape)
    if b is not None:
        y = y + b.reshape((1, -1) + (1,) * g.dims)
    output: np.ndarray = y
    return output


def weight_gradient(x: np.ndarray, dy: np.ndarray, g: ConvGeometry) -> np.ndarray:
    """∂L/∂W for input ``x`` and upstream ``dy``: each window times its upstream entry, summed."""
    out, kernel = _subscripts(g)
    grads = dy.reshape(g.batch, g.groups, g.group_filters, *g.output_size)
    dw: np.ndarray = np.einsum(f"ngc{out}{kernel},ngf{out}->gfc{kernel}", _windows(x, g), grads)
    return dw.reshape(g.weight_shape)


def input_gradient(dy: np.ndarray, w: np.ndarray, g: ConvGeometry) -> np.ndarray:
    """∂L/∂X for upstream ``dy``: each kernel offset's contribution scattered into the padded
    input, which is then cropped (the forward pass of the transposed convolution)."""
    out, _ = _subscripts(g)
    grads = dy.reshape(g.batch, g.groups, g.group_filters, *g.output_size)
    weights = w.reshape(g.groups, g.group_filters, g.group_channels, *g.kernel)
    dxp = np.zeros((g.batch, g.groups, g.group_channels, *g.padded_size), dtype=np.result_type(dy, w))
    for k in np.ndindex(*g.kernel):
        contribution = np.einsum(f"ngf{out},gfc->ngc{out}", grads, weights[(Ellipsis, *k)])
        target: tuple[Any, ...] = (Ellipsis, *[slice(d * i, d * i + s * (o - 1) + 1, s) for d, i, s, o
                                               in zip(g.dilation, k, g.stride, g.output_size)])
        dxp[target] += contribution
    inner: tuple[Any, ...] = (Ellipsis, *[slice(p, p + h) for p, h in zip(g.pad_before, g.input_size)])
    dx: np.ndarray = dxp[inner]
    return dx.reshape(g.input_shape)


def backward(x: np.ndarray, w: np.ndarray, dy: np.ndarray,
             g: ConvGeometry) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(∂L/∂X, ∂L/∂W, ∂L/∂b) for upstream ``dy``."""
    return input_gradient(dy, w, g), weight_gradient(x, dy, g), channel_sums(dy)


def channel_sums(array: np.ndarray) -> np.ndarray:
    """The sum over the batch and every position of each channel (∂L/∂b from the upstream)."""
    sums: np.ndarray = array.sum(axis=(0, *range(2, array.ndim)))
    return sums
