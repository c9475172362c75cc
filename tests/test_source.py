"""The ``[source]`` table of a problem file: where a problem comes from and what in it was corrected,
printed under "Source and corrections" near the top of a worked solution in every format."""

from __future__ import annotations

import pytest

from symconv import build_problem, build_solution, load_problem, render_solution
from symconv.answers import AnswerKey
from symconv.core.document import Derivative
from symconv.core.errors import ProblemError
from symconv.core.poly import Symbol
from symconv.problems.problem import Source
from symconv.files.problem_file import parse_problem
from symconv.solutions.solution import note_parts

PROBLEM = '''title = "t"

[source]
{source}

[input]
shape = [4, 4]

[[layers]]
type = "conv"

[layers.weight]
shape = [2, 2]
'''


def test_the_table_is_read_with_its_notes_as_sentences():
    problem = parse_problem(PROBLEM.format(source='title = "Notes"\ncitation = "CS7643"\n'
                                                  'notes = ["X_00 is 1,\\n  not 2."]'))
    assert problem.source == Source("Notes", "CS7643", ("X_00 is 1, not 2.",))
    assert load_problem("examples/cs7643_4x4_stride1.toml").source is None  # optional


@pytest.mark.parametrize("source, message", [
    ('title = "t"\ncitations = "c"', r"<p>:5: source.citations: unknown key 'citations' in \[source\];"
                                     r" did you mean 'citation'\?"),
    ('notes = "A_33 is 34."', r"<p>:4: source.notes: notes is a list of sentences in quotes, e.g."
                              r" notes = \[\"A_33 = 35 in the handout is 34.\"\]"),
    ('notes = ["fine", 3]', r"<p>:4: source.notes\[1\]: each note is a sentence in quotes"),
    ('notes = ["   "]', r"<p>:4: source.notes\[0\]: each note is a sentence in quotes"),
    ('title = 2', r"<p>:4: source.title: title must be text in quotes, e.g. title ="),
    ('notes = ["' + "x" * 2001 + '"]', r"a note of 2,001 characters is over the limit of 2,000"),
    ('notes = ["costs $5."]', r"<p>:4: source.notes\[0\]: a note has an odd number of \$: math goes"
                             r" between two"),
])
def test_a_bad_table_is_one_line_with_the_file_and_line(source, message):
    with pytest.raises(ProblemError, match=message) as caught:
        parse_problem(PROBLEM.format(source=source), "<p>")
    assert "\n" not in str(caught.value)


def test_a_source_that_is_not_a_table_is_refused():
    with pytest.raises(ProblemError, match=r"\[source\] must be a table"):
        build_problem({"source": "the homework", "input": {"shape": [4, 4]},
                       "layers": [{"type": "conv", "weight": {"shape": [2, 2]}}]})


@pytest.mark.parametrize("output_format, heading, problem, entry", [
    ("latex", r"\section*{Source and corrections}", r"\section*{Problem}", "$A_{33}$ = 35 is 34"),
    ("markdown", "## Source and corrections", "## Problem", "$A_{33}$ = 35 is 34"),
    ("text", "Source and corrections\n======================", "Problem\n=======", "A_33 = 35 is 34"),
    ("html", "<h2>Source and corrections</h2>", "<h2>Problem</h2>", 'data-tensor="A" data-index="2,2"'),
])
def test_every_format_prints_the_corrections_near_the_top(output_format, heading, problem, entry):
    document = render_solution(build_solution(load_problem("examples/homework_5x5.toml")), output_format)
    assert heading in document and entry in document
    assert document.index(heading) < document.index(entry) < document.index(problem)


def test_entry_names_in_a_note_are_the_problems_entries():
    problem = load_problem("examples/homework_5x5.toml")
    a, c = problem.input, problem.layers[0].output
    parts = note_parts("∂E/∂C_21·∂C_21/∂A_24, A₃₃ and A_{3,3}; not Z_11 or A_66.", problem)
    assert parts == (Derivative("E", Symbol(c, 3)), "·", Derivative(Symbol(c, 3), Symbol(a, 8)), ", ",
                     Symbol(a, 12), " and ", Symbol(a, 12), "; not Z_11 or A_66.")


def test_the_examples_ship_the_handouts_corrections():
    homework = load_problem("examples/homework_5x5.toml").source
    assert "A_33 = 35 is 34" in homework.notes[0]
    assert [note.split(",")[0] for note in homework.notes[1:]] == [
        "Equation (9) of the handout", "Equation (13)", "Equation (18)"]
    recitation = load_problem("examples/recitation_image_16x12.toml")
    assert any("read here as 11" in note for note in recitation.source.notes)
    assert any("256" in note for note in recitation.source.notes)
    assert recitation.input.values[4, 10] == 11 and recitation.input.values[13, 10] == 256


def test_verify_of_the_handouts_own_table_still_flags_a33():
    key = AnswerKey(load_problem("examples/homework_5x5_values.toml"), "A")
    verdict = key.check_file("examples/answers/homework_5x5_handout.txt")
    assert (verdict.correct, verdict.total) == (24, 25)


def test_a_note_sets_its_dollars_as_math_and_the_gradient_of_a_whole_tensor_as_one():
    problem = load_problem("examples/homework_conv_maxpool.toml")
    parts = note_parts("B is read off the table of ∂E/∂A.", problem)
    assert parts == ("B is read off the table of ", Derivative("E", problem.input), ".")
    latex = render_solution(build_solution(load_problem("examples/notes_strided_5x5.toml"),
                                           ("shapes",)), "latex")
    assert (r"In the notes' batched forward formula, $X_{np(s+i+m)(s+j+n)}$ reads"
            r" $X_{np(s\cdot i+m)(s\cdot j+n)}$, and $n$ there is both") in latex
    assert r"as grad $y_{00}$ $\dots$ grad $y_{11}$; here it is $\frac{\partial L}{\partial y_{00}}$" in latex
