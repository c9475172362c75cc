"""symconv against PyTorch's own numbers, on a fixed set of layers: transposed convolutions with
stride, padding, output_padding (also past the stride, with dilation), dilation and groups, 3-D
convolutions, padding that differs between the sides (F.pad), TensorFlow's and Keras's "same".

The numbers were written by PyTorch once (``tests/fixtures/make_torch_fixtures.py``, committed with
its output); this test needs no PyTorch. Values are small integers, so every comparison is exact:
the forward pass (symconv's exact output values), and every gradient by the chain rule, the closed
form, the NumPy reference and the matrix route.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from symconv import build_problem, derive

from dense_reference import Network
from helpers import exact_route

CASES = json.loads((Path(__file__).parent / "fixtures" / "torch_cases.json").read_text())["cases"]


def exact(values) -> np.ndarray:
    """PyTorch's float64 numbers as exact integers (they are whole: small integer inputs)."""
    array = np.asarray(values, dtype=float)
    assert np.array_equal(array, np.round(array))
    return np.round(array).astype(np.int64)


def problem_of(case):
    spec = json.loads(json.dumps(case["spec"]))
    spec["input"]["values"] = exact(case["x"]).tolist()
    layer = spec["layers"][0]
    layer["weight"]["values"] = exact(case["w"]).tolist()
    if case["b"] is not None:
        layer["bias"]["values"] = exact(case["b"]).tolist()
    spec["upstream"] = {"values": exact(case["dy"]).tolist()}
    return build_problem(spec)


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_symconv_gives_pytorchs_output_and_gradients(case):
    problem = problem_of(case)
    layer = problem.layers[0]
    np.testing.assert_array_equal(np.asarray(layer.output.values, dtype=np.int64), exact(case["y"]))
    expected = {layer.input.name: exact(case["dx"]), layer.weight.name: exact(case["dw"])}
    if layer.bias is not None:
        expected[layer.bias.name] = exact(case["db"])
    derivation = derive(problem)
    routes = {route: exact_route(problem, route)
              for route in ("reference_backward", "closed_form", "matrix")}
    for name, gradient in expected.items():
        chain = np.array([p.number for p in derivation.gradient(name).polys()], dtype=object)
        np.testing.assert_array_equal(chain.reshape(gradient.shape).astype(np.int64), gradient)
        for route, found in routes.items():
            np.testing.assert_array_equal(np.asarray(found[name], dtype=np.int64), gradient,
                                          err_msg=f"{case['name']}: {route}, ∂L/∂{name}")


def test_the_fixtures_cover_what_they_promise():
    layers = [case["spec"]["layers"][0] for case in CASES]
    transposed = [layer for layer in layers if layer["type"] == "conv_transpose"]
    assert {"stride", "padding", "output_padding", "dilation", "groups"} <= {
        key for layer in transposed for key in layer}
    assert any(case["spec"]["dims"] == 3 and case["spec"]["layers"][0]["type"] == "conv"
               for case in CASES)
    assert any(isinstance(layer.get("padding"), list) and isinstance(layer["padding"][0], list)
               for layer in layers)


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_the_tests_own_dense_reference_gives_pytorchs_numbers(case):
    """``dense_reference.Network``, the oracle of the tests that check symconv's own NumPy
    reference, read from the same specification ("same" worked out there): PyTorch's numbers."""
    params = [[exact(case["w"])] + ([] if case["b"] is None else [exact(case["b"])])]
    network = Network(case["spec"])
    [y] = network.forward(exact(case["x"]), params)
    np.testing.assert_array_equal(y, exact(case["y"]))
    [grads] = network.backward(exact(case["x"]), params, exact(case["dy"]))
    for found, key in zip(grads, ("dx", "dw", "db")):
        np.testing.assert_array_equal(found.reshape(np.shape(case[key])), exact(case[key]), err_msg=key)
