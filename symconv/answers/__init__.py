"""Checking students' answers: reading untrusted text safely, comparing exactly, explaining.

>>> from symconv import load_problem
>>> from symconv.answers import AnswerKey
>>> key = AnswerKey(load_problem("examples/homework_5x5_values.toml"), "A")
>>> key.check("4 7 10 6 3\\n9 17 25 16 8\\n11 23 34 23 11\\n7 16 24 17 8\\n2 6 9 7 3").ok
True
"""

from . import feedback  # noqa: F401  (how a verdict looks in a REPL and a notebook)
from .compare import Tolerance
from .parse import Limits, parse_entry
from .verify import AnswerKey, Verdict

__all__ = ["AnswerKey", "Limits", "Tolerance", "Verdict", "parse_entry"]
