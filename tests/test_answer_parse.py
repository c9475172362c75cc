"""The entry parser: every accepted spelling gives the exact polynomial; everything else is an
EntryError with a position; hypothesis fuzzing finds no other exception."""

from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from symconv import load_problem, parse_problem
from symconv.answers import AnswerKey
from symconv.answers.names import NameTable, answer_tensors
from symconv.answers.parse import EntryError, Limits, parse_entry
from symconv.core.errors import SymconvError
from symconv.core.poly import Poly, Symbol

HOMEWORK = load_problem("examples/homework_5x5.toml")  # A, B symbolic, 1-based; upstream ∂E/∂C = 1
CS7643 = load_problem("examples/cs7643_4x4_stride1.toml")  # X numeric, w1..w4, d1..d9
HOMEWORK_NAMES = NameTable(answer_tensors(HOMEWORK))
CS7643_NAMES = NameTable(answer_tensors(CS7643))


def B(i, j):
    weight = HOMEWORK.layers[0].weight
    return Poly.lift(Symbol(weight, (i - 1) * 3 + (j - 1)))


def w(k):
    return Poly.lift(Symbol(CS7643.layers[0].weight, k - 1))


def d(k):
    return Poly.lift(Symbol(CS7643.upstream, k - 1))


def homework(text):
    return parse_entry(text, HOMEWORK_NAMES, loss="E")


def cs7643(text):
    return parse_entry(text, CS7643_NAMES, loss="L")


@pytest.mark.parametrize("text", ["B11 + B12", "B_{11}+B_{12}", "B_1_1 + B_1_2", "B_{1,1} + B_{1, 2}",
                                  "B_11+B_12", "B12 + B11", r"\left( B_{11} \right) + B_{12}",
                                  "{B_{11}} + {B_{12}}", "B11 \u2212 (\u2212B12)", "2*B11 - B11 + B12",
                                  "$B_{11} + B_{12}$"])
def test_every_spelling_of_the_homework_names_gives_the_same_polynomial(text):
    assert homework(text).value == B(1, 1) + B(1, 2)


@pytest.mark.parametrize("text, expected", [
    ("d_1 w_2 + d_2 w_1", lambda: d(1) * w(2) + d(2) * w(1)),
    ("d1*w2 + d2*w1", lambda: d(1) * w(2) + d(2) * w(1)),
    (r"d_1 \cdot w_2 + d_{2} \times w_{1}", lambda: d(1) * w(2) + d(2) * w(1)),
    ("d1·w2 + d2⋅w1", lambda: d(1) * w(2) + d(2) * w(1)),
    ("2(d1 + d3)", lambda: 2 * d(1) + 2 * d(3)),
    (r"\frac{1}{4} d_1", lambda: Fraction(1, 4) * d(1)),
    (r"\dfrac{d_1}{4}", lambda: Fraction(1, 4) * d(1)),
    ("d1/4", lambda: Fraction(1, 4) * d(1)),
    ("d1^2 + d2**2", lambda: d(1) * d(1) + d(2) * d(2)),
    ("d1^{2}", lambda: d(1) * d(1)),
    ("(d1 + w1)^2", lambda: d(1) * d(1) + 2 * d(1) * w(1) + w(1) * w(1)),
    ("d1*-w2", lambda: -(d(1) * w(2))),
    ("-d1 + +d2", lambda: d(2) - d(1)),
    ("3 - 3", lambda: Poly()),
    ("0", lambda: Poly()),
    ("1/3 + 1/6", lambda: Poly.lift(Fraction(1, 2))),
    ("X_0_1 * w1", lambda: 2 * w(1)),  # X has values in this problem: X_01 = 2
])
def test_accepted_forms_are_read_exactly(text, expected):
    parsed = cs7643(text)
    assert parsed.value == expected()
    assert not parsed.inexact


def test_decimals_are_exact_but_marked_inexact():
    parsed = cs7643("0.25*d1 + 1.5e1")
    assert parsed.value == Fraction(1, 4) * d(1) + 15
    assert parsed.inexact


def test_derivative_notation_in_every_spelling():
    text = Path("examples/homework_5x5.toml").read_text().replace('values = "ones"', "")
    problem = parse_problem(text)  # the upstream ∂E/∂C_ij stays symbolic
    names = NameTable(answer_tensors(problem))
    kernel = problem.layers[0].weight
    expected = Poly.lift(Symbol(problem.upstream, 0)) * Poly.lift(Symbol(kernel, 8))
    for written in [r"\frac{\partial E}{\partial C_{11}} B_{33}", "∂E/∂C_11 · B_33", "dE_dC_1_1*B33",
                    r"\partial E/\partial C_{11} B_{33}", "dE/dC_11 B_33", "dE_dC_11 B_33"]:
        assert parse_entry(written, names, loss="E").value == expected, written


def test_run_together_names_are_split_into_declared_names_and_echoed():
    parsed = cs7643("d1w2 + d2w1")
    assert parsed.value == d(1) * w(2) + d(2) * w(1)
    assert [(r.written, r.parts) for r in parsed.readings] == [("d1w2", ("d1", "w2")),
                                                               ("d2w1", ("d2", "w1"))]
    assert homework("B11B12").value == B(1, 1) * B(1, 2)


def test_a_run_together_name_with_no_declared_split_is_unknown():
    with pytest.raises(EntryError, match=r"unknown name 'd12'; d runs d1 … d9"):
        cs7643("d12")


@pytest.mark.parametrize("text, message, column", [
    ("nan", r"'nan' is not a number symconv accepts", 1),
    ("B11 + inf", r"'inf' is not a number symconv accepts", 7),
    ("E", r"unknown name 'E': symconv knows no constants such as E or I", 1),
    ("2*I", r"unknown name 'I'", 3),
    ("N + B11", r"unknown name 'N'", 1),
    ("S", r"unknown name 'S'", 1),
    ("O", r"unknown name 'O'", 1),
    ("B44", r"unknown name 'B44'; B runs B_11 … B_33", 1),
    ("B_10", r"unknown name 'B_10'; B runs B_11 … B_33", 1),
    ("sin(B11)", r"function calls such as sin\(...\) are not allowed", 1),
    ("B11.real", r"'\.' is not allowed here", 4),
    ("B11[0]", r"brackets '\[' are not allowed inside an entry", 4),
    ("__import__", r"'__' is not allowed", 1),
    ("B11 == B12", r"'==' is not allowed", 5),
    ("B11 < B12", r"comparisons and '=' are not allowed", 5),
    ("B11 = 4", r"comparisons and '=' are not allowed", 5),
    ("1O", r"'1O' looks like a misread number .* did you mean 10\?", 2),
    ("l2", r"unknown name 'l2': did you mean the number 12\?", 1),
    ("n", r"unknown name 'n'", 1),
    ("9**9**9**9", r"an exponent must be a whole number from 0 to 8", 4),
    ("B11^9", r"an exponent must be a whole number from 0 to 8", 5),
    ("B11^-1", r"an exponent must be a whole number from 0 to 8", 5),
    ("B11^0.5", r"an exponent must be a whole number from 0 to 8", 5),
    ("(B11^2)^2^2", r"two powers in a row", 10),
    ("B11^²", r"unexpected character '²'", 5),
    ("((B11 + B12)^8)^3", r"degree could reach 24, over the limit of 16", 1),
    ("(B11+B12+B13+B21+B22+B23+B31+B32+B33+1)^8", r"number of terms could reach 100,000,000", 1),
    ("((((2^8)^8)^8)^8)", r"coefficient size \(bits\) could reach 12,288", 2),
    ("1" * 41, r"a number with 41 digits is over the limit of 40", 1),
    ("1e999", r"exponent over 30", 1),
    ("(" * 41 + "B11" + ")" * 41, r"nested more than 40 levels deep", 41),
    ("B11 B12 3", r"a number right after another factor", 9),
    ("(B11 + B12", r"unbalanced parentheses: '\(' at character 1 is not closed", 11),
    ("B11 + B12)", r"unbalanced parentheses: '\)' without a matching opening one", 10),
    ("B11 +", r"expected a number, a name or '\(' here, found the end of the entry", 6),
    ("", r"the entry is empty; write 0 for a zero entry", 1),
    ("B11/B12", r"only division by a number is accepted", 5),
    ("B11/(2-2)", r"division by zero", 5),
    (r"\sin B11", r"the LaTeX command \\sin is not accepted here", 1),
    (r"\frac{1}2", r"expected { after \\frac", 9),
    (r"\left[ B11 \right]", r"only \\left\( and \\right\) are accepted here", 1),
    ("B11 ; B12", r"unexpected character ';' \(U\+003B\)", 5),
    ("\u0412" + "11", r"unexpected character 'В' \(U\+0412\)", 1),
    ("B11\u202e", r"unexpected character \(U\+202E\)", 4),
])
def test_rejections_name_the_problem_and_the_character(text, message, column):
    with pytest.raises(EntryError, match=message) as caught:
        homework(text)
    assert caught.value.column == column
    assert str(caught.value).endswith(f"(at character {column})")


def test_characters_per_entry_are_capped_before_reading():
    with pytest.raises(EntryError, match="the entry has 2,001 characters, over the limit of 2,000"):
        homework("1" + "+1" * 1000)
    assert homework("1" + "+1" * 999).value == 1000


def test_limits_can_be_tightened():
    with pytest.raises(EntryError, match="degree could reach 3, over the limit of 2"):
        parse_entry("B11*B12*B13", HOMEWORK_NAMES, loss="E", limits=Limits(degree=2))


def test_unknown_names_are_marked_so_another_index_base_can_be_tried():
    with pytest.raises(EntryError) as caught:
        homework("B00")
    assert caught.value.unknown_name
    shifted = NameTable(answer_tensors(HOMEWORK), shift_base=True)
    assert parse_entry("B00 + B22", shifted, loss="E").value == B(1, 1) + B(3, 3)


FRAGMENTS = ["B11", "B_{12}", "d1", "w2", "dE_dC_1_1", r"\frac{", "}{", "}", "{", "(", ")", "+", "-",
             "*", "/", "^", "**", "2", "0", "0.5", "1e3", " ", r"\cdot", r"\left(", r"\right)", "∂E/∂C_11",
             "nan", "__", ".", "[", "=", "\u2212", "·", "$", "\\", "_", "e", "E", "1O", "9" * 30, ","]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=30))
def test_fuzz_fragments_raise_only_our_error(parts):
    try:
        result = homework("".join(parts))
    except SymconvError:
        return
    assert isinstance(result.value, Poly)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=60))
def test_fuzz_any_text_raises_only_our_error(text):
    try:
        result = cs7643(text)
    except SymconvError:
        return
    assert isinstance(result.value, Poly)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS + ["\n", "\t", "&", "\\\\", "|", "[", "]", '"', "---",
                                             "\\begin{bmatrix}", "\\end{bmatrix}"]), max_size=60))
def test_fuzz_whole_answers_raise_only_our_error(parts):
    try:
        HOMEWORK_KEY.check("".join(parts), "fuzz")
    except SymconvError:
        pass


HOMEWORK_KEY = AnswerKey(HOMEWORK, "A")
