"""Entry names, spelled for a whole tensor at once: each format's one speller of names.

A speller writes the names of a tensor's entries (all of them, or the flat positions ``flats``) as
an object array, from :attr:`Tensor.subscripts`, optionally between ``before`` and ``after``
(``∂L/∂X_01 = ``). A printer names one symbol through its format's speller
(:meth:`symconv.render.printer.Printer.entry_name`: the whole tensor spelled once and remembered,
or only that entry in a tensor too large to spell whole); ``symconv grad``'s writers take the same
names per chain-rule term by index. So a name is spelled one way, whichever path prints it.

Each number of a subscript is looked up with its separator in a small table, so an entry costs one
string addition per number after the first. Names need no escaping in JSON: tensor and loss names
are letters and digits (the problem file's rule), and the LaTeX names JSON carries have no ``\\``.
"""

from __future__ import annotations

from functools import partial
from typing import Callable, Sequence

import numpy as np

from ..engine.product_sums import objects
from ..core.poly import Symbol
from ..core.tensors import Tensor

NAMED_AT_ONCE = 200_000  # entries: a tensor up to this size has every name spelled at once

Speller = Callable[..., np.ndarray]  # (tensor, flats=None, before="", after="") -> names


def written(columns: Sequence[np.ndarray], prefix: str, separator: str, suffix: str) -> np.ndarray:
    """``prefix``, every entry's subscript numbers (one array per position) joined by
    ``separator``, then ``suffix``."""
    def table(column: np.ndarray, before: str, after: str) -> np.ndarray:
        return objects([before + str(i) + after for i in range(int(column.max()) + 1)])[column]

    if len(columns) == 1:
        return table(columns[0], prefix, suffix)
    text = table(columns[0], prefix, "")
    for column in columns[1:-1]:
        text = text + table(column, separator, "")
    return text + table(columns[-1], separator, suffix)


def subscripts(tensor: Tensor, flats: np.ndarray | None) -> list[np.ndarray]:
    """The subscript numbers of the entries ``flats`` (all entries when None), one array per
    position in the subscript (:attr:`Tensor.subscripts`)."""
    return [column if flats is None else column[flats] for column in tensor.subscripts]


def subscripted(tensor: Tensor, prefix: str, suffix: str, *, short_prefix: str | None = None,
                short_suffix: str | None = None, per_tensor: bool = False,
                flats: np.ndarray | None = None) -> np.ndarray:
    """Every entry's name with its subscript numbers joined by commas (``X_{0,11}``), except at
    most two single digits, written side by side (``X_{01}``, as :meth:`Tensor.commas` decides
    entry by entry) between ``short_prefix`` and ``short_suffix`` when given; a tensor whose
    ``index_style`` is set, or every tensor of a document (``per_tensor``), is written all one way."""
    columns = subscripts(tensor, flats)
    short_prefix = prefix if short_prefix is None else short_prefix
    short_suffix = suffix if short_suffix is None else short_suffix
    names = written(columns, prefix, ",", suffix)
    if per_tensor or tensor.index_style != "auto":  # one style, as Tensor.comma_indices says
        return names if tensor.comma_indices else written(columns, short_prefix, "", short_suffix)
    if len(columns) <= 2:
        short = np.flatnonzero(np.logical_and.reduce([column <= 9 for column in columns]))
        if len(short):
            names[short] = written([column[short] for column in columns], short_prefix, "",
                                   short_suffix)
    return names


def count(tensor: Tensor, flats: np.ndarray | None) -> int:
    return tensor.size if flats is None else len(flats)


def derivative_of(tensor: Tensor) -> str | None:
    """The loss of a tensor written as ∂loss/∂name (never a bare one-entry name: ``b``)."""
    return tensor.derivative_of if tensor.naming != "bare" else None


def text_names(tensor: Tensor, flats: np.ndarray | None = None, before: str = "", after: str = "",
               *, derivative: bool = True, per_tensor: bool = False) -> np.ndarray:
    """Unicode text: ``X_01``, ``A_{1,2,10}``, ``w2``, ``b``, ``∂L/∂Y_00`` (``derivative``: the
    ∂L/∂ of a derivative-notation tensor written; ``per_tensor``: one index style for the whole
    tensor, as in a document; else commas entry by entry, as ``symconv grad`` writes)."""
    loss = derivative_of(tensor) if derivative else None
    base = before + (f"∂{loss}/∂" if loss else "") + tensor.name
    if not tensor.subscripts:
        return objects([base + after] * count(tensor, flats))
    if tensor.naming == "flat":
        return written(subscripts(tensor, flats), base, "", after)
    return subscripted(tensor, base + "_{", "}" + after, short_prefix=base + "_", short_suffix=after,
                       per_tensor=per_tensor, flats=flats)


def plain_names(tensor: Tensor, flats: np.ndarray | None = None, before: str = "",
                after: str = "") -> np.ndarray:
    """Plain identifiers, as :meth:`Tensor.plain_name` writes them for sympy: ``X_0_1``, ``w2``,
    ``dL_dY_0_0``, ``b``."""
    loss = derivative_of(tensor)
    base = before + (tensor.name if loss is None else f"d{loss}_d{tensor.name}")
    if not tensor.subscripts:
        return objects([base + after] * count(tensor, flats))
    return written(subscripts(tensor, flats), base + ("" if tensor.naming == "flat" else "_"), "_", after)


def latex_names(tensor: Tensor, flats: np.ndarray | None = None, before: str = "", after: str = "",
                *, derivative: bool = True, per_tensor: bool = False) -> np.ndarray:
    """LaTeX: ``X_{01}``, ``A_{1,2,10}``, ``w_{2}``, ``b``,
    ``\\frac{\\partial L}{\\partial Y_{00}}`` (``derivative`` and ``per_tensor`` as
    :func:`text_names`)."""
    loss = derivative_of(tensor) if derivative else None
    if loss:
        before, after = before + rf"\frac{{\partial {loss}}}{{\partial ", "}" + after
    if not tensor.subscripts:
        return objects([before + tensor.name + after] * count(tensor, flats))
    return subscripted(tensor, before + tensor.name + "_{", "}" + after, per_tensor=per_tensor, flats=flats)


def subscript_names(tensor: Tensor, flats: np.ndarray | None = None, before: str = "",
                    after: str = "") -> np.ndarray:
    """Every entry's subscript alone, as a document writes it (one index style per tensor), for
    a format that sets the subscript itself (MathML, a picture's labels): ``00``, ``0,12``,
    ``2`` (flat naming); nothing for a bare name."""
    if not tensor.subscripts:
        return objects([before + after] * count(tensor, flats))
    return subscripted(tensor, before, after, per_tensor=True, flats=flats)


def latex_entry_name(symbol: Symbol, *, with_derivative: bool = True, per_tensor: bool = False) -> str:
    """One entry's LaTeX name (:func:`latex_names`), as JSON and feedback give it."""
    return latex_names(symbol.tensor, np.array([symbol.flat]), derivative=with_derivative,
                       per_tensor=per_tensor)[0]


# The spellers as documents use them (one index style per tensor; a LaTeX document writes the
# derivative itself): each one object, so that a tensor remembers its names under it.
document_text_names = partial(text_names, per_tensor=True)
document_latex_names = partial(latex_names, derivative=False, per_tensor=True)


def entry_text(tensor: Tensor, flat: int, spell: Callable[..., np.ndarray],
               one: Callable[[Tensor, int], str] | None = None) -> str:
    """``spell``'s text of entry ``flat``: every entry spelled at once, then remembered (a
    document names the same tensors' entries thousands of times), or in a tensor too large to
    spell whole (a huge input read by a few outputs, of which a document names a few) only this
    one: by ``spell`` itself (a :data:`Speller`), or ``one(tensor, flat)``."""
    if tensor.size <= NAMED_AT_ONCE:
        return tensor.per_entry(spell)[flat]
    return spell(tensor, np.array([flat]))[0] if one is None else one(tensor, flat)
