"""An independent reference for every layer type, written from PyTorch's definitions with plain
loops and without any of symconv's code: the oracle of tests whose subject is symconv's own NumPy
reference (its ``reference_forward``/``reference_backward``), which must never be checked against
itself.

Convolutions and transposed convolutions are the dense matrix T of the layer:

    conv:            Y[n, f, o]  = Σ_{c', k} X[n, g(f)·C/groups + c', o·S − P_before + k·D] · W[f, c', k]
    conv_transpose:  Y[n, g(c)·C_out/groups + c', i·S − P_before + k·D] += X[n, c, i] · W[c, c', k]

so that vec(Y) = T·vec(X) + b, vec(∂L/∂X) = Tᵀ·vec(∂L/∂Y), and ∂L/∂W is the sum of ∂L/∂Y·X over
the (output, input, weight) triples. Pooling is a list of windows, each output's input positions:

    Y[n, c, o] = pool_k X[n, c, o·S − P + k]      (k row-major over the window, ⌊(H + 2P − K)/S⌋ + 1
                                                   outputs per axis: PyTorch's ceil_mode = False)

max: the largest entry, its gradient to the first maximum in row-major window order (PyTorch's CPU
kernel keeps a new maximum only when it is larger); avg: the sum / N, N the window's size or, without
count_include_pad, its entries inside the input; LP: (Σ x^p / N)^(1/p) with N = 1 for PyTorch's
"sum" form. ReLU: max(x, 0), derivative [x > 0]. Sigmoid: 1/(1 + e^(−x)), derivative
e^(−x)/(1 + e^(−x))². Shapes are canonical: (N, C, *spatial) and the
weight's own; :class:`Network` reads a problem file's specification (a dict) into them.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np


def tf_same(size, kernel, stride, dilation):
    """TensorFlow's "same": ⌈H/S⌉ outputs, the total padding split with the odd one after."""
    total = max((-(-size // stride) - 1) * stride + dilation * (kernel - 1) + 1 - size, 0)
    return total // 2, total - total // 2


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
        self.x_shape = tuple(x_shape)
        self.y_shape, self.triples = triples(kind, x_shape, np.shape(w), stride, padding, dilation,
                                             groups, output_padding)
        self.set_weight(w)

    def set_weight(self, w):
        """Weight values (of the shape the triples were built for): the matrix, the triples kept."""
        self.w = np.asarray(w)
        self.matrix = np.zeros((int(np.prod(self.y_shape)), int(np.prod(self.x_shape))),
                               dtype=self.w.dtype)
        for y, x, k in self.triples:
            self.matrix[y, x] += self.w.reshape(-1)[k]
        return self

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


def dense_layer(kind, x_shape, weight, stride, pairs, dilation, groups, output_padding=None):
    """The dense layer of a convolution, ``pairs`` of padding or "same" (TensorFlow's rule for a
    convolution; Keras's for a transposed one: S·H outputs, the "same" padding of the convolution
    from S·H)."""
    size, kernel = x_shape[2:], np.shape(weight)[2:]
    if pairs == "same":
        if kind == "conv":
            pairs = [tf_same(h, k, s, d) for h, k, s, d in zip(size, kernel, stride, dilation)]
        else:
            pairs = [tf_same(h * s, k, s, d) for h, k, s, d in zip(size, kernel, stride, dilation)]
            output_padding = [h * s - transposed_size(h, k, s, b, a, d, 0) for h, k, s, (b, a), d
                              in zip(size, kernel, stride, pairs, dilation)]
    return DenseLayer(kind, x_shape, weight, stride, pairs, dilation, groups, output_padding)


# -- pooling and ReLU -----------------------------------------------------------------------------------
def pool_windows(x_shape, kernel, stride, padding):
    """(output shape, windows): output o's window as flat input positions in row-major window
    order, −1 where it covers padding."""
    batch, channels, *size = x_shape
    out = [(h + 2 * p - k) // s + 1 for h, k, s, p in zip(size, kernel, stride, padding)]
    windows = []
    for n, c, *o in itertools.product(range(batch), range(channels), *map(range, out)):
        window = []
        for k in itertools.product(*map(range, kernel)):
            at = [o[i] * stride[i] - padding[i] + k[i] for i in range(len(size))]
            inside = all(0 <= a < h for a, h in zip(at, size))
            window.append(flat((n, c, *at), x_shape) if inside else -1)
        windows.append(window)
    return (batch, channels, *out), windows


class Pool:
    """A max, average or LP pooling layer (``kind`` as a problem file names it)."""

    def __init__(self, kind, x_shape, kernel, stride, padding, count_include_pad=True, p=2,
                 normalize="sum"):
        self.kind, self.x_shape, self.p = kind, tuple(x_shape), p
        self.y_shape, self.windows = pool_windows(x_shape, kernel, stride, padding)
        size = math.prod(kernel)

        def divisor(window):  # N: average pooling's and LP's "mean" (1 for max pooling, LP "sum")
            if kind == "avgpool":
                return size if count_include_pad else sum(i >= 0 for i in window)
            return size if kind == "lppool" and normalize == "mean" else 1

        self.divisors = [divisor(window) for window in self.windows]

    def inside(self, x, window):
        return [(i, x[i]) for i in window if i >= 0]

    def power_mean(self, entries, divisor):
        """Σ x^p / N over a window, exact for exact entries."""
        return sum(v ** self.p for _, v in entries) * Fraction(1, divisor)

    def forward(self, x):
        x = np.asarray(x).reshape(-1)
        y = np.empty(len(self.windows), dtype=object)
        for o, (window, divisor) in enumerate(zip(self.windows, self.divisors)):
            entries = self.inside(x, window)
            if self.kind == "maxpool":
                y[o] = max(v for _, v in entries)
            elif self.kind == "avgpool":
                y[o] = sum(v for _, v in entries) * Fraction(1, divisor)
            else:
                mean = float(self.power_mean(entries, divisor))
                # an odd root of a negative sum: NaN, as in PyTorch (p = 1: the sum itself)
                y[o] = math.nan if mean < 0 and self.p > 1 else mean ** (1 / self.p)
        return y.reshape(self.y_shape)

    def backward(self, x, dy):
        """∂L/∂X for upstream ``dy``."""
        x, dy = np.asarray(x).reshape(-1), np.asarray(dy).reshape(-1)
        dx = np.zeros(len(x), dtype=object)
        for o, (window, divisor) in enumerate(zip(self.windows, self.divisors)):
            entries = self.inside(x, window)
            if self.kind == "maxpool":
                first = entries[0]
                for entry in entries[1:]:
                    if entry[1] > first[1]:
                        first = entry
                dx[first[0]] += dy[o]
            elif self.kind == "avgpool" or self.p == 1:
                for i, _ in entries:
                    dx[i] += dy[o] * Fraction(1, divisor)
            else:
                root = float(self.power_mean(entries, divisor)) ** (1 / self.p - 1) / divisor
                for i, v in entries:
                    dx[i] += dy[o] * float(v) ** (self.p - 1) * root
        return dx.reshape(self.x_shape)


class Relu:
    def __init__(self, x_shape):
        self.x_shape = self.y_shape = tuple(x_shape)

    def forward(self, x):
        return np.where(np.asarray(x) > 0, x, 0)

    def backward(self, x, dy):
        return np.where(np.asarray(x) > 0, np.asarray(dy).reshape(self.y_shape), 0)


class Sigmoid:
    """σ(x) = 1/(1 + e^(−x)) entry by entry; σ'(x) = σ(x)·(1 − σ(x)) by the quotient rule, e^(−x)/(1 + e^(−x))²."""

    def __init__(self, x_shape):
        self.x_shape = self.y_shape = tuple(x_shape)

    def forward(self, x):
        return np.array([1 / (1 + math.exp(-float(v))) for v in np.asarray(x).reshape(-1)]).reshape(self.y_shape)

    def backward(self, x, dy):
        slopes = [math.exp(-float(v)) / (1 + math.exp(-float(v))) ** 2 for v in np.asarray(x).reshape(-1)]
        return np.asarray(dy, dtype=float).reshape(self.y_shape) * np.reshape(slopes, self.y_shape)


# -- a problem file's layers ----------------------------------------------------------------------------
def per_axis(table, key, default, dims):
    value = table.get(key, default)
    return list(value) if isinstance(value, list) else [value] * dims


def canonical(shape, dims):
    """(N, C, *spatial) of a declared input shape ([*spatial], [C, *spatial] or [N, C, *spatial])."""
    return (1,) * (dims + 2 - len(shape)) + tuple(shape)


def conv_padding(table, dims):
    padding = table.get("padding", 0)
    if padding in ("same", "valid"):
        return "same" if padding == "same" else [(0, 0)] * dims
    if isinstance(padding, list) and isinstance(padding[0], list):
        return [tuple(pair) for pair in padding]
    return [(p, p) for p in per_axis(table, "padding", 0, dims)]


class Convolution:
    """A conv or conv_transpose table; the weight (and bias) come with the values."""

    def __init__(self, table, x_shape, dims):
        self.kind, self.x_shape = table["type"], tuple(x_shape)
        self.w_shape = canonical(table["weight"]["shape"], dims)
        self.options = (per_axis(table, "stride", 1, dims), conv_padding(table, dims),
                        per_axis(table, "dilation", 1, dims), table.get("groups", 1),
                        per_axis(table, "output_padding", 0, dims))
        self.bias = "bias" in table
        self.layer = dense_layer(self.kind, self.x_shape, np.zeros(self.w_shape, dtype=int),
                                 *self.options)
        self.y_shape = self.layer.y_shape

    def dense(self, w):
        return self.layer.set_weight(np.asarray(w).reshape(self.w_shape))

    def forward(self, x, w, b=None):
        return self.dense(w).forward(np.asarray(x).reshape(self.x_shape), b)

    def backward(self, x, dy, w, b=None):
        """[∂L/∂X, ∂L/∂W] and ∂L/∂b when the layer has a bias."""
        dx, dw, db = self.dense(w).backward(np.asarray(x).reshape(self.x_shape), dy)
        return [dx, dw, db] if self.bias else [dx, dw]


class Network:
    """The layers of a problem specification (a problem file as a dict), each read from its table
    with symconv's defaults (stride = kernel_size for pooling, p = 2, "sum", count_include_pad),
    in canonical layout. Parameters are passed as a list per layer: [weight] or [weight, bias]."""

    def __init__(self, spec):
        dims = spec.get("dims", 2)
        shape = canonical(spec["input"]["shape"], dims)
        self.layers = []
        for table in spec["layers"]:
            kind = table["type"]
            if kind in ("conv", "conv_transpose"):
                layer = Convolution(table, shape, dims)
            elif kind == "relu":
                layer = Relu(shape)
            elif kind == "sigmoid":
                layer = Sigmoid(shape)
            else:
                kernel = per_axis(table, "kernel_size", None, dims)
                layer = Pool(kind, shape, kernel, per_axis(table, "stride", kernel, dims),
                             per_axis(table, "padding", 0, dims), table.get("count_include_pad", True),
                             table.get("p", 2), table.get("normalize", "sum"))
            self.layers.append(layer)
            shape = layer.y_shape

    def forward(self, x, params):
        """Every layer's output, canonical."""
        outputs = []
        for layer, values in zip(self.layers, params):
            x = layer.forward(x, *values)
            outputs.append(x)
        return outputs

    def backward(self, x, params, dy):
        """The gradient of every layer's input and parameters, layer by layer: a list of
        [∂L/∂input, ∂L/∂W, ∂L/∂b] (the parameters' only where the layer has them)."""
        inputs = [np.asarray(x).reshape(self.layers[0].x_shape), *self.forward(x, params)[:-1]]
        grads = []
        for layer, values, given in reversed(list(zip(self.layers, params, inputs))):
            found = layer.backward(given, dy, *values)
            found = found if isinstance(layer, Convolution) else [found]
            grads.insert(0, found)
            dy = found[0]
        return grads
