"""symconv: chain-rule derivations of convolution-layer gradients, as data.

>>> from symconv import parse_problem, derive
"""

__version__ = "0.1.0"

from .errors import ProblemError, SizeLimitError, SymconvError
from .derivation import Derivation, Gradient, GradientEntry, Term, Terms, derive
from .problem import Problem, build_problem
from .problem_file import load_problem, parse_problem

__all__ = ["Derivation", "Gradient", "GradientEntry", "Problem", "ProblemError", "SizeLimitError",
           "SymconvError", "Term", "Terms", "__version__", "build_problem", "derive", "load_problem",
           "parse_problem"]
