"""Answer file formats: where the entries are, and the shape errors a student can make."""

import pytest

from symconv.answers.read import arrange, read_answer
from symconv.core.errors import AnswerError


def texts(answer: str, shape=(2, 2)) -> list[str]:
    return [cell.text for cell in arrange(read_answer(answer, "a.txt"), shape, "a.txt", "context")]


@pytest.mark.parametrize("answer", [
    "1 2\n3 4\n",
    "1\t2\n3\t4",
    "1, 2\n3, 4",
    "1, 2,\n3, 4,",
    "1 & 2 \\\\ 3 & 4",
    "1 & 2 \\\\\n3 & 4 \\\\\n",
    "\n\n1 2\n\n3 4\n\n",
    "[[1, 2], [3, 4]]",
    '[["1", "2"], ["3", "4"]]',
    "[[1, 2],\n [3, 4]]",
    "\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}",
    "$$\\frac{\\partial E}{\\partial A} = \\begin{pmatrix}\n1 & 2 \\\\\n3 & 4\n\\end{pmatrix}$$",
    "\\begin{array}{|c|c|} \\hline 1 & 2 \\\\ \\hline 3 & 4 \\\\ \\hline \\end{array}",
    "\\begin{matrix} 1 & 2 \\\\ 3 & 4 \\end{matrix}",
    "| 1 | 2 |\n| 3 | 4 |",
    "| 1 | 2 |\n|---|---|\n| 3 | 4 |",
    "Our answer:\n\n| a | b |\n|:-:|:-:|\n| 1 | 2 |\n| 3 | 4 |\n\nDone.",
    "| $1$ | $2$ |\n| $3$ | $4$ |",
])
def test_every_format_finds_the_same_four_entries(answer):
    assert [t.strip("$") for t in texts(answer)] == ["1", "2", "3", "4"]


def test_expressions_with_spaces_stay_whole_in_a_space_separated_grid():
    answer = "B11 + B12   B12 - B13\nd_1 \\cdot w_2   -2\n"
    assert texts(answer) == ["B11 + B12", "B12 - B13", "d_1 \\cdot w_2", "-2"]


def test_commas_inside_braces_do_not_split_entries():
    assert texts("B_{1,1}, B_{1,2}\nB_{2,1}, 2(B_{1,1} + B_{2,2})") == [
        "B_{1,1}", "B_{1,2}", "B_{2,1}", "2(B_{1,1} + B_{2,2})"]


def test_bare_bracket_lists_with_names():
    assert texts("[[B11, B11 + B12], [B21, (B22)]]") == ["B11", "B11 + B12", "B21", "(B22)"]


def test_cells_remember_their_line_row_and_entry():
    cells = arrange(read_answer("\n1 2\n3 4", "a.txt"), (2, 2), "a.txt", "")
    assert [(c.line, c.row, c.col) for c in cells] == [(2, 1, 1), (2, 1, 2), (3, 2, 1), (3, 2, 2)]
    cells = arrange(read_answer("x\n\\begin{bmatrix}\n1 & 2 \\\\\n3 & 4\n\\end{bmatrix}", "a"), (2, 2), "a", "")
    assert [c.line for c in cells] == [3, 3, 4, 4]


def test_one_dimensional_gradients_may_be_a_row_or_a_column():
    assert texts("1 2 3", (3,)) == ["1", "2", "3"]
    assert texts("1\n2\n3", (3,)) == ["1", "2", "3"]


def test_leading_axes_are_rows():
    assert texts("[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]", (2, 2, 2)) == list("12345678")
    assert texts("1 2\n3 4\n5 6\n7 8", (2, 2, 2)) == list("12345678")


@pytest.mark.parametrize("answer, shape, message", [
    ("", (2, 2), r"a.txt: the answer is empty"),
    ("  \n\t\n", (2, 2), r"a.txt: the answer is empty"),
    ("1 2 3\n4 5 6", (3, 3), r"a.txt: got 2×3, expected 3×3: context"),
    ("1 2\n3 4 5", (2, 2), r"a.txt:2: row 2 has 3 entries but the other rows have 2"),
    ("B11 + B12 B13 B21\n1 2\n3 4", (3, 2), r"row 1 has 3 entries but the other rows have 2"),
    ("1 2 3\n4 5 6", (2, 2), r"got 2×3, expected 2×2: context \(is an entry split at its spaces"),
    ("\\begin{bmatrix} 1 & 2 \\\\ 3 & 4", (2, 2),
     r"a.txt:1: \\begin\{bmatrix\} has no \\end\{bmatrix\}; close the matrix"),
    ("\\begin{align} x \\end{align}", (2, 2), r"\\begin\{align\} is not a matrix environment"),
    ("[[1, 2], [3, NaN]]", (2, 2), r"NaN is not a number symconv accepts"),
    ("[[1, 2], [3, Infinity]]", (2, 2), r"Infinity is not a number symconv accepts"),
    ("[[1, 2], [3, [4]]]", (2, 2), r"the lists are nested unevenly"),
    ("[[1, 2], [3, null]]", (2, 2), r"entry \[1\]\[1\] is null; write a number or a string"),
    ("[[1, 2], [3, true]]", (2, 2), r"entry \[1\]\[1\] is true"),
    ("[" * 10 + "1" + "]" * 10, (2, 2), r"lists nested 10 deep, over the limit of 6"),
    ("[[1, 2], [3, 4]", (2, 2), r"the brackets do not match \(3 '\[' and 2 '\]'\)"),
    ("[[1, 2] x [3, 4]]", (2, 2), r"rows must be lists \[..\] separated by commas"),
    ("1 2\n3 4", (3,), r"got 2×2, expected 3"),
])
def test_shape_and_format_errors(answer, shape, message):
    with pytest.raises(AnswerError, match=message):
        texts(answer, shape)


@pytest.mark.parametrize("answer, message", [
    ("1 & 2\n3 & (4 & 5\n", "a.txt:2: row 2: '(' at character 5 is never closed"),
    ("1 2 (3\n4 5 6\n", "a.txt:1: row 1: '(' at character 5 is never closed"),
    ("1, 2)\n", "a.txt:1: row 1: ')' at character 5 has no matching opening bracket"),
    ("B_{11 & 2\n", "a.txt:1: row 1: '{' at character 3 is never closed"),
])
def test_unbalanced_brackets_are_named_not_miscounted_as_entries(answer, message):
    with pytest.raises(AnswerError) as error:
        read_answer(answer, "a.txt")
    assert message in str(error.value)
