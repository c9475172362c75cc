"""LaTeX names of entries: ``A_{11}``, ``A_{1,2,10}``, ``w_{1}``, ``\\frac{\\partial L}{\\partial Y_{11}}``."""

from __future__ import annotations

import numpy as np

from ..poly import Symbol
from ..tensors import Tensor
from .emit import objects, subscripted


def latex_subscript(subscript: tuple[int, ...]) -> str:
    """Indices joined without commas when there are at most two and all are single digits."""
    if len(subscript) <= 2 and all(0 <= i <= 9 for i in subscript):
        return "".join(map(str, subscript))
    return ",".join(map(str, subscript))


def latex_entry_names(tensor: Tensor) -> np.ndarray:
    """Every entry's name as :func:`latex_entry_name` writes it without the derivative, spelled
    at once (for :meth:`Tensor.per_entry`: a document names thousands of entries)."""
    if not tensor.subscripts:
        return objects([tensor.name] * tensor.size)
    return subscripted(tensor, tensor.name + "_{", "}")


def latex_name(tensor: Tensor, flat: int) -> str:
    """One entry's name as :func:`latex_entry_names` writes it."""
    return latex_entry_name(Symbol(tensor, flat), with_derivative=False)


def latex_entry_name(symbol: Symbol, *, with_derivative: bool = True) -> str:
    base, subscript, loss = symbol.tensor.entry_name(symbol.flat)
    name = f"{base}_{{{latex_subscript(subscript)}}}" if subscript else base
    if loss and with_derivative:
        return rf"\frac{{\partial {loss}}}{{\partial {name}}}"
    return name
