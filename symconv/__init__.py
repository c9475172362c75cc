"""symconv: chain-rule derivations of convolution-layer gradients, as data.

>>> from symconv import parse_problem, derive
"""

__version__ = "0.1.0"

from .errors import ProblemError, SizeLimitError, SymconvError
from .checks import CheckReport, check
from .derivation import Derivation, Gradient, GradientEntry, Term, Terms, derive
from .problem import Problem, build_problem, quick_problem
from .problem_file import load_problem, parse_problem
from .notebook import display  # also registers how objects look in a REPL and a notebook

__all__ = ["CheckReport", "Derivation", "Gradient", "GradientEntry", "Problem", "ProblemError",
           "SizeLimitError", "Solution", "SymconvError", "Term", "Terms", "__version__", "build_problem",
           "build_solution", "check", "derive", "display", "load_problem", "parse_problem", "practice",
           "quick_problem", "render_solution"]

# Worked solutions load their renderers on first use: `symconv grad` never pays for them.
_LAZY = {"Solution": ".solution", "build_solution": ".solution", "render_solution": ".solution",
         "practice": ".practice_page"}


def __getattr__(name):
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'symconv' has no attribute {name!r}")
