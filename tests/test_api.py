"""The Python API does what the CLI does; the README's example runs as written."""

import re
import subprocess
import sys
from fractions import Fraction

import pytest
from click.testing import CliRunner

from symconv import build_problem, check, derive
from symconv.interface.cli import cli
from symconv.render import plain


def test_readme_python_example_runs():
    readme = open("README.md", encoding="utf-8").read()
    block = re.search(r"```python\n(.*?)```", readme, re.S).group(1)
    exec(compile(block, "README.md", "exec"), {})  # our own documentation, not user input


def test_single_filter_bias_takes_a_bare_number_and_is_written_bare():
    problem = build_problem({"input": {"shape": [3]}, "dims": 1,
                             "layers": [{"type": "conv", "weight": {"shape": [2]},
                                         "bias": {"name": "b", "values": 0.5}}]})
    bias = problem.layers[0].bias
    assert bias.shape == (1,) and bias.values[0] == Fraction(1, 2)
    assert bias.plain_name(0) == "b"
    assert check(problem).ok


def test_flat_named_tensor_takes_one_display_position_as_entry():
    result = CliRunner().invoke(cli, ["grad", "examples/cs7643_4x4_stride1.toml", "--wrt", "w",
                                      "--entry", "4"])
    assert result.exit_code == 0
    assert result.stdout.startswith("∂L/∂w4 = ")
    assert result.stdout.strip().endswith("= 3·d1 + 4·d2 + 5·d3 + 6·d4 + 7·d5 + 8·d6 + 8·d7 + 9·d8")


def test_check_exits_1_and_says_so_when_a_route_disagrees(monkeypatch):
    import symconv.layers.sliding.closed_form as closed_form

    original = closed_form.grad_weight
    monkeypatch.setattr(closed_form, "grad_weight", lambda x, dy, g: original(x, dy, g) + 1.0)
    result = CliRunner().invoke(cli, ["check", "examples/homework_5x5.toml"])
    assert result.exit_code == 1
    assert "the routes DISAGREE" in result.stdout
    assert re.search(r"∂E/∂B .*DIFFERENT", result.stdout)
    assert re.search(r"∂E/∂A .* ok", result.stdout)


def test_derivative_notation_upstream_identifiers():
    problem = build_problem({"loss": "E", "input": {"name": "A", "shape": [3, 3], "index_base": 1},
                             "layers": [{"type": "conv", "output": "C",
                                         "weight": {"name": "B", "shape": [2, 2]}}]})
    assert problem.upstream.plain_name(0) == "dE_dC_1_1"
    entry = derive(problem).gradient("B").entry(0)
    assert [plain(t.upstream) for t in entry.terms] == ["dE_dC_1_1", "dE_dC_1_2", "dE_dC_2_1",
                                                         "dE_dC_2_2"]


@pytest.mark.parametrize("command", [["grad", "examples/homework_5x5.toml", "--wrt", "A"],
                                     ["grad", "--input", "4x4", "--kernel", "2x2", "--wrt", "X"]])
def test_grad_command_does_not_import_sympy(command):
    """Start-up time: sympy costs ~0.5 s to import and grad never needs it."""
    code = ("import sys; from symconv.interface.cli import cli; cli.main(args=%r, standalone_mode=False);"
            " print('sympy' in sys.modules, file=sys.stderr);"
            " print(sorted(m for m in sys.modules if m in ('symconv.render.latex',"
            " 'symconv.render.html', 'symconv.render.markdown', 'symconv.render.picture',"
            " 'symconv.solutions.solution', 'IPython')), file=sys.stderr)" % command)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stderr.strip().splitlines()[-2:] == ["False", "[]"]  # nor the unused printers


def test_an_entry_outside_the_tensor_is_one_clear_index_error():
    """A flat position or an index past the end (or negative) names the tensor, its shape and the
    range there is; it never wraps around to another entry."""
    gradient = derive(build_problem({"input": {"shape": [5, 5], "name": "A"},
                                     "layers": [{"type": "conv", "weight": {"shape": [3, 3]}}]})).gradient("A")
    assert gradient.entry(24).index == (4, 4) == gradient.entry((4, 4)).index
    ranges = r"its 0-based indices run from \(0, 0\) to \(4, 4\), its flat positions from 0 to 24"
    for asked, written in [(25, "25"), (-1, "-1"), ((5, 0), r"\(5, 0\)"), ((0,), r"\(0,\)")]:
        with pytest.raises(IndexError, match=rf"^A \(5×5\) has no entry {written}: {ranges}$"):
            gradient.entry(asked)
    with pytest.raises(IndexError, match=r"has no entry 26"):
        gradient.wrt.index_of(26)
