"""How symconv's objects present themselves in a REPL and a notebook, without knowing any format.

The core classes (polynomials and their symbols, problems, derivations, gradients and their
entries, check reports, verdicts) inherit :class:`Presentable` or call :func:`text` and
:func:`mimebundle`; the printers register what each class looks like (:func:`register`). The
printers live in :mod:`symconv.render` (and :mod:`symconv.answers.feedback` for verdicts), which
import the core classes: the core never imports a printer, so the imports go one way. The package
(``symconv/__init__.py``) imports :mod:`symconv.interface.notebook`, which registers the core classes'
looks by name (``"symconv.engine.derivation.Gradient"``) without importing them, so the registry is
filled before any object can be shown and ``import symconv`` loads no NumPy.
"""

from __future__ import annotations

from typing import Any, Callable, Container, NamedTuple


class Look(NamedTuple):
    """How one class is shown: ``text`` its short ``repr`` (display names, never internal ones),
    ``long_text`` its ``str`` (None: the same as ``text``), ``bundle`` its notebook MIME bundle
    beyond ``text/plain`` (MIME type -> content)."""

    text: Callable[[Any], str]
    long_text: Callable[[Any], str] | None = None
    bundle: Callable[[Any], dict[str, str]] | None = None


_LOOKS: dict[str, Look] = {}


def class_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def register(cls: type | str, look: Look) -> None:
    """``look`` for ``cls`` (and its subclasses), given as the class or as its full name."""
    _LOOKS[cls if isinstance(cls, str) else class_name(cls)] = look


def look_of(obj: object) -> Look | None:
    for cls in type(obj).__mro__:
        look = _LOOKS.get(class_name(cls))
        if look is not None:
            return look
    return None


def text(obj: object) -> str:
    """The short text of ``obj`` (its ``repr``)."""
    look = look_of(obj)
    return object.__repr__(obj) if look is None else look.text(obj)


def long_text(obj: object) -> str:
    """The whole text of ``obj`` (its ``str``): a gradient's matrix, a verdict's feedback."""
    look = look_of(obj)
    if look is None:
        return object.__repr__(obj)
    return (look.long_text or look.text)(obj)


def mimebundle(obj: object, include: Container[str] | None = None,
               exclude: Container[str] | None = None) -> dict[str, str]:
    """What a notebook shows for ``obj``: ``text/plain`` and the richer forms its printer gives,
    filtered by IPython's ``include`` and ``exclude``."""
    look = look_of(obj)
    bundle = {"text/plain": long_text(obj)}
    if look is not None and look.bundle is not None:
        bundle.update(look.bundle(obj))
    return {mime: data for mime, data in bundle.items()
            if (include is None or mime in include) and (exclude is None or mime not in exclude)}


class Presentable:
    """A class shown through the registry: ``repr`` is short, ``str`` whole, and notebooks get
    the registered MIME bundle (LaTeX that KaTeX and MathJax render, or HTML)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return text(self)

    def __str__(self) -> str:
        return long_text(self)

    def _repr_mimebundle_(self, include: Container[str] | None = None,
                          exclude: Container[str] | None = None) -> dict[str, str]:
        return mimebundle(self, include, exclude)
