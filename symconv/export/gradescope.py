"""Gradescope: an autograder.zip that checks a student's answer file with symconv.

Gradescope's autograder specification (gradescope/autograder_samples, docs/specs.md): the zip
holds ``setup.sh`` (run once, when the image is built) and ``run_autograder`` (run per
submission) at its root; the zip's contents land in ``/autograder/source``, the student's files
in ``/autograder/submission``, and ``run_autograder`` must write
``/autograder/results/results.json``: ``score``, ``output``, ``tests`` (each with ``name``,
``score``, ``max_score``, ``output`` and ``visibility``: ``hidden``, ``after_due_date``,
``after_published`` or ``visible``). ``AUTOGRADER_ROOT`` replaces ``/autograder`` (to run it
elsewhere, e.g. in tests).

The image's Python is 3.10 on Ubuntu 22.04 (Gradescope's default, docs/base_images.md) and newer
elsewhere; newer Debian and Ubuntu refuse ``pip install`` into the system Python (PEP 668), so
``setup.sh`` makes a virtual environment with the versions of :data:`REQUIREMENTS`, tested on
Python 3.10 and 3.13.

For a template, the class is drawn when the zip is made (:func:`symconv.course.variants.draw_class`,
as ``symconv exercise`` draws it, from the same roster): the zip holds each different variant's
problem file and, for each roster id, its variant. A submission is matched to a student by the
e-mail address Gradescope gives in ``/autograder/submission_metadata.json`` (``users[].email``,
docs/submission_metadata.md), compared as :func:`symconv.files.roster.student_key` writes ids; an
address not on the roster is told so, with score 0, and never graded against another variant.
"""

from __future__ import annotations

import io
import json
import os
import stat
import sys
import tempfile
import traceback
import zipfile
from pathlib import Path

from ..answers.feedback import feedback_printer, render_verdict
from ..answers.read import MAX_ANSWER_BYTES
from ..answers.verify import AnswerKey, Verdict
from ..core.errors import SymconvError
from ..files.output import OutputTarget, display_path
from ..core.poly import Symbol
from ..problems.problem import Problem
from ..files.problem_file import (decode_text, is_template, load_problem, parse_problem, parse_toml,
                            problem_from_table, read_text)
from ..files.roster import Roster, student_key
from ..course.variants import Template, draw_class, template_from_table
from . import package_files

# numpy and sympy releases known to work with symconv on each Python (tests install exactly these)
REQUIREMENTS = """\
# Written by `symconv export gradescope`: symconv's dependencies, at versions tested with it.
numpy==2.2.6; python_version < "3.11"
numpy==2.4.6; python_version >= "3.11"
sympy==1.14.0
mpmath==1.3.0
tomli==2.5.0; python_version < "3.11"
"""
SETUP_SH = """\
#!/usr/bin/env bash
# Written by `symconv export gradescope`: a virtual environment beside this script with the
# versions in requirements.txt (never pip into the image's own Python: newer images refuse it).
# PYTHON names the Python to use (default python3, 3.10 or newer: Ubuntu 22.04 and later).
set -euo pipefail
SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y python3 python3-venv
fi
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10) and "symconv needs Python 3.10 or newer: choose the Ubuntu 22.04 base image or newer under Configure Autograder")'
"$PYTHON" -m venv "$SOURCE/venv"
"$SOURCE/venv/bin/python" -m pip install --disable-pip-version-check -r "$SOURCE/requirements.txt"
cd "$SOURCE" && "$SOURCE/venv/bin/python" -I -c 'import sys; sys.path.insert(0, "."); import symconv.export.gradescope'
"""
RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Written by `symconv export gradescope`: checks the answer in submission/ with symconv (in the
# virtual environment setup.sh made) and writes results/results.json, whatever happens.
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
# -I: no user site, no PYTHON* variables, not even the working folder on the path
"$SOURCE/venv/bin/python" -I -c 'import sys; sys.path.insert(0, sys.argv[1])
from symconv.export.gradescope import run
run(sys.argv[2])' "$SOURCE" "$ROOT" && exit 0
if [ ! -s "$ROOT/results/results.json" ]; then
    mkdir -p "$ROOT/results"
    printf '%s\\n' '{"score": 0.0, "output": "The autograder could not start (did setup.sh fail?); your answer was not graded. Please tell your instructor.", "output_format": "text", "visibility": "visible", "tests": []}' > "$ROOT/results/results.json"
fi
"""
CONFIG = "symconv.json"
CLASS = "class.json"
PROBLEM = "problem.toml"


def export_gradescope(path: str | os.PathLike, wrt: str, out: str | os.PathLike, *,
                      roster: Roster | None = None, force: bool = False,
                      show_expected: bool = False) -> Path:
    """Write autograder.zip for a problem file (every student the same) or an exercise template
    with the class ``roster`` (ids: the students' Gradescope e-mail addresses); a template is
    told from a problem by its parsed tables."""
    target = OutputTarget.check(out, force=force, option="--out")
    source = str(path)
    text = read_text(path, what="problem file or exercise template")
    table = parse_toml(text, source)
    files: dict[str, bytes] = {}
    if is_template(table):
        template = template_from_table(table, text, source)
        if wrt not in template.wrt:
            raise SymconvError(f"--wrt {wrt} is not asked by the template; its [exercise] wrt is"
                               f" {list(template.wrt)}", where=source)
        if roster is None:
            raise SymconvError("a template's autograder needs the class: add --roster roster.csv,"
                               " whose ids are the students' Gradescope e-mail addresses (the"
                               " roster you gave symconv exercise)")
        kind = "template"
        files[CLASS] = class_json(template, roster).encode("utf-8")
    else:
        if roster is not None:
            raise SymconvError("--roster is for a template (one variant per student); a problem file"
                               " gives every student the same problem: leave --roster out")
        AnswerKey(problem_from_table(table, text, source), wrt)  # refuse one that cannot be checked
        kind = "problem"
        files[PROBLEM] = text.encode("utf-8")
    files.update({"setup.sh": SETUP_SH.encode(), "run_autograder": RUN_AUTOGRADER.encode(),
                  "requirements.txt": REQUIREMENTS.encode(),
                  CONFIG: json.dumps({"wrt": wrt, "kind": kind,
                                      "show_expected": show_expected}).encode()})
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


def class_json(template: Template, roster: Roster) -> str:
    """Each different variant's problem file, and each student's variant (by id as compared)."""
    students = roster.students
    variants: list[str] = []
    assigned: dict[str, int] = {}
    for assignment in draw_class(template, [student.key for student in students]):
        if assignment.variant is not None:
            variants.append(assignment.variant.toml)
        assigned[assignment.key] = assignment.number
    return json.dumps({"variants": variants, "students": assigned}, ensure_ascii=False)


# -- what runs in Gradescope ------------------------------------------------------------------------
def run(root: str) -> None:
    """Grade ``root``/submission and write ``root``/results/results.json, whatever happens
    (details of an internal error go to standard output, which only instructors see)."""
    try:
        results = grade_submission(root)
    except Exception as error:  # noqa: BLE001 - Gradescope needs a results.json even then
        traceback.print_exc(file=sys.stdout)
        results = message(f"The autograder failed ({type(error).__name__}); your answer was not"
                          f" graded. Please tell your instructor.")
    write_results(root, results)


def message(text: str) -> dict:
    """A results.json with score 0 and one message, no tests."""
    return {"score": 0.0, "output": text, "output_format": "text", "visibility": "visible",
            "tests": []}


def grade_submission(root: str) -> dict:
    source = os.path.join(root, "source")
    with open(os.path.join(source, CONFIG), encoding="utf-8") as stream:
        config = json.load(stream)
    try:
        problem = students_problem(root, config["kind"])
        key = AnswerKey(problem, config["wrt"]) if problem is not None else None
    except SymconvError as error:
        traceback.print_exc(file=sys.stdout)
        return message(f"The autograder cannot load its problem ({error}); your answer was not"
                       f" graded. Please tell your instructor.")
    if key is None:
        shown = ", ".join(submitters(root)) or "(none given)"
        return message(f"Your Gradescope e-mail address {shown} is not on this assignment's roster,"
                       f" so there is no problem of yours to grade this answer against; it was not"
                       f" graded (score 0). Ask your instructor to add you to the roster.")
    try:
        name, text = submitted_answer(os.path.join(root, "submission"))
        verdict = key.check(text, name)
    except SymconvError as error:
        return message(f"Your answer could not be read: {error}")
    return results_json(verdict, config.get("show_expected", False))


def students_problem(root: str, kind: str) -> Problem | None:
    """The problem this submission is graded against: the assignment's, or for a template the
    variant of the first submitter on the roster (None when none is)."""
    source = os.path.join(root, "source")
    if kind != "template":
        return load_problem(os.path.join(source, PROBLEM))
    with open(os.path.join(source, CLASS), encoding="utf-8") as stream:
        drawn = json.load(stream)
    numbers = [drawn["students"].get(student_key(email)) for email in submitters(root)]
    number = next((n for n in numbers if n is not None), None)
    if number is None:
        return None
    return parse_problem(drawn["variants"][number - 1], "your problem")


def submitters(root: str) -> list[str]:
    """The e-mail addresses of the submission's users (submission_metadata.json)."""
    try:
        with open(os.path.join(root, "submission_metadata.json"), encoding="utf-8") as stream:
            users = json.load(stream).get("users") or []
    except (OSError, ValueError, AttributeError):
        return []
    return [user["email"] for user in users
            if isinstance(user, dict) and isinstance(user.get("email"), str)]


KINDS = {stat.S_IFLNK: "a symbolic link", stat.S_IFIFO: "a named pipe (FIFO)",
         stat.S_IFCHR: "a device", stat.S_IFBLK: "a device", stat.S_IFSOCK: "a socket"}


def submitted_answer(folder: str) -> tuple[str, str]:
    """The one regular file at the top of the submission (hidden files ignored): its shown name
    and text. Anything else there (a symbolic link, a FIFO, a device) is refused by name,
    without being opened; folders are not read."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as error:
        raise SymconvError(f"the submission cannot be read: {error.strerror}") from None
    regular, refused, folders = [], [], []
    for entry in entries:
        if entry.name.startswith("."):
            continue
        mode = entry.stat(follow_symlinks=False).st_mode
        shown = display_path(entry.name)
        if stat.S_ISREG(mode):
            regular.append(entry.name)
        elif stat.S_ISDIR(mode):
            folders.append(shown + "/")
        else:
            refused.append(f"{shown} is {KINDS.get(stat.S_IFMT(mode), 'not a regular file')}")
    if refused:
        raise SymconvError("; ".join(refused) + "; submit your answer as an ordinary file (a grid,"
                                                " JSON, LaTeX or Markdown)")
    if len(regular) != 1:
        found = ", ".join(map(display_path, regular)) or "no file"
        unread = f" (folders are not read: {', '.join(folders)})" if folders else ""
        raise SymconvError(f"submit exactly one answer file (a grid, JSON, LaTeX or Markdown);"
                           f" found {found}{unread}")
    name = regular[0]
    shown = display_path(name)
    try:  # O_NOFOLLOW: a file swapped for a link since the listing is not followed either
        descriptor = os.open(os.path.join(folder, name),
                             os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError as error:
        raise SymconvError(f"cannot read {shown}: {error.strerror}") from None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise SymconvError(f"{shown} is not a regular file")
        data = os.read(descriptor, MAX_ANSWER_BYTES + 1)
    finally:
        os.close(descriptor)
    return shown, decode_text(data, shown, limit=MAX_ANSWER_BYTES)


def results_json(verdict: Verdict, show_expected: bool = False) -> dict:
    """One visible test per entry (score 0 or 1, what was given and the likely mistake), the
    score and the mistake on top. The expected values (the full feedback) are one more test,
    hidden from students, or shown once the grades are published with ``show_expected``."""
    key = verdict.key
    printer = feedback_printer(key.problem.loss, show_expected=False)
    lines = [f"{verdict.correct} of {verdict.total} entries right"]
    mistake = printer.mistake_line(verdict.diagnosis) if verdict.diagnosis else ""
    lines += [mistake] if mistake else []
    if verdict.readings:
        lines.append(printer.readings_note(verdict))
    tests = []
    for result in verdict.entries:
        name = printer.name_only(Symbol(key.gradient.wrt, result.flat))
        output = "right" if result.correct else "\n".join(
            printer.entry_feedback(verdict, result) + ([mistake] if mistake else []))
        tests.append({"name": f"∂{key.problem.loss}/∂{name} (row {result.cell.row}, entry"
                              f" {result.cell.col})",
                      "score": 1.0 if result.correct else 0.0, "max_score": 1.0,
                      "output": output, "visibility": "visible"})
    if not verdict.ok:
        tests.append({"name": "Expected values" if show_expected else
                      "Expected values (instructors only)",
                      "output": render_verdict(verdict, show_expected=True),
                      "visibility": "after_published" if show_expected else "hidden"})
    return {"score": float(verdict.correct), "output": "\n".join(lines), "output_format": "text",
            "test_output_format": "text", "test_name_format": "text", "visibility": "visible",
            "tests": tests}


def write_results(root: str, results: dict) -> None:
    """results/results.json, written whole or not at all (a temporary file renamed over it), as
    valid UTF-8 JSON whatever the strings hold (unpaired surrogates escaped)."""
    text = json.dumps(results, indent=1, ensure_ascii=False)
    data = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace").encode("utf-8")
    folder = os.path.join(root, "results")
    os.makedirs(folder, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".results-", suffix=".json")
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, os.path.join(folder, "results.json"))
    except BaseException:
        os.unlink(temporary)
        raise
