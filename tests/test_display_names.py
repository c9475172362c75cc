"""Objects print with display names (``B_11``, ``w2``, ``∂E/∂C_11``), never internal ones, and the
HTML page tags entries 0-based in the tensor's shape whatever its display base."""

from __future__ import annotations

import re

from symconv import build_solution, check, derive, load_problem, render_solution
from symconv.answers import AnswerKey

INTERNAL = ("Poly(", "Symbol(", "B_1_1", "dE_dC", " object at 0x")


def test_every_object_prints_with_display_names():
    problem = load_problem("examples/homework_5x5.toml")
    derivation = derive(problem)
    dA = derivation.gradient("A")
    entry = dA.entry((1, 1))
    key = AnswerKey(load_problem("examples/homework_5x5_values.toml"), "A")
    verdict = key.check_file("examples/answers/homework_5x5_handout.txt")
    solution = build_solution(problem, ("shapes",))
    shown = [entry.value, entry.terms[0].output, entry, dA, problem, derivation, check(problem),
             verdict, solution]
    for obj in shown:
        for text in (repr(obj), str(obj)):
            assert not [word for word in INTERNAL if word in text], (type(obj).__name__, text[:200])
    assert str(entry.value) == repr(entry.value) == "B_11 + B_12 + B_21 + B_22"
    assert repr(entry.terms) .count("C_11") == 1
    assert str(entry).startswith("∂E/∂A_22 = ∂E/∂C_11·∂C_11/∂A_22 + ")
    assert len(repr(dA).splitlines()) < 40 and "∂E/∂A" in repr(dA)
    for obj in (problem, derivation, check(problem), verdict, solution):
        assert "\n" not in repr(obj) and len(repr(obj)) < 200


def test_the_page_tags_entries_zero_based_and_fetches_nothing():
    problem = load_problem("examples/homework_5x5.toml")  # 1-based names: A_22 is index 1,1
    page = render_solution(build_solution(problem, ("chain",)), "html")
    assert '<mfrac data-grad="A" data-index="1,1" class="sc-entry" tabindex="0">' in page
    assert 'data-tensor="B" data-index="0,0"' in page and 'data-index="5,5"' not in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<link" not in page and "@import" not in page and "url(" not in page
    assert "<math" in page and "<merror" not in page


def mistakes_of_every_example():
    """(example, wrt, mistake) for every gradient verify can check in the examples."""
    from pathlib import Path

    from symconv.core.errors import ProblemError

    for path in sorted(Path("examples").glob("*.toml")):
        problem = load_problem(path)
        for tensor in problem.differentiable():
            try:
                key = AnswerKey(problem, tensor.name)
            except ProblemError:  # indicators no value decides: verify refuses these
                continue
            for mistake in key.mistakes + [m for m, _ in key.reshaped]:
                yield path.stem, problem, tensor, mistake


def test_every_named_mistake_speaks_in_the_problems_own_names():
    seen = set()
    for example, problem, tensor, mistake in mistakes_of_every_example():
        names = {t.name for t in problem.tensors()}
        derivatives = re.findall(r"∂(\w+)/∂(\w+)", mistake.description)
        assert all(loss == problem.loss and name in names for loss, name in derivatives), (
            example, mistake.description)
        words = set(re.findall(r"[A-Za-z]\w*", mistake.description))
        assert words & names, (example, mistake.description)  # some tensor is named
        assert "the result" not in mistake.description and "[[" not in mistake.description, (
            example, mistake.description)
        seen.add(mistake.key)
    assert {"kernel-not-rotated", "zeros-not-inserted", "padding-not-removed", "sign-flipped",
            "transposed", "result-rotated", "kernel-rotated", "overlap-counted-once",
            "tie-last-maximum", "relu-derivative-at-zero", "upstream-ones"} <= seen


def test_the_homeworks_kernel_not_rotated_names_e_a_b_and_c():
    key = AnswerKey(load_problem("examples/homework_5x5_values.toml"), "A")
    described = {m.key: m.description for m in key.mistakes}
    assert described["kernel-not-rotated"] == ("the kernel B was not rotated by 180° (∂E/∂A is the"
                                               " full correlation of ∂E/∂C with B rotated by 180°)")
    assert described["sign-flipped"] == "the sign of ∂E/∂A is flipped"


def test_an_unreadable_entry_is_shown_its_right_form_in_the_problems_names():
    from symconv.core.errors import AnswerError
    import pytest

    cases = [("examples/homework_5x5.toml", "A", r"e.g. B_11 + 2*B_12, \frac{1}{4} B_11 or 0.5"),
             ("examples/cs7643_4x4_stride1.toml", "X", r"e.g. d1*w1 + 2*d1*w2, \frac{1}{4} d1*w1 or 0.5"),
             ("examples/homework_5x5_values.toml", "A", "e.g. 3, -2, 1/4 or 0.5")]
    for path, wrt, form in cases:
        key = AnswerKey(load_problem(path), wrt)
        size = key.gradient.wrt.size
        with pytest.raises(AnswerError) as error:
            key.check_entries(["0 = 4"] + ["0"] * (size - 1))
        assert str(error.value).endswith(f"comparisons and '=' are not allowed ('='); write only the value,"
                                         f" {form} (at character 3)"), str(error.value)
