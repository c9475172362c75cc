"""The solution's sections as data, each checked by a route independent of how it was computed."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from symconv import SymconvError, build_problem, derive, load_problem, quick_problem
from symconv.core.errors import SizeLimitError
from symconv.core.poly import Poly, Symbol
from symconv.core.document import Derivative, Display, Equation, Gallery, Matrix, Numbered, TensorView
from symconv.layers.sliding.geometry import ConvGeometry
from symconv.layers.sliding.sections import axis_sizes, mapped_back, receptive_fields
from symconv.engine.sections import FULL
from symconv.solutions.solution import build_solution, parse_sections

from dense_reference import Network
from helpers import independent_gradients, independent_outputs


def section(solution, name):
    return next(s for s in solution.sections if s.name == name)


def views(section) -> dict:
    """The whole tensors a section shows, by the name of the tensor they are the gradient of."""
    return {block.label.bottom.name: block.array for block in section.blocks
            if isinstance(block, TensorView) and isinstance(block.label, Derivative)}


def numbered(section) -> list[Equation]:
    return [block.math for block in section.blocks if isinstance(block, Numbered)]


def random_leaves(problem, seed=0):
    rng = np.random.default_rng(seed)
    layer = problem.layers[0]
    return {t: t.numeric_values() if t.is_numeric else rng.integers(-5, 6, t.shape).astype(float)
            for t in (layer.input, *layer.parameters, problem.upstream)}


def evaluate(poly, values):
    poly = Poly.lift(poly)
    return float(poly.evaluate(lambda s: values[s.tensor].reshape(-1)[s.flat]))


@st.composite
def conv_specs(draw):
    """Small random convolutions: 1-D/2-D, stride, padding, dilation, groups, channels, batch, bias."""
    dims = draw(st.sampled_from([1, 2]))
    groups = draw(st.sampled_from([1, 2]))
    channels = groups * draw(st.integers(1, 2))
    filters = groups * draw(st.integers(1, 2))
    batch = draw(st.integers(1, 2))
    kernel = [draw(st.integers(1, 3)) for _ in range(dims)]
    dilation = [draw(st.integers(1, 2)) for _ in range(dims)]
    padding = [draw(st.integers(0, 1)) for _ in range(dims)]
    size = [draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), 5))
            for k, d, p in zip(kernel, dilation, padding)]
    stride = [draw(st.integers(1, 3)) for _ in range(dims)]
    return {"dims": dims, "input": {"shape": [batch, channels, *size]},
            "layers": [{"type": "conv", "stride": stride, "padding": padding, "dilation": dilation,
                        "groups": groups, "weight": {"shape": [filters, channels // groups, *kernel]},
                        **({"bias": {}} if draw(st.booleans()) else {})}],
            "upstream": {"name": "d"}}


@settings(max_examples=40, deadline=None)
@given(conv_specs())
def test_receptive_fields_give_the_numpy_forward_pass(spec):
    problem = build_problem(spec)
    layer = problem.layers[0]
    values = random_leaves(problem)
    expected = independent_outputs(Network(spec), problem,
                                   {t.name: v for t, v in values.items()})[layer.output.name]
    for field in receptive_fields(layer, problem.upstream, layer.output.size):
        # the window ⊙ kernel, summed (padding is 0), plus the bias
        window = np.vectorize(lambda e: evaluate(e, values), otypes=[float])(field.window)
        kernel = np.vectorize(lambda e: evaluate(e, values), otypes=[float])(field.kernel)
        bias = evaluate(field.bias_name, values) if field.bias_name is not None else 0.0
        assert np.sum(window * kernel) + bias == pytest.approx(expected.reshape(-1)[field.output.flat])
        assert evaluate(field.value, values) == pytest.approx(expected.reshape(-1)[field.output.flat])
        named = sum(evaluate(x, values) * evaluate(w, values) for x, w in field.products) + bias
        assert named == pytest.approx(expected.reshape(-1)[field.output.flat])


@settings(max_examples=40, deadline=None)
@given(conv_specs(), st.data())
def test_mapped_back_after_k_fields_is_the_gradient_when_only_k_outputs_send_theirs(spec, data):
    problem = build_problem(spec)
    layer = problem.layers[0]
    count = data.draw(st.integers(1, layer.output.size))
    values = random_leaves(problem)
    [(after, step)] = mapped_back(layer, problem.upstream, [count])
    masked = values[problem.upstream].reshape(-1).copy()
    masked[count:] = 0
    given = {t.name: v for t, v in values.items()}
    given[problem.upstream.name] = masked.reshape(layer.output.shape)
    expected = independent_gradients(Network(spec), problem, given)
    got = np.vectorize(lambda e: evaluate(e, values), otypes=[float])(step)
    np.testing.assert_allclose(got, expected[layer.input.name], atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(conv_specs())
def test_closed_form_section_equals_the_chain_rule_exactly(spec):
    problem = build_problem(spec)
    # alone, so that it shows its results rather than referring to the dw and dx sections' ones
    closed = views(section(build_solution(problem, ("closed-form",), detail="full"), "closed-form"))
    solution = build_solution(problem, ("dw", "dx"), detail="full")
    derivation = derive(problem)
    layer = problem.layers[0]
    for tensor in (layer.input, layer.weight):
        expected = derivation.gradient(tensor.name).polys()
        assert [Poly.lift(p) for p in closed[tensor.name].reshape(-1)] == expected
    if layer.bias is not None and layer.bias.size > 1:  # a single bias is one equation
        assert [Poly.lift(p) for p in closed[layer.bias.name].reshape(-1)] == derivation.gradient(
            layer.bias.name).polys()
    # the dx section's result is the derivation's
    assert list(views(section(solution, "dx"))[layer.input.name].reshape(-1)) == derivation.gradient(
        layer.input.name).polys()


def test_notes_zero_inserted_upstream_is_7x7_with_the_entries_two_apart():
    solution = build_solution(quick_problem((5, 5), (3, 3), stride=2), ("closed-form",), detail="full")
    matrices = {equation.sides[0].text: equation.sides[1].array
                for block in section(solution, "closed-form").blocks if isinstance(block, Display)
                for equation in block.rows
                if isinstance(equation, Equation) and isinstance(equation.sides[-1], Matrix)}
    sizes = [equation.sides[-1] for block in section(solution, "closed-form").blocks
             if isinstance(block, Display) for equation in block.rows
             if equation.sides[0].text.startswith("size_")]
    assert sizes == [7, 7]
    inserted = matrices["inserted(∂L/∂Y)"]
    d = solution.problem.upstream
    expected = np.zeros((7, 7), dtype=object)
    expected[2:5:2, 2:5:2] = np.array([[Symbol(d, 0), Symbol(d, 1)], [Symbol(d, 2), Symbol(d, 3)]])
    assert (inserted == expected).all()
    w = solution.problem.layers[0].weight
    rotated = matrices["rot180(W)"]
    assert rotated[0, 0] == Symbol(w, 8) and rotated[2, 2] == Symbol(w, 0)


def test_shapes_say_what_the_floor_drops():
    geometry = ConvGeometry(1, 1, 1, 1, (6, 7), (3, 3), (2, 2), (0, 0), (1, 1))
    assert [(a.axis, a.output, a.remainder, a.unused) for a in axis_sizes(geometry)] == [
        ("H", 2, 1, (5,)), ("W", 3, 0, ())]


def test_chain_equations_name_given_values_and_substitute_them():
    problem = load_problem("examples/cs7643_4x4_stride1.toml")
    chain = section(build_solution(problem, ("chain",), detail="full"), "chain")
    w = problem.layers[0].weight
    equations = {eq.sides[0].bottom: eq for eq in numbered(chain)}
    first = equations[Symbol(w, 0)]
    x = problem.input
    d = problem.upstream
    # ∂L/∂w1 = ∂L/∂Y_00·∂Y_00/∂w1 + … = d1·X_00 + d2·X_01 + … (named) = d1 + 2·d2 + … (the values)
    named, value = first.sides[2], first.sides[3]
    assert named == sum((Poly.lift(Symbol(d, k)) * Poly.lift(Symbol(x, flat))
                         for k, flat in enumerate([0, 1, 2, 4, 5, 6, 8, 9, 10])), Poly())
    assert value == sum((Poly.lift(Symbol(d, k)) * v
                         for k, v in enumerate([1, 2, 3, 2, 3, 4, 5, 6, 7])), Poly())
    assert [b.number for b in chain.blocks if isinstance(b, Numbered)] == list(range(1, 21))


def test_chain_equations_stop_at_the_limit_and_keep_the_count():
    problem = quick_problem((6, 6), (2, 2))
    chain = section(build_solution(problem, ("chain",), detail=FULL._replace(equations=5)), "chain")
    x = problem.input
    assert len([eq for eq in numbered(chain) if eq.sides[0].bottom.tensor is x]) == 5
    assert "Only the first 5 of the 36 entries of ∂L/∂X are written out" in str(chain.blocks)
    assert views(chain)["X"].shape == (6, 6)


def test_sections_hold_the_first_fields_and_the_total():
    problem = load_problem("examples/batch_multichannel.toml")
    solution = build_solution(problem, ("forward", "dw"), detail=FULL._replace(fields=4))
    forward = section(solution, "forward")
    [gallery] = [block for block in forward.blocks if isinstance(block, Gallery)]
    assert len(gallery.items) == 4 * 3  # 4 receptive fields, one item per channel
    assert "Only the first 4 of the 36 outputs are written out" in str(forward.blocks)
    assert gallery.items[0].value.left.array.shape == (3, 3)  # one channel's window
    assert views(section(solution, "dw"))["W"].shape == (2, 3, 3, 3)


def test_default_connect_questions_are_the_slides_x22_and_w01():
    problem = quick_problem((5, 5), (3, 3))
    solution = build_solution(problem, ("connect",), detail="full")
    first, second = [s for s in solution.sections if s.name == "connect"]
    assert first.blocks[0].text[1] == Symbol(problem.input, 12)
    [gallery] = [block for block in first.blocks if isinstance(block, Gallery)]
    x_matrix, y_matrix = (item.value for item in gallery.items)
    assert x_matrix.marked == {12} and y_matrix.marked == set(range(9))
    assert second.blocks[0].text[1] == Symbol(problem.layers[0].weight, 1)
    [gallery] = [block for block in second.blocks if isinstance(block, Gallery)]
    x_matrix, w_matrix, y_matrix = (item.value for item in gallery.items)
    assert x_matrix.marked == {1, 2, 3, 6, 7, 8, 11, 12, 13} and y_matrix.marked == set(range(9))


def test_parse_sections_keeps_document_order_and_rejects_unknown_names():
    assert parse_sections("dx, shapes") == ("shapes", "dx")
    with pytest.raises(SymconvError, match="unknown section 'grad'; choose from shapes,forward"):
        parse_sections("shapes,grad")
    with pytest.raises(SymconvError, match="no section named"):
        parse_sections(" , ")


def test_a_solution_too_long_to_read_is_refused_with_the_count_and_the_limit():
    problem = quick_problem((60, 60), (5, 5))  # 56² outputs × 25 products, for ∂X and for ∂W
    with pytest.raises(SizeLimitError, match=r"has 156,800 chain-rule terms, over the limit of 100,000"):
        build_solution(problem, max_terms=100_000, detail="full")


@pytest.mark.parametrize("detail", ["handout", "full"])
def test_sections_are_the_same_whatever_order_they_are_built_in(detail):
    """A section is a pure function of the problem, the detail level and the section list: the
    context only remembers what it computed, and what is said the first time is decided when the
    document is settled, in document order, not by which section was built first."""
    from symconv.core.document import Document, settle
    from symconv.render.text_document import TextDocumentPrinter
    from symconv.engine.sections import Context, Detail
    from symconv.solutions.solution import introduction, layer_sections

    problem = load_problem("examples/chain_conv_relu_maxpool_symbolic.toml")
    names = ("shapes", "forward", "dw", "dx", "db", "closed-form")
    level = Detail.named(detail)
    pairs = [(layer, name) for name in names for layer in problem.layers]

    def printed(order: list) -> str:
        context = Context(problem, derive(problem), level, True, names)
        built = {(id(layer), name): layer_sections(layer, (name,), context) for layer, name in order}
        sections = tuple(section for layer, name in pairs for section in built[id(layer), name])
        document = Document("t", tuple(introduction(context)), sections)
        return TextDocumentPrinter("L").doprint(settle(document, repeat=not level.once))

    assert printed(pairs) == printed(pairs[::-1])
