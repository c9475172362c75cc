"""Plain Unicode text for terminals: ``∂L/∂X_01 = ∂L/∂Y_00·∂Y_00/∂X_01 + … = d1·w2 + d2·w1``."""

from __future__ import annotations

from ..checks import FD_TOLERANCE, TOLERANCE, CheckReport
from ..derivation import ExpandedEntry, GradientEntry
from ..document import Note
from ..poly import Symbol
from .printer import Printer


def subscript_text(subscript: tuple[int, ...]) -> str:
    """``01`` for at most two single digits, else ``{1,2,10}`` (as the LaTeX form)."""
    if len(subscript) <= 2 and all(0 <= i <= 9 for i in subscript):
        return "".join(map(str, subscript))
    return "{" + ",".join(map(str, subscript)) + "}"


NUMBER_WORDS = {3: "three", 4: "four"}


class TextPrinter(Printer):
    times = "·"
    power = "^"

    def _print_Symbol(self, symbol: Symbol) -> str:
        base, subscript, loss = symbol.tensor.entry_name(symbol.flat)
        if symbol.tensor.naming == "flat":
            name = f"{base}{subscript[0]}"
        else:
            name = f"{base}_{subscript_text(subscript)}" if subscript else base
        return f"∂{loss}/∂{name}" if loss else name

    def name_only(self, symbol: Symbol) -> str:
        """The entry's own name, without the ∂L/∂ of a derivative-notation tensor."""
        text = self.doprint(symbol)
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
        return f"{left} = {chain} = {self.value(entry.value)}"

    def value(self, poly) -> str:
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
                 + (f"{'matrix':>10}" if report.routes == 4 else "") + "  verdict"]
        for row in report.rows:
            fd = "n/a" if row.finite_differences is None else f"{row.finite_differences:.1e}"
            if row.fd_skipped and not row.fd_entries:
                fd = "all at kinks"
            closed = "n/a" if row.closed_form is None else f"{row.closed_form:.1e}"
            matrix = ("n/a" if row.matrix is None else f"{row.matrix:.1e}") if report.routes == 4 else ""
            lines.append(f"{'∂' + self.loss + '/∂' + row.tensor:<12}{row.chain_rule:>12.1e}"
                         f"{closed:>13}{fd:>14}{matrix:>{10 if matrix else 0}}"
                         f"  {'ok' if row.ok else 'DIFFERENT'}")
        skipped = [f"{row.tensor} {row.fd_skipped} of {row.fd_skipped + row.fd_entries}"
                   for row in report.rows if row.fd_skipped]
        if skipped:
            lines.append(f"finite differences skipped at kinks ({', '.join(skipped)} entries tried):"
                         " a step of ±h there changes a ReLU mask or a max routing, so the loss has"
                         " no derivative to estimate")
        if any(row.closed_form is None for row in report.rows):
            lines.append("closed form n/a: no layer between that tensor and the loss has one"
                         " (ReLU and LP pooling have none)")
        if any(row.matrix is None for row in report.rows) and report.routes == 4:
            lines.append("matrix n/a: no layer between that tensor and the loss is a matrix product"
                         " (convolutions are; pooling and ReLU are not)")
        lines.append((f"all {NUMBER_WORDS[report.routes]} routes agree" if report.ok
                      else "the routes DISAGREE")
                     + f" (tolerance {TOLERANCE:g} × scale; finite differences {FD_TOLERANCE:g} × scale)")
        return "\n".join(lines)

    def __init__(self, loss: str = "L"):
        self.loss = loss


def render_text(obj, loss: str = "L") -> str:
    return TextPrinter(loss).doprint(obj)
