"""Pooling and chain mistakes are named: overlapping windows counted once, ties routed wrong, the
upstream gradient taken as ones, ReLU's kink taken as 1, a kernel left unrotated under a pooling.

Every wrong answer here is built by an independent route: plain loops over the windows (the
handout's "the gradient goes to the maximum of each window" rule, written out by hand) that carry
each gradient entry as its coefficients over the upstream entries d1, d2, …, with the mistake made
on purpose. Nothing here calls the checker's own variants.
"""

from fractions import Fraction

import numpy as np
import pytest

from symconv import load_problem, parse_problem
from symconv.answers import AnswerKey
from symconv.answers.feedback import render_verdict


# -- gradients as coefficient vectors over d1..dn ---------------------------------------------------
def unit(o: int, n: int) -> list:
    return [Fraction(int(k == o)) for k in range(n)]


def written(vector) -> str:
    """``[1, 0, -1/2]`` -> ``1*d1 + -1/2*d3``; ``0`` when every coefficient is 0."""
    terms = [f"{c}*d{k + 1}" for k, c in enumerate(vector) if c]
    return " + ".join(terms) or "0"


def grid(matrix) -> str:
    return "\n".join(", ".join(written(v) for v in row) for row in matrix)


def pool_backward(values, upstream, *, kernel=2, stride=1, rule="first", once=None, average=False):
    """∂L/∂input of 2-D max (or average) pooling, by hand. ``rule`` says where a tie goes ("first",
    "last", "split", "all"); ``once`` = 0 or −1 keeps only the first or last window that routes
    to an entry instead of summing them."""
    h, w = len(values), len(values[0])
    oh, ow = (h - kernel) // stride + 1, (w - kernel) // stride + 1
    routes = {(i, j): [] for i in range(h) for j in range(w)}  # (output, share), in output order
    for a in range(oh):
        for b in range(ow):
            window = [(a * stride + u, b * stride + v) for u in range(kernel) for v in range(kernel)]
            if average:
                shares = [(p, Fraction(1, kernel * kernel)) for p in window]
            else:
                best = max(values[i][j] for i, j in window)
                tied = [(i, j) for i, j in window if values[i][j] == best]
                shares = {"first": [(tied[0], 1)], "last": [(tied[-1], 1)],
                          "split": [(p, Fraction(1, len(tied))) for p in tied],
                          "all": [(p, 1) for p in tied]}[rule]
            for p, share in shares:
                routes[p].append((a * ow + b, share))
    n = len(upstream)
    grad = [[[Fraction(0)] * n for _ in range(w)] for _ in range(h)]
    for (i, j), taken in routes.items():
        if once is not None:
            taken = taken[once:][:1]
        for output, share in taken:
            grad[i][j] = [g + share * u for g, u in zip(grad[i][j], upstream[output])]
    return grad


# -- max pooling with ties and overlapping windows --------------------------------------------------
VALUES = [[1, 3, 3, 0],
          [2, 3, 1, 2],
          [0, 1, 4, 4],
          [2, 2, 0, 1]]


def pooling(kind: str, input_lines: str = ""):
    """A 4×4 input pooled by 2×2 windows with stride 1 (overlapping); upstream d1..d9."""
    return parse_problem(f"""
[input]
shape = [4, 4]
{input_lines}
[[layers]]
type = "{kind}"
kernel_size = 2
stride = 1
[upstream]
name = "d"
naming = "flat"
index_base = 1
""")


MAXPOOL = pooling("maxpool", f'name = "C"\nvalues = {VALUES}')
D9 = [unit(o, 9) for o in range(9)]
ONES9 = [[Fraction(1)] for _ in range(9)]  # upstream all ones: a single "coefficient", the number

RIGHT = pool_backward(VALUES, D9)
MAXPOOL_MISTAKES = {
    "overlap-counted-once": [pool_backward(VALUES, D9, once=0), pool_backward(VALUES, D9, once=-1)],
    "tie-last-maximum": [pool_backward(VALUES, D9, rule="last")],
    "tie-split": [pool_backward(VALUES, D9, rule="split")],
    "tie-all-maxima": [pool_backward(VALUES, D9, rule="all")],
    "sign-flipped": [[[[-c for c in v] for v in row] for row in RIGHT]],
    "transposed": [[list(col) for col in zip(*RIGHT)]],
}


def test_the_hand_routed_gradient_is_right():
    assert AnswerKey(MAXPOOL, "C").check(grid(RIGHT)).ok


@pytest.mark.parametrize("name, answers", MAXPOOL_MISTAKES.items())
def test_each_pooling_mistake_is_named_when_it_is_the_whole_answer(name, answers):
    key = AnswerKey(MAXPOOL, "C")
    for answer in answers:
        assert answer != RIGHT
        verdict = key.check(grid(answer), name)
        assert verdict.diagnosis is not None, name
        assert (verdict.diagnosis.mistake.key, verdict.diagnosis.whole) == (name, True)
        right_entries = sum(a == r for arow, rrow in zip(answer, RIGHT) for a, r in zip(arow, rrow))
        assert verdict.correct == right_entries
        assert f"likely mistake: {verdict.diagnosis.mistake.description}" in render_verdict(verdict)


def test_the_overlap_mistake_says_which_windows_and_what_is_right():
    verdict = AnswerKey(MAXPOOL, "C").check(grid(MAXPOOL_MISTAKES["overlap-counted-once"][0]))
    assert verdict.diagnosis.mistake.description == (
        "overlapping windows (kernel 2, stride 1) were counted once: each entry of ∂L/∂C got the"
        " gradient of only the first window that routes to it; it gets the sum over all of them")
    # C_22 = 4 is the maximum of three windows: d5 + d6 + d8 (the tie in window 6 goes to it)
    assert written(RIGHT[2][2]) == "1*d5 + 1*d6 + 1*d8 + 1*d9"
    line = next(l for l in render_verdict(verdict).splitlines() if "∂L/∂C_22" in l)
    assert "missing d6, d8, d9" in line


def test_a_tie_mistake_is_named_when_a_clear_majority_of_wrong_entries_follows_it():
    answer = [[list(v) for v in row] for row in MAXPOOL_MISTAKES["tie-split"][0]]
    answer[3][3] = unit(0, 9)  # one more wrong entry that no mistake explains
    d = AnswerKey(MAXPOOL, "C").check(grid(answer)).diagnosis
    assert (d.mistake.key, d.whole) == ("tie-split", False) and d.explained == d.wrong - 1 >= 2


def test_upstream_taken_as_ones_is_named_through_max_pooling():
    ones = pool_backward(VALUES, ONES9)
    answer = "\n".join(" ".join(str(v[0]) for v in row) for row in ones)
    verdict = AnswerKey(MAXPOOL, "C").check(answer)
    assert (verdict.diagnosis.mistake.key, verdict.diagnosis.whole) == ("upstream-ones", True)


# -- average pooling with overlapping windows (symbols) ---------------------------------------------
AVGPOOL = pooling("avgpool")


def test_average_pooling_overlap_counted_once_is_named():
    symbols = [[0] * 4 for _ in range(4)]  # average pooling does not look at the values
    key = AnswerKey(AVGPOOL, "X")
    assert key.check(grid(pool_backward(symbols, D9, average=True))).ok
    for once in (0, -1):
        verdict = key.check(grid(pool_backward(symbols, D9, average=True, once=once)))
        assert (verdict.diagnosis.mistake.key, verdict.diagnosis.whole) == ("overlap-counted-once", True)
        assert "only the first window containing it" in verdict.diagnosis.mistake.description \
            or "only the last window containing it" in verdict.diagnosis.mistake.description


# -- a chain: conv → ReLU → max pooling (examples/chain_conv_relu_maxpool_symbolic.toml) ----------------------
CHAIN = load_problem("examples/chain_conv_relu_maxpool_symbolic.toml")
CX = CHAIN.input.values.tolist()
CW = CHAIN.layers[0].weight.values.tolist()


def conv(x, w):
    k = len(w)
    n = len(x) - k + 1
    return [[sum(x[i + u][j + v] * w[u][v] for u in range(k) for v in range(k)) for j in range(n)]
            for i in range(n)]


Y1 = conv(CX, CW)
Y2 = [[max(v, 0) for v in row] for row in Y1]


def chain_backward(*, rule="first", once=None, rotate=False, upstream=D9):
    """∂L/∂X through max pooling (mistake ``rule``/``once``), ReLU and the convolution (kernel
    ``rotate``d by mistake), by hand."""
    dy2 = pool_backward(Y2, upstream, rule=rule, once=once)
    n = len(upstream[0])
    dy1 = [[g if y > 0 else [Fraction(0)] * n for g, y in zip(grow, yrow)]
           for grow, yrow in zip(dy2, Y1)]
    k = len(CW)
    w = [row[::-1] for row in CW[::-1]] if rotate else CW
    dx = [[[Fraction(0)] * n for _ in range(len(CX))] for _ in range(len(CX))]
    for i in range(len(dy1)):
        for j in range(len(dy1)):
            for u in range(k):
                for v in range(k):
                    dx[i + u][j + v] = [a + w[u][v] * b for a, b in zip(dx[i + u][j + v], dy1[i][j])]
    return dx


CHAIN_RIGHT = chain_backward()
CHAIN_MISTAKES = {
    "tie-last-maximum": chain_backward(rule="last"),
    "tie-all-maxima": chain_backward(rule="all"),
    "overlap-counted-once": chain_backward(once=0),
    "kernel-not-rotated": chain_backward(rotate=True),
}


def test_the_chain_example_has_what_its_comment_says():
    assert min(min(row) for row in Y1) < 0 and any(0 in row for row in Y1)  # negatives and kinks
    assert Y2[1][2] == Y2[2][1] == 1 and max(Y2[1][1], Y2[2][2]) < 1  # the tie in Y3_11's window


def test_the_chain_by_hand_is_right_and_single_errors_get_per_entry_feedback():
    key = AnswerKey(CHAIN, "X")
    assert key.check(grid(CHAIN_RIGHT)).ok
    answer = [[list(v) for v in row] for row in CHAIN_RIGHT]
    assert written(answer[1][3]) == "1*d3 + -1*d5 + 1*d6"
    answer[1][3] = unit(2, 9)  # d3 only: the d5 and d6 terms dropped
    verdict = key.check(grid(answer), "chain")
    assert [e.flat for e in verdict.entries if not e.correct] == [8]
    assert verdict.diagnosis is None
    assert "✗ ∂L/∂X_13 (row 2, entry 4): given d3, expected d3 - d5 + d6; missing −d5, d6" \
        in render_verdict(verdict).splitlines()


@pytest.mark.parametrize("name", CHAIN_MISTAKES)
def test_mistakes_in_any_layer_of_the_chain_are_named_in_the_input_gradient(name):
    answer = CHAIN_MISTAKES[name]
    assert answer != CHAIN_RIGHT
    verdict = AnswerKey(CHAIN, "X").check(grid(answer), name)
    assert verdict.diagnosis is not None, name
    assert (verdict.diagnosis.mistake.key, verdict.diagnosis.whole) == (name, True)


def test_upstream_taken_as_ones_is_named_through_the_chain():
    ones = chain_backward(upstream=ONES9)
    answer = "\n".join(" ".join(str(v[0]) for v in row) for row in ones)
    verdict = AnswerKey(CHAIN, "X").check(answer)
    assert (verdict.diagnosis.mistake.key, verdict.diagnosis.whole) == ("upstream-ones", True)


def test_a_tie_mistake_in_the_intermediate_gradient_is_named():
    dy2 = pool_backward(Y2, D9, rule="last")
    verdict = AnswerKey(CHAIN, "Y2").check(grid(dy2))
    assert (verdict.diagnosis.mistake.key, verdict.diagnosis.whole) == ("tie-last-maximum", True)
    assert np.sum([e.correct for e in verdict.entries]) == 14  # Y2_12 and Y2_21 swap d5


def test_relu_derivative_taken_as_1_at_zero_is_named():
    # In the chain example no zero of Y1 wins a pooling window, so the kink is shown on its own.
    values = [[0, 1, -2], [3, 0, -1]]
    relu = parse_problem(f"""
[input]
shape = [2, 3]
values = {values}
[[layers]]
type = "relu"
[upstream]
name = "d"
naming = "flat"
index_base = 1
""")
    def backward(kink):
        return [[unit(3 * i + j, 6) if v > 0 or (v == 0 and kink) else [0] * 6
                 for j, v in enumerate(row)] for i, row in enumerate(values)]
    key = AnswerKey(relu, "X")
    assert key.check(grid(backward(False))).ok
    verdict = key.check(grid(backward(True)))
    assert (verdict.diagnosis.mistake.key, verdict.diagnosis.whole) == ("relu-derivative-at-zero", True)
    assert verdict.correct == 4


def test_big_chains_are_diagnosed_in_the_reading_layer_only(monkeypatch):
    from symconv.answers import diagnose

    everything = {m.key for m in AnswerKey(CHAIN, "X").mistakes}
    monkeypatch.setattr(diagnose, "MAX_DIAGNOSED_TERMS", CHAIN.term_count() - 1)
    reading_layer = {m.key for m in AnswerKey(CHAIN, "X").mistakes}
    assert "tie-last-maximum" in everything and "upstream-ones" in everything
    assert reading_layer == {"kernel-not-rotated", "sign-flipped", "transposed"}
