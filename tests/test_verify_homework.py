"""The homework handout's 5×5 ∂E/∂A table, checked against its own problem.

The handout gives the expansions (1)–(25) (∂E/∂A_ij as sums of kernel entries, upstream all ones)
and a table of numbers, but not the kernel. The kernel is recovered here from the table by the
chain-rule polynomials (a linear system, solved with NumPy), independently of the checker; every
entry but A_33 is then consistent, and A_33 is the sum of all nine kernel entries, 34, where the
handout prints 35.
"""

from pathlib import Path

import json

import numpy as np

from symconv import derive, load_problem
from symconv.answers import AnswerKey
from helpers import run_cli as main
from symconv.answers.feedback import render_verdict, verdict_json

HANDOUT_TABLE = [[4, 7, 10, 6, 3],
                 [9, 17, 25, 16, 8],
                 [11, 23, 35, 23, 11],
                 [7, 16, 24, 17, 8],
                 [2, 6, 9, 7, 3]]
KERNEL = [[4, 3, 3], [5, 5, 5], [2, 4, 3]]
ANSWER_FILE = "examples/answers/homework_5x5_handout.txt"
VALUES_PROBLEM = "examples/homework_5x5_values.toml"


def symbolic_gradient():
    """∂E/∂A of the homework with B as symbols (upstream ones), as 25 linear forms in B."""
    problem = load_problem("examples/homework_5x5.toml")
    return problem, derive(problem).gradient("A").polys()


def test_the_kernel_recovered_from_the_table_explains_every_entry_but_A33():
    problem, polys = symbolic_gradient()
    weight = problem.layers[0].weight
    rows = np.array([[float(p.terms.get((weight.entry(k),), 0)) for k in range(9)] for p in polys])
    table = np.array(HANDOUT_TABLE, dtype=float).reshape(-1)
    others = [i for i in range(25) if i != 12]  # leave A_33 out
    kernel, *_ = np.linalg.lstsq(rows[others], table[others], rcond=None)
    assert np.allclose(kernel, np.round(kernel))
    assert np.round(kernel).astype(int).reshape(3, 3).tolist() == KERNEL
    predicted = rows @ np.round(kernel)
    assert np.array_equal(predicted[others], table[others])  # 24 entries agree exactly
    assert predicted[12] == 34 == sum(map(sum, KERNEL)) and table[12] == 35


def test_the_values_problem_file_has_that_kernel():
    problem = load_problem(VALUES_PROBLEM)
    assert problem.layers[0].weight.values.tolist() == KERNEL
    assert Path(ANSWER_FILE).read_text().split() == [str(v) for row in HANDOUT_TABLE for v in row]


def test_the_handout_table_gets_a_verdict_on_every_entry():
    key = AnswerKey(load_problem(VALUES_PROBLEM), "A")
    verdict = key.check_file(ANSWER_FILE)
    assert (verdict.correct, verdict.total) == (24, 25)
    wrong = [e for e in verdict.entries if not e.correct]
    assert [(e.cell.row, e.cell.col) for e in wrong] == [(3, 3)]
    assert wrong[0].given.value == 35 and wrong[0].comparison.expected == 34
    assert all(e.comparison.expected == HANDOUT_TABLE[e.flat // 5][e.flat % 5]
               for e in verdict.entries if e.correct)
    assert verdict.diagnosis is None  # one wrong number is not a pattern


def test_the_feedback_explains_A33_with_its_chain_rule():
    key = AnswerKey(load_problem(VALUES_PROBLEM), "A")
    lines = render_verdict(key.check_file(ANSWER_FILE)).splitlines()
    assert lines[0] == f"{ANSWER_FILE}: 24 of 25 entries right (score 0.96)"
    assert lines[1] == "✗ ∂E/∂A_33 (row 3, entry 3): given 35, expected 34"
    assert lines[2].startswith("    ∂E/∂A_33 = ∂E/∂C_11·∂C_11/∂A_33 + ∂E/∂C_12·∂C_12/∂A_33 + ")
    assert lines[2].endswith(" + ∂E/∂C_33·∂C_33/∂A_33 = 34")
    assert lines[2].count("∂E/∂C_") == 9
    assert lines[3] == ("    terms: ∂E/∂C_11·B_33 + ∂E/∂C_12·B_32 + ∂E/∂C_13·B_31 + ∂E/∂C_21·B_23"
                        " + ∂E/∂C_22·B_22 + ∂E/∂C_23·B_21 + ∂E/∂C_31·B_13 + ∂E/∂C_32·B_12"
                        " + ∂E/∂C_33·B_11 = 1·3 + 1·4 + 1·2 + 1·5 + 1·5 + 1·5 + 1·3 + 1·3 + 1·4")
    assert len(lines) == 4  # right entries are never listed


def test_the_handout_table_as_latex_and_markdown_gets_the_same_verdict():
    key = AnswerKey(load_problem(VALUES_PROBLEM), "A")
    latex = ("\\begin{array}{|c|c|c|c|c|} \\hline "
             + " \\\\ \\hline ".join(" & ".join(map(str, row)) for row in HANDOUT_TABLE)
             + " \\\\ \\hline \\end{array}")
    markdown = "\n".join("| " + " | ".join(f"${v}$" for v in row) + " |" for row in HANDOUT_TABLE)
    for text in (latex, markdown):
        verdict = key.check(text, "pasted")
        assert [(e.cell.row, e.cell.col) for e in verdict.entries if not e.correct] == [(3, 3)]


def test_the_cli_verdict_and_exit_status(capsys):
    assert main(["verify", VALUES_PROBLEM, "--wrt", "A", "--answer", ANSWER_FILE]) == 1
    out = capsys.readouterr().out
    assert "✗ ∂E/∂A_33 (row 3, entry 3): given 35, expected 34" in out
    assert main(["verify", VALUES_PROBLEM, "--wrt", "A", "--answer", ANSWER_FILE, "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert (data["correct"], data["total"], data["score"]) == (24, 25, 0.96)
    wrong = [e for e in data["entries"] if not e["correct"]]
    assert [(e["name"], e["index"], e["given"], e["expected"]) for e in wrong] == [("A_{33}", [2, 2], "35", "34")]
    assert [t["output"] for t in wrong[0]["terms"]] == ["C_{11}", "C_{12}", "C_{13}", "C_{21}", "C_{22}",
                                                        "C_{23}", "C_{31}", "C_{32}", "C_{33}"]
    assert [t["local"] for t in wrong[0]["terms"]] == ["3", "4", "2", "5", "5", "5", "3", "3", "4"]


# The handout's expansions (1)–(25), symbolic. (13) in the handout lists eight terms and leaves
# out ∂E/∂C_31·∂C_31/∂A_33 = B_13; a student copying it gets exactly that entry wrong.
HANDOUT_EXPANSIONS = [
    ["B_{11}", "B_{11} + B_{12}", "B_{11} + B_{12} + B_{13}", "B_{12} + B_{13}", "B_{13}"],
    ["B_{11} + B_{21}", "B_{11} + B_{12} + B_{21} + B_{22}",
     "B_{11} + B_{12} + B_{13} + B_{21} + B_{22} + B_{23}", "B_{12} + B_{13} + B_{22} + B_{23}",
     "B_{13} + B_{23}"],
    ["B_{11} + B_{21} + B_{31}", "B_{11} + B_{12} + B_{21} + B_{22} + B_{31} + B_{32}",
     "B_{11} + B_{12} + B_{21} + B_{22} + B_{23} + B_{31} + B_{32} + B_{33}",
     "B_{12} + B_{13} + B_{22} + B_{23} + B_{32} + B_{33}", "B_{13} + B_{23} + B_{33}"],
    ["B_{21} + B_{31}", "B_{21} + B_{22} + B_{31} + B_{32}",
     "B_{21} + B_{22} + B_{23} + B_{31} + B_{32} + B_{33}", "B_{22} + B_{23} + B_{32} + B_{33}",
     "B_{23} + B_{33}"],
    ["B_{31}", "B_{31} + B_{32}", "B_{31} + B_{32} + B_{33}", "B_{32} + B_{33}", "B_{33}"],
]


def test_the_handout_expansions_in_latex_flag_the_missing_term_of_A33():
    problem = load_problem("examples/homework_5x5.toml")
    text = ("\\begin{bmatrix}\n" + " \\\\\n".join(" & ".join(row) for row in HANDOUT_EXPANSIONS)
            + "\n\\end{bmatrix}")
    verdict = AnswerKey(problem, "A").check(text, "expansions.tex")
    wrong = [e for e in verdict.entries if not e.correct]
    assert [(e.cell.row, e.cell.col, e.cell.line) for e in wrong] == [(3, 3, 4)]
    assert render_verdict(verdict).splitlines()[1] == (
        "✗ ∂E/∂A_33 (row 3, entry 3): given B_11 + B_12 + B_21 + B_22 + B_23 + B_31 + B_32 + B_33,"
        " expected B_11 + B_12 + B_13 + B_21 + B_22 + B_23 + B_31 + B_32 + B_33; missing B_13")
    assert verdict_json(verdict)["entries"][12]["missing"] == ["B_13"]
    assert verdict_json(verdict)["entries"][12]["expected_plain"].startswith("B_1_1 + B_1_2 + B_1_3")

