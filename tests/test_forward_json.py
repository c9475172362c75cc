"""``symconv forward --format json``: every layer's output entries, row-major, 0-based, each with
its expression over the layer's input and parameters and its value where known.

The expressions are read back with sympy (symconv's own output, not user text) and evaluated at
random values; they must give the forward pass of the tests' own reference (``dense_reference``,
never symconv's), layer by layer, and so must the values.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import pytest
import sympy

from symconv import load_problem

from dense_reference import Network
from helpers import independent_outputs, run_cli

EXAMPLES = sorted(Path("examples").glob("*.toml"))


def forward_json(capsys, path) -> dict:
    assert run_cli(["forward", path, "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return json.loads(out)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_entry_is_its_expression_and_its_value(capsys, example):
    problem = load_problem(example)
    found = forward_json(capsys, example)["outputs"]
    assert [(o["name"], o["shape"]) for o in found] == [
        (layer.output.name, list(layer.output.shape)) for layer in problem.layers]
    network = Network(tomllib.loads(example.read_text(encoding="utf-8")))
    rng = np.random.default_rng(0)
    leaves = [problem.input, *[p for layer in problem.layers for p in layer.parameters]]
    positive = any(layer.positive_inputs for layer in problem.layers)
    values = {t.name: rng.uniform(0.5 if positive else -1, 1.5 if positive else 1, t.shape)
              for t in leaves}
    values.update(independent_outputs(network, problem, values))
    # each name as its sympy symbol (xreplace, unlike subs, does not compare every pair)
    named = {sympy.Symbol(t.plain_name(flat)): sympy.Float(float(values[t.name].reshape(-1)[flat]))
             for t in [*leaves, *[layer.output for layer in problem.layers]] for flat in range(t.size)}
    exact = independent_outputs(network, problem, {t.name: t.values for t in leaves}) \
        if all(t.is_numeric for t in leaves) else None
    for layer, output in zip(problem.layers, found):
        assert [e["index"] for e in output["entries"]] == [
            list(np.unravel_index(flat, layer.output.shape)) for flat in range(layer.output.size)]
        expected = values[layer.output.name].reshape(-1)
        for flat, entry in enumerate(output["entries"]):
            expression = sympy.sympify(entry["expr"], locals={"max": sympy.Max})
            assert float(expression.xreplace(named)) == pytest.approx(expected[flat], abs=1e-9)
            if exact is None:
                assert entry["value"] is None
            else:
                assert entry["value"] == pytest.approx(float(exact[layer.output.name].reshape(-1)[flat]))


def test_values_are_exact_whole_numbers(capsys, tmp_path):
    """d2l's cross-correlation example: X = 0…8 as 3×3, the kernel [[1, 2], [3, 4]]."""
    path = tmp_path / "d2l.toml"
    path.write_text('[input]\nshape = [3, 3]\nvalues = [[0, 1, 2], [3, 4, 5], [6, 7, 8]]\n'
                    '[[layers]]\ntype = "conv"\n[layers.weight]\nname = "K"\nshape = [2, 2]\n'
                    'values = [[1, 2], [3, 4]]\n')
    [output] = forward_json(capsys, path)["outputs"]
    x, k = np.arange(9).reshape(3, 3), np.array([[1, 2], [3, 4]])
    expected = [int(np.sum(x[i:i + 2, j:j + 2] * k)) for i in range(2) for j in range(2)]
    assert [e["value"] for e in output["entries"]] == expected == [27, 37, 57, 67]
    assert all(type(e["value"]) is int for e in output["entries"])
    assert output["entries"][0] == {"index": [0, 0], "value": 27,
                                    "expr": "X_0_0*K_0_0 + X_0_1*K_0_1 + X_1_0*K_1_0 + X_1_1*K_1_1"}
