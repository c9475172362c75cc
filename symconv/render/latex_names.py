"""LaTeX names of entries: ``A_{11}``, ``A_{1,2,10}``, ``w_{1}``, ``\\frac{\\partial L}{\\partial Y_{11}}``."""

from __future__ import annotations

import numpy as np

from ..poly import Symbol
from ..tensors import Tensor
from .emit import objects, subscripted


def latex_entry_names(tensor: Tensor) -> np.ndarray:
    """Every entry's name as :func:`latex_entry_name` writes it in a document (without the
    derivative, one index style for the whole tensor), spelled at once (for
    :meth:`Tensor.per_entry`: a document names thousands of entries)."""
    if not tensor.subscripts:
        return objects([tensor.name] * tensor.size)
    return subscripted(tensor, tensor.name + "_{", "}", per_tensor=True)


def latex_name(tensor: Tensor, flat: int) -> str:
    """One entry's name as :func:`latex_entry_names` writes it."""
    return latex_entry_name(Symbol(tensor, flat), with_derivative=False, per_tensor=True)


def latex_entry_name(symbol: Symbol, *, with_derivative: bool = True, per_tensor: bool = False) -> str:
    """The entry's LaTeX name; its indices joined with commas as :meth:`Tensor.commas` decides
    (``per_tensor``: as a document writes every entry of the tensor alike)."""
    base, subscript, loss = symbol.tensor.entry_name(symbol.flat)
    separator = "," if symbol.tensor.commas(subscript, per_tensor=per_tensor) else ""
    name = f"{base}_{{{separator.join(map(str, subscript))}}}" if subscript else base
    if loss and with_derivative:
        return rf"\frac{{\partial {loss}}}{{\partial {name}}}"
    return name
