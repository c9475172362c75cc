"""A worked solution in one of the output formats: ``render_solution(solution, "latex")``."""

from __future__ import annotations

from ..errors import SymconvError
from ..solution import Solution
from .latex import LatexPrinter
from .layout import layout
from .markdown import MarkdownPrinter
from .text_document import TextDocumentPrinter

FORMATS = {"latex": LatexPrinter, "markdown": MarkdownPrinter, "text": TextDocumentPrinter}


def render_solution(solution: Solution, output_format: str, *, fragment: bool = False,
                    statement: bool = True) -> str:
    """The document as LaTeX (standalone, or only its body with ``fragment``), Markdown or text;
    ``statement`` starts it with the problem (the layer and its tensors)."""
    if output_format not in FORMATS:
        raise SymconvError(f"unknown format {output_format!r}; choose from {', '.join(FORMATS)}")
    printer = FORMATS[output_format](solution.problem.loss)
    document = layout(solution, printer.line_width, statement=statement)
    if fragment and output_format == "latex":
        return printer.body(document)
    return printer.doprint(document)
