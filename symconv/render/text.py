"""Plain Unicode text for terminals: ``∂L/∂X_01 = ∂L/∂Y_00·∂Y_00/∂X_01 + … = d1·w2 + d2·w1``."""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from ..problems.checks import FD_TOLERANCE, TOLERANCE, CheckReport
from ..engine.derivation import ExpandedEntry, Gradient, GradientEntry
from ..core.document import Note
from ..core.poly import Poly, Symbol
from ..engine.product_sums import objects
from ..core.tensors import Tensor
from ..core.wording import kinks_words, listed
from .emit import GradientArrays, Pieces, chosen_entries, concatenated, expansion, few, spelling, sum_pieces
from .names import text_names
from .printer import Printer

class TextPrinter(Printer):
    times = "·"
    power = "^"
    spell = staticmethod(text_names)  # commas entry by entry (a document: per tensor)

    def name_only(self, symbol: Symbol) -> str:
        """The entry's own name, without the ∂L/∂ of a derivative-notation tensor."""
        text = self.symbol_name(symbol)
        return text.split("/∂", 1)[1] if symbol.tensor.derivative_of else text

    def _print_GradientEntry(self, entry: GradientEntry) -> str:
        loss = self.loss
        target = self.name_only(entry.wrt)
        left = f"∂{loss}/∂{target}"
        if not entry.terms:
            return f"{left} = 0  (no output reads {target})"
        chain = " + ".join(
            f"∂{loss}/∂{self.name_only(t.output)}·∂{self.name_only(t.output)}/∂{target}"
            for t in entry.terms)
        return f"{left} = {chain}{self.rest(entry)} = {self.value(entry.value)}"

    @staticmethod
    def rest(entry: GradientEntry) -> str:
        """`` + ⋯ (38416 terms in all)`` after the terms listed of an entry that has more."""
        return f" + ⋯ ({entry.total} terms in all)" if entry.total else ""

    def value(self, poly: Poly) -> str:
        """A result, with its decimal value when it is an irrational number (an LP root)."""
        approximate = None if poly.is_number else poly.approximate()
        return self.doprint(poly) + ("" if approximate is None else f" ≈ {approximate:.6g}")

    def _print_ExpandedEntry(self, item: ExpandedEntry) -> str:
        """The entry's chain rule, then (when it differs) its value in terms of the given upstream."""
        text = self.doprint(item.entry)
        if item.expanded == item.entry.value:
            return text
        return f"{text} = {self.value(item.expanded)}"

    def _print_Note(self, note: Note) -> str:
        return "note: " + "".join(self.doprint(part) for part in note.parts)

    def _print_str(self, text: str) -> str:
        return text

    def _print_CheckReport(self, report: CheckReport) -> str:
        lines = ["max |route − NumPy reference| per gradient"
                 f" (random values, seed {report.seed}; given values kept):",
                 f"{'gradient':<12}{'chain rule':>12}{'closed form':>13}{'finite diff.':>14}"
                 + (f"{'matrix':>10}" if report.matrix_compared else "") + "  verdict"]
        for row in report.rows:
            fd = "n/a" if row.finite_differences is None else f"{row.finite_differences:.1e}"
            if row.fd_skipped and not row.fd_entries:
                fd = "all at kinks"
            closed = "n/a" if row.closed_form is None else f"{row.closed_form:.1e}"
            matrix = ("n/a" if row.matrix is None else f"{row.matrix:.1e}") if report.matrix_compared else ""
            lines.append(f"{'∂' + self.loss + '/∂' + row.tensor:<12}{row.chain_rule:>12.1e}"
                         f"{closed:>13}{fd:>14}{matrix:>{10 if matrix else 0}}"
                         f"  {'ok' if row.ok else 'DIFFERENT'}")
        skipped = [f"{row.tensor} {row.fd_skipped} of {row.fd_skipped + row.fd_entries}"
                   for row in report.rows if row.fd_skipped]
        if skipped:
            lines.append(f"finite differences skipped at kinks ({', '.join(skipped)} entries tried):"
                         f" {kinks_words(report.with_kinks)}")
        if any(row.closed_form is None for row in report.rows):
            lines.append("closed form n/a: no layer between that tensor and the loss has one"
                         + (f" ({listed(report.without_closed_form)}"
                            f" {'has' if len(report.without_closed_form) == 1 else 'have'} none)"
                            if report.without_closed_form else ""))
        if any(row.matrix is None for row in report.rows) and report.matrix_compared:
            lines.append("matrix n/a: no layer between that tensor and the loss is a matrix product"
                         + (f" ({listed(report.not_matrix_products)}"
                            f" {'is' if len(report.not_matrix_products) == 1 else 'are'} not)"
                            if report.not_matrix_products else ""))
        lines.append(report.verdict + f" (tolerance {TOLERANCE:g} × scale; finite differences {FD_TOLERANCE:g} × scale)")
        return "\n".join(lines)


def render_text(obj: object, loss: str = "L") -> str:
    return TextPrinter(loss).doprint(obj)


def write_gradient_text(gradient: Gradient, flats: Sequence[int], write: Callable[[str], object],
                        *, expand: bool = False) -> None:
    """``symconv grad``'s text: the lines ``render_text`` gives for the entries ``flats`` (or
    their :class:`ExpandedEntry` with ``expand``), passed to ``write`` a batch of lines at a time."""
    loss = gradient.derivation.problem.loss
    printer = TextPrinter(loss)
    expanded = expansion(gradient, flats, expand)
    if few(gradient, flats):
        write("".join(printer.doprint(entry) + "\n" for entry in chosen_entries(gradient, flats, expanded)))
        return
    arrays = GradientArrays(gradient, flats)
    written_names = spelling(arrays.codes, printer)
    wrt = gradient.wrt

    def names(tensor: Tensor, before: str, after: str) -> np.ndarray:
        """The printer's names of the entries without the ∂L/∂ of derivative notation (as
        :meth:`TextPrinter.name_only`), between ``before`` and ``after``."""
        return printer.spell(tensor, None, before, after, derivative=False)

    lefts = names(wrt, f"∂{loss}/∂", " = ")
    pluses, equals = names(wrt, "", " + "), names(wrt, "", " = ")
    # ∂L/∂Y_00·∂Y_00/∂, followed by the target and " + " (" = " after the last term of an entry)
    heads = [names(output, f"∂{loss}/∂", "·∂") + names(output, "", "/∂")
             for output in (block.output for block in gradient.blocks)]
    read = np.logical_or.reduce([np.diff(block.offsets) > 0 for block in gradient.blocks])
    unread = objects([""] * wrt.size) if read.all() else np.where(
        read, "", names(wrt, "  (no output reads ", ")"))
    for batch in arrays.batches():
        chain = np.empty((len(batch.rows), 2), dtype=object)
        chain[:, 0] = arrays.outputs(batch, heads)
        target = np.repeat(batch.flats, batch.counts)
        chain[:, 1] = np.where(batch.lasts(), equals[target], pluses[target])
        if arrays.exact and expanded is None:
            sums = arrays.sums(batch)
            values: list[np.ndarray | Pieces] = [sum_pieces(sums, written_names),
                                                 np.where(sums.counts == 0, "0", "")]
        else:
            values = [objects([value_text(printer, gradient, flat, expanded)
                               for flat in batch.flats.tolist()])]
        # An entry without terms: "∂L/∂X_40 = ", its value 0 and "  (no output reads X_40)".
        write(concatenated([lefts[batch.flats], (chain.ravel(), 2 * batch.counts), *values,
                      unread[batch.flats],
                      np.full(len(batch.flats), "\n", dtype=object)]))


def value_text(printer: TextPrinter, gradient: Gradient, flat: int,
               expanded: Sequence[Poly] | dict[int, Poly] | None) -> str:
    """An entry's value through its :class:`Poly`, then (with ``expanded``, when it differs) its
    value in terms of the given upstream gradient."""
    value = gradient.entry(flat).value
    text = printer.value(value)
    if expanded is None or expanded[flat] == value:
        return text
    return f"{text} = {printer.value(expanded[flat])}"
