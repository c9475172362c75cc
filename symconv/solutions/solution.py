"""A worked solution: the sections a handout would show, as data in :mod:`symconv.core.document`'s
vocabulary.

Each layer type writes its own sections (shapes, forward, dw, dx, db, closed-form: see
:attr:`symconv.engine.registry.LayerType.sections`); this module asks every layer for them, in the
handouts' order, and writes the sections that span the whole problem: the statement, the chain rule
entry by entry, connectivity and the checks. :func:`render_solution` prints the result in one of
:mod:`symconv.render`'s formats. How much is written out is the :class:`~symconv.engine.sections.Detail`
level (a handout, or everything); every section says what it leaves out. The sections are built
from the problem and the detail level alone; :func:`~symconv.core.document.settle` then decides, in
one pass over the document, which results are shown and which are referred to by number.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

from ..core.contract import Layer
from ..problems.checks import CheckReport, check
from ..engine.derivation import DEFAULT_MAX_TERMS, Derivation, check_size, derive
from ..core.document import (MAX_SUM_TERMS, ChainBlock, ChainTerms, Concat, Derivative, Display, Document,
                       Equation, Figure, Formula, Gallery, Heading, IndexedSum, Matrix, Numbered, Paragraph,
                       Product, Reference, Relations, Section, Sum, Truncated, equation, settle, with_math)
from ..core.errors import SizeLimitError, SymconvError
from ..engine.figures import entries_grids, is_pictured
from ..core.indexed import Derivatives, Same, TermColumns
from ..engine.product_sums import collection_paused
from ..layers import layer_type
from ..problems.matrix import (check_printable, has_matrix, matrix_document, matrix_layer, matrix_of, matrix_section,
                     printable)
from ..core.poly import Poly, Symbol
from ..core.presentation import Look, Presentable, register
from ..problems.problem import Problem, Source
from ..render.json import matrix_json
from ..render.solve import Rendered, is_interactive, render_document, render_document_files
from ..engine.sections import (FULL, HANDOUT, MAX_LISTED, Context, Detail, NamedTerm, ProblemView, entry_array,
                       entry_remarks, listing, more, named_array, named_factor_lists, named_sum,
                       named_terms, named_values, slice_axes, term_count, with_and)
from ..core.tensors import Role, Tensor, flat_from_display
from ..core.wording import kinks_words, plural, shape_text

SECTION_NAMES = ("shapes", "forward", "dw", "dx", "db", "chain", "closed-form", "matrix", "connect",
                 "checks")
BACKWARD_SECTIONS = ("dw", "dx", "db")  # written per layer, from the last layer back
HANDOUT_LEAVES_OUT = ("matrix", "connect")  # sections a handout has only when asked for
MAX_SOLUTION_TERMS = 200_000


@dataclass(frozen=True, repr=False)
class Solution(Presentable):
    """A worked solution: its document, and the derivation it was written from. In a notebook it
    shows as the interactive HTML page (:func:`symconv.display`)."""

    problem: Problem
    document: Document
    detail: Detail
    derivation: Derivation | None = field(default=None, compare=False)

    @property
    def sections(self) -> tuple[Section, ...]:
        return self.document.sections

    @cached_property
    def relations(self) -> Relations:
        """Every gradient entry's chain-rule factors (computed when a page needs them)."""
        return chain_relations(self.problem, self.derivation or derive(self.problem))


# -- the problem statement -----------------------------------------------------------------------


SIDE_BY_SIDE = 36  # a handout sets the problem's tensors of at most this many entries side by side


def introduction(context: Context) -> list:
    problem = context.problem
    loss = context.loss
    blocks: list = [*source_blocks(problem.source, problem), Heading("Problem")]
    for layer in problem.layers:
        words = layer_type(layer).describe(layer, context)
        ending = ("; the loss is ", Formula(loss), ".") if layer is problem.layers[-1] else (".",)
        blocks.append(Paragraph((*words, *ending)))
        tensors = list(layer.parameters)
        if layer is problem.layers[0]:
            tensors.insert(0, layer.input)
        blocks += statement_views(context, [(Formula(t.name), t) for t in tensors
                                            if t.naming != "bare" or t.is_numeric])  # else named above
    upstream = problem.upstream
    output = problem.layers[-1].output
    if upstream.derivative_of and not upstream.is_numeric:
        blocks.append(Paragraph(("The upstream gradient ", Derivative(loss, output),
                                 f" ({shape_text(output.shape)}) comes from the layers above;"
                                 " its entries are written ", Symbol(upstream, 0), ", ….")))
    else:
        blocks += statement_views(context, [(Derivative(loss, output), upstream)])
    return merged_galleries(blocks)


def source_blocks(source: Source | None, problem: ProblemView) -> list:
    """"Source and corrections": where the problem comes from, then each of its notes."""
    if source is None:
        return []
    said = ", ".join(text for text in (source.title, source.citation) if text)
    blocks: list = [Heading("Source and corrections")]
    if said:
        blocks.append(Paragraph((f"From {said}.",)))
    return blocks + [Paragraph(tuple(part for piece in with_math(note) for part in (
        (piece,) if isinstance(piece, Formula) else note_parts(piece, problem))))
                     for note in source.notes]


NAME = r"[A-Za-z][A-Za-z0-9]*(?:_(?:\{\d+(?:, ?\d+)*\}|\d+)|[₀-₉]+)"
NOTE_NAMES = re.compile(rf"∂({NAME}|[A-Za-z][A-Za-z0-9]*)/∂({NAME}|[A-Za-z][A-Za-z0-9]*\b)|({NAME})")
SPLIT_NAME = re.compile(r"([A-Za-z][A-Za-z0-9]*?)(?:_(\{[\d, ]+\}|\d+)|([₀-₉]+))$")
SUBSCRIPT_DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")


def note_parts(note: str, problem: ProblemView) -> tuple:
    """A note's words, with every name of an entry of the problem (``A_33``, ``A_{1,10}``,
    ``A₃₃``) as that entry and every derivative of one (``∂E/∂A_24``, ``∂C_21/∂A_24``) or of the
    loss by a whole tensor (``∂E/∂A``) as that derivative, so each format writes them as the
    document does; anything else stays words."""
    tensors = {t.name: t for t in [problem.upstream, *problem.tensors()]}  # C over ∂E/∂C's C

    def entry(name: str | None) -> Symbol | None:
        split = SPLIT_NAME.match(name or "")
        return None if split is None else entry_named(tensors.get(split.group(1)),
                                                       split.group(2) or split.group(3))

    parts: list = []
    at = 0
    for found in NOTE_NAMES.finditer(note):
        top, bottom, alone = found.groups()
        node: Symbol | Derivative | None
        if alone is not None:
            node = entry(alone)
        elif top == problem.loss and bottom in tensors and not tensors[bottom].derivative_of:
            node = Derivative(top, tensors[bottom])  # ∂E/∂A: a whole tensor's gradient
        else:
            over = problem.loss if top == problem.loss else entry(top)
            node = Derivative(over, entry(bottom)) if over is not None and entry(bottom) else None
        if node is None:
            continue
        parts += [note[at:found.start()], node]
        at = found.end()
    parts.append(note[at:])
    return tuple(part for part in parts if part != "")


def entry_named(tensor: Tensor | None, subscript: str) -> Symbol | None:
    """The entry of ``tensor`` a written subscript names (``33`` one digit per axis, ``{1,10}``,
    ``₃₃``, or a flat-named tensor's position), or None."""
    if tensor is None or tensor.naming == "bare" or tensor.derivative_of:
        return None
    subscript = subscript.translate(SUBSCRIPT_DIGITS)
    if subscript.startswith("{"):
        numbers = tuple(int(n) for n in subscript.strip("{} ").split(","))
    elif tensor.naming == "flat":
        numbers = (int(subscript),)
    else:
        numbers = tuple(int(digit) for digit in subscript)
    try:
        return Symbol(tensor, flat_from_display(tensor, numbers))
    except SymconvError:
        return None


def statement_views(context: Context, labelled: list) -> list:
    """The problem's tensors, ``label = […]``: in a handout, small ones (no batch or channel
    axes, at most :data:`SIDE_BY_SIDE` entries) as items of a gallery, which sets them side by
    side as far as the line allows."""
    blocks: list = []
    for label, tensor in labelled:
        if context.detail.once and tensor.size <= SIDE_BY_SIDE and not slice_axes(tensor, context.dims):
            blocks.append(Gallery((Equation((label, Matrix(entry_array(tensor)))),)))
        elif context.detail.once and not tensor.is_numeric:  # names: one slice shows them all
            blocks.append(context.view(label, entry_array(tensor), tensor)._replace(slices=1))
        else:
            blocks.append(context.view(label, entry_array(tensor), tensor))
    return blocks


def merged_galleries(blocks: list) -> list:
    """Consecutive galleries as one (their items side by side)."""
    merged: list = []
    for block in blocks:
        if isinstance(block, Gallery) and merged and isinstance(merged[-1], Gallery):
            merged[-1] = Gallery(merged[-1].items + block.items)
        else:
            merged.append(block)
    return merged


def default_title(problem: Problem) -> str:
    """``5 × 5 input, 3 × 3 kernel, stride 1, padding 0 → ReLU → 2 × 2 max pooling, stride 1``:
    the input's shape, then every layer in order, named by its layer type."""
    names = []
    for layer in problem.layers:
        title = layer_type(layer).title
        names.append(title(layer) if title is not None else layer.kind)
    return f"{shape_text(problem.input.shape)} input, {' → '.join(names)}"


# -- the chain rule, entry by entry -------------------------------------------------------------------


def backward_order(problem: ProblemView) -> list[Tensor]:
    """The tensors with a gradient in the order the chain rule reaches them: layer by layer from
    the loss back (∂L/∂Y2 before ∂L/∂Y1 before ∂L/∂X), a layer's input before its parameters."""
    order: list[Tensor] = []
    for layer in reversed(problem.layers):
        order += [t for t in (layer.input, *layer.parameters) if t not in order]
    return order


def chain_equation(context: Context, entry: Symbol, value: Poly, terms: list[NamedTerm],
                   expanded: Poly | None = None, *, named: Poly | None = None,
                   count: int | None = None, columns: TermColumns | None = None) -> Equation:
    """``∂L/∂x = Σ_k ∂L/∂y_k·∂y_k/∂x = (the terms with their factors named) = value``, then the
    value expanded down to the given upstream gradient when it differs (a chain). ``terms``:
    the entry's chain-rule terms (:func:`~symconv.engine.sections.named_terms`: all of them when the
    detail writes long sums as Σ, else the first :data:`~symconv.core.document.MAX_SUM_TERMS` of its
    ``count`` are enough; with ``columns``, every term as columns (:meth:`Context.term_columns
    <symconv.engine.sections.Context.term_columns>`), the first :meth:`Context.first_terms
    <symconv.engine.sections.Context.first_terms>` are), ``named`` their sum
    (:func:`~symconv.engine.sections.named_values`), ``value`` its value (the derivation's). A sum too
    long for the detail level is a Σ over the outputs that read the entry, with its number of
    terms; its value is written when it is short (a number)."""
    loss = context.loss
    count = len(terms) if count is None else count
    sides: tuple = (Derivative(loss, entry),)
    if not count:
        return equation(*sides, 0)
    named = named_sum(terms) if named is None else named
    if columns is not None or not context.is_long(count):
        terms = terms[:context.first_terms()]  # all that is written out (a Σ reads the columns)
    chain = [(Derivative(loss, t.output), Derivative(t.output, entry)) for t in terms]
    running = [t.output for t in terms]
    if not context.is_long(count, context.detail.chain_terms):
        written = Sum(tuple(Product(factors) for factors in chain[:MAX_SUM_TERMS]))  # the rest
        sides += (written if count <= MAX_SUM_TERMS else Truncated(written, count), named)
    elif not context.is_long(count):  # a chain side as Σ; the terms named one by one
        sides += (context.sum_of(chain, running, limit=context.detail.chain_terms), named)
    else:
        general = context.sum_of([(t.upstream, t.local) for t in terms], running, columns=columns)
        sides += (context.sum_of(chain, running, counted=isinstance(general, Truncated),
                                 columns=None if columns is None else chain_columns(columns, loss, entry)),
                  general)
    # the value, then its expansion down to the given upstream gradient (a chain), each when it
    # is short enough to add something a reader takes in
    for found, limit in ((value, None), (expanded, context.detail.chain_terms)):
        if found is not None and found != sides[-1] and found != value_of(sides[-1]) and not (
                isinstance(found, Poly) and context.is_long(len(found.terms), limit)):
            sides += (found,)
    return equation(*sides)


def chain_columns(columns: TermColumns, loss: str, entry: Symbol) -> TermColumns:
    """The chain side ∂L/∂y_k·∂y_k/∂x of terms given as columns."""
    outputs = columns.running
    return TermColumns((Derivatives(Same(loss), outputs), Derivatives(outputs, Same(entry))), outputs)


def value_of(side: object) -> object:
    """A written side as a value, when it is one (a polynomial): to leave out a side that says it
    again."""
    return side if isinstance(side, (Poly, int)) else None


def chosen_entries(context: Context, tensor: Tensor) -> tuple[list[int], list[tuple[int, str]]]:
    """The entries whose chain rule is written: the first ones, and (when the detail level asks
    for cases) the first entry of every other case of the layer's geometry, with its words."""
    detail = context.detail
    first = list(range(min(tensor.size, detail.equations)))
    layer = next((l for l in context.problem.layers if tensor in (l.input, *l.parameters)), None)
    find = layer_type(layer).cases if layer is not None else None
    cases = find(layer, tensor) if detail.cases and find is not None else None
    if not cases:
        return first, []
    seen = {cases[flat].key for flat in first}
    extra = []
    for flat, case in enumerate(cases):
        if case.key not in seen:
            seen.add(case.key)
            extra.append((flat, case.words))
    # cases that read alike (two edges, one and two from the border; interiors the stride
    # leaves sums of different sizes) are told apart by their number of terms
    gradient = context.derivation.gradient(tensor.name)
    alike = {words for _, words in extra if sum(1 for _, w in extra if w == words) > 1}
    counted = [(flat, f"{words}, {plural(term_count(gradient, flat), 'term')}"
                if words in alike else words) for flat, words in extra]
    told = [words for _, words in counted]
    return first, [(flat, words if told.count(words) == 1 else plain)
                   for (flat, words), (_, plain) in zip(counted, extra)]


def chained_tensors(context: Context) -> list[Tensor]:
    """The tensors whose entries the chain-rule section writes, in the order it reaches them: all
    of them; in a handout that derives the layers' outputs in their own sections (dx), the
    problem's own tensors only."""
    tensors = backward_order(context.problem)
    if context.detail.once and "dx" in context.sections:
        return [t for t in tensors if t.role is not Role.OUTPUT]
    return tensors


def chain_rule_section(context: Context) -> Section:
    problem, loss = context.problem, context.loss
    blocks: list = [Heading("Chain rule, entry by entry"),
                    Paragraph(("For every entry ", Formula("x"), ", ",
                               Formula(f"∂{loss}/∂x = Σ_k ∂{loss}/∂y_k · ∂y_k/∂x"),
                               ", summed over exactly the outputs ", Formula("y_k"), " that read ",
                               Formula("x"), ".",))]
    layers = problem.layers
    tensors = chained_tensors(context)
    if len(layers) > 1 and len(tensors) < len(backward_order(problem)):
        inner = [Derivative(loss, layer.output) for layer in layers[:-1]]
        blocks.append(Paragraph((
            "The gradients of the layers' outputs, ", *with_and(inner), ", are derived layer by"
            " layer in the sections above. Here each entry of the problem's own tensors is"
            " written through the entries of the next layer's gradient, and the last value of an"
            " equation expands it down to the given upstream gradient ",
            Derivative(loss, layers[-1].output), ".")))
    elif len(layers) > 1:
        last, before = layers[-1], layers[-2]
        blocks.append(Paragraph((
            "The layers are taken one at a time from the loss back: each entry of ",
            Derivative(loss, last.input), " is written through the entries of ",
            Derivative(loss, last.output), ", each entry of ", Derivative(loss, before.input),
            " through those of ", Derivative(loss, before.output), ", and so on. The last value"
            " of an equation expands the entry down to the given upstream gradient ",
            Derivative(loss, last.output), ".")))
    for tensor in tensors:
        gradient = context.derivation.gradient(tensor.name)
        first, extra = chosen_entries(context, tensor)
        flats = first + [flat for flat, _ in extra]
        expanded: dict[int, Poly | None] = {}
        unexpanded, whole = False, None
        if gradient.reads_intermediate:
            try:
                whole = context.expanded(tensor)
                expanded = {flat: whole.flat[flat] for flat in flats}
            except SizeLimitError:  # the layer-by-layer form is still written
                unexpanded = True
        blocks.append(Heading(("Entries of ", Derivative(loss, tensor)), 2))
        if unexpanded:
            blocks.append(Paragraph(("(Expanded down to the given upstream gradient these entries"
                                     " would have too many terms to write; they are left in the"
                                     " layer-by-layer form.)",)))
        result = context.result(tensor)
        named = dict(zip(flats, named_values(gradient, flats)))
        factor_lists = named_factor_lists(gradient)

        def entry_equation(flat: int) -> list:
            # a detail that writes long sums out needs only the terms it shows; one that writes
            # them as Σ finds the general term from every term, as columns where it can
            columns = context.term_columns(tensor, flat) if context.detail.written_terms is not None else None
            terms = named_terms(gradient, flat, None if context.detail.written_terms is not None
                                and columns is None else context.first_terms())
            return [Numbered(chain_equation(context, Symbol(tensor, flat), result.flat[flat], terms,
                                            expanded.get(flat), named=named[flat],
                                            count=term_count(gradient, flat), columns=columns),
                             key=("chain", tensor.name, flat)),
                    *entry_remarks(gradient, factor_lists, flat)]

        for flat in first:
            blocks += entry_equation(flat)
        if extra:
            listed: list = []
            for number, (flat, words) in enumerate(extra):
                if number:
                    listed.append(" and " if number == len(extra) - 1 else ", ")
                listed += [Symbol(tensor, flat), f" ({words})"]
            blocks.append(Paragraph(("One entry of each other case: ", *listed, ":")))
            for flat, _ in extra:
                blocks += entry_equation(flat)
        if context.detail.cases:
            blocks += cases_note(len(flats), tensor.size)
        else:
            blocks += more(len(flats), tensor.size, f"entries of ∂{loss}/∂{tensor.name}")
        every = (tuple(Reference(("chain", tensor.name, flat)) for flat in (flats[0], flats[-1]))
                 if context.said_once(result) and len(flats) == tensor.size else ())
        expands = whole is not None and any(e != r for e, r in zip(whole.flat, result.flat))
        if expands and whole is not None and context.detail.once:
            # a handout shows the expansion alone where it is short enough to read (numbers),
            # and no expansion where it is not
            short = all(not isinstance(e, Poly) or not context.is_long(len(e.terms), context.detail.chain_terms)
                        for e in whole.flat)
            blocks += context.result_blocks(
                ("For all the entries together, expanded down to the given upstream gradient",),
                tensor, whole) if short else context.result_blocks(
                ("For all the entries together",), tensor, result, equations=every)
        elif not (every and any(isinstance(v, IndexedSum)
                                for v in context.written_entries(tensor, result).flat)):
            # (entries written as Σ are listed, never set in a matrix: the equations just
            # written are the list)
            blocks += context.result_blocks(("For all the entries together",), tensor, result,
                                            equations=every)
            if expands:
                blocks += context.result_blocks(("Expanded down to the given upstream gradient",),
                                                tensor, whole)
    return Section("chain", tuple(blocks))


def cases_note(shown: int, total: int) -> list:
    if shown >= total:
        return []
    rest = total - shown
    subject = "The other entry is" if rest == 1 else f"Each of the other {rest} entries is"
    return [Paragraph((f"{subject} one of these cases: its sum has the same form, shifted or"
                       " mirrored.",))]


# -- what each gradient entry reads, for interactive pages ------------------------------------------


def chain_relations(problem: Problem, derivation: Derivation) -> Relations:
    """Every gradient's chain rule as the derivation's arrays (nothing is made per entry: a page
    takes what it shows)."""
    gradients = []
    for tensor in backward_order(problem):
        gradient = derivation.gradient(tensor.name)
        blocks = tuple(ChainBlock(block.output, block.upstream, block.offsets, block.outputs,
                                  block.local.named_table()) for block in gradient.blocks)
        gradients.append(ChainTerms(tensor, blocks, gradient.polys(), gradient.known()))
    return Relations(problem.loss, tuple(gradients), problem.layers[-1].output.name)


# -- connectivity -------------------------------------------------------------------------------------


def default_connect_entries(problem: Problem, derivation: Derivation) -> list[Symbol]:
    """The slides' two questions for this problem: the input entry that feeds the most outputs
    (x_22 for a 5×5 input and a 3×3 kernel) and the second weight entry (w_01)."""
    layer = problem.layers[0]
    counts = np.diff(derivation.gradient(layer.input.name).blocks[0].offsets)
    entries = [Symbol(layer.input, int(np.argmax(counts)))]
    weight = next((p for p in layer.parameters if p.role is Role.WEIGHT), None)
    if weight is not None:
        entries.append(Symbol(weight, min(1, weight.size - 1)))
    return entries


def connect_section(context: Context, entry: Symbol) -> Section:
    """Which outputs an entry feeds, with the partner factor of each (slides: "what locations in
    y are connected to x_22?", "which x and y pairs are computed using w_01?")."""
    gradient = context.derivation.gradient(entry.tensor.name)
    layer = next(l for l in context.problem.layers if entry.tensor in (l.input, *l.parameters))
    terms = named_terms(gradient, entry.flat)
    x, y = layer.input, layer.output
    outputs = frozenset(t.output.flat for t in terms)
    if entry.tensor is x:
        listed = [t.output for t in terms]
        blocks: list = [Heading(("Which outputs are connected to ", entry)),
                        Paragraph((entry, f" is read by {plural(len(listed), 'output')}"
                                   + (": " if listed else "."), *listing(listed)))]
        items = (context.slices(named_array(x), x, frozenset({entry.flat}), x.name)
                 + context.slices(named_array(y), y, outputs, y.name))
    else:
        inputs = frozenset(t.local.flat for t in terms if isinstance(t.local, Symbol))
        pairs = [Concat((Formula("("), t.local, Formula(", "), t.output, Formula(")")))
                 for t in terms[:MAX_LISTED]]
        blocks = [Heading((f"Which ({x.name}, {y.name}) pairs use ", entry)),
                  Paragraph((entry, f" is used by {plural(len(terms), 'pair')}"
                             + (": " if terms else "."), *listing(pairs, len(terms))))]
        items = (context.slices(named_array(x), x, inputs, x.name)
                 + context.slices(named_array(entry.tensor), entry.tensor, frozenset({entry.flat}),
                                  entry.tensor.name)
                 + context.slices(named_array(y), y, outputs, y.name))
    figure = connect_figure(context, entry, x, y, terms)
    if not (figure and context.detail.once):  # a handout draws them once, in the picture
        blocks.append(Paragraph(("The entries involved are marked:",)))
        blocks.append(Gallery(tuple(items)))
    blocks += [f._replace(alone=context.detail.once) for f in figure]
    blocks.append(Paragraph(("So its gradient is:",)))
    return Section("connect", tuple(blocks + [Display((chain_equation(
        context, entry, gradient.polys()[entry.flat], terms,
        named=named_values(gradient, [entry.flat])[0]),))]))


def connect_figure(context: Context, entry: Symbol, x: Tensor, y: Tensor,
                   terms: list[NamedTerm]) -> list:
    """The slides' picture: the entry ringed, the outputs that read it (and, for a weight entry,
    the inputs it multiplies) shaded."""
    if not is_pictured(context.dims) or not terms:
        return []
    dims, outputs = context.dims, [t.output for t in terms]
    if entry.tensor is x:
        grids = entries_grids(x, dims, [entry], marked=True) + entries_grids(y, dims, outputs)
        caption: tuple = (entry, " (ringed) is read by the outputs shaded in ", Formula(y.name), ".")
    else:
        inputs = [t.local for t in terms if isinstance(t.local, Symbol)]
        grids = (entries_grids(x, dims, inputs) + entries_grids(entry.tensor, dims, [entry], marked=True)
                 + entries_grids(y, dims, outputs))
        caption = (entry, " (ringed) multiplies the shaded entries of ", Formula(x.name),
                   " into the shaded outputs of ", Formula(y.name), ".")
    return [Figure(tuple(grids), caption)]


# -- checks -------------------------------------------------------------------------------------------


def checks_section(problem: Problem, context: Context, seed: int) -> Section:
    report = check(problem, seed=seed, derivation=context.derivation)
    if context.detail.brief_checks:
        return Section("checks", (Heading("Checks"), brief_checks(report, context.loss)))
    blocks: list = [Heading("Checks"),
                    Paragraph(("Every gradient was computed "
                               + ("three independent ways: the chain rule above, the closed form, and"
                                  if report.closed_form_compared else
                                  "two independent ways: the chain rule above and")
                               + " a NumPy reference (with central finite differences as a third opinion)"
                               + (", and through the matrix form C as a fourth" if report.matrix_compared
                                  else "")
                               + f", at random values (seed {report.seed}; given values kept)."
                               " Largest absolute difference from NumPy:",))]
    for row in report.rows:
        fd = ""
        if row.finite_differences is not None:
            more_skipped = f"; {row.fd_skipped} more skipped at kinks" if row.fd_skipped else ""
            fd = (f", finite differences {row.finite_differences:.1e}"
                  f" ({plural(row.fd_entries, 'entry')}{more_skipped})")
        elif row.fd_skipped:
            fd = (", finite differences skipped at the one entry tried (a kink)" if row.fd_skipped == 1
                  else f", finite differences skipped at all {row.fd_skipped} entries tried (kinks)")
        verdict = "agree" if row.ok else "DISAGREE"
        closed = ("no closed form for this layer" if row.closed_form is None
                  else f"closed form {row.closed_form:.1e}")
        matrix = "" if row.matrix is None else f", matrix {row.matrix:.1e}"
        blocks.append(Paragraph((Derivative(context.loss, Formula(row.tensor)), f": chain rule"
                                 f" {row.chain_rule:.1e}, {closed}{matrix}{fd} — {verdict}.",)))
    skipped = [f"{row.tensor}: {row.fd_skipped} of {plural(row.fd_skipped + row.fd_entries, 'entry')} tried"
               for row in report.rows if row.fd_skipped]
    if skipped:
        blocks.append(Paragraph((f"Finite differences were skipped at kinks ({', '.join(skipped)}):"
                                 f" {kinks_words(report.with_kinks)}.",)))
    blocks.append(Paragraph((report.verdict.capitalize() + "." if report.ok else
                             "The routes DISAGREE: please report this problem file.",)))
    return Section("checks", tuple(blocks))


def brief_checks(report: CheckReport, loss: str) -> Paragraph:
    """The checks in one paragraph: the routes, whether they agree, the largest difference."""
    routes = ["the chain rule above", "the closed form" if report.closed_form_compared else None,
        "a NumPy reference with central finite differences",
        "the layer written as one matrix product" if report.matrix_compared else None]
    named = [route for route in routes if route is not None]
    gradients = with_and([Derivative(loss, Formula(row.tensor)) for row in report.rows])
    largest = max((value for row in report.rows for value in (row.chain_rule, row.closed_form,
                                                              row.matrix) if value is not None),
                  default=0.0)
    if report.ok:
        verdict: tuple = (f" agree on {plural(len(report.rows), 'gradient')} (", *gradients,
                          "): the largest difference from NumPy is "
                          + (f"{largest:.1e}." if largest else "0."))
    else:
        wrong = with_and([Derivative(loss, Formula(row.tensor)) for row in report.rows if not row.ok])
        verdict = (" DISAGREE on ", *wrong, ": please report this problem file.")
    return Paragraph((f"At random values (seed {report.seed}; given values kept), "
                      + ", ".join(named[:-1]) + f" and {named[-1]}", *verdict))


# -- the whole solution -------------------------------------------------------------------------------


def parse_sections(text: str) -> tuple[str, ...]:
    """``"shapes,dx"`` -> ``("shapes", "dx")``, in the document's order; unknown names are an error."""
    wanted = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [name for name in wanted if name not in SECTION_NAMES]
    if unknown or not wanted:
        problem = f"unknown section {unknown[0]!r}" if unknown else "no section named"
        raise SymconvError(f"{problem}; choose from {','.join(SECTION_NAMES)}"
                           " (e.g. --sections shapes,dx)")
    return tuple(name for name in SECTION_NAMES if name in wanted)


def layer_sections(layer: Layer, names: tuple[str, ...], context: Context) -> list[Section]:
    builders = layer_type(layer).sections
    return [section for name in names if name in builders
            if (section := builders[name](layer, context)) is not None]


def default_sections(detail: Detail | str = HANDOUT) -> tuple[str, ...]:
    """The sections a solution has when none are named: all of them in full; a handout leaves
    out the matrix view and the connectivity questions (``symconv matrix`` and ``symconv
    connect`` print them, and ``--sections`` can ask for them)."""
    return SECTION_NAMES if Detail.named(detail).name == "full" else tuple(
        name for name in SECTION_NAMES if name not in HANDOUT_LEAVES_OUT)


@collection_paused()  # a worked solution is millions of small objects without cycles
def build_solution(problem: Problem, sections: tuple[str, ...] | None = None, *,
                   detail: Detail | str = HANDOUT, derivation: Derivation | None = None,
                   connect: list[Symbol] | None = None, max_terms: int = MAX_SOLUTION_TERMS,
                   seed: int = 0, statement: bool = True) -> Solution:
    """The worked solution of ``problem`` with the named sections (by default those of the
    detail level, :func:`default_sections`), in document order.

    ``detail``: ``"handout"`` (the default: what a TA hands out, each result once) or ``"full"``
    (everything written out), or a :class:`~symconv.engine.sections.Detail`. ``connect`` lists the
    entries the connectivity section asks about (default: the slides' two questions);
    ``statement`` starts the document with the problem (the layers and their tensors). Problems
    with more chain-rule terms than ``max_terms`` are refused: a document that long cannot be
    read, and ``symconv grad`` answers single entries of any size. The sections are a pure
    function of the problem and the detail level.
    """
    detail = Detail.named(detail)
    sections = default_sections(detail) if sections is None else tuple(sections)
    count = problem.term_count()
    if count > max_terms:
        raise SizeLimitError(f"this problem has {count:,} chain-rule terms, over the limit of"
                             f" {max_terms:,} for a worked solution; use symconv grad --entry for"
                             " single entries, or raise the limit with --max-terms")
    derivation = derivation or derive(problem, max_terms=max(max_terms, count))
    context = Context(problem, derivation, detail, statement, sections)
    if "chain" in sections:
        context = replace(context, chained={tensor.name: tuple(first + [flat for flat, _ in extra])
                                            for tensor in chained_tensors(context)
                                            for first, extra in [chosen_entries(context, tensor)]})
    built: list[Section] = []
    backward = tuple(n for n in BACKWARD_SECTIONS if n in sections)
    for name in SECTION_NAMES:
        if name not in sections or (name in BACKWARD_SECTIONS and name != backward[0]):
            continue
        if name in BACKWARD_SECTIONS:
            # The gradient sections go from the loss back, layer by layer (max pooling, then ReLU,
            # then the convolution's ∂L/∂W, ∂L/∂X, ∂L/∂b), the order the chain rule takes them.
            for layer in reversed(problem.layers):
                built += layer_sections(layer, backward, context)
        elif name == "chain":
            built.append(chain_rule_section(context))
        elif name == "connect":
            for entry in connect or default_connect_entries(problem, derivation):
                built.append(connect_section(context, entry))
        elif name == "checks":
            built.append(checks_section(problem, context, seed))
        elif name == "matrix":
            built += [matrix_section(context, layer) for layer in problem.layers
                      if has_matrix(layer) and printable(layer)]
        else:
            for layer in problem.layers:
                built += layer_sections(layer, (name,), context)
    intro = tuple(introduction(context)) if statement else ()
    document = Document(problem.title or default_title(problem), intro, tuple(built))
    return Solution(problem, settle(document, repeat=not detail.once), detail, derivation)


def build_statement(problem: Problem, *, detail: Detail | str = HANDOUT) -> Solution:
    """The problem's statement alone (its layers and given tensors, as a worked solution begins),
    whatever its size: nothing is derived (``print(problem)`` of a 200×200 problem)."""
    level = Detail.named(detail)
    document = settle(Document(problem.title or default_title(problem),
                               tuple(introduction(Context(problem, None, level))), ()))
    return Solution(problem, document, level, None)


def render_solution(solution: Solution, output_format: str, *, fragment: bool = False) -> str:
    """The document as LaTeX (standalone, or only its body with ``fragment``), Markdown, text or
    HTML (one self-contained interactive page). Markdown's pictures are inline data here; see
    :func:`render_solution_files` for pictures in files of their own."""
    return render_solution_files(solution, output_format, fragment=fragment).text


@collection_paused()  # and so is its text, printed piece by piece
def render_solution_files(solution: Solution, output_format: str, *, fragment: bool = False,
                          figures: str | None = None) -> Rendered:
    """The document and the files it refers to: with ``figures`` (a name such as ``hw``), Markdown
    refers to its pictures as ``hw-figure-1.svg``, … and returns them in ``files`` for the caller
    to write beside the document."""
    document = solution.document
    if is_interactive(output_format):
        document = document._replace(relations=solution.relations)
    return render_document_files(document, output_format, loss=solution.problem.loss,
                                 fragment=fragment, figures=figures)


def render_matrix(problem: Problem, layer_name: str | None = None, output_format: str = "text", *,
                  max_terms: int = DEFAULT_MAX_TERMS) -> str:
    """What ``symconv matrix`` prints: the matrix view of the layer writing ``layer_name`` (the
    first with a matrix form by default) in ``latex``, ``markdown``, ``text`` or ``html``, or C's
    non-zero entries as ``json``. A matrix too large to print is a
    :class:`~symconv.core.spec.SpecError` about the layer (JSON has no such limit)."""
    layer = matrix_layer(problem, layer_name)
    check_size(problem, max_terms)
    if output_format == "json":
        return json.dumps(matrix_json(matrix_of(layer)), indent=1) + "\n"
    check_printable(problem, layer)
    context = Context(problem, derive(problem, max_terms=max_terms), FULL)
    return render_document(matrix_document(context, layer), output_format, loss=problem.loss)


def solution_text(solution: Solution) -> str:
    names = ", ".join(section.name for section in solution.sections)
    return f"<Solution {solution.document.title!r}: {names or 'the statement only'}>"


def solution_page(solution: Solution) -> dict[str, str]:
    """The interactive page in a notebook cell, framed so its style and script stay its own."""
    from ..render.html import notebook_frame

    return {"text/html": notebook_frame(render_solution(solution, "html"))}


register(Solution, Look(solution_text, lambda solution: render_solution(solution, "text"),
                        solution_page))
