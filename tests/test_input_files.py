"""Every command reads problem files, templates and rosters through one reader: a file that is not
regular, larger than 1 MB, not UTF-8, or shaped so that the TOML parser would take long is one
line and exit status 2, before it is parsed (issue 19: `export gradescope` blocked forever on a
FIFO, grew without bound on /dev/zero and crashed on non-UTF-8; 100,000 dotted headers took
over 10 s)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import run_cli

REPO = Path(__file__).resolve().parents[1]
PROBLEM = (REPO / "examples/homework_5x5_values.toml").read_text()
TEMPLATE = (REPO / "examples/exercises/homework_5x5_values.toml").read_text()

COMMANDS = {
    "grad": ["grad", "{file}", "--wrt", "A"],
    "check": ["check", "{file}"],
    "solve": ["solve", "{file}", "--format", "text"],
    "shapes": ["shapes", "{file}"],
    "forward": ["forward", "{file}", "--format", "json"],
    "connect": ["connect", "{file}", "--entry", "A:1,1"],
    "matrix": ["matrix", "{file}", "--format", "json"],
    "verify": ["verify", "{file}", "--wrt", "A", "--answer", "answer.txt"],
    "grade": ["grade", "{file}", "answer.txt", "--wrt", "A"],
    "exercise": ["exercise", "{file}", "--roster", "roster.csv", "--out", "hw"],
    "exercise --roster": ["exercise", "template.toml", "--roster", "{file}", "--out", "hw"],
    "export prairielearn": ["export", "prairielearn", "{file}", "--wrt", "A", "--out", "course"],
    "export gradescope": ["export", "gradescope", "{file}", "--wrt", "A", "--out", "g.zip"],
    "export moodle": ["export", "moodle", "{file}", "--wrt", "A", "--out", "quiz.xml"],
}


def dotted_headers(count: int) -> str:
    """`[x.a]`, `[x.b]`, … : distinct dotted table headers, as short as they can be."""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"

    def name(n: int) -> str:
        return digits[n] if n < 36 else name(n // 36) + digits[n % 36]

    return "".join(f"[x.{name(i)}]\n" for i in range(count))


BAD_FILES = {
    "over 1 MB": (lambda path: path.write_text(PROBLEM + "#" * 1_000_000 + "\n"),
                  "bytes, over the limit of 1,000,000"),
    "not UTF-8": (lambda path: path.write_bytes(PROBLEM.encode() + b"# caf\xe9\n"), "invalid UTF-8"),
    "100,000 dotted headers": (lambda path: path.write_text(PROBLEM + dotted_headers(100_000)),
                               "tables, over the limit of 10,000"),
    "a dotted key of 100,000 parts": (
        lambda path: path.write_text(PROBLEM + "[" + ".".join(["a"] * 100_000) + "]\n"),
        "a dotted name has more than 64 parts"),
    "a folder": (lambda path: path.mkdir(), ""),
}


@pytest.fixture
def place(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "answer.txt").write_text("1 2\n")
    (tmp_path / "roster.csv").write_text("id\ns1\n")
    (tmp_path / "template.toml").write_text(TEMPLATE)
    return tmp_path


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


TOML_ONLY = ("100,000 dotted headers", "a dotted key of 100,000 parts")  # a roster is CSV


@pytest.mark.parametrize("command, bad", [(command, bad) for command in COMMANDS for bad in BAD_FILES
                                          if not (command.endswith("--roster") and bad in TOML_ONLY)])
def test_a_bad_input_file_is_refused_before_it_is_parsed(place, capsys, command, bad):
    make, message = BAD_FILES[bad]
    make(place / "bad.toml")
    argv = [part.format(file="bad.toml") for part in COMMANDS[command]]
    start = time.process_time()
    status = run_cli(argv)
    seconds = time.process_time() - start
    captured = capsys.readouterr()
    assert status == 2 and captured.out == "", captured
    assert message in one_line(captured.err) and captured.err.startswith("symconv: error: ")
    assert seconds < 1, f"{seconds:.2f} s of CPU"
    assert sorted(os.listdir(place)) == sorted(["answer.txt", "roster.csv", "template.toml",
                                                "bad.toml"])


def special(kind: str, place: Path) -> str:
    if kind == "FIFO":
        os.mkfifo(place / "fifo.toml")
        return "fifo.toml"
    return "/dev/zero"


@pytest.mark.parametrize("kind", ["FIFO", "/dev/zero"])
@pytest.mark.parametrize("command", COMMANDS)
def test_a_fifo_or_a_device_is_refused_without_reading_it(place, command, kind):
    """In a child process with a deadline: a FIFO nobody writes to would block a reader forever,
    /dev/zero would fill its memory."""
    name = special(kind, place)
    argv = [part.format(file=name) for part in COMMANDS[command]]
    done = subprocess.run([sys.executable, "-m", "symconv", *argv], capture_output=True, text=True,
                          timeout=120, cwd=place, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 2 and done.stdout == "", done
    assert f"{name!r} is not a regular file" in one_line(done.stderr)


@pytest.mark.parametrize("title", ["Back-propagation [exercise] of week 3",
                                   "a [variants] table is for templates"])
def test_a_problem_whose_title_mentions_exercise_is_a_problem(tmp_path, title):
    """A template is recognised by its parsed tables, not a text search: a problem file whose
    title mentions [exercise] was refused as a template by export gradescope."""
    import json
    import zipfile

    problem = tmp_path / "p.toml"
    problem.write_text(re.sub(r"(?m)^title = .*$", f"title = {json.dumps(title)}", PROBLEM))
    assert title in problem.read_text()
    assert run_cli(["export", "gradescope", problem, "--wrt", "A", "--out", tmp_path / "g.zip"]) == 0
    config = json.loads(zipfile.ZipFile(tmp_path / "g.zip").read("symconv.json"))
    assert config["kind"] == "problem" and "problem.toml" in zipfile.ZipFile(tmp_path / "g.zip").namelist()


def test_a_template_given_where_a_problem_is_wanted_says_so(tmp_path, capsys):
    (tmp_path / "t.toml").write_text(TEMPLATE)
    assert run_cli(["grad", tmp_path / "t.toml", "--wrt", "A"]) == 2
    assert "this is an exercise template (it has [exercise] or [variants]), not a problem file" in \
        one_line(capsys.readouterr().err)


@pytest.mark.parametrize("text", [
    'title = "release 1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19.20"\n',
    "# " + ".".join(["a"] * 100) + "\n",
    'title = "' + ".".join(["a"] * 100) + '"\n',
])
def test_dotted_text_in_strings_and_comments_is_no_key(tmp_path, text):
    from symconv import load_problem

    (tmp_path / "p.toml").write_text(text + re.sub(r"(?m)^title = .*$", "", PROBLEM))
    assert load_problem(tmp_path / "p.toml").input.name == "A"


def test_a_file_name_that_is_not_utf8_is_shown_escaped_in_an_error(tmp_path):
    """Its bytes reached the error line as lone surrogates (caf\\udce9.toml)."""
    (tmp_path / os.fsdecode(b"caf\xe9.toml")).write_text(PROBLEM)
    (tmp_path / "roster.csv").write_text("id\ns1\n")
    done = subprocess.run([sys.executable, "-m", "symconv", "exercise", b"caf\xe9.toml", "--roster",
                           "roster.csv", "--out", "hw"], capture_output=True, timeout=120,
                          cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 2 and done.stderr == (
        b"symconv: error: caf\\xe9.toml: an exercise template needs an [exercise] table, e.g."
        b' [exercise] wrt = ["X"] and seed = "a secret of yours"\n')
