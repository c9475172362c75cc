"""What notebooks show: LaTeX that KaTeX and MathJax both render, and small HTML tables.

A notebook's ``text/latex`` output is one formula: ``$…$`` inline, or one ``$$…$$`` block whose
lines are stacked in a ``gathered`` environment (both KaTeX and MathJax have it; neither has
``\\[ … \\]`` blocks in a ``text/latex`` output, nor text outside the math).
"""

from __future__ import annotations

import html

from ..problems.checks import CheckReport
from ..engine.derivation import GradientEntry
from ..core.document import Derivative, Display, Equation, Gallery, Paragraph, Product, Sum, TensorView, equation
from .latex import KatexPrinter, LatexPrinter, latex_words


class NotebookLatexPrinter(KatexPrinter):
    """LaTeX for a notebook's output area, which scrolls sideways: a whole 5 × 5 gradient of sums
    stays one matrix rather than blocks of columns."""

    line_width = 220


def latex_inline(obj: object) -> str:
    return f"${LatexPrinter().doprint(obj)}$"


def entry_equation(entry: GradientEntry) -> Equation:
    """``∂L/∂x = Σ ∂L/∂y_k·∂y_k/∂x = value`` for one gradient entry (``= 0`` when no output reads it)."""
    left = Derivative(entry.loss, entry.wrt)
    if not entry.terms:
        return equation(left, 0)
    chain = Sum(tuple(Product((Derivative(entry.loss, t.output), Derivative(t.output, entry.wrt)))
                      for t in entry.terms))
    return equation(left, chain, entry.value)


def latex_block(node: object, loss: str = "L") -> str:
    """A node (an equation, a whole tensor) as one ``$$…$$`` block; a tensor fitted and cut as the
    LaTeX solution shows it, its slices or blocks of columns one per line."""
    printer = NotebookLatexPrinter(loss)
    blocks = printer.arrange(node) if isinstance(node, TensorView) else [Display((node,))]
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Display):
            lines += [printer.doprint(row) for row in block.rows]
        elif isinstance(block, Gallery):
            lines += printer.gallery_lines(block)
        elif isinstance(block, Paragraph):
            lines.append("".join(rf"\text{{{latex_words(part)}}}" if isinstance(part, str)
                                 else printer.doprint(part) for part in block.parts))
        else:
            lines.append(printer.doprint(block))
    if len(lines) == 1:
        return f"$${lines[0]}$$"
    return "$$\\begin{gathered} " + r" \\ ".join(lines) + r" \end{gathered}$$"


STYLE = ("border-collapse:collapse;font-family:sans-serif;font-size:90%",
         "padding:2px 8px;border-bottom:1px solid #ccc;text-align:right")


def check_report_html(report: CheckReport) -> str:
    """The routes compared, one row per gradient, its verdict in green or red."""
    table, cell = STYLE
    matrix = ("matrix",) if report.matrix_compared else ()
    head = "".join(f"<th style='{cell}'>{h}</th>" for h in
                   ("gradient", "chain rule", "closed form", "finite differences", *matrix, "verdict"))
    rows = []
    for row in report.rows:
        differences = [row.chain_rule, row.closed_form, row.finite_differences, *[row.matrix for _ in matrix]]
        colour, verdict = ("#1a7f37", "agree") if row.ok else ("#cf222e", "DIFFERENT")
        values = [f"∂{report.loss}/∂{html.escape(row.tensor)}",
                  *["n/a" if value is None else f"{value:.1e}" for value in differences]]
        rows.append("<tr>" + "".join(f"<td style='{cell}'>{v}</td>" for v in values)
                    + f"<td style='{cell};color:{colour};font-weight:bold'>{verdict}</td></tr>")
    return (f"<table style='{table}'><caption style='text-align:left'>Largest difference from the"
            f" NumPy reference (seed {report.seed}): {report.verdict}</caption><tr>{head}</tr>"
            + "".join(rows) + "</table>")
