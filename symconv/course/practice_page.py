"""A self-checking practice page: one problem (or a few variants of an exercise template), one input
per entry of ∂L/∂NAME laid out as the matrix, checked in the page itself, offline.

The page carries what ``symconv verify`` knows, as data: every spelling of the problem's names, the
expected entries (both forms of a chain's), the named mistakes as whole wrong gradients computed by
the core (never guessed), each entry's chain-rule equation and the worked solution (MathML). Its
script (``resources/answers.js``, the answer grammar of :mod:`symconv.answers.parse`, and
``resources/practice.js``) reads, compares and diagnoses as verify does. So the key is in the page:
it is for practice; grading stays with ``symconv grade`` and the exports.

``symconv practice PROBLEM.toml --wrt NAME [-o page.html] [--variants N]`` and, in a notebook,
``symconv.practice(problem, "X")`` build it.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

from ..answers.names import AMBIGUOUS, NameTable, display_name, spellings
from ..answers.roots import exact_form
from ..answers.verify import AnswerKey
from ..engine.derivation import derive
from ..core.document import MAX_SUM_TERMS
from ..core.errors import SymconvError
from ..core.poly import Atom, Number, Poly, Symbol
from ..core.presentation import Look, Presentable, register
from ..problems.problem import Problem
from ..core.radicals import Radical
from ..render.practice import Entry, PracticeView, VariantView, practice_html
from ..render.text import TextPrinter
from ..engine.sections import (FULL, Context, label_base, named_terms, named_values, planes, slice_axes,
                       term_count)
from ..solutions.solution import build_solution, chain_equation

if TYPE_CHECKING:
    from ..core.tensors import Tensor
    from .variants import Template

MAX_PRACTICE_ENTRIES = 1_024  # one input each: more is not a page anyone fills in
DEFAULT_VARIANTS = 5  # of an exercise template, when --variants is not given
MIN_WIDTH = 6  # of an input, in characters; longer entries scroll inside it
LINE_WIDTH = 100  # characters of the input's font across the page


@dataclass(frozen=True, repr=False)
class PracticePage(Presentable):
    """The practice page of ∂loss/∂``wrt``, for one problem or several variants; ``html`` is the
    whole page (:meth:`save` writes it). In a notebook it shows inline (framed, so its script and
    style stay its own)."""

    title: str
    wrt: str
    keys: tuple[AnswerKey, ...] = field(repr=False)
    html: str = field(repr=False)

    def save(self, path: str | os.PathLike[str], *, force: bool = False) -> None:
        """Write the page to ``path`` as every output file is written (:mod:`symconv.files.output`): an
        existing file is replaced only with ``force``."""
        from ..files.output import OutputTarget

        OutputTarget.check(str(path), force=force).write_text(self.html)


def build_practice(source: Problem | Template, wrt: str, *,
                   variants: int | None = None) -> PracticePage:
    """The practice page of ∂L/∂``wrt`` for a :class:`~symconv.problems.problem.Problem`, or for an
    exercise template (:class:`~symconv.course.variants.Template`): then ``variants`` variants (5 unless
    given; fewer when the template has fewer), drawn as ``symconv exercise`` draws a class, for
    the page's "new variant"."""
    from .variants import Template, draw_class

    if isinstance(source, Problem):
        if variants not in (None, 1):
            raise SymconvError("--variants is for an exercise template (a problem file with"
                               " [variants] and [exercise]); this problem has one form, e.g."
                               " symconv practice examples/exercises/homework_5x5_values.toml"
                               " --wrt A --variants 5")
        problems = [source]
        title = source.title or ""
    elif isinstance(source, Template):
        count = DEFAULT_VARIANTS if variants is None else variants
        if not 1 <= count <= 50:
            raise SymconvError(f"--variants takes 1 to 50 variants; got {count}")
        # drawn as a class of `count` students is: different variants where the template has them
        drawn = draw_class(source, [f"practice {number + 1}" for number in range(count)])
        problems = [a.variant.problem for a in drawn if a.variant is not None]
        title = problems[0].title or ""
    else:
        raise SymconvError(f"symconv.practice takes a problem or an exercise template, not a"
                           f" {type(source).__name__}")
    keys = tuple(answer_key(problem, wrt) for problem in problems)
    views = [variant_view(key, number, len(keys)) for number, key in enumerate(keys)]
    data = {"variants": [answer_data(key) for key in keys]}
    identity = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]
    loss = keys[0].problem.loss
    heading = title or f"Practise ∂{loss}/∂{keys[0].gradient.wrt.name}"
    page = practice_html(PracticeView(heading, identity, tuple(views), data))
    return PracticePage(heading, wrt, keys, page)


def load_source(path: str | os.PathLike[str]) -> Problem | Template:
    """A problem file, or an exercise template (a file with ``[exercise]`` or ``[variants]``)."""
    from ..files.problem_file import is_template, parse_toml, problem_from_table, read_text
    from .variants import parse_template

    text, source = read_text(path, what="problem file"), str(path)
    table = parse_toml(text, source)
    return parse_template(text, source) if is_template(table) else problem_from_table(table, text, source)


def practice(source: Problem | Template, wrt: str, *, variants: int | None = None) -> PracticePage:
    """The practice page of ∂L/∂``wrt``; as a notebook cell's value it shows inline:

    >>> symconv.practice(load_problem("examples/homework_5x5_values.toml"), "A")  # doctest: +SKIP
    """
    return build_practice(source, wrt, variants=variants)


def answer_key(problem: Problem, wrt: str) -> AnswerKey:
    """The key the page checks against, refused (as verify refuses it) when answers cannot be
    checked, and refused when the gradient has more entries than a page should have boxes."""
    tensor = problem.tensor(wrt)
    if tensor.size > MAX_PRACTICE_ENTRIES:
        raise SymconvError(f"∂{problem.loss}/∂{tensor.name} has {tensor.size:,} entries, over the"
                           f" {MAX_PRACTICE_ENTRIES:,} boxes a practice page has; practise on a"
                           f" smaller problem (e.g. a 5×5 input)")
    return AnswerKey(problem, wrt, derivation=derive(problem))


# -- the page's data, for resources/answers.js ----------------------------------------------------
class SymbolIds:
    """A number for every entry symbol the data mentions, and its display name (``B_11``)."""

    def __init__(self, loss: str):
        self.ids: dict[Symbol, int] = {}
        self.names: list[str] = []
        self.printer = TextPrinter(loss)

    def of(self, symbol: Symbol) -> int:
        if symbol not in self.ids:
            self.ids[symbol] = len(self.names)
            self.names.append(self.printer.doprint(symbol))
        return self.ids[symbol]


def number_text(value: Number | float) -> str:
    value = Fraction(value)
    return f"{value.numerator}" if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def poly_data(poly: Poly, ids: SymbolIds) -> list:
    """``[[coefficient, [atom, …]], …]``, an atom a symbol's id or ``["r", base, exponent]``."""
    def atom(a: Atom) -> int | list[object]:
        if isinstance(a, Symbol):
            return ids.of(a)
        if isinstance(a, Radical):
            return ["r", poly_data(a.base, ids), number_text(a.exponent)]
        raise SymconvError(f"a practice page cannot check answers with {ids.printer.doprint(a)} in"
                           f" them (its script knows no such factor); check them with symconv verify")
    return [[number_text(c), [atom(a) for a in monomial]] for monomial, c in poly.sorted_terms()]


def names_data(table: NameTable, ids: SymbolIds) -> dict:
    """Every spelling of every name an answer may use (names.py's table), by canonical spelling."""
    spelled: dict[str, int] = {}
    entries: list[list] = []  # [id] a symbol, [None, "3/4"] a number
    index_of: dict[tuple, int] = {}
    for tensor in table.tensors:
        base = 1 - tensor.index_base if table.shift_base else tensor.index_base
        for flat in range(tensor.size):
            entry = tensor.entry(flat)
            written = [ids.of(entry)] if isinstance(entry, Symbol) else [None, number_text(entry)]
            for spelling in spellings(tensor, flat, base):
                if table.lookup(spelling) is AMBIGUOUS:
                    spelled[spelling] = -1
                    continue
                if tuple(written) not in index_of:
                    index_of[tuple(written)] = len(entries)
                    entries.append(written)
                spelled[spelling] = index_of[tuple(written)]
    tensors = sorted(table.tensors, key=lambda t: -len(t.name))
    return {"spellings": spelled, "entries": entries,
            "tensors": [{"name": t.name, "range": table.range_of(t),
                         "prefix": f"d{t.derivative_of}_d{t.name}" if t.derivative_of else t.name}
                        for t in tensors],
            "describe": table.describe(), "right_form": table.right_form}


def answer_data(key: AnswerKey) -> dict:
    """What the page's script needs to check answers for ``key`` as verify does."""
    problem, ids = key.problem, SymbolIds(key.problem.loss)
    # ids in the symbols' own order, so the script writes a product's factors and lists terms
    # as the feedback does (d1·w2, upstream first)
    for tensor in sorted(key.names.tensors, key=lambda t: t.rank):
        if not tensor.is_numeric:
            for symbol in tensor.symbols:
                ids.of(symbol)
    forms = [[poly_data(exact_form(form) if key.radicals else form, ids) for form in entry]
             for entry in key.expected]
    mistakes = [{"key": m.key, "description": m.description,
                 "values": [poly_data(exact_form(v) if key.radicals else v, ids) for v in m.values]}
                for m in key.mistakes]
    names = names_data(key.names, ids)
    shifted = names_data(key.shifted_names(), ids)
    return {"loss": problem.loss, "wrt": key.gradient.wrt.name, "shape": list(key.shape),
            "radicals": key.radicals, "expected": forms, "mistakes": mistakes,
            "names": names, "shifted": shifted, "symbols": ids.names,
            "bases": sorted({t.index_base for t in key.names.tensors if t.naming != "bare"}),
            "tolerance": {"rtol": number_text(key.tolerance.rtol), "atol": number_text(key.tolerance.atol)}}


# -- what the page shows ------------------------------------------------------------------------------
def variant_view(key: AnswerKey, number: int, count: int) -> VariantView:
    problem, gradient = key.problem, key.gradient
    tensor = gradient.wrt
    solution = build_solution(problem, derivation=gradient.derivation)
    statement = build_solution(problem, (), derivation=gradient.derivation).document.introduction
    values = gradient.polys()
    expanded = gradient.expanded() if gradient.reads_intermediate else None
    named = named_values(gradient, range(tensor.size))
    context = Context(problem, gradient.derivation, FULL)  # each entry's chain rule written out
    equations = [chain_equation(context, Symbol(tensor, flat), values[flat],
                                named_terms(gradient, flat, MAX_SUM_TERMS),
                                expanded[flat] if expanded else None, named=named[flat],
                                count=term_count(gradient, flat))
                 for flat in range(tensor.size)]
    axes = slice_axes(tensor, problem.dims)
    grids = []
    flats = np.arange(tensor.size).reshape(tensor.shape)
    for label, index in planes(flats, axes, label_base(problem, tensor)):
        plane = np.atleast_2d(flats[index])
        grids.append((label, [[entry_of(tensor, int(f), problem.loss) for f in row] for row in plane]))
    label = f"variant {number + 1} of {count}" if count > 1 else ""
    longest = max(len(TextPrinter(problem.loss).doprint(forms[0])) for forms in key.expected)
    columns = tensor.shape[-1] if tensor.shape else 1
    fits = (LINE_WIDTH - 4 * columns) // columns  # the columns side by side, each with its ∑
    width = max(min(longest + 2, fits), MIN_WIDTH)
    return VariantView(label, width, tensor.index_base, key.right_form, problem.loss, tensor, statement,
                       solution.document, tuple(equations), tuple(grids))


def entry_of(tensor: Tensor, flat: int, loss: str) -> Entry:
    index = ",".join(map(str, tensor.index_of(flat)))
    name = display_name(tensor, flat)
    return Entry(flat, index, name, f"∂{loss}/∂{name}")


register(PracticePage, Look(lambda page: f"<PracticePage {page.title!r}: ∂/∂{page.wrt},"
                                         f" {len(page.keys)} variant(s)>",
                            bundle=lambda page: {"text/html": practice_frame(page.html)}))


def practice_frame(page: str) -> str:
    from ..render.html import notebook_frame

    return notebook_frame(page, height=760)
