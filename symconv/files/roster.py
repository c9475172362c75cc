"""A class roster: who the students are, and how a name given by a platform finds one of them.

A roster is a CSV file with a header row. Its id column is the one headed ``id`` or, when there
is none, ``email`` (headers are matched ignoring case and spaces); the other columns are kept.
Ids become folder names (``symconv exercise`` writes ``OUT/<id>/``), so they are letters, digits
and ``. _ - @ +`` (any script's letters and digits): student numbers or e-mail addresses.

Ids are compared as :func:`student_key` writes them: Unicode NFC, outer spaces trimmed, case
folded. ``ALICE@Example.edu`` (as Gradescope may give it) is then the roster's
``alice@example.edu``, and two roster rows that would be the same student are refused.
"""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
from dataclasses import dataclass, field

from ..core.errors import SymconvError
from .problem_file import read_text

ID_COLUMNS = ("id", "email")  # the first of these the header has is the id column
_SAFE_ID = re.compile(r"[^\W_][\w.@+-]{0,63}")  # \w: letters and digits of any script, and _
RESERVED = ("roster.csv", "summary.md")  # names symconv exercise writes beside the students' folders


def student_key(text: str) -> str:
    """``text`` as ids are compared: NFC, trimmed, case folded (then NFC again, as folding can
    decompose a character)."""
    folded = unicodedata.normalize("NFC", text.strip()).casefold()
    return unicodedata.normalize("NFC", folded)


@dataclass(frozen=True)
class Student:
    id: str  # as the roster writes it (trimmed, NFC): the name of the student's folder
    line: int  # in the roster file
    columns: dict[str, str]  # the whole row, extra columns included

    @property
    def key(self) -> str:
        return student_key(self.id)


@dataclass(frozen=True)
class Roster:
    source: str
    text: str  # the file as given
    header: tuple[str, ...]
    id_column: str  # as the header writes it
    students: tuple[Student, ...]
    by_key: dict[str, Student] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_key", {student.key: student for student in self.students})

    def find(self, name: str) -> Student | None:
        """The student whose id is ``name`` (compared as :func:`student_key` writes both)."""
        return self.by_key.get(student_key(name))

    @property
    def other_columns(self) -> tuple[str, ...]:
        return tuple(column for column in self.header if column != self.id_column)


def read_roster(path: str | os.PathLike) -> Roster:
    return parse_roster(read_text(path, what="roster"), str(path))


def parse_roster(text: str, source: str = "roster.csv") -> Roster:
    """Check a roster's text: a header with an id column, one safe, unique id per row."""
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [cell.strip() for cell in next(rows, [])]
        lowered = [cell.casefold() for cell in header]
        found = next((name for name in ID_COLUMNS if name in lowered), None)
        if found is None:
            raise SymconvError(f"the roster needs a header row with an id (or email) column, e.g."
                               f" id,name; got {','.join(header)!r}", where=f"{source}:1")
        column = lowered.index(found)
        students: list[Student] = []
        seen: dict[str, int] = {}
        for row in rows:
            line = rows.line_num
            if not any(cell.strip() for cell in row):
                continue
            student_id = unicodedata.normalize("NFC", row[column].strip()) if column < len(row) else ""
            where = f"{source}:{line}"
            if not _SAFE_ID.fullmatch(student_id) or student_id.casefold() in RESERVED:
                raise SymconvError(f"id {student_id!r} cannot name a folder; use letters, digits and"
                                   f" . _ - @ + (at most 64, starting with a letter or digit), e.g."
                                   f" s1234", where=where)
            key = student_key(student_id)
            if key in seen:
                raise SymconvError(f"id {student_id!r} is also on line {seen[key]} (ids are compared"
                                   f" ignoring case); each student needs their own id", where=where)
            seen[key] = line
            padded = row + [""] * (len(header) - len(row))
            students.append(Student(student_id, line, dict(zip(header, padded))))
    except csv.Error as error:
        raise SymconvError(f"not a CSV file: {error}", where=f"{source}:{rows.line_num}") from None
    if not students:
        raise SymconvError("the roster lists no students; add one row per student, e.g. s1234,Ada",
                           where=source)
    return Roster(source, text, tuple(header), header[column], tuple(students))
