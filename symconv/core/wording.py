"""Small pieces of wording shared by worked solutions, notes and feedback."""

from __future__ import annotations

ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth")
AXIS_WORDS = {"D": "slices", "H": "rows", "W": "columns", "L": "positions"}


def shape_text(shape: tuple[int, ...]) -> str:
    """``(3, 4)`` -> ``3 × 4``."""
    return " × ".join(map(str, shape))


def compact_shape(shape: tuple[int, ...]) -> str:
    """``(3, 4)`` -> ``3×4``, for a sentence in an error message."""
    return "×".join(map(str, shape))


def per_axis(values: tuple[int, ...]) -> str:
    """``(1, 1)`` -> ``1``; ``(2, 1)`` -> ``(2, 1)``: one number when every axis has the same."""
    return str(values[0]) if len(set(values)) == 1 else "(" + ", ".join(map(str, values)) + ")"


def ordinal(number: int) -> str:
    if number <= len(ORDINALS):
        return ORDINALS[number - 1]
    suffix = "th" if number % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def plural(count: int, word: str) -> str:
    """``1 entry``, ``2 entries``, ``3 outputs``."""
    return f"{count} {word if count == 1 else plural_of(word)}"


def plural_of(word: str) -> str:
    return word[:-1] + "ies" if word.endswith("y") and word[-2:-1] not in "aeiou" else word + "s"


def listed(words: list[str] | tuple[str, ...], last: str = "and") -> str:
    """``a``, ``a and b``, ``a, b and c`` (``last``: the word before the last one; none: ``""``)."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + f" {last} {words[-1]}"


def kinks_words(kinds: tuple[str, ...]) -> str:
    """Why finite differences are skipped at some entries: the layers whose pieces meet there."""
    return (f"a step of ±h there crosses a kink of {listed(kinds, 'or')}, so the loss has no"
            " derivative to estimate")


def axis_names(dims: int) -> str:
    """The spatial axes' letters: ``L`` (1-D), ``HW`` (2-D), ``DHW`` (3-D)."""
    return {1: "L", 2: "HW", 3: "DHW"}[dims]
