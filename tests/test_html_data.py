"""The interactive page's chain-rule data (render/html.py, ``ChainData``): written on arrays for
a symbolic convolution, it is byte for byte what the polynomials write (the route every other
problem takes), whatever entries the page shows, in whatever order, with long sums cut."""

from __future__ import annotations

import json
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import numpy as np

from strategies import conv_specs
from symconv import build_problem, derive
from symconv.render import html
from symconv.solutions.solution import chain_relations


@st.composite
def symbolic_convolutions(draw):
    """A random convolution, its input and weight symbols, its upstream symbols or small integers
    (so that sums have coefficients of several sizes)."""
    spec = draw(conv_specs(5))
    if draw(st.booleans()):
        shape = build_problem(spec).layers[-1].output.shape
        numbers = draw(st.lists(st.integers(-3, 3), min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
        spec["upstream"] = {"values": np.array(numbers).reshape(shape).tolist()}
    return build_problem(spec)


def chain_data(problem, relations, shown, *, arrays: bool) -> str:
    printer = html.HtmlPrinter(problem.loss).page_printer(relations)
    route = html.array_sums if arrays else (lambda chain, flats: None)
    with mock.patch.object(html, "array_sums", route):
        return "".join(printer.chain_data(shown))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(symbolic_convolutions(), st.data())
def test_the_data_on_arrays_is_the_data_from_polynomials(problem, data):
    relations = chain_relations(problem, derive(problem))
    entries = [(chain.tensor.name, flat) for chain in relations.gradients for flat in range(chain.tensor.size)]
    shown = data.draw(st.permutations(entries).flatmap(
        lambda order: st.integers(1, len(order)).map(lambda count: order[:count])))
    cut = data.draw(st.sampled_from([html.MAX_SUM_TERMS, 1, 3]))
    used = []

    def spy(chain, flats):
        sums = array_sums(chain, flats)
        used.append(sums is not None)
        return sums

    array_sums = html.array_sums
    with mock.patch.object(html, "MAX_SUM_TERMS", cut), mock.patch.object(html, "array_sums", spy):
        on_arrays = chain_data(problem, relations, shown, arrays=True)
    assert used and all(used)  # every gradient of a symbolic convolution is written on arrays
    summed_again = relations._replace(gradients=tuple(chain._replace(known=None) for chain in relations.gradients))
    with mock.patch.object(html, "MAX_SUM_TERMS", cut):
        assert on_arrays == chain_data(problem, relations, shown, arrays=False)
        # the derivation's own sums, where they serve, are the sums made again
        assert on_arrays == chain_data(problem, summed_again, shown, arrays=True)
    page = json.loads(on_arrays)
    values = {chain.tensor.name: chain.values for chain in relations.gradients}
    tensors, count = page["tensors"], len(page["tensors"])
    for key, entry in page["entries"].items():  # every sum has its value's number of terms
        name = tensors[entry["x"][0]]["n"]
        value = values[name][entry["x"][1]]
        assert key.startswith(f"{name}:") and entry["s"][0] == len(value.terms)
        assert len(entry["s"][1]) == min(cut, entry["s"][0])
        # each factor names its own entry: ∂L/∂Y_00 of the upstream gradient, not the output Y_00
        written = [[(tensors[f % count]["n"], tensors[f % count]["d"], f // count) for f in factors]
                   for _, _, factors in entry["s"][1]]
        assert written == [[(atom.tensor.name, atom.tensor.derivative_of, atom.flat) for atom in monomial]
                           for monomial, _ in value.sorted_terms()[:cut]]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.integers(0, 5000), st.integers(0, 10**9)), max_size=300))
def test_numbers_from_the_table_are_spelled_as_str_spells_them(numbers):
    """The data's flat positions and references are taken from a table of number texts (or, a
    few large ones, spelled one at a time): the same text as ``str``."""
    for given_as in (numbers, np.array(numbers, dtype=np.int64)):
        texts = html.number_texts(given_as)
        assert texts.dtype == object and texts.tolist() == [str(n) for n in numbers]
        assert html.number_texts(given_as, "[", "]]").tolist() == [f"[{n}]]" for n in numbers]


def expanded(listed: list[int]) -> list[int]:
    """A list of the page's data with its runs written out, as the page's script does."""
    flats: list[int] = []
    for flat in listed:
        flats += [flat] if flat >= 0 else [flats[-1] + step for step in range(1, 1 - flat)]
    return flats


def test_a_run_of_three_or_more_flats_is_listed_as_its_first_and_how_many_follow():
    assert html.runs([4, 5, 6, 7, 9]) == [4, -3, 9]
    assert html.runs(list(range(3969))) == [0, -3968]  # a ∂L/∂W entry at the limit reads every output
    assert html.runs([0, 1, 5, 6]) == [0, 1, 5, 6] and html.runs([3, 2, 1]) == [3, 2, 1]
    assert html.runs([]) == []


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.integers(0, 12), max_size=14), max_size=8))
def test_lists_of_flats_spelled_at_once_are_each_listed_alone(lists):
    """The outputs and local entries of every entry shown are listed at once: each list's text is
    the one runs() writes alone, and written out again it is the list."""
    flats = np.array([flat for listed in lists for flat in listed], dtype=np.int64)
    counts = np.array([len(listed) for listed in lists], dtype=np.int64)
    assert html.listed_texts(flats, counts) == [html.listed_text(listed) for listed in lists]
    for listed in lists:
        assert expanded(html.runs(listed)) == listed
