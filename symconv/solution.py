"""A worked solution: the sections a handout would show, as data in :mod:`symconv.document`'s
vocabulary.

Each layer type writes its own sections (shapes, forward, dw, dx, db, closed-form: see
:attr:`symconv.layers.registry.LayerType.sections`); this module asks every layer for them, in the
handouts' order, and writes the sections that span the whole problem: the statement, the chain rule
entry by entry, connectivity and the checks. :func:`render_solution` prints the result in one of
:mod:`symconv.render`'s formats. Long lists are cut to the first :class:`SolutionLimits` items and
every section says how many it leaves out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .checks import check
from .derivation import DEFAULT_MAX_TERMS, Derivation, check_size, derive
from .document import (MAX_SUM_TERMS, ChainBlock, ChainTerms, Concat, Derivative, Display, Document,
                       Equation, Figure, Formula, Gallery, Heading, Numbered, Paragraph, Product, Relations,
                       Section, Sum, Truncated, equation)
from .errors import SizeLimitError, SymconvError
from .figures import entries_grids, is_pictured
from .layers import layer_type
from .matrix import (check_printable, has_matrix, matrix_document, matrix_layer, matrix_of, matrix_section,
                     printable)
from .poly import Poly, Symbol
from .presentation import Look, Presentable, register
from .problem import Problem
from .render.json import matrix_json
from .render.solve import Rendered, is_interactive, render_document, render_document_files
from .sections import (MAX_LISTED, Context, NamedTerm, ProblemView, SolutionLimits, entry_array,
                       entry_remarks, listing, more, named_array, named_factor_lists, named_terms,
                       named_values, object_array, term_count)
from .tensors import Tensor
from .wording import plural, shape_text

SECTION_NAMES = ("shapes", "forward", "dw", "dx", "db", "chain", "closed-form", "matrix", "connect",
                 "checks")
BACKWARD_SECTIONS = ("dw", "dx", "db")  # written per layer, from the last layer back
MAX_SOLUTION_TERMS = 200_000


@dataclass(frozen=True, repr=False)
class Solution(Presentable):
    """A worked solution: its document, and the derivation it was written from. In a notebook it
    shows as the interactive HTML page (:func:`symconv.display`)."""

    problem: Problem
    document: Document
    limits: SolutionLimits
    derivation: Derivation | None = field(default=None, compare=False)

    @property
    def sections(self) -> tuple[Section, ...]:
        return self.document.sections

    @cached_property
    def relations(self) -> Relations:
        """Every gradient entry's chain-rule factors (computed when a page needs them)."""
        return chain_relations(self.problem, self.derivation or derive(self.problem))


# -- the problem statement -----------------------------------------------------------------------


def introduction(context: Context) -> list:
    problem = context.problem
    loss = context.loss
    blocks: list = [Heading("Problem")]
    for layer in problem.layers:
        words = layer_type(layer).describe(layer, context)
        ending = f"; the loss is {loss}." if layer is problem.layers[-1] else "."
        blocks.append(Paragraph((*words, ending)))
        tensors = list(layer.parameters)
        if layer is problem.layers[0]:
            tensors.insert(0, layer.input)
        for tensor in tensors:
            if tensor.naming == "bare" and not tensor.is_numeric:
                continue  # a lone symbol, named in the description
            blocks.append(context.view(Formula(tensor.name), entry_array(tensor), tensor))
    upstream = problem.upstream
    output = problem.layers[-1].output
    if upstream.derivative_of and not upstream.is_numeric:
        blocks.append(Paragraph(("The upstream gradient ", Derivative(loss, output),
                                 f" ({shape_text(output.shape)}) comes from the layers above;"
                                 " its entries are written ", Symbol(upstream, 0), ", ….")))
    else:
        blocks.append(context.view(Derivative(loss, output), entry_array(upstream), upstream))
    return blocks


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


def chain_equation(loss: str, entry: Symbol, value: Poly, terms: list[NamedTerm], named: Poly,
                   count: int | None = None, expanded: Poly | None = None) -> Equation:
    """``∂L/∂x = Σ_k ∂L/∂y_k·∂y_k/∂x = (the terms with their factors named) = value``, then the
    value expanded down to the given upstream gradient when it differs (a chain). ``terms``:
    the entry's chain-rule terms (:func:`~symconv.sections.named_terms`; the first
    :data:`~symconv.document.MAX_SUM_TERMS` of its ``count`` are enough), ``named`` their sum
    (:func:`~symconv.sections.named_values`), ``value`` the entry's value (the derivation's)."""
    count = len(terms) if count is None else count
    sides: tuple = (Derivative(loss, entry),)
    if not count:
        return equation(*sides, 0)
    written = Sum(tuple(Product((Derivative(loss, t.output), Derivative(t.output, entry)))
                        for t in terms[:MAX_SUM_TERMS]))  # the rest would be cut short anyway
    sides += (written if count <= MAX_SUM_TERMS else Truncated(written, count), named)
    if value != named:
        sides += (value,)
    if expanded is not None and expanded != value:
        sides += (expanded,)
    return equation(*sides)


def chain_rule_section(context: Context) -> Section:
    problem, loss = context.problem, context.loss
    blocks: list = [Heading("Chain rule, entry by entry"),
                    Paragraph(("For every entry ", Formula("x"), ", ",
                               Formula(f"∂{loss}/∂x = Σ_k ∂{loss}/∂y_k · ∂y_k/∂x"),
                               ", summed over exactly the outputs ", Formula("y_k"), " that read ",
                               Formula("x"), ".",))]
    layers = problem.layers
    if len(layers) > 1:
        last, before = layers[-1], layers[-2]
        blocks.append(Paragraph((
            "The layers are taken one at a time from the loss back: each entry of ",
            Derivative(loss, last.input), " is written through the entries of ",
            Derivative(loss, last.output), ", each entry of ", Derivative(loss, before.input),
            " through those of ", Derivative(loss, before.output), ", and so on. The last value"
            " of an equation expands the entry down to the given upstream gradient ",
            Derivative(loss, last.output), ".")))
    number = 0
    for tensor in backward_order(problem):
        gradient = context.derivation.gradient(tensor.name)
        count = min(tensor.size, context.limits.equations)
        expanded, unexpanded, whole = [None] * count, False, None
        if gradient.reads_intermediate:
            try:
                whole = object_array(gradient.expanded(), tensor.shape)
                expanded = list(whole.reshape(-1)[:count])
            except SizeLimitError:  # the layer-by-layer form is still written
                unexpanded = True
        blocks.append(Heading(("Entries of ", Derivative(loss, tensor)), 2))
        if unexpanded:
            blocks.append(Paragraph(("(Expanded down to the given upstream gradient these entries"
                                     " would have too many terms to write; they are left in the"
                                     " layer-by-layer form.)",)))
        result = context.result(tensor)
        named = named_values(gradient, range(count))
        factor_lists = named_factor_lists(gradient)
        for flat in range(count):
            number += 1
            terms = named_terms(gradient, flat, MAX_SUM_TERMS)
            blocks.append(Numbered(chain_equation(loss, Symbol(tensor, flat), result.flat[flat], terms,
                                                  named[flat], term_count(gradient, flat),
                                                  expanded[flat]), number))
            blocks += entry_remarks(gradient, factor_lists, flat)
        blocks += more(count, tensor.size, f"entries of ∂{loss}/∂{tensor.name}")
        blocks.append(Paragraph(("For all the entries together:",)))
        blocks.append(context.gradient_view(tensor, result))
        if whole is not None and any(e != r for e, r in zip(whole.flat, result.flat)):
            blocks.append(Paragraph(("Expanded down to the given upstream gradient:",)))
            blocks.append(context.gradient_view(tensor, whole))
    return Section("chain", tuple(blocks))


# -- what each gradient entry reads, for interactive pages ------------------------------------------


def chain_relations(problem: Problem, derivation: Derivation) -> Relations:
    """Every gradient's chain rule as the derivation's arrays (nothing is made per entry: a page
    takes what it shows)."""
    gradients = []
    for tensor in backward_order(problem):
        gradient = derivation.gradient(tensor.name)
        blocks = tuple(ChainBlock(block.output, block.upstream, block.offsets, block.outputs,
                                  block.local.named_table()) for block in gradient.blocks)
        gradients.append(ChainTerms(tensor, blocks, gradient.polys()))
    return Relations(problem.loss, tuple(gradients), problem.layers[-1].output.name)


# -- connectivity -------------------------------------------------------------------------------------


def default_connect_entries(problem: Problem, derivation: Derivation) -> list[Symbol]:
    """The slides' two questions for this problem: the input entry that feeds the most outputs
    (x_22 for a 5×5 input and a 3×3 kernel) and the second weight entry (w_01)."""
    layer = problem.layers[0]
    counts = np.diff(derivation.gradient(layer.input.name).blocks[0].offsets)
    entries = [Symbol(layer.input, int(np.argmax(counts)))]
    weight = next((p for p in layer.parameters if p.role == "weight"), None)
    if weight is not None:
        entries.append(Symbol(weight, min(1, weight.size - 1)))
    return entries


def connect_section(context: Context, entry: Symbol) -> Section:
    """Which outputs an entry feeds, with the partner factor of each (slides: "what locations in
    y are connected to x_22?", "which x and y pairs are computed using w_01?")."""
    loss = context.loss
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
    blocks.append(Paragraph(("The entries involved are marked:",)))
    blocks.append(Gallery(tuple(items)))
    blocks += connect_figure(context, entry, x, y, terms)
    chain: Sum | Truncated = Sum(tuple(Product((Derivative(loss, t.output), Derivative(t.output, entry)))
                                       for t in terms[:MAX_SUM_TERMS]))  # the rest would be cut anyway
    if len(terms) > MAX_SUM_TERMS:
        chain = Truncated(chain, len(terms))
    sides = ((Derivative(loss, entry), chain, gradient.polys()[entry.flat]) if terms
             else (Derivative(loss, entry), 0))
    blocks.append(Paragraph(("So its gradient is:",)))
    return Section("connect", tuple(blocks + [Display((equation(*sides),))]))


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
    blocks: list = [Heading("Checks"),
                    Paragraph(("Every gradient was computed three independent ways: the chain rule"
                               " above, the closed form, and a NumPy reference (with central finite"
                               " differences as a third opinion)"
                               + (", and through the matrix form C as a fourth" if report.routes == 4
                                  else "")
                               + f", at random values (seed {report.seed}; given values kept)."
                               " Largest absolute difference from NumPy:",))]
    for row in report.rows:
        fd = ""
        if row.finite_differences is not None:
            more_skipped = f"; {row.fd_skipped} more skipped at kinks" if row.fd_skipped else ""
            fd = (f", finite differences {row.finite_differences:.1e} ({row.fd_entries}"
                  f" entries{more_skipped})")
        elif row.fd_skipped:
            fd = f", finite differences skipped at all {row.fd_skipped} entries tried (kinks)"
        verdict = "agree" if row.ok else "DISAGREE"
        closed = ("no closed form for this layer" if row.closed_form is None
                  else f"closed form {row.closed_form:.1e}")
        matrix = "" if row.matrix is None else f", matrix {row.matrix:.1e}"
        blocks.append(Paragraph((Derivative(context.loss, Formula(row.tensor)), f": chain rule"
                                 f" {row.chain_rule:.1e}, {closed}{matrix}{fd} — {verdict}.",)))
    skipped = [f"{row.tensor}: {row.fd_skipped} of {row.fd_skipped + row.fd_entries} entries tried"
               for row in report.rows if row.fd_skipped]
    if skipped:
        blocks.append(Paragraph((f"Finite differences were skipped at kinks ({', '.join(skipped)}):"
                                 " a step of ±h there changes a ReLU mask or a max routing, so the"
                                 " loss has no derivative to estimate.",)))
    words = {3: "three", 4: "four"}[report.routes]
    blocks.append(Paragraph((f"All {words} routes agree." if report.ok else
                             "The routes DISAGREE: please report this problem file.",)))
    return Section("checks", tuple(blocks))


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


def layer_sections(layer, names: tuple[str, ...], context: Context) -> list[Section]:
    builders = layer_type(layer).sections
    return [section for name in names if name in builders
            if (section := builders[name](layer, context)) is not None]


def build_solution(problem: Problem, sections=SECTION_NAMES, *, derivation: Derivation | None = None,
                   connect: list[Symbol] | None = None, limits: SolutionLimits = SolutionLimits(),
                   max_terms: int = MAX_SOLUTION_TERMS, seed: int = 0,
                   statement: bool = True) -> Solution:
    """The worked solution of ``problem`` with the named sections, in document order.

    ``connect`` lists the entries the connectivity section asks about (default: the slides' two
    questions); ``statement`` starts the document with the problem (the layers and their tensors).
    Problems with more chain-rule terms than ``max_terms`` are refused: a document that long cannot
    be read, and ``symconv grad`` answers single entries of any size.
    """
    count = problem.term_count()
    if count > max_terms:
        raise SizeLimitError(f"this problem has {count:,} chain-rule terms, over the limit of"
                             f" {max_terms:,} for a worked solution; use symconv grad --entry for"
                             " single entries, or raise the limit with --max-terms")
    derivation = derivation or derive(problem, max_terms=max(max_terms, count))
    context = Context(problem, derivation, limits)
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
    return Solution(problem, document, limits, derivation)


def build_statement(problem: Problem, *, limits: SolutionLimits = SolutionLimits()) -> Solution:
    """The problem's statement alone (its layers and given tensors, as a worked solution begins),
    whatever its size: nothing is derived (``print(problem)`` of a 200×200 problem)."""
    document = Document(problem.title or default_title(problem),
                        tuple(introduction(Context(problem, None, limits))), ())
    return Solution(problem, document, limits, None)


def render_solution(solution: Solution, output_format: str, *, fragment: bool = False) -> str:
    """The document as LaTeX (standalone, or only its body with ``fragment``), Markdown, text or
    HTML (one self-contained interactive page). Markdown's pictures are inline data here; see
    :func:`render_solution_files` for pictures in files of their own."""
    return render_solution_files(solution, output_format, fragment=fragment).text


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
    :class:`~symconv.spec.SpecError` about the layer (JSON has no such limit)."""
    layer = matrix_layer(problem, layer_name)
    check_size(problem, max_terms)
    if output_format == "json":
        return json.dumps(matrix_json(matrix_of(layer)), indent=1) + "\n"
    check_printable(problem, layer)
    context = Context(problem, derive(problem, max_terms=max_terms), SolutionLimits())
    return render_document(matrix_document(context, layer), output_format, loss=problem.loss)


def solution_text(solution: Solution) -> str:
    names = ", ".join(section.name for section in solution.sections)
    return f"<Solution {solution.document.title!r}: {names or 'the statement only'}>"


def solution_page(solution: Solution) -> dict[str, str]:
    """The interactive page in a notebook cell, framed so its style and script stay its own."""
    from .render.html import notebook_frame

    return {"text/html": notebook_frame(render_solution(solution, "html"))}


register(Solution, Look(solution_text, lambda solution: render_solution(solution, "text"),
                        solution_page))
