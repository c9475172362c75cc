"""JSON of a gradient and of the forward pass (the schemas in the README): names in LaTeX,
expressions in plain identifiers."""

from __future__ import annotations

from fractions import Fraction

from ..derivation import ExpandedEntry, Gradient, GradientEntry
from ..forward import ForwardOutput
from ..poly import Poly
from .latex_names import latex_entry_name
from .printer import plain
from .text import render_text


def json_number(value):
    if isinstance(value, Fraction):
        return float(value)
    return value


def json_value(poly):
    """The number a result stands for (exact when rational, a float for an LP root), else None."""
    return json_number(poly.number) if poly.is_number else poly.approximate()


def entry_json(item: GradientEntry | ExpandedEntry) -> dict:
    """One entry; with ``--expand`` also ``expanded`` (and its ``expanded_value``): the value in
    terms of the last layer's upstream gradient."""
    entry = item.entry if isinstance(item, ExpandedEntry) else item
    value = entry.value
    fields = {
        "index": list(entry.index),
        "name": latex_entry_name(entry.wrt, with_derivative=False),
        "expr": plain(value),
        "value": json_value(value),
        "terms": [{"output": latex_entry_name(t.output, with_derivative=False),
                   "upstream": plain(t.upstream), "local": plain(t.local)} for t in entry.terms],
    }
    if isinstance(item, ExpandedEntry):
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


def matrix_json(matrix) -> dict:
    """``{"rows": m, "cols": n, "entries": [{"row", "col", "expr", "value"}, …]}``: a layer's
    matrix C (a :class:`symconv.matrix.LayerMatrix`), non-zero entries only, row-major; ``expr``
    names the weight entry, ``value`` is its number (None for a symbol)."""
    rows, columns = matrix.shape
    values = matrix.entries()
    return {"rows": rows, "cols": columns,
            "entries": [{"row": r, "col": c, "expr": plain(named),
                         "value": json_number(value.number if isinstance(value, Poly) else value)
                         if Poly.lift(value).is_number else None}
                        for ((r, c), named), value in zip(matrix.entries(named=True).items(),
                                                          values.values())]}


def gradient_json(gradient: Gradient, entries: list, notes: list) -> dict:
    loss = gradient.derivation.problem.loss
    return {"loss": loss, "wrt": gradient.wrt.name, "shape": list(gradient.shape),
            "entries": [entry_json(e) for e in entries],
            "notes": [render_text(note, loss).removeprefix("note: ") for note in notes]}
