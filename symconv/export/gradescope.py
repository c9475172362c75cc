"""Gradescope: an autograder.zip that checks a student's answer file with symconv.

Gradescope's autograder specification (gradescope-autograders.readthedocs.io, "Autograder
Specifications"): the zip holds ``setup.sh`` (run once to install dependencies) and
``run_autograder`` (run per submission) at its root; the zip's contents land in
``/autograder/source``, the student's files in ``/autograder/submission``, and
``run_autograder`` must write ``/autograder/results/results.json``: a top-level ``score`` (required
unless every test has one), ``output`` (text shown for the whole submission), ``visibility``, and
``tests``, each with ``name``, ``score``, ``max_score`` and ``output``. ``AUTOGRADER_ROOT``
replaces ``/autograder`` (to run it elsewhere, e.g. in tests).

For a template, each student's variant is drawn for the e-mail address Gradescope gives in
``/autograder/submission_metadata.json`` (``users[0].email``, "Submission Metadata" in the same
documentation): write the questions with ``symconv exercise`` and a roster whose ids are those
addresses.
"""

from __future__ import annotations

import json
import io
import os
import zipfile
from pathlib import Path

from ..answers.verify import AnswerKey, Verdict
from ..errors import SymconvError
from ..output import OutputTarget
from ..poly import Symbol
from ..problem_file import is_template, load_problem, parse_toml, problem_from_table, read_text
from ..answers.feedback import VerdictPrinter
from ..variants import draw_variant, parse_template, template_from_table
from . import package_files

SETUP_SH = """#!/usr/bin/env bash
# Written by `symconv export gradescope`: symconv's code is in this zip; it needs numpy and sympy.
set -e
apt-get install -y python3 python3-pip
python3 -m pip install numpy sympy
"""
RUN_AUTOGRADER = """#!/usr/bin/env python3
# Written by `symconv export gradescope`: checks the answer in submission/ with symconv and
# writes results/results.json (Gradescope's autograder specification).
import io
import os
import sys

ROOT = os.environ.get("AUTOGRADER_ROOT", "/autograder")
sys.path.insert(0, os.path.join(ROOT, "source"))

from symconv.export.gradescope import run  # noqa: E402

run(ROOT)
"""
CONFIG = "symconv.json"


def export_gradescope(path: str | os.PathLike, wrt: str, out: str | os.PathLike, *,
                      force: bool = False) -> Path:
    """Write autograder.zip for a problem file (every student the same) or an exercise template."""
    target = OutputTarget.check(out, force=force, option="--out")
    source = str(path)
    text = read_text(path, what="problem file or exercise template")
    table = parse_toml(text, source)
    if is_template(table):
        template = template_from_table(table, text, source)
        if wrt not in template.wrt:
            raise SymconvError(f"--wrt {wrt} is not asked by the template; its [exercise] wrt is"
                               f" {list(template.wrt)}", where=source)
        draw_variant(template, "gradescope:check")  # a template that cannot draw is refused now
        kind, name = "template", "template.toml"
    else:
        AnswerKey(problem_from_table(table, text, source), wrt)  # refuse one that cannot be checked
        kind, name = "problem", "problem.toml"
    files = {"setup.sh": SETUP_SH.encode(), "run_autograder": RUN_AUTOGRADER.encode(),
             name: text.encode("utf-8"),
             CONFIG: json.dumps({"wrt": wrt, "kind": kind, "file": name}).encode()}
    files.update({f"symconv/{relative}": data for relative, data in package_files().items()})
    archive_bytes = io.BytesIO()
    with zipfile.ZipFile(archive_bytes, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in sorted(files.items()):
            info = zipfile.ZipInfo(member, date_time=(2020, 1, 1, 0, 0, 0))
            executable = member in ("setup.sh", "run_autograder")
            info.external_attr = (0o755 if executable else 0o644) << 16
            archive.writestr(info, data, zipfile.ZIP_DEFLATED)
    target.write_bytes(archive_bytes.getvalue())
    return Path(target.name)


# -- what runs in Gradescope ------------------------------------------------------------------------
def run(root: str) -> None:
    """Grade ``root``/submission and write ``root``/results/results.json, whatever happens."""
    try:
        results = grade_submission(root)
    except SymconvError as error:
        results = {"score": 0.0, "output": f"Your answer could not be read: {error}",
                   "visibility": "visible", "tests": []}
    except Exception as error:  # noqa: BLE001 - Gradescope needs a results.json even then
        results = {"score": 0.0, "output": f"The autograder failed ({type(error).__name__}: {error});"
                                           " please tell your instructor.",
                   "visibility": "visible", "tests": []}
    os.makedirs(os.path.join(root, "results"), exist_ok=True)
    with open(os.path.join(root, "results", "results.json"), "w", encoding="utf-8") as stream:
        json.dump(results, stream, indent=1, ensure_ascii=False)


def grade_submission(root: str) -> dict:
    source = os.path.join(root, "source")
    with open(os.path.join(source, CONFIG), encoding="utf-8") as stream:
        config = json.load(stream)
    wrt = config["wrt"]
    if config["kind"] == "template":
        with open(os.path.join(source, config["file"]), encoding="utf-8") as stream:
            template = parse_template(stream.read(), config["file"])
        with open(os.path.join(root, "submission_metadata.json"), encoding="utf-8") as stream:
            email = json.load(stream)["users"][0]["email"]
        key = draw_variant(template, email).answer_keys[wrt]
    else:
        key = AnswerKey(load_problem(os.path.join(source, config["file"])), wrt)
    answer = answer_file(os.path.join(root, "submission"))
    return results_json(key.check_file(answer), key)


def answer_file(folder: str) -> str:
    """The one answer file submitted (hidden files and folders ignored)."""
    names = sorted(n for n in os.listdir(folder) if not n.startswith(".")
                   and os.path.isfile(os.path.join(folder, n))) if os.path.isdir(folder) else []
    if len(names) != 1:
        found = ", ".join(names) or "no file"
        raise SymconvError(f"submit exactly one answer file (a grid, JSON, LaTeX or Markdown);"
                           f" found {found}")
    return os.path.join(folder, names[0])


def results_json(verdict: Verdict, key: AnswerKey) -> dict:
    """One test per entry (score 0 or 1, the chain-rule feedback), the diagnosis on top."""
    printer = VerdictPrinter(key.problem.loss)
    lines = [f"{verdict.correct} of {verdict.total} entries right"]
    if verdict.diagnosis:
        lines.append(printer.mistake_line(verdict.diagnosis))
    if verdict.readings:
        lines.append(printer.readings_note(verdict))
    tests = []
    for result in verdict.entries:
        name = printer.name_only(Symbol(key.gradient.wrt, result.flat))
        tests.append({"name": f"∂{key.problem.loss}/∂{name} (row {result.cell.row}, entry {result.cell.col})",
                      "score": 1.0 if result.correct else 0.0, "max_score": 1.0,
                      "output": "right" if result.correct else "\n".join(printer.entry_feedback(verdict, result)),
                      "visibility": "visible"})
    return {"score": float(verdict.correct), "output": "\n".join(lines), "visibility": "visible",
            "tests": tests}
