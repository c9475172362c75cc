"""The solution's sections as data, each checked by a route independent of how it was computed."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from symconv import SymconvError, build_problem, derive, load_problem, quick_problem
from symconv.errors import SizeLimitError
from symconv.poly import Poly, Symbol
from symconv.solution import (ChainRuleSection, ClosedFormSection, ConnectSection, ForwardSection,
                              InputGradientSection, Limits, ShapesSection, WeightGradientSection,
                              build_solution, mapped_back, parse_sections, receptive_fields)


def section(solution, kind):
    return next(s for s in solution.sections if isinstance(s, kind))


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
    expected = layer.reference_forward(values[layer.input], {p.name: values[p] for p in layer.parameters})
    for field in receptive_fields(layer, problem.upstream, layer.output.size):
        # the window ⊙ kernel, summed (padding is 0), plus the bias
        window = np.vectorize(lambda e: evaluate(e, values), otypes=[float])(field.window)
        kernel = np.vectorize(lambda e: evaluate(e, values), otypes=[float])(field.kernel)
        bias = evaluate(field.bias, values) if field.bias is not None else 0.0
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
    [step] = mapped_back(layer, problem.upstream, [count])
    masked = values[problem.upstream].reshape(-1).copy()
    masked[count:] = 0
    params = {p.name: values[p] for p in layer.parameters}
    expected = layer.reference_backward(values[layer.input], params, masked.reshape(layer.output.shape))
    got = np.vectorize(lambda e: evaluate(e, values), otypes=[float])(step.array)
    np.testing.assert_allclose(got, expected[layer.input.name], atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(conv_specs())
def test_closed_form_section_equals_the_chain_rule_exactly(spec):
    problem = build_problem(spec)
    solution = build_solution(problem, ("closed-form", "dw", "dx"))
    closed = section(solution, ClosedFormSection)
    derivation = derive(problem)
    layer = problem.layers[0]
    for tensor, got in ((layer.input, closed.input_gradient), (layer.weight, closed.weight_gradient)):
        expected = derivation.gradient(tensor.name).polys()
        assert [Poly.lift(p) for p in got.reshape(-1)] == expected
    if layer.bias is not None:
        assert [Poly.lift(p) for p in closed.bias_gradient.reshape(-1)] == derivation.gradient(
            layer.bias.name).polys()
    # the dx section's last running matrix plus the rest is the derivation's (the result shown)
    assert list(section(solution, InputGradientSection).result.reshape(-1)) == derivation.gradient(
        layer.input.name).polys()


def test_notes_zero_inserted_upstream_is_7x7_with_the_entries_two_apart():
    solution = build_solution(quick_problem((5, 5), (3, 3), stride=2), ("closed-form",))
    closed = section(solution, ClosedFormSection)
    assert [s.size for s in closed.sizes] == [7, 7]
    inserted = closed.inserted.reshape(7, 7)
    d = solution.problem.upstream
    expected = np.zeros((7, 7), dtype=object)
    expected[2:5:2, 2:5:2] = np.array([[Symbol(d, 0), Symbol(d, 1)], [Symbol(d, 2), Symbol(d, 3)]])
    assert (inserted == expected).all()
    w = solution.problem.layers[0].weight
    assert closed.rotated.reshape(3, 3)[0, 0] == Symbol(w, 8) and closed.rotated.reshape(3, 3)[2, 2] == Symbol(w, 0)


def test_shapes_say_what_the_floor_drops():
    solution = build_solution(quick_problem((6, 7), (3, 3), stride=2), ("shapes",))
    shapes = section(solution, ShapesSection)
    assert [(a.axis, a.output, a.remainder, a.unused) for a in shapes.axes] == [
        ("H", 2, 1, (5,)), ("W", 3, 0, ())]


def test_chain_equations_name_given_values_and_substitute_them():
    problem = load_problem("examples/cs7643_4x4_stride1.toml")
    chain = section(build_solution(problem, ("chain",)), ChainRuleSection)
    w_block = next(b for b in chain.blocks if b.tensor.name == "w")
    first = w_block.equations[0]
    x = problem.input
    d = problem.upstream
    # ∂L/∂w1 = d1·X_00 + d2·X_01 + … (named) = d1 + 2·d2 + … (the image's values)
    assert first.named == sum((Poly.lift(Symbol(d, k)) * Poly.lift(Symbol(x, flat))
                               for k, flat in enumerate([0, 1, 2, 4, 5, 6, 8, 9, 10])), Poly())
    assert first.value == sum((Poly.lift(Symbol(d, k)) * v
                               for k, v in enumerate([1, 2, 3, 2, 3, 4, 5, 6, 7])), Poly())
    assert [e.number for b in chain.blocks for e in b.equations] == list(range(1, 21))


def test_chain_equations_stop_at_the_limit_and_keep_the_count():
    problem = quick_problem((6, 6), (2, 2))
    chain = section(build_solution(problem, ("chain",), limits=Limits(equations=5)), ChainRuleSection)
    x_block = chain.blocks[0]
    assert len(x_block.equations) == 5 and x_block.total == 36
    assert x_block.result.shape == (6, 6)


def test_sections_hold_the_first_fields_and_the_total():
    problem = load_problem("examples/batch_multichannel.toml")
    solution = build_solution(problem, ("forward", "dw"), limits=Limits(fields=4))
    forward = section(solution, ForwardSection)
    assert len(forward.fields) == 4 and forward.total == 36
    assert forward.fields[0].window.shape == (3, 3, 3)  # channels × kernel
    assert section(solution, WeightGradientSection).result.shape == (2, 3, 3, 3)


def test_default_connect_questions_are_the_slides_x22_and_w01():
    problem = quick_problem((5, 5), (3, 3))
    solution = build_solution(problem, ("connect",))
    first, second = [s for s in solution.sections if isinstance(s, ConnectSection)]
    assert first.entry == Symbol(problem.input, 12)
    assert [t.output.flat for t in first.terms] == list(range(9))
    assert second.entry == Symbol(problem.layers[0].weight, 1)
    assert [(t.local.flat, t.output.flat) for t in second.terms] == [
        (1, 0), (2, 1), (3, 2), (6, 3), (7, 4), (8, 5), (11, 6), (12, 7), (13, 8)]


def test_parse_sections_keeps_document_order_and_rejects_unknown_names():
    assert parse_sections("dx, shapes") == ("shapes", "dx")
    with pytest.raises(SymconvError, match="unknown section 'grad'; choose from shapes,forward"):
        parse_sections("shapes,grad")
    with pytest.raises(SymconvError, match="no section named"):
        parse_sections(" , ")


def test_a_solution_too_long_to_read_is_refused_with_the_count_and_the_limit():
    problem = quick_problem((60, 60), (5, 5))  # 56² outputs × 25 products, for ∂X and for ∂W
    with pytest.raises(SizeLimitError, match=r"has 156,800 chain-rule terms, over the limit of 100,000"):
        build_solution(problem, max_terms=100_000)
