"""The practice page's answer grammar (symconv/resources/answers.js) against Python's (the
reference), on one corpus of right, wrong and hostile inputs, run with node (.ci/katex-install
installs it): every entry Python reads, the script reads to the same polynomial (the same
decimals flag, the same run-together readings); every entry Python refuses, the script refuses
at the same character with the same message (Python's "did you mean" comes from difflib, which
the page leaves out: there the message is the same up to its first ';'). Whole answers as pasted
are read into the same rows of entries."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from symconv import load_problem
from symconv.answers import AnswerKey
from symconv.answers.parse import EntryError, parse_entry
from symconv.answers.read import read_answer
from symconv.answers.roots import exact_form
from symconv.core.errors import AnswerError
from symconv.course.practice_page import SymbolIds, names_data, poly_data
from symconv.render.latex import LatexPrinter
from symconv.render.printer import plain
from symconv.render.text import TextPrinter
from test_answer_pastes import PASTES
from test_hostile_answers import ENTRY_CASES, LP_CASES

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None and not os.environ.get("CI"),
                                reason="needs node (.ci/katex-install)")
SCRIPT = Path("symconv/resources/answers.js").resolve()
RUNNER = Path("tests/answers_corpus.js").resolve()

EXAMPLES = ["homework_5x5", "homework_5x5_values", "cs7643_4x4_stride1", "slides_1d", "lppool_mean",
            "chain_conv_relu_maxpool_symbolic", "batch_multichannel"]
HAND = [  # test_answer_parse's forms and refusals, in every problem's names
    "B11 + B12", "B_{11}+B_{12}", "B_1_1 + B_1_2", "B_{1,1} + B_{1, 2}", r"\left( B_{11} \right) + B_{12}",
    "{B_{11}} + {B_{12}}", "B11 \u2212 (\u2212B12)", "2*B11 - B11 + B12", "$B_{11} + B_{12}$",
    "d_1 w_2 + d_2 w_1", "d1*w2 + d2*w1", r"d_1 \cdot w_2 + d_{2} \times w_{1}", "d1·w2 + d2⋅w1",
    "2(d1 + d3)", r"\frac{1}{4} d_1", r"\dfrac{d_1}{4}", "d1/4", r"\frac14 d_1", r"\frac1{4}d1",
    "d1w2 + d2w1", "d12", "1.5*d1", "0.25 d1 + 1/4 d2", "1e-3", ".5", "3.", "dE_dC_1_1 + ∂E/∂C_12",
    r"\frac{\partial E}{\partial C_{11}}", "dL/dY_00", "∂L/∂Y1_01 - ∂L/∂Y1_12", "dL_dY1_0_1",
    "nan", "B11 + inf", "E", "2*I", "N + B11", "S", "O", "B44", "B_10", "sin(B11)", "B11.real",
    "B11[0]", "__import__", "B11 == B12", "B11 < B12", "B11 = 4", "1O", "l2", "n", "9**9**9**9",
    "B11^9", "B11^-1", "B11^0.5", "(B11^2)^2^2", "B11^²", "((B11 + B12)^8)^3",
    "(B11+B12+B13+B21+B22+B23+B31+B32+B33+1)^8", "((((2^8)^8)^8)^8)", "1" * 41, "1e999",
    "(" * 41 + "B11" + ")" * 41, "B11 B12 3", "(B11 + B12", "B11 + B12)", "B11 +", "",
    "B11/B12", "B11/(2-2)", r"\sin B11", r"\frac{1}2", r"\left[ B11 \right]", "B11 ; B12",
    "\u0412" + "11", "B11\u202e", "x😀", "B11 \\\\ B12", "A_00 + X_00", "x1 x2", "w1^2*d1^3",
    "(d1 + d2)^2 - d1^2 - d2^2", "sqrt(X_00)", r"\sqrt{X_00^2 + X_01^2}", r"\sqrt[3]{X_00}",
    "X_00^(1/2)", "X_00^{-1/2}", "(X_00^2 + X_01^2)^(-1/2)", "X_00/(2*sqrt(X_00^2 + X_01^2))",
    "X_00/X_01", "(4)^(1/2)", "(2)^(1/2)*(8)^(1/2)", "X_00*X_00^(-1/2)",
]
TOKENS = ["B11", "B_{12}", "d1", "w2", "X_00", "A_11", "+", "-", "*", "/", "^", "(", ")", "{", "}",
          r"\frac", r"\cdot", "2", "0.5", "1/4", " ", "sqrt", "∂E/∂C_11", "dL/dY_00", ".", "_", "e3",
          "\u2212", "**", "$", r"\left(", r"\right)", "l", "O", "·", "[", "=", "3"]


def spellings_of(key: AnswerKey) -> list[str]:
    """The right and the wrong answers of a key, as the printers write them (display names,
    plain identifiers, LaTeX)."""
    polys = [form for forms in key.expected for form in forms]
    polys += [value for mistake in key.mistakes for value in mistake.values][:200]
    written = []
    for poly in polys[:300]:
        if key.radicals:
            poly = exact_form(poly)
        written += [TextPrinter(key.problem.loss).doprint(poly), plain(poly)]
        try:
            written.append(LatexPrinter(key.problem.loss).doprint(poly))
        except Exception:  # noqa: BLE001  (a form the LaTeX printer does not write: skip it)
            pass
    return written


def soup(count: int, seed: int) -> list[str]:
    source = random.Random(seed)
    return ["".join(source.choice(TOKENS) for _ in range(source.randint(1, 9))) for _ in range(count)]


def python_result(text: str, key: AnswerKey, ids: SymbolIds) -> dict:
    try:
        parsed = parse_entry(text, key.names, loss=key.problem.loss, radicals=key.radicals)
    except EntryError as error:
        return {"error": str(error), "column": error.column, "unknown": error.unknown_name}
    return {"value": canonical(poly_data(parsed.value, ids)), "inexact": parsed.inexact,
            "readings": [[r.written, list(r.parts)] for r in parsed.readings]}


def canonical(data: list) -> list:
    """A polynomial's data with its terms and their atoms in one order (the two sides sort
    differently)."""
    def atom(a):
        return a if isinstance(a, int) else ["r", canonical(a[1]), a[2]]
    terms = [[c, sorted((atom(a) for a in atoms), key=json.dumps)] for c, atoms in data]
    return sorted(terms, key=json.dumps)


def python_rows(text: str) -> dict:
    try:
        rows = read_answer(text, "a")
    except AnswerError:
        return {"error": True}
    flat: list = []

    def walk(node):
        if node and isinstance(node[0], list):
            for child in node:
                walk(child)
        else:
            flat.append([cell.text for cell in node])
    walk(list(rows))
    return {"rows": flat, "header": rows.header_possible}


ANSWERS = [text for text, _ in PASTES.values()] + [
    "1 2\n3 4\n", "1\t2\n3\t4", "1, 2\n3, 4", "1, 2,\n3, 4,", "1 & 2 \\\\ 3 & 4", "[[1, 2], [3, 4]]",
    '[["1", "2"], ["3", "4"]]', "\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}",
    "\\begin{array}{|c|c|} \\hline 1 & 2 \\\\ \\hline 3 & 4 \\\\ \\hline \\end{array}",
    "| 1 | 2 |\n|---|---|\n| 3 | 4 |", "Our answer:\n\n| a | b |\n|:-:|:-:|\n| 1 | 2 |\n| 3 | 4 |",
    "B11 + B12   B12 - B13\nd_1 \\cdot w_2   -2\n", "B_{1,1}, B_{1,2}\nB_{2,1}, 2(B_{1,1} + B_{2,2})",
    "[[B11, B11 + B12], [B21, (B22)]]", "[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]",
    "[['B_11 + B_12', 'B_{1,2}'], ['\\\\frac{1}{4} d_1', \"x\"]]", "[[1, 2], [3, 4]",
    "[[1, 2] x [3, 4]]", "tensor([[1, 2]], foo bar)", "[1 2; 3 4]", "x = [[1, 2], [3, 4]]",
    "1;2;3\n4;5;6", ">>> print(x)\n[[1 2]\n [3 4]]", "[[1, 2], [3, null]]", "[[1, 2], [3, [4]]]",
]


@pytest.fixture(scope="module")
def corpus():
    problems, expectations = [], []
    for example in EXAMPLES:
        problem = load_problem(f"examples/{example}.toml")
        key = AnswerKey(problem, problem.input.name)
        ids = SymbolIds(problem.loss)
        names = names_data(key.names, ids)
        texts = HAND + list(ENTRY_CASES.values()) + list(LP_CASES.values()) + spellings_of(key) + soup(400, len(problems))
        expectations.append([python_result(text, key, ids) for text in texts])
        problems.append({"names": names, "symbols": ids.names, "loss": problem.loss,
                         "radicals": key.radicals, "entries": texts, "example": example})
    run = subprocess.run([NODE, str(RUNNER), str(SCRIPT)], input=json.dumps({"problems": problems, "answers": ANSWERS}),
                         capture_output=True, text=True, timeout=600, check=True)
    output = json.loads(run.stdout)
    return problems, expectations, output


def test_every_entry_reads_the_same_in_the_page_as_in_python(corpus):
    problems, expectations, output = corpus
    compared = refused = 0
    for problem, expected, result in zip(problems, expectations, output["results"]):
        for text, python, page in zip(problem["entries"], expected, result["entries"]):
            where = (problem["example"], text[:80])
            assert "crash" not in page, (where, page)
            if "error" in python:
                refused += 1
                assert "error" in page, (where, python, page)
                assert page["column"] == python["column"], (where, python, page)
                if "did you mean" in python["error"]:
                    assert page["error"].split(";")[0] == python["error"].split(";")[0], (where, python, page)
                else:
                    assert page["error"] == python["error"], (where, python, page)
                assert page["unknown"] == python["unknown"], where
            else:
                compared += 1
                assert "value" in page, (where, python, page)
                assert canonical(page["value"]) == python["value"], where
                assert page["inexact"] == python["inexact"], where
                assert page["readings"] == python["readings"], where
    assert compared > 1500 and refused > 1500  # the corpus holds both, in every problem


def test_every_pasted_answer_reads_into_the_same_rows(corpus):
    *_, output = corpus
    for text, page in zip(ANSWERS, output["answers"]):
        python = python_rows(text)
        assert "crash" not in page, (text, page)
        if "error" in python:
            assert "error" in page, (text[:60], page)
        else:
            assert page.get("rows") == python["rows"], (text[:60], page, python)
            assert page["header"] == python["header"], text[:60]


def test_the_script_uses_neither_eval_nor_function():
    for name in ("answers.js", "practice.js"):
        source = (Path("symconv/resources") / name).read_text(encoding="utf-8")
        for forbidden in ("eval(", "Function(", "innerHTML", "outerHTML", "insertAdjacentHTML",
                          "document.write", "setTimeout(\"", "import("):
            assert forbidden not in source, (name, forbidden)
