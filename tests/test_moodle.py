"""The Moodle quiz, read as Moodle reads it and graded as Moodle grades it.

Read in moodle/moodle:

- question/type/multianswer/questiontype.php at b70448bd5f99f25ae251a16cb2cea914d12448f7 of
  andrewnicols/moodle, a Moodle core developer's mirror of Moodle 4.x (moodle/moodle's own
  history is over 1.3 GB, too large to fetch here; the public code index holds only a Moodle 1.9
  copy of this file), ``qtype_multianswer_extract_question`` and the ANSWER_* regular expressions
  above it (ANSWER_REGEX_ALTERNATIVES = 16): a blank is ``{N:NUMERICAL:alternatives}``,
  alternatives are separated by ``~``, each is ``=`` (100 %) or ``%P%`` (P %) or nothing (0 %),
  then the answer, then ``#feedback``; a numerical answer is NUMBER or NUMBER:TOLERANCE
  (NUMBER_REGEX ``-?(([0-9]+[.,]?[0-9]*|[.,][0-9]+)([eE][-+]?[0-9]+)?)``); feedback ends at a
  ``~`` or ``}`` that is not escaped and has its HTML entities decoded.
- question/type/numerical/question.php at 3536435e6ab8edd50ffb7ec7eed799ab12b31f28
  (``qtype_numerical_answer::get_tolerance_interval``, nominal): an answer accepts values within
  tolerance + ε·max(|tolerance|, |answer|, ε), ε = 10^-precision (PHP's precision is 14), the
  first matching answer deciding the grade and the feedback.

The functions below do what those do, written here; quiz.xml is parsed with the standard
library, and every value is checked against NumPy.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from helpers import run_cli
from platforms import chain_gradient

CHAIN = "examples/exercises/chain_conv_relu_maxpool.toml"
HOMEWORK = "examples/exercises/homework_5x5_values.toml"

# -- qtype_multianswer's parser, as its regular expressions read a blank --------------------------
NUMBER = r"-?(?:(?:[0-9]+[.,]?[0-9]*|[.,][0-9]+)(?:[eE][-+]?[0-9]+)?)"
FRACTION = r"=|%(-?[0-9]+(?:[.,][0-9]*)?)%"
ANSWER = r".+?(?<!\\)(?<!&)(?<!&amp;)(?=[~#}]|$)"
FEEDBACK = r".*?(?<!\\)(?=[~}]|$)"
ALTERNATIVE = rf"({FRACTION})?({ANSWER})(#({FEEDBACK}))?"
BLANK = re.compile(rf"\{{([0-9]*):(NUMERICAL|NM):({ALTERNATIVE}(~{ALTERNATIVE})*)\}}", re.S)


@dataclass(frozen=True)
class Alternative:
    fraction: float
    answer: float
    tolerance: float
    feedback: str


def read_blanks(text: str) -> list[list[Alternative]]:
    """Each NUMERICAL blank's alternatives, as qtype_multianswer_extract_question reads them."""
    blanks = []
    for found in BLANK.finditer(text):
        remaining, alternatives = found.group(3), []
        while remaining:
            match = re.match(rf"~?{ALTERNATIVE}", remaining, re.S)
            assert match, remaining
            fraction = 1.0 if match.group(1) == "=" else float(match.group(2) or 0) / 100
            numeric = re.fullmatch(rf"({NUMBER})(?::({NUMBER}))?", match.group(3))
            assert numeric, f"not a number: {match.group(3)!r}"
            feedback = html.unescape(match.group(5) or "").replace("\\}", "}").replace("\\#", "#")
            alternatives.append(Alternative(fraction, float(numeric.group(1)),
                                            float(numeric.group(2) or 0), feedback))
            remaining = remaining[match.end():]
        blanks.append(alternatives)
    return blanks


def moodle_grade(blank: list[Alternative], response: str) -> tuple[float, str] | None:
    """The first alternative whose tolerance interval holds the response (question.php,
    nominal tolerance): its grade and feedback; None when none does."""
    value = float(response)
    epsilon = 10.0 ** -14
    for alternative in blank:
        margin = alternative.tolerance + epsilon * max(abs(alternative.tolerance),
                                                        abs(alternative.answer), epsilon)
        if alternative.answer - margin <= value <= alternative.answer + margin:
            return alternative.fraction, alternative.feedback
    return None


# -- the quiz ------------------------------------------------------------------------------------------
def export(tmp_path: Path, template: Path | str, wrt: str, count: int, *extra) -> list[ElementTree.Element]:
    quiz = tmp_path / "quiz.xml"
    assert run_cli(["export", "moodle", template, "--wrt", wrt, "--variants", str(count), "--out",
                    quiz, *extra]) == 0
    root = ElementTree.parse(quiz).getroot()
    assert root.tag == "quiz"
    category, *questions = root.findall("question")
    assert category.get("type") == "category" and category.findtext("category/text").startswith("$course$/")
    assert all(q.get("type") == "cloze" for q in questions)
    return questions


def drawn(template: Path | str, wrt: str, count: int) -> list:
    from symconv.course.variants import draw_class, load_template

    asked = replace(load_template(template), wrt=(wrt,))
    return [a.variant for a in draw_class(asked, [f"moodle:{n}" for n in range(1, count + 1)])
            if a.variant is not None]


def test_every_blank_is_the_numpy_value_and_moodle_accepts_it(tmp_path):
    questions = export(tmp_path, CHAIN, "X", 3)
    assert len(questions) == 3
    for question, variant in zip(questions, drawn(CHAIN, "X", 3)):
        text = question.findtext("questiontext/text")
        assert "to 4 significant figures" in text
        blanks = read_blanks(text)
        expected = chain_gradient(variant.spec).reshape(-1)
        assert len(blanks) == expected.size == 25
        for blank, value in zip(blanks, expected):
            assert blank[0].fraction == 1.0 and blank[0].answer == float(value)
            assert moodle_grade(blank, str(value)) == (1.0, "")
        assert question.findtext("generalfeedback/text") in (None, "")


def test_a_named_mistake_gets_zero_and_its_feedback_in_every_blank_it_changes(tmp_path):
    [question] = export(tmp_path, HOMEWORK, "A", 1)
    [variant] = drawn(HOMEWORK, "A", 1)
    kernel = np.array(variant.spec["layers"][0]["weight"]["values"])

    def gradient(k):  # upstream ones: every output adds the kernel into its window
        grad = np.zeros((5, 5), dtype=int)
        for i in range(3):
            for j in range(3):
                grad[i:i + 3, j:j + 3] += k
        return grad.reshape(-1)

    right, unrotated = gradient(kernel), gradient(np.rot90(kernel, 2))
    blanks = read_blanks(question.findtext("questiontext/text"))
    changed = 0
    for blank, good, bad in zip(blanks, right, unrotated):
        assert moodle_grade(blank, str(good))[0] == 1.0
        if bad != good:
            changed += 1
            grade, feedback = moodle_grade(blank, str(bad))
            assert grade == 0.0 and "likely mistake: the kernel B was not rotated" in feedback
    assert changed > 0


FRACTIONS = """
title = "Average pooling 3×3, stride 1"
[input]
shape = [4, 4]
[[layers]]
type = "avgpool"
kernel_size = 3
stride = 1
[upstream]
name = "d"
[variants]
upstream.values = { integers = [1, 4] }
[exercise]
wrt = ["X"]
seed = "moodle figures"
"""


def four_figures(value: Fraction) -> str:
    """``value`` rounded to 4 significant figures, written as a person would."""
    return f"{float(value):.4g}"


def test_every_rounding_to_four_figures_is_right_and_nothing_farther(tmp_path):
    template = tmp_path / "avg.toml"
    template.write_text(FRACTIONS)
    questions = export(tmp_path, template, "X", 4)
    for question, variant in zip(questions, drawn(template, "X", 4)):
        upstream = np.array(variant.spec["upstream"]["values"], dtype=object)
        expected = np.zeros((4, 4), dtype=object)
        for i in range(2):
            for j in range(2):
                expected[i:i + 3, j:j + 3] += Fraction(upstream[i, j], 9)
        for blank, value in zip(read_blanks(question.findtext("questiontext/text")), expected.reshape(-1)):
            exponent = int(np.floor(np.log10(float(value))))
            unit = Fraction(10) ** (exponent - 3)
            assert moodle_grade(blank, four_figures(value))[0] == 1.0
            assert moodle_grade(blank, f"{float(value):.5g}")[0] == 1.0
            for off in (value + unit * Fraction(6, 10), value - unit * Fraction(6, 10)):
                assert (moodle_grade(blank, f"{float(off):.6g}") or (0.0,))[0] == 0.0


def test_the_issues_examples_one_ninth_and_five_ninths():
    from symconv.export.moodle import blank

    ninth = read_blanks(blank(Fraction(1, 9), []))[0]
    assert [moodle_grade(ninth, r) for r in ("0.1111", "0.11111", "0.111")] == [(1.0, ""), (1.0, ""), None]
    assert moodle_grade(ninth, "0.1112") is None
    five = read_blanks(blank(Fraction(5, 9), []))[0]
    assert moodle_grade(five, "0.5556") == (1.0, "") and moodle_grade(five, "0.5555") is None
    third = read_blanks(blank(Fraction(1, 3), [(Fraction(2, 3), "likely mistake: a} b~c #d")]))[0]
    assert moodle_grade(third, "0.3333") == (1.0, "")
    assert moodle_grade(third, "0.6667") == (0.0, "likely mistake: a} b~c #d")
    assert [a.answer for a in read_blanks(blank(Fraction(-34), []))[0]] == [-34.0]


def test_a_template_with_few_variants_writes_each_once_and_says_so(tmp_path, capsys):
    template = tmp_path / "few.toml"
    text = Path(HOMEWORK).read_text().replace(
        "weight.values = { integers = [-3, 6] }",
        "weight.values = [[[1, 2, 0], [0, 3, 0], [4, 0, 1]], [[2, 0, 1], [0, 0, 5], [1, 3, 0]]]")
    template.write_text(text)
    questions = export(tmp_path, template, "A", 10)
    assert len(questions) == 2
    assert "2 questions (the template allows no more than 2 different ones)" in capsys.readouterr().out
    texts = [q.findtext("questiontext/text") for q in questions]
    assert texts[0] != texts[1]


def test_show_expected_puts_the_values_in_the_general_feedback(tmp_path):
    [question] = export(tmp_path, HOMEWORK, "A", 1, "--show-expected")
    [variant] = drawn(HOMEWORK, "A", 1)
    feedback = question.findtext("generalfeedback/text")
    first = variant.answer_keys["A"].expected[0][-1]
    assert feedback.startswith("<p>Expected values:</p>") and f"∂E/∂A_11 = {first.number}" in feedback


def test_moodle_refuses_a_symbolic_template(tmp_path, capsys):
    status = run_cli(["export", "moodle", "examples/exercises/symbolic_conv.toml", "--wrt", "X",
                      "--out", tmp_path / "quiz.xml"])
    err = capsys.readouterr().err
    assert status == 2 and "NUMERICAL blanks take numbers" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "quiz.xml").exists()


@pytest.mark.parametrize("value", [Fraction(1, 9), Fraction(-5, 9), Fraction(999995, 100000),
                                   Fraction(12345), Fraction(1, 3000), Fraction(7)])
def test_the_tolerance_is_half_a_unit_of_the_fourth_figure(value):
    from symconv.export.moodle import tolerance

    from decimal import Decimal, localcontext

    with localcontext() as context:
        context.prec = 50
        exponent = (Decimal(abs(value.numerator)) / Decimal(value.denominator)).adjusted()  # first figure's
    assert tolerance(value) == Fraction(10) ** (exponent - 3) / 2


def test_moodle_refuses_numbers_beyond_a_floats_range_in_one_line(tmp_path, capsys):
    """Moodle reads a numerical blank as a float: ∂E/∂A_00 = (10^39)^8 / 9 (eight 2×2
    convolutions whose kernels start with 10^39, then a 3×3 average) cannot be one; this was an
    internal OverflowError (issue 19)."""
    big = 10 ** 39
    layers = "".join(f'[[layers]]\ntype = "conv"\noutput = "Y{i}"\n[layers.weight]\nname = "W{i}"\n'
                     f'shape = [2, 2]\nvalues = [[{big}, 1], [2, 3]]\n' for i in range(8))
    template = tmp_path / "huge.toml"
    template.write_text(f'loss = "E"\n[input]\nname = "A"\nshape = [11, 11]\n{layers}'
                        '[[layers]]\ntype = "avgpool"\nkernel_size = [3, 3]\nstride = 3\n'
                        '[upstream]\nvalues = [[1]]\n[variants]\nupstream.values = [[[1]], [[2]]]\n'
                        '[exercise]\nwrt = ["A"]\nseed = "s"\n')
    assert 10 ** 311 <= Fraction(big ** 8, 9) < 10 ** 312
    status = run_cli(["export", "moodle", template, "--wrt", "A", "--variants", "1", "--out",
                      tmp_path / "quiz.xml"])
    err = capsys.readouterr().err
    assert status == 2 and err == (f"symconv: error: {template}: ∂E/∂A_00 is about 1e311, beyond the"
                                   f" range of the numbers Moodle's numerical blanks hold (about"
                                   f" 1e-308 to 1.8e308); give the template other values\n")
    assert not (tmp_path / "quiz.xml").exists()
