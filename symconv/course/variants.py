"""Exercise templates: a problem file plus what varies, drawn into one variant per student.

A template is a problem file with two more tables::

    [variants]                      # mirrors the problem: each key says how that key is drawn
    input.shape = [[5, 5], [6, 6]]  # a list: one of its items (so a per-axis stride is [[2, 1]])
    input.values = { integers = [-2, 3] }   # every entry a whole number from -2 to 3
    upstream.name = ["d", "g"]
    [[variants.layers]]             # one table per layer, in order (an empty one changes nothing)
    stride = [1, 2]
    weight.values = { integers = [-3, 3] }

    [exercise]
    wrt = ["A"]                     # the gradients asked for
    seed = "instructor's secret"    # with the student's id, decides the student's variant
    allow_ties = false              # max pooling ties are redrawn unless true

A variant comes from HMAC-SHA256(seed, key): the same template, seed and key give the same
variant on every machine. It is drawn again (up to :data:`MAX_ATTEMPTS` times) when it is
degenerate (layers that do not fit, an all-zero gradient, a max pooling tie) or when a mistake
symconv names would give the right answer, or the same answer as another mistake: every variant
tells each mistake that applies to it apart from the right answer (see
:class:`symconv.answers.diagnose.WrongVariants`).
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import math
import os
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NoReturn

import numpy as np

from ..answers.verify import AnswerKey
from ..engine.derivation import Derivation, check_size, derive
from ..core.errors import ProblemError, SizeLimitError, nearest
from ..layers import LAYER_TYPES, layer_type
from ..problems.problem import TOP_KEYS, UPSTREAM_KEYS, Problem, build_problem
from ..files.problem_file import key_lines, line_of, parse_toml, read_text
from ..core.spec import TENSOR_KEYS, format_path
from ..files.toml_writer import dumps

MAX_ATTEMPTS = 200
MAX_RANGE = 1_000_000
SMALLER = "use smaller sizes in the template or its [variants]"
EXERCISE_KEYS = ("wrt", "seed", "allow_ties")
SUBTABLES = {(): TOP_KEYS, ("input",): TENSOR_KEYS, ("upstream",): UPSTREAM_KEYS,
             ("weight",): TENSOR_KEYS, ("bias",): TENSOR_KEYS}


class TemplateError(ProblemError):
    """An exercise template that cannot be used, or whose variants cannot be drawn."""


@dataclass(frozen=True)
class Template:
    source: str
    text: str  # the file as written (exports ship it)
    spec: dict  # the problem part
    variants: dict
    wrt: tuple[str, ...]
    seed: str
    allow_ties: bool


@dataclass(frozen=True)
class Variant:
    key: str  # what it was drawn for: a student's id, a platform's seed
    spec: dict
    problem: Problem
    derivation: Derivation
    answer_keys: dict[str, AnswerKey]  # per asked gradient
    attempt: int  # draws rejected before this one

    @property
    def toml(self) -> str:
        return dumps(self.spec)

    @property
    def identity(self) -> str:
        return json.dumps(self.spec, sort_keys=True)

    def mistakes(self, wrt: str) -> tuple[str, ...]:
        """The keys of the named mistakes this variant tells apart for ∂L/∂wrt."""
        return tuple(dict.fromkeys(m.key for m in self.answer_keys[wrt].mistakes))


# -- reading ----------------------------------------------------------------------------------------
def load_template(path: str | os.PathLike) -> Template:
    return parse_template(read_text(path, what="exercise template"), str(path))


def parse_template(text: str, source: str = "<template>") -> Template:
    """Check a template's ``[variants]`` and ``[exercise]``; the problem part is checked by drawing."""
    return template_from_table(parse_toml(text, source), text, source)


def template_from_table(data: dict, text: str, source: str) -> Template:
    """The template of a parsed file (``text`` is its text, for line numbers)."""
    lines = key_lines(text)

    def fail(path: tuple, message: str) -> NoReturn:
        line = line_of(path, lines)
        where = f"{source}:{line}" if line else source
        raise TemplateError(f"{format_path(path)}: {message}" if path else message, where=where)

    exercise = data.pop("exercise", None)
    variants = data.pop("variants", {})
    if not isinstance(exercise, dict):
        fail((), "an exercise template needs an [exercise] table, e.g. [exercise] wrt = [\"X\"]"
                 " and seed = \"a secret of yours\"")
    _check_keys(exercise, EXERCISE_KEYS, ("exercise",), fail)
    wrt = exercise.get("wrt")
    if isinstance(wrt, str):
        wrt = [wrt]
    if not isinstance(wrt, list) or not wrt or not all(isinstance(w, str) for w in wrt):
        fail(("exercise", "wrt"), f"wrt lists the asked gradients, e.g. wrt = [\"A\"]; got {wrt!r}")
    seed = exercise.get("seed")
    if isinstance(seed, bool) or not isinstance(seed, (str, int)) or str(seed) == "":
        fail(("exercise", "seed"), "seed is your secret, a string or a whole number, e.g."
                                   " seed = \"fall-2026 x7q\"; students who know it can draw their"
                                   " own variants")
    allow_ties = exercise.get("allow_ties", False)
    if not isinstance(allow_ties, bool):
        fail(("exercise", "allow_ties"), f"allow_ties is true or false; got {allow_ties!r}")
    _check_rules(variants, data, ("variants",), (), fail)
    return Template(source, text, data, variants, tuple(wrt), str(seed), allow_ties)


def _check_keys(table: dict, allowed: Collection[str], path: tuple,
                fail: Callable[[tuple, str], NoReturn]) -> None:
    for key in table:
        if key not in allowed:
            hint = nearest(key, allowed)
            fail(path + (key,), f"unknown key {key!r}; "
                                + (f"did you mean {hint!r}?" if hint else f"valid keys: {', '.join(allowed)}"))


def _check_rules(rules: object, spec: dict, path: tuple, kind: tuple,
                 fail: Callable[[tuple, str], NoReturn]) -> None:
    """``rules`` (a table of ``[variants]``) against the problem table ``spec`` it varies."""
    if not isinstance(rules, dict):
        fail(path, "must be a table of keys to vary, e.g. input.shape = [[5, 5], [6, 6]]")
    allowed = SUBTABLES.get(kind) or layer_keys(spec.get("type"))
    _check_keys(rules, allowed, path, fail)
    for key, rule in rules.items():
        where = path + (key,)
        if key == "layers":
            layers = spec.get("layers")
            if not isinstance(rule, list) or not isinstance(layers, list) or len(rule) > len(layers):
                fail(where, "[[variants.layers]] has one table per [[layers]] table, in order")
            for i, (layer_rules, layer) in enumerate(zip(rule, layers)):
                layer_kind = layer.get("type") if isinstance(layer, dict) else None
                if not isinstance(layer_kind, str) or layer_kind not in LAYER_TYPES:  # a list is not hashable
                    fail(("layers", i, "type"), f"layer {i} needs a type, e.g. type = \"conv\"")
                _check_rules(layer_rules, layer, where + (i,), ("layer",), fail)
        elif isinstance(rule, list):
            if not rule:
                fail(where, "a list of choices needs at least one, e.g. [1, 2]")
        elif isinstance(rule, dict) and "integers" in rule:
            _check_keys(rule, ("integers",), where, fail)
            bounds = rule["integers"]
            if (not isinstance(bounds, list) or len(bounds) != 2
                    or any(isinstance(b, bool) or not isinstance(b, int) for b in bounds)
                    or not bounds[0] <= bounds[1] or bounds[1] - bounds[0] > MAX_RANGE):
                fail(where + ("integers",), f"integers = [LOW, HIGH] with LOW ≤ HIGH, whole numbers"
                                            f" at most {MAX_RANGE:,} apart, e.g. integers = [-3, 3];"
                                            f" got {bounds!r}")
        elif isinstance(rule, dict) and (key,) in SUBTABLES:
            table = spec.get(key, {})
            _check_rules(rule, table if isinstance(table, dict) else {}, where, (key,), fail)
        else:
            fail(where, f"write the choices as a list (e.g. {key} = [1, 2]) or draw whole numbers"
                        f" with {key} = {{ integers = [-3, 3] }}; got {rule!r}")


# -- drawing ----------------------------------------------------------------------------------------
class Draws:
    """Whole numbers from HMAC-SHA256(secret, label and a counter): the same secret and label give
    the same numbers on every machine and Python version (``random`` and ``hash()`` do not promise
    that)."""

    def __init__(self, secret: str, label: str):
        self.key = secret.encode("utf-8")
        self.label = label.encode("utf-8")
        self.counter = 0

    def below(self, n: int) -> int:
        """Uniform in 0 … n − 1 (64-bit blocks, the biased top end rejected)."""
        limit = 2 ** 64 - 2 ** 64 % n
        while True:
            message = self.label + b"\x00" + str(self.counter).encode()
            self.counter += 1
            value = int.from_bytes(hmac.new(self.key, message, hashlib.sha256).digest()[:8], "big")
            if value < limit:
                return value % n

    def integer(self, low: int, high: int) -> int:
        return low + self.below(high - low + 1)


def draw_variant(template: Template, key: str) -> Variant:
    """The variant for ``key`` alone (a platform's seed): the first draw that is not degenerate
    and tells every mistake apart. A class draws with :func:`draw_class`."""
    variant, reason = _first_usable(template, key, set(), limit=None)
    if variant is None:
        raise TemplateError(f"no usable variant for {key!r} in {MAX_ATTEMPTS} draws; the last one was"
                            f" refused because {reason}; widen the ranges in [variants]",
                            where=template.source)
    return variant


@dataclass(frozen=True)
class Assignment:
    """One student's variant in a class: ``number`` counts the class's different variants in the
    order they were first given (1, 2, …). ``variant`` is the drawn variant for the student who
    got it first (``first``, a position in the class) and None for each later one who shares it."""

    key: str
    number: int
    variant: Variant | None
    first: int


def draw_class(template: Template, keys: Sequence[str]) -> Iterator[Assignment]:
    """Every key's variant, in order: each key draws as :func:`draw_variant` does, skipping the
    draws already seen (a variant given to an earlier key, or refused), so students get
    different variants wherever the template allows. When every different variant has been
    seen (:func:`variant_count`), or a key finds no new one in :data:`MAX_ATTEMPTS` draws, it
    shares one: the variants given so far, in turn (1, 2, …, 1, 2, …). A draw seen before is
    recognised by its drawn problem table, before any problem is built; nothing per key is kept
    but a 32-byte digest of each different draw."""
    count = variant_count(template, at_most=len(keys) + 1)
    limit = count if count <= len(keys) else None  # exact: once seen them all, stop drawing
    seen: set[bytes] = set()  # digests of the problem tables drawn: given or refused
    firsts: list[int] = []  # position of the key that first got each variant
    shared = 0
    reason = ""
    for position, key in enumerate(keys):
        variant = None
        if limit is None or len(seen) < limit:
            variant, why = _first_usable(template, key, seen, limit=limit)
            reason = why or reason
        if variant is not None:
            firsts.append(position)
            seen.add(_digest(variant.identity))
            yield Assignment(key, len(firsts), variant, position)
        elif firsts:
            number = shared % len(firsts) + 1
            shared += 1
            yield Assignment(key, number, None, firsts[number - 1])
        else:
            raise TemplateError(f"no usable variant in {len(seen)} different draws; the last one was"
                                f" refused because {reason}; widen the ranges in [variants]",
                                where=template.source)


def _digest(identity: str) -> bytes:
    return hashlib.sha256(identity.encode("utf-8")).digest()


def _first_usable(template: Template, key: str, seen: set[bytes],
                  limit: int | None) -> tuple[Variant | None, str]:
    """The first of ``key``'s draws not in ``seen`` that is usable (a refused draw is added to
    ``seen``), or None and the last reason a draw was refused. Stops early once ``seen``
    holds ``limit`` draws: every different one is known."""
    reason = ""
    for attempt in range(MAX_ATTEMPTS):
        if limit is not None and len(seen) >= limit:
            break
        try:
            spec = _draw_spec(template, Draws(template.seed, f"{key}\x00{attempt}"))
            digest = _digest(json.dumps(spec, sort_keys=True))
            if digest in seen:
                continue  # given or refused already: no problem is built for it again
            variant, reason = _build(template, key, spec, attempt)
        except SizeLimitError as error:  # sizes are the template's to change, not the draw's
            raise TemplateError(str(error), where=template.source) from None
        if variant is not None:
            return variant, ""
        seen.add(digest)
    return None, reason


def _build(template: Template, key: str, spec: dict, attempt: int) -> tuple[Variant | None, str]:
    """The variant of a drawn problem table, or None and why it is no good as an exercise."""
    try:
        problem = build_problem(spec)
    except ProblemError as error:  # this draw's layers do not fit: draw again
        return None, str(error)
    check_size(problem, subject="a variant", hint=SMALLER)
    derivation = derive(problem)
    answer_keys = {}
    for name in template.wrt:
        try:
            answer_keys[name] = AnswerKey(problem, name, derivation=derivation)
        except ProblemError as error:
            raise TemplateError(str(error), where=template.source) from None
    reason = rejection(problem, answer_keys, template.allow_ties)
    if reason:
        return None, reason
    return Variant(key, spec, problem, derivation, answer_keys, attempt), ""


def _draw_spec(template: Template, draws: Draws) -> dict:
    spec, fills = _choose(template, draws)
    if fills:
        # Drawn values fill their tensor's shape, which the other draws decide (the upstream
        # gradient's is the last output's): the problem is built without them to learn the shapes.
        shapes = _shapes(json.dumps(spec, sort_keys=True))
        if shapes is None:
            return spec  # refused again, with its reason, by the caller's build
        for table, path, (low, high) in fills:
            shape = shapes[path]
            drawn = [draws.integer(low, high) for _ in range(math.prod(shape))]
            table["values"] = np.array(drawn, dtype=object).reshape(shape).tolist()
    return spec


def _choose(template: Template, draws: Draws | _Radices | _Choices) -> tuple[dict, list]:
    """The problem table with every choice drawn, and the tables whose values are still to draw
    as (table, path, (low, high)), their ``values`` left out."""
    spec = copy.deepcopy(template.spec)
    fills: list = []
    _apply(spec, template.variants, (), draws, fills)
    for table, _, _ in fills:
        table.pop("values", None)
    return spec, fills


@lru_cache(maxsize=256)
def _shapes(identity: str) -> dict[tuple, tuple[int, ...]] | None:
    """The tensor shapes of a problem table without its drawn values (None when it does not
    build), remembered by the table's text: a class draws few different shapes, many times. A
    problem too large is refused here (:class:`SizeLimitError`), before a value is drawn."""
    try:
        problem = build_problem(json.loads(identity))
    except ProblemError:
        return None
    check_size(problem, subject="a variant", hint=SMALLER)
    return _tensor_shapes(problem)


# -- how many different variants ------------------------------------------------------------------
class _Radices:
    """Stands in for :class:`Draws` to learn what is drawn: how many choices each draw has, in
    order (always taking the first)."""

    def __init__(self) -> None:
        self.radices: list[int] = []

    def below(self, n: int) -> int:
        self.radices.append(n)
        return 0

    def integer(self, low: int, high: int) -> int:
        self.radices.append(high - low + 1)
        return low


class _Choices:
    """Stands in for :class:`Draws` to make the choices ``digits``, one per draw."""

    def __init__(self, digits: list[int]) -> None:
        self.digits = iter(digits)

    def below(self, n: int) -> int:
        return next(self.digits)

    def integer(self, low: int, high: int) -> int:
        return low + next(self.digits)


def variant_count(template: Template, *, at_most: int) -> int:
    """How many different problem tables ``[variants]`` can draw (a bound on the usable variants,
    as some are refused), or ``at_most`` when there are at least that many. Choices and whole
    numbers multiply; ``values`` drawn from k numbers give k ** entries for each combination of
    the other draws (which may decide the shape)."""
    recorder = _Radices()
    _, fills = _choose(template, recorder)
    radices = recorder.radices
    choices = math.prod(radices)
    if all(low == high for _, _, (low, high) in fills):
        return min(choices, at_most)
    if choices >= at_most:
        return at_most
    total = 0
    for number in range(choices):
        digits = []
        for radix in reversed(radices):
            number, digit = divmod(number, radix)
            digits.append(digit)
        spec, fills = _choose(template, _Choices(digits[::-1]))
        shapes = _shapes(json.dumps(spec, sort_keys=True))
        if shapes is None:
            total += 1  # layers that do not fit: one problem table, refused
            continue
        sizes = [(high - low + 1, math.prod(shapes[path])) for _, path, (low, high) in fills]
        if sum(entries * math.log2(k) for k, entries in sizes) >= math.log2(at_most):
            return at_most
        total += math.prod(k ** entries for k, entries in sizes)
        if total >= at_most:
            return at_most
    return total


def _apply(spec: dict, rules: dict, path: tuple, draws: Draws | _Radices | _Choices,
           fills: list) -> None:
    for key, rule in rules.items():
        if key == "layers":
            for i, layer_rules in enumerate(rule):
                _apply(spec["layers"][i], layer_rules, path + ("layers", i), draws, fills)
        elif isinstance(rule, list):
            spec[key] = copy.deepcopy(rule[draws.below(len(rule))])
        elif "integers" in rule and key == "values":
            fills.append((spec, path, tuple(rule["integers"])))
        elif "integers" in rule:
            spec[key] = draws.integer(*rule["integers"])
        else:
            if not isinstance(spec.get(key), dict):
                spec[key] = {}
            _apply(spec[key], rule, path + (key,), draws, fills)


def _tensor_shapes(problem: Problem) -> dict[tuple, tuple[int, ...]]:
    """The shape of every tensor a template can give values, by its path in the problem file."""
    shapes: dict[tuple, tuple[int, ...]] = {("input",): problem.input.shape,
                                            ("upstream",): problem.upstream.shape}
    for i, layer in enumerate(problem.layers):
        for tensor in layer.parameters:  # each in its table's key of its role's name (weight, bias)
            shapes[("layers", i, tensor.role.value)] = tensor.shape
    return shapes


# -- what makes a variant usable --------------------------------------------------------------------
def rejection(problem: Problem, answer_keys: dict[str, AnswerKey], allow_ties: bool) -> str:
    """Why a drawn problem is no good as an exercise ("" when it is)."""
    if not allow_ties:
        for layer in problem.layers:
            ambiguity = layer_type(layer).ambiguity(layer)
            if ambiguity:
                return f"{ambiguity} (set allow_ties = true to ask one)"
    for name, key in answer_keys.items():
        loss = problem.loss
        if all(all(value == 0 for value in forms) for forms in key.expected):
            return f"∂{loss}/∂{name} is all zero"
        if key.variants.hidden:
            return (f"the mistake {key.variants.hidden[0]!r} gives the right ∂{loss}/∂{name}, or"
                    f" the same answer as another mistake")
    return ""


def layer_keys(kind: object) -> tuple[str, ...]:
    """The keys of a layer table of this type (none for an unknown type)."""
    found = LAYER_TYPES.get(kind) if isinstance(kind, str) else None
    return ("type", "output", *found.keys) if found is not None else ()


