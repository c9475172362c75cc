"""The Gradescope autograder, run as Gradescope runs it, under real Pythons.

What Gradescope does and checks is in gradescope/autograder_samples, docs/specs.md (results.json,
visibility), docs/submission_metadata.md (users[].email) and docs/base_images.md (Ubuntu 22.04,
whose Python is 3.10), read at commit af5dee4cf9b2c930c47dc0e4320c7e5ab2580564. The zip is unpacked
into a temporary AUTOGRADER_ROOT/source with the modes it carries, ``setup.sh`` makes its virtual
environment (once per Python per test session: it installs the pinned numpy and sympy from PyPI),
and ``run_autograder`` is executed as a program, for each submission in a fresh AUTOGRADER_ROOT.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from helpers import run_cli
from platforms import ROSTER, TEMPLATE, export, unpack

PROBLEM = "examples/homework_5x5_values.toml"
HANDOUT_RIGHT = "4 7 10 6 3\n9 17 25 16 8\n11 23 34 23 11\n7 16 24 17 8\n2 6 9 7 3\n"
VISIBILITY = ("hidden", "after_due_date", "after_published", "visible")
FORMATS = ("text", "html", "simple_format", "md", "ansi")


# -- Gradescope's specification (docs/specs.md at af5dee4) -------------------------------------------
TOP_KEYS = {"score", "execution_time", "output", "output_format", "test_output_format",
            "test_name_format", "visibility", "stdout_visibility", "extra_data", "tests",
            "leaderboard"}
TEST_KEYS = {"score", "max_score", "status", "name", "name_format", "number", "output",
             "output_format", "tags", "visibility", "extra_data"}


def valid_results(root: Path) -> dict:
    """results.json as docs/specs.md describes it: UTF-8 JSON; a numeric top-level score, or one
    on every test; the documented keys only, each of its documented type; visibility one of
    hidden, after_due_date, after_published, visible; formats text, html, simple_format, md, ansi."""
    results = json.loads((root / "results" / "results.json").read_bytes().decode("utf-8"))
    assert set(results) <= TOP_KEYS, set(results) - TOP_KEYS
    tests = results.get("tests", [])
    assert isinstance(tests, list)
    assert "score" in results or all("score" in test for test in tests)
    if "score" in results:
        assert isinstance(results["score"], (int, float)) and not isinstance(results["score"], bool)
    assert isinstance(results.get("output", ""), str)
    for key in ("visibility", "stdout_visibility"):
        assert results.get(key, "visible") in VISIBILITY
    for key in ("output_format", "test_output_format", "test_name_format"):
        assert results.get(key, "text") in FORMATS
    for test in tests:
        assert set(test) <= TEST_KEYS, set(test) - TEST_KEYS
        for key in ("score", "max_score"):
            if key in test:
                assert isinstance(test[key], (int, float)) and not isinstance(test[key], bool)
        if "score" in test and "max_score" in test:
            assert 0 <= test["score"] <= test["max_score"]
        assert test.get("status", "passed") in ("passed", "failed")
        assert isinstance(test.get("name", ""), str) and isinstance(test.get("output", ""), str)
        assert test.get("visibility", "visible") in VISIBILITY
        assert test.get("output_format", "text") in FORMATS
    return results


def grade(tmp: Path, source: Path, place=None, email: str | None = "ada@example.edu") -> dict:
    """One submission in a fresh AUTOGRADER_ROOT: ``place(submission_folder)`` puts it there."""
    root = tmp / "autograder"
    (root / "submission").mkdir(parents=True)
    (root / "source").symlink_to(source)
    if place is not None:
        place(root / "submission")
    if email is not None:
        (root / "submission_metadata.json").write_text(json.dumps(
            {"id": 1, "users": [{"email": email, "id": 7, "name": "A Student"}]}))
    done = subprocess.run([str(source / "run_autograder")], env={"AUTOGRADER_ROOT": str(root),
                          "PATH": os.environ["PATH"]}, cwd=root, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return valid_results(root)


def right_answer(email: str) -> str:
    """∂E/∂A of the student's own variant by NumPy: every output (upstream ones) adds the kernel."""
    from symconv.files.roster import student_key
    from symconv.course.variants import draw_class, load_template

    drawn = {a.key: a.variant for a in draw_class(load_template(TEMPLATE), [
        student_key(line.split(",")[0]) for line in ROSTER.splitlines()[1:]])}
    kernel = np.array(drawn[student_key(email)].spec["layers"][0]["weight"]["values"])
    grad = np.zeros((5, 5), dtype=int)
    for i in range(3):
        for j in range(3):
            grad[i:i + 3, j:j + 3] += kernel
    return "\n".join(" ".join(map(str, row)) for row in grad) + "\n"


def writes(text: str | bytes, name: str | bytes = "answer.txt"):
    def place(folder: Path) -> None:
        path = os.path.join(os.fsencode(folder), os.fsencode(name))
        with open(path, "wb") as stream:
            stream.write(text.encode() if isinstance(text, str) else text)
    return place


# -- under Python 3.10 and 3.13 ----------------------------------------------------------------------
def test_right_slip_and_copy_under_each_python(set_up, tmp_path):
    version, source = set_up
    right = right_answer("ada@example.edu")
    mine = grade(tmp_path / "right", source, writes(right), email="  ADA@Example.EDU ")
    assert mine["score"] == 25.0 and [t["score"] for t in mine["tests"]] == [1.0] * 25, version
    rows = [row.split() for row in right.splitlines()]
    given = int(rows[2][2]) + 1
    rows[2][2] = str(given)
    slip = grade(tmp_path / "slip", source, writes("\n".join(map(" ".join, rows))))
    assert slip["score"] == 24.0
    [missed] = [t for t in slip["tests"] if t.get("score") == 0]
    assert missed["name"] == "∂E/∂A_33 (row 3, entry 3)" and missed["visibility"] == "visible"
    assert missed["output"] == f"✗ ∂E/∂A_33 (row 3, entry 3): given {given}"  # no expected value
    [expected] = [t for t in slip["tests"] if "score" not in t]
    assert expected["visibility"] == "hidden" and f"expected {given - 1}" in expected["output"]
    copied = grade(tmp_path / "copy", source, writes(right_answer("bob@example.edu")))
    assert copied["score"] < 25.0


def test_links_pipes_devices_and_strangers_are_refused_under_each_python(set_up, tmp_path):
    version, source = set_up
    secret = tmp_path / "elsewhere.txt"
    secret.write_text(right_answer("ada@example.edu") + "SECRETTOKEN1\n")

    def link(folder: Path) -> None:
        (folder / "answer.txt").symlink_to(secret)

    linked = grade(tmp_path / "link", source, link)
    assert linked["score"] == 0.0 and linked["tests"] == []
    assert "answer.txt is a symbolic link" in linked["output"] and "SECRETTOKEN1" not in linked["output"]

    def fifo(folder: Path) -> None:
        os.mkfifo(folder / "answer.txt")

    piped = grade(tmp_path / "fifo", source, fifo)  # would block for ever if it were opened
    assert piped["score"] == 0.0 and "answer.txt is a named pipe (FIFO)" in piped["output"]

    def device(folder: Path) -> None:
        os.mknod(folder / "answer.txt", stat.S_IFCHR | 0o600, os.makedev(1, 3))  # /dev/null's

    if os.geteuid() == 0:
        null = grade(tmp_path / "device", source, device)
        assert null["score"] == 0.0 and "answer.txt is a device" in null["output"]

    latin = grade(tmp_path / "latin", source, writes(b"\xff\xfe 4 7\n", b"r\xe9ponse.txt"))
    assert latin["score"] == 0.0 and "r\\xe9ponse.txt" in latin["output"]
    assert "invalid UTF-8" in latin["output"]
    named = grade(tmp_path / "named", source, writes(right_answer("ada@example.edu"), b"r\xe9ponse.txt"))
    assert named["score"] == 25.0

    stranger = grade(tmp_path / "stranger", source, writes(right_answer("ada@example.edu")),
                     email="mallory@example.edu")
    assert stranger["score"] == 0.0 and stranger["tests"] == []
    assert "mallory@example.edu is not on this assignment's roster" in stranger["output"]
    nobody = grade(tmp_path / "nobody", source, writes(right_answer("ada@example.edu")), email=None)
    assert nobody["score"] == 0.0 and "(none given) is not on this assignment's roster" in nobody["output"]


# -- with this interpreter's numpy and sympy (no download) ---------------------------------------------
@pytest.fixture
def here(tmp_path) -> callable:
    """An exported zip unpacked with a venv that is this interpreter's own environment."""
    def make(path: str, *extra) -> Path:
        source = tmp_path / "source"
        unpack(export(tmp_path, path, *extra), source)
        (source / "venv").symlink_to(sys.prefix)
        return source
    return make


def test_a_problem_file_autograder_grades_everyone_against_it(here, tmp_path):
    source = here(PROBLEM)
    right = grade(tmp_path / "right", source, writes(HANDOUT_RIGHT), email=None)
    assert right["score"] == 25.0 and right["output"] == "25 of 25 entries right"
    rotated = "\n".join(" ".join(row.split()[::-1]) for row in HANDOUT_RIGHT.splitlines()[::-1])
    unrotated = grade(tmp_path / "rotated", source, writes(rotated))
    assert unrotated["score"] == 13.0 and "likely mistake: the kernel B was not rotated" in unrotated["output"]
    hostile = grade(tmp_path / "hostile", source, writes("__import__('os').system('touch pwned')\n"))
    assert hostile["score"] == 0.0 and "could not be read" in hostile["output"]
    assert not (tmp_path / "hostile" / "autograder" / "pwned").exists()
    nothing = grade(tmp_path / "none", source)
    assert "submit exactly one answer file" in nothing["output"] and "found no file" in nothing["output"]

    def two(folder: Path) -> None:
        (folder / "a.txt").write_text(HANDOUT_RIGHT)
        (folder / "b.txt").write_text(HANDOUT_RIGHT)
        (folder / "work").mkdir()

    both = grade(tmp_path / "two", source, two)
    assert "found a.txt, b.txt (folders are not read: work/)" in both["output"]


def test_expected_values_are_shown_only_after_publishing_with_show_expected(here, tmp_path):
    source = here(TEMPLATE, "--show-expected")
    rows = [row.split() for row in right_answer("ada@example.edu").splitlines()]
    rows[0][0] = str(int(rows[0][0]) + 5)
    results = grade(tmp_path / "slip", source, writes("\n".join(map(" ".join, rows))))
    visible = [t for t in results["tests"] if t["visibility"] == "visible"]
    assert "expected" not in results["output"] and not any("expected" in t["output"] for t in visible)
    [expected] = [t for t in results["tests"] if t["visibility"] != "visible"]
    assert expected["visibility"] == "after_published" and expected["name"] == "Expected values"
    assert f"expected {int(rows[0][0]) - 5}" in expected["output"]


def test_the_results_are_written_whole_even_when_python_cannot_start(here, tmp_path):
    source = here(PROBLEM)
    (source / "venv").unlink()  # setup.sh failed: no environment
    results = grade(tmp_path / "broken", source, writes(HANDOUT_RIGHT))
    assert results["score"] == 0.0 and "could not start (did setup.sh fail?)" in results["output"]
    assert not [p for p in (tmp_path / "broken" / "autograder" / "results").iterdir()
                if p.name != "results.json"]


def test_a_broken_problem_file_is_the_autograders_fault_not_the_students(here, tmp_path):
    source = here(PROBLEM)
    (source / "problem.toml").write_text("this is not TOML [")
    results = grade(tmp_path / "broken", source, writes(HANDOUT_RIGHT))
    assert results["score"] == 0.0 and results["tests"] == []
    assert results["output"].startswith("The autograder cannot load its problem (")
    assert "Please tell your instructor" in results["output"]


def test_a_template_needs_its_roster_and_a_problem_none(tmp_path, capsys):
    status = run_cli(["export", "gradescope", TEMPLATE, "--wrt", "A", "--out", tmp_path / "a.zip"])
    assert status == 2 and "add --roster roster.csv" in capsys.readouterr().err
    (tmp_path / "roster.csv").write_text(ROSTER)
    status = run_cli(["export", "gradescope", PROBLEM, "--wrt", "A", "--roster", tmp_path / "roster.csv",
                      "--out", tmp_path / "a.zip"])
    assert status == 2 and "leave --roster out" in capsys.readouterr().err
    assert not (tmp_path / "a.zip").exists()


def test_each_students_autograder_key_is_their_exercise_problem(tmp_path):
    """A class larger than the template's variants: every student's problem.toml from symconv
    exercise is what the autograder grades them against (their right answer scores full marks,
    with Gradescope's e-mail in another case)."""
    few = "examples/exercises/symbolic_conv.toml"
    roster = tmp_path / "roster.csv"
    emails = [f"student{i}@example.edu" for i in range(20)]
    roster.write_text("email\n" + "\n".join(emails) + "\n")
    assert run_cli(["exercise", few, "--roster", roster, "--out", tmp_path / "hw"]) == 0
    archive = tmp_path / "autograder.zip"
    assert run_cli(["export", "gradescope", few, "--wrt", "X", "--roster", roster, "--out", archive]) == 0
    with zipfile.ZipFile(archive) as zipped:
        drawn = json.loads(zipped.read("class.json"))
    for email in emails:
        mine = (tmp_path / "hw" / email / "problem.toml").read_text().split("\n", 2)[2]
        assert drawn["variants"][drawn["students"][email] - 1] == mine
    assert len(drawn["variants"]) < len(emails)  # some share, in the same way as exercise
    source = tmp_path / "source"
    unpack(archive, source)
    (source / "venv").symlink_to(sys.prefix)
    for email in emails[:3] + emails[-2:]:
        from symconv import load_problem
        from symconv.answers import AnswerKey
        from symconv.answers.feedback import VerdictPrinter

        key = AnswerKey(load_problem(tmp_path / "hw" / email / "problem.toml"), "X")
        printer = VerdictPrinter(key.problem.loss)
        width = key.shape[-1]
        answer = "\n".join(", ".join(printer.doprint(forms[-1]) for forms in key.expected[row:row + width])
                           for row in range(0, len(key.expected), width))
        results = grade(tmp_path / email, source, writes(answer), email=email.upper())
        assert results["score"] == float(len(key.expected)), (email, results["output"])
