"""Chains of layers: naming, layer-by-layer terms, expanded results, exact routes."""

import numpy as np
import pytest

from symconv import build_problem, derive, load_problem
from symconv.engine.derivation import Derivation
from symconv.render import plain, render_text

from helpers import as_array, exact_route

CHAIN = "examples/chain_conv_relu_maxpool_symbolic.toml"


def test_unnamed_outputs_are_Y_for_one_layer_and_Y1_Y2_in_a_chain():
    one = build_problem({"input": {"shape": [4, 4]}, "layers": [{"type": "relu"}]})
    assert [layer.output.name for layer in one.layers] == ["Y"]
    chain = build_problem({"input": {"shape": [4, 4]},
                           "layers": [{"type": "relu"}, {"type": "maxpool", "kernel_size": 2,
                                                         "output": "Z"}, {"type": "relu"}]})
    assert [layer.output.name for layer in chain.layers] == ["Y1", "Z", "Y3"]
    assert derive(chain).names() == ["X", "Y1", "Z"]


def test_every_tensor_of_the_chain_has_a_gradient():
    derivation = derive(load_problem(CHAIN))
    assert derivation.names() == ["X", "w", "Y1", "Y2"]
    for name in derivation.names():
        assert derivation.gradient(name).term_count > 0


def test_terms_of_an_earlier_layer_refer_to_the_next_layers_gradient():
    derivation = derive(load_problem(CHAIN))
    entry = derivation.gradient("X").entry((0, 1))
    assert render_text(entry) == ("∂L/∂X_01 = ∂L/∂Y1_00·∂Y1_00/∂X_01 + ∂L/∂Y1_01·∂Y1_01/∂X_01"
                                  " = -∂L/∂Y1_00 + ∂L/∂Y1_01")
    assert [t.upstream.tensor.name for t in entry.terms] == ["Y1", "Y1"]
    # ∂L/∂Y1 itself: Y1_00 = −1 (ReLU blocks it), Y1_01 = 3 (the maximum of two overlapping windows).
    dy1 = derivation.gradient("Y1")
    assert render_text(dy1.entry((0, 0))) == "∂L/∂Y1_00 = ∂L/∂Y2_00·∂Y2_00/∂Y1_00 = 0"
    assert plain(dy1.expanded()[1]) == "d1 + d2"


def test_expanded_chain_matches_a_hand_derivation():
    gradient = derive(load_problem(CHAIN)).gradient("X")
    expanded = [plain(p) for p in gradient.expanded()]
    # X_01 feeds Y1_00 (weight −1, blocked by ReLU) and Y1_01 (weight 1): Y2_01 = 3 is the
    # maximum of the windows of Y3_00 and Y3_01.
    assert expanded[1] == "d1 + d2"
    # X_13 feeds Y1_02 (weight w4 = 0), Y1_03 (= 0: ReLU's derivative there is 0), Y1_12
    # (weight −1; Y2_12 = 1 ties Y2_21 in the window of Y3_11 and comes first: d5) and Y1_13
    # (weight 1; Y2_13 = 4 is the maximum of the windows of Y3_02 and Y3_12: d3 + d6).
    assert expanded[8] == "d3 - d5 + d6"
    # X_44 only feeds Y1_33, through w4 = 0.
    assert expanded[24] == "0"


def test_expanded_values_agree_exactly_with_both_numeric_routes():
    problem = load_problem(CHAIN)
    upstream = np.arange(1, 10, dtype=object).reshape(3, 3) * 7 - 30
    derivation = derive(problem)
    values = {s: u for s, u in zip(range(9), upstream.reshape(-1))}
    for route in ("reference_backward", "closed_form"):
        grads = exact_route(problem, route, upstream)
        for name in ("X", "w", "Y1", "Y2"):
            gradient = derivation.gradient(name)
            numbers = [p.evaluate(lambda s: values[s.flat]) for p in gradient.expanded()]
            assert numbers == grads[name].reshape(-1).tolist(), (route, name)


def test_expansion_is_computed_once_per_gradient_not_per_entry(monkeypatch):
    calls = []
    original = Derivation.upstream_polys

    def counting(self, upstream):
        calls.append(upstream.name)
        return original(self, upstream)

    monkeypatch.setattr(Derivation, "upstream_polys", counting)
    derivation = derive(load_problem(CHAIN))
    derivation.gradient("X").expanded()
    derivation.gradient("w").expanded()
    # One call per block: X and w read Y1's gradient, Y1 reads Y2's; Y2 reads the given upstream,
    # so its expansion is its own value.
    assert calls == ["Y1", "Y2", "Y1"]


def test_homework_kernel_recovered_from_the_table_reproduces_it_with_34_for_A33():
    problem = load_problem("examples/homework_conv_maxpool.toml")
    conv_only = build_problem({"loss": "E", "input": {"name": "A", "shape": [5, 5], "index_base": 1},
                               "layers": [{"type": "conv", "output": "C", "weight": {
                                   "name": "B", "shape": [3, 3],
                                   "values": problem.layers[0].weight.values.tolist()}}],
                               "upstream": {"values": "ones"}})
    table = as_array(derive(conv_only).gradient("A").polys(), (5, 5)).tolist()
    assert table == [[4, 7, 10, 6, 3], [9, 17, 25, 16, 8], [11, 23, 34, 23, 11],
                     [7, 16, 24, 17, 8], [2, 6, 9, 7, 3]]


def test_homework_chain_keeps_max_indicators_over_symbolic_C():
    derivation = derive(load_problem("examples/homework_conv_maxpool.toml"))
    a11 = derivation.gradient("A").expanded_entries([derivation.gradient("A").entry((0, 0))])[0]
    assert render_text(a11, "E") == ("∂E/∂A_11 = ∂E/∂C_11·∂C_11/∂A_11 = 4·∂E/∂C_11"
                                     " = 4·[C_11 = max(C_11, C_12, C_21, C_22)]")
    [note] = derivation.notes_for(derivation.problem.input)
    assert "first maximum in row-major window order" in render_text(note, "E")


@pytest.mark.parametrize("example", [CHAIN, "examples/homework_conv_maxpool.toml"])
def test_check_passes_on_the_chain_examples(example):
    from symconv import check

    report = check(load_problem(example))
    assert report.ok
    assert all(row.closed_form is not None for row in report.rows)


def test_the_check_notes_name_the_layer_types_without_a_route():
    from symconv import check

    chain = check(load_problem(CHAIN))
    assert (chain.without_closed_form, chain.not_matrix_products) == (("ReLU",), ("ReLU", "max pooling"))
    assert ("matrix n/a: no layer between that tensor and the loss is a matrix product"
            " (ReLU and max pooling are not)") in str(chain)
    lp = check(load_problem("examples/lppool_mean.toml"))
    assert "closed form n/a: no layer between that tensor and the loss has one (LP pooling has none)" \
        in str(lp)


def test_expansion_that_would_explode_is_refused_up_front_with_the_bound():
    from symconv import SizeLimitError

    layers = [{"type": "conv", "weight": {"name": name, "shape": [3, 3]}} for name in "VWU"]
    problem = build_problem({"input": {"shape": [14, 14]}, "layers": layers})
    gradient = derive(problem, max_terms=40_000).gradient("X")
    # X_66 reaches 3 rows of Y1, each 3 of Y2, each 3 of Y3, all inside: 27 paths per axis.
    assert gradient.expanded_size()[6 * 14 + 6] == 27 ** 2
    # In total, each of Y3's 8 rows is reached by 27 paths per axis: (8·27)² = 46,656.
    with pytest.raises(SizeLimitError, match=r"expanding ∂L/∂X could write up to 46,656 terms,"
                                             r" over the limit of 40,000"):
        gradient.expanded()
    expanded = derive(problem).gradient("X").expanded()  # fine under the default limit
    assert len(expanded[6 * 14 + 6].terms) == 27 ** 2  # no two paths give the same monomial
