"""What every section of a worked solution is built from: the problem, its derivation, and the
vocabulary of :mod:`symconv.core.document`.

Layer types write their own sections (:attr:`symconv.engine.registry.LayerType.sections`) with the
helpers here; :mod:`symconv.solutions.solution` writes the sections that span the whole problem (the chain
rule entry by entry, connectivity, the checks). Everything here is format-neutral: how much of a
matrix fits a line is the printers' business.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from math import prod
from typing import Callable, Iterable, Mapping, NamedTuple, Sequence, TypeVar

import numpy as np

from ..core.contract import Layer, ProblemView
from .derivation import Derivation, Gradient, derive
from ..core.document import (MAX_LISTED_ENTRIES, MAX_ROWS, MAX_SLICES, MAX_SUM_TERMS, Derivative, Formula, IndexedSum,
                             Labeled, Matrix, Numbered, Once, Paragraph, Product, Reference, Sum, TensorView,
                             Truncated)
from ..core.errors import SizeLimitError, SymconvError
from ..core.indexed import TermColumns, columns_general_term, factor_column, general_term, letters_for
from ..core.poly import Atom, Number, Poly, Symbol, poly_sum, product_of
from .product_sums import TermFactors, named_as_valued
from ..core.tensors import EntryFactors, FactorTable, Tensor
from ..core.wording import axis_names

MAX_LISTED = 32  # items listed in a sentence before the rest are counted
MAX_CARRIED_TERMS = 4  # terms of a value carried back through a chain into a layer's sections

_Value = TypeVar("_Value")  # what Context.remembered keeps under one key


class Detail(NamedTuple):
    """How much a worked solution writes out (``--detail``), passed to every section builder.

    :data:`HANDOUT`, the default, is what a TA hands out: each result shown once and referred to
    by its number afterwards, sums of more than 12 terms written as a Σ over their index set, the
    chain rule for the first entries and one entry of every other case of the geometry (corner,
    edge, interior, skipped by the stride), running sums only for small inputs, and the checks in
    one paragraph. :data:`FULL` writes everything, each sum of more than 12 terms once.
    """

    name: str
    fields: int = 9  # receptive fields (pooling windows) written out in a gallery
    steps: int = 2  # running "mapped back" matrices before the result, ...
    stepped_entries: int | None = 36  # ... when the input has at most this many entries per slice
    equations: int = 9  # chain-rule equations of the first entries of each tensor, ...
    cases: bool = True  # ... and of one entry of each other case of the geometry
    written_terms: int | None = 12  # a longer sum is written as Σ over its index set
    chain_terms: int | None = 6  # ... and the chain-rule side ∂L/∂y·∂y/∂x of a longer one
    once: bool = True  # each result once, then referred to; a matrix of 9+ entries written once
    # with ``once`` False, a result with a sum of more terms than this is still shown once and
    # referred to by its number after that: a long sum written five times is not more detail
    once_terms: int | None = None
    brief_checks: bool = True  # the checks in one short paragraph
    listed: int | None = 9  # entries listed of a slice too long for a matrix (None: the printers'),
    listed_whole: int = 16  # ... all of them when the slice has at most this many
    listed_slices: int | None = 1  # slices listed so (None: the printers')
    rest_listed: int | None = 36  # a gradient of at most this many entries, one slice, has the
    # entries its chain-rule equations leave out listed beside their numbers: all of it is shown

    @staticmethod
    def named(name: "str | Detail") -> "Detail":
        """``"handout"`` or ``"full"`` (a :class:`Detail` is returned as it is)."""
        if isinstance(name, Detail):
            return name
        if name not in DETAILS:
            raise SymconvError(f"unknown detail {name!r}; choose handout (what a TA hands out, the"
                               " default) or full (every entry written out)")
        return DETAILS[name]


HANDOUT = Detail("handout")
FULL = Detail("full", steps=4, stepped_entries=None, equations=25, cases=False, written_terms=None,
              chain_terms=None,
              once=False, once_terms=12, brief_checks=False, listed=None, listed_slices=None, rest_listed=None)
DETAILS = {"handout": HANDOUT, "full": FULL}
MIN_NAMED = 9  # a matrix of this many entries is written once in a handout, then by its name


@dataclass(frozen=True)
class Context:
    """What a section builder reads: the problem, its derivation, the :class:`Detail`, whether
    the document states the problem first and which sections it has. The sections it builds are
    a pure function of these (``_memo`` only remembers results computed from them, which several
    sections show)."""

    problem: ProblemView
    derived: Derivation | None  # None: derived when a section first asks (a statement never does)
    detail: Detail = HANDOUT
    statement: bool = True  # the document states the problem (its tensors) before the sections
    sections: tuple[str, ...] = ()  # the names of the sections the document has
    #: the entries whose chain rule the document writes as numbered equations, by tensor name
    chained: Mapping[str, tuple[int, ...]] = field(default_factory=dict, compare=False)
    _memo: dict = field(default_factory=dict, repr=False, compare=False)

    @cached_property
    def derivation(self) -> Derivation:
        return self.derived if self.derived is not None else derive(self.problem)

    @property
    def loss(self) -> str:
        return self.problem.loss

    @property
    def dims(self) -> int:
        return self.problem.dims

    def upstream_of(self, layer: Layer) -> Tensor:
        return self.problem.upstream_of(layer)

    def remembered(self, key: tuple[object, ...], compute: Callable[[], _Value]) -> _Value:
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def result(self, tensor: Tensor) -> np.ndarray:
        """∂L/∂tensor from the derivation, in the tensor's shape (the ∂L/∂W, ∂L/∂X and chain-rule
        sections all show it)."""
        return self.remembered(("result", tensor.name), lambda: object_array(
            self.derivation.gradient(tensor.name).polys(), tensor.shape))

    def carried(self, layer: Layer) -> np.ndarray | None:
        """∂L/∂(the layer's output) expanded down to the given upstream gradient, in the output's
        shape, when that leaves only numbers and the given upstream gradient's entries (every
        value between this layer and the loss is known): the numbers a worked solution carries
        back through a chain. None for the last layer (its upstream gradient is given), and where
        indicators of unknown values would remain, or an entry of more than
        :data:`MAX_CARRIED_TERMS` terms (it would not read as a factor of ⊙; the sections then
        write ∂L/∂(output)'s entries by name, and the chain-rule section expands them)."""
        if layer is self.problem.layers[-1]:
            return None

        def compute() -> np.ndarray | None:
            try:
                polys = self.derivation.gradient(layer.output.name).expanded()
            except SizeLimitError:
                return None
            given = self.problem.upstream
            if all(len(poly.terms) <= MAX_CARRIED_TERMS for poly in polys) and all(
                    isinstance(atom, Symbol) and atom.tensor is given
                    for poly in polys for atom in poly.symbols()):
                return object_array([unwrap_constant(p) for p in polys], layer.output.shape)
            return None

        return self.remembered(("carried", layer.output.name), compute)

    def layer_result(self, layer: Layer, tensor: Tensor) -> np.ndarray:
        """∂L/∂tensor as the layer's own sections write it: in terms of the given upstream
        gradient when the layer's upstream is :meth:`carried`, else through ∂L/∂(its output)."""
        if self.carried(layer) is None:
            return self.result(tensor)
        return self.expanded(tensor)

    def expanded(self, tensor: Tensor) -> np.ndarray:
        """∂L/∂tensor expanded down to the given upstream gradient."""
        return self.remembered(("expanded", tensor.name), lambda: object_array(
            [unwrap_constant(p) for p in self.derivation.gradient(tensor.name).expanded()], tensor.shape))

    def upstream_entries(self, layer: Layer) -> list:
        """What each output of the layer passes back, as its sections write it: the carried
        value (``d3 − d5 + d6``, or a number) in a chain, else the upstream entry itself."""
        carried = self.carried(layer)
        if carried is not None:
            return list(carried.reshape(-1))
        return self.upstream_of(layer).entries()

    # -- what the detail level writes out ----------------------------------------------------------
    @property
    def canonical_slices(self) -> int:
        """Slices of an array that one operation makes slice by slice (the rotated kernel, the
        zero-inserted gradient): a handout shows the first, the others are alike."""
        return 1 if self.detail.once else MAX_SLICES

    def gallery_fields(self, fields: Sequence, planes: int) -> Sequence:
        """The receptive fields (or windows) a gallery shows: the first ``fields`` of the detail
        level; a handout shows as many matrices in all, each field being ``planes`` of them (its
        channels, its depth slices)."""
        return fields[:max(1, self.detail.fields // planes)] if self.detail.once else fields

    def steps(self, tensor: Tensor, count: int) -> list[int]:
        """After how many of ``count`` contributions a running sum shaped like ``tensor`` is
        shown (the CS7643 handout's "first, second, … receptive field mapped back"): the first
        few, the last being the result itself; none when a slice of it has more entries than
        the detail level steps through."""
        limit = self.detail.stepped_entries
        if limit is not None and prod(tensor.shape[len(tensor.shape) - self.dims:]) > limit:
            return []
        return list(range(1, min(self.detail.steps, count - 1) + 1))

    def letters(self, tensor: Tensor) -> list[str]:
        """Index letters for the axes of ``tensor`` (``n, f, i, j``) in a Σ's general term."""
        def find() -> list[str]:
            taken = {self.loss}
            for layer in self.problem.layers:
                taken |= {t.name for t in (layer.input, layer.output, *layer.parameters)}
            taken.add(self.problem.upstream.name)
            if len(tensor.shape) < self.dims:  # a bias: no spatial axis
                return letters_for(tensor.leading_axes, 0, taken)[:len(tensor.shape)]
            return letters_for(leading_axes(tensor, self.dims), self.dims, taken)

        return self.remembered(("letters", tensor.name), find)

    def said_once(self, array: np.ndarray) -> bool:
        """Whether a result is shown once and then referred to: every result in a handout, one
        with a long sum at any detail (:meth:`has_long_sum`)."""
        return self.detail.once or self.has_long_sum(array)

    def has_long_sum(self, array: np.ndarray) -> bool:
        """Whether a result has a sum of more than ``once_terms`` terms, so that a detail that
        repeats results still shows it once."""
        limit = self.detail.once_terms
        return limit is not None and any(
            isinstance(value, Poly) and len(value.terms) > limit for value in array.flat)

    def is_long(self, count: int, limit: int | None = None) -> bool:
        """Whether a sum of ``count`` terms is written as a Σ (or cut short) at this detail (or
        with more terms than ``limit``)."""
        limit = self.detail.written_terms if limit is None else limit
        return limit is not None and count > limit

    def sum_of(self, terms: Sequence[tuple], running: Sequence[Symbol], *, counted: bool = True,
               limit: int | None = None, columns: TermColumns | None = None) -> object:
        """The terms (tuples of factors) as their :class:`Sum` of products, or, when the sum is
        long at this detail (or has more terms than ``limit``), as a Σ over the indices of
        ``running`` (or its first terms, when the terms have no general term; written out when
        they are not too many). ``columns``: every term as columns, when ``terms`` and
        ``running`` are only the first ones (as many as :meth:`first_terms` says)."""
        count = len(terms) if columns is None else columns.term_count
        written = Sum(tuple(Product(tuple(t)) if len(t) > 1 else t[0] for t in terms))
        if not self.is_long(count, limit):
            return written
        letters = self.letters((running[0] if columns is None else columns.running).tensor)
        found = (general_term(terms, running, letters, counted=counted) if columns is None
                 else columns_general_term(columns, letters, counted=counted))
        if found is not None:
            return found
        shown = self.detail.written_terms
        return written if shown is None or count <= shown else Truncated(Sum(written.terms[:shown]), count)

    def first_terms(self) -> int:
        """How many of a long sum's terms :meth:`sum_of` and :func:`chain_equation
        <symconv.solution.chain_equation>` write out at most, when they have all its terms as
        columns."""
        return max(MAX_SUM_TERMS, self.detail.written_terms or 0)

    def named_tables(self, tensor: Tensor) -> list[FactorTable]:
        """Each block's named local derivatives of ∂L/∂tensor (made once: a pooling layer makes
        an atom per term)."""
        return self.remembered(("named tables", tensor.name), lambda: [
            block.local.named_table() for block in self.derivation.gradient(tensor.name).blocks])

    def term_columns(self, tensor: Tensor, flat: int) -> TermColumns | None:
        """The chain-rule terms of ∂L/∂tensor's entry ``flat`` as columns (nothing made per
        term): its factors ∂L/∂y_k and ∂y_k/∂x (named), the Σ running over the outputs y_k. None
        when they come through more than one layer, or it has none."""
        gradient = self.derivation.gradient(tensor.name)
        found = [(block, table) for block, table in zip(gradient.blocks, self.named_tables(tensor))
                 if block.offsets[flat + 1] > block.offsets[flat]]
        if len(found) != 1:
            return None
        [(block, table)] = found
        start, stop = int(block.offsets[flat]), int(block.offsets[flat + 1])
        outputs = block.outputs[start:stop]
        return TermColumns((factor_column(EntryFactors(block.upstream, outputs), 0, len(outputs)),
                            factor_column(table, start, stop)),
                           EntryFactors(block.output, outputs, named=True))

    def cut(self, side: object) -> object:
        """A long sum (written out, or a polynomial) cut to its first terms at this detail."""
        limit = self.detail.written_terms
        if limit is None:
            return side
        if isinstance(side, Sum) and len(side.terms) > limit:
            return Truncated(Sum(side.terms[:limit]), len(side.terms))
        if isinstance(side, Poly) and len(side.terms) > limit:
            return Truncated(side.first_terms(limit), len(side.terms))
        return side

    def written_entries(self, tensor: Tensor, array: np.ndarray) -> np.ndarray:
        """∂L/∂tensor's entries as this detail writes them: an entry of more than
        ``written_terms`` terms as the Σ of its chain rule when it is the derivation's value
        (a number stays a number), else cut short. Only the entries a printer can show are
        written as Σ, the others cut short, which costs nothing (a 67×67 input has 4,489 entries
        of ∂L/∂X): a Σ is listed, never set in a matrix, so once the first entries a list shows
        have one, the rest are not shown; else a matrix shows the first rows of each slice."""
        if self.detail.written_terms is None or not any(
                isinstance(v, Poly) and self.is_long(len(v.terms)) for v in array.flat):
            return array
        return self.remembered(("written", tensor.name, result_key(array)),
                               lambda: self.sums_written(tensor, array))

    def sums_written(self, tensor: Tensor, array: np.ndarray) -> np.ndarray:
        result = self.result(tensor)
        gradient = self.derivation.gradient(tensor.name)
        written = array.copy()
        leading = len(slice_axes(tensor, self.dims))

        def write(flats: Iterable[int]) -> bool:
            """Write the long entries among ``flats``; whether one became a Σ."""
            summed = False
            for flat in flats:
                value = array.flat[flat]
                if not (isinstance(value, Poly) and self.is_long(len(value.terms))):
                    continue
                found = None
                if value == result.flat[flat]:
                    found = self.entry_general_term(tensor, gradient, flat)
                written.flat[flat] = found if found is not None else self.cut(value)
                summed = summed or found is not None
            return summed

        listed = showable(array.shape, leading, rows=0)
        matrix = showable(array.shape, leading) & ~listed
        if not write(np.flatnonzero(listed)):
            write(np.flatnonzero(matrix))
        for flat in np.flatnonzero(~(listed | matrix)):
            value = array.flat[flat]
            if isinstance(value, Poly) and self.is_long(len(value.terms)):
                written.flat[flat] = self.cut(value)
        return written

    def entry_general_term(self, tensor: Tensor, gradient: Gradient, flat: int) -> IndexedSum | None:
        """The chain-rule sum of ∂L/∂tensor's entry ``flat`` by its general term
        (``Σ ∂L/∂y_k·∂y_k/∂x``), or None: from its terms as columns, or one by one where they
        come through more than one layer."""
        columns = self.term_columns(tensor, flat)
        if columns is not None:
            return columns_general_term(columns, self.letters(columns.running.tensor))
        terms = named_terms(gradient, flat)
        return general_term([(t.upstream, t.local) for t in terms], [t.output for t in terms],
                            self.letters(terms[0].output.tensor)) if terms else None

    def result_blocks(self, lead: tuple, tensor: Tensor, array: np.ndarray | None = None,
                      equations: tuple = ()) -> list:
        """``lead:`` then ∂L/∂tensor (the derivation's result unless ``array`` is given;
        ``equations``, the first and last equation that write every entry). Shown once in a
        handout: where the same matrix was shown before, ``lead: ∂L/∂tensor is the same as (n).``"""
        array = self.result(tensor) if array is None else array
        written = self.chained.get(tensor.name, ())
        covered: int | None = None
        rest: tuple[int, ...] = ()
        once = self.said_once(array)
        if not equations and written and once and all(
                a == r for a, r in zip(array.flat, self.result(tensor).flat)):
            # the chain-rule section writes every entry, or the ones a list would show (the
            # first of the first slice): a list of them would say them again; a small gradient
            # lists the entries the equations leave out, so every entry is shown once
            listed = self.listed_entries(tensor)
            limit = self.detail.rest_listed
            if len(written) == tensor.size:
                equations = tuple(Reference(("chain", tensor.name, flat))
                                  for flat in (written[0], written[-1]))
            elif limit is not None and tensor.size <= limit and not slice_axes(tensor, self.dims):
                equations = tuple(Reference(("chain", tensor.name, flat))
                                  for flat in (written[0], written[-1]))
                rest = tuple(sorted(set(range(tensor.size)) - set(written)))
            elif listed is not None and list(written[:listed]) == list(range(listed)):
                equations = (Reference(("chain", tensor.name, 0)),
                             Reference(("chain", tensor.name, listed - 1)))
                covered = listed
        view = self.gradient_view(tensor, array)._replace(equations=equations, covered=covered, rest=rest)
        return self.shown_once(result_key(array), lead, Derivative(self.loss, tensor), view, again=not once)

    def listed_entries(self, tensor: Tensor) -> int | None:
        """How many entries a list of ∂L/∂tensor shows when it lists only the first entries of
        its first slice (None: it lists more)."""
        if self.detail.listed is None or self.detail.listed_slices != 1:
            return None
        per_slice = prod(tensor.shape[len(slice_axes(tensor, self.dims)):])
        return min(per_slice, self.listed(tensor) or per_slice)

    def listed(self, tensor: Tensor) -> int | None:
        """Entries of each slice a list of a tensor shows (None: the printers' limit): every one
        of a slice of at most ``listed_whole`` (a short list is worth having whole)."""
        per_slice = prod(tensor.shape[len(slice_axes(tensor, self.dims)):])
        return None if per_slice <= self.detail.listed_whole else self.detail.listed

    @staticmethod
    def shown_once(key: tuple, lead: tuple, label: object, view: object, *, again: bool) -> list:
        """``lead:`` then ``view``, numbered when later sections refer to it; where ``key`` was
        shown before, ``lead: label is the same as (n).``, unless it is shown ``again`` in a
        document that repeats results."""
        return [Once(key, (Paragraph((*lead, ":")), Numbered(view, key=key, optional=True)),
                     (Paragraph((*lead, ": ", label, " is the same as ", Reference(key, of=label),
                                 ".")),),
                     result=again, label=label)]

    def where(self, layer: Layer) -> str:
        """`` (layer 2: Y1 → Y2)`` in a chain, nothing for a single layer."""
        layers = self.problem.layers
        if len(layers) == 1:
            return ""
        return f" (layer {layers.index(layer) + 1}: {layer.input.name} → {layer.output.name})"

    def arrow(self, layer: Layer) -> str:
        """`` (layer 2: Y1 → Y2)`` in a chain, `` (X → Y)`` for a single layer."""
        return self.where(layer) or f" ({layer.input.name} → {layer.output.name})"

    def view(self, label: object, array: np.ndarray, tensor: Tensor, *, gradient: bool = False,
             running: bool = False) -> TensorView:
        """``label = array`` shown whole (slice by slice when the tensor has batch or channel axes);
        ``gradient``: the array is ∂L/∂tensor, so listed entries are named ∂L/∂T_i; ``running``:
        a running sum, whose slices of zeros a handout leaves out."""
        detail = self.detail
        return TensorView(label, array, tensor, slice_axes(tensor, self.dims),
                          self.loss if gradient else None, self.label_base(tensor),
                          listed=self.listed(tensor), listed_slices=detail.listed_slices,
                          nonzero=running and detail.once)

    def label_base(self, tensor: Tensor) -> int:
        return label_base(self.problem, tensor)

    def gradient_view(self, tensor: Tensor, array: np.ndarray | None = None) -> TensorView:
        """∂L/∂tensor (the derivation's result unless ``array`` is given), its long entries as
        this detail writes them."""
        array = self.result(tensor) if array is None else array
        return self.view(Derivative(self.loss, tensor), self.written_entries(tensor, array), tensor,
                         gradient=True)

    def slices(self, array: np.ndarray, tensor: Tensor, marked: frozenset[int] = frozenset(),
               name: str = "") -> list:
        """A tensor as one matrix, or as labelled 2-D slices (the first few) when it has batch,
        channel, filter or depth axes; ``marked`` flat positions are highlighted (a handout
        leaves out the slices with none)."""
        axes = slice_axes(tensor, self.dims)
        if not axes:
            return [Labeled(name, Matrix(array, frozenset(marked))) if name
                    else Matrix(array, frozenset(marked))]
        size = prod(array.shape[len(axes):])
        items: list = []
        for number, index in enumerate(np.ndindex(*array.shape[:len(axes)])):
            if len(items) == MAX_SLICES:
                break
            start = number * size
            local = frozenset(m - start for m in marked if start <= m < start + size)
            if self.detail.once and marked and not local:
                continue
            label = ", ".join(f"{a} = {i + self.label_base(tensor)}" for a, i in zip(axes, index))
            items.append(Labeled(f"{name}, {label}" if name else label, Matrix(array[index], local)))
        return items


# -- the chain rule's cases ------------------------------------------------------------------------


class Case(NamedTuple):
    """What kind of entry a gradient entry is, for the chain rule's cases: entries with the same
    ``key`` have chain-rule sums of the same form, shifted; ``words`` name it (``a corner``)."""

    key: tuple
    words: str


EDGE_WORDS = {1: {1: "an edge"}, 2: {2: "a corner", 1: "an edge"},
              3: {3: "a corner", 2: "an edge", 1: "a face"}}


def entry_cases(tensor: Tensor, per_axis: Sequence[Sequence], *, window: bool = False) -> list[Case]:
    """The case of every entry of ``tensor``, from the cases of its positions along each spatial
    axis (the last ones; :class:`~symconv.layers.sliding.geometry.AxisCase`). ``window``: the
    entries are kernel offsets (or a transposed convolution's inputs), whose edges are where the
    padding cuts their sums."""
    dims = len(per_axis)
    spatial = tensor.shape[len(tensor.shape) - dims:]
    found: dict = {}
    cases = []
    for index in np.ndindex(*spatial):
        axes = [per_axis[a][i] for a, i in enumerate(index)]
        key = tuple(axis.key for axis in axes)
        if key not in found:
            found[key] = Case(key, case_words(axes, window))
        cases.append(found[key])
    return cases * (tensor.size // max(1, prod(spatial)))


def case_words(axes: Sequence, window: bool) -> str:
    if any(axis.unread for axis in axes):
        return "read by no output" if not window else "on the padding only"
    edges = sum(1 for axis in axes if axis.side)
    if window:
        return ("cut by the padding" + (f" on {edges} axes" if edges > 1 else "")) if edges else (
            "with every term")
    if edges:
        return EDGE_WORDS[len(axes)][edges]
    return "the interior"


# -- arrays of entries ---------------------------------------------------------------------------


def object_array(items: Sequence, shape: int | tuple[int, ...]) -> np.ndarray:
    array = np.empty(len(items), dtype=object)
    array[:] = list(items)
    return array.reshape(shape)


def unwrap_constant(poly: Poly) -> Number | Poly:
    """A constant polynomial as its number (``3``, not a polynomial), anything else as it is."""
    return poly.number if poly.is_number else poly


def entry_array(tensor: Tensor, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """The tensor's entries (numbers where values are given, else symbols)."""
    return object_array(tensor.entries(), shape or tensor.shape)


def named_array(tensor: Tensor, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """The tensor's entries as symbols, even where values are given (for names such as ``X_{11}``)."""
    return object_array(tensor.symbols, shape or tensor.shape)


def leading_axes(tensor: Tensor, dims: int) -> tuple[str, ...]:
    """Names of the axes ``tensor`` has in front of its ``dims`` spatial ones (batch ``n``,
    channel ``c``, filter ``f``): the last of those its layer type declared."""
    extra = len(tensor.shape) - dims
    names = tensor.leading_axes
    return names[len(names) - extra:] if extra > 0 else ()


def label_base(problem: ProblemView, tensor: Tensor) -> int:
    """Where the slice labels of ``tensor`` (``n = 0, c = 1``) count from: its own index base
    when its entries are named by axis (``Y_{1,2,…}`` sits under ``n = 1, f = 2``), else the
    problem input's (``d7`` or a bare ``b`` has no axis subscripts to agree with, so its
    slices count like the input's: one image is ``n = 0`` in every tensor of the problem)."""
    return tensor.index_base if tensor.naming == "indexed" else problem.input.index_base


def showable(shape: tuple[int, ...], leading: int, rows: int = MAX_ROWS) -> np.ndarray:
    """Which entries of an array of ``shape`` a printer can show (a boolean per flat position):
    in each slice over the ``leading`` axes, the first ``rows`` rows of the matrix it is set as,
    or the first :data:`MAX_LISTED_ENTRIES` when listed, whichever is more."""
    slice_shape = shape[leading:]
    per_slice = prod(slice_shape)
    columns = slice_shape[-1] if slice_shape else 1
    rows = rows if len(slice_shape) >= 2 else min(rows, 1)  # a 1-D slice is one row
    first = min(per_slice, max(rows * columns, MAX_LISTED_ENTRIES))
    return np.tile(np.arange(per_slice) < first, prod(shape[:leading]))


def slice_axes(tensor: Tensor, dims: int) -> tuple[str, ...]:
    """Names of every axis in front of the last two, over which a tensor is shown slice by slice:
    the leading axes, then the spatial ones before the last two (depth ``d`` in 3-D)."""
    spatial = len(tensor.shape) >= dims  # a bias has one axis, never spatial
    return leading_axes(tensor, dims) + (spatial_front(dims) if spatial else ())


def spatial_front(dims: int) -> tuple[str, ...]:
    """The spatial axes in front of the last two (``("d",)`` in 3-D), as slice labels name them."""
    return tuple(axis_names(dims)[:-2].lower())


def kernel_front(dims: int) -> tuple[str, ...]:
    """The kernel offsets in front of the last two (``("k_D",)`` in 3-D), for the slices of a
    window or a kernel."""
    return tuple(f"k_{axis}" for axis in axis_names(dims)[:-2])


def planes(array: np.ndarray, names: Sequence[str | None],
           base: int = 0) -> list[tuple[str, tuple[int, ...]]]:
    """Every 2-D plane of an array whose axes in front of the last two are ``names`` (a 1-D or
    2-D array is one plane): its label (``c = 0, d = 1``, counted from ``base``; an axis named
    None, of size 1, is left out of it) and its index."""
    front = len(names)
    return [(", ".join(f"{name} = {i + base}" for name, i in zip(names, index) if name is not None),
             index) for index in np.ndindex(*array.shape[:front])]


# -- sentences ------------------------------------------------------------------------------------


def more(shown: int, total: int, what: str) -> list:
    if shown >= total:
        return []
    rest = total - shown
    return [Paragraph((f"Only the first {shown} of the {total} {what} are written out; the"
                       + (" last is" if rest == 1 else f" other {rest} are") + " formed the same way.",))]


def with_and(items: list) -> list:
    """``a``, ``a and b``, ``a, b and c`` (names and math, for a sentence)."""
    parts: list = []
    for number, item in enumerate(items):
        if number:
            parts.append(" and " if number == len(items) - 1 else ", ")
        parts.append(item)
    return parts


def listing(items: list, total: int | None = None) -> list:
    """``a, b, c.``; after :data:`MAX_LISTED` items, the count of the rest (of ``total`` items in
    all, when only the first ones are given)."""
    total = len(items) if total is None else total
    parts: list = []
    for number, item in enumerate(items[:MAX_LISTED]):
        if number:
            parts.append(", ")
        parts.append(item)
    if total > MAX_LISTED:
        parts.append(f" and {total - MAX_LISTED} more")
    return parts + ["."] if total else []


def output_matrix(layer: Layer, context: Context) -> list:
    """``So the output is: Y = […]``, the end of a forward section, when the output has values."""
    y = layer.output
    if not y.is_numeric:
        return []
    return output_blocks(context, ("So the output is",), y, entry_array(y))


def output_blocks(context: Context, lead: tuple, y: Tensor, array: np.ndarray) -> list:
    """``lead:`` and the output ``y = […]``, shown once in a handout."""
    return context.shown_once(result_key(array), lead, Formula(y.name),
                              context.view(Formula(y.name), array, y), again=not context.said_once(array))


def result_key(array: np.ndarray) -> tuple:
    """A result by its shape and entries: the same matrix shown twice (∂L/∂X by the chain rule and
    by the closed form, or two tensors of equal entries) is shown once in a handout."""
    return ("result", EntriesKey(array))


class EntriesKey:
    """An array's shape and entries as a key (:func:`result_key`): equal when the shapes and the
    entries' values are. It is hashed by the shape and each entry's number of terms, and the
    entries are compared only when those agree: a 67 × 67 gradient's polynomials are not hashed
    term by term to find that it is shown for the first time."""

    __slots__ = ("shape", "values", "_hash")

    def __init__(self, array: np.ndarray):
        self.shape = array.shape
        self.values = [Poly.lift(value) if isinstance(value, (Poly, Atom, int, Fraction)) else repr(value)
                       for value in array.flat]
        self._hash = hash((self.shape, tuple(len(value.terms) if isinstance(value, Poly) else value
                                             for value in self.values)))

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return self is other or (isinstance(other, EntriesKey) and self._hash == other._hash
                                 and self.shape == other.shape and self.values == other.values)

    def __repr__(self) -> str:
        return f"EntriesKey(shape={self.shape})"


# -- chain-rule terms with their factors named ------------------------------------------------------


class NamedTerm(NamedTuple):
    """A chain-rule term with its local derivative named even when it has a value: for ∂L/∂W of
    the CS7643 image, ``local`` is the symbol ``X_{11}`` while the term's value uses 1."""

    output: Symbol
    upstream: Number | Symbol
    local: Number | Atom  # a number, a symbol or another atom (an indicator, LP's root)


def named_terms(gradient: Gradient, flat: int, limit: int | None = None) -> list[NamedTerm]:
    """The chain-rule terms of entry ``flat`` (the first ``limit`` of them)."""
    terms: list[NamedTerm] = []
    for block in gradient.blocks:
        start, stop = int(block.offsets[flat]), int(block.offsets[flat + 1])
        if limit is not None:
            stop = min(stop, start + limit - len(terms))
        for row in range(start, stop):
            output = int(block.outputs[row])
            terms.append(NamedTerm(Symbol(block.output, output), block.upstream.entry(output),
                                   block.local.named(row)))
    return terms


def term_count(gradient: Gradient, flat: int) -> int:
    """How many chain-rule terms entry ``flat`` has."""
    return sum(int(block.offsets[flat + 1] - block.offsets[flat]) for block in gradient.blocks)


def named_values(gradient: Gradient, flats: Sequence[int]) -> list[Poly]:
    """The sums of the entries ``flats`` with their local derivatives named
    (:func:`named_terms`): on arrays when every factor is a symbol or an integer."""
    if named_as_valued(block.named_tables()[1] for block in gradient.blocks):
        values = gradient.polys()  # no factor has a value to be named by
        return [values[flat] for flat in flats]
    factors = TermFactors(gradient.blocks, named=True)
    if factors.exact:
        return factors.polys(np.asarray(flats, dtype=np.int64))
    return [named_sum(named_terms(gradient, flat)) for flat in flats]


def named_factor_lists(gradient: Gradient) -> list:
    """Each block's named local derivatives as a list when they are numbers or atoms (which may
    have remarks, :func:`entry_remarks`), None where they are tensor entries or one number."""
    return [local if isinstance(local, list) else None
            for _, local in (block.named_tables() for block in gradient.blocks)]


def entry_remarks(gradient: Gradient, factor_lists: list, flat: int) -> list:
    """:func:`remarks` of entry ``flat``'s named local derivatives (``factor_lists`` from
    :func:`named_factor_lists`): symbols and numbers make none."""
    return remarks(factor for block, factors in zip(gradient.blocks, factor_lists) if factors is not None
                   for factor in factors[int(block.offsets[flat]):int(block.offsets[flat + 1])])


def remarks(factors: Iterable[object]) -> list:
    """A paragraph for each different remark the factors make about their values (a tied maximum:
    which one takes the gradient), in order."""
    said: list = []
    for factor in factors:
        words = factor.remark() if isinstance(factor, Atom) else ()
        if words and words not in said:
            said.append(words)
    return [Paragraph(words) for words in said]


def named_sum(terms: list[NamedTerm]) -> Poly:
    return poly_sum(product_of((t.upstream, t.local)) for t in terms)
