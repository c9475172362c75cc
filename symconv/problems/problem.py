"""A problem: an input, a chain of layers, an upstream gradient and a loss name.

:func:`build_problem` turns a plain specification (the parsed TOML of a problem file, or what the
quick CLI flags describe) into tensors and layers, checking everything a student can get wrong.
Errors carry the key path of the offending entry (``layers[0].weight.values[1][2]``) so the file
reader can point at the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import cached_property
from math import prod
from typing import Any, NamedTuple

import numpy as np

from ..core.contract import Layer
from ..core.document import Note
from ..engine.derivation import DEFAULT_MAX_TERMS
from ..core.errors import ProblemError, nearest
from ..layers import LAYER_TYPES, LayerRequest
from ..engine.registry import QuickSetting
from ..core.poly import normalize
from ..core.presentation import Presentable
from ..core.spec import (TENSOR_KEYS, SpecError, check_keys, get_choice, get_index_style, get_name, get_naming,
                   get_shape, get_text, make_tensor, parse_values)
from ..core.tensors import Role, Tensor
from ..core.wording import AXIS_WORDS, axis_names, shape_text

MAX_LAYERS = 64  # every walk through the chain (expansion, diagnosis) stays far from Python's stack limit
TOP_KEYS = ("loss", "dims", "title", "source", "input", "layers", "upstream")
SOURCE_KEYS = ("title", "citation", "notes")
MAX_NOTES = 50
MAX_NOTE_CHARACTERS = 2000


class Source(NamedTuple):
    """Where a problem comes from and what in it was corrected (the ``[source]`` table): a worked
    solution prints it under "Source and corrections", near the top."""

    title: str | None = None
    citation: str | None = None
    notes: tuple[str, ...] = ()
UPSTREAM_KEYS = ("name", "naming", "index_base", "values", "index_style")


@dataclass(frozen=True, eq=False, repr=False)
class Problem(Presentable):
    """A problem: its statement prints as text (``str``), Markdown with math in a notebook."""

    loss: str
    dims: int
    input: Tensor
    layers: tuple[Layer, ...]
    upstream: Tensor
    title: str | None = None
    source: Source | None = None

    @cached_property
    def derivative_tensors(self) -> tuple[Tensor, ...]:
        """∂L/∂(output of layer i) for every layer but the last, written as derivatives: each with
        a rank of its own, so ∂L/∂Y1_00 and Y1_00 are different symbols; negative because upstream
        factors come first in printed products."""
        return tuple(Tensor(layer.output.name, layer.output.shape, Role.UPSTREAM, "indexed",
                            layer.output.index_base, derivative_of=self.loss, rank=-layer.output.rank,
                            index_style=layer.output.index_style,
                            leading_axes=layer.output.leading_axes)
                     for layer in self.layers[:-1])

    def tensors(self) -> list[Tensor]:
        found = [self.input]
        for layer in self.layers:
            found += [*layer.parameters, layer.output]
        return found

    def differentiable(self) -> list[Tensor]:
        """Tensors with a gradient: the input, every parameter, every output but the last."""
        return [t for t in self.tensors() if t is not self.layers[-1].output]

    def tensor(self, name: str) -> Tensor:
        for tensor in self.differentiable():
            if tensor.name == name:
                return tensor
        names = [t.name for t in self.differentiable()]
        hint = nearest(name, names)
        raise ProblemError(f"no tensor named {name!r} to differentiate; valid names: {', '.join(names)}"
                           + (f" (did you mean {hint}?)" if hint else ""))

    def output_named(self, name: str) -> Tensor | None:
        return next((layer.output for layer in self.layers if layer.output.name == name), None)

    def upstream_of(self, layer: Layer) -> Tensor:
        """∂L/∂(layer output): the given upstream for the last layer, else derivative symbols."""
        position = self.layers.index(layer)
        if position == len(self.layers) - 1:
            return self.upstream
        return self.derivative_tensors[position]

    def term_count(self) -> int:
        return sum(layer.term_count() for layer in self.layers)

    def notes(self) -> list[Note]:
        """Unread input positions (their gradient is 0), and what each layer has to say (the tie
        rule of max pooling)."""
        notes = []
        for layer in self.layers:
            x = layer.input
            for axis, positions in zip(axis_names(self.dims), layer.unused_positions()):
                if positions:
                    shown = ", ".join(str(p + x.index_base) for p in positions)
                    notes.append(Note(x, (f"{AXIS_WORDS[axis]} {shown} of {x.name} are never read by"
                                          " any output (the floor in the output size, the stride or"
                                          " the padding skips them); their gradient is 0",)))
            notes += layer.notes()
        return notes


# -- the builder ------------------------------------------------------------------------------------
def build_problem(spec: dict[str, Any], *, max_entries: int = DEFAULT_MAX_TERMS) -> Problem:
    """Check a problem specification and build its tensors and layers.

    Sizes are worked out from the specification before anything of that size is allocated: a
    tensor, or an array the NumPy routes would allocate (a padded input), with more entries than
    ``max_entries`` is refused, saying the number, the limit and the key to change."""
    check_keys(spec, TOP_KEYS, (), "the problem file")
    loss = spec.get("loss", "L")
    if not isinstance(loss, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9]{0,15}", loss):
        raise SpecError(("loss",), f"loss is a name such as \"L\" or \"E\"; got {loss!r}")
    dims = get_choice(spec, "dims", 2, (1, 2, 3), ())
    title = get_text(spec, "title", (), '"Homework 1.2"')
    source = build_source(spec["source"]) if "source" in spec else None

    input_table = check_keys(spec.get("input"), TENSOR_KEYS, ("input",), "[input]") \
        if "input" in spec else None
    if input_table is None:
        raise SpecError((), "the problem has no [input] table; add one, e.g. [input] shape = [4, 4]")
    example = str([5] * dims)
    input_shape = get_shape(input_table, ("input",), "the input", (dims, dims + 1, dims + 2), example)
    rank = 1  # 0 is the upstream gradient's: its factor comes first in every product
    within_budget(prod(input_shape), "the input", ("input", "shape"), max_entries)
    current = make_tensor(input_table, ("input",), name=get_name(input_table, ("input",), "X"),
                          shape=input_shape, role=Role.INPUT, rank=rank,
                          leading_axes=("n", "c"))  # PyTorch's [N, C, …]
    problem_input = current

    layer_tables = spec.get("layers")
    if not isinstance(layer_tables, list) or not layer_tables:
        raise SpecError(("layers",), "the problem has no layers; add one, e.g. [[layers]] type = \"conv\"")
    if len(layer_tables) > MAX_LAYERS:
        raise SpecError(("layers",), f"the problem has {len(layer_tables)} layers, over symconv's"
                                     f" limit of {MAX_LAYERS}: a chain rule through more cannot be"
                                     f" read; ask about a few layers at a time")
    layers = []
    for i, table in enumerate(layer_tables):
        path = ("layers", i)
        kind = table.get("type") if isinstance(table, dict) else None
        if not isinstance(kind, str) or kind not in LAYER_TYPES:  # a list is not hashable
            raise SpecError(path + ("type",), f"unknown layer type {kind!r}; valid types:"
                                              f" {', '.join(map(repr, LAYER_TYPES))}")
        layer_type = LAYER_TYPES[kind]
        check_keys(table, ("type", "output", *layer_type.keys), path, f"a {kind} layer")
        default_output = "Y" if len(layer_tables) == 1 else f"Y{i + 1}"
        try:
            layer = layer_type.built(LayerRequest(table, path, current, dims, rank, default_output))
        except SpecError as error:
            if i == 0 or not error.about_input:
                raise
            # In a chain, say what this layer was given: the previous layer's output.
            raise SpecError(error.path, f"{error.message} (the input of"
                                        f" layers[{i}], {current.name}, is the output of"
                                        f" layers[{i - 1}] and has shape {list(current.shape)})") from None
        for tensor in (*layer.parameters, layer.output):
            within_budget(tensor.size, f"{tensor.name} (shape {shape_text(tensor.shape)})", path,
                          max_entries)
        allocated, what = layer.allocation()
        within_budget(allocated, what, path, max_entries)
        layer = with_exact_output(layer)
        layers.append(layer)
        rank = layer.output.rank
        current = layer.output

    upstream = build_upstream(spec.get("upstream", {}), loss, current, rank + 1)
    names = [t.name for t in [problem_input, *[x for l in layers for x in (*l.parameters, l.output)]]]
    if not upstream.derivative_of:
        names.append(upstream.name)
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise SpecError((), f"two tensors are named {duplicate!r}; give each its own name")
    tensors = [problem_input, *[x for l in layers for x in l.parameters], upstream]
    clash = colliding_names(tensors)
    if clash:
        first, second, spelling = clash
        raise SpecError((), f"{first.name} and {second.name} both have an entry written {spelling}"
                            f" ({first.name} counts its entries flat, {first.name}1, {first.name}2,"
                            f" …); rename one of them, e.g. name = \"{second.name.swapcase()}\"")
    return Problem(loss, dims, problem_input, tuple(layers), upstream, title, source)


def build_source(table: Any) -> Source:
    """The ``[source]`` table: ``title`` and ``citation`` (text) and ``notes``, a list of
    sentences (the corrections made to the source, or anything a reader should know of it),
    math between dollars (``$X_{np}$``)."""
    path = ("source",)
    check_keys(table, SOURCE_KEYS, path, "[source]")
    title = get_text(table, "title", path, '"Homework 1, solution"')
    citation = get_text(table, "citation", path, '"CS7643, Spring 2021"')
    notes = table.get("notes", [])
    example = 'notes = ["A_33 = 35 in the handout is 34."]'
    if not isinstance(notes, list):
        raise SpecError(path + ("notes",), f"notes is a list of sentences in quotes, e.g. {example};"
                                           f" got {notes!r:.40}")
    if len(notes) > MAX_NOTES:
        raise SpecError(path + ("notes",), f"{len(notes)} notes are over the limit of {MAX_NOTES};"
                                           " say the corrections in fewer")
    for number, note in enumerate(notes):
        if not isinstance(note, str) or not note.strip():
            raise SpecError(path + ("notes", number), f"each note is a sentence in quotes, e.g."
                                                      f" {example}; got {note!r:.40}")
        if len(note) > MAX_NOTE_CHARACTERS:
            raise SpecError(path + ("notes", number), f"a note of {len(note):,} characters is over"
                                                      f" the limit of {MAX_NOTE_CHARACTERS:,}")
        if note.count("$") % 2:
            raise SpecError(path + ("notes", number), "a note has an odd number of $: math goes"
                                                      " between two, e.g. \"$X_{n,p}$ is …\"")
    return Source(title, citation, tuple(" ".join(note.split()) for note in notes))


def colliding_names(tensors: list[Tensor]) -> tuple[Tensor, Tensor, str] | None:
    """Two entries of different tensors written alike: a flat-named ``x`` (x1, x2, …, x11) beside
    a tensor ``x1`` whose flat or bare names start with ``x1`` (x11 is both). Indexed names cannot
    clash: their subscripts follow an underscore, which a tensor's name never has."""
    written = [t for t in tensors if t.naming in ("flat", "bare") and not t.derivative_of]
    for first in (t for t in written if t.naming == "flat"):
        for second in written:
            if second is first or not second.name.startswith(first.name):
                continue
            for flat in range(second.size):
                spelling = second.plain_name(flat)
                position = spelling[len(first.name):]
                if (position.isdigit() and not position.startswith("0")
                        and 0 <= int(position) - first.index_base < first.size):
                    return first, second, spelling
    return None


def within_budget(count: int, what: str, path: tuple[str | int, ...], limit: int) -> None:
    if count > limit:
        raise SpecError(path, f"{what} would have {count:,} entries, over the limit of {limit:,};"
                              f" use smaller sizes, padding or dilation, or raise the limit with"
                              f" --max-terms")


def with_exact_output(layer: Layer) -> Layer:
    """The layer with exact values on its output when its input and parameters have them and its
    forward pass is exact, so later ReLU masks and max routings resolve to 0/1."""
    x = layer.input.values
    params = {p.name: p.values for p in layer.parameters if p.values is not None}
    if not layer.exact or x is None or len(params) < len(layer.parameters):
        return layer
    values = layer.reference_forward(x, params)
    exact = np.empty(layer.output.size, dtype=object)
    exact[:] = [v if type(v) is int else normalize(Fraction(v))
                for v in np.asarray(values, dtype=object).reshape(-1).tolist()]
    return layer.with_output(replace(layer.output, values=exact.reshape(layer.output.shape)))


def build_upstream(table: Any, loss: str, output: Tensor, rank: int) -> Tensor:
    path = ("upstream",)
    check_keys(table, UPSTREAM_KEYS, path, "[upstream]")
    naming, base = get_naming(table, path)
    values = table.get("values")
    if values == "ones":
        values = parse_values([1] * output.size, (output.size,), path + ("values",),
                              "the upstream gradient").reshape(output.shape)
    elif values is not None:
        values = parse_values(values, output.shape, path + ("values",),
                              f"the upstream gradient ∂{loss}/∂{output.name}")
    if "name" in table:
        name = get_name(table, path, "d")
        return Tensor(name, output.shape, Role.UPSTREAM, naming, base, values, rank=0,
                      index_style=get_index_style(table, path, name, output.shape, base, naming),
                      leading_axes=output.leading_axes)
    if "index_style" in table:  # written ∂L/∂Y_{…}: its names are the output's
        raise SpecError(path + ("index_style",), f"the upstream gradient is written with {output.name}'s"
                                                 f" names, ∂{loss}/∂{output.name}_…; set index_style"
                                                 f" on the layer's output, e.g. output = {{ name ="
                                                 f" \"{output.name}\", index_style = \"comma\" }}")
    return Tensor(output.name, output.shape, Role.UPSTREAM, "indexed", output.index_base, values,
                  derivative_of=loss, rank=0, index_style=output.index_style,
                  leading_axes=output.leading_axes)


def quick_problem(input_shape: tuple[int, ...], kernel_shape: tuple[int, ...], *,
                  stride: QuickSetting = 1, padding: QuickSetting = 0, dilation: QuickSetting = 1,
                  bias: bool = False,
                  max_entries: int = DEFAULT_MAX_TERMS) -> Problem:
    """The problem behind ``symconv grad --input 4x4 --kernel 2x2 ...``: X, W and Y indexed from 0,
    upstream flat ``d1, d2, …``; a single number per shape means 1-D. The layer is the one of the
    layer type that offers a quick form (:attr:`~symconv.engine.registry.LayerType.quick`)."""
    dims = len(kernel_shape) if len(kernel_shape) in (1, 2, 3) else 2
    quick = next(t.quick for t in LAYER_TYPES.values() if t.quick is not None)
    layer = quick(kernel_shape, stride=stride, padding=padding, dilation=dilation, bias=bias)
    return build_problem({"dims": dims, "input": {"name": "X", "shape": list(input_shape)},
                          "layers": [layer],
                          "upstream": {"name": "d", "naming": "flat", "index_base": 1}},
                         max_entries=max_entries)
