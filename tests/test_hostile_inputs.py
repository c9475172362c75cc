"""Hostile inputs from the command line: problem files, answers, options, output targets, standard
streams and signals. Each is one line on stderr with the exit status the README promises (2 for
bad input, 3 for an internal error, 130 for Ctrl-C, 141 quiet for a broken pipe), never a
traceback, nothing half-written."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from helpers import run_cli

HOMEWORK = "examples/homework_5x5_values.toml"
HANDOUT = "examples/answers/homework_5x5_handout.txt"
RIGHT = "4 7 10 6 3\n9 17 25 16 8\n11 23 34 23 11\n7 16 24 17 8\n2 6 9 7 3\n"
SYMCONV = [sys.executable, "-m", "symconv"]
CONV = '[[layers]]\ntype = "conv"\n[layers.weight]\nshape = [2, 2]\n'


def run(capsys, *argv):
    status = run_cli(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def one_line(err: str) -> str:
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert "Traceback" not in err
    return err[:-1]


# -- problem files ----------------------------------------------------------------------------------
PROBLEMS = {
    "integer too big for an index": (
        "[input]\nshape = [99999999999999999999999, 4]\n" + CONV,
        ":2: input.shape: shape of the input: 99999999999999999999999 is too big (at most 2,147,483,647)"),
    "dims = 2.0": ("dims = 2.0\n[input]\nshape = [4, 4]\n" + CONV,
                   ":1: dims: dims must be 1, 2 or 3, e.g. dims = 2; got 2.0"),
    "5000-digit value": ("[input]\nshape = [2, 2]\nvalues = [[1, 2], [3, " + "7" * 5000 + "]]\n" + CONV,
                         ": a number has thousands of digits; write numbers with at most 40 digits"),
    "50-digit value": ("[input]\nshape = [2, 2]\nvalues = [[1, 2], [3, " + "7" * 50 + "]]\n" + CONV,
                       ":3: input.values[1][1]: a number with 50 digits is over the limit of 40"),
    "1e999999999 as a value": (
        '[input]\nshape = [2, 2]\nvalues = [[1, 2], [3, "1e999999999"]]\n' + CONV,
        ":3: input.values[1][1]: '1e999999999' has an exponent over 30"),
    "5000-deep arrays": ("a = " + "[" * 5000 + "]" * 5000 + "\n",
                         ": arrays or inline tables are nested too deeply"),
    "5000-deep inline tables": ("a = " + "{b = " * 5000 + "}" * 5000 + "\n",
                                ": arrays or inline tables are nested too deeply"),
    "stride = 1e21": ("[input]\nshape = [4, 4]\n" + CONV.replace('"conv"\n', '"conv"\nstride = 1e21\n'),
                      ":5: layers[0].stride: stride must be a whole number or one per spatial axis"),
    "stride too big an integer": (
        "[input]\nshape = [4, 4]\n" + CONV.replace('"conv"\n', '"conv"\nstride = 100000000000000000000\n'),
        ":5: layers[0].stride: stride: 100000000000000000000 is too big"),
    "title = 5": ("title = 5\n[input]\nshape = [4, 4]\n" + CONV,
                  ':1: title: title must be text in quotes, e.g. title = "Homework 1.2"; got 5'),
    "title = true": ("title = true\n[input]\nshape = [4, 4]\n" + CONV, ":1: title: title must be text"),
    "title = {a = 1}": ("title = {a = 1}\n[input]\nshape = [4, 4]\n" + CONV,
                        ":1: title: title must be text"),
    "index_base = 1.0": ("[input]\nshape = [4, 4]\nindex_base = 1.0\n" + CONV,
                         ":3: input.index_base: index_base must be 0 or 1, e.g. index_base = 0; got 1.0"),
    # issue 13: transposed convolutions, padding forms, 3-D
    "output_padding too large": (
        '[input]\nshape = [3, 3]\n[[layers]]\ntype = "conv_transpose"\nstride = 2\n'
        'output_padding = [1, 2]\n[layers.weight]\nshape = [2, 2]\n',
        ":6: layers[0].output_padding: output_padding 2 on axis W must be smaller than the stride"
        " (2) or the dilation (1), as in PyTorch; e.g. output_padding = 1"),
    "a padding pair with a negative entry": (
        "[input]\nshape = [4, 4]\n" + CONV.replace('"conv"\n', '"conv"\npadding = [[1, 2], [-1, 0]]\n'),
        ":5: layers[0].padding: padding [-1, 0] on axis W has a negative entry; each side is at"
        " least 0, e.g. padding = [[1, 2], [0, 1]]"),
    "same on a pooling layer": (
        '[input]\nshape = [4, 4]\n[[layers]]\ntype = "avgpool"\nkernel_size = 2\npadding = "same"\n',
        ':6: layers[0].padding: padding = "same" is for conv and conv_transpose layers; a avgpool'
        " layer takes a whole number per spatial axis (at most kernel_size / 2), e.g. padding = 1"),
    "a 3-D weight for a 2-D problem": (
        "[input]\nshape = [4, 4, 4]\n" + CONV.replace("shape = [2, 2]", "shape = [2, 2, 2]"),
        ":6: layers[0].weight.shape: shape of the weight must have 2 or 4 axes in a 2-D problem"
        " ([Kh, Kw] or [F, C/groups, Kh, Kw]), e.g. shape = [3, 3]; got [2, 2, 2] (a 3-D kernel"
        " needs dims = 3 at the top of the file)"),
    "padding that leaves a transposed convolution no output": (
        'dims = 1\n[input]\nshape = [2]\n[[layers]]\ntype = "conv_transpose"\npadding = 2\n'
        '[layers.weight]\nshape = [2]\n',
        ":6: layers[0].padding: the padding leaves no output on axis L: (H − 1)·S − (P_before +"
        " P_after) + D(K − 1) + output_padding + 1 = (2 − 1)·1 − (2 + 2) + 1·(2 − 1) + 0 + 1 = -1;"
        " use less padding"),
    "a transposed weight whose first axis is not the input channels": (
        '[input]\nshape = [3, 4, 4]\n[[layers]]\ntype = "conv_transpose"\n[layers.weight]\n'
        'shape = [2, 3, 2, 2]\n',
        ":6: layers[0].weight.shape: the weight's first axis holds the input channels (PyTorch's"
        " layout [C_in, C_out/groups, K…]): it has 2 but the input has 3"),
}


@pytest.mark.parametrize("name", PROBLEMS)
def test_hostile_problem_files_are_one_line_and_exit_2(name, tmp_path, capsys):
    text, message = PROBLEMS[name]
    path = tmp_path / "p.toml"
    path.write_text(text)
    status, out, err = run(capsys, "grad", path, "--wrt", "X")
    assert (status, out) == (2, "")
    assert one_line(err) == f"symconv: error: {path}{message}" or \
        one_line(err).startswith(f"symconv: error: {path}{message}"), err


def test_a_problem_file_saved_with_a_byte_order_mark_is_read(tmp_path, capsys):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + Path("examples/homework_5x5.toml").read_bytes())
    assert run(capsys, "grad", path, "--wrt", "A")[:2] == run(capsys, "grad", "examples/homework_5x5.toml",
                                                            "--wrt", "A")[:2]


# -- answers ----------------------------------------------------------------------------------------
def lp_answer_with_roots(count: int) -> str:
    """A 4×4 answer for examples/lppool_mean.toml whose first entry has ``count`` different roots."""
    roots = " + ".join(f"sqrt(X_00^2 + {k + 1})" for k in range(count))
    rows = [["0"] * 4 for _ in range(4)]
    rows[0][0] = roots
    return "\n".join(", ".join(row) for row in rows)


ANSWERS = {
    "(1e30)^8*(1e30)^8 in every entry": (
        HOMEWORK, "A", "\n".join(" ".join(["(1e30)^8*(1e30)^8"] * 5) for _ in range(5)), 1, None),
    "a JSON string ending in an escaped quote, then deep lists": (
        HOMEWORK, "A", '["\\"", ' + "[" * 50000 + "]" * 50000 + "]", 2,
        "lists nested 50001 deep, over the limit of 6"),
    "99 different roots in an LP answer": (
        "examples/lppool_mean.toml", "X", lp_answer_with_roots(99), None, None),
}


@pytest.mark.parametrize("name", ANSWERS)
def test_hostile_answers_are_verdicts_or_one_line(name, tmp_path, capsys):
    problem, wrt, text, expected_status, message = ANSWERS[name]
    path = tmp_path / "answer.txt"
    path.write_text(text)
    status, out, err = run(capsys, "verify", problem, "--wrt", wrt, "--answer", path)
    if expected_status == 2 or status == 2:
        assert out == "" and one_line(err).startswith(f"symconv: error: {path}")
        assert message is None or message in err
    else:
        assert status == 1 and err == ""  # wrong, not a crash (exit 3)
        assert out.startswith(f"{path}: 0 of")
    assert expected_status in (None, status)


def test_a_right_answer_saved_with_a_byte_order_mark_is_right(tmp_path, capsys):
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + RIGHT.encode())
    status, out, err = run(capsys, "verify", HOMEWORK, "--wrt", "A", "--answer", path)
    assert (status, err) == (0, "") and out.splitlines()[0] == f"{path}: 25 of 25 entries right (score 1.00)"


# -- options --------------------------------------------------------------------------------------
OPTIONS = {
    "--rtol nan": (["verify", HOMEWORK, "--wrt", "A", "--answer", HANDOUT, "--rtol", "nan"],
                   "Invalid value for '--rtol': 'nan' is not a number from 0 to 1; write e.g. --rtol 1e-3"),
    "--rtol -1": (["verify", HOMEWORK, "--wrt", "A", "--answer", HANDOUT, "--rtol", "-1"],
                  "Invalid value for '--rtol': '-1' is not a number from 0 to 1"),
    "--atol inf": (["verify", HOMEWORK, "--wrt", "A", "--answer", HANDOUT, "--atol", "inf"],
                   "Invalid value for '--atol': 'inf' is not a number from 0 to 1e+06"),
    "--timeout nan": (["grade", HOMEWORK, HANDOUT, "--wrt", "A", "--timeout", "nan"],
                      "Invalid value for '--timeout': 'nan' is not a number from 0.1 to 3600"),
    "--timeout inf": (["grade", HOMEWORK, HANDOUT, "--wrt", "A", "--timeout", "inf"],
                      "Invalid value for '--timeout': 'inf' is not a number from 0.1 to 3600"),
    "--timeout 1e10": (["grade", HOMEWORK, HANDOUT, "--wrt", "A", "--timeout", "1e10"],
                       "Invalid value for '--timeout': '1e10' is not a number from 0.1 to 3600"),
    "--timeout -1": (["grade", HOMEWORK, HANDOUT, "--wrt", "A", "--timeout", "-1"],
                     "Invalid value for '--timeout': '-1' is not a number from 0.1 to 3600"),
    "check --seed -1": (["check", HOMEWORK, "--seed", "-1"],
                        "Invalid value for '--seed': -1 is not in the range 0<=x<=4294967295."),
    "no command": ([], "no command given; commands: check, connect, exercise, export, forward,"
                       " grad, grade, matrix, practice, shapes, solve, verify (e.g. symconv grad examples/cs7643_4x4_stride1.toml --wrt X;"
                       " symconv --help for more)"),
    "grade on a missing path": (["grade", HOMEWORK, "nowhere/", "--wrt", "A"],
                                "cannot read 'nowhere/': no such file or folder"),
}


@pytest.mark.parametrize("name", OPTIONS)
def test_bad_options_are_one_line_and_exit_2(name, capsys):
    argv, message = OPTIONS[name]
    status, out, err = run(capsys, *argv)
    assert (status, out) == (2, "")
    assert one_line(err).startswith(f"symconv: error: {message}"), err


def test_tolerances_from_python_are_checked_too():
    from symconv.answers import Tolerance
    from symconv.core.errors import SymconvError

    for bad in (float("nan"), float("inf"), -1e-3):
        with pytest.raises(SymconvError, match="rtol must be a finite number of at least 0"):
            Tolerance(rtol=bad)


# -- the top level: internal errors, Ctrl-C -------------------------------------------------------
def test_an_unexpected_exception_is_one_line_and_exit_3(monkeypatch, capsys):
    import symconv.engine.derivation

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug\nover two lines")

    monkeypatch.setattr(symconv.engine.derivation, "derive", broken)
    status, out, err = run(capsys, "grad", "examples/homework_5x5.toml", "--wrt", "A")
    assert (status, out) == (3, "")
    assert one_line(err) == ("symconv: internal error: ZeroDivisionError: a bug over two lines (please"
                             " report this)")


def test_ctrl_c_is_one_line_and_exit_130(monkeypatch, capsys):
    import symconv.engine.derivation

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(symconv.engine.derivation, "derive", interrupted)
    status, out, err = run(capsys, "grad", "examples/homework_5x5.toml", "--wrt", "A")
    assert (status, out, one_line(err)) == (130, "", "symconv: interrupted")


# -- standard streams (real processes) --------------------------------------------------------------
def shell(command: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": os.getcwd()}, **kwargs)


STREAMS = {
    "stdout into /dev/full": (f"{sys.executable} -m symconv grad examples/homework_5x5.toml --wrt A > /dev/full",
                              2, "symconv: error: cannot write to standard output: No space left on device"),
    "stdout closed": (f"{sys.executable} -m symconv grad examples/homework_5x5.toml --wrt A >&-", 2,
                      "symconv: error: standard output is closed; send it somewhere, e.g. > out.txt"),
    "verify --answer - with stdin closed": (
        f"{sys.executable} -m symconv verify {HOMEWORK} --wrt A --answer - <&-", 2,
        "symconv: error: standard input is closed; give a file, or send the answer in, e.g."
        " symconv verify … --answer - < answer.txt"),
    "-o /dev/full": (f"{sys.executable} -m symconv solve examples/slides_1d.toml -o /dev/full", 2,
                     "symconv: error: cannot write '/dev/full': No space left on device"),
    "solve into /dev/full": (f"{sys.executable} -m symconv solve examples/slides_1d.toml > /dev/full", 2,
                             "symconv: error: cannot write to standard output: No space left on device"),
}


@pytest.mark.parametrize("name", STREAMS)
def test_standard_stream_errors_are_one_line_and_exit_2(name):
    command, status, message = STREAMS[name]
    result = shell(command)
    assert (result.returncode, result.stdout) == (status, "")
    assert one_line(result.stderr) == message


def test_a_broken_pipe_is_quiet():
    # about 700 kB of output, far more than a pipe holds: head has gone long before the end
    result = shell(f"{sys.executable} -m symconv grad --input 60x60 --kernel 3x3 --wrt X | head -1;"
                   f" echo \"status ${{PIPESTATUS[0]}}\"")
    assert result.stdout == ("∂L/∂X_00 = ∂L/∂Y_00·∂Y_00/∂X_00 = d1·W_00\n"
                             "status 141\n")
    assert result.stderr == ""


# -- output files -----------------------------------------------------------------------------------
def solve_to(capsys, target, *extra):
    return run(capsys, "solve", "examples/slides_1d.toml", "--format", "text", "-o", target, *extra)


def expected_text(capsys) -> str:
    return run(capsys, "solve", "examples/slides_1d.toml", "--format", "text")[1]


def test_o_onto_a_symlink_writes_its_target_and_keeps_the_link(tmp_path, capsys):
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    assert solve_to(capsys, link, "--force")[0] == 0
    assert link.is_symlink() and real.read_text() == expected_text(capsys)


def test_o_into_a_fifo_writes_into_it(tmp_path, capsys):
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    status = solve_to(capsys, fifo)[0]
    reader.join(10)
    assert status == 0 and stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert received == [expected_text(capsys)]


def test_o_onto_a_device_writes_into_it_and_never_replaces_it(capsys):
    before = os.stat("/dev/null")
    assert solve_to(capsys, "/dev/null")[:2] == (0, "")
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


def test_a_regular_file_under_dev_is_replaced_not_appended_to(capsys):
    """Whether a path is a stream is decided from its type, never its folder: /dev/shm/x.csv is a
    regular file (issue 19: grade --csv /dev/shm/x.csv --force appended to it)."""
    import tempfile

    if not os.path.isdir("/dev/shm"):
        pytest.skip("no /dev/shm here")
    descriptor, name = tempfile.mkstemp(dir="/dev/shm", suffix=".csv")
    os.close(descriptor)
    try:
        Path(name).write_text("an old run\n")
        status, _, err = run(capsys, "grade", HOMEWORK, HANDOUT, "--wrt", "A", "--csv", name)
        assert status == 2 and "already exists; add --force" in one_line(err)
        assert run(capsys, "grade", HOMEWORK, HANDOUT, "--wrt", "A", "--csv", name, "--force")[0] == 0
        text = Path(name).read_text()
        assert text.startswith("file,status,") and "an old run" not in text and text.count("file,") == 1
    finally:
        os.unlink(name)


@pytest.mark.parametrize("name", ["/dev/stdout", "/proc/self/fd/1", "/dev/fd/1"])
def test_a_descriptor_path_writes_into_what_the_shell_opened(tmp_path, name):
    """-o /dev/stdout with standard output sent to a file: written into that file, never a
    replacement of it, and no --force needed."""
    out = tmp_path / "out.txt"
    with open(out, "w") as stream:
        stream.write("first line\n")
        stream.flush()
        done = subprocess.run([sys.executable, "-m", "symconv", "shapes", "examples/slides_1d.toml",
                               "-o", name], stdout=stream, stderr=subprocess.PIPE, text=True,
                              timeout=120)
    assert done.returncode == 0 and done.stderr == ""
    expected = subprocess.run([sys.executable, "-m", "symconv", "shapes", "examples/slides_1d.toml"],
                              capture_output=True, text=True, timeout=120).stdout
    assert expected and out.read_text() == "first line\n" + expected


def test_markdown_to_a_name_that_is_not_utf8_names_its_pictures_so_it_can_refer_to_them(tmp_path):
    """The pictures were named after the document's bytes, which Markdown cannot name: an
    internal error after the pictures were written (found trying issue 19's hostile names)."""
    done = subprocess.run([sys.executable, "-m", "symconv", "solve",
                           os.path.abspath("examples/cs7643_4x4_stride1.toml"), "--format",
                           "markdown", "-o", b"caf\xe9.md"], capture_output=True, timeout=300,
                          cwd=tmp_path, env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert (done.returncode, done.stderr) == (0, b""), done
    text = (tmp_path / os.fsdecode(b"caf\xe9.md")).read_text(encoding="utf-8")
    pictures = sorted(p.name for p in tmp_path.glob("*.svg"))
    assert pictures and all(name.startswith("caf\ufffd-figure-") for name in pictures)
    assert all(f"]({name})" in text for name in pictures)


def test_an_existing_file_keeps_its_mode_and_needs_force(tmp_path, capsys):
    target = tmp_path / "out.txt"
    target.write_text("precious")
    target.chmod(0o640)
    status, out, err = solve_to(capsys, target)
    assert (status, out) == (2, "") and one_line(err) == (
        f"symconv: error: {str(target)!r} already exists; add --force to replace it, or choose another name")
    assert target.read_text() == "precious"
    assert solve_to(capsys, target, "--force")[0] == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o640 and target.read_text() == expected_text(capsys)


def test_a_new_file_follows_the_umask(tmp_path, capsys):
    old = os.umask(0o022)
    try:
        assert solve_to(capsys, tmp_path / "new.txt")[0] == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o644


def test_a_full_disk_leaves_no_temporary_file(tmp_path, capsys, monkeypatch):
    def full(descriptor, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", full)
    status, out, err = solve_to(capsys, tmp_path / "out.txt")
    assert (status, out) == (2, "")
    assert one_line(err) == f"symconv: error: cannot write {str(tmp_path / 'out.txt')!r}: No space left on device"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("make, message", [
    (lambda d: (d / "x.pdf").mkdir(), "-o 'x.pdf' is a folder; give a file name"),
    (lambda d: None, "cannot write 'missing/x.pdf': the folder 'missing' does not exist"),
])
def test_pdf_targets_are_checked_before_compiling(make, message, tmp_path, capsys, monkeypatch):
    import shutil

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/pdflatex" if name == "pdflatex" else None)
    problem = tmp_path / "x.toml"
    problem.write_text(Path(os.path.dirname(__file__), "..", "examples", "slides_1d.toml").read_text())
    make(tmp_path)
    argv = ["solve", str(problem), "--pdf"] + (["-o", "missing/x.pdf"] if "missing" in message else [])
    status, out, err = run(capsys, *argv)
    assert (status, out) == (2, "") and one_line(err) == f"symconv: error: {message}" \
        or message in one_line(err), err


def test_csv_dash_writes_to_standard_output(tmp_path, capsys):
    monkey_dir = tmp_path
    status, out, err = run(capsys, "grade", HOMEWORK, HANDOUT, "--wrt", "A", "--csv", "-")
    assert status == 0 and not (monkey_dir / "-").exists() and not Path("-").exists()
    assert out.splitlines()[0] == "file,status,correct,total,score,diagnosis,first error,wrong entries"
    assert out.splitlines()[1].startswith(f"{HANDOUT},graded,24,25,0.9600")
    assert err.startswith("1 submissions: 1 graded")  # the summary goes to stderr then


def test_the_csv_folder_is_checked_before_grading(tmp_path, capsys, monkeypatch):
    import symconv.answers.grade as grading

    monkeypatch.setattr(grading, "_run_bounded", lambda *a, **k: pytest.fail("graded before the check"))
    status, out, err = run(capsys, "grade", HOMEWORK, HANDOUT, "--wrt", "A", "--csv",
                           tmp_path / "missing" / "g.csv")
    assert (status, out) == (2, "") and "does not exist" in one_line(err)


def test_grade_csv_and_solve_o_follow_the_same_overwrite_rule(tmp_path, capsys):
    target = tmp_path / "taken"
    target.write_text("precious")
    for argv in (["grade", HOMEWORK, HANDOUT, "--wrt", "A", "--csv", target],
                 ["solve", "examples/slides_1d.toml", "-o", target],
                 ["shapes", "examples/slides_1d.toml", "-o", target]):
        status, _, err = run(capsys, *argv)
        assert status == 2 and "already exists; add --force" in one_line(err)
    assert target.read_text() == "precious"


# -- the README's promise, as a script would check it -----------------------------------------------
def test_a_crash_never_exits_with_a_verdicts_status(tmp_path):
    script = tmp_path / "crash.py"
    script.write_text(textwrap.dedent("""
        import sys
        import symconv.answers.verify as verify
        def broken(self, path):
            raise RuntimeError("boom")
        verify.AnswerKey.check_file = broken
        from symconv.interface.cli import main
        main(sys.argv[1:])
    """))
    result = subprocess.run([sys.executable, str(script), "verify", HOMEWORK, "--wrt", "A", "--answer",
                             HANDOUT], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert (result.returncode, result.stdout) == (3, "")
    assert one_line(result.stderr) == "symconv: internal error: RuntimeError: boom (please report this)"
