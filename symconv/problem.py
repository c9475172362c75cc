"""A problem: an input, a chain of layers, an upstream gradient and a loss name.

:func:`build_problem` turns a plain specification (the parsed TOML of a problem file, or what the
quick CLI flags describe) into tensors and layers, checking everything a student can get wrong.
Errors carry the key path of the offending entry (``layers[0].weight.values[1][2]``) so the file
reader can point at the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from .errors import ProblemError, nearest
from .layers.activation import ReluLayer
from .layers.conv import ConvGeometry, ConvLayer, GeometryError, declared_output_shape
from .layers.pool import NORMALIZATIONS, AvgPoolLayer, LpPoolLayer, MaxPoolLayer, PoolGeometry
from .poly import normalize
from .spec import (SpecError, check_keys, get_choice, get_int, get_name, get_naming, get_per_axis,
                   get_shape, get_text, make_tensor, parse_values)
from .tensors import Tensor

TOP_KEYS = ("loss", "dims", "title", "input", "layers", "upstream")
TENSOR_KEYS = ("name", "shape", "values", "naming", "index_base")
LAYER_KEYS = {"conv": ("type", "output", "stride", "padding", "dilation", "groups", "weight", "bias"),
              "maxpool": ("type", "output", "kernel_size", "stride", "padding"),
              "avgpool": ("type", "output", "kernel_size", "stride", "padding", "count_include_pad"),
              "lppool": ("type", "output", "kernel_size", "stride", "p", "normalize"),
              "relu": ("type", "output")}
UPSTREAM_KEYS = ("name", "naming", "index_base", "values")


@dataclass
class Problem:
    loss: str
    dims: int
    input: Tensor
    layers: list
    upstream: Tensor
    title: str | None = None
    _derivative_tensors: dict = field(default_factory=dict, repr=False)

    def tensors(self) -> list[Tensor]:
        found = [self.input]
        for layer in self.layers:
            found += [*layer.parameters, layer.output]
        return found

    def differentiable(self) -> list[Tensor]:
        """Tensors with a gradient: the input, every parameter, every output but the last."""
        return [t for t in self.tensors() if t is not self.layers[-1].output]

    def tensor(self, name: str) -> Tensor:
        for tensor in self.differentiable():
            if tensor.name == name:
                return tensor
        names = [t.name for t in self.differentiable()]
        hint = nearest(name, names)
        raise ProblemError(f"no tensor named {name!r} to differentiate; valid names: {', '.join(names)}"
                           + (f" (did you mean {hint}?)" if hint else ""))

    def output_named(self, name: str) -> Tensor | None:
        return next((layer.output for layer in self.layers if layer.output.name == name), None)

    def upstream_of(self, layer) -> Tensor:
        """∂L/∂(layer output): the given upstream for the last layer, else derivative symbols."""
        if layer is self.layers[-1]:
            return self.upstream
        key = id(layer.output)
        if key not in self._derivative_tensors:
            # A rank of its own, so ∂L/∂Y1_00 and Y1_00 are different symbols; negative because
            # upstream factors come first in printed products.
            out = layer.output
            self._derivative_tensors[key] = Tensor(out.name, out.shape, "upstream", "indexed",
                                                   out.index_base, derivative_of=self.loss, rank=-out.rank)
        return self._derivative_tensors[key]

    def term_count(self) -> int:
        return sum(layer.term_count() for layer in self.layers)

    def unused_inputs(self):
        from .derivation import UnusedInputs

        notes = []
        axes = "HW" if self.dims == 2 else "L"
        for layer in self.layers:
            for axis, positions in zip(axes, layer.unused_positions()):
                if positions:
                    notes.append(UnusedInputs(layer.input, axis, positions))
        return notes

    def notes(self) -> list:
        """Unread input positions, and the tie rule of every max pooling layer."""
        from .derivation import MaxTies

        ties = [MaxTies(layer.input, layer.output, tuple(layer.ties()))
                for layer in self.layers if isinstance(layer, MaxPoolLayer)]
        return self.unused_inputs() + ties


# -- the builder ------------------------------------------------------------------------------------
def build_problem(spec: dict) -> Problem:
    """Check a problem specification and build its tensors and layers."""
    check_keys(spec, TOP_KEYS, (), "the problem file")
    loss = spec.get("loss", "L")
    if not isinstance(loss, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9]{0,15}", loss):
        raise SpecError(("loss",), f"loss is a name such as \"L\" or \"E\"; got {loss!r}")
    dims = get_choice(spec, "dims", 2, (1, 2), ())
    title = get_text(spec, "title", (), '"Homework 1.2"')

    input_table = check_keys(spec.get("input"), TENSOR_KEYS, ("input",), "[input]") \
        if "input" in spec else None
    if input_table is None:
        raise SpecError((), "the problem has no [input] table; add one, e.g. [input] shape = [4, 4]")
    example = "[5, 5]" if dims == 2 else "[5]"
    input_shape = get_shape(input_table, ("input",), "the input", (dims, dims + 1, dims + 2), example)
    rank = 1  # 0 is the upstream gradient's: its factor comes first in every product
    current = make_tensor(input_table, ("input",), name=get_name(input_table, ("input",), "X"),
                          shape=input_shape, role="input", rank=rank)
    problem_input = current

    layer_tables = spec.get("layers")
    if not isinstance(layer_tables, list) or not layer_tables:
        raise SpecError(("layers",), "the problem has no layers; add one, e.g. [[layers]] type = \"conv\"")
    layers = []
    for i, table in enumerate(layer_tables):
        path = ("layers", i)
        kind = table.get("type") if isinstance(table, dict) else None
        if kind not in LAYER_KEYS:
            raise SpecError(path + ("type",), f"unknown layer type {kind!r}; valid types:"
                                              f" {', '.join(map(repr, LAYER_KEYS))}")
        check_keys(table, LAYER_KEYS[kind], path, f"a {kind} layer")
        default_output = "Y" if len(layer_tables) == 1 else f"Y{i + 1}"
        try:
            layer = LAYER_BUILDERS[kind](table, path, current, dims, rank, default_output)
        except SpecError as error:
            if i == 0 or not error.about_input:
                raise
            # In a chain, say what this layer was given: the previous layer's output.
            raise SpecError(error.path, f"{error.message} (the input of"
                                        f" layers[{i}], {current.name}, is the output of"
                                        f" layers[{i - 1}] and has shape {list(current.shape)})") from None
        set_exact_output(layer)
        layers.append(layer)
        rank = layer.output.rank
        current = layer.output

    upstream = build_upstream(spec.get("upstream", {}), loss, current, rank + 1)
    names = [t.name for t in [problem_input, *[x for l in layers for x in (*l.parameters, l.output)]]]
    if not upstream.derivative_of:
        names.append(upstream.name)
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise SpecError((), f"two tensors are named {duplicate!r}; give each its own name")
    return Problem(loss, dims, problem_input, layers, upstream, title)


def build_conv(table: dict, path: tuple, layer_input: Tensor, dims: int, rank: int,
               default_output: str) -> ConvLayer:
    weight_table = check_keys(table.get("weight"), TENSOR_KEYS, path + ("weight",), "[layers.weight]")
    weight_shape = get_shape(weight_table, path + ("weight",), "the weight", (dims, dims + 2),
                             "[3, 3]" if dims == 2 else "[3]")
    stride = get_per_axis(table, "stride", 1, dims, path)
    padding = get_per_axis(table, "padding", 0, dims, path)
    dilation = get_per_axis(table, "dilation", 1, dims, path)
    groups = get_int(table, "groups", 1, path)

    shape = layer_input.shape
    batch = shape[0] if len(shape) == dims + 2 else 1
    channels = shape[-dims - 1] if len(shape) > dims else 1
    has_filters = len(weight_shape) == dims + 2
    filters = weight_shape[0] if has_filters else 1
    kernel_channels = weight_shape[1] if has_filters else 1
    if groups >= 1 and channels % groups == 0 and kernel_channels != channels // groups:
        if has_filters:
            message = (f"the weight has {kernel_channels} channels per filter but the input has"
                       f" {channels} channels and groups = {groups}, so it needs {channels // groups}"
                       f" (shape [F, C/groups, K...])")
        else:
            message = (f"the weight shape {list(weight_shape)} has no channel axis but the input has"
                       f" {channels} channels; write it as [F, {channels // groups},"
                       f" {', '.join(map(str, weight_shape))}]")
        raise SpecError(path + ("weight", "shape"), message, about_input=True)
    try:
        geometry = ConvGeometry(batch, channels, filters, groups, tuple(shape[-dims:]),
                                tuple(weight_shape[-dims:]), stride, padding, dilation)
    except GeometryError as error:
        raise SpecError(path + (error.key,), str(error), about_input=error.about_input) from None

    weight = make_tensor(weight_table, path + ("weight",), name=get_name(weight_table, path + ("weight",), "W"),
                         shape=weight_shape, role="weight", rank=rank + 1)
    bias = None
    if "bias" in table:
        bias_table = check_keys(table["bias"], TENSOR_KEYS, path + ("bias",), "[layers.bias]")
        if "shape" in bias_table and bias_table["shape"] != [filters]:
            raise SpecError(path + ("bias", "shape"), f"the bias has one entry per filter: shape ="
                                                      f" [{filters}]; got {bias_table['shape']!r}")
        bias = make_tensor(bias_table, path + ("bias",), name=get_name(bias_table, path + ("bias",), "b"),
                           shape=(filters,), role="bias", rank=rank + 2)
        if filters == 1:
            bias.naming = "bare"
    output = output_tensor(table, path, default_output,
                           declared_output_shape(len(shape), dims, geometry, has_filters),
                           layer_input, rank + 3)
    return ConvLayer(geometry, layer_input, weight, bias, output)


def output_tensor(table: dict, path: tuple, default: str, shape: tuple[int, ...],
                  layer_input: Tensor, rank: int) -> Tensor:
    """A layer's output: indexed, in the input's index base."""
    name = table.get("output", default)
    get_name({"name": name}, path + ("output",), default)
    return Tensor(name, shape, "output", "indexed", layer_input.index_base, rank=rank)


def build_pool(table: dict, path: tuple, layer_input: Tensor, dims: int, rank: int,
               default_output: str):
    """maxpool / avgpool / lppool: ``kernel_size``, ``stride`` (default: ``kernel_size``), …"""
    kind = table["type"]
    if "kernel_size" not in table:
        raise SpecError(path, f"a {kind} layer needs kernel_size, e.g. kernel_size = 2"
                              + (" or [2, 1]" if dims == 2 else ""))
    kernel = get_per_axis(table, "kernel_size", 2, dims, path)
    stride = get_per_axis(table, "stride", 2, dims, path) if "stride" in table else kernel
    padding = get_per_axis(table, "padding", 0, dims, path)
    shape = layer_input.shape
    try:
        geometry = PoolGeometry(tuple(shape[:-dims]), tuple(shape[-dims:]), kernel, stride, padding)
    except GeometryError as error:
        raise SpecError(path + (error.key,), str(error), about_input=error.about_input) from None
    output = output_tensor(table, path, default_output, geometry.declared_output_shape,
                           layer_input, rank + 1)
    if kind == "maxpool":
        return MaxPoolLayer(geometry, layer_input, output)
    if kind == "avgpool":
        include = table.get("count_include_pad", True)
        if not isinstance(include, bool):
            raise SpecError(path + ("count_include_pad",), f"count_include_pad is true or false;"
                                                           f" got {include!r}")
        return AvgPoolLayer(geometry, layer_input, output, include)
    p = table.get("p", 2)
    if isinstance(p, bool) or not isinstance(p, (int, float)) or p <= 0:
        raise SpecError(path + ("p",), f"p must be a positive whole number, e.g. p = 2; got {p!r}")
    if not isinstance(p, int):
        raise SpecError(path + ("p",), f"symconv supports whole-number p only (p = 1, 2, 3, …)"
                                       f" so that Σ x^p stays a polynomial; got {p!r}")
    normalize = table.get("normalize", "sum")
    if normalize not in NORMALIZATIONS:
        raise SpecError(path + ("normalize",), f"normalize is \"sum\" (PyTorch's LPPool: (Σ x^p)^(1/p))"
                                               f" or \"mean\" (the homework: (Σ x^p / N)^(1/p));"
                                               f" got {normalize!r}")
    layer = LpPoolLayer(geometry, layer_input, output, p, normalize)
    flat = layer.flat_windows()
    if flat:
        raise SpecError(path, f"the window of {output.name} at {list(output.index_of(flat[0]))}"
                              f" has Σ x^p = 0 (all its entries are 0), where (Σ x^p)^(1/p) has no"
                              f" derivative; change the input values or use p = 1")
    return layer


def build_relu(table: dict, path: tuple, layer_input: Tensor, dims: int, rank: int,
               default_output: str) -> ReluLayer:
    return ReluLayer(layer_input, output_tensor(table, path, default_output, layer_input.shape,
                                                layer_input, rank + 1))


LAYER_BUILDERS = {"conv": build_conv, "maxpool": build_pool, "avgpool": build_pool,
                  "lppool": build_pool, "relu": build_relu}


def set_exact_output(layer) -> None:
    """Give a layer's output exact values when its input and parameters have them and its forward
    pass is exact, so later ReLU masks and max routings resolve to 0/1."""
    known = [layer.input, *layer.parameters]
    if layer.exact and all(t.is_numeric for t in known):
        values = layer.reference_forward(layer.input.values, {p.name: p.values for p in layer.parameters})
        exact = np.empty(layer.output.size, dtype=object)
        exact[:] = [normalize(Fraction(v)) for v in np.asarray(values, dtype=object).reshape(-1)]
        layer.output.values = exact.reshape(layer.output.shape)


def build_upstream(table: Any, loss: str, output: Tensor, rank: int) -> Tensor:
    path = ("upstream",)
    check_keys(table, UPSTREAM_KEYS, path, "[upstream]")
    naming, base = get_naming(table, path)
    if "name" in table:
        tensor = Tensor(get_name(table, path, "d"), output.shape, "upstream", naming, base, rank=0)
    else:
        tensor = Tensor(output.name, output.shape, "upstream", "indexed", output.index_base,
                        derivative_of=loss, rank=0)
    values = table.get("values")
    if values == "ones":
        tensor.values = parse_values([1] * output.size, (output.size,), path + ("values",),
                                     "the upstream gradient").reshape(output.shape)
    elif values is not None:
        tensor.values = parse_values(values, output.shape, path + ("values",),
                                     f"the upstream gradient ∂{loss}/∂{output.name}")
    return tensor


def quick_problem(input_shape: tuple[int, ...], kernel_shape: tuple[int, ...], *,
                  stride=1, padding=0, dilation=1, bias: bool = False) -> Problem:
    """The problem behind ``symconv grad --input 4x4 --kernel 2x2 ...``: X, W and Y indexed from 0,
    upstream flat ``d1, d2, …``; a single number per shape means 1-D."""
    dims = len(kernel_shape) if len(kernel_shape) in (1, 2) else 2
    layer = {"type": "conv", "weight": {"name": "W", "shape": list(kernel_shape)},
             "stride": list(stride) if isinstance(stride, tuple) else stride,
             "padding": list(padding) if isinstance(padding, tuple) else padding,
             "dilation": list(dilation) if isinstance(dilation, tuple) else dilation}
    if bias:
        layer["bias"] = {"name": "b"}
    return build_problem({"dims": dims, "input": {"name": "X", "shape": list(input_shape)},
                          "layers": [layer],
                          "upstream": {"name": "d", "naming": "flat", "index_base": 1}})
