"""The practice page as one self-contained HTML file: the problem and the worked solution in MathML
(the solution page's printer and style), one input per gradient entry laid out as the matrix, the
answer key as JSON, and the two inline scripts (``symconv/resources``). Nothing is fetched.

Each variant of the page is a ``<template>`` the script shows one at a time. The page's contract,
for tests and other tools: every input is ``<input data-answer="NAME" data-index="i,j">`` (0-based,
the tensor's own axes), the check button has ``data-action="check"``, a check marks every input
``sc-right`` or ``sc-wrong``, and the named mistake is the text of ``[data-role="diagnosis"]``.
"""

from __future__ import annotations

import html
import json
from importlib import resources
from typing import NamedTuple

from ..core.document import Derivative, Document, Equation
from ..core.tensors import Tensor
from .html import STYLE, HtmlPrinter, page_head

SCRIPTS = ("answers.js", "practice.js")


class Entry(NamedTuple):
    flat: int
    position: str  # "i,j": 0-based, in the tensor's shape
    name: str  # A_11
    gradient: str  # ∂E/∂A_11


class VariantView(NamedTuple):
    label: str  # "variant 2 of 5", or "" for a single problem
    width: int  # of an input, in characters: the longest expected entry's, within bounds
    base: int  # the tensor's display index base, for the row and column numbers
    right_form: str  # "e.g. B_11 + 2*B_12, …": how an entry is written, in the problem's names
    loss: str
    tensor: Tensor
    statement: tuple  # the problem's blocks, as a worked solution begins
    solution: Document
    equations: tuple[Equation, ...]  # each entry's chain rule, row-major
    grids: tuple[tuple[str, list[list[Entry]]], ...]  # (slice label, rows), one per 2-D slice


class PracticeView(NamedTuple):
    title: str
    identity: str  # names the page's progress in local storage
    variants: tuple[VariantView, ...]
    data: dict  # the answer key, for resources/answers.js


def script(name: str) -> str:
    return resources.files("symconv").joinpath("resources", name).read_text(encoding="utf-8")


def escape(text: str) -> str:
    return html.escape(text, quote=True)


def answer_grid(view: VariantView) -> str:
    """The inputs, as the matrix (slice by slice for tensors with more than two axes), rows and
    columns numbered as the tensor counts them."""
    parts = []
    for label, rows in view.grids:
        header = "<tr><th></th>" + "".join(f'<th scope="col">{j + view.base}</th>'
                                           for j in range(len(rows[0]))) + "</tr>"
        cells = "".join(
            f'<tr><th scope="row">{i + view.base}</th>' + "".join(
                f'<td><input data-answer="{escape(view.tensor.name)}" data-index="{e.position}"'
                f' aria-label="{escape(e.gradient)}" placeholder="{escape(e.name)}" autocomplete="off"'
                f' autocapitalize="off" spellcheck="false" style="width:{view.width}ch">'
                f'<button type="button" data-action="chain" data-index="{e.position}"'
                f' title="show the chain rule of {escape(e.gradient)}"'
                f' aria-label="show the chain rule of {escape(e.gradient)}">∑</button></td>'
                for e in row) + "</tr>" for i, row in enumerate(rows))
        caption = f"<caption>{escape(label)}</caption>" if label else ""
        parts.append(f'<table class="sc-inputs">{caption}{header}{cells}</table>')
    return '<div class="sc-answer">' + "".join(parts) + "</div>"


def variant_html(view: VariantView, number: int) -> str:
    printer = HtmlPrinter(view.loss)
    statement = "\n".join(printer.doprint(block) for block in view.statement)
    asked = printer.inline(Derivative(view.loss, view.tensor))
    solution = "\n".join(printer.doprint(block) for section in view.solution.sections
                         for block in section.blocks)
    chains = "".join(f'<template data-chain="{e.position}">{printer.display_math(view.equations[e.flat])}'
                     f"</template>" for _, rows in view.grids for row in rows for e in row)
    label = f'<p class="sc-variant-label">{escape(view.label)}</p>' if view.label else ""
    return (f'<template data-variant="{number}">{label}<section class="sc-statement">{statement}</section>'
            f"<h2>Your answer: {asked}</h2>"
            f"<p>Write each entry of {asked} in its box ({escape(view.right_form)}); Enter checks."
            f" A whole answer pasted into a box fills them all: NumPy's or PyTorch's printed array,"
            f" a list, a grid, a Markdown table.</p>"
            f"{answer_grid(view)}{chains}"
            f'<template data-solution="{number}"><h2>Worked solution</h2>{solution}</template>'
            "</template>")


def practice_html(view: PracticeView) -> str:
    variants = "".join(variant_html(v, n) for n, v in enumerate(view.variants))
    data = json.dumps(view.data, separators=(",", ":"), ensure_ascii=False).replace("</", "<\\/")
    more = (' <button type="button" data-action="variant">new variant</button>'
            if len(view.variants) > 1 else "")
    return PAGE.format(head=page_head(view.title, STYLE + PRACTICE_STYLE, "symconv practice"),
                       title=escape(view.title), identity=escape(view.identity),
                       variants=variants, data=data, more=more,
                       scripts="".join(f"<script>{script(name)}</script>" for name in SCRIPTS))


PRACTICE_STYLE = """
.sc-note{color:#57606a;font-size:.92em}
.sc-answer{overflow-x:auto;margin:.6em 0}
table.sc-inputs{border-collapse:separate;border-spacing:.3em;margin:.4em 0}
table.sc-inputs caption{text-align:left;color:#57606a;font-size:.92em}
table.sc-inputs td{white-space:nowrap}
table.sc-inputs th{font-weight:normal;color:#8c959f;font-size:.8em;padding:0 .2em}
table.sc-inputs input{font:15px/1.4 ui-monospace,"DejaVu Sans Mono",monospace;padding:.25em .4em;
border:1.5px solid #8c959f;border-radius:4px;background:#fff}
table.sc-inputs input:focus{outline:2px solid #1f6feb;outline-offset:0}
table.sc-inputs input.sc-right{border-color:#1a7f37;background:#dafbe1}
table.sc-inputs input.sc-wrong{border-color:#cf222e;background:#ffebe9}
table.sc-inputs button{font-size:.8em;margin-left:.15em;padding:.1em .3em;border:1px solid #d0d7de;
border-radius:4px;background:#f6f8fa;color:#57606a;cursor:pointer}
.sc-buttons button{font-size:1em;padding:.35em .9em;margin-right:.4em;border-radius:6px;
border:1px solid #8c959f;background:#f6f8fa;cursor:pointer}
.sc-buttons button[data-action=check]{background:#1f6feb;border-color:#1f6feb;color:#fff}
[data-role=score]{font-weight:bold;margin:.4em 0}
[data-role=diagnosis]{margin:.4em 0;padding:.4em .7em;border-left:4px solid #bf8700;background:#fff8c5}
[data-role=diagnosis]:empty{display:none}
[data-role=feedback] li{margin:.2em 0}
[data-role=status]:empty,#sc-panel:not(.sc-open){display:none}
#sc-panel{position:fixed;left:0;right:0;bottom:0;background:#f6f8fa;border-top:1px solid #d0d7de;
padding:.3em 2em;max-height:40vh;overflow:auto;font-size:.95em}
#sc-panel button{float:right;border:none;background:none;font-size:1.3em;cursor:pointer;color:#57606a}
[data-role=status]{color:#9a6700}
.sc-variant-label{color:#57606a;font-weight:bold}
[data-role=solution]{border-top:1px solid #d0d7de;margin-top:1.5em}
"""

PAGE = """{head}<body>
<main data-practice="{identity}">
<h1>{title}</h1>
<p class="sc-note">This page checks your answer itself, offline: it holds the answer key, which
anyone can read in its source. It is for practice; graded work goes through <code>symconv
grade</code> or your course's platform.</p>
<div id="sc-current"></div>
<p data-role="status" role="status"></p>
<p class="sc-buttons"><button type="button" data-action="check">check</button>
<button type="button" data-action="clear">clear</button>
<button type="button" data-action="solution" aria-expanded="false">show the solution</button>{more}</p>
<p data-role="score" aria-live="polite"></p>
<p data-role="diagnosis" aria-live="polite"></p>
<ul data-role="feedback"></ul>
<section data-role="solution" hidden></section>
<aside id="sc-panel" aria-live="polite"><button type="button" data-action="close" aria-label="close">×</button>
<div data-role="chain"></div></aside>
{variants}
</main>
<script type="application/json" id="sc-practice-data">{data}</script>
{scripts}
</body>
</html>
"""
