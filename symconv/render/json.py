"""JSON of a gradient and of the forward pass (the schemas in the README): names in LaTeX,
expressions in plain identifiers."""

from __future__ import annotations

import json
from fractions import Fraction
from json.encoder import encode_basestring_ascii as json_string  # json.dumps's own (C) encoder
from typing import Any, Callable, Sequence

import numpy as np

from ..engine.derivation import ExpandedEntry, Gradient, GradientEntry
from ..problems.forward import ForwardOutput
from ..core.poly import Number, Poly
from ..core.tensors import Tensor
from ..engine.product_sums import objects
from .emit import GradientArrays, Pieces, chosen_entries, concatenated, expansion, few, spelling, sum_pieces
from .names import latex_entry_name, latex_names, plain_names, written
from .printer import PlainPrinter, plain
from .text import render_text


def json_number(value: Number | float | None) -> float | None:
    if isinstance(value, Fraction):
        return float(value)
    return value


def json_value(poly: Poly) -> float | None:
    """The number a result stands for (exact when rational, a float for an LP root), else None."""
    return json_number(poly.number) if poly.is_number else poly.approximate()


def entry_json(item: GradientEntry | ExpandedEntry, *, with_expanded: bool = True) -> dict:
    """One entry. ``value`` is the number the entry equals, when it is one: for a chain whose
    values are all known, its expansion's. An :class:`ExpandedEntry` also gives ``expanded``
    (and its ``expanded_value``), the value in terms of the last layer's upstream gradient, unless
    ``with_expanded`` is false (a chain's numbers without ``--expand``)."""
    entry = item.entry if isinstance(item, ExpandedEntry) else item
    value = entry.value
    number = json_value(value)
    if number is None and isinstance(item, ExpandedEntry):
        number = json_value(item.expanded)
    fields = {
        "index": list(entry.index),
        "name": latex_entry_name(entry.wrt, with_derivative=False),
        "expr": plain(value),
        "value": number,
        "terms": [{"output": latex_entry_name(t.output, with_derivative=False),
                   "upstream": plain(t.upstream), "local": plain(t.local)} for t in entry.terms],
    }
    if isinstance(item, ExpandedEntry) and with_expanded:
        fields["expanded"] = plain(item.expanded)
        fields["expanded_value"] = json_value(item.expanded)
    return fields


def forward_json(outputs: list[ForwardOutput]) -> dict:
    """``{"outputs": [{"name", "shape", "entries": [{"index", "expr", "value"}, …]}, …]}``: one
    object per layer, in order; entries row-major, indices 0-based."""
    return {"outputs": [{"name": output.tensor.name, "shape": list(output.tensor.shape),
                         "entries": [{"index": list(entry.position), "expr": plain(entry.expression),
                                      "value": json_number(entry.value)}
                                     for entry in output.entries]}
                        for output in outputs]}


# Any: a symconv.problems.matrix.LayerMatrix (its shape and entries); the renderers do not import the engine's
# matrix module, which reaches into the layers
def matrix_json(matrix: Any) -> dict:
    """``{"rows": m, "cols": n, "entries": [{"row", "col", "expr", "value"}, …]}``: a layer's
    matrix C (a :class:`symconv.problems.matrix.LayerMatrix`), non-zero entries only, row-major; ``expr``
    names the weight entry, ``value`` is its number (None for a symbol)."""
    rows, columns = matrix.shape
    values = matrix.entries()
    return {"rows": rows, "cols": columns,
            "entries": [{"row": r, "col": c, "expr": plain(named),
                         "value": json_number(value.number if isinstance(value, Poly) else value)
                         if Poly.lift(value).is_number else None}
                        for ((r, c), named), value in zip(matrix.entries(named=True).items(),
                                                          values.values())]}


def gradient_json(gradient: Gradient, entries: list, notes: list, *, with_expanded: bool = True) -> dict:
    """``grad --format json`` for these entries (see :func:`entry_json` for ``with_expanded``)."""
    loss = gradient.derivation.problem.loss
    return {"loss": loss, "wrt": gradient.wrt.name, "shape": list(gradient.shape),
            "entries": [entry_json(e, with_expanded=with_expanded) for e in entries],
            "notes": note_texts(notes, loss)}


def note_texts(notes: list, loss: str) -> list[str]:
    return [render_text(note, loss).removeprefix("note: ") for note in notes]


# -- the same as a stream, from arrays (emit.py), names by the printers' spellers (names.py) ------
# (names need no escapes inside a JSON string: see names.py)
def json_escape(text: str) -> str:
    """``text`` as it reads inside an encoded JSON string (json.dumps's escapes, ASCII only)."""
    return json_string(text)[1:-1]


def term_outputs(tensor: Tensor) -> np.ndarray:
    """A term up to its upstream factor, by output entry: ``{"output": "Y_{00}", "upstream": "``."""
    return latex_names(tensor, None, '{"output": "', '", "upstream": "', derivative=False)


def plain_entries(tensor: Tensor) -> np.ndarray:
    """Every entry as the plain printer writes it (a term's ``upstream`` or ``local`` inside its
    string): its identifier, or its number when given (digits, ``-`` and ``/``: no escapes)."""
    if tensor.values is None:
        return tensor.per_entry(plain_names)
    return objects([plain(value) for value in tensor.values.reshape(-1).tolist()])


def term_end(item: object) -> str:
    """What closes a term after ``"local": "``: the local derivative and ``"}``."""
    return json_escape(plain(item)) + '"}'


def term_ends(tensor: Tensor) -> np.ndarray:
    """:func:`term_end` of every entry."""
    return tensor.per_entry(plain_entries) + '"}'


def entry_heads(tensor: Tensor) -> np.ndarray:
    """Every entry's line up to its ``expr``: ``{"index": [0, 1], "name": "X_{01}", "expr": "``."""
    indices = written(list(np.unravel_index(np.arange(tensor.size), tensor.shape)), '{"index": [',
                      ", ", '], "name": ')
    return indices + latex_names(tensor, None, '"', '", "expr": "', derivative=False)


def write_gradient_json(gradient: Gradient, flats: Sequence[int], notes: list,
                        write: Callable[[str], object], *, expand: bool = False) -> None:
    """``symconv grad --format json``: :func:`gradient_json` of the entries ``flats`` (with
    ``expand``, of their :class:`ExpandedEntry`), one entry per line, passed to ``write`` a batch
    of entries at a time. The same data and the same text but for the line breaks."""
    loss = gradient.derivation.problem.loss
    expanded = expansion(gradient, flats, expand)
    head = (f'{{"loss": {json.dumps(loss)}, "wrt": {json.dumps(gradient.wrt.name)},'
            f' "shape": {json.dumps(list(gradient.shape))}, "entries": [\n')
    tail = f'], "notes": {json.dumps(note_texts(notes, loss))}}}\n'
    if few(gradient, flats):
        entries = chosen_entries(gradient, flats, expanded)
        write(head + "".join(json.dumps(entry_json(item, with_expanded=expand)) + ",\n"
                             for item in entries)[:-2] + "\n" + tail)
        return
    arrays = GradientArrays(gradient, flats)
    written_names = spelling(arrays.codes, PlainPrinter())
    heads = [block.output.per_entry(term_outputs) + block.upstream.per_entry(plain_entries)
             + '", "local": "' for block in gradient.blocks]
    write(head)
    for batch in arrays.batches():
        terms = np.empty((len(batch.rows), 3), dtype=object)
        terms[:, 0] = np.where(batch.firsts(), "", ", ")
        terms[:, 1] = arrays.outputs(batch, heads)
        terms[:, 2] = arrays.locals(batch, term_ends, term_end)
        if arrays.exact and expanded is None:
            sums = arrays.sums(batch)
            numeric, numbers = sums.numbers()
            values = np.full(len(batch.flats), "null", dtype=object)
            values[numeric] = objects([str(number) for number in numbers[numeric].tolist()])
            expression: list[np.ndarray | Pieces] = [sum_pieces(sums, written_names),
                                                     np.where(sums.counts == 0, "0", "")]
        else:
            polys = [gradient.entry(flat).value for flat in batch.flats.tolist()]
            known = polys if expanded is None else [expanded[flat] for flat in batch.flats.tolist()]
            values = objects([json.dumps(json_value(number)) for number in known])
            expression = [objects([json_escape(plain(poly)) for poly in polys])]
        ends = np.full(len(batch.flats), "]},\n", dtype=object)
        if expand and expanded is not None:
            ends = "]" + objects([f', "expanded": {json_string(plain(expanded[flat]))},'
                                  f' "expanded_value": {json.dumps(json_value(expanded[flat]))}'
                                  for flat in batch.flats.tolist()]) + "},\n"
        if batch.last:
            ends[-1] = ends[-1].removesuffix(",\n") + "\n"
        write(concatenated([gradient.wrt.per_entry(entry_heads)[batch.flats], *expression,
                      '", "value": ' + values + ', "terms": [', (terms.ravel(), 3 * batch.counts),
                      ends]))
    write(tail)
