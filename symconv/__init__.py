"""symconv: chain-rule derivations of convolution-layer gradients, as data.

>>> from symconv import parse_problem, derive
"""

__version__ = "0.1.0"

from typing import TYPE_CHECKING

from .errors import ProblemError, SizeLimitError, SymconvError
from .notebook import display  # also registers how objects look in a REPL and a notebook

__all__ = ["CheckReport", "Derivation", "Gradient", "GradientEntry", "Problem", "ProblemError",
           "SizeLimitError", "Solution", "SymconvError", "Term", "Terms", "__version__", "build_problem",
           "build_solution", "check", "derive", "display", "load_problem", "parse_problem", "practice",
           "quick_problem", "render_solution"]

# Everything else is loaded on first use: `import symconv` loads no NumPy (the command line sets
# NumPy's threads before it does, see cli.one_blas_thread), and `symconv grad` never loads the
# worked solutions' renderers.
_LAZY = {"CheckReport": ".checks", "check": ".checks", "Derivation": ".derivation",
         "Gradient": ".derivation", "GradientEntry": ".derivation", "Term": ".derivation",
         "Terms": ".derivation", "derive": ".derivation", "Problem": ".problem",
         "build_problem": ".problem", "quick_problem": ".problem", "load_problem": ".problem_file",
         "parse_problem": ".problem_file", "Solution": ".solution", "build_solution": ".solution",
         "render_solution": ".solution", "practice": ".practice_page"}

if TYPE_CHECKING:
    from .checks import CheckReport, check
    from .derivation import Derivation, Gradient, GradientEntry, Term, Terms, derive
    from .problem import Problem, build_problem, quick_problem
    from .problem_file import load_problem, parse_problem
    from .practice_page import practice
    from .solution import Solution, build_solution, render_solution


def __getattr__(name: str) -> object:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'symconv' has no attribute {name!r}")
