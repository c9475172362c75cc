"""The README's shell examples print what the README says they print.

Two forms are checked: a command followed by ``# …`` comment lines (each comment is a line of its
output, in order, indentation aside), and a one-command ``bash`` block followed directly by a
``text`` block (its output, a ``…`` line standing for lines left out). Inside a line, ``…``
stands for any text.
"""

from __future__ import annotations

import re
import shutil
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
FENCES = list(re.finditer(r"```(\w*)\n(.*?)```", README, re.S))
RUNNABLE = ("symconv ", "python cli.py ")


def commented_commands() -> list[tuple[str, list[str]]]:
    """(command, the comment lines after it) in every bash block."""
    found = []
    for fence in FENCES:
        if fence.group(1) != "bash":
            continue
        lines = fence.group(2).splitlines()
        for number, line in enumerate(lines):
            comments = []
            for following in lines[number + 1:]:
                if not following.startswith("# "):
                    break
                comments.append(following[2:])
            if line.startswith(RUNNABLE) and comments:
                found.append((line, comments))
    return found


def shown_outputs() -> list[tuple[str, list[str]]]:
    """(command, output lines) where a one-command bash block is followed directly by a text block."""
    found = []
    for fence, following in zip(FENCES, FENCES[1:]):
        between = README[fence.end():following.start()]
        command = fence.group(2).strip()
        if (fence.group(1) == "bash" and following.group(1) == "text" and not between.strip()
                and "\n" not in command and command.startswith(RUNNABLE)):
            found.append((command, following.group(2).rstrip("\n").splitlines()))
    return found


def run(command: str, cwd: Path) -> list[str]:
    words = shlex.split(command)
    prefix = [sys.executable, "-m", "symconv"] if words[0] == "symconv" else [sys.executable,
                                                                             str(ROOT / "cli.py")]
    result = subprocess.run(prefix + words[2 if words[0] == "python" else 1:], cwd=cwd,
                            capture_output=True, text=True, timeout=300)
    assert "Traceback" not in result.stderr, result.stderr
    return (result.stdout + result.stderr).splitlines()


@pytest.fixture(scope="module")
def reader(tmp_path_factory) -> Path:
    """A reader's folder with the examples, where the README's `symconv exercise` commands (the
    class the grading examples grade) have run."""
    folder = tmp_path_factory.mktemp("shown")
    (folder / "examples").symlink_to(ROOT / "examples")
    for command in every_command():
        if command.startswith("symconv exercise"):
            run(command, folder)
    return folder


def pattern(line: str) -> re.Pattern:
    return re.compile(".*?".join(re.escape(part) for part in line.split("…")))


def test_the_readme_has_shell_examples_with_their_output():
    assert len(commented_commands()) >= 3 and len(shown_outputs()) >= 2


@pytest.mark.parametrize("command, comments", commented_commands(), ids=lambda v: str(v)[:60])
def test_each_commented_line_is_a_line_of_the_output_in_order(command, comments, reader):
    output = iter(run(command, reader))
    for comment in comments:
        assert any(pattern(comment).fullmatch(line.strip()) for line in output), (command, comment)


@pytest.mark.parametrize("command, shown", shown_outputs(), ids=lambda v: str(v)[:60])
def test_each_shown_output_is_what_the_command_prints(command, shown, reader):
    output = run(command, reader)
    at = 0
    for number, line in enumerate(shown):
        if line.strip() == "…":  # any lines left out
            continue
        matcher = pattern(line)
        skipping = number > 0 and shown[number - 1].strip() == "…"
        while at < len(output) and not matcher.fullmatch(output[at]):
            assert skipping, (command, line, output[at])
            at += 1
        assert at < len(output), (command, line)
        at += 1


def every_command() -> list[str]:
    """Every symconv command of the README's bash blocks (the install line and pytest aside)."""
    return [line.split("  #")[0].strip() for fence in FENCES if fence.group(1) == "bash"
            for line in fence.group(2).splitlines() if line.startswith(RUNNABLE)]


@pytest.fixture(scope="module")
def class_folder(tmp_path_factory) -> Path:
    """A folder as the README's reader has it: the examples (examples/class/ is the class whose
    grading the README shows) and nothing else; the commands run in the README's order."""
    folder = tmp_path_factory.mktemp("reader")
    (folder / "examples").symlink_to(ROOT / "examples")
    return folder


@pytest.mark.parametrize("command", every_command(), ids=lambda c: c[:70])
def test_every_command_of_the_readme_runs(command, class_folder):
    if "--pdf" in command and shutil.which("pdflatex") is None:
        pytest.skip("no pdflatex here (CI installs TeX)")
    words = shlex.split(command)
    prefix = [sys.executable, "-m", "symconv"] if words[0] == "symconv" else [sys.executable,
                                                                             str(ROOT / "cli.py")]
    result = subprocess.run(prefix + words[2 if words[0] == "python" else 1:], cwd=class_folder,
                            capture_output=True, text=True, timeout=300)
    # verify says 1 when some entries are wrong, as the README's examples are
    allowed = (0, 1) if words[1] in ("verify", "check") else (0,)
    assert result.returncode in allowed and "Traceback" not in result.stderr, (command, result.stderr)
