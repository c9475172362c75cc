"""Moodle: a quiz.xml of Embedded Answers (Cloze) questions, one per drawn variant.

Moodle XML format (docs.moodle.org, "Moodle XML format"): a ``<quiz>`` of ``<question>`` elements;
a ``<question type="category">`` sets the category of the questions after it, and a
``<question type="cloze">`` holds its ``<name>``, ``<questiontext format="html">`` and
``<generalfeedback>``. Each blank of the question text is an embedded answer, as Moodle's
qtype_multianswer parser reads it (question/type/multianswer/questiontype.php,
``qtype_multianswer_extract_question``)::

    {1:NUMERICAL:=0.111111111111:0.00005~%0%0.222222222222:0.00005#likely mistake: …}

a blank worth 1 whose right answer is the value (within ±0.00005), then answers worth 0 % whose
feedback names a mistake. Moodle accepts a number when it lies within its answer's tolerance,
plus a tiny margin (question/type/numerical/question.php, ``get_tolerance_interval``, "nominal"),
the first matching answer winning. Numbers are asked to 4 significant figures: the tolerance is
half a unit of the value's 4th significant figure, so every rounding to 4 figures (and any closer
value) is right, and nothing farther. Moodle grades numbers only, so every entry of the asked
gradient must be a number: the template must give the values.
"""

from __future__ import annotations

import html
import io
import math
import os
import sys
import xml.etree.ElementTree as ElementTree
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

from ..answers.feedback import decimal_text, feedback_printer
from ..answers.verify import AnswerKey
from ..core.errors import SymconvError
from ..files.output import OutputTarget
from ..core.poly import Symbol
from ..render.text import TextPrinter
from ..course.variants import Template, Variant, draw_class
from . import statement_html

FIGURES = 4  # significant figures asked for
DIGITS = 15  # significant digits written for a value without a finite decimal form
LARGEST = Fraction(sys.float_info.max)  # Moodle reads a numerical blank as a float
SMALLEST = Fraction(sys.float_info.min)


def export_moodle(template: Template, wrt: str, count: int, out: str | os.PathLike, *,
                  force: bool = False, show_expected: bool = False) -> tuple[Path, int]:
    """Write up to ``count`` variants of ``template`` as Cloze questions in a Moodle XML quiz
    (see :mod:`symconv.files.output` for how ``out`` is written); returns the path and how many
    different variants it holds (fewer than ``count`` when the template allows no more).
    ``show_expected`` puts the expected values in each question's general feedback, which Moodle
    shows as the quiz's review options say (after the quiz closes, say)."""
    target = OutputTarget.check(out, force=force, option="--out")
    quiz = ElementTree.Element("quiz")
    stem = Path(template.source).stem
    category = ElementTree.SubElement(ElementTree.SubElement(quiz, "question", type="category"),
                                      "category")
    ElementTree.SubElement(category, "text").text = f"$course$/top/symconv/{stem}"
    asked = replace(template, wrt=(wrt,))
    written = 0
    for assignment in draw_class(asked, [f"moodle:{n}" for n in range(1, count + 1)]):
        variant = assignment.variant
        if variant is None:
            continue  # a variant already written: the quiz holds each once
        written += 1
        key = variant.answer_keys[wrt]
        values = numbers(key, template.source)
        question = ElementTree.SubElement(quiz, "question", type="cloze")
        ElementTree.SubElement(ElementTree.SubElement(question, "name"), "text").text = \
            f"{stem}: ∂{variant.problem.loss}/∂{wrt}, variant {assignment.number}"
        text = ElementTree.SubElement(question, "questiontext", format="html")
        ElementTree.SubElement(text, "text").text = question_text(variant, key, values)
        feedback = ElementTree.SubElement(question, "generalfeedback", format="html")
        ElementTree.SubElement(feedback, "text").text = \
            expected_table(variant, key, values) if show_expected else ""
        ElementTree.SubElement(question, "penalty").text = "0.3333333"
        ElementTree.SubElement(question, "hidden").text = "0"
    ElementTree.indent(quiz)
    document = io.BytesIO()
    ElementTree.ElementTree(quiz).write(document, encoding="UTF-8", xml_declaration=True)
    target.write_bytes(document.getvalue())
    return Path(target.name), written


def numbers(key: AnswerKey, source: str) -> list[Fraction]:
    """Every entry of the gradient as a number (the last form is expanded down to the given
    upstream), or a one-line refusal when one has symbols."""
    values = []
    for flat, forms in enumerate(key.expected):
        if not forms[-1].is_number:
            raise SymconvError(f"Moodle's NUMERICAL blanks take numbers, but ∂{key.problem.loss}"
                               f"/∂{key.gradient.wrt.name} has symbols (entry {flat}); give values"
                               f" to every tensor in the template, e.g. values = [[1, 2], [3, 4]]"
                               f" or values = {{ integers = [-3, 3] }} under [variants]",
                               where=source)
        values.append(within_float_range(Fraction(forms[-1].number), key, flat, source))
    return values


def within_float_range(value: Fraction, key: AnswerKey, flat: int, source: str) -> Fraction:
    """``value``, when Moodle can hold it: its numerical blanks are read as floating-point
    numbers, so one beyond ±1.8e308 (or closer to 0 than 2.2e-308) could be neither written nor
    graded."""
    if value == 0 or SMALLEST <= abs(value) <= LARGEST:
        return value
    magnitude = len(str(abs(value.numerator))) - len(str(value.denominator))  # or one more
    if Fraction(10) ** magnitude > abs(value):
        magnitude -= 1
    name = TextPrinter(key.problem.loss).doprint(Symbol(key.gradient.wrt, flat))
    raise SymconvError(f"∂{key.problem.loss}/∂{name} is about 1e{magnitude}, beyond the range of"
                       f" the numbers Moodle's numerical blanks hold (about 1e-308 to 1.8e308);"
                       f" give the template other values", where=source)


def tolerance(value: Fraction) -> Fraction:
    """Half a unit of the 4th significant figure of ``value`` (0 for 0: only 0 is right)."""
    if value == 0:
        return Fraction(0)
    exponent = math.floor(math.log10(abs(value)))
    if Fraction(10) ** exponent > abs(value):  # log10 rounded up just below a power of 10
        exponent -= 1
    elif Fraction(10) ** (exponent + 1) <= abs(value):
        exponent += 1
    return Fraction(1, 2) * Fraction(10) ** (exponent - FIGURES + 1)


def number_text(value: Fraction) -> str:
    """A number as Moodle's NUMBER_REGEX reads it: exactly when it has a finite decimal form,
    else to :data:`DIGITS` significant digits (far inside the tolerance)."""
    exact = decimal_text(value)
    if exact is not None:
        return exact
    return f"{float(value):.{DIGITS}g}"


def cloze_feedback(text: str) -> str:
    """Text for a Cloze answer's feedback, as the parser reads it back: HTML-escaped (it decodes
    entities), ``}`` as ``\\}`` and ``~`` as an entity (either would end the feedback)."""
    return html.escape(text, quote=False).replace("}", "\\}").replace("~", "&#126;")


def blank(value: Fraction, mistakes: list[tuple[Fraction, str]]) -> str:
    """``{1:NUMERICAL:=value:tolerance~%0%mistake:tolerance#feedback…}``."""
    answers = [f"={number_text(value)}:{number_text(tolerance(value))}"]
    for wrong, feedback in mistakes:
        answers.append(f"%0%{number_text(wrong)}:{number_text(tolerance(wrong))}"
                       f"#{cloze_feedback(feedback)}")
    return "{1:NUMERICAL:" + "~".join(answers) + "}"


def mistaken_values(key: AnswerKey, flat: int, right: Fraction) -> list[tuple[Fraction, str]]:
    """The value each named mistake gives for entry ``flat`` where a student who made it would
    not be right anyway (outside the right value's tolerance), with its feedback; mistakes that
    give one value share it."""
    found: dict[Fraction, list[str]] = {}
    for mistake in key.mistakes:
        value = mistake.values[flat]
        if not value.is_number:
            continue
        number = Fraction(value.number)
        if not (number == 0 or SMALLEST <= abs(number) <= LARGEST):
            continue  # Moodle could not hold it: no answer for that mistake
        if abs(number - right) > tolerance(right):
            found.setdefault(number, []).append(mistake.description)
    return [(number, "likely mistake: " + " or ".join(dict.fromkeys(descriptions)))
            for number, descriptions in found.items()]


def question_text(variant: Variant, key: AnswerKey, values: list[Fraction]) -> str:
    """The problem, how to write numbers, then one blank per entry of ∂L/∂wrt in a table."""
    tensor = key.gradient.wrt
    width = tensor.shape[-1] if tensor.shape else 1
    cells = [f"<td>{blank(value, mistaken_values(key, flat, value))}</td>"
             for flat, value in enumerate(values)]
    rows = ["<tr>" + "".join(cells[start:start + width]) + "</tr>"
            for start in range(0, len(cells), width)]
    loss = variant.problem.loss
    return (statement_html(variant.problem)
            + f"\n<p>Compute \\(\\frac{{\\partial {loss}}}{{\\partial {tensor.name}}}\\) by the"
              f" chain rule, entry by entry (row by row). Give each entry as a decimal number to"
              f" {FIGURES} significant figures (e.g. 0.1111 for 1/9, 2.667 for 8/3, -34 for −34):"
              f" a fraction such as 1/9 is not read as a fraction.</p>\n<table>\n"
            + "\n".join(rows) + "\n</table>")


def expected_table(variant: Variant, key: AnswerKey, values: list[Fraction]) -> str:
    """The expected values, entry by entry, for the general feedback (``--show-expected``)."""
    printer = feedback_printer(variant.problem.loss, show_expected=True)
    tensor = key.gradient.wrt
    lines = [f"<li>∂{variant.problem.loss}/∂{html.escape(printer.name_only(Symbol(tensor, flat)))}"
             f" = {html.escape(printer.doprint(value))}</li>" for flat, value in enumerate(values)]
    return "<p>Expected values:</p>\n<ul>\n" + "\n".join(lines) + "\n</ul>"
