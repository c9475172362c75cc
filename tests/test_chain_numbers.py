"""Numbers carried through a chain: when every value is known, the upstream gradient's included,
``grad`` ends each entry in its number (text) and gives it as ``value`` (JSON). The numbers are
checked against the tests' own reference (``dense_reference``) run backwards, never against the
derivation or symconv's own NumPy references."""

from __future__ import annotations

import json
import tomllib
from fractions import Fraction
from pathlib import Path

import numpy as np
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from symconv import build_problem, derive, load_problem
from symconv.interface.cli import cli
from symconv.render import write_gradient_json, write_gradient_text

from dense_reference import Network
from helpers import independent_gradients

CHAIN = "examples/chain_conv_relu_maxpool.toml"


def reference_gradients(spec: dict) -> dict[str, np.ndarray]:
    """Every gradient by the independent reference, from the given values (exact)."""
    return independent_gradients(Network(spec), build_problem(spec))


def example_spec() -> dict:
    return tomllib.loads(Path(CHAIN).read_text(encoding="utf-8"))


def grad(*args: str) -> str:
    result = CliRunner().invoke(cli, ["grad", CHAIN, *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_every_value_of_the_example_chain_is_its_number_in_json():
    problem = load_problem(CHAIN)
    expected = reference_gradients(example_spec())
    for name in derive(problem).names():  # X, w, Y1, Y2
        document = json.loads(grad("--wrt", name, "--format", "json"))
        values = [entry["value"] for entry in document["entries"]]
        assert all(isinstance(value, int) for value in values), (name, values)
        assert values == expected[name].reshape(-1).tolist(), name
        assert all("expanded" not in entry for entry in document["entries"])  # that is --expand's


def test_the_text_ends_each_entry_in_its_number_after_the_layer_by_layer_form():
    expected = reference_gradients(example_spec())["X"].reshape(-1)
    lines = grad("--wrt", "X").splitlines()
    assert len(lines) == 25
    assert lines[8] == ("∂L/∂X_13 = ∂L/∂Y1_02·∂Y1_02/∂X_13 + ∂L/∂Y1_03·∂Y1_03/∂X_13"
                        " + ∂L/∂Y1_12·∂Y1_12/∂X_13 + ∂L/∂Y1_13·∂Y1_13/∂X_13"
                        " = ∂L/∂Y1_03 - ∂L/∂Y1_12 + ∂L/∂Y1_13 = -3")
    assert [int(line.rsplit(" = ", 1)[1]) for line in lines] == expected.tolist()
    # one entry (--entry) goes through the printers, not the arrays: the same line
    assert grad("--wrt", "X", "--entry", "1,3").splitlines() == [lines[8]]


def test_a_symbolic_upstream_gradient_leaves_the_layer_by_layer_form():
    result = CliRunner().invoke(cli, ["grad", "examples/chain_conv_relu_maxpool_symbolic.toml",
                                      "--wrt", "X", "--format", "json"])
    entries = json.loads(result.stdout)["entries"]
    assert entries[8]["expr"] == "dL_dY1_0_3 - dL_dY1_1_2 + dL_dY1_1_3"
    assert entries[8]["value"] is None


small = st.integers(-3, 3)


@st.composite
def known_chains(draw):
    """The specification of conv → ReLU → (max or average) pooling, every value given as small
    integers."""
    size, kernel = draw(st.integers(3, 6)), draw(st.integers(1, 3))
    conv_out = size - kernel + 1
    pool = draw(st.integers(1, conv_out))
    out = conv_out - pool + 1
    grid = lambda n: [[draw(small) for _ in range(n)] for _ in range(n)]  # noqa: E731
    return ({
        "input": {"shape": [size, size], "values": grid(size)},
        "layers": [{"type": "conv", "weight": {"shape": [kernel, kernel], "values": grid(kernel)}},
                   {"type": "relu"},
                   {"type": draw(st.sampled_from(["maxpool", "avgpool"])), "kernel_size": pool,
                    "stride": 1}],
        "upstream": {"name": "d", "values": grid(out)}})


@settings(max_examples=40, deadline=None)
@given(known_chains())
def test_random_chains_with_every_value_given_write_every_entrys_number(spec):
    problem = build_problem(spec)
    derivation = derive(problem)
    expected = reference_gradients(spec)
    for name in derivation.names():
        gradient = derivation.gradient(name)
        chunks: list[str] = []
        write_gradient_json(gradient, range(gradient.wrt.size), [], chunks.append)
        values = [entry["value"] for entry in json.loads("".join(chunks))["entries"]]
        assert [Fraction(v).limit_denominator(10**6) for v in values] == [
            Fraction(v).limit_denominator(10**6) for v in expected[name].reshape(-1).tolist()], name
        lines: list[str] = []
        write_gradient_text(gradient, range(gradient.wrt.size), lines.append)
        finals = [line.rsplit(" = ", 1)[1] for line in "".join(lines).splitlines()]
        assert [Fraction(f) for f in finals] == [Fraction(v).limit_denominator(10**6) for v in values]
