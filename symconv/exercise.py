"""One variant of an exercise per student: problem file, question and worked solution.

``write_exercises(template, roster, out)`` writes::

    OUT/roster.csv                 the roster as given (``symconv grade --exercises OUT`` reads it)
    OUT/SUMMARY.md                 for the instructor: every student's variant and what it tells apart
    OUT/<id>/problem.toml          the student's problem (``symconv check`` passes it)
    OUT/<id>/question.md, .tex     what to compute, without the answer
    OUT/<id>/solution.md, .tex     the worked solution

OUT follows :class:`~symconv.output.OutputFolder` (made when missing, written into when symconv made
it, refused otherwise; ``--force`` replaces only what symconv wrote there). Everything is written to
a staging folder inside OUT and moved into place at the end, so a failed run leaves nothing
half-written. The same template, roster and seed give byte-identical files.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import SymconvError
from .output import OutputFolder
from .problem_file import read_text
from .variants import Template, Variant, draw_variant

ROSTER_FILE = "roster.csv"
SUMMARY_FILE = "SUMMARY.md"
STUDENT_FILES = ("problem.toml", "question.md", "question.tex", "solution.md", "solution.tex")
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}")  # e-mail addresses too (Gradescope's ids)


@dataclass(frozen=True)
class Student:
    id: str
    line: int  # in the roster file
    columns: dict[str, str]  # the whole row, extra columns included


@dataclass(frozen=True)
class Roster:
    source: str
    text: str
    students: tuple[Student, ...]


def read_roster(path: str | os.PathLike) -> Roster:
    """A CSV with a header row holding an ``id`` column; ids must be safe folder names."""
    source = str(path)
    text = read_text(path, what="roster")
    rows = csv.reader(io.StringIO(text, newline=""))
    header = next(rows, None)
    if header is None or "id" not in [h.strip() for h in header]:
        raise SymconvError(f"the roster needs a header row with an id column, e.g. id,name;"
                           f" got {','.join(header or [])!r}", where=f"{source}:1")
    header = [h.strip() for h in header]
    column = header.index("id")
    students: list[Student] = []
    seen: dict[str, int] = {}
    for row in rows:
        line = rows.line_num
        if not any(cell.strip() for cell in row):
            continue
        student_id = row[column].strip() if column < len(row) else ""
        where = f"{source}:{line}"
        if not _SAFE_ID.fullmatch(student_id) or student_id.lower() in (ROSTER_FILE, SUMMARY_FILE.lower()):
            raise SymconvError(f"id {student_id!r} cannot name a folder; use letters, digits and . _ - @ +"
                               f" (at most 64, starting with a letter or digit), e.g. s1234",
                               where=where)
        if student_id in seen:
            raise SymconvError(f"id {student_id!r} is also on line {seen[student_id]}; each student"
                               f" needs their own id", where=where)
        seen[student_id] = line
        students.append(Student(student_id, line, dict(zip(header, row))))
    if not students:
        raise SymconvError("the roster lists no students; add one row per student, e.g. s1234,Ada",
                           where=source)
    return Roster(source, text, tuple(students))


@dataclass(frozen=True)
class Exercise:
    student: Student
    variant: Variant


def draw_exercises(template: Template, roster: Roster) -> list[Exercise]:
    """Every student's variant; students get different variants wherever the template allows."""
    given: set[str] = set()
    exercises = []
    for student in roster.students:
        variant = draw_variant(template, student.id, avoid=given)
        given.add(variant.identity)
        exercises.append(Exercise(student, variant))
    return exercises


def write_exercises(template: Template, roster: Roster, out: str | os.PathLike, *,
                    force: bool = False) -> list[Exercise]:
    """Draw and write every student's files into the folder ``out`` (see
    :class:`~symconv.output.OutputFolder`: made when missing, written into when symconv made it;
    with ``force`` what symconv wrote there before is replaced)."""
    names = [ROSTER_FILE, SUMMARY_FILE, *(f"{student.id}/{name}" for student in roster.students
                                          for name in STUDENT_FILES)]
    folder = OutputFolder.check(out, force=force, inputs=(template.source, roster.source),
                                names=names)
    exercises = draw_exercises(template, roster)
    with folder.writer() as writer:
        writer.write_text(ROSTER_FILE, roster.text)
        for exercise in exercises:
            for name, text in student_files(template, exercise.variant).items():
                writer.write_text(f"{exercise.student.id}/{name}", text)
        writer.write_text(SUMMARY_FILE, summary(template, exercises))
    return exercises


# -- the files of one student -----------------------------------------------------------------------
def student_files(template: Template, variant: Variant) -> dict[str, str]:
    from .solution import SECTION_NAMES, build_solution, build_statement, render_solution

    problem = variant.problem
    statement = build_statement(problem)
    solution = build_solution(problem, SECTION_NAMES, derivation=variant.derivation)
    name = Path(template.source).name
    header = (f"# {variant.key}'s variant of {name}; `symconv check problem.toml` checks it,\n"
              f"# `symconv solve problem.toml` writes its worked solution.\n")
    latex_question = render_solution(statement, "latex")
    end = latex_question.rindex("\\end{document}")
    return {
        "problem.toml": header + variant.toml,
        "question.md": render_solution(statement, "markdown").rstrip("\n") + "\n\n"
                       + question_text(template, variant, "markdown"),
        "question.tex": latex_question[:end] + question_text(template, variant, "latex")
                        + latex_question[end:],
        "solution.md": render_solution(solution, "markdown"),
        "solution.tex": render_solution(solution, "latex"),
    }


def derivative_latex(loss: str, name: str) -> str:
    return rf"\frac{{\partial {loss}}}{{\partial {name}}}"


def question_text(template: Template, variant: Variant, output_format: str) -> str:
    """What to compute and how to write it: ``Compute $\\frac{\\partial E}{\\partial A}$ …``."""
    problem = variant.problem
    asks = []
    for name in template.wrt:
        tensor = problem.tensor(name)
        size = "×".join(map(str, tensor.shape))
        asks.append(f"${derivative_latex(problem.loss, name)}$ ({size}, one entry per entry of {name})")
    which = "it" if len(asks) == 1 else "each"
    words = (f"Compute {' and '.join(asks)} by the chain rule. Write {which} as a grid: one row per"
             f" line, entries separated by spaces, commas or tabs (e.g. 3, -1, 4), in the names of the"
             " problem above; a LaTeX bmatrix or a Markdown table is fine too.")
    if output_format == "latex":
        return "\\section*{Question}\n" + words.replace("×", r"$\times$") + "\n\n"
    return "## Question\n\n" + words + "\n"


def summary(template: Template, exercises: list[Exercise]) -> str:
    """The instructor's overview: each student's variant, the draws refused, the mistakes told apart."""
    name = Path(template.source).name
    lines = [f"# Exercise variants of {name}", "",
             f"Asked: {', '.join(f'∂{exercises[0].variant.problem.loss}/∂{w}' for w in template.wrt)}"
             f" for {len(exercises)} students.", ""]
    told = sorted({key for e in exercises for w in template.wrt for key in e.variant.mistakes(w)})
    lines += ["Every variant below tells every named mistake that applies to it apart from the right"
              " answer and from each other (variants where one would not were drawn again), so a"
              " diagnosis is never hidden: " + (", ".join(told) or "none") + ".", ""]
    lines += ["| id | variant | draws refused | mistakes told apart |", "| --- | --- | --- | --- |"]
    counts: dict[str, int] = {}
    for exercise in exercises:
        counts[exercise.variant.identity] = counts.get(exercise.variant.identity, 0) + 1
    for exercise in exercises:
        variant = exercise.variant
        mistakes = "; ".join(f"{w}: {', '.join(variant.mistakes(w))}" for w in template.wrt)
        lines.append(f"| {exercise.student.id} | {describe(variant)} | {variant.attempt} | {mistakes} |")
    shared = sum(count for count in counts.values() if count > 1)
    lines += ["", f"{len(counts)} different variants for {len(exercises)} students"
              + (f"; {shared} students share a variant with another (the template allows no more)."
                 if shared else ".")]
    return "\n".join(lines) + "\n"


def describe(variant: Variant) -> str:
    """``A 5×5, B 3×3 (stride 1, padding 0)``: the sizes and settings that vary."""
    problem = variant.problem
    parts = [f"{problem.input.name} {'×'.join(map(str, problem.input.shape))}"]
    for layer in problem.layers:
        parts.append(f"{layer.kind} ({layer.sizes_text()})")
    if not problem.upstream.derivative_of:
        parts.append(f"upstream {problem.upstream.name}")
    return ", ".join(parts)
