"""Worked solutions as Markdown with ``$$`` math blocks, like the handouts (KaTeX/MathJax style).

The math is the LaTeX printer's; only the blocks around it differ: ``#`` headings, ``$…$``
inline math, one ``$$…$$`` block per display and ``\\tag{n}`` for numbered equations.
"""

from __future__ import annotations

from ..document import Display, Document, Gallery, Heading, Numbered
from .latex import LatexPrinter

MARKDOWN_SPECIALS = {"\\": "\\\\", "*": r"\*", "_": r"\_", "`": r"\`", "$": r"\$", "<": "&lt;",
                     "[": r"\[", "]": r"\]", "#": r"\#", "|": r"\|"}


def markdown_words(text: str) -> str:
    return "".join(MARKDOWN_SPECIALS.get(char, char) for char in text)


class MarkdownPrinter(LatexPrinter):
    def _print_Heading(self, node: Heading) -> str:
        return "#" * (node.level + 1) + " " + "".join(self.inline(part) for part in node.parts)

    def inline(self, part) -> str:
        return markdown_words(part) if isinstance(part, str) else f"${self.doprint(part)}$"

    def display(self, math: str) -> str:
        return "$$" + math + "$$"

    def _print_Display(self, node: Display) -> str:
        return "\n\n".join(self.display(self.doprint(row)) for row in node.rows)

    def _print_Gallery(self, node: Gallery) -> str:
        return "\n\n".join(self.display(line) for line in self.gallery_lines(node))

    def _print_Numbered(self, node: Numbered) -> str:
        return self.display(self.doprint(node.math) + rf" \tag{{{node.number}}}")

    def _print_Document(self, document: Document) -> str:
        return f"# {markdown_words(document.title)}\n\n" + self.body(document)
