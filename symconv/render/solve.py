"""A worked solution's document in one of the output formats: ``render_document(document, "latex")``."""

from __future__ import annotations

from ..document import Document
from ..errors import SymconvError
from .latex import LatexPrinter
from .markdown import MarkdownPrinter
from .text_document import TextDocumentPrinter

FORMATS = {"latex": LatexPrinter, "markdown": MarkdownPrinter, "text": TextDocumentPrinter}


def render_document(document: Document, output_format: str, *, loss: str = "L",
                    fragment: bool = False) -> str:
    """The document as LaTeX (standalone, or only its body with ``fragment``), Markdown or text."""
    if output_format not in FORMATS:
        raise SymconvError(f"unknown format {output_format!r}; choose from {', '.join(FORMATS)}")
    printer = FORMATS[output_format](loss)
    if fragment and isinstance(printer, LatexPrinter):
        return printer.body(document)
    return printer.doprint(document)
