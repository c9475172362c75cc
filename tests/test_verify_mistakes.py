"""Mutations of right answers are caught and explained; the usual mistakes are named.

The wrong answers are computed here by an independent route: plain loops that scatter every
upstream entry times the kernel back onto the (padded) input, the CS7643 handout's "map the
receptive fields back" definition, with the mistake made on purpose.
"""

import re

import numpy as np
import pytest

from symconv import load_problem, parse_problem
from symconv.answers import AnswerKey
from symconv.core.errors import AnswerError
from symconv.core.poly import Poly
from symconv.render.printer import plain
from symconv.answers.feedback import render_verdict

RNG = np.random.default_rng(7)
H, K, S, P = 6, 3, 2, 1
O = (H + 2 * P - K) // S + 1
X = RNG.integers(-5, 6, (H, H))
W = RNG.integers(-5, 6, (K, K))
DY = RNG.integers(-5, 6, (O, O))


def matrix_toml(array) -> str:
    return "[" + ", ".join("[" + ", ".join(str(int(v)) for v in row) + "]" for row in array) + "]"


NUMERIC = parse_problem(f"""
[input]
shape = [{H}, {H}]
values = {matrix_toml(X)}
[[layers]]
type = "conv"
stride = {S}
padding = {P}
[layers.weight]
shape = [{K}, {K}]
values = {matrix_toml(W)}
[upstream]
values = {matrix_toml(DY)}
""")


def scatter(dy, w, stride):
    """∂L/∂(padded input): each output's upstream value times the kernel, added back in place."""
    out = np.zeros((H + 2 * P, H + 2 * P), dtype=int)
    for a in range(dy.shape[0]):
        for b in range(dy.shape[1]):
            out[a * stride:a * stride + K, b * stride:b * stride + K] += dy[a, b] * w
    return out


def weight_gradient(dy, stride):
    xp = np.pad(X, P)
    return np.array([[sum(dy[a, b] * xp[a * stride + u, b * stride + v]
                          for a in range(O) for b in range(O)) for v in range(K)] for u in range(K)])


RIGHT_INPUT = scatter(DY, W, S)[P:P + H, P:P + H]
INPUT_MISTAKES = {
    "kernel-not-rotated": scatter(DY, W[::-1, ::-1], S)[P:P + H, P:P + H],
    "zeros-not-inserted": scatter(DY, W, 1)[P:P + H, P:P + H],
    "padding-removed-at-end": scatter(DY, W, S)[:H, :H],
    "padding-removed-at-start": scatter(DY, W, S)[2 * P:2 * P + H, 2 * P:2 * P + H],
    "upstream-ones": scatter(np.ones_like(DY), W, S)[P:P + H, P:P + H],
    "sign-flipped": -RIGHT_INPUT,
    "transposed": RIGHT_INPUT.T,
}
RIGHT_WEIGHT = weight_gradient(DY, S)
WEIGHT_MISTAKES = {
    "result-rotated": RIGHT_WEIGHT[::-1, ::-1],
    "zeros-not-inserted": weight_gradient(DY, 1),
    "upstream-ones": weight_gradient(np.ones_like(DY), S),
    "sign-flipped": -RIGHT_WEIGHT,
    "transposed": RIGHT_WEIGHT.T,
}


def grid(array) -> str:
    return "\n".join(" ".join(str(int(v)) for v in row) for row in array)


def test_the_independent_right_answers_are_right():
    assert AnswerKey(NUMERIC, "X").check(grid(RIGHT_INPUT)).ok
    assert AnswerKey(NUMERIC, "W").check(grid(RIGHT_WEIGHT)).ok


@pytest.mark.parametrize("wrt, right, mistakes", [("X", RIGHT_INPUT, INPUT_MISTAKES),
                                                  ("W", RIGHT_WEIGHT, WEIGHT_MISTAKES)])
def test_each_usual_mistake_is_named_when_it_is_the_whole_answer(wrt, right, mistakes):
    key = AnswerKey(NUMERIC, wrt)
    for name, answer in mistakes.items():
        assert not np.array_equal(answer, right), name
        verdict = key.check(grid(answer), name)
        assert verdict.diagnosis is not None, name
        assert (verdict.diagnosis.mistake.key, verdict.diagnosis.whole) == (name, True)
        assert verdict.correct == int((answer == right).sum())
        assert f"likely mistake: {verdict.diagnosis.mistake.description} — this explains the whole" \
               f" answer" in render_verdict(verdict)


def test_a_mistake_is_still_named_when_a_clear_majority_of_wrong_entries_follows_it():
    answer = INPUT_MISTAKES["kernel-not-rotated"].copy()
    wrong = np.argwhere(answer != RIGHT_INPUT)
    answer[tuple(wrong[0])] += 1000  # one entry that no mistake explains
    verdict = AnswerKey(NUMERIC, "X").check(grid(answer))
    d = verdict.diagnosis
    assert (d.mistake.key, d.whole, d.explained, d.wrong) == ("kernel-not-rotated", False,
                                                              len(wrong) - 1, len(wrong))


def test_no_mistake_is_named_for_scattered_errors():
    answer = RIGHT_INPUT.copy()
    answer[0, 0] += 1
    answer[3, 4] -= 2
    verdict = AnswerKey(NUMERIC, "X").check(grid(answer))
    assert verdict.correct == H * H - 2 and verdict.diagnosis is None


# -- mutations of symbolic answers ------------------------------------------------------------------
CS7643 = load_problem("examples/cs7643_4x4_stride1.toml")
KEY = AnswerKey(CS7643, "X")
RIGHT = KEY.gradient.polys()


def answer_with(polys) -> str:
    return "\n".join(", ".join(plain(p) for p in polys[r * 4:(r + 1) * 4]) for r in range(4))


def check_one_changed(flat: int, changed: Poly):
    polys = list(RIGHT)
    polys[flat] = changed
    verdict = KEY.check(answer_with(polys), "mutated")
    assert [e.flat for e in verdict.entries if not e.correct] == [flat]
    return verdict.entries[flat].comparison, render_verdict(verdict).splitlines()[1]


@pytest.mark.parametrize("flat", range(16))
def test_dropping_a_term_is_caught_and_named(flat):
    (monomial, coefficient), *rest = RIGHT[flat].sorted_terms()
    comparison, line = check_one_changed(flat, Poly(dict(rest)))
    assert comparison.missing == ((monomial, coefficient),) and not comparison.extra
    assert line.endswith(f"; missing {'·'.join(s.tensor.plain_name(s.flat) for s in monomial)}")


@pytest.mark.parametrize("flat", range(16))
def test_changing_a_coefficient_is_caught_and_named(flat):
    (monomial, coefficient), *rest = RIGHT[flat].sorted_terms()
    comparison, line = check_one_changed(flat, Poly({monomial: 3 * coefficient, **dict(rest)}))
    assert comparison.coefficients == ((monomial, 3 * coefficient, coefficient),)
    assert "; coefficient of " in line and line.endswith(f" is {3 * coefficient}, expected {coefficient}")


@pytest.mark.parametrize("flat", range(16))
def test_swapping_a_symbol_is_caught_and_named(flat):
    (monomial, coefficient), *rest = RIGHT[flat].sorted_terms()
    upstream, weight = monomial
    others = [CS7643.layers[0].weight.entry(k) for k in range(4)]
    swapped = next(w for w in others if w != weight and (upstream, w) not in RIGHT[flat].terms)
    comparison, line = check_one_changed(flat, Poly({(upstream, swapped): coefficient, **dict(rest)}))
    assert comparison.missing == ((monomial, coefficient),)
    assert comparison.extra == (((upstream, swapped), coefficient),)
    assert "; missing " in line and "; extra " in line


def test_transposing_is_caught_and_named():
    transposed = [RIGHT[c * 4 + r] for r in range(4) for c in range(4)]
    verdict = KEY.check(answer_with(transposed), "transposed")
    assert verdict.correct == 4  # the diagonal
    assert verdict.diagnosis.mistake.key == "transposed" and verdict.diagnosis.whole


def test_names_counted_from_the_wrong_base_are_read_and_named():
    # d1..d9 -> d0..d8, w1..w4 -> w0..w3 (the problem counts from 1)
    shifted = re.sub(r"([dw])(\d)", lambda m: f"{m.group(1)}{int(m.group(2)) - 1}", answer_with(RIGHT))
    verdict = KEY.check(shifted, "zero-based")
    assert verdict.diagnosis.mistake.key == "index-base" and verdict.diagnosis.whole
    assert verdict.correct == 0
    assert "the value is right, but its names are counted from the wrong base" in render_verdict(verdict)


def test_an_unknown_name_that_no_other_base_explains_stays_an_error():
    answer = answer_with(RIGHT).replace("d9", "q9")
    with pytest.raises(AnswerError, match=r"^typo:3: row 3, entry 3 \('d5\*w4 \+ d6\*w3 \+ d8\*w2 \+ q9\*w1'\):"
                                          r" unknown name 'q9'; names here: X_00 … X_33, w1 … w4,"
                                          r" d1 … d9 \(at character 25\)$"):
        KEY.check(answer, "typo")


def test_the_padding_left_on_is_named_in_the_shape_error():
    full = scatter(DY, W, S)  # ∂L/∂(padded input), 8×8
    with pytest.raises(AnswerError) as caught:
        AnswerKey(NUMERIC, "X").check(grid(full), "padded")
    assert str(caught.value) == (
        "padded: got 8×8, expected 6×6: ∂L/∂X has the shape of X (input 6×6, kernel 3×3, stride 2,"
        " padding 1); it matches 64 of 64 entries of a likely mistake: X's padding 1 was not removed"
        " (∂L/∂X is the full correlation without its outer 1 rows and columns)")
    other = full.copy()
    other[:4] += 100  # half the entries no longer match: only the shape is reported
    with pytest.raises(AnswerError, match=r"^padded: got 8×8, expected 6×6: [^;]*\)$"):
        AnswerKey(NUMERIC, "X").check(grid(other), "padded")


TWO_LAYERS = parse_problem("""
dims = 1
[input]
shape = [4]
[[layers]]
type = "conv"
[layers.weight]
name = "V"
shape = [2]
[[layers]]
type = "conv"
[layers.weight]
name = "W"
shape = [2]
[upstream]
name = "d"
naming = "flat"
index_base = 1
""")


def test_a_gradient_through_two_layers_is_right_in_either_form():
    key = AnswerKey(TWO_LAYERS, "X")
    through_y1 = "dL_dY1_0*V_0, dL_dY1_0*V_1 + dL_dY1_1*V_0, dL_dY1_1*V_1 + dL_dY1_2*V_0, dL_dY1_2*V_1"
    # expanded by hand: ∂L/∂Y1_j = d1·W_{j} + d2·W_{j−1} (the second layer's input gradient)
    expanded = ("d1 V_0 W_0, d1 (V_0 W_1 + V_1 W_0) + d2 V_0 W_0, d1 V_1 W_1 + d2 (V_0 W_1 + V_1 W_0),"
                " d2 V_1 W_1")
    assert key.check(through_y1).ok and key.check(expanded).ok
    verdict = key.check(expanded.replace("d2 V_1 W_1", "d2 V_1 W_0"))
    assert [e.flat for e in verdict.entries if not e.correct] == [3]
    assert verdict.diagnosis is None  # one scattered error names no mistake


def test_remembered_entries_give_the_same_verdicts_and_errors_are_not_remembered():
    key = AnswerKey(CS7643, "X")
    first = key.check(answer_with(RIGHT))
    again = key.check(answer_with(RIGHT))
    assert first.ok and again.ok
    assert [e.given for e in first.entries] == [e.given for e in again.entries]
    for _ in range(2):
        with pytest.raises(AnswerError, match="unknown name 'q9'"):
            key.check(answer_with(RIGHT).replace("d9", "q9"), "typo")


def test_a_pooling_gradient_with_values_is_checked_entry_by_entry():
    # Homework 1.2(c): each 2×2 window of C (stride 1) sends its upstream 1 to its maximum:
    # 109 (C_11), 92 (C_12), 110 (C_31), 85 (C_22).
    key = AnswerKey(load_problem("examples/homework_maxpool.toml"), "C")
    assert key.check("1 1 0\n0 1 0\n1 0 0").ok
    verdict = key.check("1 1 0\n1 1 0\n1 0 0")  # 108 is not a maximum
    assert [(e.cell.row, e.cell.col) for e in verdict.entries if not e.correct] == [(2, 1)]
    assert verdict.diagnosis is None  # no entry is the maximum of two windows, no tie
