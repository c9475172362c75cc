"""PrairieLearn: a question whose ``server.py`` draws, parses, grades and tests with symconv.

``export_prairielearn(template, "A", "course")`` writes a course fragment::

    course/questions/<qid>/info.json        uuid, title, topic, tags, "type": "v3"
    course/questions/<qid>/question.html    pl-question-panel, one pl-string-input per entry,
                                            a pl-submission-panel with the per-entry feedback
    course/questions/<qid>/server.py        calls generate/parse/grade/test below
    course/questions/<qid>/template.toml    the template (question files are not sent to students)
    course/serverFilesCourse/symconv/       symconv's own code: numpy and sympy are all it needs

The contract, as PrairieLearn's code reads it (PrairieLearn/PrairieLearn,
apps/prairielearn/src/question-servers/freeform.ts and python/zygote.py): ``generate(data)``
fills ``data["params"]`` and ``data["correct_answers"]``; ``parse(data)`` puts messages in
``data["format_errors"][name]`` (an answer with format errors is invalid and not graded);
``grade(data)`` sets ``data["partial_scores"][name] = {"score", "weight", "feedback"}``,
``data["score"]`` and ``data["feedback"]``; ``test(data)`` makes a ``correct``, ``incorrect`` or
``invalid`` submission (``data["test_type"]``) in ``data["raw_submitted_answers"]`` with the
format errors, partial scores and score that parsing and grading it will give: the question
tester (src/lib/question-testing.ts) submits it and compares ``gradable``, the keys of
``format_errors``, ``partial_scores`` and ``score``.

Every template uses ``pl-string-input``: symconv's own parser reads each entry (numbers,
fractions such as ``-1/4``, expressions in the problem's names) and names the mistake;
``pl-matrix-component-input`` would read numbers itself (as floats, within a tolerance), turning
``1/3`` into 0.333… before symconv sees it, and could not take an expression.

Per-entry feedback is shown in the submission panel, a table rendered by ``question.html``'s
mustache from ``data["feedback"]["entries"]`` (``pl-string-input`` shows only a score per
field). By default it names the wrong entries and the likely mistake, never the expected values;
``show_expected`` puts them in. PrairieLearn seeds its random generators from
``data["variant_seed"]``; symconv draws from HMAC-SHA256 of the template's seed and that variant
seed instead (:func:`symconv.course.variants.draw_variant`), so a variant is the same on every server.

``<qid>`` is the template's file name made a safe folder name (:func:`question_id`). Both folders
follow :class:`~symconv.files.output.OutputFolder`: nothing symconv did not write is ever replaced.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..answers.feedback import feedback_printer
from ..answers.verify import AnswerKey
from ..core.errors import SymconvError
from ..course.exercise import derivative_latex
from ..files.output import OutputFolder, display_path
from ..core.poly import Symbol
from ..files.problem_file import parse_problem
from ..course.variants import Template, draw_variant, load_template
from . import field_name, package_files, statement_html

TEMPLATE_FILE = "template.toml"
QUESTION_FILES = ("info.json", "question.html", "server.py", TEMPLATE_FILE)
INVALID_ENTRY = "1 +"  # what test() submits as an invalid entry: symconv cannot read it
SERVER_PY = '''"""PrairieLearn server.py written by `symconv export prairielearn`: the variant, the answer
key and the feedback all come from symconv (serverFilesCourse/symconv), on the question's
template.toml."""

from symconv.export import prairielearn

WRT = {wrt!r}
SHOW_EXPECTED = {show_expected!r}  # expected values in the feedback (after the deadline)


def generate(data):
    prairielearn.generate(data, WRT)


def parse(data):
    prairielearn.parse(data, WRT)


def grade(data):
    prairielearn.grade(data, WRT, SHOW_EXPECTED)


def test(data):
    prairielearn.test(data, WRT, SHOW_EXPECTED)
'''
QUESTION_HTML = '''<pl-question-panel>
  {{{{{{params.statement}}}}}}
  <p>Compute ${derivative}$ by the chain rule, one entry per box (row by row), in the names of the
  problem: numbers (<code>3</code>, <code>-1/4</code>, <code>0.5</code>) or expressions
  (<code>d1*w2 + d2*w1</code>, <code>B_11 + B_12</code>, <code>\\frac{{1}}{{4}} d_1</code>).</p>
</pl-question-panel>
<table>
{{{{#params.rows}}}}
  <tr>
  {{{{#cells}}}}
    <td><pl-string-input answers-name="{{{{name}}}}" label="{{{{label}}}}" size="12"
      remove-leading-trailing="true"></pl-string-input></td>
  {{{{/cells}}}}
  </tr>
{{{{/params.rows}}}}
</table>
<pl-submission-panel>
  <p class="symconv-overall">{{{{feedback.overall}}}}</p>
  {{{{#feedback.wrong}}}}
  <table class="table table-sm symconv-feedback">
    <thead><tr><th>entry</th><th>feedback</th></tr></thead>
    <tbody>
    {{{{#feedback.entries}}}}
      <tr><td>{{{{entry}}}}</td><td><pre class="mb-0">{{{{text}}}}</pre></td></tr>
    {{{{/feedback.entries}}}}
    </tbody>
  </table>
  {{{{/feedback.wrong}}}}
</pl-submission-panel>
'''


def export_prairielearn(template: Template, wrt: str, course_dir: str | os.PathLike, *,
                        force: bool = False, show_expected: bool = False) -> Path:
    """Write the question (and symconv's code) into ``course_dir``; returns the question folder.
    Both folders follow :class:`~symconv.files.output.OutputFolder`; the code folder, shared by every
    exported question, is always replaced by this version of it."""
    qid = question_id(template.source)
    course = Path(course_dir)
    code = package_files()
    question_folder = OutputFolder.check(course / "questions" / qid, force=force, parents=True,
                                         inputs=(template.source,), names=QUESTION_FILES)
    code_folder = OutputFolder.check(course / "serverFilesCourse" / "symconv", force=True,
                                     parents=True, inputs=(template.source,), names=list(code))
    # a template that cannot draw (or has no tensor named wrt) is refused here, not in PrairieLearn
    loss = draw_variant(_asked(template, wrt), "prairielearn:check").problem.loss
    info = {"uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"symconv:{qid}:{wrt}:{template.text}")),
            "title": f"{template.spec.get('title', qid)}",
            "topic": "Backpropagation through convolutions", "tags": ["symconv", "gradients"],
            "type": "v3"}
    question = {"info.json": json.dumps(info, indent=2, ensure_ascii=False) + "\n",
                "question.html": QUESTION_HTML.format(derivative=derivative_latex(loss, wrt)),
                "server.py": SERVER_PY.format(wrt=wrt, show_expected=show_expected),
                TEMPLATE_FILE: template.text}
    with question_folder.writer() as question_writer, code_folder.writer() as code_writer:
        for name, text in question.items():
            question_writer.write_text(name, text)
        for name, data in code.items():
            code_writer.write_bytes(name, data)
    return Path(question_folder.name)


def question_id(source: str) -> str:
    """The question's id, a safe folder name made from the template's: ``Conv HW 1.toml`` ->
    ``Conv-HW-1``; never ``.`` or ``..`` (``..toml`` is refused)."""
    name = Path(source).name
    stem = Path(source).stem
    plain = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", plain).strip("-")[:80]
    if not slug:
        raise SymconvError(f"the template's file name {display_path(name)!r} gives no question id;"
                           f" name the template with letters or digits, e.g. conv_backprop.toml")
    return slug


def _asked(template: Template, wrt: str) -> Template:
    return replace(template, wrt=(wrt,))


# data: PrairieLearn's element data (JSON) that server.py receives and fills in
def _key(data: dict[str, Any], wrt: str) -> AnswerKey:
    return AnswerKey(parse_problem(data["params"]["problem"], "problem.toml"), wrt)


def _names(key: AnswerKey) -> list[str]:
    return [field_name(flat) for flat in range(key.gradient.wrt.size)]


# -- what runs in PrairieLearn ----------------------------------------------------------------------
def generate(data: dict[str, Any], wrt: str) -> None:
    template = load_template(os.path.join(data["options"]["question_path"], TEMPLATE_FILE))
    variant = draw_variant(_asked(template, wrt), f"prairielearn:{data['variant_seed']}")
    key = variant.answer_keys[wrt]
    printer = feedback_printer(variant.problem.loss, show_expected=True)
    tensor = key.gradient.wrt
    width = tensor.shape[-1] if tensor.shape else 1
    rows: list[dict] = []
    for flat, forms in enumerate(key.expected):
        if flat % width == 0:
            rows.append({"cells": []})
        name = field_name(flat)
        rows[-1]["cells"].append({"name": name, "label": printer.name_only(Symbol(tensor, flat))})
        data["correct_answers"][name] = printer.doprint(forms[-1])
    data["params"].update({"problem": variant.toml, "statement": statement_html(variant.problem),
                           "rows": rows})


def parse(data: dict[str, Any], wrt: str) -> None:
    """Unreadable or hostile entries become format errors, with symconv's message; nothing a
    student writes is evaluated (symconv's own parser reads it)."""
    key = _key(data, wrt)
    for name in _names(key):
        if name in data["format_errors"]:
            continue  # e.g. left blank: pl-string-input said so already
        text = data["submitted_answers"].get(name)
        error = key.entry_error(text) if isinstance(text, str) else "no answer given"
        if error:
            data["format_errors"][name] = error


def grade(data: dict[str, Any], wrt: str, show_expected: bool = False) -> None:
    key = _key(data, wrt)
    names = _names(key)
    _grade_entries(data, key, [str(data["submitted_answers"][name]) for name in names],
                   show_expected)


def _grade_entries(data: dict[str, Any], key: AnswerKey, texts: list[str], show_expected: bool) -> None:
    """partial_scores (score 0 or 1, weight 1, the entry's feedback), score and feedback: the
    summary, and for the submission panel each wrong entry's feedback."""
    verdict = key.check_entries(texts, "answer")
    printer = feedback_printer(key.problem.loss, show_expected)
    mistake = printer.mistake_line(verdict.diagnosis) if verdict.diagnosis else ""
    entries = []
    for name, result in zip(_names(key), verdict.entries):
        feedback = "right"
        if not result.correct:
            lines = printer.entry_feedback(verdict, result)
            feedback = "\n".join(lines + ([mistake] if mistake else []))
            entry, first = lines[0].removeprefix("✗ ").split("): ", 1)  # "∂L/∂X_03 (row 1, entry 4"
            entries.append({"entry": entry + ")", "text": "\n".join([first, *lines[1:]])})
        data["partial_scores"][name] = {"score": 1.0 if result.correct else 0.0, "weight": 1,
                                        "feedback": feedback}
    data["score"] = verdict.score
    summary = f"{verdict.correct} of {verdict.total} entries right"
    data["feedback"].update(overall=summary + (f"; {mistake}" if mistake else ""),
                            wrong=bool(entries), entries=entries)


def test(data: dict[str, Any], wrt: str, show_expected: bool = False) -> None:
    """A test submission of ``data["test_type"]``: ``correct`` (the expected values),
    ``incorrect`` (a named mistake's answer, e.g. the kernel not rotated) or ``invalid`` (one
    entry symconv cannot read), with what parse() and grade() will make of it. It replaces what
    pl-string-input's own test wrote (its wrong answers append a digit, which symconv may read
    as an unknown name, and it knows nothing of symconv's feedback)."""
    key = _key(data, wrt)
    names = _names(key)
    texts = [str(data["correct_answers"][name]) for name in names]
    data["format_errors"].clear()
    data["partial_scores"].clear()
    kind = data["test_type"]
    if kind == "invalid":
        texts[0] = INVALID_ENTRY
        data["format_errors"][names[0]] = key.entry_error(INVALID_ENTRY)
    elif kind == "incorrect":
        texts = mistaken(key)
    data["raw_submitted_answers"].clear()
    data["raw_submitted_answers"].update(zip(names, texts))
    if kind != "invalid":
        _grade_entries(data, key, texts, show_expected)


PREFERRED_MISTAKES = ("kernel-not-rotated", "zeros-not-inserted", "upstream-ones")


def mistaken(key: AnswerKey) -> list[str]:
    """The answer of a named mistake (a real one, so the diagnosis shows), as entries."""
    printer = feedback_printer(key.problem.loss, show_expected=True)
    if not key.mistakes:  # no mistake applies: one entry off by one
        texts = [printer.doprint(forms[-1]) for forms in key.expected]
        texts[0] = f"{texts[0]} + 1"
        return texts
    mistake = min(key.mistakes, key=lambda m: (m.key not in PREFERRED_MISTAKES,
                                               PREFERRED_MISTAKES.index(m.key)
                                               if m.key in PREFERRED_MISTAKES else 0))
    return [printer.doprint(value) for value in mistake.values]
