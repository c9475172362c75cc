"""Worked solutions as Markdown with ``$$`` math blocks, like the handouts (KaTeX/MathJax style).

The math is the LaTeX printer's; only the blocks around it differ: ``#`` headings, ``$…$``
inline math, one ``$$…$$`` block per display and ``\\tag{n}`` for numbered equations. Pictures are
SVG: inline data by default, or files beside the document (the setting ``figure_files="hw"``
refers to ``hw-figure-1.svg``, … and collects them in :attr:`MarkdownPrinter.files` for the caller
to write).
"""

from __future__ import annotations

import base64

from ..core.document import Display, Document, Figure, Gallery, Heading, Numbered, Reference
from .latex import KatexPrinter
from .picture import svg
from .text import TextPrinter

# Pixels a picture may take: Markdown viewers set 16-pixel text in a column of 760 pixels or more
# (GitHub, GitLab, VS Code); a wider picture would be shrunk to the column, its text with it.
FIGURE_WIDTH = 760
MARKDOWN_SPECIALS = {"\\": "\\\\", "*": r"\*", "_": r"\_", "`": r"\`", "$": r"\$", "<": "&lt;",
                     "[": r"\[", "]": r"\]", "#": r"\#", "|": r"\|"}


def markdown_words(text: str) -> str:
    return "".join(MARKDOWN_SPECIALS.get(char, char) for char in text)


class MarkdownPrinter(KatexPrinter):
    # figure_files: a name: pictures go to NAME-figure-N.svg files (None: inline data)
    default_settings: dict[str, object] = {**KatexPrinter.default_settings, "figure_files": None}

    def __init__(self, loss: str = "L", **settings: object) -> None:
        super().__init__(loss, **settings)
        self.text = TextPrinter(loss)  # a picture's labels and its caption's words

    def _print_Figure(self, node: Figure) -> str:
        words = "".join(part if isinstance(part, str) else self.text.doprint(part) for part in node.caption)
        picture = svg(node, self.text.doprint, FIGURE_WIDTH, title=words)
        name = self.settings["figure_files"]
        if name is None:
            target = "data:image/svg+xml;base64," + base64.b64encode(picture.encode()).decode()
        else:
            target = f"{name}-figure-{len(self.files) + 1}.svg"
            self.files[target] = picture
        alt = markdown_words(words).replace("\n", " ")
        return f"![{alt}]({target})\n\n" + "".join(self.inline(part) for part in node.caption)

    def _print_Heading(self, node: Heading) -> str:
        return "#" * (node.level + 1) + " " + "".join(self.inline(part) for part in node.parts)

    def inline(self, part: object) -> str:
        if isinstance(part, Reference):
            number = f"({part.number})"
            return number if part.label is None else f"${self.doprint(part.label)}$ {number}"
        return markdown_words(part) if isinstance(part, str) else f"${self.doprint(part)}$"

    def display(self, math: str) -> str:
        return "$$" + math + "$$"

    def _print_Display(self, node: Display) -> str:
        return "\n\n".join(self.display(self.doprint(row)) for row in node.rows)

    def _print_Gallery(self, node: Gallery) -> str:
        return "\n\n".join(self.display(line) for line in self.gallery_lines(node))

    def tagged(self, node: Numbered) -> str:
        tag = rf" \tag{{{node.number}}}"
        if isinstance(node.math, Gallery):
            first, *rest = self.gallery_lines(node.math)
            return "\n\n".join([self.display(first + tag), *(self.display(line) for line in rest)])
        return self.display(self.doprint(node.math) + tag)

    def _print_Document(self, document: Document) -> str:
        body = self.body(document)
        return body if self.settings["fragment"] else f"# {markdown_words(document.title)}\n\n" + body
