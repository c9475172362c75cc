"""PrairieLearn: a question whose ``server.py`` draws, parses and grades with symconv.

``export_prairielearn(template, "A", "course")`` writes a course fragment::

    course/questions/<qid>/info.json        uuid, title, topic, tags, "type": "v3"
    course/questions/<qid>/question.html    pl-question-panel, one pl-string-input per entry
    course/questions/<qid>/server.py        calls generate/parse/grade below
    course/questions/<qid>/template.toml    the template (question files are not sent to students)
    course/serverFilesCourse/symconv/       symconv's own code: numpy and sympy are all it needs

``<qid>`` is the template's file name made a safe folder name (:func:`question_id`). Both folders
follow :class:`~symconv.output.OutputFolder`: nothing symconv did not write is ever replaced.

The contract (PrairieLearn's docs, docs/question/server.md): ``generate(data)`` fills
``data["params"]`` and ``data["correct_answers"]``; ``parse(data)`` reads
``data["submitted_answers"]`` and puts messages in ``data["format_errors"][name]`` (an answer with
format errors is invalid and not graded); ``grade(data)`` sets
``data["partial_scores"][name] = {"score", "weight", "feedback"}`` and ``data["score"]`` (0 to 1).
PrairieLearn seeds its random generators from ``data["variant_seed"]`` (its zygote.py); symconv
draws from HMAC-SHA256 of the template's seed and that variant seed instead, so a variant is the
same on every server. Files of the question folder are found through
``data["options"]["question_path"]``, and ``serverFilesCourse`` is on the Python path of
``server.py`` (docs/questionRuntime: a library installed there can be imported "as normal").
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
import uuid
from dataclasses import replace
from pathlib import Path

from ..answers.verify import AnswerKey
from ..errors import SymconvError
from ..exercise import derivative_latex
from ..output import OutputFolder, display_path
from ..poly import Symbol
from ..problem_file import parse_problem
from ..answers.feedback import VerdictPrinter
from ..variants import Template, draw_variant, load_template
from . import field_name, package_files, statement_html

TEMPLATE_FILE = "template.toml"
QUESTION_FILES = ("info.json", "question.html", "server.py", TEMPLATE_FILE)
SERVER_PY = '''"""PrairieLearn server.py written by `symconv export prairielearn`: the variant, the answer
key and the feedback all come from symconv (serverFilesCourse/symconv), on the question's
template.toml."""

from symconv.export import prairielearn

WRT = {wrt!r}


def generate(data):
    prairielearn.generate(data, WRT)


def parse(data):
    prairielearn.parse(data, WRT)


def grade(data):
    prairielearn.grade(data, WRT)
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
<pl-submission-panel>{{{{{{feedback.overall}}}}}}</pl-submission-panel>
'''


def export_prairielearn(template: Template, wrt: str, course_dir: str | os.PathLike, *,
                        force: bool = False) -> Path:
    """Write the question (and symconv's code) into ``course_dir``; returns the question folder.
    Both folders follow :class:`~symconv.output.OutputFolder`; the code folder, shared by every
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
                "server.py": SERVER_PY.format(wrt=wrt), TEMPLATE_FILE: template.text}
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


def _key(data, wrt: str) -> AnswerKey:
    return AnswerKey(parse_problem(data["params"]["problem"], "problem.toml"), wrt)


# -- what runs in PrairieLearn ----------------------------------------------------------------------
def generate(data, wrt: str) -> None:
    template = load_template(os.path.join(data["options"]["question_path"], TEMPLATE_FILE))
    variant = draw_variant(_asked(template, wrt), f"prairielearn:{data['variant_seed']}")
    key = variant.answer_keys[wrt]
    printer = VerdictPrinter(variant.problem.loss)
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


def parse(data, wrt: str) -> None:
    """Unreadable or hostile entries become format errors, with symconv's message; nothing a
    student writes is evaluated (symconv's own parser reads it)."""
    key = _key(data, wrt)
    for flat in range(key.gradient.wrt.size):
        name = field_name(flat)
        if name in data["format_errors"]:
            continue  # e.g. left blank: pl-string-input said so already
        text = data["submitted_answers"].get(name)
        error = key.entry_error(text) if isinstance(text, str) else "no answer given"
        if error:
            data["format_errors"][name] = error


def grade(data, wrt: str) -> None:
    key = _key(data, wrt)
    names = [field_name(flat) for flat in range(key.gradient.wrt.size)]
    verdict = key.check_entries([str(data["submitted_answers"][name]) for name in names], "answer")
    printer = VerdictPrinter(key.problem.loss)
    mistake = printer.mistake_line(verdict.diagnosis) if verdict.diagnosis else ""
    for name, result in zip(names, verdict.entries):
        feedback = "right" if result.correct else "\n".join(
            printer.entry_feedback(verdict, result) + ([mistake] if mistake else []))
        data["partial_scores"][name] = {"score": 1.0 if result.correct else 0.0, "weight": 1,
                                        "feedback": feedback}
    data["score"] = verdict.score
    summary = f"{verdict.correct} of {verdict.total} entries right"
    data["feedback"]["overall"] = summary + (f"; {mistake}" if mistake else "")
