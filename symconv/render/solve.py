"""A worked solution's document in one of the output formats: ``render_document(document, "latex")``."""

from __future__ import annotations

from typing import NamedTuple

from ..core.document import Document
from ..core.errors import SymconvError
from .arrange import ArrangingPrinter
from .html import HtmlPrinter
from .latex import LatexPrinter
from .markdown import MarkdownPrinter
from .text_document import TextDocumentPrinter

FORMATS: dict[str, type[ArrangingPrinter]] = {"latex": LatexPrinter, "markdown": MarkdownPrinter, "text": TextDocumentPrinter,
           "html": HtmlPrinter}


class Rendered(NamedTuple):
    """A printed document, in the pieces it was printed in (an interactive page at the
    worked-solution limit is megabytes: a caller that writes it need not join them), and the
    files it refers to (name beside the document -> content)."""

    pieces: list[str]
    files: dict[str, str]

    @property
    def text(self) -> str:
        return "".join(self.pieces)


def is_interactive(output_format: str) -> bool:
    """Whether the format points at related entries, so its document needs the chain-rule
    relations (:attr:`symconv.core.document.Document.relations`)."""
    return getattr(FORMATS.get(output_format), "interactive", False)


def render_document(document: Document, output_format: str, *, loss: str = "L",
                    fragment: bool = False) -> str:
    """The document as LaTeX (standalone, or only its body with ``fragment``), Markdown, text or
    HTML; Markdown's pictures as inline data."""
    return render_document_files(document, output_format, loss=loss, fragment=fragment).text


def render_document_files(document: Document, output_format: str, *, loss: str = "L",
                          fragment: bool = False, figures: str | None = None) -> Rendered:
    """The document, and with ``figures`` (Markdown) its pictures as files named after it; a
    format without such a setting (a fragment of a text document, picture files of LaTeX's TikZ)
    prints the document as it is."""
    if output_format not in FORMATS:
        raise SymconvError(f"unknown format {output_format!r}; choose from {', '.join(FORMATS)}")
    kind = FORMATS[output_format]
    asked = {"fragment": fragment, "figure_files": figures}
    printer = kind(loss, **{name: value for name, value in asked.items() if name in kind.default_settings})
    pieces = printer.document_pieces(document)
    return Rendered(pieces, dict(printer.files))
