"""The forward pass as data: every output entry of every layer, written over the entries of the
layer's input and parameters, with its value where the values are known.

Each layer type says how one of its output entries is written
(:attr:`~symconv.engine.registry.LayerType.expression`); the values are the exact ones of layers
that stay exact (convolutions, pooling, ReLU on given numbers), else the NumPy reference's.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..core.contract import Layer
from ..engine.derivation import check_size
from ..core.errors import ProblemError
from ..layers import layer_type
from ..core.poly import Number
from .problem import Problem
from ..core.tensors import Tensor


class ForwardEntry(NamedTuple):
    position: tuple[int, ...]  # 0-based, in the output's declared shape
    expression: object  # a polynomial or a vocabulary node over symbols
    value: Number | float | None  # None when some entry it depends on has no value


class ForwardOutput(NamedTuple):
    tensor: Tensor  # the layer's output
    entries: tuple[ForwardEntry, ...]  # row-major


def forward_outputs(problem: Problem, max_terms: int) -> list[ForwardOutput]:
    """Every layer's output entries, in layer order; problems with more chain-rule terms (about
    twice the products of the forward sums) or tensor entries than ``max_terms`` are refused
    before any is written."""
    check_size(problem, max_terms)
    values = problem.input.numeric_values() if problem.input.is_numeric else None
    outputs = []
    for layer in problem.layers:
        expression = layer_type(layer).expression
        if expression is None:
            raise ProblemError(f"a {layer.kind} layer cannot write its outputs as expressions")
        values = output_values(layer, values)
        given = layer.output.values
        numbers = given.reshape(-1).tolist() if given is not None else (
            None if values is None else values.reshape(-1).tolist())
        outputs.append(ForwardOutput(layer.output, tuple(
            ForwardEntry(layer.output.index_of(flat), expression(layer, flat),
                         None if numbers is None else numbers[flat])
            for flat in range(layer.output.size))))
    return outputs


def output_values(layer: Layer, values: np.ndarray | None) -> np.ndarray | None:
    """A layer's output values (floats) from its input's, when its parameters have values too."""
    if values is None or not all(p.is_numeric for p in layer.parameters):
        return None
    params = {p.name: p.numeric_values() for p in layer.parameters}
    return np.asarray(layer.reference_forward(values, params), dtype=float)
