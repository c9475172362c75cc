"""LaTeX names of entries: ``A_{11}``, ``A_{1,2,10}``, ``w_{1}``, ``\\frac{\\partial L}{\\partial Y_{11}}``."""

from __future__ import annotations

from ..poly import Symbol


def latex_entry_name(symbol: Symbol, *, with_derivative: bool = True, per_tensor: bool = False) -> str:
    """The entry's LaTeX name; its indices joined with commas as :meth:`Tensor.commas` decides
    (``per_tensor``: as a document writes every entry of the tensor alike)."""
    base, subscript, loss = symbol.tensor.entry_name(symbol.flat)
    separator = "," if symbol.tensor.commas(subscript, per_tensor=per_tensor) else ""
    name = f"{base}_{{{separator.join(map(str, subscript))}}}" if subscript else base
    if loss and with_derivative:
        return rf"\frac{{\partial {loss}}}{{\partial {name}}}"
    return name
