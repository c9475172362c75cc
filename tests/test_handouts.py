"""The handouts' own expansions, entry by entry (with their typos and the one wrong number fixed)."""

import numpy as np
import pytest

from symconv import build_problem, derive, load_problem
from symconv.layers.sliding.closed_form import insert_zeros, pad
from symconv.core.poly import poly_sum, product_of
from symconv.render import plain


def plain_matrix(polys, shape):
    return np.array([plain(p) for p in polys], dtype=object).reshape(shape).tolist()


def test_cs7643_dx_after_the_third_receptive_field():
    gradient = derive(load_problem("examples/cs7643_4x4_stride1.toml")).gradient("X")
    partial = [poly_sum(product_of((t.upstream, t.local)) for t in gradient.entry(flat).terms
                        if t.output.flat < 3)
               for flat in range(16)]
    assert plain_matrix(partial, (4, 4)) == [
        ["d1*w1", "d1*w2 + d2*w1", "d2*w2 + d3*w1", "d3*w2"],
        ["d1*w3", "d1*w4 + d2*w3", "d2*w4 + d3*w3", "d3*w4"],
        ["0", "0", "0", "0"],
        ["0", "0", "0", "0"],
    ]


def test_cs7643_dw_sums_each_receptive_field_times_its_upstream_entry():
    gradient = derive(load_problem("examples/cs7643_4x4_stride1.toml")).gradient("w")
    # top-left entries of the nine receptive fields: 1 2 3 / 2 3 4 / 5 6 7
    assert plain(gradient.entry(0).value) == "d1 + 2*d2 + 3*d3 + 2*d4 + 3*d5 + 4*d6 + 5*d7 + 6*d8 + 7*d9"
    # bottom-right entries: 3 4 5 / 6 7 8 / 8 9 0 -> the 0 of the last field drops d9
    assert plain(gradient.entry(3).value) == "3*d1 + 4*d2 + 5*d3 + 6*d4 + 7*d5 + 8*d6 + 8*d7 + 9*d8"


def test_cs7643_stride_2_shapes_and_receptive_fields():
    derivation = derive(load_problem("examples/cs7643_4x4_stride2.toml"))
    problem = derivation.problem
    assert problem.layers[0].output.shape == (2, 2)
    assert problem.upstream.shape == (2, 2)
    assert derivation.gradient("w").shape == (2, 2)
    assert derivation.gradient("X").shape == (4, 4)
    # receptive fields [1 2; 2 3], [3 4; 4 5], [5 6; 7 8], [7 8; 9 0]
    assert plain(derivation.gradient("w").entry(0).value) == "d1 + 3*d2 + 5*d3 + 7*d4"
    assert plain(derivation.gradient("w").entry(3).value) == "3*d1 + 5*d2 + 8*d3"


HOMEWORK_OUTPUTS = {  # the outputs C_ij in each of the handout's equations (1)-(25), typos fixed
    (1, 1): ["11"], (1, 2): ["11", "12"], (1, 3): ["11", "12", "13"], (1, 4): ["12", "13"],
    (1, 5): ["13"], (2, 1): ["11", "21"], (2, 2): ["11", "12", "21", "22"],
    (2, 3): ["11", "12", "13", "21", "22", "23"], (2, 4): ["12", "13", "22", "23"],
    (2, 5): ["13", "23"], (3, 1): ["11", "21", "31"],
    (3, 2): ["11", "12", "21", "22", "31", "32"],
    (3, 3): ["11", "12", "13", "21", "22", "23", "31", "32", "33"],
    (3, 4): ["12", "13", "22", "23", "32", "33"], (3, 5): ["13", "23", "33"],
    (4, 1): ["21", "31"], (4, 2): ["21", "22", "31", "32"],
    (4, 3): ["21", "22", "23", "31", "32", "33"], (4, 4): ["22", "23", "32", "33"],
    (4, 5): ["23", "33"], (5, 1): ["31"], (5, 2): ["31", "32"], (5, 3): ["31", "32", "33"],
    (5, 4): ["32", "33"], (5, 5): ["33"],
}


@pytest.mark.parametrize("position", sorted(HOMEWORK_OUTPUTS))
def test_homework_chain_rule_of_every_entry(position):
    gradient = derive(load_problem("examples/homework_5x5.toml")).gradient("A")
    entry = gradient.entry(tuple(i - 1 for i in position))
    outputs = [f"{t.output.flat // 3 + 1}{t.output.flat % 3 + 1}" for t in entry.terms]
    assert outputs == HOMEWORK_OUTPUTS[position]
    # upstream ones: each term is 1 · B_kl, and the B_kl are the kernel entries in sorted order
    assert all(t.upstream == 1 for t in entry.terms)
    assert plain(entry.value) == " + ".join(
        sorted(plain(t.local) for t in entry.terms))


def test_homework_a22():
    entry = derive(load_problem("examples/homework_5x5.toml")).gradient("A").entry((1, 1))
    assert plain(entry.value) == "B_1_1 + B_1_2 + B_2_1 + B_2_2"


def test_homework_numeric_table_with_the_kernel_recovered_from_it():
    """With B = [[4,3,3],[5,5,5],[2,4,3]] the handout's table is reproduced except A_33: 35 -> 34."""
    spec = {"loss": "E", "input": {"name": "A", "shape": [5, 5], "index_base": 1},
            "layers": [{"type": "conv", "output": "C",
                        "weight": {"name": "B", "shape": [3, 3], "index_base": 1,
                                   "values": [[4, 3, 3], [5, 5, 5], [2, 4, 3]]}}],
            "upstream": {"values": "ones"}}
    gradient = derive(build_problem(spec)).gradient("A")
    table = np.array([p.number for p in gradient.polys()]).reshape(5, 5)
    handout = np.array([[4, 7, 10, 6, 3], [9, 17, 25, 16, 8], [11, 23, 35, 23, 11],
                        [7, 16, 24, 17, 8], [2, 6, 9, 7, 3]])
    assert [tuple(i) for i in np.argwhere(table != handout)] == [(2, 2)]
    assert table[2, 2] == 34


def test_slides_1d_expansions():
    derivation = derive(load_problem("examples/slides_1d.toml"))
    dx = [plain(p) for p in derivation.gradient("x").polys()]
    assert dx[1:4] == ["dy1*w1 + dy2*w0", "dy1*w2 + dy2*w1 + dy3*w0", "dy2*w2 + dy3*w1"]
    dw = [plain(p) for p in derivation.gradient("w").polys()]
    assert dw == ["dy1*x0 + dy2*x1 + dy3*x2", "dy1*x1 + dy2*x2 + dy3*x3", "dy1*x2 + dy2*x3 + dy3*x4"]
    assert plain(derivation.gradient("b").entry(0).value) == "dy1 + dy2 + dy3"


def test_notes_zero_inserted_upstream_is_7x7_for_5x5_kernel_3_stride_2():
    grad = np.arange(1, 5).reshape(1, 1, 2, 2)
    inserted = pad(insert_zeros(grad, (2, 2)), (2, 2), (2, 2))[0, 0]
    assert inserted.shape == (7, 7)
    assert {tuple(i): inserted[tuple(i)] for i in np.argwhere(inserted)} == {
        (2, 2): 1, (2, 4): 2, (4, 2): 3, (4, 4): 4}
