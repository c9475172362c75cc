"""Grading a batch of submissions into a CSV, each under a time and a memory bound.

Submissions are untrusted files. They are checked by a few long-lived worker processes (forked
after the answer key is built, so they share it) that limit their own address space and may not
write files; the parent hands out one submission at a time and kills a worker that takes longer
than the time bound, then starts a fresh one. A file that cannot be read, is hostile, too slow or
too big becomes a row with its error; the batch goes on.

Files: only regular files are read (up to the answer size cap); folders are walked without
following links, and a link inside a folder that leads out of it is skipped; hidden files
(``.name``) are skipped. The CSV is written atomically (a temporary file renamed into place) and an
existing one is replaced only with ``force``.
"""

from __future__ import annotations

import csv
import multiprocessing
import os
import resource
import tempfile
import time
from collections import Counter, deque
from dataclasses import dataclass
from multiprocessing.connection import wait
from pathlib import Path
from typing import Callable

from ..errors import SymconvError
from ..render.printer import plain
from .verify import AnswerKey

DEFAULT_TIMEOUT = 2.0  # seconds per submission
DEFAULT_MEMORY = 512 * 2**20  # bytes of address space a worker may add to what it starts with
CSV_COLUMNS = ("file", "valid", "correct", "total", "score", "diagnosis", "first error")


@dataclass(frozen=True)
class GradeRow:
    file: str
    valid: bool
    correct: int = 0
    total: int = 0
    score: float = 0.0
    diagnosis: str = ""  # the mistake's key, e.g. kernel-not-rotated
    error: str = ""  # why the file is invalid, or the first wrong entry
    wrong: tuple[int, ...] = ()  # flat positions of wrong entries

    def csv_cells(self) -> list[str]:
        return [_safe_cell(self.file), "yes" if self.valid else "no", str(self.correct),
                str(self.total), f"{self.score:.4f}", self.diagnosis, _safe_cell(self.error)]


@dataclass(frozen=True)
class GradeSummary:
    count: int
    valid: int
    mean_score: float  # over every submission; an invalid one scores 0
    common_wrong: list[tuple[str, int]]  # entry name, how many submissions got it wrong
    mistakes: list[tuple[str, int]]


@dataclass(frozen=True)
class GradeReport:
    rows: list[GradeRow]
    summary: GradeSummary


def _safe_cell(text: str) -> str:
    """Cells a spreadsheet would run as a formula (=, +, -, @) are quoted with a leading '."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# -- which files ----------------------------------------------------------------------------------
def collect(paths: list[str]) -> list[tuple[str, str | None]]:
    """Submission files in the given order (folders walked, sorted), each with the reason it is
    skipped (None for a file to check)."""
    found: list[tuple[str, str | None]] = []
    for given in paths:
        if not os.path.lexists(given):
            found.append((given, f"cannot read {given!r}: no such file or folder"))
            continue
        if not os.path.isdir(given) or os.path.islink(given):
            found.append((given, None))
            continue
        root = os.path.realpath(given)
        for folder, folders, names in os.walk(given, followlinks=False):
            folders[:] = sorted(f for f in folders if not f.startswith("."))
            for name in sorted(names):
                if name.startswith("."):
                    continue
                path = os.path.join(folder, name)
                outside = os.path.commonpath([root, os.path.realpath(path)]) != root
                found.append((path, f"a link that leads out of the folder {given!r}; skipped"
                              if os.path.islink(path) and outside else None))
    return found


# -- one submission (in a worker) -------------------------------------------------------------------
def grade_one(key: AnswerKey, path: str) -> GradeRow:
    try:
        verdict = key.check_file(path)
    except SymconvError as error:
        return GradeRow(path, False, error=str(error))
    except MemoryError:
        return GradeRow(path, False, error="the answer needs more memory than the limit allows")
    except RecursionError:
        return GradeRow(path, False, error="the answer is nested too deeply to read")
    wrong = tuple(e.flat for e in verdict.entries if not e.correct)
    first = ""
    if wrong:
        entry = verdict.entries[wrong[0]]
        first = (f"row {entry.cell.row}, entry {entry.cell.col}: given {entry.cell.text[:40]!r},"
                 f" expected {plain(entry.comparison.expected)[:60]}")
    diagnosis = verdict.diagnosis.mistake.key if verdict.diagnosis else ""
    return GradeRow(path, True, verdict.correct, verdict.total, verdict.score, diagnosis, first, wrong)


def _limit_resources(memory: int):
    """Bound this worker: address space (what it has now + ``memory``), no files written, no
    core dumps."""
    with open("/proc/self/statm") as handle:
        current = int(handle.read().split()[0]) * resource.getpagesize()
    resource.setrlimit(resource.RLIMIT_AS, (current + memory, current + memory))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _serve(connection, key: AnswerKey, memory: int):
    _limit_resources(memory)
    while True:
        path = connection.recv()
        if path is None:
            return
        try:
            row = grade_one(key, path)
        except Exception as error:  # a bug must cost one row, not the batch
            row = GradeRow(path, False, error=f"internal error ({type(error).__name__}); please"
                                              f" report it with this file")
        connection.send(row)


class _Worker:
    def __init__(self, context, key: AnswerKey, memory: int):
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, key, memory), daemon=True)
        self.process.start()
        child.close()

    def stop(self, *, kill: bool):
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


def _run_bounded(key: AnswerKey, files: list[str], *, workers: int, timeout: float, memory: int,
                 progress: Callable[[int, int], None]) -> list[GradeRow]:
    """Every file through the worker pool, in order; a worker over time is killed and replaced."""
    context = multiprocessing.get_context("fork")
    pool = [_Worker(context, key, memory) for _ in range(max(1, min(workers, len(files))))]
    rows: list[GradeRow | None] = [None] * len(files)
    pending = deque(enumerate(files))
    idle = list(pool)
    busy: dict = {}  # connection -> (worker, index, deadline)
    try:
        while pending or busy:
            while idle and pending:
                worker = idle.pop()
                index, path = pending.popleft()
                try:
                    worker.connection.send(path)
                except OSError:  # the worker died while idle: a fresh one takes the file
                    worker.stop(kill=True)
                    worker = _Worker(context, key, memory)
                    worker.connection.send(path)
                busy[worker.connection] = (worker, index, time.monotonic() + timeout)
            nearest = min(deadline for _, _, deadline in busy.values())
            for connection in wait(list(busy), timeout=max(0.0, nearest - time.monotonic())):
                worker, index, _ = busy.pop(connection)
                try:
                    rows[index] = connection.recv()
                except (EOFError, OSError):
                    rows[index] = GradeRow(files[index], False, error="the checker stopped on this"
                                           " file (over the memory limit?); skipped")
                    worker.stop(kill=True)
                    worker = _Worker(context, key, memory)
                idle.append(worker)
                progress(len(files) - len(pending) - len(busy), len(files))
            now = time.monotonic()
            for connection, (worker, index, deadline) in list(busy.items()):
                if now >= deadline:
                    del busy[connection]
                    worker.stop(kill=True)
                    rows[index] = GradeRow(files[index], False, error=f"checking took longer than"
                                           f" {timeout:g} s; skipped")
                    idle.append(_Worker(context, key, memory))
                    progress(len(files) - len(pending) - len(busy), len(files))
    finally:
        for worker in idle:
            worker.stop(kill=False)
        for worker, _, _ in busy.values():
            worker.stop(kill=True)
    return rows


# -- the report -------------------------------------------------------------------------------------
def summarize(rows: list[GradeRow], key: AnswerKey) -> GradeSummary:
    from ..render.text import TextPrinter
    from ..poly import Symbol

    printer = TextPrinter(key.problem.loss)
    wrt = key.gradient.wrt
    wrong = Counter(flat for row in rows for flat in row.wrong)
    mistakes = Counter(row.diagnosis for row in rows if row.diagnosis)
    mean = sum(row.score for row in rows) / len(rows) if rows else 0.0
    return GradeSummary(len(rows), sum(row.valid for row in rows), mean,
                        [(printer.doprint(Symbol(wrt, flat)), n) for flat, n in wrong.most_common(5)],
                        mistakes.most_common(5))


def check_destination(path: str, force: bool):
    """Refuse to overwrite a CSV without ``force`` (before any grading), or to write a folder."""
    if os.path.isdir(path):
        raise SymconvError(f"--csv {path!r} is a folder; give a file name, e.g. --csv grades.csv")
    if os.path.lexists(path) and not force:
        raise SymconvError(f"{path!r} already exists; add --force to replace it, or choose"
                           f" another name")
    if not os.path.isdir(os.path.dirname(os.path.abspath(path))):
        raise SymconvError(f"the folder of --csv {path!r} does not exist")


def write_csv(rows: list[GradeRow], path: str):
    """Write atomically: a temporary file in the same folder, renamed over ``path``."""
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{Path(path).name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(CSV_COLUMNS)
            writer.writerows(row.csv_cells() for row in rows)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def grade(key: AnswerKey, paths: list[str], *, csv_path: str | None = None, force: bool = False,
          workers: int | None = None, timeout: float = DEFAULT_TIMEOUT,
          memory: int = DEFAULT_MEMORY,
          progress: Callable[[int, int], None] = lambda done, total: None) -> GradeReport:
    """Grade every submission under ``paths`` (files or folders); write the CSV when asked.

    ``progress(done, total)`` is called after each submission.
    """
    if csv_path is not None:
        check_destination(csv_path, force)
    found = collect(paths)
    if csv_path is not None:  # a CSV written into a graded folder is not a submission
        found = [(path, skip) for path, skip in found
                 if os.path.realpath(path) != os.path.realpath(csv_path)]
    files = [path for path, skip in found if skip is None]
    checked = iter(_run_bounded(key, files, workers=workers or os.cpu_count() or 1, timeout=timeout,
                                memory=memory, progress=progress) if files else [])
    rows = [next(checked) if skip is None else GradeRow(path, False, error=skip)
            for path, skip in found]
    if csv_path is not None:
        write_csv(rows, csv_path)
    return GradeReport(rows, summarize(rows, key))
