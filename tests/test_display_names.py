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
