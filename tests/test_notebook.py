"""symconv in a real Jupyter kernel (nbclient + ipykernel), and its notebook LaTeX in KaTeX.

The notebook does what the README's notebook section says; the outputs' MIME types and texts are
checked as a notebook front end receives them. Every ``text/latex`` output is then rendered by
KaTeX (tests/katex_render.js), as VS Code and JupyterLab do.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parents[1]
CELLS = [
    "import symconv\nfrom symconv import load_problem, derive, check",
    'problem = load_problem("examples/homework_5x5.toml")\ndA = derive(problem).gradient("A")\ndA',
    "dA.entry((1, 1))",
    "print(dA.entry((1, 1)).value)",
    "problem",
    "check(problem)",
    "symconv.display(problem)",
    'from symconv.answers import AnswerKey\nkey = AnswerKey(load_problem("examples/homework_5x5_values.toml"), "A")\n'
    'key.check_file("examples/answers/homework_5x5_handout.txt")',
    'symconv.practice(load_problem("examples/homework_5x5_values.toml"), "A")',
]


@pytest.fixture(scope="module")
def outputs():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    client = nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(ROOT)}})
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    client.execute()
    return [cell.outputs for cell in notebook.cells]


def rich(cell_outputs) -> dict:
    found = [o for o in cell_outputs if o.output_type in ("execute_result", "display_data")]
    assert len(found) == 1, cell_outputs
    return found[0]["data"]


def test_no_cell_fails(outputs):
    assert not [o for cell in outputs for o in cell if o.output_type == "error"]


def test_a_gradient_shows_as_its_matrix_in_latex(outputs):
    data = rich(outputs[1])
    latex = data["text/latex"]
    assert latex.startswith("$$") and latex.endswith("$$")
    assert r"\frac{\partial E}{\partial A} = \begin{bmatrix}" in latex
    assert r"B_{11} + B_{12} + B_{21} + B_{22}" in latex  # ∂E/∂A_22, as the handout has it
    assert "Poly(" not in data["text/plain"] and "B_1_1" not in data["text/plain"]


def test_an_entry_shows_as_its_chain_rule(outputs):
    data = rich(outputs[2])
    assert data["text/plain"].startswith("∂E/∂A_22 = ∂E/∂C_11·∂C_11/∂A_22 + ")
    assert data["text/plain"].endswith("= B_11 + B_12 + B_21 + B_22")
    assert data["text/latex"].startswith(r"$$\frac{\partial E}{\partial A_{22}} = \frac{\partial E}{\partial C_{11}}")


def test_a_value_prints_with_display_names(outputs):
    [stream] = outputs[3]
    assert stream["text"] == "B_11 + B_12 + B_21 + B_22\n"


def test_a_problem_shows_its_statement(outputs):
    data = rich(outputs[4])
    assert data["text/markdown"].startswith("# Homework 1.1")
    assert r"$$A = \begin{bmatrix} A_{11}" in data["text/markdown"]


def test_a_check_report_is_a_coloured_table(outputs):
    data = rich(outputs[5])
    assert "<table" in data["text/html"] and "agree" in data["text/html"]
    assert "all four routes agree" in data["text/plain"]  # a convolution: the matrix C too


def test_display_shows_the_interactive_page(outputs):
    data = rich(outputs[6])
    assert data["text/html"].startswith("<iframe srcdoc=")
    assert "data-grad=&quot;A&quot;" in data["text/html"] and "sc-relations" in data["text/html"]


def test_a_verdict_is_green_and_red(outputs):
    data = rich(outputs[7])
    assert data["text/plain"].startswith("examples/answers/homework_5x5_handout.txt: 24 of 25 entries right")
    html = data["text/html"]
    assert html.count("✓") == 24 and html.count("✗") == 1 and "expected 34" in html


def test_practice_shows_the_practice_page_inline(outputs):
    data = rich(outputs[8])
    assert data["text/plain"] == ("<PracticePage \"Homework 1.1(d) with the kernel's values: ∂E/∂A\":"
                                  " ∂/∂A, 1 variant(s)>")
    assert data["text/html"].startswith("<iframe srcdoc=")
    assert data["text/html"].count("data-answer=&quot;A&quot;") == 25
    assert "data-action=&quot;check&quot;" in data["text/html"]


def test_the_notebook_latex_renders_in_katex(outputs, tmp_path):
    from test_markdown_katex import KATEX, render_with_katex

    if not KATEX.exists() and not os.environ.get("CI"):
        pytest.skip("needs node and katex: npm install --prefix .ci/katex katex@0.16")
    latex = [rich(cell)["text/latex"] for cell in outputs if any(
        "text/latex" in o.get("data", {}) for o in cell)]
    from symconv import derive, load_problem

    for example in sorted(Path("examples").glob("*.toml")):  # every example's gradients and entries
        derivation = derive(load_problem(example))
        for name in derivation.names():
            gradient = derivation.gradient(name)
            latex.append(gradient._repr_mimebundle_()["text/latex"])
            latex.append(gradient.entry(0)._repr_mimebundle_()["text/latex"])
            latex.append(gradient.entry(0).value._repr_mimebundle_()["text/latex"])
    target = tmp_path / "notebook.md"
    target.write_text("\n\n".join(latex), encoding="utf-8")
    result = render_with_katex(target)
    assert result.returncode == 0, result.stdout
    assert f"{len(latex)} formulas, 0 failed" in result.stdout


if __name__ == "__main__":
    sys.exit(pytest.main([__file__]))
