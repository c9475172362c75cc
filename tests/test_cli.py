"""The symconv command through click's CliRunner: output, JSON schema, and every failing path."""

import json
import textwrap

import pytest
from click.testing import CliRunner

from symconv.interface.cli import cli


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, [str(a) for a in args])

    return invoke


def test_grad_prints_every_entry_with_its_chain_rule(run):
    result = run("grad", "examples/cs7643_4x4_stride1.toml", "--wrt", "X")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 16
    assert lines[1] == "∂L/∂X_01 = ∂L/∂Y_00·∂Y_00/∂X_01 + ∂L/∂Y_01·∂Y_01/∂X_01 = d1·w2 + d2·w1"
    assert lines[5].endswith("= d1·w4 + d2·w3 + d4·w2 + d5·w1")


def test_grad_json_follows_the_schema(run):
    result = run("grad", "examples/cs7643_4x4_stride1.toml", "--wrt", "X", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert (data["loss"], data["wrt"], data["shape"]) == ("L", "X", [4, 4])
    assert [e["index"] for e in data["entries"]][:3] == [[0, 0], [0, 1], [0, 2]]
    assert data["entries"][1] == {
        "index": [0, 1], "name": "X_{01}", "expr": "d1*w2 + d2*w1", "value": None,
        "terms": [{"output": "Y_{00}", "upstream": "d1", "local": "w2"},
                  {"output": "Y_{01}", "upstream": "d2", "local": "w1"}]}
    assert data["notes"] == []


def test_grad_json_value_is_a_number_when_everything_is_numeric(tmp_path, run):
    problem = tmp_path / "p.toml"
    problem.write_text(textwrap.dedent("""
        [input]
        shape = [3, 3]
        [[layers]]
        type = "conv"
        [layers.weight]
        shape = [2, 2]
        values = [[1, 2], [3, "1/2"]]
        [upstream]
        values = "ones"
    """))
    data = json.loads(run("grad", problem, "--wrt", "X", "--format", "json").stdout)
    assert [e["value"] for e in data["entries"]] == [1, 3, 2, 4, 6.5, 2.5, 3, 3.5, 0.5]
    assert data["entries"][8]["expr"] == "1/2"


def test_entry_uses_the_display_index_base(run):
    result = run("grad", "examples/homework_5x5.toml", "--wrt", "A", "--entry", "2,2")
    assert result.exit_code == 0
    assert result.stdout.strip().endswith("= B_11 + B_12 + B_21 + B_22")
    assert result.stdout.startswith("∂E/∂A_22 = ∂E/∂C_11·∂C_11/∂A_22 + ")


def test_quick_flags_and_dropped_rows_note(run):
    result = run("grad", "--input", "5x5", "--kernel", "3x3", "--stride", "3", "--wrt", "X",
                 "--format", "json")
    data = json.loads(result.stdout)
    assert data["shape"] == [5, 5]
    assert data["notes"][0].startswith("rows 3, 4 of X are never read")
    assert data["entries"][24]["expr"] == "0" and data["entries"][24]["terms"] == []
    text = run("grad", "--input", "5x5", "--kernel", "3x3", "--stride", "3", "--wrt", "X")
    assert "columns 3, 4 of X are never read" in text.stderr
    assert "never read" not in text.stdout


def test_quick_flags_one_value_per_axis_and_1d(run):
    result = run("grad", "--input", "7", "--kernel", "3", "--stride", "2", "--wrt", "W",
                 "--format", "json")
    data = json.loads(result.stdout)
    assert data["shape"] == [3]
    assert data["entries"][0]["expr"] == "d1*X_0 + d2*X_2 + d3*X_4"
    result = run("grad", "--input", "4x5", "--kernel", "2x2", "--stride", "2,1", "--wrt", "W",
                 "--entry", "0,0", "--format", "json")
    assert json.loads(result.stdout)["entries"][0]["expr"].count("*") == 2 * 4


def test_check_passes_on_every_example(run):
    from pathlib import Path

    from symconv import load_problem
    from symconv.problems.matrix import has_matrix

    for example in sorted(Path("examples").glob("*.toml")):
        result = run("check", example)
        assert result.exit_code == 0, (example, result.output)
        layers = load_problem(example).layers
        matrices = any(has_matrix(layer) for layer in layers)
        closed = any(layer.kind != "lppool" for layer in layers)  # LP pooling has no closed form
        routes = {2: "both", 3: "all three", 4: "all four"}[2 + closed + matrices]
        assert f"{routes} routes agree" in result.stdout, example


BAD_PROBLEMS = [
    ("malformed TOML", "[input]\nshape = [4, 4\n", ":2: malformed TOML"),
    ("malformed TOML inside", "[input]\nshape = [4, 4]\nname = = 3\n", ":3: malformed TOML (column 8)"),
    ("unknown key", "[input]\nshape = [4, 4]\n[[layers]]\ntype = \"conv\"\nstrides = 2\n"
                    "[layers.weight]\nshape = [2, 2]\n", ":5: layers[0].strides: unknown key 'strides'"
                                                         " in a conv layer; did you mean 'stride'?"),
    ("values shape", "[input]\nshape = [2, 3]\nvalues = [[1, 2, 3], [4, 5]]\n[[layers]]\n"
                     "type = \"conv\"\n[layers.weight]\nshape = [2, 2]\n",
     ":3: input.values[1]: values of X: expected 3 entries here (shape [2, 3]), got 2"),
    ("non-numeric", "[input]\nshape = [2, 2]\n[[layers]]\ntype = \"conv\"\n[layers.weight]\n"
                    "shape = [2, 2]\nvalues = [[1, 2], [3, \"x7\"]]\n",
     ":7: layers[0].weight.values[1][1]: 'x7' is not a number"),
    ("kernel too large", "[input]\nshape = [4, 4]\n[[layers]]\ntype = \"conv\"\npadding = 1\n"
                         "[layers.weight]\nshape = [7, 7]\n",
     "kernel larger than the padded input on axis H: H + 2P = 4 + 2·1 = 6 < D(K−1) + 1 = 1·(7−1) + 1 = 7"),
    ("stride < 1", "[input]\nshape = [4, 4]\n[[layers]]\ntype = \"conv\"\nstride = [1, 0]\n"
                   "[layers.weight]\nshape = [2, 2]\n", ":5: layers[0].stride: stride must be at least 1, got 0"),
    ("dilation < 1", "[input]\nshape = [4, 4]\n[[layers]]\ntype = \"conv\"\ndilation = 0\n"
                     "[layers.weight]\nshape = [2, 2]\n", "dilation must be at least 1, got 0"),
    ("negative padding", "[input]\nshape = [4, 4]\n[[layers]]\ntype = \"conv\"\npadding = -1\n"
                         "[layers.weight]\nshape = [2, 2]\n", "padding must be at least 0, got -1"),
    ("groups", "[input]\nshape = [3, 4, 4]\n[[layers]]\ntype = \"conv\"\ngroups = 2\n"
               "[layers.weight]\nshape = [2, 1, 2, 2]\n",
     ":5: layers[0].groups: groups = 2 must divide both the input channels (3) and the filters (2)"),
    ("weight channels", "[input]\nshape = [3, 4, 4]\n[[layers]]\ntype = \"conv\"\n"
                        "[layers.weight]\nshape = [2, 2]\n",
     "has no channel axis but the input has 3 channels; write it as [F, 3, 2, 2]"),
    ("unknown layer", "[input]\nshape = [4, 4]\n[[layers]]\ntype = \"convolution\"\n",
     "unknown layer type 'convolution'; valid types: 'conv'"),
    ("layer type not a string", "[input]\nshape = [4, 4]\n[[layers]]\ntype = [\"conv\"]\n",
     ":4: layers[0].type: unknown layer type ['conv']; valid types: 'conv'"),
    ("no input", "[[layers]]\ntype = \"conv\"\n", "the problem has no [input] table"),
    ("bad upstream values", "[input]\nshape = [3, 3]\n[[layers]]\ntype = \"conv\"\n[layers.weight]\n"
                            "shape = [2, 2]\n[upstream]\nvalues = [[1, 2], [3, nan]]\n",
     "upstream.values[1][1]: nan is not a number"),
]


@pytest.mark.parametrize("text, expected", [case[1:] for case in BAD_PROBLEMS],
                         ids=[case[0] for case in BAD_PROBLEMS])
def test_bad_problem_files_give_one_line_and_exit_2(tmp_path, run, text, expected):
    problem = tmp_path / "bad.toml"
    problem.write_text(text)
    result = run("grad", problem, "--wrt", "X")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(f"symconv: error: {problem}")
    assert expected in result.stderr


@pytest.mark.parametrize("args, expected", [
    (["grad", "examples/homework_5x5.toml", "--wrt", "A", "--entry", "0,1"],
     "entry 0,1 is out of range for A (shape [5, 5], indices from 1): axis 0 runs from 1 to 5"),
    (["grad", "examples/homework_5x5.toml", "--wrt", "A", "--entry", "1"],
     "A has 2 axes (shape [5, 5]), so --entry needs 2 numbers, e.g. --entry 1,1"),
    (["grad", "examples/homework_5x5.toml", "--wrt", "Q"], "no tensor named 'Q' to differentiate;"
                                                           " valid names: A, B"),
    (["grad", "examples/homework_5x5.toml", "--wrt", "b"], "valid names: A, B (did you mean B?)"),
    (["grad", "--input", "200x200", "--kernel", "9x9", "--wrt", "X", "--max-terms", "1000"],
     "this problem has 5,971,968 chain-rule terms, over the limit of 1,000"),
    (["grad", "--input", "4x4", "--kernel", "2x", "--wrt", "X"], "'2x' is not a shape; write e.g. 5x5"),
    (["grad", "--input", "4x4", "--wrt", "X"], "give a problem file, or --input and --kernel"),
    (["grad", "examples/homework_5x5.toml", "--stride", "2", "--wrt", "A"],
     "--stride only go with a quick question"),
    (["grad", "missing.toml", "--wrt", "X"], "cannot read problem file 'missing.toml'"),
    (["grad", "/dev/null", "--wrt", "X"], "'/dev/null' is not a regular file"),
    (["grad", "examples/homework_5x5.toml"], "Missing option '--wrt'"),
    (["check", "missing.toml"], "cannot read problem file 'missing.toml'"),
])
def test_bad_command_lines_give_one_line_and_exit_2(run, args, expected):
    result = run(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert expected in result.stderr


def test_entry_limit_catches_huge_inputs_with_few_terms(run):
    result = run("grad", "--input", "90000x90000", "--kernel", "1x1", "--stride", "90000", "--wrt", "X")
    assert result.exit_code == 2
    assert "the input would have 8,100,000,000 entries, over the limit of 5,000,000" in result.stderr


def test_term_limit_is_checked_before_any_work(run):
    result = run("grad", "--input", "4000x4000", "--kernel", "9x9", "--wrt", "X")
    assert result.exit_code == 2
    assert "over the limit of 5,000,000" in result.stderr
    assert "raise the limit with --max-terms" in result.stderr


def test_quick_flags_in_3d(run):
    """``--input 4x4x4 --kernel 2x2x2``: ∂L/∂X_111 of the middle is read by all 8 outputs around
    it, each through the kernel entry that lands on it (the kernel read backwards)."""
    result = run("grad", "--input", "4x4x4", "--kernel", "2x2x2", "--wrt", "X", "--entry", "1,1,1",
                 "--format", "json")
    assert result.exit_code == 0, result.output
    [entry] = json.loads(result.stdout)["entries"]
    assert entry["index"] == [1, 1, 1]
    outputs = [(a, b, c) for a in (0, 1) for b in (0, 1) for c in (0, 1)]
    assert entry["expr"] == " + ".join(f"d{1 + 9 * a + 3 * b + c}*W_{1 - a}_{1 - b}_{1 - c}"
                                       for a, b, c in outputs)
