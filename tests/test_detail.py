"""The two detail levels of a worked solution (``symconv solve --detail``): the handout a TA hands
out unchanged (the default) and the full document.

A handout fits its page budget, shows each result once and refers back to it by number, writes a
long sum as Σ over its index set with its number of terms, and writes the chain rule for the first
entries and one entry of every other case of the geometry; the full document writes everything,
a result with a sum of more than 12 terms once.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symconv import build_problem, build_solution, derive, load_problem, quick_problem, render_solution
from symconv.interface.cli import cli
from symconv.core.document import (Derivative, Display, Document, Equation, Formula, IndexedSum, Indexed, Matrix,
                                   Numbered, Once, Paragraph, Reference, Section, Sum, TensorView, settle)
from symconv.core.poly import Poly
from symconv.core.errors import SymconvError
from symconv.core.indexed import general_term
from symconv.core.poly import Symbol
from symconv.engine.sections import FULL, HANDOUT, Context, Detail, named_terms
from symconv.solutions.solution import chain_columns, chosen_entries

from strategies import conv_specs

if sys.version_info >= (3, 11):
    import tomllib
else:  # the package tomllib was made from, which symconv reads problem files with there
    import tomli as tomllib

EXAMPLES = sorted(Path("examples").glob("*.toml"))



def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(args=list(argv), prog_name="symconv", standalone_mode=False)
    out, err = capsys.readouterr()
    return code, out, err


def text_of(example, **options) -> str:
    return render_solution(build_solution(load_problem(example), **options), "text")


# -- each result once -----------------------------------------------------------------------------------


def matrices(latex: str) -> list[str]:
    """Every bmatrix's body, whitespace normalised."""
    return [" ".join(body.split()) for body in
            re.findall(r"\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}", latex, re.S)]


def entries(body: str) -> int:
    return sum(len(row.split("&")) for row in body.split(r"\\"))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_no_matrix_of_nine_or_more_entries_appears_twice_in_the_default_latex(example):
    latex = render_solution(build_solution(load_problem(example)), "latex")
    repeated = {body: count for body, count in Counter(matrices(latex)).items()
                if count > 1 and entries(body) >= 9}
    assert repeated == {}


def test_the_full_document_repeats_what_the_handout_refers_back_to():
    homework = load_problem("examples/homework_5x5.toml")
    full = render_solution(build_solution(homework, detail="full"), "latex")
    handout = render_solution(build_solution(homework), "latex")
    # ∂E/∂A of the homework: in the ∂E/∂A section, the chain-rule section and the closed form
    whole = [body for body in matrices(full) if entries(body) == 25
             and body.startswith("B_{11} & B_{11} + B_{12} & B_{11} + B_{12} + B_{13} &")]
    assert len(whole) >= 2 and matrices(handout).count(whole[0]) <= 1
    assert "is the same as" in handout and "is the same as" not in full


def test_a_result_is_shown_where_it_first_comes_up_and_referred_to_by_its_number_after():
    problem = load_problem("examples/cs7643_4x4_stride1.toml")
    alone = render_solution(build_solution(problem, ("closed-form",)), "text")
    both = render_solution(build_solution(problem, ("dx", "closed-form")), "text")
    assert "∂L/∂X is the same as" not in alone  # shown in the closed form itself
    number = re.search(r"All 9 receptive fields mapped back:.*?^\((\d+)\)", both, re.S | re.M).group(1)
    assert (f"Its full correlation with the rotated kernel, with the padding removed: ∂L/∂X is the"
            f" same as ({number}).") in " ".join(both.split())


def test_the_sections_are_a_pure_function_of_the_problem_and_the_detail():
    problem = load_problem("examples/chain_conv_relu_maxpool.toml")
    first = render_solution(build_solution(problem), "latex")
    again = render_solution(build_solution(problem), "latex")
    assert first == again


# -- settling a document ----------------------------------------------------------------------------------


def document(*blocks) -> Document:
    return Document("t", (), (Section("s", tuple(blocks)),))


def test_settle_shows_a_result_once_and_numbers_it_only_when_referred_to():
    x = Formula("X")
    shown = Once(("r",), (Numbered(Display((x,)), key=("r",), optional=True),),
                 (Paragraph(("again ", Reference(("r",)))),), result=True)
    equation = Numbered(Equation((x, 1)))
    settled = settle(document(equation, shown, shown)).sections[0].blocks
    assert settled[0] == Numbered(Equation((x, 1)), 1)
    assert settled[1] == Numbered(Display((x,)), 2, ("r",), True)
    assert settled[2] == Paragraph(("again ", Reference(("r",), 2)))
    lone = settle(document(equation, shown)).sections[0].blocks
    assert lone[1] == Display((x,))  # nobody refers to it: no number
    full = settle(document(shown, shown), repeat=True).sections[0].blocks
    assert full == (Display((x,)), Display((x,)))  # a full document repeats results


def test_a_reference_from_another_label_names_what_the_display_showed():
    # ∂L/∂Y1 of the chain example has the entries of ∂L/∂Y2 (a ReLU that passes every nonzero):
    # "∂L/∂Y1 is the same as ∂L/∂Y2 (2)", never a bare "(2)" that reads as another tensor
    x, y = Formula("X"), Formula("Y")
    first = Once(("r",), (Numbered(Display((x,)), key=("r",), optional=True),),
                 (Paragraph((x, " is the same as ", Reference(("r",), of=x))),), result=True, label=x)
    again = first._replace(again=(Paragraph((y, " is the same as ", Reference(("r",), of=y))),),
                           label=y)
    same = first
    settled = settle(document(first, again, same)).sections[0].blocks
    assert settled[1] == Paragraph((y, " is the same as ", Reference(("r",), 1, y, x)))
    assert settled[2] == Paragraph((x, " is the same as ", Reference(("r",), 1, x, None)))
    text = render_solution(build_solution(load_problem("examples/chain_conv_relu_maxpool.toml")), "text")
    assert "∂L/∂Y1 is the same as ∂L/∂Y2 (2)." in " ".join(text.split())


def test_settle_says_an_explanation_once_at_every_level():
    said = Once(("why",), (Paragraph(("because",)),))
    for repeat in (False, True):
        assert settle(document(said, said), repeat=repeat).sections[0].blocks == (Paragraph(("because",)),)


def test_a_reference_to_nothing_shown_is_a_bug_not_a_number():
    with pytest.raises(ValueError, match="no numbered display"):
        settle(document(Paragraph((Reference(("missing",)),))))


# -- long sums as Σ ----------------------------------------------------------------------------------------


def test_outputs_a_stride_apart_are_a_sigma_over_a_lattice():
    # ∂L/∂W_21 of the transposed convolution reads Y_10, Y_12, Y_14, Y_30, …: Y_{2i+1,2j}
    text = " ".join(render_solution(build_solution(load_problem(
        "examples/conv_transpose_upsample.toml"), ("chain",)), "text").split())
    assert "∂L/∂W_21 = Σ_{i=0..2} Σ_{j=0..2} ∂L/∂Y_{2i+1,2j}·∂Y_{2i+1,2j}/∂W_21 (9 terms)" in text


def test_a_compact_tensor_runs_its_letters_together_and_an_expression_takes_commas():
    problem = load_problem("examples/homework_5x5.toml")
    a, c = problem.input, problem.layers[0].output
    assert Indexed(c, ("i", "j")).subscript == "ij" and Indexed(a, ("i", "j+1")).subscript == "i,j+1"
    recitation = load_problem("examples/recitation_image_16x12.toml")  # A_{5,11}: commas everywhere
    assert Indexed(recitation.input, ("i", "j")).subscript == "i,j"


def test_a_list_the_chain_rule_already_writes_refers_to_its_equations():
    text = " ".join(render_solution(build_solution(load_problem("examples/batch_multichannel.toml"),
                                                   ("dw", "chain")), "text").split())
    assert ("(1) ∂L/∂W (2 × 3 × 3 × 3) has entries too long for a matrix; the first 9 are those of"
            " (11)–(19), the others are formed the same way.") in text


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_a_small_gradient_too_long_for_a_matrix_shows_every_entry_once(example):
    """A gradient of at most 36 entries in one slice whose entries are too long for a matrix (the
    homework's ∂E/∂A): the chain-rule equations write some entries, the list the others, so a
    handout shows each of its entries exactly once, with its value (checked against NumPy
    elsewhere: here that none is missing or said twice)."""
    problem = load_problem(example)
    text = render_solution(build_solution(problem), "text")
    for tensor in {t.name: t for layer in problem.layers for t in (layer.input, *layer.parameters)}.values():
        lead = re.search(rf"∂{problem.loss}/∂{tensor.name} \(([\d ×]+)\) has entries too long for a"
                         r"\s+matrix; (\d+) of them are written in \((\d+)\)–\((\d+)\), the other\s+(\d+)\s+are:",
                         text)
        if lead is None:
            continue
        assert tensor.size <= 36
        # from the list on (the running sums before it write partial values)
        names = Counter(re.findall(rf"^(?:\(\d+\) )?\s*∂{problem.loss}/∂({tensor.name}_\S+) = ",
                                   text[lead.start():], re.M))
        assert len(names) == tensor.size and set(names.values()) == {1}, (tensor.name, names)
        assert int(lead.group(2)) + int(lead.group(5)) == tensor.size


def test_the_homework_lists_the_entries_its_equations_leave_out():
    text = " ".join(render_solution(build_solution(load_problem("examples/homework_5x5.toml")), "text").split())
    assert ("(3) ∂E/∂A (5 × 5) has entries too long for a matrix; 12 of them are written in (4)–(15),"
            " the other 13 are: ∂E/∂A_25 = B_13 + B_23 ∂E/∂A_34 = B_12 + B_13 + B_22 + B_23 + B_32 + B_33") in text


def test_a_long_sum_is_a_sigma_over_its_index_set_with_its_count_in_every_format():
    solution = build_solution(load_problem("examples/recitation_image_16x12.toml"), ("chain",))
    text = render_solution(solution, "text")
    assert ("∂L/∂W_11 = Σ_{i=1..14} Σ_{j=1..10} ∂L/∂Z_{i,j}·∂Z_{i,j}/∂W_11\n"
            "         = Σ_{i=1..14} Σ_{j=1..10} ∂L/∂Z_{i,j}·A_{i,j}  (140 terms)") in text
    assert "Σ_{i=1..14} Σ_{j=1..10} ∂L/∂Z_{i,j}·A_{i+1,j+2}  (140 terms)" in text  # W_23
    latex = render_solution(solution, "latex")
    assert (r"\sum_{i=1}^{14} \sum_{j=1}^{10} \frac{\partial L}{\partial Z_{i,j}} A_{i+1,j+2}"
            r" \quad \text{(140 terms)}") in latex
    assert r"\sum_{i=1}^{14} \sum_{j=1}^{10}" in render_solution(solution, "markdown")
    page = render_solution(solution, "html")
    assert "<munderover><mo>∑</mo>" in page and "(140 terms)" in page


def test_the_full_document_writes_every_term():
    problem = load_problem("examples/recitation_image_16x12.toml")
    full = render_solution(build_solution(problem, ("chain",), detail="full"), "text")
    assert "Σ_{" not in full
    equation = re.search(r"\(\d+\) ∂L/∂W_11 = (.*?)\n\n", full, re.S).group(1)
    assert equation.count("·∂Z_") == 140  # every ∂L/∂Z_ij·∂Z_ij/∂W_11 written out
    homework = load_problem("examples/homework_5x5.toml")
    full = render_solution(build_solution(homework, ("chain",), detail="full"), "text")
    assert re.findall(r"^\((\d+)\) ", full, re.M) == [str(n) for n in range(1, 35)]  # 25 + 9


@st.composite
def convolutions(draw):
    dims = draw(st.sampled_from([1, 2]))
    kernel = [draw(st.integers(1, 3)) for _ in range(dims)]
    size = [draw(st.integers(k, 7)) for k in kernel]
    channels, filters = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    spec = {"dims": dims, "input": {"shape": [draw(st.integers(1, 2)), channels, *size],
                                    "index_base": draw(st.sampled_from([0, 1]))},
            "layers": [{"type": "conv", "stride": draw(st.integers(1, 3)),
                        "padding": draw(st.integers(0, 1)), "dilation": draw(st.integers(1, 2)),
                        "weight": {"shape": [filters, channels, *kernel]}, "bias": {}}]}
    if draw(st.booleans()):
        spec["upstream"] = {"name": "g", "naming": "flat", "index_base": 1}
    try:
        return build_problem(spec)
    except SymconvError:
        return build_problem({"input": {"shape": [3, 3]}, "layers": [
            {"type": "conv", "weight": {"shape": [2, 2]}}]})


def test_the_full_document_writes_a_long_sum_once_and_refers_to_it_after():
    # the recitation's ∂L/∂W entries are sums of 140 terms: the chain rule writes each one, and
    # the ∂L/∂W section, "for all the entries together" and the closed form refer to those equations
    problem = load_problem("examples/recitation_image_16x12.toml")
    full = " ".join(render_solution(build_solution(problem, detail="full"), "text").split())
    first, last = re.search(r"\((\d+)\) ∂L/∂W \(3 × 3\) has entries too long for a matrix; they are"
                            r" those of \((\d+)\)–\((\d+)\)\.", full).group(2, 3)
    assert f"({first}) ∂L/∂W_11 = ∂L/∂Z_{{1,1}}·∂Z_{{1,1}}/∂W_11 +" in full
    assert f"({last}) ∂L/∂W_33 = ∂L/∂Z_{{1,1}}·∂Z_{{1,1}}/∂W_33 +" in full
    # ∂L/∂W_11 = Σ A_ij·∂L/∂Z_ij (stride 1, no padding): its value, from the image's pixels in the
    # problem file, is written once
    image = np.array(tomllib.loads(Path("examples/recitation_image_16x12.toml").read_text())["input"]["values"])
    opening = f"= {image[0, 0]}·∂L/∂Z_{{1,1}} + {image[0, 1]}·∂L/∂Z_{{1,2}} + {image[0, 2]}·∂L/∂Z_{{1,3}}"
    assert full.count(opening) == 1
    # the bias is one sum of all 140 upstream entries: the closed form refers to it, and writes
    # it when it stands alone
    assert "∂L/∂B is the sum of the upstream gradient: ∂L/∂B is the same as (" in full
    assert "sum(∂L/∂Z)" not in full
    alone = " ".join(render_solution(build_solution(problem, ("closed-form",), detail="full"), "text").split())
    assert "∂L/∂B = sum(∂L/∂Z) = ∂L/∂Z_{1,1} + ∂L/∂Z_{1,2} +" in alone
    assert full.count("∂L/∂W is the same as (1).") == 2  # all entries together; the closed form


def shown_views(sections) -> list:
    """Every whole tensor the sections of a settled document show, in order."""
    found = []

    def walk(node):
        if isinstance(node, TensorView):
            found.append(node)
        elif isinstance(node, tuple) and not isinstance(node, (Sum, Matrix)):
            for part in node:
                walk(part)

    for section in sections:
        walk(section.blocks)
    return found


def longest_sum(array: np.ndarray) -> int:
    return max((len(v.terms) for v in array.flat if isinstance(v, Poly)), default=0)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=convolutions())
def test_a_full_document_shows_a_result_with_a_long_sum_once_and_a_short_one_every_time(problem):
    solution = build_solution(problem, detail="full")

    def entries(view) -> tuple:
        return (view.array.shape, tuple(str(v) for v in view.array.flat))

    gradients = [view for view in shown_views(solution.document.sections) if view.gradient_of]
    shown = Counter(entries(view) for view in gradients)
    assert all(shown[entries(view)] == 1 for view in gradients if longest_sum(view.array) > 12)
    # the closed form shows each gradient of short sums again, and refers to one of long sums
    closed = [s for s in solution.document.sections if s.name == "closed-form"]
    derivation = derive(problem)
    for tensor in (problem.layers[0].input, problem.layers[0].weight):
        long = max(len(p.terms) for p in derivation.gradient(tensor.name).polys()) > 12
        again = [view for view in shown_views(closed) if view.gradient_of and view.tensor == tensor]
        assert bool(again) != long, tensor.name



def expanded(node: IndexedSum) -> list:
    """The terms a Σ stands for, read back from its letters, ranges and index expressions (by an
    evaluator of our own, not the one that wrote them)."""
    def entry(indexed: Indexed, values: dict):
        numbers = tuple(eval_index(text, values) for text in indexed.indices)
        tensor = indexed.tensor
        return next(s for s in tensor.symbols if tensor.entry_name(s.flat).subscript == numbers)

    def factor(node, values):
        if isinstance(node, Indexed):
            return entry(node, values)
        if hasattr(node, "top"):  # a Derivative
            return type(node)(factor(node.top, values), factor(node.bottom, values))
        return node

    terms = []
    for combination in np.ndindex(*[high - low + 1 for low, high in node.ranges]):
        values = {letter: low + i for letter, (low, _), i in zip(node.letters, node.ranges, combination)}
        factors = node.term.factors if hasattr(node.term, "factors") else (node.term,)
        terms.append(tuple(factor(f, values) for f in factors))
    return terms


def eval_index(text: str, values: dict) -> int:
    total = 0
    for sign, size, letter in re.findall(r"([+−]?)(\d*)([a-z]?)", text):
        if size or letter:
            value = (int(size) if size else 1) * (values[letter] if letter else 1)
            total += -value if sign == "−" else value
    return total


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=convolutions())
def test_every_sigma_stands_for_exactly_the_chain_rule_terms(problem):
    """For every entry of a random convolution: when its chain-rule terms have a general term,
    the Σ written for them expands to exactly those terms (∂L/∂y_k and the local derivative)."""
    context = Context(problem, derive(problem), HANDOUT)
    for tensor in problem.differentiable():
        gradient = context.derivation.gradient(tensor.name)
        for flat in range(tensor.size):
            terms = named_terms(gradient, flat)
            if len(terms) < 2:
                continue
            written = [(t.upstream, t.local) for t in terms]
            sigma = general_term(written, [t.output for t in terms], context.letters(terms[0].output.tensor))
            if sigma is None:
                continue
            assert sigma.terms == len(terms)
            expected = [tuple(f for f in pair if not (isinstance(f, int) and f == 1)) for pair in written]
            assert sorted(map(repr, expanded(sigma))) == sorted(map(repr, expected))


def test_sums_without_a_general_term_are_cut_short_and_say_how_long_they_are():
    assert general_term([(1,), (2,), (3,)], [], ["i"]) is None
    problem = quick_problem((6, 6), (2, 2))
    context = Context(problem, derive(problem), HANDOUT._replace(written_terms=3))
    cut = context.cut(context.result(problem.layers[0].weight).flat[0])
    assert cut.total == 25 and len(cut.shown.terms) == 3


# -- the chain rule's cases ------------------------------------------------------------------------------


def test_the_homework_chain_rule_has_the_first_nine_entries_and_each_other_case():
    problem = load_problem("examples/homework_5x5.toml")
    context = Context(problem, derive(problem), HANDOUT)
    first, extra = chosen_entries(context, problem.input)
    assert first == list(range(9))
    # A_31 and A_32 (edges two and one from the border), A_33 (the interior): the other forms
    # (told apart by their number of terms where their words are alike)
    assert extra == [(10, "an edge, 3 terms"), (11, "an edge, 6 terms"), (12, "the interior")]
    text = text_of("examples/homework_5x5.toml", sections=("chain",))
    assert ("One entry of each other case: A_31 (an edge, 3 terms), A_32 (an edge, 6 terms) and A_33"
            " (the interior):") in " ".join(text.split())
    assert "Each of the other 13 entries is one of these cases" in text


def test_a_stride_that_skips_outputs_is_a_case_of_its_own():
    problem = quick_problem((7, 7), (3, 3), stride=2)
    context = Context(problem, derive(problem), HANDOUT)
    cases = {words for flat, words in chosen_entries(context, problem.input)[1]}
    # inside, the stride leaves sums of different sizes (a position read by one or two windows
    # along each axis): each a case, told apart by its number of terms
    assert "the interior, 4 terms" in cases and "the interior" in cases


def test_the_full_document_writes_the_first_25_entries_in_order():
    problem = load_problem("examples/homework_5x5.toml")
    context = Context(problem, derive(problem), FULL)
    assert chosen_entries(context, problem.input) == (list(range(25)), [])


# -- running sums, checks --------------------------------------------------------------------------------


def test_running_sums_only_for_inputs_of_at_most_36_entries_per_slice():
    assert "Second receptive field mapped back" in text_of("examples/cs7643_4x4_stride1.toml",
                                                             sections=("dx",))
    recitation = text_of("examples/recitation_image_16x12.toml", sections=("dx",))
    assert "receptive field mapped back:" not in recitation.replace("All 140 receptive fields mapped back:", "")
    full = text_of("examples/recitation_image_16x12.toml", sections=("dx",), detail="full")
    assert "Fourth receptive field mapped back" in full


def test_the_checks_are_one_short_paragraph():
    text = text_of("examples/cs7643_4x4_stride1.toml", sections=("checks",), statement=False)
    body = text.split("Checks\n======\n\n", 1)[1].strip()
    assert "\n\n" not in body and body.endswith("the largest difference from NumPy is "
                                                 + body.rsplit(" ", 1)[1])
    assert "agree on 2 gradients (∂L/∂X and ∂L/∂w)" in " ".join(body.split())


# -- the level as a value ------------------------------------------------------------------------------------


def test_the_detail_is_a_value_named_on_the_command_line_and_in_python():
    assert Detail.named("handout") is HANDOUT and Detail.named("full") is FULL
    assert Detail.named(FULL) is FULL
    with pytest.raises(SymconvError, match="unknown detail 'short'; choose handout"):
        Detail.named("short")
    problem = load_problem("examples/cs7643_4x4_stride1.toml")
    assert build_solution(problem).detail is HANDOUT
    assert build_solution(problem, detail="full").detail is FULL


def test_solve_takes_detail_and_refuses_an_unknown_one(capsys):
    code, handout, _ = run(capsys, "solve", "examples/homework_5x5.toml", "--format", "text")
    assert code == 0 and "One entry of each other case" in handout
    code, full, _ = run(capsys, "solve", "examples/homework_5x5.toml", "--format", "text",
                        "--detail", "full")
    assert code == 0 and "(25) ∂E/∂A_55" in full and "Matrix form" in full
    code, _, err = run(capsys, "solve", "examples/homework_5x5.toml", "--detail", "short")
    assert code == 2 and "'short' is not one of 'handout', 'full'" in err


# -- --pdf names a PDF ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, instead", [("out.tex", "out.pdf"), ("notes", "notes.pdf")])
def test_pdf_into_a_name_not_ending_in_pdf_is_refused(capsys, tmp_path, monkeypatch, name, instead):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "solve", str(Path(__file__).parents[1] / "examples/slides_1d.toml"),
                         "--pdf", "-o", name)
    assert code == 2 and out == ""
    lines = err.strip().split("\n")
    assert len(lines) == 1 and f"-o {instead}" in lines[0] and "leave out --pdf" in lines[0]
    assert list(tmp_path.iterdir()) == []


# -- the README's page -------------------------------------------------------------------------------


def test_the_readme_shows_a_page_of_the_handout_level_and_how_to_get_the_full_one():
    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    shown = re.search(r"!\[[^\]]*\]\((docs/handout-[\w-]+\.png)\)", readme)
    assert shown and "--detail full" in readme and "[source]" in readme
    data = (root / shown.group(1)).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert abs(height / width - 297 / 210) < 0.01  # a whole A4 page, as pdftoppm makes it


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(size=st.integers(12, 24), kernel=st.integers(4, 5), stride=st.integers(1, 2),
       channels=st.sampled_from([(), (2,)]), form=st.sampled_from(["text", "latex"]))
def test_only_the_entries_a_printer_can_show_are_written_as_sums_and_nothing_else_changes(
        size, kernel, stride, channels, form):
    """A handout writes the Σ form only for the entries a printer can show (the first rows of each
    slice, or the first listed entries): the document is byte for byte what writing every entry
    as Σ gives."""
    import symconv.engine.sections as sections

    spec = {"input": {"shape": [*channels, size, size]},
            "layers": [{"type": "conv", "stride": stride, "weight": {"shape": [2, *channels, kernel, kernel]
                                                                     if channels else [kernel, kernel]}}]}
    problem = build_problem(spec)
    fast = render_solution(build_solution(problem), form)
    every = sections.showable
    try:
        sections.showable = lambda shape, leading, rows=0: np.ones(int(np.prod(shape)), dtype=bool)
        slow = render_solution(build_solution(problem), form)
    finally:
        sections.showable = every
    assert "terms)" in fast and fast == slow


def assert_columns_route_is_the_terms_route(problem, detail=HANDOUT):
    """Every entry's Σ found from its chain-rule terms as columns (:meth:`Context.term_columns`,
    nothing made per term) is the Σ found from the terms one by one, for the value side
    ∂L/∂y·∂y/∂x and the chain side, and so is the sum cut short where there is none."""
    context = Context(problem, derive(problem), detail)
    loss = problem.loss
    for tensor in problem.differentiable():
        gradient = context.derivation.gradient(tensor.name)
        for flat in range(tensor.size):
            terms = named_terms(gradient, flat)
            columns = context.term_columns(tensor, flat)
            if columns is None:
                assert len({t.output.tensor for t in terms}) != 1
                continue
            entry = Symbol(tensor, flat)
            running = [t.output for t in terms]
            pairs = [(t.upstream, t.local) for t in terms]
            chain = [(Derivative(loss, t.output), Derivative(t.output, entry)) for t in terms]
            first = context.first_terms()
            assert context.sum_of(pairs[:first], running[:first], columns=columns) == context.sum_of(pairs, running)
            assert context.sum_of(chain[:first], running[:first], counted=False,
                                  columns=chain_columns(columns, loss, entry)) == context.sum_of(
                chain, running, counted=False)
            assert context.entry_general_term(tensor, gradient, flat) == general_term(
                pairs, running, context.letters(running[0].tensor))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=conv_specs(), written=st.integers(1, 12), values=st.booleans())
def test_sums_found_on_columns_are_the_sums_found_term_by_term(spec, written, values):
    """The handout's fast route to a Σ (index arithmetic on the derivation's arrays) against the
    route it replaces (the terms as objects), on random convolutions (groups, stride, padding,
    dilation, flat and indexed names, given values), sums long from ``written`` terms on."""
    if values:
        spec["upstream"] = {**spec["upstream"], "values": "ones"}
    assert_columns_route_is_the_terms_route(build_problem(spec), HANDOUT._replace(written_terms=written))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_sums_found_on_columns_are_the_sums_found_term_by_term_in_every_example(example):
    """The same in every example: chains (carried numbers), pooling's indicators and numbers,
    transposed convolutions, 3-D, every sum long."""
    assert_columns_route_is_the_terms_route(load_problem(example), HANDOUT._replace(written_terms=1))


@settings(max_examples=80, deadline=None)
@given(shape=st.sampled_from([(2, 2), (4,), (1, 4)]), data=st.data())
def test_results_are_the_same_exactly_when_their_entries_are(shape, data):
    """result_key, which hashes a result by its entries' sizes and compares the entries only when
    those agree, against keying by every entry's terms: the same matrices are the same result."""
    from fractions import Fraction

    from symconv.core.poly import Poly
    from symconv.engine.sections import object_array, result_key
    from symconv.core.tensors import Role, Tensor

    x = Tensor("X", (3,), Role.INPUT, naming="flat", rank=1, leading_axes=("n", "c"))
    pool = [0, 1, 2, Fraction(1, 2), *x.symbols, Poly({(x.symbols[0],): 2}), Poly({(): 1}),
            Poly.lift(x.symbols[1]) + x.symbols[2], Poly.lift(x.symbols[2]) + x.symbols[1], "⋯"]
    arrays = [object_array(data.draw(st.lists(st.sampled_from(pool), min_size=4, max_size=4)), shape)
              for _ in range(2)]

    def by_terms(array):
        return (array.shape, tuple(Poly.lift(v).key if not isinstance(v, str) else v for v in array.flat))

    first, second = (result_key(array) for array in arrays)
    assert (first == second) == (by_terms(arrays[0]) == by_terms(arrays[1]))
    assert first != second or hash(first) == hash(second)
