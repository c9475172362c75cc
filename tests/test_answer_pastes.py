"""Answers as students paste them (issue 22): NumPy's printed arrays, ``array(…)``, PyTorch's
``tensor(…)``, Python lists with single quotes, a leading ``dL/dX =`` line, semicolon- and
tab-separated grids, Markdown, all through the one reader and checked as ``verify`` checks them;
the same formats holding the hostile entries of tests/test_hostile_answers.py are refused by the
command line as those are (one line, exit 2, nothing executed); and an answer that cannot be read
says what it looks like and its first row in a form that is read.

The NumPy texts are NumPy's own printing of the right answer; PyTorch's are written as PyTorch
prints (``tensor([[ 4.,  7., …]], grad_fn=<ConvolutionBackward0>)``), PyTorch not being a test
dependency."""

from __future__ import annotations

import numpy as np
import pytest

from symconv import load_problem, parse_problem
from symconv.answers import AnswerKey
from symconv.core.errors import AnswerError
from helpers import run_cli
from test_hostile_answers import ENTRY_CASES, assert_refused

PROBLEM = "examples/homework_5x5_values.toml"
RIGHT = np.array([[4, 7, 10, 6, 3], [9, 17, 25, 16, 8], [11, 23, 34, 23, 11], [7, 16, 24, 17, 8],
                  [2, 6, 9, 7, 3]])
KEY = AnswerKey(load_problem(PROBLEM), "A")


def torch_print(array: np.ndarray, tail: str = "") -> str:
    """``tensor([[ 4.,  7., …],\\n        […]])`` as PyTorch prints a float tensor."""
    rows = [", ".join(f"{v:3d}." for v in row) for row in array.tolist()]
    return "tensor([[" + "],\n        [".join(rows) + "]]" + tail + ")"


def grid(array, separator: str = " ") -> str:
    return "\n".join(separator.join(str(v) for v in row) for row in array.tolist())


def markdown(array) -> str:
    header = "| " + " | ".join(f"col {j + 1}" for j in range(array.shape[1])) + " |"
    rule = "|" + "---|" * array.shape[1]
    return "\n".join([header, rule] + [f"| {' | '.join(map(str, row))} |" for row in array.tolist()])


# name -> (the answer as pasted, the format it is read as)
PASTES = {
    "NumPy print": (str(RIGHT), "NumPy's printed array"),
    "NumPy print, floats": (str(RIGHT.astype(float)), "NumPy's printed array"),
    "NumPy repr": (repr(RIGHT), "NumPy's array(…)"),
    "NumPy repr with dtype": (repr(RIGHT.astype(np.float32)), "NumPy's array(…)"),
    "np.array(...) as written": ("np.array(" + str(RIGHT.tolist()) + ")", "NumPy's array(…)"),
    "PyTorch tensor": (torch_print(RIGHT), "PyTorch's tensor(…)"),
    "PyTorch tensor with grad_fn": (torch_print(RIGHT, ", grad_fn=<ConvolutionBackward0>"),
                                    "PyTorch's tensor(…)"),
    "torch.tensor with keywords": ("torch.tensor(" + str(RIGHT.tolist())
                                   + ", dtype=torch.float64, requires_grad=True)", "PyTorch's tensor(…)"),
    "SymPy Matrix": ("Matrix(" + str(RIGHT.tolist()) + ")", "SymPy's Matrix(…)"),
    "Python list, single quotes": (str([[str(v) for v in row] for row in RIGHT.tolist()]),
                                   "a Python list"),
    "JSON": (str(RIGHT.tolist()), "JSON lists"),
    "label line dE/dA =": ("dE/dA =\n" + grid(RIGHT), "a plain grid"),
    "label line ∂E/∂A =": ("∂E/∂A =\n\n" + grid(RIGHT), "a plain grid"),
    "label A.grad = on the line": ("A.grad = " + torch_print(RIGHT), "PyTorch's tensor(…)"),
    "label dA = array": ("dA = " + repr(RIGHT), "NumPy's array(…)"),
    "IPython Out[3]:": ("Out[3]: \n" + repr(RIGHT), "NumPy's array(…)"),
    "Python prompt": (">>> print(A_grad)\n" + str(RIGHT), "NumPy's printed array"),
    "semicolons": (grid(RIGHT, ";"), "a semicolon-separated grid"),
    "semicolons, trailing": (grid(RIGHT, "; ") + ";", "a semicolon-separated grid"),
    "tabs": (grid(RIGHT, "\t"), "a tab-separated grid"),
    "commas": (grid(RIGHT, ", "), "a plain grid"),
    "spaces": (grid(RIGHT), "a plain grid"),
    "MATLAB": ("[" + "; ".join(" ".join(map(str, row)) for row in RIGHT.tolist()) + "]",
               "MATLAB's [a b; c d]"),
    "Markdown": (markdown(RIGHT), "a Markdown table"),
}


@pytest.mark.parametrize("name", list(PASTES))
def test_every_paste_is_read_as_its_format_and_checked_right(name):
    text, form = PASTES[name]
    from symconv.answers.read import read_answer

    assert read_answer(text, "a.txt").form == form
    verdict = KEY.check(text, "a.txt")
    assert (verdict.correct, verdict.total) == (25, 25)


@pytest.mark.parametrize("name", list(PASTES))
def test_a_slip_in_any_paste_is_found_at_its_entry(name):
    text, _ = PASTES[name]
    slipped = text.replace("34", "35", 1)
    verdict = KEY.check(slipped, "a.txt")
    wrong = [r for r in verdict.entries if not r.correct]
    assert [(r.cell.row, r.cell.col) for r in wrong] == [(3, 3)]


SYMBOLIC = load_problem("examples/homework_5x5.toml")


def test_expressions_in_single_quotes_and_numpy_object_arrays():
    gradient = AnswerKey(SYMBOLIC, "A")
    entries = [[str(forms[0]).replace("·", "*") for forms in gradient.expected[r * 5:(r + 1) * 5]]
               for r in range(5)]
    strings = np.array([[str(v) for v in row] for row in entries], dtype=object)
    for text in (str(entries), repr(strings), "dE/dA = " + repr(strings).replace("'", '"')):
        verdict = gradient.check(text)
        assert verdict.ok, text[:80]


def test_a_backslash_doubled_by_python_is_one_backslash():
    key = AnswerKey(load_problem("examples/cs7643_4x4_stride1.toml"), "w")
    right = [str(forms[0]).replace("·", "*") for forms in key.expected]
    halved = [["\\frac{2}{2} (" + entry + ")" for entry in right[:2]],
              ["\\frac{2}{2} (" + entry + ")" for entry in right[2:]]]
    pasted = str(halved)  # Python prints each backslash twice: '\\\\frac{2}{2} (…)'
    assert "\\\\frac" in pasted
    assert key.check(pasted).ok


# -- hostile inputs, in every format -----------------------------------------------------------------
HOSTILE_FORMATS = {
    "NumPy print": lambda entry: str(RIGHT).replace("34", entry, 1),
    "array(…)": lambda entry: repr(RIGHT).replace("34", entry, 1),
    "tensor(…)": lambda entry: torch_print(RIGHT).replace("34.", entry, 1),
    "Python list": lambda entry: str([[str(v) for v in row] for row in RIGHT.tolist()]).replace(
        "'34'", repr(entry), 1),
    "label line": lambda entry: "dE/dA =\n" + grid(RIGHT).replace("34", entry, 1),
    "semicolons": lambda entry: grid(RIGHT, ";").replace("34", entry, 1),
}
HOSTILE_WRAPPERS = {
    "code as a keyword": repr(RIGHT)[:-1] + ", dtype=__import__('os').system('touch pwned'))",
    "code in the wrapper": "np.array(__import__('os').system('touch pwned'))",
    "eval around the list": "eval('" + str(RIGHT.tolist()) + "')",
    "unclosed wrapper": "tensor(" + str(RIGHT.tolist()),
    "shortened by NumPy": repr(np.arange(2000).reshape(40, 50)),
    "lists 10,000 deep in a wrapper": "array(" + "[" * 10_000 + "]" * 10_000 + ")",
    "a quote never closed": "[['4', '7" + "x" * 100,
    "1 MB of spaces after a wrapper": "array([[1]]" + " " * 999_000,
}
HOSTILE = {f"{form}: {case}": make(ENTRY_CASES[case]) for form, make in HOSTILE_FORMATS.items()
           for case in ENTRY_CASES if ENTRY_CASES[case] not in ("'34'",)}
HOSTILE.update(HOSTILE_WRAPPERS)


@pytest.fixture(scope="module")
def warm_imports():
    """Import what the command needs before watching (an import executes module code)."""
    for output_format in ("text", "json"):
        run_cli(["verify", PROBLEM, "--wrt", "A", "--answer", "examples/answers/homework_5x5_handout.txt",
                 "--format", output_format])


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_answers_in_every_format_are_refused_like_the_others(case, tmp_path, capsys,
                                                                     warm_imports):
    answer = tmp_path / "answer.txt"
    answer.write_text(HOSTILE[case])
    assert_refused(["verify", PROBLEM, "--wrt", "A", "--answer", str(answer)], tmp_path, capsys)


def test_the_table_holds_every_hostile_entry_in_every_format():
    assert len(HOSTILE) >= len(HOSTILE_FORMATS) * (len(ENTRY_CASES) - 1) + len(HOSTILE_WRAPPERS)


# -- what an unreadable answer looks like, and the form that is read ------------------------------------
@pytest.mark.parametrize("text, message", [
    ("{{4, 7, 10, 6, 3}, {9, 17, 25, 16, 8}}",
     "a.txt: got 1×1, expected 5×5: ∂E/∂A has the shape of A (input 5×5, kernel 3×3, stride 1,"
     " padding 0); this looks like a Mathematica list {{…}, {…}}; write your first row as"
     " [[4, 7, 10, 6, 3], …] (one list per row)"),
    ("((4, 7, 10, 6, 3), (9, 17, 25, 16, 8))",
     "this looks like Python tuples ((…), (…)); write your first row as [[4, 7, 10, 6, 3], …]"),
    (repr(np.arange(2000).reshape(40, 50)),
     "a.txt:1: the array was shortened with '...' when it was printed, so some entries are"
     " missing; print it whole (np.set_printoptions(threshold=np.inf), or"
     " torch.set_printoptions(profile='full')) or paste x.tolist(); this looks like NumPy's"
     " array(…); write your first row as [[0, 1, 2, …, 47, 48, …], …] (one list per row)"),
    ("4;7;10;6;3,5\n9;17;25;16;8",
     "a.txt:1: '3,5' has a decimal comma; write decimals with a point, 3.5; this looks like a"
     " semicolon-separated grid; write your first row as 4 7 10 6 3.5 (one row per line)"),
    ("[[4  7 10  6  3]\n [9 17 25 16  8]",
     "a.txt: the brackets do not match (3 '[' and 2 ']'); write e.g. [[1, 2], [3, 4]]; this looks"
     " like NumPy's printed array; write your first row as [[4, 7, 10, 6, 3], …]"),
    ("tensor([[4, 7, 10, 6, 3]], device=cuda)x",
     "a.txt:1: after the list, PyTorch's tensor(…) has ', device=cuda)x', which symconv does not"
     " read; end it with ')'"),
    ("B11+B12 B13 B14 B15 B16\n1 2 3 4 5 6",
     "row 2 has 6 entries but the other rows have 5"),
])
def test_an_unreadable_answer_says_what_it_looks_like_and_its_first_row_as_read(text, message):
    with pytest.raises(AnswerError) as error:
        KEY.check(text, "a.txt")
    assert message in str(error.value)
    assert "\n" not in str(error.value)


# -- shapes explained ---------------------------------------------------------------------------------
A_VALUES = "[[1, 2, 0, 1, 3], [0, 1, 2, 3, 1], [2, 0, 1, 1, 0], [1, 3, 0, 2, 1], [0, 1, 2, 0, 4]]"
CONV_POOL = parse_problem(open("examples/homework_conv_maxpool.toml", encoding="utf-8").read().replace(
    "index_base = 1\n", f"index_base = 1\nvalues = {A_VALUES}\n", 1), "hw.toml")


@pytest.mark.parametrize("wrt, answer, message", [
    ("C", grid(RIGHT), "a.txt: got 5×5, expected 3×3: 5×5 is the shape of A, the input; ∂E/∂C has"
                       " the shape of C, 3×3 = (5 − 3)/1 + 1"),
    ("C", "1 2\n3 4", "a.txt: got 2×2, expected 3×3: 2×2 is the shape of Z (and of ∂E/∂Z); ∂E/∂C"
                      " has the shape of C, 3×3 = (5 − 3)/1 + 1"),
    ("A", "1 2 3\n4 5 6\n7 8 9", "a.txt: got 3×3, expected 5×5: 3×3 is the shape of B, the kernel,"
                                 " and of C (and of ∂E/∂C); ∂E/∂A has the shape of A, 5×5"),
    ("B", grid(RIGHT), "a.txt: got 5×5, expected 3×3: 5×5 is the shape of A, the input; ∂E/∂B has"
                       " the shape of B, 3×3"),
])
def test_a_wrong_shape_says_whose_shape_it_is_and_how_the_right_one_comes_about(wrt, answer, message):
    with pytest.raises(AnswerError) as error:
        AnswerKey(CONV_POOL, wrt).check(answer, "a.txt")
    assert str(error.value) == message


def test_a_transposed_shape_is_named():
    key = AnswerKey(load_problem("examples/recitation_image_16x12.toml"), "A")
    rows, columns = key.shape
    with pytest.raises(AnswerError) as error:
        key.check("\n".join(" ".join(["1"] * rows) for _ in range(columns)), "a.txt")
    assert str(error.value) == (f"a.txt: got {columns}×{rows}, expected {rows}×{columns}:"
                                f" {columns}×{rows} is ∂L/∂A transposed (rows and columns swapped);"
                                f" ∂L/∂A has the shape of A, {rows}×{columns}")


def test_a_note_instead_of_an_answer_gets_no_form_to_copy():
    with pytest.raises(AnswerError) as error:
        KEY.check("I did this on paper, see the photo I handed in", "a.txt")
    assert str(error.value) == ("a.txt: got 1×2, expected 5×5: ∂E/∂A has the shape of A (input 5×5,"
                                " kernel 3×3, stride 1, padding 0)")
