"""Answer keys built from the term arrays (issue 21): the numbers of a problem whose values are all
given, read straight from the arrays and checked against NumPy; answers of numbers compared at
once; the likely mistakes worked out only for a wrong answer; long chain rules cut in feedback;
the name table made from whole arrays of spellings, as the entry-by-entry spellings."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from symconv import build_problem, derive
from symconv.answers import AnswerKey
from symconv.answers.feedback import render_verdict
from symconv.answers.names import spelling_arrays, spellings
from symconv.layers.sliding import reference

from strategies import conv_specs

SETTINGS = settings(max_examples=60, deadline=None)


def numeric_problem(size: int = 12, kernel: int = 3, seed: int = 0, stride: int = 1):
    rng = np.random.default_rng(seed)
    out = (size - kernel) // stride + 1
    return build_problem({
        "input": {"shape": [size, size], "values": rng.integers(-4, 5, (size, size)).tolist()},
        "layers": [{"type": "conv", "stride": stride,
                    "weight": {"shape": [kernel, kernel], "values": rng.integers(-3, 4, (kernel, kernel)).tolist()}}],
        "upstream": {"values": rng.integers(-2, 3, (out, out)).tolist()}})


def grid(values) -> str:
    return "\n".join(" ".join(str(v) for v in row) for row in np.asarray(values).tolist()) + "\n"


def numpy_gradients(problem):
    """∂L/∂X and ∂L/∂W by the NumPy reference (not the chain rule)."""
    layer = problem.layers[0]
    g = layer.geometry
    x = np.array(problem.input.values.tolist(), dtype=np.int64).reshape(g.input_shape)
    w = np.array(layer.weight.values.tolist(), dtype=np.int64).reshape(g.weight_shape)
    dy = np.array(problem.upstream.values.tolist(), dtype=np.int64).reshape(g.output_shape)
    dx, dw, _ = reference.backward(x, w, dy, g)
    return {"X": dx.reshape(problem.input.shape), "W": dw.reshape(layer.weight.shape)}


@SETTINGS
@given(st.integers(0, 10 ** 6), st.integers(5, 14), st.integers(1, 4), st.integers(1, 2))
def test_the_numbers_of_every_entry_are_numpys(seed, size, kernel, stride):
    problem = numeric_problem(size, min(kernel, size), seed, stride)
    expected = numpy_gradients(problem)
    derivation = derive(problem)
    for name in ("X", "W"):
        numbers = derivation.gradient(name).numbers()
        assert numbers is not None and numbers.dtype == np.int64
        assert numbers.tolist() == expected[name].tolist()


def test_there_are_no_numbers_while_a_symbol_or_a_fraction_remains():
    symbols = derive(build_problem({"input": {"shape": [4, 4]},
                                    "layers": [{"type": "conv", "weight": {"shape": [2, 2]}}]}))
    assert symbols.gradient("X").numbers() is None
    fractions = derive(build_problem({"input": {"shape": [3, 3], "values": [[1, "1/2", 0]] * 3},
                                      "layers": [{"type": "conv", "weight": {"shape": [2, 2],
                                                                             "values": [[1, 2], [3, 4]]}}],
                                      "upstream": {"values": "ones"}}))
    assert fractions.gradient("W").numbers() is None  # X's 1/2 is a factor of ∂L/∂W
    assert fractions.gradient("X").numbers().tolist() == [[1, 3, 2], [4, 10, 6], [3, 7, 4]]


def test_a_right_answer_of_numbers_needs_no_mistakes_and_no_object_per_entry():
    problem = numeric_problem(40, 5, seed=3)
    key = AnswerKey(problem, "X")
    verdict = key.check(grid(numpy_gradients(problem)["X"]))
    assert (verdict.correct, verdict.total, verdict.diagnosis) == (1600, 1600, None)
    assert "variants" not in key.__dict__  # the likely mistakes were never worked out
    assert not verdict.entries._made  # nor an EntryResult made for any entry
    assert render_verdict(verdict).splitlines()[-1] == "every entry is right"


def test_wrong_numbers_are_found_and_explained_as_before():
    problem = numeric_problem(12, 3, seed=5)
    right = numpy_gradients(problem)["W"]
    key = AnswerKey(problem, "W")
    rotated = key.check(grid(right[::-1, ::-1]))
    assert rotated.diagnosis.mistake.key == "result-rotated" and rotated.diagnosis.whole
    one = right.copy()
    one[1, 2] += 1
    verdict = key.check(grid(one))
    assert [e.flat for e in verdict.entries.wrong()] == [5]
    assert verdict.entries[5].comparison.expected.number == right[1, 2]
    assert verdict.entries[4].correct and verdict.correct == 8


def test_decimals_are_compared_with_the_tolerance_and_expressions_exactly():
    problem = numeric_problem(6, 3, seed=7)
    right = numpy_gradients(problem)["W"].astype(object)
    cells = right.copy()
    cells[0, 0] = f"{right[0, 0]}.000"  # a decimal: compared with the tolerance
    cells[0, 1] = f"{right[0, 1] - 1} + 1"  # an expression, exact
    cells[0, 2] = f"{right[0, 2]}.5"  # a decimal too far
    verdict = AnswerKey(problem, "W").check(grid(cells))
    assert [e.flat for e in verdict.entries.wrong()] == [2]


def test_feedback_cuts_a_long_chain_rule_as_the_handouts_do():
    problem = numeric_problem(40, 3, seed=11)  # ∂L/∂W entries have 38 × 38 = 1444 terms
    right = numpy_gradients(problem)["W"]
    wrong = right.copy()
    wrong[0, 0] += 2
    lines = render_verdict(AnswerKey(problem, "W").check(grid(wrong))).splitlines()
    chain, terms = lines[2], lines[3]
    assert chain.count("·∂Y") == 150 and chain.endswith(f" + ⋯ (1444 terms in all) = {right[0, 0]}")
    assert terms.count("·X_") == 150 and " + ⋯ (1444 terms in all) = " in terms
    assert terms.endswith(" + ⋯ (1444 terms in all)")


@SETTINGS
@given(conv_specs(6), st.booleans())
def test_spellings_from_arrays_are_the_spellings_of_each_entry(spec, shifted):
    problem = build_problem(spec)
    for tensor in (problem.input, *problem.layers[0].parameters, problem.upstream):
        base = 1 - tensor.index_base if shifted else tensor.index_base
        arrays = spelling_arrays(tensor, base)
        for flat in range(tensor.size):
            written = [names[flat] for names in arrays if names[flat] is not None]
            assert written == spellings(tensor, flat, base)
