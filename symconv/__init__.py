"""symconv: chain-rule derivations of convolution-layer gradients, as data.

>>> from symconv import parse_problem, derive
"""

__version__ = "0.1.0"

from .errors import ProblemError, SizeLimitError, SymconvError
from .checks import CheckReport, check
from .derivation import Derivation, Gradient, GradientEntry, Term, Terms, derive
from .problem import Problem, build_problem, quick_problem
from .problem_file import load_problem, parse_problem
from .solution import Solution, build_solution
from .render.solve import render_solution

__all__ = ["CheckReport", "Derivation", "Gradient", "GradientEntry", "Problem", "ProblemError",
           "SizeLimitError", "Solution", "SymconvError", "Term", "Terms", "__version__", "build_problem",
           "build_solution", "check", "derive", "load_problem", "parse_problem", "quick_problem",
           "render_solution"]
