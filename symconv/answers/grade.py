"""Grading a batch of submissions, each under a CPU-time and a memory bound.

Submissions are untrusted files. They are checked by a few long-lived worker processes (forked
after the answer keys are built, so they share them) that limit their own address space and CPU
time, may not write files, ignore Ctrl-C (the parent handles it) and die with the parent. The
parent hands out one submission at a time; a submission that exceeds a bound (CPU time, memory, or
a generous wall-clock backstop for a machine that is very busy) is reported *not graded, retry*,
never wrong or invalid, and the summary says how many. A file that cannot be read or is hostile
becomes an invalid row with its error; the batch goes on.

Files: only regular files are read (up to the answer size cap); folders are walked without
following links, a link inside a folder that leads out of it is skipped, hidden files (``.name``)
are skipped, and a folder that cannot be read gets a row saying why. File names that are not
UTF-8 are shown with backslash escapes. Output files (the CSV, the feedback files) are checked
before any grading and written by :mod:`symconv.files.output`.

With :class:`Exercises` (what ``symconv exercise`` writes: ``roster.csv`` and
``<id>/problem.toml`` per student), each submission is matched to a student by its file's stem or
its folder's name and checked against that student's own key, built when first needed.
"""

from __future__ import annotations

import csv
import ctypes
import io
import math
import multiprocessing
import os
import resource
import signal
import sys
import time
from typing import Any
from collections import Counter, deque
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection, wait
from multiprocessing.context import ForkContext
from types import FrameType
from typing import Callable, Iterator, NoReturn

from ..core.errors import SizeLimitError, SymconvError
from ..files.output import OutputFolder, OutputTarget, display_path
from ..core.poly import Symbol
from ..render.text import TextPrinter
from .feedback import render_verdict
from .verify import AnswerKey

DEFAULT_TIMEOUT = 2.0  # CPU seconds per submission
MAX_TIMEOUT = 3600.0
DEFAULT_MEMORY = 512 * 2**20  # bytes of address space a worker may add to what it starts with
KEY_MEMORY = 4 * 2**30  # bytes the answer keys may add to the grading process
KEY_CPU_SECONDS = 600
GRADED, INVALID, NOT_GRADED = "graded", "invalid", "not graded"
NO_STUDENT = "no such student"  # grading exercises: a file no roster id names (retrying cannot help)
AMBIGUOUS = "ambiguous"  # whose file, or which of a student's files, is not clear: never a grade
PICKS = (None, "newest", "best")
_SEPARATORS = "-_ ."  # between a student's id and the rest of an upload folder's name
MAX_CELL = 32_000  # characters in one CSV cell: spreadsheets cut at 32,767
CSV_COLUMNS = ("file", "status", "correct", "total", "score", "diagnosis", "first error",
               "wrong entries")
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


@dataclass(frozen=True)
class GradeRow:
    """One submission: ``status`` is graded, invalid (the file cannot be read as an answer) or
    not graded (a bound was hit, or no key: retry or fix, never a score)."""

    file: str  # as shown: bytes that are not UTF-8 escaped
    status: str
    correct: int = 0
    total: int = 0
    score: float = 0.0
    diagnosis: str = ""  # the mistake's key, e.g. kernel-not-rotated
    error: str = ""  # why invalid or not graded, or the first wrong entry
    wrong: tuple[str, ...] = ()  # display names of the wrong entries, e.g. A_33
    errors: tuple[str, ...] = ()  # every wrong entry: "A_33: given 35, expected 34"
    feedback: str = ""  # what `symconv verify` prints for it (when asked for)
    student: str = ""  # the roster id (grading exercises)
    roster: tuple[str, ...] = ()  # the roster's other columns for that student
    note: str = ""  # which of a student's submissions was picked (grading exercises)

    @property
    def valid(self) -> bool:
        return self.status == GRADED

    def csv_cells(self) -> list[str]:
        graded = self.valid
        return [_safe_cell(self.file), STATUS_CELLS.get(self.status, self.status),
                str(self.correct) if graded else "",
                str(self.total) if graded else "", f"{self.score:.4f}" if graded else "",
                self.diagnosis, _safe_cell(self.error),
                _safe_cell(_listed(self.errors, "every one is in the --feedback file"))]


STATUS_CELLS = {NOT_GRADED: "not graded (retry)", AMBIGUOUS: "not graded (ambiguous)"}


@dataclass(frozen=True)
class GradeSummary:
    count: int
    valid: int  # graded submissions
    mean_score: float | None  # over the graded submissions only; None when there are none
    common_wrong: list[tuple[str, int]]  # entry name, how many submissions got it wrong
    mistakes: list[tuple[str, int]]
    invalid: list[tuple[str, str]] = field(default_factory=list)  # file, why
    not_graded: list[tuple[str, str]] = field(default_factory=list)  # file, why (retry)
    no_student: list[tuple[str, str]] = field(default_factory=list)  # file, why (rename it)
    ambiguous: list[tuple[str, str]] = field(default_factory=list)  # file, why (never a grade)
    loss: str = "L"
    seed: int | None = None  # of the random points answers with roots were compared at


@dataclass(frozen=True)
class GradeReport:
    rows: list[GradeRow]
    summary: GradeSummary


def _safe_cell(text: str) -> str:
    """Cells a spreadsheet would run as a formula (=, +, -, @) are quoted with a leading ', and
    none is longer than :data:`MAX_CELL` (spreadsheets cut cells at 32,767 characters)."""
    text = "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
    return text if len(text) <= MAX_CELL else text[:MAX_CELL - 1] + "…"


def _listed(items: tuple[str, ...], more: str) -> str:
    """``a; b; c`` within :data:`MAX_CELL` characters: the first items, then ``… and N more``
    with where the whole list is (``more``)."""
    text = "; ".join(items)
    if len(text) <= MAX_CELL:
        return text
    kept: list[str] = []
    size = 0
    for item in items:
        tail = f"; … and {len(items) - len(kept) - 1:,} more ({more})"
        if size + len(item) + 2 + len(tail) > MAX_CELL:
            break
        kept.append(item)
        size += len(item) + 2
    return "; ".join([*kept, f"… and {len(items) - len(kept):,} more ({more})"])


def available_cores() -> int:
    """The cores this process may use: its CPU affinity, and a container's CPU quota
    (cgroup v2 ``cpu.max``), not the machine's count."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    try:
        with open("/sys/fs/cgroup/cpu.max") as handle:
            quota, period = handle.read().split()[:2]
        if quota != "max":
            cores = min(cores, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):
        pass
    return max(1, cores)


def check_timeout(timeout: float) -> float:
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) \
            or not math.isfinite(timeout) or not 0.1 <= timeout <= MAX_TIMEOUT:
        raise SymconvError(f"the timeout must be a number of seconds from 0.1 to {MAX_TIMEOUT:g},"
                           f" e.g. --timeout 2; got {timeout!r}")
    return float(timeout)


def wall_backstop(timeout: float) -> float:
    """Wall-clock seconds after which a submission is given up even if its CPU time is within
    the bound: only a machine far too busy gets there."""
    return 10 * timeout + 5


# -- the answer keys ------------------------------------------------------------------------------
@contextmanager
def key_budget(memory: int = KEY_MEMORY, cpu_seconds: int = KEY_CPU_SECONDS) -> Iterator[None]:
    """Bound this process while it builds answer keys (before any worker exists): at most
    ``memory`` more bytes of address space and ``cpu_seconds`` more of CPU time; over either is
    a one-line :class:`~symconv.core.errors.SizeLimitError`. The limits are lifted afterwards."""
    limits = {kind: resource.getrlimit(kind) for kind in (resource.RLIMIT_AS, resource.RLIMIT_CPU)}
    usage = resource.getrusage(resource.RUSAGE_SELF)
    previous = signal.getsignal(signal.SIGXCPU)

    def over_time(signum: int, frame: FrameType | None) -> NoReturn:
        raise SizeLimitError(f"building the answer key took more than {cpu_seconds} s of CPU;"
                             f" make the problem smaller")

    def soft(kind: int, wanted: int) -> None:
        current, hard = limits[kind]
        ceiling = min(x for x in (current, hard, wanted) if x != resource.RLIM_INFINITY) \
            if wanted != resource.RLIM_INFINITY else current
        resource.setrlimit(kind, (ceiling, hard))

    try:
        soft(resource.RLIMIT_AS, _address_space() + memory)
        soft(resource.RLIMIT_CPU, math.ceil(usage.ru_utime + usage.ru_stime) + cpu_seconds)
        signal.signal(signal.SIGXCPU, over_time)
    except (OSError, ValueError):  # not allowed here: build the keys without the bound
        pass
    try:
        yield
    except MemoryError:
        raise SizeLimitError(f"building the answer key needs more than {memory // 2**20:,} MB;"
                             f" make the problem smaller") from None
    finally:
        for kind, (current, hard) in limits.items():
            try:
                resource.setrlimit(kind, (current, hard))
            except (OSError, ValueError):
                pass
        signal.signal(signal.SIGXCPU, previous)


def _address_space() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[0]) * resource.getpagesize()


class Exercises:
    """One problem per student, as ``symconv exercise`` writes them: ``folder/roster.csv`` (read
    by :mod:`symconv.files.roster`; its other columns are kept for the CSV) and
    ``folder/<id>/problem.toml``. Keys are built when a student's submission first needs one."""

    def __init__(self, folder: str, wrt: str, *, make_key: Callable[[str], AnswerKey]):
        from ..files.roster import read_roster

        self.folder, self.wrt, self._make_key = folder, wrt, make_key
        self.roster = read_roster(os.path.join(folder, "roster.csv"))
        self.columns = self.roster.other_columns
        self.students: dict[str, tuple[str, ...]] = {
            student.id: tuple(student.columns[c] for c in self.columns)
            for student in self.roster.students}
        self._keys: dict[str, AnswerKey | SymconvError] = {}

    def claim(self, item: Found) -> Claim:
        """Whose submission a file is: the student its file's stem names, else the one its folder
        is named after; and, for a file named after one student, a folder of another's that it
        lies in (``bob-upload/s1.txt``: an upload folder names its student by their id and more)."""
        path = item.path
        stem = os.path.splitext(os.path.basename(path))[0]
        parent = os.path.basename(os.path.dirname(os.path.abspath(path)))
        found = self.roster.find(stem) or self.roster.find(parent)
        if found is None:
            example = self.roster.students[0].id
            return Claim(None, f"no student with the id {display_path(stem)!r} in the roster; name"
                               f" the file or its folder after a student's id (e.g. {example}.txt)")
        student = found.id
        below = os.path.relpath(os.path.dirname(path), item.root) if item.root else parent
        folders = [part for part in below.split(os.sep) if part not in ("", ".", "..")]
        for depth in range(len(folders), 0, -1):  # the nearest folder first
            owner = self.owner(folders[depth - 1])
            if owner is not None and owner != student:
                where = os.path.join(item.root or "", *folders[:depth])
                return Claim(student, "", owner, display_path(where))
        return Claim(student)

    def owner(self, folder: str) -> str | None:
        """The student a folder is named after (ids compared ignoring case): their id, or their
        id and more after a separator (``bob-upload``, ``bob_1234``); the longest id that fits."""
        for end in (len(folder), *range(len(folder) - 1, 0, -1)):
            if end == len(folder) or folder[end] in _SEPARATORS:
                found = self.roster.find(folder[:end])
                if found is not None:
                    return found.id
        return None

    def key(self, student: str) -> AnswerKey:
        if student not in self._keys:
            try:
                with key_budget():
                    self._keys[student] = self._make_key(
                        os.path.join(self.folder, student, "problem.toml"))
            except SymconvError as error:
                self._keys[student] = error
        found = self._keys[student]
        if isinstance(found, SymconvError):
            raise found
        return found


@dataclass(frozen=True)
class Claim:
    """Whose file it is (``student``, or None and ``why``), and the folder of another student
    (``owner``) it lies in, if any."""

    student: str | None
    why: str = ""
    owner: str | None = None
    folder: str = ""

    def shown(self, path: str) -> str:
        return display_path(path) + (f" (in {self.owner}'s folder {self.folder!r})" if self.owner else "")


@dataclass
class _Plan:
    """One row of the report: a file to grade, several (the candidates of ``--pick best``), or
    a row decided without grading (``row``)."""

    found: Found  # what the row is named after (its file, its feedback file's name)
    student: str = ""
    candidates: list[int] = field(default_factory=list)  # indices into the files found
    row: GradeRow | None = None
    note: str = ""


# -- which files ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Found:
    path: str
    skip: str | None  # why it is not checked (None: check it)
    root: str | None  # the folder it was found in (None: named itself)


def collect(paths: list[str], *, exclude: tuple[str, ...] = ()) -> list[Found]:
    """Submission files in the given order (folders walked, sorted), each with the reason it is
    skipped. Every given path must exist; a folder that cannot be read is a row saying so.
    ``exclude``: real paths (the CSV, the feedback folder) that are output, not submissions."""
    for given in paths:
        if not os.path.lexists(given):
            raise SymconvError(f"cannot read {display_path(given)!r}: no such file or folder")
    found: list[Found] = []

    def excluded(path: str) -> bool:
        real = os.path.realpath(path)
        return any(real == e or real.startswith(e.rstrip(os.sep) + os.sep) for e in exclude)

    for given in paths:
        if not os.path.isdir(given) or os.path.islink(given):
            found.append(Found(given, None, None))
            continue
        root = os.path.realpath(given)

        def unreadable(error: OSError, given: str = given) -> None:
            name = error.filename if error.filename is not None else given
            found.append(Found(name, f"cannot read the folder {display_path(name)!r}:"
                                     f" {error.strerror}; no file in it was graded", given))

        for folder, folders, names in os.walk(given, onerror=unreadable, followlinks=False):
            folders[:] = sorted(f for f in folders if not f.startswith(".")
                                and not excluded(os.path.join(folder, f)))
            for name in sorted(names):
                path = os.path.join(folder, name)
                if name.startswith(".") or excluded(path):
                    continue
                outside = os.path.commonpath([root, os.path.realpath(path)]) != root
                found.append(Found(path, f"a link that leads out of the folder"
                                         f" {display_path(given)!r}; skipped"
                                   if os.path.islink(path) and outside else None, given))
    return found


# -- one submission (in a worker) -------------------------------------------------------------------
def grade_one(key: AnswerKey, path: str, *, feedback: bool = False,
              show_expected: bool = False) -> GradeRow:
    shown = display_path(path)
    try:
        verdict = key.check_file(path)
    except SymconvError as error:
        return GradeRow(shown, INVALID, error=str(error),
                        feedback=f"symconv: error: {error}\n" if feedback else "")
    except MemoryError:
        return GradeRow(shown, NOT_GRADED, error="checking it needed more memory than the limit"
                                                 " allows; retry, or look at the file")
    except RecursionError:
        return GradeRow(shown, INVALID, error="the answer is nested too deeply to read")
    printer = TextPrinter(key.problem.loss)
    wrong = verdict.entries.wrong()
    errors = tuple(f"{printer.doprint(Symbol(key.gradient.wrt, e.flat))}: given"
                   f" {_short(e.cell.text, 40)}, expected {_short(printer.doprint(e.comparison.expected), 80)}"
                   for e in wrong)
    first = ""
    if wrong:
        entry = wrong[0]
        first = (f"row {entry.cell.row}, entry {entry.cell.col}: given {entry.cell.text[:40]!r},"
                 f" expected {_short(printer.doprint(entry.comparison.expected), 60)}")
    diagnosis = verdict.diagnosis.mistake.key if verdict.diagnosis else ""
    return GradeRow(shown, GRADED, verdict.correct, verdict.total, verdict.score, diagnosis, first,
                    tuple(printer.doprint(Symbol(key.gradient.wrt, e.flat)) for e in wrong), errors,
                    render_verdict(verdict, show_expected) + "\n" if feedback else "")


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _die_with_parent(parent: int) -> None:
    """Ask the kernel to kill this worker when the grading process dies (Linux), and never take
    Ctrl-C: the parent stops the workers itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _limit_resources(memory: int) -> None:
    """Bound this worker: address space (what it has now + ``memory``), no files written, no
    core dumps."""
    current = _address_space()
    resource.setrlimit(resource.RLIMIT_AS, (current + memory, current + memory))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _limit_cpu(seconds: float) -> None:
    """SIGPROF (which ends the worker: no handler is installed) once it has used ``seconds``
    more CPU time, counted from now on the kernel's own clock (0 disarms). A limit on the total
    (RLIMIT_CPU) drifts from what getrusage reports on a busy machine, by seconds after a few
    hundred submissions, and stopped right answers."""
    signal.setitimer(signal.ITIMER_PROF, seconds)


def _serve(connection: Connection, keys: list[AnswerKey], memory: int, timeout: float,
           parent: int) -> None:
    _die_with_parent(parent)
    _limit_resources(memory)
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        key_index, path, feedback, show_expected = job
        _limit_cpu(timeout)
        try:
            row = grade_one(keys[key_index], path, feedback=feedback, show_expected=show_expected)
        except Exception as error:  # a bug must cost one row, not the batch
            row = GradeRow(display_path(path), NOT_GRADED, error=f"internal error"
                           f" ({type(error).__name__}); please report it with this file")
        _limit_cpu(0)
        connection.send(row)


class _Worker:
    def __init__(self, context: ForkContext, keys: list[AnswerKey], memory: int,
                 timeout: float) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, keys, memory, timeout,
                                                            os.getpid()), daemon=True)
        self.process.start()
        child.close()

    def stop(self, *, kill: bool) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.connection.send(None)
            except OSError:
                self.process.kill()
        self.process.join(1)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.connection.close()

    def why_stopped(self, timeout: float) -> str:
        self.process.join(1)
        if self.process.exitcode == -signal.SIGPROF:
            return f"checking it used more than {timeout:g} s of CPU time; retry (e.g. --timeout 10)"
        return "the checker stopped on this file (over the memory limit?); retry, or look at the file"


def _run_bounded(jobs: list[tuple[int, str]], keys: list, *, workers: int, timeout: float,
                 backstop: float, memory: int, feedback: bool, show_expected: bool,
                 progress: Callable[[int, int], None]) -> list[GradeRow]:
    """Every (key index, file) through the worker pool, in order; a worker over a bound is
    killed and replaced, and its submission is not graded."""
    context = multiprocessing.get_context("fork")

    def start() -> _Worker:
        return _Worker(context, keys, memory, timeout)

    pool = [start() for _ in range(max(1, min(workers, len(jobs))))]
    rows: list[GradeRow | None] = [None] * len(jobs)
    pending = deque(enumerate(jobs))
    idle = list(pool)
    busy: dict[Any, tuple[Any, int, float]] = {}  # connection -> (worker, index, deadline)

    def not_graded(index: int, why: str) -> GradeRow:
        return GradeRow(display_path(jobs[index][1]), NOT_GRADED, error=why)

    try:
        while pending or busy:
            while idle and pending:
                worker = idle.pop()
                index, (key_index, path) = pending.popleft()
                try:
                    worker.connection.send((key_index, path, feedback, show_expected))
                except OSError:  # the worker died while idle: a fresh one takes the file
                    worker.stop(kill=True)
                    worker = start()
                    worker.connection.send((key_index, path, feedback, show_expected))
                busy[worker.connection] = (worker, index, time.monotonic() + backstop)
            nearest = min(deadline for _, _, deadline in busy.values())
            ready: list[Any] = wait(list(busy), timeout=max(0.0, nearest - time.monotonic()))
            for connection in ready:  # the pipes of the workers that answered
                worker, index, _ = busy.pop(connection)
                try:
                    rows[index] = connection.recv()
                except (EOFError, OSError):
                    rows[index] = not_graded(index, worker.why_stopped(timeout))
                    worker.stop(kill=True)
                    worker = start()
                idle.append(worker)
                progress(len(jobs) - len(pending) - len(busy), len(jobs))
            now = time.monotonic()
            for connection, (worker, index, deadline) in list(busy.items()):
                if now >= deadline:
                    del busy[connection]
                    worker.stop(kill=True)
                    rows[index] = not_graded(index, f"checking it took longer than {backstop:g} s"
                                                    f" (is the machine busy?); retry")
                    idle.append(start())
                    progress(len(jobs) - len(pending) - len(busy), len(jobs))
    finally:
        for worker in idle:
            worker.stop(kill=False)
        for worker, _, _ in busy.values():
            worker.stop(kill=True)
    return [row for row in rows if row is not None]


# -- the report -------------------------------------------------------------------------------------
def summarize(rows: list[GradeRow], loss: str = "L", seed: int | None = None) -> GradeSummary:
    graded = [row for row in rows if row.valid]
    wrong = Counter(name for row in graded for name in row.wrong)
    mistakes = Counter(row.diagnosis for row in graded if row.diagnosis)
    mean = sum(row.score for row in graded) / len(graded) if graded else None
    return GradeSummary(len(rows), len(graded), mean, wrong.most_common(5), mistakes.most_common(5),
                        [(row.file, row.error) for row in rows if row.status == INVALID],
                        [(row.file, row.error) for row in rows if row.status == NOT_GRADED],
                        [(row.file, row.error) for row in rows if row.status == NO_STUDENT],
                        [(row.file, row.error) for row in rows if row.status == AMBIGUOUS],
                        loss, seed)


def csv_text(rows: list[GradeRow], roster_columns: tuple[str, ...] | None = None) -> str:
    """The CSV: one row per submission (with the student's id and roster columns when grading
    exercises)."""
    out = io.StringIO()
    writer = csv.writer(out)
    prefix = () if roster_columns is None else ("student", *map(_safe_cell, roster_columns))
    suffix = () if roster_columns is None else ("note",)
    writer.writerow(prefix + CSV_COLUMNS + suffix)
    for row in rows:
        extra = [] if roster_columns is None else [
            _safe_cell(row.student), *[_safe_cell(cell) for cell in
                                       (row.roster or ("",) * len(roster_columns))]]
        writer.writerow(extra + row.csv_cells() + ([] if roster_columns is None
                                                   else [_safe_cell(row.note)]))
    return out.getvalue()


def feedback_names(rows: list[Found], students: dict[int, str]) -> list[str]:
    """One file name per submission for its feedback: the student's id, else its path below the
    folder it was found in (folders joined with __), ``.txt`` added; never two alike."""
    names, used = [], set()
    for index, item in enumerate(rows):
        if index in students:
            base = students[index]
        else:
            relative = os.path.relpath(item.path, item.root) if item.root else os.path.basename(item.path)
            base = "__".join(part for part in display_path(relative).split(os.sep)
                             if part not in ("", ".", ".."))
        name, count = f"{base}.txt", 1
        while name in used:
            count += 1
            name = f"{base}-{count}.txt"
        used.add(name)
        names.append(name)
    return names


def grade(key: AnswerKey | Exercises, paths: list[str], *, csv_path: str | None = None,
          force: bool = False, workers: int | None = None, timeout: float = DEFAULT_TIMEOUT,
          memory: int = DEFAULT_MEMORY, feedback_dir: str | None = None, show_expected: bool = False,
          wall_timeout: float | None = None, inputs: tuple[str, ...] = (),
          pick: str | None = None,
          progress: Callable[[int, int], None] = lambda done, total: None) -> GradeReport:
    """Grade every submission under ``paths`` (files or folders) against ``key``, or against
    each student's own key (:class:`Exercises`); write the CSV and the feedback files when asked
    (the wrong entries and the likely mistake; the expected values too with ``show_expected``).

    ``timeout`` is CPU seconds per submission, ``wall_timeout`` the wall-clock backstop (default
    :func:`wall_backstop`); ``workers`` defaults to :func:`available_cores`.
    ``progress(done, total)`` is called after each submission. Output files are checked before
    anything is graded, and an existing one is replaced only with ``force``; the feedback folder
    follows :class:`~symconv.files.output.OutputFolder` (``inputs``: more files the command reads, such
    as the problem file, which it must not hold).

    With :class:`Exercises`, every student gets one row: several files for one student are not
    graded (the row says which) unless ``pick`` is ``"newest"`` (the last modified) or
    ``"best"`` (every one graded, the best score kept); a file named after one student inside
    another's folder is never picked.
    """
    timeout = check_timeout(timeout)
    if pick not in PICKS:
        raise SymconvError(f"pick one of {', '.join(p for p in PICKS if p)}; got {pick!r}")
    csv_target = None if csv_path is None else OutputTarget.check(csv_path, force=force,
                                                                  option="--csv")
    exclude = tuple(os.path.realpath(p) for p in (csv_path, feedback_dir)
                    if p not in (None, "-"))
    found = collect(list(paths), exclude=exclude)
    exercises = key if isinstance(key, Exercises) else None
    plans = _plans(found, exercises, pick)
    feedback, feedback_files = _feedback_folder(
        feedback_dir, [plan.found for plan in plans],
        {i: plan.student for i, plan in enumerate(plans) if plan.student}, force,
        [*inputs, *paths, *([exercises.folder] if exercises is not None else [])])
    keys: list[AnswerKey] = [] if exercises else [key]  # type: ignore[list-item]
    key_of: dict[str, int] = {}
    jobs: list[tuple[int, str]] = []
    for plan in plans:
        if plan.row is not None:
            continue
        if exercises is not None and plan.student not in key_of:
            try:
                keys.append(exercises.key(plan.student))
            except SymconvError as error:
                plan.row = GradeRow(display_path(plan.found.path), NOT_GRADED,
                                    error=f"no answer key for {plan.student}: {error}")
                continue
            key_of[plan.student] = len(keys) - 1
        jobs += [(key_of.get(plan.student, 0), found[index].path) for index in plan.candidates]
    backstop = wall_backstop(timeout) if wall_timeout is None else check_timeout(wall_timeout)
    checked = iter(_run_bounded(jobs, keys, workers=workers or available_cores(), timeout=timeout,
                                backstop=backstop, memory=memory, feedback=feedback_dir is not None,
                                show_expected=show_expected,
                                progress=progress) if jobs else [])
    rows = []
    for plan in plans:
        if plan.row is None:  # the best of its candidates (there is one unless --pick best)
            graded = [(next(checked), index) for index in plan.candidates]
            plan.row = max(graded, key=lambda done: (done[0].valid, done[0].score,
                                                     _modified(found[done[1]].path)))[0]
        rows.append(replace(plan.row, student=plan.student, note=plan.note,
                            roster=exercises.students.get(plan.student, ()) if exercises else ()))
    if csv_target is not None:
        csv_target.write_text(csv_text(rows, exercises.columns if exercises else None))
    if feedback is not None:
        with feedback.writer() as writer:
            for name, row in zip(feedback_files, rows):
                writer.write_text(name, row.feedback or f"{row.file}: {row.status}: {row.error}\n")
    seeds = [getattr(k.compare, "seed", None) for k in keys if k.radicals]
    loss = keys[0].problem.loss if keys else "L"
    return GradeReport(rows, summarize(rows, loss, seeds[0] if seeds else None))


def _modified(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


def _plans(found: list[Found], exercises: Exercises | None, pick: str | None) -> list[_Plan]:
    """The report's rows, in the order their first file was found: one per submission, or with
    ``exercises`` one per student (their files grouped; several without ``pick`` are not
    graded, and a file in another student's folder is never picked)."""
    plans: list[_Plan] = []
    claims: dict[str, list[tuple[int, Claim]]] = {}
    for index, item in enumerate(found):
        shown = display_path(item.path)
        if item.skip is not None:
            plans.append(_Plan(item, row=GradeRow(shown, INVALID, error=item.skip)))
            continue
        if exercises is None:
            plans.append(_Plan(item, candidates=[index]))
            continue
        claim = exercises.claim(item)
        if claim.student is None:
            plans.append(_Plan(item, row=GradeRow(shown, NO_STUDENT, error=claim.why)))
            continue
        if claim.student not in claims:
            claims[claim.student] = []
            plans.append(_Plan(item, claim.student))
        claims[claim.student].append((index, claim))
    for plan in plans:
        if plan.student:
            _choose(plan, claims[plan.student], found, pick)
    return plans


def _choose(plan: _Plan, claims: list[tuple[int, Claim]], found: list[Found],
            pick: str | None) -> None:
    """Which of a student's files is graded (``plan.candidates``), or why none is (``plan.row``)."""
    student = plan.student
    fair = [index for index, claim in claims if claim.owner is None]
    listed = ", ".join(claim.shown(found[index].path) for index, claim in claims)
    if len(claims) == 1 and fair:
        plan.candidates = fair
        return
    if len(claims) == 1:
        index, claim = claims[0]
        why = (f"it is named after {student} but lies in {claim.owner}'s folder {claim.folder!r};"
               f" not graded: was it handed in by {claim.owner}? Move it into {student}'s own"
               f" folder, or out of {claim.owner}'s, and grade again")
    elif pick is None or not fair:
        also = "" if fair else " (none of them may be picked: each lies in another student's folder)"
        why = (f"{len(claims)} submissions for {student}: {listed}{also}; not graded: keep one, or"
               f" grade with --pick newest or --pick best")
    else:
        chosen = fair if pick == "best" else [max(fair, key=lambda i: (_modified(found[i].path), i))]
        plan.candidates = chosen
        plan.found = found[chosen[0]]
        plan.note = f"{pick} of {len(claims)} submissions: {listed}"
        return
    plan.row = GradeRow(display_path(found[claims[0][0]].path), AMBIGUOUS, error=why)


def _feedback_folder(folder: str | None, found: list[Found], students: dict[int, str],
                     force: bool, inputs: list[str]) -> tuple[OutputFolder | None, list[str]]:
    """The feedback folder and its files' names, checked before any grading (see
    :class:`~symconv.files.output.OutputFolder`)."""
    if folder is None:
        return None, []
    names = feedback_names(found, students)
    return OutputFolder.check(folder, force=force, option="--feedback", inputs=inputs,
                              names=names), names
