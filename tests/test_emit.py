"""symconv grad's writers (render/emit.py) against the entry-by-entry printers they replace.

The writers work on arrays: names spelled once per tensor, each entry's simplified sum computed
by sorting and merging codes of symbols. The printers (``render_text`` of every
:class:`GradientEntry`, ``json.dumps`` of ``gradient_json``) build a :class:`Poly` per entry and
are the reference: on random problems the writers must give the same text byte for byte (JSON:
apart from whitespace between tokens).
"""

import json
import random
import re
from fractions import Fraction
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symconv import build_problem, derive
from symconv.engine.derivation import ExpandedEntry, Gradient
from symconv.core.poly import Symbol
from symconv.render import (TextPrinter, emit, gradient_json, plain, render_text, write_gradient_json,
                            write_gradient_text)
from symconv.render.emit import GradientArrays
from symconv.render.json import entry_heads, plain_entries, term_outputs
from symconv.render.latex import LatexPrinter
from symconv.render.names import NAMED_AT_ONCE, latex_entry_name, latex_names, plain_names, text_names
from symconv.render.text_document import TextDocumentPrinter
from symconv.core.tensors import Role, Tensor

from helpers import run_cli
from strategies import conv_specs
from test_properties_pool import chains, pooling_problems, upstream_for, with_upstream

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def values(draw, shape, kind: str):
    """Nested values of ``shape``: small integers (zeros and negatives, so like terms cancel),
    some fractions, or integers too large for int64 sums."""
    size = int(np.prod(shape))
    if kind == "integers":
        flat = draw(st.lists(st.integers(-3, 3), min_size=size, max_size=size))
    elif kind == "fractions":
        flat = draw(st.lists(st.sampled_from([1, -2, "1/2", "-3/4"]), min_size=size, max_size=size))
    else:
        flat = draw(st.lists(st.sampled_from([1, 10 ** 19, -(10 ** 19)]), min_size=size, max_size=size))
    return np.array(flat, dtype=object).reshape(shape).tolist()


VALUE_KINDS = st.sampled_from(["symbols"] * 3 + ["integers"] * 3 + ["fractions", "huge"])


@st.composite
def convolutions(draw):
    """Random convolutions (stride, padding, dilation, groups, channels, batch, bias, namings,
    index bases) with symbols or values in any of the input, the weight and the upstream."""
    spec = draw(conv_specs(5))
    layer = spec["layers"][0]
    for table in (spec["input"], layer["weight"]):
        kind = draw(VALUE_KINDS)
        if kind != "symbols":
            table["values"] = values(draw, table["shape"], kind)
    spec["upstream"] = draw(st.sampled_from([{}, {"name": "d", "naming": "flat", "index_base": 1},
                                             {"name": "g", "naming": "indexed", "index_base": 1}]))
    kind = draw(VALUE_KINDS)
    if kind != "symbols":
        shape = build_problem(spec).upstream.shape
        spec["upstream"] = {**spec["upstream"], "values": values(draw, shape, kind)}
    return build_problem(spec)


@st.composite
def problems(draw):
    kind = draw(st.sampled_from(["conv", "conv", "conv", "pool", "chain"]))
    if kind == "conv":
        return draw(convolutions())
    numeric = draw(st.booleans())
    if kind == "pool":
        problem = draw(pooling_problems(numeric=numeric))
    else:
        problem = draw(chains(numeric=numeric, kinds=("conv", "relu", "maxpool", "avgpool", "lppool")))
    if draw(st.booleans()):
        problem = with_upstream(problem, upstream_for(problem, draw))
    return problem


def reference_entries(gradient, flats, expand) -> list:
    """The entries as the printers take them: paired with their expansion with ``--expand``, or
    with their numbers in a chain whose values are all known."""
    entries = [gradient.entry(flat) for flat in flats]
    if expand:
        return gradient.expanded_entries(entries)
    numbers = gradient.known_expansion()
    return entries if numbers is None else [ExpandedEntry(e, numbers[e.flat]) for e in entries]


def reference_text(gradient, flats, expand) -> str:
    return "".join(render_text(entry, gradient.derivation.problem.loss) + "\n"
                   for entry in reference_entries(gradient, flats, expand))


def reference_json(gradient, flats, notes, expand) -> str:
    return json.dumps(gradient_json(gradient, reference_entries(gradient, flats, expand), notes,
                                    with_expanded=expand), indent=1)


def written(writer, *args, **options) -> str:
    parts = []
    writer(*args, write=parts.append, **options)
    return "".join(parts)


def tokens(text: str) -> str:
    """JSON text without the whitespace between tokens (strings kept whole)."""
    out, inside, escaped = [], False, False
    for char in text:
        if inside:
            out.append(char)
            escaped, inside = (False, inside) if escaped else (char == "\\", char != '"')
        elif char == '"':
            inside = True
            out.append(char)
        elif not char.isspace():
            out.append(char)
    return "".join(out)


def assert_same_as_the_printers(gradient, flats, expand):
    notes = gradient.derivation.notes_for(gradient.wrt)
    text = written(write_gradient_text, gradient, flats, expand=expand)
    assert text == reference_text(gradient, flats, expand)
    data = written(write_gradient_json, gradient, flats, notes, expand=expand)
    expected = reference_json(gradient, flats, notes, expand)
    assert tokens(data) == tokens(expected)
    assert json.loads(data) == json.loads(expected)


@SETTINGS
@given(problems(), st.data())
def test_writers_print_what_the_printers_print(problem, data):
    derivation = derive(problem)
    expand = data.draw(st.booleans())
    batch = data.draw(st.sampled_from([emit.BATCH_TERMS, 1, 7]))  # several batches, and one
    with mock.patch.object(emit, "BATCH_TERMS", batch):
        for name in derivation.names():
            gradient = derivation.gradient(name)
            assert_same_as_the_printers(gradient, range(gradient.wrt.size), expand)
            one = data.draw(st.integers(0, gradient.wrt.size - 1))  # --entry
            assert_same_as_the_printers(gradient, [one], expand)


@SETTINGS
@given(problems(), st.data())
def test_a_tensor_read_by_two_layers_gets_both_blocks_entry_by_entry(problem, data):
    """No layer type reads a tensor twice yet; a gradient with its block twice stands in."""
    derivation = derive(problem)
    gradient = derivation.gradient(data.draw(st.sampled_from(derivation.names())))
    doubled = Gradient(gradient.wrt, gradient.blocks * 2, derivation)
    with mock.patch.object(emit, "BATCH_TERMS", data.draw(st.sampled_from([emit.BATCH_TERMS, 5]))):
        assert_same_as_the_printers(doubled, range(gradient.wrt.size), expand=False)


@st.composite
def tensors(draw):
    leading = draw(st.lists(st.integers(1, 3), max_size=2))
    shape = tuple(leading + draw(st.lists(st.integers(1, 12), min_size=1, max_size=2)))
    values = None
    if draw(st.booleans()):
        choose = random.Random(draw(st.integers(0, 2 ** 32))).choice
        numbers = [choose([0, 3, -12, Fraction(1, 2), Fraction(-7, 3)])
                   for _ in range(int(np.prod(shape)))]
        values = np.array(numbers + [None], dtype=object)[:-1].reshape(shape)
    return Tensor(draw(st.sampled_from(["X", "dY", "Wq2"])), shape, Role.INPUT,
                  draw(st.sampled_from(["indexed", "flat", "bare"])), draw(st.integers(0, 1)), values,
                  derivative_of=draw(st.sampled_from([None, "L", "E2"])), leading_axes=("n", "c"))


def reference_names(tensor: Tensor, flat: int, per_tensor: bool) -> tuple[str, str, str]:
    """An entry's text name without the derivative, with it, and its LaTeX name without it,
    composed entry by entry from :meth:`Tensor.entry_name` (independently of names.py's arrays)."""
    base, subscript, loss = tensor.entry_name(flat)
    commas = tensor.commas(subscript, per_tensor=per_tensor)
    numbers = ("," if commas else "").join(map(str, subscript))
    if tensor.naming == "flat":
        text = f"{base}{subscript[0]}"
    else:
        text = (f"{base}_{{{numbers}}}" if commas else f"{base}_{numbers}") if subscript else base
    return text, f"∂{loss}/∂{text}" if loss else text, f"{base}_{{{numbers}}}" if subscript else base


@settings(max_examples=200, deadline=None)
@given(tensors())
def test_the_spellers_name_every_entry_as_its_name_parts_say(tensor):
    """Indices of two digits, three and four axes, index bases, flat and bare names, the
    derivative notation and given numbers included; the printers name a symbol by the same
    speller as grad's writers."""
    symbols = [Symbol(tensor, flat) for flat in range(tensor.size)]
    for per_tensor, printer in [(False, TextPrinter()), (True, TextDocumentPrinter())]:
        names = [reference_names(tensor, s.flat, per_tensor) for s in symbols]
        assert text_names(tensor, per_tensor=per_tensor).tolist() == [full for _, full, _ in names]
        assert [printer.doprint(s) for s in symbols] == [full for _, full, _ in names]
        assert (text_names(tensor, None, "<", ">", derivative=False, per_tensor=per_tensor).tolist()
                == [f"<{name}>" for name, _, _ in names])
        latex = [latex for _, _, latex in names]
        assert latex_names(tensor, derivative=False, per_tensor=per_tensor).tolist() == latex
        loss = tensor.derivative_of if tensor.naming != "bare" else None
        assert [latex_entry_name(s, per_tensor=per_tensor) for s in symbols] == [
            rf"\frac{{\partial {loss}}}{{\partial {name}}}" if loss else name for name in latex]
    document = [latex for _, _, latex in (reference_names(tensor, s.flat, True) for s in symbols)]
    assert [LatexPrinter().name_only(s) for s in symbols] == document
    assert plain_names(tensor).tolist() == [tensor.plain_name(s.flat) for s in symbols]
    latex = [json.dumps(reference_names(tensor, s.flat, False)[2]) for s in symbols]
    assert entry_heads(tensor).tolist() == [
        f'{{"index": {json.dumps(list(tensor.index_of(s.flat)))}, "name": {name}, "expr": "'
        for s, name in zip(symbols, latex)]
    assert term_outputs(tensor).tolist() == [f'{{"output": {name}, "upstream": "' for name in latex]
    assert plain_entries(tensor).tolist() == [json.dumps(plain(tensor.entry(s.flat)))[1:-1]
                                              for s in symbols]


def test_one_entry_of_a_tensor_too_large_to_spell_whole_is_spelled_alone():
    """A huge input read by a few outputs: its symbol is named by the same speller, for itself."""
    tensor = Tensor("X", (2, 400, 300), Role.INPUT, index_base=1, leading_axes=("n", "c"))
    assert tensor.size > NAMED_AT_ONCE
    symbol = Symbol(tensor, tensor.size - 1)
    assert TextPrinter().doprint(symbol) == "X_{2,400,300}"
    assert LatexPrinter().doprint(symbol) == "X_{2,400,300}"
    assert plain(symbol) == "X_2_400_300"
    assert not tensor._entry_arrays  # no name spelled for the other 239,999 entries


def test_writers_on_names_with_two_digit_indices_and_four_axes():
    problem = build_problem({"input": {"shape": [2, 2, 11, 4], "index_base": 1},
                             "layers": [{"type": "conv", "stride": [2, 1], "padding": 1,
                                         "weight": {"shape": [3, 2, 2, 2]}, "bias": {}}]})
    derivation = derive(problem)
    for name in derivation.names():
        gradient = derivation.gradient(name)
        assert_same_as_the_printers(gradient, range(gradient.wrt.size), expand=False)


def test_convolutions_with_symbols_and_integers_take_the_array_path():
    """Otherwise the property tests above would compare the printers with themselves."""
    symbols = derive(build_problem({"input": {"shape": [5, 5]},
                                    "layers": [{"type": "conv", "weight": {"shape": [3, 3]}}]}))
    integers = derive(build_problem({"input": {"shape": [3, 3], "values": [[1, -2, 0]] * 3},
                                     "layers": [{"type": "conv", "weight": {"shape": [2, 2]}}],
                                     "upstream": {"values": "ones"}}))
    fractions = derive(build_problem({"input": {"shape": [3, 3], "values": [[1, "1/2", 0]] * 3},
                                      "layers": [{"type": "conv", "weight": {"shape": [2, 2]}}]}))
    cases = [(symbols, "X", True), (symbols, "W", True), (integers, "X", True), (integers, "W", True),
             (fractions, "X", True), (fractions, "W", False)]  # ∂L/∂W's factors are X's values
    for derivation, name, exact in cases:
        gradient = derivation.gradient(name)
        assert GradientArrays(gradient, range(gradient.wrt.size)).exact is exact


def test_like_terms_merge_in_reading_order_with_their_coefficients_added():
    """Upstream ones: ∂E/∂A_22 of the homework's 5×5 A and 3×3 B is B_11 + B_12 + B_21 + B_22,
    each weight once; an integer upstream gives every weight the sum of its upstream entries."""
    problem = build_problem({"input": {"name": "A", "shape": [3, 3], "index_base": 1},
                             "layers": [{"type": "conv", "weight": {"name": "B", "shape": [2, 2],
                                                                    "index_base": 1}}],
                             "upstream": {"values": [[1, -1], [2, 1]]}})
    gradient = derive(problem).gradient("A")
    lines = written(write_gradient_text, gradient, range(9)).splitlines()
    # A_22 is read by all four outputs: 1·B_22 − 1·B_21 + 2·B_12 + 1·B_11, printed by B's order.
    assert lines[4].endswith(" = B_11 + 2·B_12 - B_21 + B_22")
    # A_11 only by C_11 (upstream 1) through B_11; A_12 by C_11 (B_12) and C_12 (−B_11).
    assert lines[0].endswith(" = B_11") and lines[1].endswith(" = -B_11 + B_12")


def test_json_is_one_entry_per_line(capsys):
    assert run_cli(["grad", "examples/cs7643_4x4_stride1.toml", "--wrt", "X", "--format", "json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 16 + 2
    assert lines[0] == '{"loss": "L", "wrt": "X", "shape": [4, 4], "entries": ['
    assert lines[-1] == '], "notes": []}'
    assert json.loads(lines[2].rstrip(","))["expr"] == "d1*w2 + d2*w1"


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_expand_over_the_limit_is_refused_before_anything_is_written(tmp_path, capsys, output_format):
    # 936 chain-rule terms layer by layer; ∂L/∂X expanded could have 36·9·9 = 2,916.
    problem = tmp_path / "two_convs.toml"
    problem.write_text('[input]\nshape = [8, 8]\n[[layers]]\ntype = "conv"\n[layers.weight]\n'
                       'shape = [3, 3]\n[[layers]]\ntype = "conv"\n[layers.weight]\nname = "V"\n'
                       'shape = [3, 3]\n')
    code = run_cli(["grad", problem, "--wrt", "X", "--expand", "--max-terms", "1000",
                    "--format", output_format])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert "over the limit" in captured.err


README = open("README.md", encoding="utf-8").read()


def test_the_readme_json_example_shows_the_first_and_last_lines(capsys):
    section = README[README.index("`grad --format json` gives the same as data"):]
    command = re.search(r"```bash\n(symconv grad .*)\n```", section).group(1)
    shown = re.search(r"```text\n(.*?)```", section, re.S).group(1).splitlines()
    assert run_cli(command.split()[1:]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert len(shown) == 4 and shown[2] == "…" and len(printed) == 16 + 2
    assert printed[:2] == shown[:2] and printed[-1] == shown[-1]


def test_the_readme_writers_example_prints_what_the_commands_print(capsys):
    block = next(block for block in re.findall(r"```python\n(.*?)```", README, re.S)
                 if "write_gradient_text" in block)
    exec(compile(block, "README.md", "exec"), {})  # our own documentation, not user input
    printed = capsys.readouterr().out
    example = "examples/cs7643_4x4_stride1.toml"
    assert run_cli(["grad", example, "--wrt", "X"]) == 0
    text = capsys.readouterr().out
    assert run_cli(["grad", example, "--wrt", "X", "--entry", "0,1", "--format", "json"]) == 0
    assert printed == text + capsys.readouterr().out
