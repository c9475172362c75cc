"""Feedback a student can act on: score and mistake first, display names, what they wrote."""

from fractions import Fraction

import pytest

from symconv import load_problem
from symconv.answers import AnswerKey
from symconv.answers.feedback import decimal_text, render_verdict, verdict_json

CS7643 = "examples/cs7643_4x4_stride1.toml"  # X 4×4 from 0, w1 … w4, upstream d1 … d9
# ∂L/∂X by hand (the handout's table): entry (i, j) sums d_k·w_m over the outputs that read it
RIGHT = [["d1*w1", "d1*w2 + d2*w1", "d2*w2 + d3*w1", "d3*w2"],
         ["d1*w3 + d4*w1", "d1*w4 + d2*w3 + d4*w2 + d5*w1", "d2*w4 + d3*w3 + d5*w2 + d6*w1", "d3*w4 + d6*w2"],
         ["d4*w3 + d7*w1", "d4*w4 + d5*w3 + d7*w2 + d8*w1", "d5*w4 + d6*w3 + d8*w2 + d9*w1", "d6*w4 + d9*w2"],
         ["d7*w3", "d7*w4 + d8*w3", "d8*w4 + d9*w3", "d9*w4"]]


@pytest.fixture(scope="module")
def key():
    return AnswerKey(load_problem(CS7643), "X")


def grid(rows) -> str:
    return "\n".join(", ".join(row) for row in rows)


@pytest.mark.parametrize("written, value", [
    (r"\frac14", Fraction(1, 4)), (r"\frac1{4}", Fraction(1, 4)), (r"\dfrac 3 4", Fraction(3, 4)),
    (r"2\frac14", Fraction(1, 2)), (r"\tfrac12 + \frac{1}{2}", 1),
])
def test_latex_braceless_frac_reads_single_digit_arguments(key, written, value):
    parsed = key.check(grid([[written] + row[1:] for row in RIGHT[:1]] + RIGHT[1:]), "a")
    assert parsed.entries[0].given.value.number == value


def test_a_braceless_frac_of_names_is_still_refused(key):
    from symconv.answers.parse import EntryError, parse_entry
    with pytest.raises(EntryError, match=r"expected \{ after \\frac"):
        parse_entry(r"\frac{1}2", key.names, loss="L")


def test_the_score_and_the_mistake_come_first_then_the_wrong_entries(key):
    flipped = [[f"-({entry})" for entry in row] for row in RIGHT]
    lines = render_verdict(key.check(grid(flipped), "flipped.txt")).splitlines()
    assert lines[0] == "flipped.txt: 0 of 16 entries right (score 0.00)"
    assert lines[1] == "likely mistake: the sign of ∂L/∂X is flipped — this explains the whole answer"
    assert lines[2].startswith("✗ ∂L/∂X_00 (row 1, entry 1): given -d1·w1, expected d1·w1")


def test_a_missing_negative_term_is_written_as_a_person_writes_it(key):
    rows = [row[:] for row in RIGHT]
    rows[1][1] = "d1*w4 + d2*w3 + d4*w2"  # d5*w1 left out
    rows[2][2] = "d5*w4 + d6*w3 + d8*w2 + d9*w1 - 2*d1*w1"
    verdict = key.check(grid(rows), "a")
    text = render_verdict(verdict)
    assert "; missing d5·w1" in text and "; extra −2·d1·w1" in text and "-1·" not in text
    entries = verdict_json(verdict)["entries"]
    assert entries[5]["missing"] == ["d5·w1"] and entries[10]["extra"] == ["−2·d1·w1"]
    assert entries[5]["expected"] == "d1·w4 + d2·w3 + d4·w2 + d5·w1"
    assert entries[5]["expected_plain"] == "d1*w4 + d2*w3 + d4*w2 + d5*w1"


def test_names_written_together_are_one_note_with_a_count_and_an_example(key):
    together = [[entry.replace("*", "") for entry in row] for row in RIGHT]
    lines = render_verdict(key.check(grid(together), "t.txt")).splitlines()
    count = sum(entry.count("d") for row in RIGHT for entry in row)
    assert lines == ["t.txt: 16 of 16 entries right (score 1.00)",
                     f"note: read {count} names written together as products, e.g. 'd1w1' as"
                     f" d1·w1 (row 1, entry 1)", "every entry is right"]


def test_hints_and_readings_use_display_names():
    key = AnswerKey(load_problem("examples/homework_5x5.toml"), "A")
    from symconv.answers.parse import EntryError, parse_entry
    with pytest.raises(EntryError) as caught:
        parse_entry("B_44", key.names, loss="E")
    assert "B runs B_11 … B_33" in str(caught.value) and "B_1_1" not in str(caught.value)
    with pytest.raises(EntryError) as caught:
        parse_entry("Q_11", key.names, loss="E")
    assert "B_11 … B_33, ∂E/∂C_11 … ∂E/∂C_33" in str(caught.value) and "dE_dC" not in str(caught.value)
    verdict = key.check("B11 B11B12 0 0 0\n" + "0 0 0 0 0\n" * 4, "r")
    note = render_verdict(verdict).splitlines()[-1]
    assert note == "note: read a name written together as a product: 'B11B12' as B_11·B_12 (row 1, entry 2)"
    assert verdict_json(verdict)["readings"][0]["read_as"] == ["B_11", "B_12"]


def test_a_decimal_is_echoed_as_written():
    key = AnswerKey(load_problem("examples/homework_5x5_values.toml"), "A")
    verdict = key.check("1.5 7 10 6 3\n9 17 25 16 8\n11 23 34 23 11\n7 16 24 17 8\n2 6 9 7 3", "d")
    line = render_verdict(verdict).splitlines()[1]
    assert line.startswith("✗ ∂E/∂A_11 (row 1, entry 1): given 1.5, expected 4")
    assert verdict_json(verdict)["entries"][0]["written"] == "1.5"


def test_a_decimal_coefficient_is_echoed_as_a_decimal(key):
    rows = [row[:] for row in RIGHT]
    rows[0][1] = "1.5*d1*w2 + d2*w1"
    text = render_verdict(key.check(grid(rows), "a"))
    assert "given 1.5·d1·w2 + d2·w1" in text and "coefficient of d1·w2 is 1.5, expected 1" in text


@pytest.mark.parametrize("number, text", [(Fraction(3, 2), "1.5"), (Fraction(-1, 8), "-0.125"),
                                          (Fraction(1, 3), None), (7, "7"), (Fraction(-41, 20), "-2.05")])
def test_decimal_text(number, text):
    assert decimal_text(number) == text
    if text is not None:
        assert Fraction(text) == number
