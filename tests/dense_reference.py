"""An independent reference for convolutions and transposed convolutions: the dense matrix T of the
layer built from PyTorch's definitions with plain loops, written without any of symconv's code.

    conv:            Y[n, f, o]  = Σ_{c', k} X[n, g(f)·C/groups + c', o·S − P_before + k·D] · W[f, c', k]
    conv_transpose:  Y[n, g(c)·C_out/groups + c', i·S − P_before + k·D] += X[n, c, i] · W[c, c', k]

so that vec(Y) = T·vec(X) + b, vec(∂L/∂X) = Tᵀ·vec(∂L/∂Y), and ∂L/∂W is the sum of ∂L/∂Y·X over
the (output, input, weight) triples. Shapes are canonical: (N, C, *spatial) and the weight's own.
"""

from __future__ import annotations

import itertools

import numpy as np


def conv_size(size, kernel, stride, before, after, dilation):
    return (size + before + after - dilation * (kernel - 1) - 1) // stride + 1


def transposed_size(size, kernel, stride, before, after, dilation, output_padding):
    return (size - 1) * stride - before - after + dilation * (kernel - 1) + output_padding + 1


def flat(index, shape):
    position = 0
    for i, n in zip(index, shape):
        position = position * n + i
    return position


def triples(kind, x_shape, w_shape, stride, padding, dilation, groups, output_padding=None):
    """(output shape, [(output flat, input flat, weight flat), …]) by the definitions above."""
    batch, channels, *size = x_shape
    dims = len(size)
    kernel = w_shape[2:]
    before = [b for b, _ in padding]
    found = []
    if kind == "conv":
        filters = w_shape[0]
        group_channels, group_filters = channels // groups, filters // groups
        out = [conv_size(h, k, s, b, a, d)
               for h, k, s, (b, a), d in zip(size, kernel, stride, padding, dilation)]
        y_shape = (batch, filters, *out)
        for n, f, *o in itertools.product(range(batch), range(filters), *map(range, out)):
            for c, *k in itertools.product(range(group_channels), *map(range, kernel)):
                at = [o[i] * stride[i] - before[i] + k[i] * dilation[i] for i in range(dims)]
                if all(0 <= a < h for a, h in zip(at, size)):
                    x_index = (n, f // group_filters * group_channels + c, *at)
                    found.append((flat((n, f, *o), y_shape), flat(x_index, x_shape),
                                  flat((f, c, *k), w_shape)))
        return y_shape, found
    group_in, group_out = channels // groups, w_shape[1]
    out = [transposed_size(h, k, s, b, a, d, op) for h, k, s, (b, a), d, op
           in zip(size, kernel, stride, padding, dilation, output_padding)]
    y_shape = (batch, group_out * groups, *out)
    for n, c, *i in itertools.product(range(batch), range(channels), *map(range, size)):
        for c2, *k in itertools.product(range(group_out), *map(range, kernel)):
            at = [i[j] * stride[j] - before[j] + k[j] * dilation[j] for j in range(dims)]
            if all(0 <= a < o for a, o in zip(at, out)):
                y_index = (n, c // group_in * group_out + c2, *at)
                found.append((flat(y_index, y_shape), flat((n, c, *i), x_shape),
                              flat((c, c2, *k), w_shape)))
    return y_shape, found


class DenseLayer:
    """The layer as its dense matrix, for given weight values."""

    def __init__(self, kind, x_shape, w, stride, padding, dilation, groups, output_padding=None):
        self.x_shape, self.w = tuple(x_shape), np.asarray(w)
        self.y_shape, self.triples = triples(kind, x_shape, self.w.shape, stride, padding, dilation,
                                             groups, output_padding)
        self.matrix = np.zeros((int(np.prod(self.y_shape)), int(np.prod(x_shape))),
                               dtype=self.w.dtype)
        for y, x, k in self.triples:
            self.matrix[y, x] += self.w.reshape(-1)[k]

    def forward(self, x, b=None):
        y = (self.matrix @ np.asarray(x).reshape(-1)).reshape(self.y_shape)
        return y if b is None else y + np.asarray(b).reshape((1, -1) + (1,) * (len(self.y_shape) - 2))

    def backward(self, x, dy):
        """(∂L/∂X, ∂L/∂W, ∂L/∂b) for upstream dy."""
        dy = np.asarray(dy).reshape(-1)
        dx = (self.matrix.T @ dy).reshape(self.x_shape)
        dw = np.zeros(self.w.size, dtype=np.result_type(dy, x))
        for y, i, k in self.triples:
            dw[k] += dy[y] * np.asarray(x).reshape(-1)[i]
        db = dy.reshape(self.y_shape).sum(axis=(0, *range(2, len(self.y_shape))))
        return dx, dw.reshape(self.w.shape), db
