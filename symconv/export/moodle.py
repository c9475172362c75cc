"""Moodle: a quiz.xml of Embedded Answers (Cloze) questions, one per drawn variant.

Moodle XML format (docs.moodle.org, "Moodle XML format"): a ``<quiz>`` of ``<question>`` elements;
a ``<question type="category">`` sets the category of the questions after it, and a
``<question type="cloze">`` holds its ``<name>``, ``<questiontext format="html">`` and
``<generalfeedback>``. In the question text each blank is an embedded answer ("Embedded Answers
(Cloze) question type"): ``{1:NUMERICAL:=34:0}`` is a numerical blank worth 1 whose right answer is
34, accepted within ±0. Moodle grades numbers only, so every entry of the asked gradient must be a
number: the template must give the values.
"""

from __future__ import annotations

import io
import os
import sys
import xml.etree.ElementTree as ElementTree
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

from ..errors import SymconvError
from ..output import OutputTarget
from ..poly import Symbol
from ..render.text import TextPrinter
from ..variants import Template, draw_variant
from . import statement_html

RELATIVE_TOLERANCE = Fraction(1, 10_000)  # for answers that are not whole numbers
LARGEST = Fraction(sys.float_info.max)  # Moodle reads a numerical blank as a float


def export_moodle(template: Template, wrt: str, count: int, out: str | os.PathLike, *,
                  force: bool = False) -> Path:
    """Write ``count`` variants of ``template`` as Cloze questions in a Moodle XML quiz (see
    :mod:`symconv.output` for how ``out`` is written)."""
    target = OutputTarget.check(out, force=force, option="--out")
    quiz = ElementTree.Element("quiz")
    stem = Path(template.source).stem
    category = ElementTree.SubElement(ElementTree.SubElement(quiz, "question", type="category"),
                                      "category")
    ElementTree.SubElement(category, "text").text = f"$course$/top/symconv/{stem}"
    asked = replace(template, wrt=(wrt,))
    given: set[str] = set()
    for number in range(1, count + 1):
        variant = draw_variant(asked, f"moodle:{number}", avoid=given)
        given.add(variant.identity)
        values = []
        for flat, forms in enumerate(variant.answer_keys[wrt].expected):
            if not forms[-1].is_number:  # the last form is expanded down to the given upstream
                raise SymconvError(f"Moodle's NUMERICAL blanks take numbers, but ∂{variant.problem.loss}"
                                   f"/∂{wrt} has symbols (entry {flat}); give values to every tensor"
                                   f" in the template, e.g. values = [[1, 2], [3, 4]] or"
                                   f" values = {{ integers = [-3, 3] }} under [variants]",
                                   where=template.source)
            values.append(within_float_range(Fraction(forms[-1].number), flat, variant, wrt,
                                             template.source))
        question = ElementTree.SubElement(quiz, "question", type="cloze")
        ElementTree.SubElement(ElementTree.SubElement(question, "name"), "text").text = \
            f"{stem}: ∂{variant.problem.loss}/∂{wrt}, variant {number}"
        text = ElementTree.SubElement(question, "questiontext", format="html")
        ElementTree.SubElement(text, "text").text = question_text(variant, wrt, values)
        feedback = ElementTree.SubElement(question, "generalfeedback", format="html")
        ElementTree.SubElement(feedback, "text").text = ""
        ElementTree.SubElement(question, "penalty").text = "0.3333333"
        ElementTree.SubElement(question, "hidden").text = "0"
    ElementTree.indent(quiz)
    document = io.BytesIO()
    ElementTree.ElementTree(quiz).write(document, encoding="UTF-8", xml_declaration=True)
    target.write_bytes(document.getvalue())
    return Path(target.name)


def within_float_range(value: Fraction, flat: int, variant, wrt: str, source: str) -> Fraction:
    """``value``, when Moodle can hold it: its numerical blanks are read as floating-point
    numbers, so one beyond ±1.8e308 could be neither written nor graded."""
    if abs(value) <= LARGEST:
        return value
    digits = len(str(abs(value.numerator) // value.denominator)) - 1
    loss, tensor = variant.problem.loss, variant.problem.tensor(wrt)
    name = TextPrinter(loss).doprint(Symbol(tensor, flat))
    raise SymconvError(f"∂{loss}/∂{name} is about 1e{digits}, beyond the largest number Moodle's"
                       f" numerical blanks hold (about 1.8e308); give the template smaller values",
                       where=source)


def blank(value: Fraction) -> str:
    """``{1:NUMERICAL:=34:0}``; a fraction as a decimal with a small relative tolerance."""
    if value.denominator == 1:
        return f"{{1:NUMERICAL:={value.numerator}:0}}"
    tolerance = abs(value) * RELATIVE_TOLERANCE
    return f"{{1:NUMERICAL:={float(value):.12g}:{float(tolerance):.3g}}}"


def question_text(variant, wrt: str, values: list[Fraction]) -> str:
    """The problem, then one blank per entry of ∂L/∂wrt in a table, row-major."""
    tensor = variant.problem.tensor(wrt)
    width = tensor.shape[-1] if tensor.shape else 1
    rows = ["<tr>" + "".join(f"<td>{blank(v)}</td>" for v in values[start:start + width]) + "</tr>"
            for start in range(0, len(values), width)]
    loss = variant.problem.loss
    return (statement_html(variant.problem)
            + f"\n<p>Compute \\(\\frac{{\\partial {loss}}}{{\\partial {wrt}}}\\) by the chain rule,"
              f" entry by entry (row by row):</p>\n<table>\n" + "\n".join(rows) + "\n</table>")
