"""One variant per student: problem file, question and (on request) worked solution.

``write_exercises(template, roster, out)`` writes::

    OUT/roster.csv                 the roster as given (``symconv grade --exercises OUT`` reads it)
    OUT/SUMMARY.md                 for the instructor: each variant's drawn values, who has which
    OUT/<id>/problem.toml          the student's problem (``symconv check`` passes it)
    OUT/<id>/question.md, .tex     what to compute, without the answer
    OUT/<id>/solution.md, .tex     the worked solution, only with ``show_expected``

OUT follows :class:`~symconv.files.output.OutputFolder` (made when missing, written into when symconv made
it, refused otherwise; ``--force`` replaces only what symconv wrote there). Students are drawn in
the roster's order by :func:`symconv.course.variants.draw_class` (the function the exports use too) and
each is written as drawn, into a staging folder inside OUT whose files are moved into place at
the end: a failed run leaves nothing half-written, and memory does not grow with the class (a
student who shares a variant gets copies of its first holder's files). The same template, roster
and seed give byte-identical files.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from ..files.output import OutputFolder
from ..files.roster import Roster, Student
from ..core.spec import format_path
from .variants import Template, Variant, draw_class

ROSTER_FILE = "roster.csv"
SUMMARY_FILE = "SUMMARY.md"
QUESTION_FILES = ("problem.toml", "question.md", "question.tex")
SOLUTION_FILES = ("solution.md", "solution.tex")


@dataclass(frozen=True)
class ClassSummary:
    """What a class draw gave: ``shared[n - 1]`` students have variant n."""

    students: int
    shared: tuple[int, ...]

    def line(self) -> str:
        """How many different variants, and how many students share each."""
        if len(self.shared) == self.students:
            return "every student has their own variant"
        groups: dict[int, int] = {}
        for holders in self.shared:
            groups[holders] = groups.get(holders, 0) + 1
        parts = [f"{variants} {'has' if variants == 1 else 'have'} {holders}"
                 f" {'student' if holders == 1 else 'students'}{'' if variants == 1 else ' each'}"
                 for holders, variants in sorted(groups.items(), reverse=True)]
        return (f"only {len(self.shared)} different variants for {self.students} students (the"
                f" template allows no more): {', '.join(parts)}")


def write_exercises(template: Template, roster: Roster, out: str | os.PathLike, *,
                    force: bool = False, show_expected: bool = False,
                    progress: Callable[[int, int], None] = lambda done, total: None) -> ClassSummary:
    """Draw and write every student's files into the folder ``out`` (see
    :class:`~symconv.files.output.OutputFolder`: made when missing, written into when symconv made it;
    with ``force`` what symconv wrote there before is replaced); the worked solutions too with
    ``show_expected``. ``progress(done, total)`` after each student."""
    names = QUESTION_FILES + (SOLUTION_FILES if show_expected else ())
    students = roster.students
    folder = OutputFolder.check(out, force=force, inputs=(template.source, roster.source),
                                names=[ROSTER_FILE, SUMMARY_FILE, *(f"{student.id}/{name}"
                                                                    for student in students
                                                                    for name in names)])
    summary = SummaryWriter(template, len(students))
    with folder.writer() as writer:
        writer.write_text(ROSTER_FILE, roster.text)
        for position, assignment in enumerate(draw_class(template, [s.key for s in students])):
            student = students[position]
            if assignment.variant is not None:
                files = student_files(template, assignment.variant, student, show_expected)
                for name in names:
                    writer.write_text(f"{student.id}/{name}", files[name])
            else:
                first = students[assignment.first].id
                for name in names[1:]:
                    writer.write_bytes(f"{student.id}/{name}", writer.read_bytes(f"{first}/{name}"))
                body = writer.read_bytes(f"{first}/problem.toml").decode("utf-8").split("\n", 2)[2]
                writer.write_text(f"{student.id}/problem.toml",
                                  problem_header(template, student) + body)
            summary.add(student, assignment.number, assignment.variant)
            progress(position + 1, len(students))
        with writer.open(SUMMARY_FILE) as stream:
            summary.write(stream)
    return summary.result()


# -- the files of one student -----------------------------------------------------------------------
def problem_header(template: Template, student: Student) -> str:
    name = Path(template.source).name
    return (f"# {student.id}'s variant of {name}; `symconv check problem.toml` checks it,\n"
            f"# `symconv solve problem.toml` writes its worked solution.\n")


def student_files(template: Template, variant: Variant, student: Student,
                  show_expected: bool = False) -> dict[str, str]:
    from ..solutions.solution import SECTION_NAMES, build_solution, build_statement, render_solution

    problem = variant.problem
    statement = build_statement(problem)
    latex_question = render_solution(statement, "latex")
    end = latex_question.rindex("\\end{document}")
    files = {
        "problem.toml": problem_header(template, student) + variant.toml,
        "question.md": render_solution(statement, "markdown").rstrip("\n") + "\n\n"
                       + question_text(template, variant, "markdown"),
        "question.tex": latex_question[:end] + question_text(template, variant, "latex")
                        + latex_question[end:],
    }
    if show_expected:
        solution = build_solution(problem, SECTION_NAMES, derivation=variant.derivation)
        files["solution.md"] = render_solution(solution, "markdown")
        files["solution.tex"] = render_solution(solution, "latex")
    return files


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


# -- the instructor's summary -----------------------------------------------------------------------
class SummaryWriter:
    """SUMMARY.md, gathered as students are drawn: each variant's drawn values and how many
    students share it, then who has which. The rows wait in temporary files, not in memory."""

    def __init__(self, template: Template, students: int):
        self.template, self.students = template, students
        self.variant_rows = tempfile.TemporaryFile("w+", encoding="utf-8")
        self.student_rows = tempfile.TemporaryFile("w+", encoding="utf-8")
        self.shared: list[int] = []
        self.told: set[str] = set()
        self.loss = ""

    def add(self, student: Student, number: int, variant: Variant | None) -> None:
        if variant is not None:
            self.shared.append(0)
            self.loss = variant.problem.loss
            mistakes = "; ".join(f"{w}: {', '.join(variant.mistakes(w)) or 'none'}"
                                 for w in self.template.wrt)
            self.told.update(m for w in self.template.wrt for m in variant.mistakes(w))
            values = "<br>".join(f"`{path} = {value}`" for path, value in
                                 drawn_values(self.template, variant.spec))
            self.variant_rows.write(f"| {number} | {cell(describe(variant))} | {cell(values)}"
                                    f" | {cell(mistakes)} |\n")
        self.shared[number - 1] += 1
        self.student_rows.write(f"| {cell(student.id)} | {number} |\n")

    def result(self) -> ClassSummary:
        return ClassSummary(self.students, tuple(self.shared))

    def write(self, out: TextIO) -> None:
        """The whole summary into ``out``; the rows gathered so far are then let go."""
        name = Path(self.template.source).name
        asked = ", ".join(f"∂{self.loss}/∂{w}" for w in self.template.wrt)
        out.write(f"# Exercise variants of {name}\n\nAsked: {asked} for {self.students}"
                  f" students; {self.result().line()}.\n\n")
        out.write("Every variant below tells every named mistake that applies to it apart from"
                  " the right answer and from each other (draws where one would not were drawn"
                  " again), so a diagnosis is never hidden: "
                  + (", ".join(sorted(self.told)) or "none") + ".\n\n")
        out.write("## Variants\n\n| variant | problem | drawn values | mistakes told apart |"
                  " students |\n| --- | --- | --- | --- | --- |\n")
        self.variant_rows.seek(0)
        for row, holders in zip(self.variant_rows, self.shared):
            out.write(f"{row.rstrip()} {holders} |\n")
        out.write("\n## Students\n\n| id | variant |\n| --- | --- |\n")
        self.student_rows.seek(0)
        shutil.copyfileobj(self.student_rows, out)
        self.variant_rows.close()
        self.student_rows.close()


def cell(text: str) -> str:
    """Text for a Markdown table cell (a | would end it)."""
    return text.replace("|", "\\|").replace("\n", " ")


def drawn_values(template: Template, spec: dict) -> list[tuple[str, str]]:
    """What ``[variants]`` drew, key by key: ``("layers[0].weight.values", "[[1, 2], [3, 4]]")``."""
    found: list[tuple[str, str]] = []

    def walk(rules: dict, table: dict, path: tuple) -> None:
        for key, rule in rules.items():
            if key == "layers":
                for i, layer_rules in enumerate(rule):
                    walk(layer_rules, table["layers"][i], path + ("layers", i))
            elif isinstance(rule, dict) and "integers" not in rule:
                walk(rule, table.get(key, {}), path + (key,))
            else:
                found.append((format_path(path + (key,)), json.dumps(table.get(key),
                                                                     ensure_ascii=False)))

    walk(template.variants, spec, ())
    return found


def describe(variant: Variant) -> str:
    """``A 5×5, conv (stride 1, padding 0)``: the sizes and settings that vary."""
    problem = variant.problem
    parts = [f"{problem.input.name} {'×'.join(map(str, problem.input.shape))}"]
    for layer in problem.layers:
        parts.append(f"{layer.kind} ({layer.sizes_text()})")
    if not problem.upstream.derivative_of:
        parts.append(f"upstream {problem.upstream.name}")
    return ", ".join(parts)
