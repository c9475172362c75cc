"""The one error family of symconv.

Every problem a user can cause (a bad problem file, an impossible layer, an answer that cannot be
read) is a :class:`SymconvError` whose message is a single line meant for a person: what is wrong,
where, and an example of the right form. The CLI prints it and exits with status 2.
"""

from collections.abc import Iterable


class SymconvError(Exception):
    """A user-facing error: ``str(error)`` is one line that says what is wrong and where."""

    def __init__(self, message: str, *, where: str | None = None):
        self.where = where
        text = f"{where}: {message}" if where else message
        super().__init__(" ".join(printable(text).split("\n")))


def printable(text: str) -> str:
    """``text`` as it can always be printed: the bytes of a file name that are not UTF-8 (held as
    lone surrogates) shown as escapes, ``caf\\xe9.toml``."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a lone surrogate no file name holds
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


class ProblemError(SymconvError):
    """A problem file or layer description that cannot be used."""


class SizeLimitError(SymconvError):
    """A request whose size (terms, entries) would explode; says the number and the limit."""


class AnswerError(SymconvError):
    """A student's answer that cannot be read (an *invalid* answer, never a *wrong* one)."""


def nearest(word: str, choices: Iterable[str]) -> str | None:
    """The choice a typo most likely meant (case-insensitive first), or None."""
    import difflib

    choices = list(choices)
    folded = [c for c in choices if c.lower() == word.lower()]
    if folded:
        return folded[0]
    found = difflib.get_close_matches(word, choices, n=1)
    return found[0] if found else None
