"""`symconv verify` / `symconv grade` on the pooling examples: exit 0, 1 and 2.

The answers are the hand-routed gradients of tests/test_verify_pool_mistakes.py (plain loops).
"""

import csv
import json

from test_cli_verify_grade import run
from test_verify_pool_mistakes import CHAIN_MISTAKES, CHAIN_RIGHT, grid

CHAIN = "examples/chain_conv_relu_maxpool_symbolic.toml"
MAXPOOL = "examples/homework_maxpool.toml"


def test_verify_the_chain_right_exits_0(tmp_path, capsys):
    answer = tmp_path / "right.txt"
    answer.write_text(grid(CHAIN_RIGHT))
    status, out, err = run(["verify", CHAIN, "--wrt", "X", "--answer", str(answer)], capsys)
    assert (status, err) == (0, "")
    assert out == f"{answer}: 25 of 25 entries right (score 1.00)\nevery entry is right\n"


def test_verify_a_tie_routed_to_the_last_maximum_exits_1_and_names_it(tmp_path, capsys):
    answer = tmp_path / "last.txt"
    answer.write_text(grid(CHAIN_MISTAKES["tie-last-maximum"]))
    status, out, _ = run(["verify", CHAIN, "--wrt", "X", "--answer", str(answer)], capsys)
    assert status == 1
    assert out.splitlines()[1] == (  # right after the score
        "likely mistake: on a tie in a window of Y2 the gradient went to the last maximum; it goes"
        " to the first maximum in row-major window order (PyTorch's rule) — this explains the whole"
        " answer")
    status, out, _ = run(["verify", CHAIN, "--wrt", "X", "--answer", str(answer), "--format", "json"],
                         capsys)
    data = json.loads(out)
    assert status == 1 and (data["diagnosis"]["mistake"], data["diagnosis"]["whole"]) == (
        "tie-last-maximum", True)
    assert data["correct"] == sum(e["correct"] for e in data["entries"]) < 25


def test_verify_max_pooling_numbers_exit_0_and_1(tmp_path, capsys):
    answer = tmp_path / "a.txt"
    answer.write_text("1 1 0\n0 1 0\n1 0 0\n")
    assert run(["verify", MAXPOOL, "--wrt", "C", "--answer", str(answer)], capsys)[0] == 0
    answer.write_text("1 0 0\n0 1 0\n1 0 0\n")
    status, out, _ = run(["verify", MAXPOOL, "--wrt", "C", "--answer", str(answer)], capsys)
    assert status == 1 and "✗ ∂E/∂C_12 (row 1, entry 2): given 0, expected 1" in out


def test_verify_a_written_indicator_exits_2_saying_to_write_the_number(tmp_path, capsys):
    answer = tmp_path / "indicator.txt"
    answer.write_text("1 1 0\n0 [C_22 = max(C_12, C_13, C_22, C_23)] 0\n1 0 0\n")
    status, out, err = run(["verify", MAXPOOL, "--wrt", "C", "--answer", str(answer)], capsys)
    assert (status, out) == (2, "")
    assert err == (f"symconv: error: {answer}:2: '[C_22 = max' is an indicator, and answers cannot"
                   f" write indicators; the values are known here, so write its number: 1 where the"
                   f" entry is the (first) maximum of the window or positive, else 0 (e.g. 1 1 0)\n")


def test_verify_a_problem_whose_indicators_are_unknown_exits_2_saying_what_to_give(tmp_path, capsys):
    answer = tmp_path / "any.txt"
    answer.write_text("1\n")
    status, out, err = run(["verify", "examples/homework_conv_maxpool.toml", "--wrt", "A",
                            "--answer", str(answer)], capsys)
    assert (status, out) == (2, "")
    assert err == ("symconv: error: ∂E/∂A_11 contains [C_11 = max(C_11, C_12, C_21, C_22)], which is"
                   " 1 or 0 depending on values symconv does not know, and answers cannot write such"
                   " indicators; give the values of A in the problem file (e.g. values = [[1, 2],"
                   " [3, 4]] under [input]) and write the answer with numbers where the indicators"
                   " were, e.g. 1 1 0\n")


def test_grade_names_pooling_mistakes_in_the_csv(tmp_path, capsys):
    folder = tmp_path / "subs"
    folder.mkdir()
    (folder / "right.txt").write_text(grid(CHAIN_RIGHT))
    for name, answer in CHAIN_MISTAKES.items():
        (folder / f"{name}.txt").write_text(grid(answer))
    (folder / "broken.txt").write_text("[Y2_12 > 0]")
    out_csv = tmp_path / "grades.csv"
    status, out, _ = run(["grade", CHAIN, "--wrt", "X", str(folder), "--csv", str(out_csv),
                          "--workers", "1"], capsys)
    assert status == 0
    with open(out_csv, newline="", encoding="utf-8") as handle:
        rows = {row["file"].rsplit("/", 1)[-1]: row for row in csv.DictReader(handle)}
    for name in CHAIN_MISTAKES:
        assert rows[f"{name}.txt"]["diagnosis"] == name
    assert rows["right.txt"]["score"] == "1.0000" and rows["right.txt"]["diagnosis"] == ""
    assert rows["broken.txt"]["status"] == "invalid" and "is an indicator" in rows["broken.txt"]["first error"]


def test_the_example_answer_file_is_the_hand_routed_tie_mistake():
    from pathlib import Path

    from symconv import load_problem
    from symconv.answers import AnswerKey

    key = AnswerKey(load_problem(CHAIN), "X")
    from_file = key.check(Path("examples/chain_answers/tie_last_maximum.txt").read_text())
    by_hand = key.check(grid(CHAIN_MISTAKES["tie-last-maximum"]))
    assert [e.given.value for e in from_file.entries] == [e.given.value for e in by_hand.entries]
