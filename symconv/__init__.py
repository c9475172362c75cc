"""symconv: chain-rule derivations of convolution-layer gradients, as data.

>>> from symconv import parse_problem, derive
"""

from typing import TYPE_CHECKING

from .core.errors import ProblemError, SizeLimitError, SymconvError
from .version import __version__
from .interface.notebook import display  # also registers how objects look in a REPL and a notebook

__all__ = ["CheckReport", "Derivation", "Gradient", "GradientEntry", "Problem", "ProblemError",
           "SizeLimitError", "Solution", "SymconvError", "Term", "Terms", "__version__", "build_problem",
           "build_solution", "check", "derive", "display", "load_problem", "parse_problem", "practice",
           "quick_problem", "render_solution"]

# Everything else is loaded on first use: `import symconv` loads no NumPy (the command line sets
# NumPy's threads before it does, see cli.one_blas_thread), and `symconv grad` never loads the
# worked solutions' renderers.
_LAZY = {"CheckReport": ".problems.checks", "check": ".problems.checks",
         "Derivation": ".engine.derivation", "Gradient": ".engine.derivation",
         "GradientEntry": ".engine.derivation", "Term": ".engine.derivation", "Terms": ".engine.derivation",
         "derive": ".engine.derivation", "Problem": ".problems.problem", "build_problem": ".problems.problem",
         "quick_problem": ".problems.problem", "load_problem": ".files.problem_file",
         "parse_problem": ".files.problem_file", "Solution": ".solutions.solution",
         "build_solution": ".solutions.solution", "render_solution": ".solutions.solution",
         "practice": ".course.practice_page"}

if TYPE_CHECKING:
    from .problems.checks import CheckReport, check
    from .engine.derivation import Derivation, Gradient, GradientEntry, Term, Terms, derive
    from .problems.problem import Problem, build_problem, quick_problem
    from .files.problem_file import load_problem, parse_problem
    from .course.practice_page import practice
    from .solutions.solution import Solution, build_solution, render_solution


def __getattr__(name: str) -> object:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'symconv' has no attribute {name!r}")
