"""`symconv verify` and `symconv grade` from the command line, failing paths included."""

import csv
import io
import json
import re
import os
import sys
import time

import pytest

from symconv import load_problem
from symconv.answers import AnswerKey
from symconv.answers.grade import GradeRow, grade
from helpers import run_cli as main

PROBLEM = "examples/homework_5x5_values.toml"
HANDOUT = "examples/answers/homework_5x5_handout.txt"
RIGHT = "4 7 10 6 3\n9 17 25 16 8\n11 23 34 23 11\n7 16 24 17 8\n2 6 9 7 3\n"


def run(argv, capsys):
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


# -- verify -----------------------------------------------------------------------------------------
def test_verify_right_answer_exits_0(tmp_path, capsys):
    answer = tmp_path / "right.txt"
    answer.write_text(RIGHT)
    status, out, err = run(["verify", PROBLEM, "--wrt", "A", "--answer", str(answer)], capsys)
    assert (status, err) == (0, "")
    assert out == f"{answer}: 25 of 25 entries right (score 1.00)\nevery entry is right\n"


def test_verify_reads_standard_input(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(RIGHT.encode())))
    status, out, _ = run(["verify", PROBLEM, "--wrt", "A", "--answer", "-", "--format", "json"], capsys)
    data = json.loads(out)
    assert status == 0
    assert (data["source"], data["correct"], data["total"], data["score"], data["diagnosis"]) == (
        "<stdin>", 25, 25, 1.0, None)
    assert data["entries"][12] == {
        "index": [2, 2], "name": "A_{33}", "row": 3, "entry": 3, "correct": True, "given": "34",
        "written": "34", "expected": "34", "expected_plain": "34", "expected_value": 34, "base_shifted": False,
        "missing": [], "extra": [], "coefficients": [], "terms": []}


def test_verify_wrong_answer_exits_1_with_json_diagnosis(tmp_path, capsys):
    answer = tmp_path / "neg.txt"
    answer.write_text("\n".join(" ".join(f"-{v}" for v in row.split()) for row in RIGHT.splitlines()))
    status, out, _ = run(["verify", PROBLEM, "--wrt", "A", "--answer", str(answer), "--format", "json"],
                         capsys)
    data = json.loads(out)
    assert status == 1 and data["correct"] == 0
    assert data["diagnosis"]["mistake"] == "sign-flipped" and data["diagnosis"]["whole"]


def test_decimals_use_the_tolerance_and_whole_numbers_are_exact(tmp_path, capsys):
    answer = tmp_path / "decimal.txt"
    answer.write_text(RIGHT.replace(" 34 ", " 33.99 "))
    argv = ["verify", PROBLEM, "--wrt", "A", "--answer", str(answer)]
    assert run(argv, capsys)[0] == 0  # |33.99 − 34| ≤ 1e-6 + 1e-3·34
    assert run(argv + ["--rtol", "1e-4"], capsys)[0] == 1
    assert run(argv + ["--rtol", "0", "--atol", "0.02"], capsys)[0] == 0
    answer.write_text(RIGHT.replace(" 34 ", " 33 "))
    assert run(argv + ["--rtol", "0.5"], capsys)[0] == 1  # integers: no tolerance


def test_run_together_names_are_echoed(tmp_path, capsys):
    answer = tmp_path / "juxtaposed.txt"
    answer.write_text("d1w1, d1w2 + d2w1, d2w2 + d3w1, d3w2\n"
                      "d1w3 + d4w1, d1w4 + d2w3 + d4w2 + d5w1, d2w4 + d3w3 + d5w2 + d6w1, d3w4 + d6w2\n"
                      "d4w3 + d7w1, d4w4 + d5w3 + d7w2 + d8w1, d5w4 + d6w3 + d8w2 + d9w1, d6w4 + d9w2\n"
                      "d7w3, d7w4 + d8w3, d8w4 + d9w3, d9w4\n")
    status, out, _ = run(["verify", "examples/cs7643_4x4_stride1.toml", "--wrt", "X", "--answer",
                          str(answer)], capsys)
    assert status == 0
    written_together = len(re.findall(r"d\dw\d", answer.read_text()))
    assert out.splitlines()[1:] == [  # one line for all of them, with an example
        f"note: read {written_together} names written together as products, e.g. 'd1w1' as d1·w1"
        " (row 1, entry 1)", "every entry is right"]


@pytest.mark.parametrize("argv, message", [
    (["verify", "missing.toml", "--wrt", "A", "--answer", HANDOUT],
     "symconv: error: cannot read problem file 'missing.toml': No such file or directory"),
    (["verify", PROBLEM, "--wrt", "Q", "--answer", HANDOUT],
     "symconv: error: no tensor named 'Q' to differentiate; valid names: A, B"),
    (["verify", PROBLEM, "--wrt", "A", "--answer", "missing.txt"],
     "symconv: error: cannot read answer file 'missing.txt': No such file or directory"),
    (["verify", PROBLEM, "--wrt", "A"], "symconv: error: Missing option '--answer'."),
    (["verify", PROBLEM, "--answer", HANDOUT], "symconv: error: Missing option '--wrt'."),
    (["verify", PROBLEM, "--wrt", "A", "--answer", HANDOUT, "--format", "xml"],
     "symconv: error: Invalid value for '--format'"),
    (["verify", PROBLEM, "--wrt", "A", "--answer", HANDOUT, "--rtol", "-1"],
     "symconv: error: Invalid value for '--rtol'"),
    (["verify", PROBLEM, "--wrt", "A", "--answer", HANDOUT, "--max-terms", "10"],
     "symconv: error: this problem has 162 chain-rule terms, over the limit of 10"),
])
def test_verify_failing_paths_exit_2_with_one_line(argv, message, capsys):
    status, out, err = run(argv, capsys)
    assert (status, out) == (2, "")
    assert err.startswith(message) and err.count("\n") == 1, err


# -- grade ------------------------------------------------------------------------------------------
@pytest.fixture
def submissions(tmp_path):
    folder = tmp_path / "subs"
    (folder / "section2").mkdir(parents=True)
    (folder / "alice.txt").write_text(RIGHT)
    (folder / "bob.txt").write_text(RIGHT.replace(" 34 ", " 35 "))
    (folder / "section2" / "carol.tex").write_text(
        "\\begin{bmatrix}" + " \\\\ ".join(" & ".join(f"-{v}" for v in row.split())
                                          for row in RIGHT.splitlines()) + "\\end{bmatrix}")
    (folder / "dave.txt").write_text(RIGHT.replace(" 34 ", " __import__('os').system('touch pwned') "))
    (folder / "erin.txt").write_bytes(b"\xff\xfe")
    (folder / ".hidden.txt").write_text(RIGHT)
    os.mkfifo(folder / "fifo")
    (folder / "escape").symlink_to("/etc/passwd")
    (folder / "inside").symlink_to(folder / "alice.txt")
    return folder


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_grade_writes_one_row_per_submission(submissions, tmp_path, capsys):
    out_csv = tmp_path / "grades.csv"
    status, out, err = run(["grade", PROBLEM, "--wrt", "A", str(submissions), "--csv", str(out_csv)],
                           capsys)
    assert (status, err) == (0, "")  # no progress bar: stderr is not a terminal
    rows = read_csv(out_csv)
    assert rows[0] == ["file", "status", "correct", "total", "score", "diagnosis", "first error",
                       "wrong entries"]
    by_name = {os.path.relpath(r[0], submissions): r for r in rows[1:]}
    assert sorted(by_name) == ["alice.txt", "bob.txt", "dave.txt", "erin.txt", "escape", "fifo",
                               "inside", "section2/carol.tex"]
    assert by_name["alice.txt"][1:6] == ["graded", "25", "25", "1.0000", ""]
    assert by_name["inside"][1:6] == ["graded", "25", "25", "1.0000", ""]
    assert by_name["bob.txt"][1:] == ["graded", "24", "25", "0.9600", "",
                                      "row 3, entry 3: given '35', expected 34",
                                      "A_33: given 35, expected 34"]
    assert by_name["section2/carol.tex"][1:6] == ["graded", "0", "25", "0.0000", "sign-flipped"]
    carol_errors = by_name["section2/carol.tex"][7].split("; ")
    assert len(carol_errors) == 25 and carol_errors[0] == "A_11: given -4, expected 4"
    assert by_name["dave.txt"][1] == "invalid" and "'__' is not allowed" in by_name["dave.txt"][6]
    assert by_name["dave.txt"][2:5] == ["", "", ""]  # no score: invalid is not 0
    assert by_name["erin.txt"][1] == "invalid" and "invalid UTF-8 at byte offset 0" in by_name["erin.txt"][6]
    assert by_name["fifo"][1] == "invalid" and "is not a regular file" in by_name["fifo"][6]
    assert by_name["escape"][1:] == ["invalid", "", "", "", "",
                                     f"a link that leads out of the folder {str(submissions)!r}; skipped", ""]
    lines = out.splitlines()
    assert lines[:3] == [
        "8 submissions: 4 graded, 4 invalid, 0 not graded (retry); mean score 0.74 over the 4 graded",
        "most often wrong: ∂E/∂A_33 (2), ∂E/∂A_11 (1), ∂E/∂A_12 (1), ∂E/∂A_13 (1), ∂E/∂A_14 (1)",
        "likely mistakes: sign-flipped (1)"]
    assert [line.split(":")[0] for line in lines[3:7]] == ["invalid"] * 4  # each invalid file named
    assert [line for line in lines[3:7] if str(submissions / "dave.txt") in line]
    assert lines[7:] == [f"wrote {out_csv}"]
    assert not os.path.exists("pwned")


def test_grade_does_not_overwrite_without_force(submissions, tmp_path, capsys):
    out_csv = tmp_path / "grades.csv"
    out_csv.write_text("precious")
    argv = ["grade", PROBLEM, "--wrt", "A", str(submissions / "alice.txt"), "--csv", str(out_csv)]
    status, out, err = run(argv, capsys)
    assert (status, out) == (2, "")
    assert err == (f"symconv: error: {str(out_csv)!r} already exists; add --force to replace it,"
                   f" or choose another name\n")
    assert out_csv.read_text() == "precious"
    assert run(argv + ["--force"], capsys)[0] == 0
    assert read_csv(out_csv)[1][1:5] == ["graded", "25", "25", "1.0000"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".grades")] == []  # no temp left


@pytest.mark.parametrize("csv_name, message", [
    ("", "is a folder; give a file name, e.g. --csv"),
    ("nowhere/grades.csv", "/nowhere' does not exist"),
])
def test_grade_csv_destination_errors(csv_name, message, submissions, tmp_path, capsys):
    status, out, err = run(["grade", PROBLEM, "--wrt", "A", str(submissions), "--csv",
                            str(tmp_path / csv_name)], capsys)
    assert (status, out) == (2, "") and message in err and err.count("\n") == 1


def test_grade_needs_submissions_and_without_a_csv_prints_every_submission(capsys):
    status, out, err = run(["grade", PROBLEM, "--wrt", "A", "--csv", "x.csv"], capsys)
    assert status == 2 and "give the problem file and at least one submission" in err
    status, out, err = run(["grade", PROBLEM, "--wrt", "A", HANDOUT], capsys)
    assert (status, err) == (0, "")
    assert out.splitlines()[:2] == [
        f"{HANDOUT}: 24 of 25 right (score 0.96)",
        "1 submissions: 1 graded, 0 invalid, 0 not graded (retry); mean score 0.96 over the 1 graded"]


def test_spreadsheet_formulas_in_file_names_are_quoted(tmp_path):
    assert GradeRow("=HYPERLINK(x)", "invalid", error="-2").csv_cells()[0] == "'=HYPERLINK(x)"
    assert GradeRow("a.txt", "invalid", error="+1").csv_cells()[6] == "'+1"


def test_roster_column_names_are_quoted_like_the_cells(tmp_path, capsys):
    """A roster's header reached the grade CSV as written: =1+2 ran as a formula (issue 19)."""
    folder = tmp_path / "ex"
    (folder / "s1").mkdir(parents=True)
    (folder / "s1" / "problem.toml").write_text(open(PROBLEM).read())
    (folder / "roster.csv").write_text("id,=1+2,@SUM(A1),-x,name\ns1,=3,@4,-5,Ada\n")
    (tmp_path / "s1.txt").write_text(RIGHT)
    assert main(["grade", "--exercises", folder, tmp_path / "s1.txt", "--wrt", "A", "--csv",
                 tmp_path / "g.csv"]) == 0
    header, row = list(csv.reader(open(tmp_path / "g.csv", encoding="utf-8")))
    assert header[:5] == ["student", "'=1+2", "'@SUM(A1)", "'-x", "name"]
    assert row[:5] == ["s1", "'=3", "'@4", "'-5", "Ada"]


def test_no_csv_cell_is_longer_than_32000_characters(tmp_path, capsys):
    """Every wrong entry's expression made a cell of over 128 KB, which spreadsheets cut and
    Python's csv module refuses to read (issue 19): the cell lists the first ones and says how
    many more there are; the feedback file has them all."""
    problem = tmp_path / "big.toml"
    problem.write_text('[input]\nshape = [30, 30]\n[[layers]]\ntype = "conv"\n[layers.weight]\n'
                       'shape = [3, 3]\n')
    (tmp_path / "zeros.txt").write_text("\n".join(" ".join(["0"] * 30) for _ in range(30)))
    (tmp_path / ("=" + "x" * 40_000 + ".txt")[:200]).write_text("not an answer (")
    assert main(["grade", problem, tmp_path / "zeros.txt", tmp_path / ("=" + "x" * 199)[:200],
                 "--wrt", "X", "--csv", tmp_path / "g.csv", "--feedback", tmp_path / "fb",
                 "--show-expected", "--timeout", "60"]) == 0
    text = (tmp_path / "g.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))  # the default field size limit, 131,072
    assert max(len(cell) for row in rows for cell in row.values()) <= 32_000
    listed = rows[0]["wrong entries"]
    found = re.fullmatch(r"(.*); … and ([\d,]+) more \(every one is in the --feedback file\)",
                         listed)
    assert found and 30_000 < len(listed) <= 32_000
    shown = found.group(1).split("; ")
    assert shown[0].startswith("X_00: given 0, expected ")
    assert len(shown) + int(found.group(2).replace(",", "")) == 900  # every entry is wrong
    feedback = (tmp_path / "fb" / "zeros.txt.txt").read_text()
    assert len(re.findall(r"^✗ ∂L/∂X_\S+ \(row \d+, entry \d+\): given 0, expected ", feedback,
                          re.MULTILINE)) == 900


# -- bounds on each submission (library level, with a key that misbehaves on purpose) ------------
class MisbehavingKey(AnswerKey):
    def check_file(self, path):
        name = os.path.basename(path)
        if name.startswith("slow"):  # asleep: no CPU time, so only the wall backstop stops it
            time.sleep(30)
        if name.startswith("spin"):  # CPU time: the CPU bound stops it
            while True:
                pass
        if name.startswith("crash"):
            os._exit(3)
        if name.startswith("greedy"):
            bytearray(4 * 2**30)  # over the worker's address-space limit
        if name.startswith("writer"):
            with open(path + ".written", "w") as handle:
                handle.write("x" * 10)
        return super().check_file(path)


def test_slow_crashing_and_greedy_submissions_cost_one_row_each(tmp_path):
    names = ["a.txt", "slow.txt", "b.txt", "crash.txt", "c.txt", "greedy.txt", "writer.txt", "d.txt",
             "spin.txt"]
    for name in names:
        (tmp_path / name).write_text(RIGHT)
    key = MisbehavingKey(load_problem(PROBLEM), "A")
    start = time.monotonic()
    # a wall backstop generous enough that right answers pass on a machine busy with other work
    report = grade(key, [str(tmp_path / n) for n in names], workers=2, timeout=1.0, wall_timeout=10)
    assert time.monotonic() - start < 45
    rows = {os.path.basename(r.file): r for r in report.rows}
    assert [os.path.basename(r.file) for r in report.rows] == names
    for name in ("a.txt", "b.txt", "c.txt", "d.txt"):
        assert rows[name].valid and rows[name].score == 1.0
    # a bound hit is "not graded, retry", never a score of 0
    assert rows["slow.txt"].status == "not graded"
    assert rows["slow.txt"].error == "checking it took longer than 10 s (is the machine busy?); retry"
    assert rows["crash.txt"].status == "not graded" and rows["crash.txt"].error.startswith(
        "the checker stopped on this file (over the memory limit?); retry")
    assert rows["greedy.txt"].status == "not graded" and "more memory" in rows["greedy.txt"].error
    assert rows["spin.txt"].status == "not graded"
    assert rows["spin.txt"].error == "checking it used more than 1 s of CPU time; retry (e.g. --timeout 10)"
    assert not rows["writer.txt"].valid and "internal error (OSError)" in rows["writer.txt"].error
    assert not (tmp_path / "writer.txt.written").exists() or (tmp_path / "writer.txt.written").stat().st_size == 0
    assert report.summary.count == 9 and report.summary.valid == 4
    assert len(report.summary.not_graded) == 5 and report.summary.mean_score == 1.0


def test_grading_keeps_up_with_a_class(tmp_path):
    for i in range(300):
        (tmp_path / f"s{i:03d}.txt").write_text(RIGHT if i % 2 else RIGHT.replace(" 34 ", " 35 "))
    key = AnswerKey(load_problem(PROBLEM), "A")
    start = time.monotonic()
    report = grade(key, [str(tmp_path)], workers=2)
    elapsed = time.monotonic() - start
    assert report.summary.count == 300 and report.summary.mean_score == pytest.approx((150 + 150 * 0.96) / 300)
    assert report.summary.common_wrong == [("A_33", 150)]
    assert report.summary.valid == 300
    assert elapsed < 5  # measured ≈ 0.3 s; generous for a shared machine


def test_a_csv_inside_the_graded_folder_is_not_graded(tmp_path, capsys):
    (tmp_path / "a.txt").write_text(RIGHT)
    argv = ["grade", PROBLEM, "--wrt", "A", str(tmp_path), "--csv", str(tmp_path / "grades.csv")]
    assert run(argv, capsys)[0] == 0
    assert run(argv + ["--force"], capsys)[0] == 0
    assert [row[0] for row in read_csv(tmp_path / "grades.csv")[1:]] == [str(tmp_path / "a.txt")]
