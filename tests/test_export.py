"""Where exports and exercise folders are written: into what the user named (a symbolic link, a
FIFO), replacing only with --force, with the modes the umask gives (symconv.files.output's rules). What
each platform reads of an export is tested in test_gradescope.py, test_prairielearn.py and
test_moodle.py."""

import os
import subprocess
import xml.etree.ElementTree as ElementTree
import zipfile

from helpers import run_cli

HOMEWORK = "examples/exercises/homework_5x5_values.toml"


# -- where the files go: into what the user named (symconv.files.output's rules) ---------------------------
def test_exports_write_into_a_symbolic_link_and_a_fifo_and_replace_only_with_force(tmp_path, capsys):
    real = tmp_path / "real.zip"
    real.write_bytes(b"old")
    link = tmp_path / "autograder.zip"
    link.symlink_to(real)
    assert run_cli(["export", "gradescope", "examples/homework_5x5.toml", "--wrt", "A", "--out", link]) == 2
    assert "already exists; add --force" in capsys.readouterr().err and real.read_bytes() == b"old"
    assert run_cli(["export", "gradescope", "examples/homework_5x5.toml", "--wrt", "A", "--out", link,
                    "--force"]) == 0
    assert link.is_symlink() and zipfile.ZipFile(real).testzip() is None

    fifo = tmp_path / "quiz.fifo"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    assert run_cli(["export", "moodle", HOMEWORK, "--wrt", "A", "--variants", "1", "--out", fifo]) == 0
    received = reader.communicate(timeout=60)[0]
    assert fifo.is_fifo() and ElementTree.fromstring(received).tag == "quiz"


def test_an_exercise_folder_behind_a_symbolic_link_stays_linked_with_the_umasks_mode(tmp_path):
    """An empty folder is written into (its own mode kept); what symconv makes in it gets the
    mode the umask gives."""
    roster = tmp_path / "roster.csv"
    roster.write_text("id\ns1\n")
    real = tmp_path / "real"
    real.mkdir(mode=0o711)
    link = tmp_path / "course"
    link.symlink_to(real)
    previous = os.umask(0o027)
    try:
        assert run_cli(["exercise", HOMEWORK, "--roster", roster, "--out", link, "--force"]) == 0
    finally:
        os.umask(previous)
    assert link.is_symlink() and (real / "s1" / "problem.toml").exists()
    assert real.stat().st_mode & 0o777 == 0o711
    assert (real / "s1").stat().st_mode & 0o777 == 0o750
    assert (real / "s1" / "problem.toml").stat().st_mode & 0o777 == 0o640
