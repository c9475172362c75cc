"""The CLI on the pooling / ReLU / chain examples, and every bad pooling or chain input."""

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from symconv.interface.cli import cli

EXAMPLES = ["homework_maxpool", "homework_conv_maxpool", "notes_avgpool_4x4",
            "chain_conv_relu_maxpool", "chain_conv_relu_maxpool_symbolic", "lppool_mean"]


def run(capsys, *args):
    """(exit status, stdout, stderr) of ``symconv ARGS``."""
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("name", EXAMPLES)
def test_check_passes_on_every_new_example(capsys, name):
    code, out, err = run(capsys, "check", f"examples/{name}.toml")
    assert code == 0, out
    # a convolution is a matrix product (a fourth route); LP pooling has no closed form (one less)
    routes = "all four" if "conv" in name else "both" if "lppool" in name else "all three"
    assert f"{routes} routes agree" in out and err == ""


@pytest.mark.parametrize("name, routes, matrix", [("lppool_mean", "both", False),
                                                  ("homework_maxpool", "all three", False),
                                                  ("homework_conv_maxpool", "all four", True)])
def test_every_form_of_a_check_report_counts_the_routes_that_ran(name, routes, matrix):
    """The notebook's table and summary, the text report and the worked solution say how many
    routes ran (LP pooling has no closed form; only a convolution has the matrix form), never
    "three" regardless; the notebook's table has the matrix column when that route ran."""
    from symconv import check, load_problem
    from symconv.core.presentation import mimebundle
    from symconv.render.text import TextPrinter
    from symconv.solutions.solution import build_solution, render_solution

    problem = load_problem(f"examples/{name}.toml")
    report = check(problem)
    bundle = mimebundle(report)
    assert f"): {routes} routes agree</caption>" in bundle["text/html"]
    assert repr(report).endswith(f": {routes} routes agree on {len(report.rows)} gradients>")
    assert ("<th style='padding:2px 8px;border-bottom:1px solid #ccc;text-align:right'>matrix</th>"
            in bundle["text/html"]) == matrix
    assert f"\n{routes} routes agree (tolerance" in TextPrinter("L").doprint(report)
    full = render_solution(build_solution(problem, detail="full"), "text")
    assert f"{routes.capitalize()} routes agree." in full


@pytest.mark.parametrize("name, wrt, count", [("homework_maxpool", "C", 9),
                                               ("homework_conv_maxpool", "A", 25),
                                               ("homework_conv_maxpool", "C", 9),
                                               ("notes_avgpool_4x4", "y", 16),
                                               ("chain_conv_relu_maxpool", "Y2", 16),
                                               ("lppool_mean", "X", 16)])
def test_grad_prints_one_line_per_entry(capsys, name, wrt, count):
    code, out, err = run(capsys, "grad", f"examples/{name}.toml", "--wrt", wrt)
    assert code == 0
    assert len(out.splitlines()) == count


def test_homework_maxpool_text_and_tie_note(capsys):
    code, out, err = run(capsys, "grad", "examples/homework_maxpool.toml", "--wrt", "C", "--entry", "2,2")
    assert out == ("∂E/∂C_22 = ∂E/∂Z_11·∂Z_11/∂C_22 + ∂E/∂Z_12·∂Z_12/∂C_22 + ∂E/∂Z_21·∂Z_21/∂C_22"
                   " + ∂E/∂Z_22·∂Z_22/∂C_22 = 1\n")
    assert err.startswith("note: max pooling C -> Z: each output's gradient goes to the first maximum")


def test_chain_json_with_expand(capsys):
    code, out, err = run(capsys, "grad", "examples/chain_conv_relu_maxpool_symbolic.toml", "--wrt", "X",
                         "--format", "json", "--expand")
    assert code == 0 and err == ""
    document = json.loads(out)
    entry = document["entries"][1]
    assert entry["expr"] == "-dL_dY1_0_0 + dL_dY1_0_1"
    assert entry["expanded"] == "d1 + d2" and entry["expanded_value"] is None
    assert entry["terms"][0] == {"output": "Y1_{00}", "upstream": "dL_dY1_0_0", "local": "-1"}
    assert document["notes"] == ["max pooling Y2 -> Y3 sends each gradient to the first maximum in"
                                 " row-major window order (PyTorch's rule for ties): Y3_11 ties"
                                 " Y2_12 = Y2_21, gradient to Y2_12"]


def test_expand_text_continues_the_equation(capsys):
    code, out, err = run(capsys, "grad", "examples/chain_conv_relu_maxpool_symbolic.toml", "--wrt", "w",
                         "--entry", "2", "--expand")
    assert code == 0
    assert out.startswith("∂L/∂w2 = ∂L/∂Y1_00·∂Y1_00/∂w2 + ")
    *_, expanded = out.rstrip("\n").split(" = ")
    # By hand: ∂L/∂w2 = Σ ∂L/∂Y1_ij · X[i, j+1]. ∂L/∂Y1 is nonzero only where Y2 wins a window:
    # Y1_01 (d1 + d2), Y1_13 (d3 + d6), Y1_20 (d4 + d7), Y1_12 (d5, the tie), Y1_32 (d8),
    # Y1_23 (d9); X_02, X_21, X_33, X_24 are 0, X_14 = 1 and X_13 = 2.
    assert expanded == "d3 + 2·d5 + d6"


def test_symbolic_max_json_local_is_the_plain_indicator(capsys):
    code, out, err = run(capsys, "grad", "examples/homework_conv_maxpool.toml", "--wrt", "C",
                         "--entry", "1,1", "--format", "json")
    entry = json.loads(out)["entries"][0]
    assert entry["expr"] == "[C_1_1 = max(C_1_1, C_1_2, C_2_1, C_2_2)]"
    assert entry["value"] is None


def test_unknown_wrt_lists_every_chain_tensor(capsys):
    code, out, err = run(capsys, "grad", "examples/chain_conv_relu_maxpool_symbolic.toml", "--wrt", "Y3")
    assert code == 2 and out == ""
    assert err == "symconv: error: no tensor named 'Y3' to differentiate; valid names: X, w, Y1, Y2\n"


def test_grad_on_pooling_does_not_import_sympy():
    code = ("import sys; from symconv.interface.cli import cli;"
            " cli.main(['grad', 'examples/lppool_mean.toml', '--wrt', 'X', '--expand'], standalone_mode=False);"
            " cli.main(['grad', 'examples/homework_conv_maxpool.toml', '--wrt', 'A', '--expand'],"
            " standalone_mode=False);"
            " assert 'sympy' not in sys.modules, 'sympy imported'")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


BAD = [
    (['type = "maxpool"', "kernel_size = 5"], 5,
     "layers[0].kernel_size: pooling window larger than the padded input on axis H: H + 2P = 4 +"
     " 2·0 = 4 < kernel_size = 5; use a smaller window or padding"),
    (['type = "maxpool"', "kernel_size = 3", "padding = 2"], 6,
     "layers[0].padding: padding 2 on axis H is more than half the window (kernel_size 3); PyTorch allows at"
     " most kernel_size / 2, here padding = 1"),
    (['type = "avgpool"', "kernel_size = [3, 2]", "padding = [1, 2]"], 6,
     "layers[0].padding: padding 2 on axis W is more than half the window (kernel_size 2)"),
    (['type = "lppool"', "kernel_size = 2", "p = 0"], 6,
     "layers[0].p: p must be a positive whole number, e.g. p = 2; got 0"),
    (['type = "lppool"', "kernel_size = 2", "p = -2"], 6,
     "layers[0].p: p must be a positive whole number, e.g. p = 2; got -2"),
    (['type = "lppool"', "kernel_size = 2", "p = 1.5"], 6,
     "layers[0].p: symconv supports whole-number p only"),
    (['type = "lppool"', "kernel_size = 2", 'normalize = "avg"'], 6,
     "layers[0].normalize: normalize is \"sum\" (PyTorch's LPPool: (Σ x^p)^(1/p)) or \"mean\""),
    (['type = "lppool"', "kernel_size = 2", "padding = 1"], 6,
     "layers[0].padding: unknown key 'padding' in a lppool layer; valid keys: type, output,"
     " kernel_size, stride, p, normalize"),
    (['type = "maxpol"', "kernel_size = 2"], 4,
     "layers[0].type: unknown layer type 'maxpol'; valid types: 'conv', 'conv_transpose', 'maxpool', 'avgpool',"
     " 'lppool', 'relu'"),
    (['type = "maxpool"'], 3, "layers[0]: a maxpool layer needs kernel_size, e.g. kernel_size = 2"),
    (['type = "maxpool"', "kernel_size = 2", "stride = 0"], 6,
     "layers[0].stride: stride must be at least 1, got 0 on axis H"),
    (['type = "maxpool"', "kernel_size = 0"], 5,
     "layers[0].kernel_size: kernel_size must be at least 1, got 0 on axis H"),
    (['type = "maxpool"', "kernel_size = 2", "padding = -1"], 6,
     "layers[0].padding: padding must be at least 0, got -1 on axis H"),
    (['type = "maxpool"', "kernel_size = [2, 2, 2]"], 5,
     "layers[0].kernel_size: kernel_size must be a whole number or one per spatial axis (2)"),
    (['type = "avgpool"', "kernel_size = 2", "count_include_pad = 1"], 6,
     "layers[0].count_include_pad: count_include_pad is true or false; got 1"),
    (['type = "relu"', "kernel_size = 2"], 5,
     "layers[0].kernel_size: unknown key 'kernel_size' in a relu layer; valid keys: type, output"),
    (['type = "maxpool"', "kernel_size = 2", "[[layers]]", 'type = "maxpool"', "kernel_size = 3"], 8,
     "layers[1].kernel_size: pooling window larger than the padded input on axis H: H + 2P = 2 +"
     " 2·0 = 2 < kernel_size = 3; use a smaller window or padding (the input of layers[1], Y1, is the output of layers[0] and has shape [2, 2])"),
    (['type = "maxpool"', "kernel_size = 2", "[[layers]]", 'type = "conv"', "[layers.weight]",
      "shape = [3, 3]"], 8,
     "layers[1].weight: kernel larger than the padded input on axis H: H + 2P = 2 + 2·0 = 2 <"
     " D(K−1) + 1 = 1·(3−1) + 1 = 3; use a smaller kernel or more padding (the input of layers[1], Y1, is the output of layers[0] and has shape [2, 2])"),
    (['type = "conv"', "[layers.weight]", "shape = [2, 1, 2, 2]", "[[layers]]", 'type = "relu"',
      "[[layers]]", 'type = "conv"', "[layers.weight]", "name = \"V\"", "shape = [1, 3, 2, 2]"], 13,
     "layers[2].weight.shape: the weight has 3 channels per filter but the input has 2 channels and"
     " groups = 1, so it needs 2 (shape [F, C/groups, K...]) (the input of layers[2], Y2, is the"
     " output of layers[1] and has shape [2, 3, 3])"),
    # An error that is not about the input's shape gets no chain hint.
    (['type = "relu"', "[[layers]]", 'type = "maxpool"', "kernel_size = 2", "stride = 0"], 8,
     "layers[1].stride: stride must be at least 1, got 0 on axis H (e.g. stride = 1)\n"),
]


@pytest.mark.parametrize("layer_lines, line, message", BAD)
def test_bad_pooling_and_chain_input_is_one_line_and_exit_2(capsys, tmp_path, layer_lines, line, message):
    path = tmp_path / "bad.toml"
    path.write_text("\n".join(["[input]", "shape = [4, 4]", "[[layers]]", *layer_lines]) + "\n")
    for command in (["grad", str(path), "--wrt", "X"], ["check", str(path)]):
        code, out, err = run(capsys, *command)
        assert code == 2 and out == ""
        assert err.startswith(f"symconv: error: {path}:{line}: {message}"), err
        assert err.count("\n") == 1


def test_readme_chain_example_is_what_the_cli_prints(capsys):
    readme = open("README.md", encoding="utf-8").read()
    command = next(line for line in readme.splitlines() if "--wrt X --entry 1,3 --expand" in line)
    shown = readme.split(command + "\n", 1)[1].splitlines()[0].removeprefix("# ")
    code, out, err = run(capsys, *command.split()[2:])
    head, tail = shown.split(" … ")
    assert code == 0 and out.startswith(head) and out.rstrip("\n").endswith(tail)


def test_lp_window_of_zeros_has_no_derivative_and_says_so(capsys, tmp_path):
    path = tmp_path / "zeros.toml"
    path.write_text('[input]\nshape = [2, 3]\nvalues = [[1, 0, 0], [2, 0, 0]]\n'
                    '[[layers]]\ntype = "lppool"\nkernel_size = 2\nstride = 1\n')
    code, out, err = run(capsys, "grad", path, "--wrt", "X")
    assert code == 2 and out == ""
    assert err == (f"symconv: error: {path}:4: layers[0]: the window of Y at [0, 1] has Σ x^p = 0"
                   " (all its entries are 0), where (Σ x^p)^(1/p) has no derivative; change the"
                   " input values or use p = 1\n")
