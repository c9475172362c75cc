"""What a wrong answer shape means, worked out from the problem.

A student who hands in a 5×5 grid for ∂E/∂C most likely gave the input's gradient, or copied the
input's shape; the message says so, and how the asked gradient's shape comes about::

    5×5 is the shape of A, the input; ∂E/∂C has the shape of C, 3×3 = (5 − 3)/1 + 1

Shapes are compared as the answer is read: a tensor with more than two axes is a grid of rows (its
leading axes flattened), a 1-D one a row.
"""

from __future__ import annotations

from math import prod

from ..core.contract import ProblemView
from ..layers import layer_type
from ..core.tensors import Role, Tensor
from ..core.wording import axis_names


def grid_of(shape: tuple[int, ...]) -> tuple[int, int]:
    """The (rows, columns) an answer of this shape is written as."""
    if len(shape) == 1:
        return 1, shape[0]
    return prod(shape[:-1]), shape[-1]


def size(shape: tuple[int, ...]) -> str:
    return "×".join(map(str, shape))


def role_words(problem: ProblemView, tensor: Tensor) -> str:
    """``A, the input``, ``B, the kernel``, ``C (and of ∂E/∂C)``: a tensor as the message names it."""
    if tensor is problem.input:
        return f"{tensor.name}, the input"
    if tensor.role is Role.WEIGHT:
        kernel = len(tensor.shape) == problem.dims
        return f"{tensor.name}, the {'kernel' if kernel else 'weight'}"
    if tensor.role is Role.BIAS:
        return f"{tensor.name}, the bias"
    return f"{tensor.name} (and of ∂{problem.loss}/∂{tensor.name})"


def explain_shape(problem: ProblemView, wrt: Tensor, got: tuple[int, int]) -> str | None:
    """What an answer of ``got`` (rows, columns) for ∂loss/∂wrt means, and how the right shape comes
    about; None when no tensor of the problem has that shape."""
    seen = [t for t in problem.tensors() if t is not wrt and grid_of(t.shape) == got]
    if seen:
        tensors = ", and of ".join(role_words(problem, t) for t in seen)
        meaning = f"{size(got)} is the shape of {tensors}"
    elif len(wrt.shape) == 2 and got == wrt.shape[::-1]:
        meaning = (f"{size(got)} is ∂{problem.loss}/∂{wrt.name} transposed (rows and columns"
                   f" swapped)")
    else:
        return None
    return f"{meaning}; {how_shaped(problem, wrt)}"


def how_shaped(problem: ProblemView, tensor: Tensor) -> str:
    """``∂E/∂C has the shape of C, 3×3 = (5 − 3)/1 + 1``: for a layer's output, its size formula
    with the numbers; for the input and the parameters, their declared shape."""
    head = f"∂{problem.loss}/∂{tensor.name} has the shape of {tensor.name}, {size(tensor.shape)}"
    writer = next((layer for layer in problem.layers if layer.output is tensor), None)
    if writer is None:
        return head
    arithmetic = layer_type(writer).output_size
    if arithmetic is None:
        return f"{head}, the same as {writer.input.name}"
    sides = arithmetic(writer)
    spatial = tensor.shape[-len(sides):]
    if len(set(sides)) == 1:
        formula = f"{size(spatial)} = {sides[0]}"
    else:
        formula = ", ".join(f"{axis} {formula} = {n}"
                            for axis, formula, n in zip(axis_names(len(sides)), sides, spatial))
    if len(spatial) == len(tensor.shape):
        return f"{head} = {sides[0]}" if len(set(sides)) == 1 else f"{head} ({formula})"
    return f"{head}, whose last axes are {formula}"
