"""symconv in a REPL and in Jupyter: what problems, derivations, gradients, entries, polynomials and
check reports look like, and :func:`display`, the interactive worked solution in a notebook cell.

Each look is registered in :mod:`symconv.core.presentation`, which the classes ask; the printers are
imported only when an object is shown, so ``symconv grad`` never loads them. Mathematics for
notebooks is LaTeX that KaTeX (VS Code, JupyterLab) and MathJax (classic Jupyter) both render:
``$…$`` inline, one ``$$…$$`` block, and only environments both know (``bmatrix``, ``aligned``,
``gathered``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.errors import SymconvError
from ..core.poly import Atom, Poly
from ..core.presentation import Look, register
from ..core.wording import shape_text

if TYPE_CHECKING:  # registered by name below: showing an object must not load NumPy first
    from ..problems.checks import CheckReport
    from ..engine.derivation import Derivation, Gradient, GradientEntry
    from ..core.document import TensorView
    from ..problems.problem import Problem


# -- polynomials and their atoms ------------------------------------------------------------------


def math_text(obj: object) -> str:
    """``B_11 + B_12``, ``[C_11 = max(C_11, …)]``: display names, never internal ones."""
    from ..render.text import TextPrinter

    return TextPrinter().doprint(obj)


def inline_latex(obj: object) -> dict[str, str]:
    from ..render.notebook import latex_inline

    return {"text/latex": latex_inline(obj)}


for _cls in (Poly, Atom):
    register(_cls, Look(math_text, bundle=inline_latex))


# -- gradients and their entries ------------------------------------------------------------------


def entry_text(entry: GradientEntry) -> str:
    from ..render.text import TextPrinter

    return TextPrinter(entry.loss).doprint(entry)


def entry_latex(entry: GradientEntry) -> dict[str, str]:
    from ..render.notebook import entry_equation, latex_block

    return {"text/latex": latex_block(entry_equation(entry), entry.loss)}


register("symconv.engine.derivation.GradientEntry", Look(entry_text, bundle=entry_latex))


def gradient_view(gradient: Gradient) -> TensorView:
    from ..core.document import Derivative, TensorView
    from ..engine.sections import label_base, object_array, slice_axes

    tensor, problem = gradient.wrt, gradient.derivation.problem
    return TensorView(Derivative(problem.loss, tensor), object_array(gradient.polys(), tensor.shape),
                      tensor, slice_axes(tensor, problem.dims), problem.loss,
                      label_base(problem, tensor))


def gradient_text(gradient: Gradient) -> str:
    from ..render.text_document import TextDocumentPrinter

    return TextDocumentPrinter(gradient.derivation.problem.loss).doprint(gradient_view(gradient))


def gradient_latex(gradient: Gradient) -> dict[str, str]:
    from ..render.notebook import latex_block

    return {"text/latex": latex_block(gradient_view(gradient), gradient.derivation.problem.loss)}


register("symconv.engine.derivation.Gradient", Look(gradient_text, bundle=gradient_latex))


# -- problems and derivations ---------------------------------------------------------------------


def problem_text(problem: Problem) -> str:
    chain = " → ".join([f"{problem.input.name} ({shape_text(problem.input.shape)})"]
                       + [f"{layer.kind} → {layer.output.name} ({shape_text(layer.output.shape)})"
                          for layer in problem.layers])
    title = f"{problem.title!r}: " if problem.title else ""
    return f"<Problem {title}{chain}; loss {problem.loss}>"


def statement(problem: Problem, output_format: str) -> str:
    """The problem's statement (its layers and given tensors) as a worked solution begins; it
    needs no derivation, so a problem of any size that loaded shows it."""
    from ..solutions.solution import build_statement, render_solution

    return render_solution(build_statement(problem), output_format)


register("symconv.problems.problem.Problem", Look(problem_text, lambda problem: statement(problem, "text"),
                                         lambda problem: {"text/markdown": statement(problem, "markdown")}))


def derivation_text(derivation: Derivation) -> str:
    problem = derivation.problem
    names = ", ".join(f"∂{problem.loss}/∂{t.name} ({shape_text(t.shape)})"
                      for t in problem.differentiable())
    title = f" of {problem.title!r}" if problem.title else ""
    return f"<Derivation{title}: {names}>"


def derivation_markdown(derivation: Derivation) -> dict[str, str]:
    from ..render.markdown import markdown_words
    from ..render.notebook import latex_inline
    from ..core.document import Derivative

    problem = derivation.problem
    title = markdown_words(problem.title) if problem.title else "a problem"
    lines = [f"Derivation: {title} (loss ${problem.loss}$), gradients:", ""]
    for tensor in problem.differentiable():
        lines.append(f"- {latex_inline(Derivative(problem.loss, tensor))}: {shape_text(tensor.shape)}")
    return {"text/markdown": "\n".join(lines)}


register("symconv.engine.derivation.Derivation", Look(derivation_text, bundle=derivation_markdown))


# -- check reports --------------------------------------------------------------------------------


def report_text(report: CheckReport) -> str:
    return f"<CheckReport (seed {report.seed}): {report.verdict} on {len(report.rows)} gradients>"


def report_long_text(report: CheckReport) -> str:
    from ..render.text import TextPrinter

    return TextPrinter(report.loss).doprint(report)


def report_html(report: CheckReport) -> dict[str, str]:
    from ..render.notebook import check_report_html

    return {"text/html": check_report_html(report)}


register("symconv.problems.checks.CheckReport", Look(report_text, report_long_text, report_html))


# -- the interactive page -------------------------------------------------------------------------


def display(problem_or_solution: object) -> None:
    """Show the interactive worked solution (every section, HTML with MathML) in a notebook cell:
    hover or focus a gradient entry to see its chain rule and what it reads.

    >>> symconv.display(load_problem("examples/homework_5x5.toml"))   # doctest: +SKIP
    """
    from ..problems.problem import Problem
    from ..solutions.solution import Solution, build_solution

    if isinstance(problem_or_solution, Solution):
        solution = problem_or_solution
    elif isinstance(problem_or_solution, Problem):
        solution = build_solution(problem_or_solution)
    else:
        raise SymconvError(f"symconv.display shows a problem or a solution, not a"
                           f" {type(problem_or_solution).__name__}")
    try:
        from IPython.display import display as show
    except ImportError:
        raise SymconvError("symconv.display shows the page in a Jupyter notebook, and IPython is not"
                           " installed here; write the page to a file instead: symconv solve"
                           " PROBLEM.toml --format html -o page.html") from None
    show(solution)
