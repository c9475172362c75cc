"""LP pooling answers: roots written many ways, compared exactly where the forms agree, else at
random exact rational points with the confidence stated; LP mistakes are named.

The right answers are written here by hand from the handout's formula
∂Y/∂x = x^(p−1)·(Σ x^p / N)^(1/p − 1)/N, which for p = 2 and a 2×2 window ("mean", N = 4) is
x / (2·√(Σ x²)), and for "sum" x / √(Σ x²): an independent route from the code's LpFactor.
"""

import re

import pytest
from hypothesis import given, settings, strategies as st

from symconv import load_problem, parse_problem
from symconv.answers import AnswerKey
from symconv.answers.names import NameTable, answer_tensors
from symconv.answers.parse import parse_entry
from symconv.core.errors import AnswerError, SymconvError
from symconv.answers.feedback import render_verdict, verdict_json

MEAN = load_problem("examples/lppool_mean.toml")  # 4×4 X, 2×2 windows, stride 2, p = 2, mean
KEY = AnswerKey(MEAN, "X")


def window_sum(a, b):
    """Σ x² over output (a, b)'s window, stride 2."""
    return " + ".join(f"X_{2 * a + u}{2 * b + v}^2" for u in range(2) for v in range(2))


def answer(entry_of) -> str:
    """The 4×4 answer whose entry (i, j) is ``entry_of(i, j, S)``, S its window's Σ x²."""
    return "\n".join(", ".join(f"dL_dY_{i // 2}_{j // 2}*" + entry_of(i, j, window_sum(i // 2, j // 2))
                               for j in range(4)) for i in range(4))


RIGHT_FORMS = {
    "handout": lambda i, j, s: f"X_{i}{j}*(({s})/4)^(-1/2)/4",
    "latex": lambda i, j, s: rf"\frac{{X_{{{i}{j}}}}}{{2\sqrt{{{s}}}}}",
    "sqrt call": lambda i, j, s: f"X_{i}{j} / sqrt({s}) / 2",
    "root of 4S": lambda i, j, s: f"X_{i}{j} / \\sqrt{{4*({s})}}",
    "cancelled": lambda i, j, s: f"X_{i}{j}^2 / (2 X_{i}{j} sqrt({s}))",
    "root over sum": lambda i, j, s: f"X_{i}{j} ({s})^(1/2) / (2 ({s}))",
}


@pytest.mark.parametrize("form", RIGHT_FORMS)
def test_right_answers_in_forms_that_simplify_to_the_same_are_right_exactly(form):
    verdict = KEY.check(answer(RIGHT_FORMS[form]))
    assert verdict.ok and verdict.sampling is None  # no random points needed
    assert all(e.comparison.sampling is None for e in verdict.entries)


def test_a_right_form_that_does_not_simplify_is_right_at_random_points_with_the_confidence_stated():
    # ((Σ x²)²)^(1/4) is √(Σ x²), but as a root of another polynomial: only sampling can tell.
    verdict = KEY.check(answer(lambda i, j, s: f"X_{i}{j} / (2 (({s})^2)^(1/4))"))
    assert verdict.ok
    count, sampling = verdict.sampling
    assert (count, sampling.points) == (16, 6) and sampling.digits >= 50
    assert 0 < sampling.bound < 1e-30
    note = render_verdict(verdict).splitlines()[1]
    assert re.fullmatch(rf"note: 16 entries are right in another form than the expected one, compared"
                        rf" at 6 secret random rational points \(--seed {KEY.compare.seed}\) to"
                        rf" {sampling.digits} significant digits; a wrong value agrees at all of"
                        rf" them by accident with probability below \de-\d\d", note)
    assert verdict_json(verdict)["sampling"] == {"entries": 16, "points": 6,
                                                 "digits": sampling.digits, "bound": sampling.bound,
                                                 "decimals": False, "seed": KEY.compare.seed}


WRONG_FORMS = {
    "no 1/2": lambda i, j, s: f"X_{i}{j} / sqrt({s})",
    "no root": lambda i, j, s: f"X_{i}{j} / (2 ({s}))",
    "cube root": lambda i, j, s: rf"X_{i}{j} / (2 \sqrt[3]{{{s}}})",
    "one term left out": lambda i, j, s: f"X_{i}{j} / (2 sqrt({s.rsplit(' + ', 1)[0]}))",
    "squared root": lambda i, j, s: f"X_{i}{j} / (2 (({s})^2)^(1/3))",
}


@pytest.mark.parametrize("form", WRONG_FORMS)
def test_wrong_answers_are_wrong_in_every_entry(form):
    verdict = KEY.check(answer(WRONG_FORMS[form]))
    assert verdict.correct == 0 and verdict.sampling is None
    assert all(e.comparison.sampling is not None for e in verdict.entries)  # decided at points


def test_one_wrong_entry_among_right_ones_is_the_only_one_flagged():
    text = answer(RIGHT_FORMS["latex"]).replace(r"\frac{X_{11}}{2", r"\frac{X_{11}}{3", 1)
    verdict = KEY.check(text)
    assert [e.flat for e in verdict.entries if not e.correct] == [5]
    line = render_verdict(verdict).splitlines()[1]
    assert line.startswith("✗ ∂L/∂X_11 (row 2, entry 2): given 1/3·∂L/∂Y_00·X_11·(X_00^2 + X_01^2 +"
                           " X_10^2 + X_11^2)^(-1/2), expected ∂L/∂Y_00·X_11·((X_00^2")


# -- overlapping LP windows: the overlap mistake is named -------------------------------------------
OVERLAP = parse_problem("""
[input]
shape = [3, 3]
[[layers]]
type = "lppool"
kernel_size = 2
stride = 1
p = 2
""")


def overlap_answer(once=None) -> str:
    rows = []
    for i in range(3):
        row = []
        for j in range(3):
            windows = [(a, b) for a in range(2) for b in range(2) if a <= i <= a + 1 and b <= j <= b + 1]
            if once is not None:
                windows = windows[once:][:1]
            row.append(" + ".join(
                f"dL_dY_{a}_{b} X_{i}{j} / sqrt("
                + " + ".join(f"X_{a + u}{b + v}^2" for u in range(2) for v in range(2)) + ")"
                for a, b in windows))
        rows.append(", ".join(row))
    return "\n".join(rows)


def test_lp_overlap_counted_once_is_named():
    key = AnswerKey(OVERLAP, "X")
    assert key.check(overlap_answer()).ok
    for once in (0, -1):
        verdict = key.check(overlap_answer(once))
        assert (verdict.diagnosis.mistake.key, verdict.diagnosis.whole) == ("overlap-counted-once", True)
        assert verdict.correct == 4  # the corners are in one window only


# -- LP pooling with known values: numbers, exact or decimal ----------------------------------------
NUMERIC = parse_problem("""
[input]
shape = [2, 4]
values = [[1, 2, 1, 1], [2, 4, 0, 1]]
[[layers]]
type = "lppool"
kernel_size = 2
p = 2
[upstream]
name = "d"
naming = "flat"
index_base = 1
""")  # windows: Σ x² = 1 + 4 + 4 + 16 = 25 (root 5) and 1 + 1 + 0 + 1 = 3 (root √3)


def test_known_values_exact_roots_and_decimals_with_the_tolerance():
    key = AnswerKey(NUMERIC, "X")
    exact = "d1/5, 2 d1/5, d2/sqrt(3), d2/sqrt(3)\n2/5 d1, 4/5 d1, 0, d2 \\frac{1}{\\sqrt{3}}"
    assert key.check(exact).ok
    decimals = "0.2 d1, 0.4 d1, 0.57735 d2, 0.57735 d2\n0.4 d1, 0.8 d1, 0, 0.5774 d2"
    verdict = key.check(decimals)
    assert verdict.ok and verdict.sampling[1].decimals
    assert render_verdict(verdict).splitlines()[1].endswith("; decimals within the tolerance")
    wrong = key.check(decimals.replace("0.57735 d2, 0.57735", "0.5 d2, 0.57735"))
    assert [e.flat for e in wrong.entries if not e.correct] == [2]
    assert not key.check(exact.replace("d2/sqrt(3), d2/sqrt(3)", "d2/sqrt(2), d2/sqrt(3)")).ok


# -- the parser's limits hold for roots -------------------------------------------------------------
MEAN_NAMES = NameTable(answer_tensors(MEAN))


@pytest.mark.parametrize("text, message", [
    ("X_00^(1/0)", "an exponent must be a whole number or fraction"),
    ("X_00^(1/9)", "an exponent must be a whole number or fraction"),
    ("X_00^(-9)", "an exponent must be a whole number or fraction"),
    ("(-1)^(1/2)", "a root of the negative number -1 has no real value"),
    ("1/(X_00 - X_00)", "division by zero"),
    ("sqrt X_00", r"expected \( or \{ after the root"),
    ("((X_00 + X_01)^(1/2) + X_10)^(1/2)", "a root or division of a sum that itself has a root"),
    ("((((X_00+X_01)^8)^8)^8)", "too large"),
])
def test_roots_keep_the_parser_limits(text, message):
    with pytest.raises(AnswerError, match=message):
        parse_entry(text, MEAN_NAMES, radicals=True)


def test_roots_are_refused_where_gradients_are_polynomials():
    names = NameTable(answer_tensors(load_problem("examples/cs7643_4x4_stride1.toml")))
    for text in ("sqrt(w1)", r"\sqrt{w1}", "w1^(1/2)", "1/w1"):
        with pytest.raises(AnswerError):
            parse_entry(text, names)


FRAGMENTS = ["X_00", "X_{01}", "dL_dY_0_0", "sqrt", "(", ")", r"\sqrt", "[3]", "{", "}", "^", "(1/2)",
             "(-1/2)", "/", "*", "+", "-", "2", "0", "0.5", " ", r"\frac{", "}{", "^(-8)", "^(1/8)"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=30))
def test_fuzz_roots_raise_only_our_error(parts):
    try:
        result = parse_entry("".join(parts), MEAN_NAMES, radicals=True)
    except SymconvError:
        return
    KEY.compare(result, KEY.expected[0][0], KEY.tolerance)  # and comparing raises nothing either


@pytest.mark.parametrize("text, shown", [
    ("sqrt(X_00)", "X_00^(1/2)"),
    ("1/sqrt(3)", "3^(-1/2)"),
    ("sqrt(1/2)", "(1/2)^(1/2)"),
    ("X_00/(X_00^2 + X_01^2)", "X_00·(X_00^2 + X_01^2)^(-1)"),
    ("(2 X_00 X_01)^(1/3)", "2^(1/3)·X_00^(1/3)·X_01^(1/3)"),  # a product: factor by factor
])
def test_roots_in_answers_are_shown_as_read(text, shown):
    from symconv.render.text import TextPrinter

    assert TextPrinter("L").doprint(parse_entry(text, MEAN_NAMES, radicals=True).value) == shown
