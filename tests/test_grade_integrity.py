"""Grading integrity and grading under load: forged LP answers are caught, polynomial differences
are decided exactly, a bound hit is never a score, nothing is silently left out, workers die with
their parent, and each student is graded against their own key (``--exercises``)."""

from __future__ import annotations

import csv
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
import tomllib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from symconv import load_problem
from symconv.answers import AnswerKey
from symconv.answers import grade as grading
from symconv.answers.roots import RootComparer
from symconv.core.poly import Symbol
from symconv.answers.feedback import render_verdict
from helpers import run_cli

HOMEWORK = "examples/homework_5x5_values.toml"
RIGHT = "4 7 10 6 3\n9 17 25 16 8\n11 23 34 23 11\n7 16 24 17 8\n2 6 9 7 3\n"
LP = load_problem("examples/lppool_mean.toml")  # 4×4 X, 2×2 windows, stride 2, p = 2, "mean"
SECRET_KEY = AnswerKey(LP, "X")  # points from a fresh secret seed


def window_sum(a: int, b: int) -> str:
    return " + ".join(f"X_{2 * a + u}{2 * b + v}^2" for u in range(2) for v in range(2))


def lp_answer(first_entry_extra: str = "") -> str:
    """The right ∂L/∂X written by hand from the handout's x/(2·√(Σx²)) (p = 2, N = 4), with
    ``first_entry_extra`` added to entry (0, 0)."""
    rows = []
    for i in range(4):
        rows.append(", ".join(
            f"dL_dY_{i // 2}_{j // 2}*X_{i}{j}/(2*sqrt({window_sum(i // 2, j // 2)}))"
            + (first_entry_extra if (i, j) == (0, 0) else "") for j in range(4)))
    return "\n".join(rows)


def forged(numerators: list[int]) -> str:
    """A wrong entry (0, 0) that vanishes wherever X_00 is one of n_k/1024: the right one plus
    Π_k (1024·X_00 − n_k)·√(Σ x²), so only sampling can judge it."""
    product = "*".join(f"(1024*X_00 - {n})" for n in numerators)
    return lp_answer(f" + {product}*sqrt({window_sum(0, 0)})")


def x00() -> Symbol:
    return Symbol(LP.input, 0)


def name_seeded_numerators() -> list[int]:
    """The points symconv used before: seeded by the entry's name, which anyone can compute."""
    return [random.Random(f"symconv:{x00()._key}:{k}").randint(1, 1 << 30) for k in range(6)]


def seeded_numerators(seed: int) -> list[int]:
    comparer = RootComparer(seed)
    return [int(comparer._point(x00(), k) * 1024) for k in range(6)]


def test_the_right_lp_answer_is_right():
    assert SECRET_KEY.check(lp_answer()).ok


def test_an_answer_forged_on_the_old_name_seeded_points_is_caught():
    verdict = SECRET_KEY.check(forged(name_seeded_numerators()))
    assert [e.flat for e in verdict.entries if not e.correct] == [0]


@settings(max_examples=5, deadline=None)
@given(st.integers(0, 2**64 - 1))
def test_an_answer_forged_on_any_seed_the_attacker_picks_is_caught(attacker_seed):
    answer = forged(seeded_numerators(attacker_seed))
    # The forgery is real: a key that uses the attacker's points passes it ...
    assert AnswerKey(LP, "X", seed=attacker_seed).check(answer).ok
    # ... and the secret points catch it.
    verdict = SECRET_KEY.check(answer)
    assert [e.flat for e in verdict.entries if not e.correct] == [0]


def test_a_polynomial_difference_is_wrong_exactly_however_small():
    tiny = " + X_00/" + "1" + "0" * 39  # 10^-39·X_00: under the old 1e-35 agreement threshold
    verdict = SECRET_KEY.check(lp_answer(tiny))
    wrong = [e for e in verdict.entries if not e.correct]
    assert [e.flat for e in wrong] == [0] and wrong[0].comparison.sampling is None  # no points needed


def test_the_seed_is_recorded_and_reproduces_a_run(tmp_path, capsys):
    answer = tmp_path / "a.txt"
    answer.write_text(lp_answer().replace("/(2*sqrt(", "/(2*((", 1).replace(
        f"{window_sum(0, 0)}))", f"{window_sum(0, 0)})^2)^(1/4))", 1))  # needs sampling
    status = run_cli(["verify", "examples/lppool_mean.toml", "--wrt", "X", "--answer", answer,
                      "--format", "json", "--seed", "12345"])
    import json

    data = json.loads(capsys.readouterr().out)
    assert status == 0 and data["sampling"]["seed"] == 12345 and data["sampling"]["entries"] == 1
    assert SECRET_KEY.compare.seed != AnswerKey(LP, "X").compare.seed  # a fresh secret each key
    assert "by accident" in render_verdict(AnswerKey(LP, "X", seed=12345).check(answer.read_text()))


# -- worker count, bounds -----------------------------------------------------------------------
def test_the_default_worker_count_is_the_cores_available(monkeypatch):
    import builtins

    real_open = builtins.open
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3, 4, 5, 6, 7})

    def quota(text):
        return lambda path, *a, **k: (__import__("io").StringIO(text) if path == "/sys/fs/cgroup/cpu.max"
                                      else real_open(path, *a, **k))

    monkeypatch.setattr(builtins, "open", quota("150000 100000\n"))
    assert grading.available_cores() == 2  # 1.5 CPUs of quota: two workers
    monkeypatch.setattr(builtins, "open", quota("max 100000\n"))
    assert grading.available_cores() == 8


# -- nothing silently left out ----------------------------------------------------------------------
def test_an_unreadable_folder_gets_a_row_saying_why(tmp_path, monkeypatch, capsys):
    (tmp_path / "subs" / "locked").mkdir(parents=True)
    (tmp_path / "subs" / "locked" / "zoe.txt").write_text(RIGHT)
    (tmp_path / "subs" / "amy.txt").write_text(RIGHT)
    real_scandir = os.scandir

    def scandir(path="."):
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)  # as root, chmod 000 would not stop the walk
    report = grading.grade(AnswerKey(load_problem(HOMEWORK), "A"), [str(tmp_path / "subs")], workers=1)
    rows = {os.path.basename(r.file): r for r in report.rows}
    assert rows["amy.txt"].score == 1.0
    assert rows["locked"].status == "invalid" and rows["locked"].error == (
        f"cannot read the folder {str(tmp_path / 'subs' / 'locked')!r}: Permission denied; no file in"
        f" it was graded")


def test_file_names_that_are_not_utf8_are_escaped(tmp_path, capsys):
    folder = tmp_path / "subs"
    folder.mkdir()
    with open(os.path.join(os.fsencode(folder), b"caf\xe9.txt"), "w") as handle:
        handle.write(RIGHT)
    out_csv = tmp_path / "g.csv"
    assert run_cli(["grade", HOMEWORK, folder, "--wrt", "A", "--csv", out_csv]) == 0
    rows = list(csv.reader(open(out_csv, encoding="utf-8")))
    assert rows[1][:3] == [f"{folder}/caf\\xe9.txt", "graded", "25"]
    capsys.readouterr()
    assert run_cli(["grade", HOMEWORK, folder, "--wrt", "A"]) == 0
    assert capsys.readouterr().out.startswith(f"{folder}/caf\\xe9.txt: 25 of 25 right")


# -- feedback ---------------------------------------------------------------------------------------
def test_feedback_files_hold_what_verify_prints(tmp_path, capsys):
    folder = tmp_path / "subs"
    (folder / "sec2").mkdir(parents=True)
    (folder / "bob.txt").write_text(RIGHT.replace(" 34 ", " 35 "))
    (folder / "sec2" / "bob.txt").write_text(RIGHT)
    (folder / "eve.txt").write_text("not an answer (\n")
    assert run_cli(["grade", HOMEWORK, folder, "--wrt", "A", "--feedback", tmp_path / "students"]) == 0
    # what a student may see before the deadline: the wrong entry and what was given, no expected value
    assert (tmp_path / "students" / "bob.txt.txt").read_text() == (
        f"{folder}/bob.txt: 24 of 25 entries right (score 0.96)\n"
        "✗ ∂E/∂A_33 (row 3, entry 3): given 35\n")
    assert run_cli(["grade", HOMEWORK, folder, "--wrt", "A", "--feedback", tmp_path / "fb",
                    "--show-expected"]) == 0
    capsys.readouterr()
    written = sorted(p.name for p in (tmp_path / "fb").iterdir())
    assert written == [".symconv-output", "bob.txt.txt", "eve.txt.txt", "sec2__bob.txt.txt"]
    for name, path in (("bob.txt.txt", folder / "bob.txt"),
                       ("sec2__bob.txt.txt", folder / "sec2" / "bob.txt")):
        run_cli(["verify", HOMEWORK, "--wrt", "A", "--answer", path])
        assert (tmp_path / "fb" / name).read_text() == capsys.readouterr().out
    assert run_cli(["verify", HOMEWORK, "--wrt", "A", "--answer", folder / "eve.txt"]) == 2
    assert (tmp_path / "fb" / "eve.txt.txt").read_text() == capsys.readouterr().err
    # a second run needs --force, checked before grading
    assert run_cli(["grade", HOMEWORK, folder, "--wrt", "A", "--feedback", tmp_path / "fb",
                    "--show-expected"]) == 2
    assert "holds what symconv wrote there before ('bob.txt.txt'); add --force" in capsys.readouterr().err


# -- each student's own key ------------------------------------------------------------------------
SMALL = """loss = "E"
[input]
name = "A"
shape = [3, 3]
index_base = 1
[[layers]]
type = "conv"
output = "C"
[layers.weight]
name = "B"
shape = [2, 2]
index_base = 1
values = [[1, 2], [3, 4]]
[upstream]
values = "ones"
"""


def small_right() -> str:
    """∂E/∂A of SMALL with upstream ones: every output (i, j) adds B into A's window at (i, j)."""
    grad = np.zeros((3, 3), dtype=int)
    for i in range(2):
        for j in range(2):
            grad[i:i + 2, j:j + 2] += np.array([[1, 2], [3, 4]])
    return "\n".join(" ".join(map(str, row)) for row in grad)


@pytest.fixture
def exercises(tmp_path):
    folder = tmp_path / "ex"
    for student, problem in (("s1", Path(HOMEWORK).read_text()), ("s2", SMALL)):
        (folder / student).mkdir(parents=True)
        (folder / student / "problem.toml").write_text(problem)
    (folder / "roster.csv").write_text("name,id,email\nAda,s1,ada@x.org\nBo,s2,bo@x.org\nCy,s3,cy@x.org\n")
    subs = tmp_path / "subs"
    (subs / "s2").mkdir(parents=True)
    (subs / "s1.txt").write_text(RIGHT)  # right for s1
    (subs / "s2" / "answer.txt").write_text(small_right())  # right for s2, matched by its folder
    (subs / "s3.txt").write_text(small_right())  # s2's answer handed in by s3: wrong shape for… s3 has no problem
    (subs / "mallory.txt").write_text(RIGHT)  # not in the roster
    return folder, subs


def test_each_submission_is_graded_against_its_students_own_key(exercises, tmp_path, capsys):
    folder, subs = exercises
    out_csv = tmp_path / "g.csv"
    status = run_cli(["grade", "--exercises", folder, "--wrt", "A", subs, "--csv", out_csv])
    assert status == 0, capsys.readouterr().err
    rows = list(csv.reader(open(out_csv, encoding="utf-8")))
    assert rows[0] == ["student", "name", "email", "file", "status", "correct", "total", "score",
                       "diagnosis", "first error", "wrong entries", "note"]
    by_file = {os.path.relpath(r[3], subs): r for r in rows[1:]}
    assert by_file["s1.txt"][:3] + by_file["s1.txt"][4:8] == ["s1", "Ada", "ada@x.org", "graded", "25", "25", "1.0000"]
    assert by_file["s2/answer.txt"][:3] + by_file["s2/answer.txt"][4:8] == ["s2", "Bo", "bo@x.org", "graded", "9", "9", "1.0000"]
    assert by_file["mallory.txt"][:5] == ["", "", "", by_file["mallory.txt"][3], "no such student"]
    assert "no student with the id 'mallory' in the roster" in by_file["mallory.txt"][9]
    assert by_file["s3.txt"][0] == "s3" and by_file["s3.txt"][4] == "not graded (retry)"
    assert "no answer key for s3" in by_file["s3.txt"][9]


def test_a_neighbours_answer_is_not_right(exercises, tmp_path, capsys):
    folder, subs = exercises
    (subs / "s2" / "answer.txt").write_text(RIGHT)  # s1's right answer, handed in by s2
    (subs / "s1.txt").unlink()
    run_cli(["grade", "--exercises", folder, "--wrt", "A", subs / "s2"])
    out = capsys.readouterr().out
    assert "1 submissions: 0 graded, 1 invalid" in out and "got 5×5, expected 3×3" in out


# -- one grade per student ------------------------------------------------------------------------
WRONG = RIGHT.replace("34", "35")


def class_of_two(tmp_path, *extra_ids: str) -> tuple[Path, Path]:
    """Exercises for s1 (the homework) and s2; submissions: s1 twice (issue 19: subs/s1.txt
    wrong, subs/bob-upload/s1.txt right, both graded), s2 once."""
    folder = tmp_path / "ex"
    for student in ("s1", "s2", *extra_ids):
        (folder / student).mkdir(parents=True)
        (folder / student / "problem.toml").write_text(Path(HOMEWORK).read_text())
    (folder / "roster.csv").write_text("id,name\ns1,Ada\ns2,Bo\n" + "".join(
        f"{student},{student.title()}\n" for student in extra_ids))
    subs = tmp_path / "subs"
    (subs / "bob-upload").mkdir(parents=True)
    (subs / "s1.txt").write_text(WRONG)
    (subs / "bob-upload" / "s1.txt").write_text(RIGHT)
    (subs / "s2.txt").write_text(RIGHT)
    return folder, subs


def graded_rows(folder, subs, tmp_path, *more) -> list[dict]:
    status = run_cli(["grade", "--exercises", folder, "--wrt", "A", subs, "--csv",
                      tmp_path / "g.csv", "--force", *more])
    assert status == 0
    return list(csv.DictReader(open(tmp_path / "g.csv", encoding="utf-8")))


def age(path: Path, seconds_ago: int) -> None:
    when = time.time() - seconds_ago
    os.utime(path, (when, when))


def test_two_submissions_for_one_student_give_one_row_and_no_grade(tmp_path, capsys):
    folder, subs = class_of_two(tmp_path)
    rows = graded_rows(folder, subs, tmp_path)
    assert [row["student"] for row in rows] == ["s1", "s2"]
    s1 = rows[0]
    assert s1["status"] == "not graded (ambiguous)" and s1["score"] == s1["correct"] == ""
    assert s1["first error"] == (f"2 submissions for s1: {subs}/s1.txt, {subs}/bob-upload/s1.txt;"
                                 f" not graded: keep one, or grade with --pick newest or --pick best")
    assert rows[1]["status"] == "graded" and rows[1]["score"] == "1.0000"
    out = capsys.readouterr().out
    assert out.startswith("2 submissions: 1 graded, 0 invalid, 0 not graded (retry), 1 not graded"
                          " (ambiguous); mean score 1.00 over the 1 graded")
    assert f"not graded (ambiguous): {subs}/s1.txt: 2 submissions for s1" in out


@pytest.mark.parametrize("newer, score", [("bob-upload/s1.txt", "1.0000"), ("s1.txt", "0.9600")])
def test_pick_newest_grades_the_last_modified(tmp_path, newer, score):
    folder, subs = class_of_two(tmp_path)
    for name in ("s1.txt", "bob-upload/s1.txt"):
        age(subs / name, 10 if name == newer else 3600)
    s1 = graded_rows(folder, subs, tmp_path, "--pick", "newest")[0]
    assert (s1["student"], s1["status"], s1["score"]) == ("s1", "graded", score)
    assert s1["file"] == str(subs / newer)
    assert s1["note"] == f"newest of 2 submissions: {subs}/s1.txt, {subs}/bob-upload/s1.txt"


def test_pick_best_grades_every_one_and_keeps_the_best(tmp_path):
    folder, subs = class_of_two(tmp_path)
    age(subs / "bob-upload" / "s1.txt", 3600)  # the right one is the older
    rows = graded_rows(folder, subs, tmp_path, "--pick", "best")
    assert len(rows) == 2
    assert (rows[0]["file"], rows[0]["score"]) == (str(subs / "bob-upload" / "s1.txt"), "1.0000")
    assert rows[0]["note"].startswith("best of 2 submissions: ")


def test_a_file_named_after_a_student_in_another_students_folder_is_flagged(tmp_path, capsys):
    folder, subs = class_of_two(tmp_path, "bob")
    (subs / "s1.txt").unlink()
    s1 = {row["student"]: row for row in graded_rows(folder, subs, tmp_path, "--pick", "best")}["s1"]
    assert (s1["status"], s1["score"]) == ("not graded (ambiguous)", "")
    assert s1["first error"] == (f"it is named after s1 but lies in bob's folder '{subs}/bob-upload';"
                                 f" not graded: was it handed in by bob? Move it into s1's own"
                                 f" folder, or out of bob's, and grade again")


def test_a_file_in_another_students_folder_is_never_picked(tmp_path):
    folder, subs = class_of_two(tmp_path, "bob")
    for pick in ("newest", "best"):
        s1 = graded_rows(folder, subs, tmp_path, "--pick", pick)[0]
        assert (s1["file"], s1["score"]) == (str(subs / "s1.txt"), "0.9600")
        assert s1["note"] == (f"{pick} of 2 submissions: {subs}/s1.txt, {subs}/bob-upload/s1.txt"
                              f" (in bob's folder '{subs}/bob-upload')")
    s1 = graded_rows(folder, subs, tmp_path)[0]
    assert s1["status"] == "not graded (ambiguous)" and "(in bob's folder" in s1["first error"]


def test_a_students_own_upload_folder_is_theirs(tmp_path):
    folder, subs = class_of_two(tmp_path, "bob")
    (subs / "s1.txt").unlink()
    (subs / "bob-upload" / "s1.txt").rename(subs / "bob-upload" / "bob.txt")
    (subs / "s1_2024-upload").mkdir()
    (subs / "s1_2024-upload" / "s1.txt").write_text(RIGHT)
    rows = {row["student"]: row for row in graded_rows(folder, subs, tmp_path)}
    assert rows["s1"]["status"] == rows["bob"]["status"] == "graded"


def test_one_feedback_file_per_student(tmp_path, capsys):
    folder, subs = class_of_two(tmp_path)
    assert run_cli(["grade", "--exercises", folder, "--wrt", "A", subs, "--feedback",
                    tmp_path / "fb"]) == 0
    assert sorted(p.name for p in (tmp_path / "fb").iterdir()) == [".symconv-output", "s1.txt",
                                                                    "s2.txt"]
    assert "2 submissions for s1" in (tmp_path / "fb" / "s1.txt").read_text()


def test_pick_goes_with_exercises(capsys):
    assert run_cli(["grade", HOMEWORK, HOMEWORK, "--wrt", "A", "--pick", "best"]) == 2
    assert capsys.readouterr().err == ("symconv: error: --pick chooses among one student's"
                                       " submissions; it goes with --exercises DIR\n")


# -- processes ----------------------------------------------------------------------------------
SLOW_GRADER = textwrap.dedent("""
    import sys, time
    import symconv.answers.verify as verify
    def slow(self, path):
        time.sleep(120)
    verify.AnswerKey.check_file = slow
    from symconv.interface.cli import main
    main(["grade", "examples/homework_5x5_values.toml", "--wrt", "A", "--workers", "2",
          "--timeout", "100", *sys.argv[1:]])
""")


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def start_slow_grading(tmp_path) -> tuple[subprocess.Popen, list[int]]:
    for name in ("a.txt", "b.txt", "c.txt"):
        (tmp_path / name).write_text(RIGHT)
    process = subprocess.Popen([sys.executable, "-c", SLOW_GRADER, str(tmp_path)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True, env={**os.environ, "PYTHONPATH": os.getcwd()})
    deadline = time.monotonic() + 30
    while len(children_of(process.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    workers = children_of(process.pid)
    assert len(workers) == 2
    return process, workers


def gone(workers: list[int]) -> bool:
    deadline = time.monotonic() + 10
    while any(alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not any(alive(w) for w in workers)


def test_killing_grade_kills_its_workers(tmp_path):
    process, workers = start_slow_grading(tmp_path)
    try:
        process.kill()  # SIGKILL: the parent cannot clean up; the kernel ends the workers
        process.communicate(timeout=30)
        assert gone(workers)
    finally:
        for worker in workers:
            if alive(worker):
                os.kill(worker, signal.SIGKILL)


def test_ctrl_c_during_grade_is_one_line_and_exit_130(tmp_path):
    process, workers = start_slow_grading(tmp_path)
    try:
        os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole process group
        out, err = process.communicate(timeout=30)
        assert (process.returncode, out, err) == (130, "", "symconv: interrupted\n")
        assert gone(workers)
    finally:
        for worker in workers:
            if alive(worker):
                os.kill(worker, signal.SIGKILL)


def test_the_readme_grading_commands_run_as_written_on_the_shipped_class(tmp_path, monkeypatch, capsys):
    import re
    import shlex

    readme = Path("README.md").read_text()
    start = readme.index("### Grading a class")
    section = readme[start:readme.index("\n## ", start)]
    commands = [c for block in re.findall(r"```bash\n(.*?)```", section, re.S)
                for c in block.strip().splitlines()]
    assert [c.split()[1] for c in commands] == ["exercise", "grade", "grade", "grade"]
    (tmp_path / "examples").symlink_to(Path("examples").resolve())
    monkeypatch.chdir(tmp_path)
    for command in commands:
        argv = shlex.split(command)
        assert argv[0] == "symconv"
        assert run_cli(argv[1:]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "wrote grades.csv" in out and "wrote same-problem.csv" in out
    rows = {row["student"]: row for row in csv.DictReader(open("grades.csv", encoding="utf-8"))}
    assert list(next(csv.reader(open("grades.csv")))[:3]) == ["student", "name", "file"]
    assert (rows["ada@example.edu"]["status"], rows["ada@example.edu"]["score"]) == ("graded", "1.0000")
    assert (rows["bob@example.edu"]["correct"], rows["bob@example.edu"]["total"]) == ("24", "25")
    assert rows["cy@example.edu"]["status"] == "invalid"
    # Bob's feedback names his slip and what he gave, not the expected value
    bob = Path("feedback/bob@example.edu.txt").read_text()
    assert "✗ ∂E/∂A_24 (row 2, entry 4): given 6" in bob and "expected" not in bob
    # Bob's right value is his own variant's, by NumPy: every output adds his kernel
    spec = tomllib.loads(Path("hw1/bob@example.edu/problem.toml").read_text())
    kernel = np.array(spec["layers"][0]["weight"]["values"])
    grad = np.zeros((5, 5), dtype=int)
    for i in range(3):
        for j in range(3):
            grad[i:i + 3, j:j + 3] += kernel
    assert f"A_24: given 6, expected {grad[1, 3]}" == rows["bob@example.edu"]["wrong entries"]


def test_the_key_budget_turns_too_much_memory_into_one_line():
    from symconv.core.errors import SizeLimitError

    with pytest.raises(SizeLimitError, match="building the answer key needs more than 64 MB"):
        with grading.key_budget(memory=64 * 2**20):
            bytearray(1024 * 2**20)
    assert len(bytearray(256 * 2**20)) == 256 * 2**20  # the limit is lifted afterwards


def test_submissions_find_their_student_ignoring_case_and_strangers_are_told_so(exercises, tmp_path,
                                                                                capsys):
    folder, _ = exercises
    subs = tmp_path / "upper"
    subs.mkdir()
    (subs / "S1.txt").write_text(RIGHT)  # s1, as a platform may spell it
    (subs / "mallory.txt").write_text(RIGHT)
    assert run_cli(["grade", "--exercises", folder, "--wrt", "A", subs]) == 0
    out = capsys.readouterr().out
    assert "S1.txt: 25 of 25 right" in out
    assert "2 submissions: 1 graded, 0 invalid, 0 not graded (retry), 1 for no such student" in out
    assert "no such student: " in out and "no student with the id 'mallory' in the roster" in out
