"""Random problems (convolutions, pooling layers, chains) through every part of symconv.

For each: the worked solution renders in all three formats (text within 100 columns), the three
routes agree, and the right answer, written out in plain expressions, is accepted by verify.
"""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symconv import SymconvError, build_problem, build_solution, check, derive, render_solution
from symconv.answers import AnswerKey
from symconv.render import plain

from strategies import conv_specs
from test_properties_pool import chains, pooling_problems


@st.composite
def any_problem(draw):
    kind = draw(st.sampled_from(["conv", "chain", "pool"]))
    if kind == "conv":
        return build_problem(draw(conv_specs(5)))
    if kind == "chain":
        return draw(chains(numeric=draw(st.booleans())))
    return draw(pooling_problems(numeric=draw(st.booleans())))


def answer_text(polys, shape) -> str:
    rows = np.array([plain(p) for p in polys], dtype=object).reshape(-1, shape[-1])
    return "\n".join(" & ".join(row) + r" \\" for row in rows.tolist())


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_problem())
def test_random_problems_through_solve_check_and_verify(tmp_path_factory, problem):
    solution = build_solution(problem)
    for output_format in ("latex", "markdown"):
        assert render_solution(solution, output_format)
    text = render_solution(solution, "text")
    assert max(len(line) for line in text.splitlines()) <= 100

    assert check(problem).ok

    derivation = derive(problem)
    for tensor in problem.differentiable()[:2]:
        try:
            key = AnswerKey(problem, tensor.name)
        except SymconvError as error:  # symbolic max/ReLU indicators: answers need values
            assert "values" in str(error)
            continue
        answer = tmp_path_factory.mktemp("answer") / "answer.txt"
        answer.write_text(answer_text(derivation.gradient(tensor.name).polys(), tensor.shape))
        verdict = key.check_file(str(answer))
        assert (verdict.correct, verdict.total) == (tensor.size, tensor.size)
