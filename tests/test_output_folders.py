"""Folder outputs (`exercise --out`, `export prairielearn --out`, `grade --feedback`): made when
missing, written into when symconv made them, refused otherwise, `--force` or not; `--force`
replaces only what symconv wrote there (issue 19). Every deleting case runs in a temporary folder
with a canary file that must survive."""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from helpers import run_cli
from symconv.core.errors import SymconvError

MARKER = ".symconv-output"  # symconv.files.output.MARKER, as a user sees it

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "examples/exercises/homework_5x5_values.toml"
PROBLEM = REPO / "examples/homework_5x5_values.toml"
CANARY = "a canary: symconv must never delete me\n"


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every file (its bytes), folder and link under ``folder``, hidden ones included."""
    found: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        name = str(path.relative_to(folder))
        if path.is_symlink():
            found[name] = "link to " + os.readlink(path)
        elif path.is_dir():
            found[name] = "folder"
        elif path.is_file():
            found[name] = path.read_bytes()
        else:
            found[name] = "special"
    return found


def one_line_exit_2(status: int, capsys) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert status == 2 and len(lines) == 1 and lines[0].startswith("symconv: error: "), captured
    return lines[0]


@pytest.fixture
def course(tmp_path, monkeypatch):
    """A working folder holding a template, a roster and the instructor's notes (one level down
    in the temporary folder, so that even `--out ..` stays inside it)."""
    here = tmp_path / "course"
    here.mkdir()
    (tmp_path / "notes.txt").write_text(CANARY)
    monkeypatch.chdir(here)
    shutil.copy(TEMPLATE, here / "T.toml")
    (here / "roster.csv").write_text("id,name\ns1,Ada\ns2,Bob\n")
    (here / "notes.txt").write_text(CANARY)
    return here


def exercise(out, *more):
    return run_cli(["exercise", "T.toml", "--roster", "roster.csv", "--out", out, *more])


# -- the cases: --force deleted the working folder, or a whole course ------------------------
@pytest.mark.parametrize("out", [".", "./", "..", "sub/..", "sub/../.."])
@pytest.mark.parametrize("force", [[], ["--force"]])
def test_the_working_folder_and_its_ancestors_are_refused(course, capsys, out, force):
    (course / "sub").mkdir()
    before = snapshot(course.parent)
    line = one_line_exit_2(exercise(out, *force), capsys)
    assert f"--out {out!r} holds the folder you are working in; give a new folder" in line
    assert snapshot(course.parent) == before


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_a_folder_holding_an_input_is_refused(course, capsys, force):
    (course / "in").mkdir()
    shutil.move(course / "roster.csv", course / "in" / "roster.csv")
    (course / "in" / MARKER).write_text(json.dumps({"files": ["roster.csv"]}))  # even "symconv's"
    before = snapshot(course)
    status = run_cli(["exercise", "T.toml", "--roster", "in/roster.csv", "--out", "in", *force])
    assert "holds 'in/roster.csv', which this command reads" in one_line_exit_2(status, capsys)
    assert snapshot(course) == before


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_a_folder_symconv_did_not_make_is_refused(course, capsys, force):
    (course / "hw1").mkdir()
    (course / "hw1" / "notes.txt").write_text(CANARY)
    before = snapshot(course)
    line = one_line_exit_2(exercise("hw1", *force), capsys)
    assert "is a folder symconv did not make, holding 'notes.txt'" in line
    assert "--force or not" in line
    assert snapshot(course) == before


@pytest.mark.parametrize("template", ["..toml", "...toml", "§.toml"])
def test_a_template_name_that_gives_no_question_id_is_refused(course, capsys, template):
    """`..toml` made the question folder `questions/.`: --force deleted every other question."""
    shutil.copy(TEMPLATE, course / template)
    other = course / "pl" / "questions" / "other"
    other.mkdir(parents=True)
    (other / "info.json").write_text(CANARY)
    before = snapshot(course)
    status = run_cli(["export", "prairielearn", template, "--wrt", "A", "--out", "pl", "--force"])
    assert "gives no question id" in one_line_exit_2(status, capsys)
    assert snapshot(course) == before


@pytest.mark.parametrize("name, qid", [
    ("conv_backprop.toml", "conv_backprop"), ("Conv HW 1.toml", "Conv-HW-1"),
    ("café.v2.toml", "cafe-v2"), ("../../etc/x.toml", "x"), (".hidden.toml", "hidden"),
])
def test_a_question_id_is_a_safe_slug_of_the_templates_name(name, qid):
    from symconv.export.prairielearn import question_id

    assert question_id(name) == qid


@pytest.mark.parametrize("name", ["..toml", "...toml", "§§.toml", "-.toml"])
def test_no_question_id_is_dot_or_dot_dot(name):
    from symconv.export.prairielearn import question_id

    with pytest.raises(SymconvError, match="gives no question id"):
        question_id(name)


# -- non-folders are never replaced --------------------------------------------------------------------
def make_fifo(path: Path) -> None:
    os.mkfifo(path)


def make_file(path: Path) -> None:
    path.write_text(CANARY)


def make_dangling_link(path: Path) -> None:
    path.symlink_to(path.parent / "nowhere")


def make_link_to_file(path: Path) -> None:
    (path.parent / "target.txt").write_text(CANARY)
    path.symlink_to(path.parent / "target.txt")


NON_FOLDERS = {"FIFO": (make_fifo, "is a FIFO, not a folder"),
               "file": (make_file, "is a file, not a folder"),
               "dangling link": (make_dangling_link, "is a symbolic link to nothing"),
               "link to a file": (make_link_to_file, "is a file, not a folder")}


def command_into(kind: str, out) -> list:
    return {"exercise": ["exercise", "T.toml", "--roster", "roster.csv", "--out", out],
            "prairielearn": ["export", "prairielearn", "T.toml", "--wrt", "A", "--out", out],
            "feedback": ["grade", "T.toml", "roster.csv", "--wrt", "A", "--feedback", out]}[kind]


@pytest.mark.parametrize("kind", ["exercise", "prairielearn", "feedback"])
@pytest.mark.parametrize("what", NON_FOLDERS)
@pytest.mark.parametrize("force", [[], ["--force"]])
def test_a_non_folder_is_refused_and_left_as_it_was(course, capsys, kind, what, force):
    make, message = NON_FOLDERS[what]
    make(course / "out")
    if kind == "feedback":
        shutil.copy(PROBLEM, course / "T.toml")
    before = snapshot(course)
    line = one_line_exit_2(run_cli(command_into(kind, "out") + force), capsys)
    assert message in line or (kind == "prairielearn" and "'out' " + message.split(",")[0] in line)
    assert snapshot(course) == before


@pytest.fixture
def device(tmp_path) -> Path:
    """A device to aim at: as root, a private copy of /dev/null (code that replaced a device
    would replace only the copy; issue 19: as root it replaced the real /dev/full); otherwise
    /dev/null itself, which only root could replace."""
    if os.geteuid() != 0:
        return Path("/dev/null")
    node = tmp_path / "null-device"
    os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    return node


@pytest.mark.parametrize("kind", ["exercise", "prairielearn", "feedback"])
@pytest.mark.parametrize("force", [[], ["--force"]])
def test_a_device_is_refused_and_left_as_it_was(course, capsys, device, kind, force):
    if kind == "feedback":
        shutil.copy(PROBLEM, course / "T.toml")
    before = os.stat(device)
    line = one_line_exit_2(run_cli(command_into(kind, device) + force), capsys)
    assert "is a device" in line
    after = os.stat(device)
    assert (after.st_ino, after.st_mode, after.st_rdev) == (before.st_ino, before.st_mode, before.st_rdev)


# -- what symconv made is written into, and --force replaces only that ------------------------------------
def test_force_replaces_only_what_symconv_wrote(course, capsys):
    assert exercise("hw1") == 0
    capsys.readouterr()
    (course / "hw1" / "notes.txt").write_text(CANARY)  # the instructor's, beside symconv's files
    (course / "hw1" / "s1" / "marks.txt").write_text(CANARY)
    (course / "hw1" / "s2" / "problem.toml").write_text("edited by hand")
    before = snapshot(course / "hw1")
    assert "add --force to replace it" in one_line_exit_2(exercise("hw1"), capsys)
    assert snapshot(course / "hw1") == before
    # a smaller class: s2 leaves, s3 joins
    (course / "roster.csv").write_text("id,name\ns1,Ada\ns3,Cy\n")
    assert exercise("hw1", "--force") == 0
    assert sorted(p.name for p in (course / "hw1").iterdir()) == [
        MARKER, "SUMMARY.md", "notes.txt", "roster.csv", "s1", "s3"]
    assert (course / "hw1" / "notes.txt").read_text() == CANARY
    assert (course / "hw1" / "s1" / "marks.txt").read_text() == CANARY
    assert (course / "hw1" / "roster.csv").read_text() == "id,name\ns1,Ada\ns3,Cy\n"
    listed = json.loads((course / "hw1" / MARKER).read_text())["files"]
    assert "notes.txt" not in listed and "s3/problem.toml" in listed and "s2/problem.toml" not in listed
    assert (course / "notes.txt").read_text() == CANARY


def test_a_file_in_the_way_that_symconv_did_not_write_is_refused_even_with_force(course, capsys):
    assert exercise("hw1") == 0
    (course / "roster.csv").write_text("id,name\ns1,Ada\ns2,Bob\ns3,Cy\n")
    (course / "hw1" / "s3").mkdir()
    (course / "hw1" / "s3" / "problem.toml").write_text(CANARY)
    capsys.readouterr()
    before = snapshot(course)
    line = one_line_exit_2(exercise("hw1", "--force"), capsys)
    assert "holds 's3/problem.toml', which symconv did not write" in line
    assert snapshot(course) == before


def test_an_empty_folder_is_written_into(course, capsys):
    (course / "hw1").mkdir()
    assert exercise("hw1") == 0
    assert (course / "hw1" / "s2" / "question.tex").exists() and (course / "hw1" / MARKER).exists()


def test_a_missing_folder_needs_its_parent(course, capsys):
    line = one_line_exit_2(exercise("no/such/hw1"), capsys)
    assert line == "symconv: error: cannot write 'no/such/hw1': the folder 'no/such' does not exist"


@pytest.fixture
def unprivileged():
    """A command prefix that runs symconv as a user the permission bits bind (root is not bound
    by them: it runs as nobody), and a folder that user may use."""
    import subprocess
    import sys
    import tempfile

    prefix = []
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv to drop the privilege")
        prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        probe = subprocess.run(prefix + [sys.executable, "-c", "import symconv"], capture_output=True,
                               text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})
        if probe.returncode != 0:  # a checkout in a folder only root may enter (mktemp -d's 0700)
            pytest.skip("the unprivileged user cannot import symconv from this checkout: "
                        + probe.stderr.strip().splitlines()[-1])
    place = Path(tempfile.mkdtemp(prefix="symconv-ro-"))
    place.chmod(0o777)
    shutil.copy(TEMPLATE, place / "T.toml")
    (place / "roster.csv").write_text("id\ns1\n")
    (place / "T.toml").chmod(0o644)
    (place / "roster.csv").chmod(0o644)

    def run(*argv):
        return subprocess.run(prefix + [sys.executable, "-m", "symconv", *argv], cwd=place,
                              capture_output=True, text=True, timeout=300,
                              env={**os.environ, "PYTHONPATH": str(REPO)})

    yield place, run
    for path in place.rglob("*"):
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)
    shutil.rmtree(place)


def test_a_read_only_folder_is_one_line(unprivileged):
    place, run = unprivileged
    (place / "ro").mkdir()
    (place / "ro" / "notes.txt").write_text(CANARY)
    (place / "ro").chmod(0o555)
    (place / "mine").mkdir()
    (place / "mine").chmod(0o777)
    for out, message in (("ro/hw1", "cannot write 'ro/hw1': the folder 'ro' is not writable"),
                         ("ro", "cannot write 'ro': the folder is not writable"),
                         ("/proc/hw1", "cannot write '/proc/hw1': the folder '/proc' is not writable")):
        done = run("exercise", "T.toml", "--roster", "roster.csv", "--out", out, "--force")
        assert done.returncode == 2 and done.stdout == "", done
        assert done.stderr.count("\n") == 1 and message in done.stderr
    assert sorted(os.listdir(place / "ro")) == ["notes.txt"]
    # symconv's own folder made read-only afterwards
    assert run("exercise", "T.toml", "--roster", "roster.csv", "--out", "mine/hw1").returncode == 0
    (place / "mine" / "hw1").chmod(0o555)
    done = run("exercise", "T.toml", "--roster", "roster.csv", "--out", "mine/hw1", "--force")
    assert done.returncode == 2 and done.stderr == ("symconv: error: cannot write 'mine/hw1': the"
                                                    " folder is not writable\n")


@pytest.mark.parametrize("listed", ["../notes.txt", "/etc/passwd", "s1/../../notes.txt", "", "."])
def test_a_forged_marker_is_refused(course, capsys, listed):
    (course / "hw1").mkdir()
    (course / "hw1" / MARKER).write_text(json.dumps({"files": [listed]}))
    before = snapshot(course)
    line = one_line_exit_2(exercise("hw1", "--force"), capsys)
    assert "is not symconv's list of the files it wrote there" in line
    assert snapshot(course) == before


def test_force_never_follows_a_link_inside_the_folder(course, capsys):
    """The marker lists s9/problem.toml, and s9 has become a link to the working folder, which
    holds a problem.toml of the instructor's: it survives."""
    assert exercise("hw1") == 0
    (course / "problem.toml").write_text(CANARY)
    marker = course / "hw1" / MARKER
    listed = json.loads(marker.read_text())
    marker.write_text(json.dumps({**listed, "files": listed["files"] + ["s9/problem.toml"]}))
    (course / "hw1" / "s9").symlink_to(course)
    assert exercise("hw1", "--force") == 0
    assert (course / "problem.toml").read_text() == CANARY
    assert (course / "hw1" / "s9").is_symlink()
    assert (course / "notes.txt").read_text() == CANARY


def test_a_marker_that_is_a_link_is_refused(course, capsys):
    (course / "hw1").mkdir()
    (course / "list.json").write_text(json.dumps({"files": ["notes.txt"]}))
    (course / "hw1" / MARKER).symlink_to(course / "list.json")
    line = one_line_exit_2(exercise("hw1", "--force"), capsys)
    assert "is not symconv's list" in line


def test_a_failed_write_changes_nothing(course, capsys, monkeypatch):
    """A full disk halfway through: the folder symconv wrote before is as it was, with nothing of
    the new run in it, and a folder this run made is gone."""
    assert exercise("hw1") == 0
    capsys.readouterr()
    before = snapshot(course)
    real_open = os.open
    count = {"files": 0}

    def full_after_a_few(path, flags, *args, **kwargs):
        if flags & os.O_CREAT and not str(path).startswith(".symconv-output"):
            count["files"] += 1
            if count["files"] > 4:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", full_after_a_few)
    (course / "roster.csv").write_text("id,name\ns1,Ada\ns3,Cy\n")
    after_roster = snapshot(course)
    line = one_line_exit_2(exercise("hw1", "--force"), capsys)
    assert line == "symconv: error: cannot write 'hw1': No space left on device"
    assert snapshot(course) == after_roster and snapshot(course)["hw1/s2/problem.toml"] == \
        before["hw1/s2/problem.toml"]
    count["files"] = 0
    one_line_exit_2(exercise("hw2"), capsys)
    assert not (course / "hw2").exists()


def test_a_failure_while_moving_into_place_puts_everything_back(course, capsys, monkeypatch):
    assert exercise("hw1") == 0
    capsys.readouterr()
    (course / "roster.csv").write_text("id,name\ns1,Ada\ns3,Cy\n")
    before = snapshot(course)
    real_rename = os.rename
    count = {"renames": 0}

    def fails_halfway(source, target, **kwargs):
        count["renames"] += 1
        if count["renames"] == 9:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return real_rename(source, target, **kwargs)

    monkeypatch.setattr(os, "rename", fails_halfway)
    line = one_line_exit_2(exercise("hw1", "--force"), capsys)
    assert line == "symconv: error: cannot write 'hw1': Input/output error"
    assert snapshot(course) == before


def test_the_folder_check_comes_before_any_drawing(course, capsys, monkeypatch):
    import symconv.course.exercise

    def never(*args, **kwargs):
        raise AssertionError("drew variants for a folder that is refused")

    monkeypatch.setattr(symconv.course.exercise, "draw_class", never)
    (course / "hw1").mkdir()
    (course / "hw1" / "x").write_text(CANARY)
    one_line_exit_2(exercise("hw1"), capsys)


# -- PrairieLearn: the question folder and symconv's code folder --------------------------------------
def test_prairielearn_exports_beside_other_questions_and_replaces_only_its_own(course, capsys):
    other = course / "pl" / "questions" / "other"
    other.mkdir(parents=True)
    (other / "info.json").write_text(CANARY)
    (course / "pl" / "infoCourse.json").write_text(CANARY)
    args = ["export", "prairielearn", "T.toml", "--wrt", "A", "--out", "pl"]
    assert run_cli(args) == 0
    assert capsys.readouterr().out == "wrote pl/questions/T\n"
    question = course / "pl" / "questions" / "T"
    assert sorted(p.name for p in question.iterdir()) == [
        MARKER, "info.json", "question.html", "server.py", "template.toml"]
    assert "add --force" in one_line_exit_2(run_cli(args), capsys)
    (question / "my-notes.md").write_text(CANARY)
    assert run_cli(args + ["--force"]) == 0
    assert (question / "my-notes.md").read_text() == CANARY
    assert (other / "info.json").read_text() == CANARY
    assert (course / "pl" / "infoCourse.json").read_text() == CANARY
    # a second question shares symconv's code folder, replaced without --force
    shutil.copy(TEMPLATE, course / "T2.toml")
    assert run_cli(["export", "prairielearn", "T2.toml", "--wrt", "A", "--out", "pl"]) == 0
    assert (course / "pl" / "serverFilesCourse" / "symconv" / "problems" / "problem.py").exists()


def test_prairielearn_refuses_a_code_folder_it_did_not_write(course, capsys):
    code = course / "pl" / "serverFilesCourse" / "symconv"
    code.mkdir(parents=True)
    (code / "mine.py").write_text(CANARY)
    before = snapshot(course)
    status = run_cli(["export", "prairielearn", "T.toml", "--wrt", "A", "--out", "pl", "--force"])
    assert "symconv did not make, holding 'mine.py'" in one_line_exit_2(status, capsys)
    assert snapshot(course) == before


def test_prairielearn_refuses_a_question_folder_holding_its_template(course, capsys):
    question = course / "pl" / "questions" / "T"
    question.mkdir(parents=True)
    shutil.copy(TEMPLATE, question / "T.toml")
    before = snapshot(course)
    status = run_cli(["export", "prairielearn", question / "T.toml", "--wrt", "A", "--out", "pl",
                      "--force"])
    assert "which this command reads" in one_line_exit_2(status, capsys)
    assert snapshot(course) == before


# -- grade --feedback ---------------------------------------------------------------------------------
def test_feedback_into_a_folder_of_submissions_is_refused(course, capsys):
    shutil.copy(PROBLEM, course / "T.toml")
    subs = course / "subs"
    subs.mkdir()
    (subs / "bob.txt").write_text("1 2\n")
    before = snapshot(course)
    for force in ([], ["--force"]):
        status = run_cli(["grade", "T.toml", "subs", "--wrt", "A", "--feedback", "subs", *force])
        assert "which this command reads" in one_line_exit_2(status, capsys)
        status = run_cli(["grade", "T.toml", "subs", "--wrt", "A", "--feedback", ".", *force])
        assert "holds the folder you are working in" in one_line_exit_2(status, capsys)
    assert snapshot(course) == before


def test_feedback_with_force_replaces_the_last_runs_feedback(course, capsys):
    shutil.copy(PROBLEM, course / "T.toml")
    (course / "subs").mkdir()
    for name in ("bob.txt", "eve.txt"):
        (course / "subs" / name).write_text("1 2\n")
    args = ["grade", "T.toml", "subs", "--wrt", "A", "--feedback", "fb"]
    assert run_cli(args) == 0
    (course / "fb" / "README").write_text(CANARY)
    (course / "subs" / "eve.txt").unlink()
    assert run_cli(args + ["--force"]) == 0
    assert sorted(p.name for p in (course / "fb").iterdir()) == [MARKER, "README", "bob.txt.txt"]


# -- the Python API -----------------------------------------------------------------------------------
def test_the_writer_writes_nothing_when_its_block_fails(tmp_path):
    from symconv.files.output import MARKER as marker, OutputFolder

    assert marker == MARKER
    folder = OutputFolder.check(tmp_path / "out")
    with pytest.raises(RuntimeError):
        with folder.writer() as writer:
            writer.write_text("a/b.txt", "x")
            raise RuntimeError("stop")
    assert not (tmp_path / "out").exists()
    with folder.writer() as writer:
        writer.write_text("a/b.txt", "x")
    assert (tmp_path / "out" / "a" / "b.txt").read_text() == "x"
    assert sorted(os.listdir(tmp_path / "out")) == [MARKER, "a"]


@pytest.mark.parametrize("name", ["../x", "/x", "a//b", "a/./b", ".symconv-output", ""])
def test_the_writer_refuses_names_outside_the_folder(tmp_path, name):
    from symconv.files.output import OutputFolder

    with pytest.raises(SymconvError, match="cannot write a file named"):
        with OutputFolder.check(tmp_path / "out").writer() as writer:
            writer.write_text(name, "x")
    assert not (tmp_path / "out").exists()


def test_output_names_that_are_not_utf8_are_written_and_shown_escaped(course):
    """A name from another system (bytes that are not UTF-8) was an internal error after the
    folder was written."""
    import subprocess
    import sys

    (course / "right.txt").write_text("1\n")
    commands = [
        ([b"exercise", b"T.toml", b"--roster", b"roster.csv", b"--out", b"hw\xe9"],
         b"wrote 2 exercises to hw\\xe9 (see hw\\xe9/SUMMARY.md); every student has their own"
         b" variant\n"),
        ([b"export", b"prairielearn", b"T.toml", b"--wrt", b"A", b"--out", b"c\xe9"],
         b"wrote c\\xe9/questions/T\n"),
        ([b"export", b"moodle", b"T.toml", b"--wrt", b"A", b"--variants", b"1", b"--out", b"q\xe9.xml"],
         b"wrote q\\xe9.xml: 1 questions\n"),
        ([b"export", b"gradescope", b"T.toml", b"--wrt", b"A", b"--roster", b"roster.csv", b"--out",
          b"g\xe9.zip"], b"wrote g\\xe9.zip\n"),
    ]
    for argv, said in commands:
        done = subprocess.run([sys.executable, "-m", "symconv", *argv], capture_output=True,
                              timeout=300, cwd=course)
        assert (done.returncode, done.stdout, done.stderr) == (0, said, b""), done
    assert os.path.isfile(b"hw\xe9/s1/problem.toml") and os.path.isfile(b"q\xe9.xml")
    assert os.path.isfile(b"c\xe9/questions/T/server.py") and os.path.isfile(b"g\xe9.zip")


def test_force_replaces_only_files_never_what_took_their_place(course, capsys):
    """The marker lists s1/question.md and s2/problem.toml; the instructor replaced the one by a
    folder of notes and the other by a link: neither is symconv's to remove."""
    assert exercise("hw1") == 0
    capsys.readouterr()
    (course / "hw1" / "s2" / "problem.toml").unlink()
    (course / "hw1" / "s2" / "problem.toml").symlink_to(course / "notes.txt")
    (course / "roster.csv").write_text("id,name\ns1,Ada\n")  # s2 leaves: their files go
    (course / "hw1" / "s1" / "question.md").unlink()
    (course / "hw1" / "s1" / "question.md").mkdir()
    (course / "hw1" / "s1" / "question.md" / "mine.txt").write_text(CANARY)
    line = one_line_exit_2(exercise("hw1", "--force"), capsys)
    assert "holds 's1/question.md', which symconv did not write" in line
    shutil.rmtree(course / "hw1" / "s1" / "question.md")
    assert exercise("hw1", "--force") == 0
    assert (course / "hw1" / "s2" / "problem.toml").is_symlink()
    assert (course / "notes.txt").read_text() == CANARY
    assert not (course / "hw1" / "s2" / "question.md").exists()
