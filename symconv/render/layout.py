"""From a :class:`~symconv.solution.Solution` to a :class:`~symconv.render.document.Document`.

One ``_layout_<Section>`` method per section type says what a handout would say about it, in
format-neutral nodes; the LaTeX, Markdown and text printers then write the same document. Matrix
sizes are decided here (from widths measured by the text printer), so every format cuts a large
matrix at the same row and column.
"""

from __future__ import annotations

from math import prod

import numpy as np

from fractions import Fraction

from ..layers.base import LpFactor
from ..layers.conv import ConvLayer
from ..layers.pool import AvgPoolLayer, MaxPoolLayer
from ..poly import Poly, Symbol, poly_sum, product_of
from ..solution import (AxisSize, BiasGradientSection, ChainRuleSection, ChecksSection,
                        ClosedFormSection, ConnectSection, ForwardSection, InputGradientSection,
                        PoolForwardSection, PoolGradientSection, PoolWindow,
                        ReceptiveField, ReluSection, ShapesSection, Solution, WeightGradientSection,
                        entry_array, leading_axes, named_array)
from ..tensors import Tensor
from .document import (LINE_WIDTH, MAX_ROWS, Call, Concat, Derivative, Display, Document, Equation,
                       Formula, Gallery, Group, Hadamard, Heading, Labeled, Matrix, Numbered, Paragraph,
                       Product, Root, Sum, Truncated, as_grid, shown_window)
from .text_document import TextDocumentPrinter, width_of

MAX_SLICES = 6  # 2-D slices of a 3-D or 4-D tensor written out
MAX_LISTED = 32  # entries listed one per line when they are too long for a matrix
MAX_SUM_TERMS = 150  # terms of one sum written out (the recitation's 140 fit)
MAX_COLUMN_BLOCKS = 4  # blocks of columns a wide matrix is wrapped into
ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth")


def shape_text(shape: tuple[int, ...]) -> str:
    return " × ".join(map(str, shape))


def per_axis(values: tuple[int, ...]) -> str:
    """``(1, 1)`` -> ``1``; ``(2, 1)`` -> ``(2, 1)``: one number when every axis has the same."""
    return str(values[0]) if len(set(values)) == 1 else "(" + ", ".join(map(str, values)) + ")"


def ordinal(number: int) -> str:
    return ORDINALS[number - 1] if number <= len(ORDINALS) else f"{number}th"


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


class Layout:
    """Builds the document of one solution; ``layout(solution)`` is the entry point."""

    def __init__(self, solution: Solution, width: int = LINE_WIDTH, statement: bool = True):
        self.statement = statement
        self.solution = solution
        self.width = width  # in text-printer characters
        self.problem = solution.problem
        self.loss = solution.problem.loss
        self.dims = solution.problem.dims
        self.text = TextDocumentPrinter(self.loss)
        self.cut_matrices = False

    def doprint(self, section) -> list:
        method = getattr(self, f"_layout_{type(section).__name__}")
        return method(section)

    def document(self) -> Document:
        blocks = []
        for section in self.solution.sections:
            blocks += self.doprint(section)
        intro = self.introduction() if self.statement else []
        if self.cut_matrices:
            intro.append(Paragraph((f"Large matrices show their first {MAX_ROWS} rows at most and"
                                    " as many columns as fit the line; ⋮ and ⋯ stand for the rest,"
                                    " which follow the same pattern.",)))
        title = self.problem.title or self.default_title()
        return Document(title, tuple(intro + blocks))

    # -- helpers ------------------------------------------------------------------------------------
    def cell_widths(self, array: np.ndarray, marked=frozenset()) -> np.ndarray:
        grid = as_grid(array)
        widths = np.vectorize(lambda v: width_of(self.text.doprint(v)), otypes=[int])(grid[:MAX_ROWS])
        return widths + 2 if marked else widths

    def matrix(self, array: np.ndarray, marked=frozenset()) -> Matrix:
        """A matrix cut to what fits a line (first rows and columns; the rest become ⋮ and ⋯)."""
        grid = as_grid(array)
        rows, columns = shown_window(self.cell_widths(array, marked), grid.shape[0], self.width)
        if rows < grid.shape[0] or columns < grid.shape[1]:
            self.cut_matrices = True
            return Matrix(array, frozenset(marked), rows, columns)
        return Matrix(array, frozenset(marked))

    def column_blocks(self, array: np.ndarray) -> list:
        """A result matrix too wide for a line, wrapped into blocks of whole columns (every entry is
        shown; only rows beyond :data:`MAX_ROWS` are cut)."""
        grid = as_grid(array)
        widths = self.cell_widths(grid)
        blocks, start = [], 0
        while start < grid.shape[1]:
            if len(blocks) == MAX_COLUMN_BLOCKS:
                self.cut_matrices = True
                blocks.append(Labeled(f"columns {start + 1}–{grid.shape[1]}",
                                      "left out; they follow the same pattern"))
                break
            rows, columns = shown_window(widths[:, start:], grid.shape[0], self.width)
            if start == 0 and columns == grid.shape[1]:
                return [self.matrix(array)]
            stop = start + columns
            if rows < grid.shape[0]:
                self.cut_matrices = True
            part = grid[:, start:stop]
            label = (f"column {start + 1}" if columns == 1 else f"columns {start + 1}–{stop}")
            shown_rows = rows if rows < grid.shape[0] else None
            blocks.append(Labeled(label, Matrix(part, frozenset(), shown_rows)))
            start = stop
        return blocks

    def tensor_items(self, array: np.ndarray, tensor: Tensor, marked=frozenset(),
                     name: str = "") -> list:
        """A tensor as one matrix, or as labelled 2-D slices (the first few) when it has batch,
        channel or filter axes."""
        axes = leading_axes(tensor, self.dims)
        if not axes:
            return [Labeled(name, self.matrix(array, marked)) if name else self.matrix(array, marked)]
        spatial = array.shape[len(axes):]
        size = prod(spatial)
        items = []
        for number, index in enumerate(np.ndindex(*array.shape[:len(axes)])):
            if number == MAX_SLICES:
                break
            start = number * size
            local = frozenset(m - start for m in marked if start <= m < start + size)
            label = ", ".join(f"{a} = {i + tensor.index_base}" for a, i in zip(axes, index))
            label = f"{name}, {label}" if name else label
            items.append(Labeled(label, self.matrix(array[index], local)))
        return items

    def slices_note(self, tensor: Tensor, shape) -> list:
        axes = leading_axes(tensor, self.dims)
        count = prod(shape[:len(axes)]) if axes else 1
        if count <= MAX_SLICES:
            return []
        return [Paragraph((f"(The first {MAX_SLICES} of the {count} slices of {tensor.name} are"
                           f" shown; the others are formed the same way.)",))]

    def show_tensor(self, label, array: np.ndarray, tensor: Tensor, entry_label=None) -> list:
        """``label = matrix``: wide matrices wrapped by columns, higher ranks slice by slice, and
        entries too long for any matrix listed one per line (``entry_label(flat)`` names them)."""
        if self.too_long(array):
            return self.entry_list(label, array, entry_label or (lambda flat: Symbol(tensor, flat)))
        if not leading_axes(tensor, self.dims):
            blocks = self.column_blocks(array)
            if len(blocks) == 1:
                return [Display((Equation((label, blocks[0])),))]
            return [Paragraph((label, " is too wide for one line; here it is in blocks of columns:")),
                    Display(tuple(blocks))]
        axes = ", ".join(leading_axes(tensor, self.dims))
        return ([Paragraph((label, f" ({shape_text(array.shape)}), slice by slice over ({axes}):"))]
                + [Gallery(tuple(self.tensor_items(array, tensor)))]
                + self.slices_note(tensor, array.shape))

    def too_long(self, array: np.ndarray) -> bool:
        """Whether some entry is too long to sit in a matrix next to others."""
        shown = array.reshape(-1)[:MAX_ROWS * as_grid(array).shape[-1]]  # what a matrix would show
        # LP's root is a stacked fraction under a power: too tall for a matrix cell when typeset
        roots = any(isinstance(atom, LpFactor) for value in shown if isinstance(value, Poly)
                    for monomial in value.terms for atom in monomial)
        return roots or self.cell_widths(shown).max(initial=0) > self.width * 3 // 4

    def entry_list(self, label, array: np.ndarray, entry_label) -> list:
        values = array.reshape(-1)
        shown = min(len(values), MAX_LISTED)
        blocks = [Paragraph((label, f" ({shape_text(array.shape)}) has entries too long for a matrix;"
                             " entry by entry:",)),
                  Display(tuple(self.equation((entry_label(flat), values[flat])) for flat in range(shown)))]
        if shown < len(values):
            blocks.append(Paragraph((f"(The first {shown} of the {len(values)} entries are listed.)",)))
        return blocks

    def equation(self, sides: tuple) -> Equation:
        """An equation whose sums of more than :data:`MAX_SUM_TERMS` terms are cut short."""
        return Equation(tuple(self.short(side) for side in sides))

    @staticmethod
    def short(side):
        if isinstance(side, Sum) and len(side.terms) > MAX_SUM_TERMS:
            return Truncated(Sum(side.terms[:MAX_SUM_TERMS]), len(side.terms))
        if isinstance(side, Poly) and len(side.terms) > MAX_SUM_TERMS:
            return Truncated(Poly(dict(side.sorted_terms()[:MAX_SUM_TERMS])), len(side.terms))
        return side

    def gradient_of(self, tensor: Tensor):
        return lambda flat: Derivative(self.loss, Symbol(tensor, flat))

    def layer_suffix(self, layer) -> str:
        layers = self.problem.layers
        if len(layers) == 1:
            return ""
        return f" (layer {layers.index(layer) + 1}: {layer.input.name} → {layer.output.name})"

    def more(self, shown: int, total: int, what: str) -> list:
        if shown >= total:
            return []
        return [Paragraph((f"Only the first {shown} of the {total} {what} are written out; the"
                           f" other {total - shown} are formed the same way.",))]

    def default_title(self) -> str:
        layer = self.problem.layers[0]
        if not isinstance(layer, ConvLayer):
            return f"Worked solution for a {shape_text(self.problem.input.shape)} input"
        g = layer.geometry
        return (f"{shape_text(self.problem.input.shape)} input, {shape_text(g.kernel)} kernel,"
                f" stride {per_axis(g.stride)}, padding {per_axis(g.padding)}")

    # -- the problem statement ----------------------------------------------------------------------
    def introduction(self) -> list:
        blocks = [Heading("Problem")]
        for layer in self.problem.layers:
            describe = getattr(self, f"_describe_{type(layer).__name__}", self.describe_any)
            words = describe(layer)
            words += f"; the loss is {self.loss}." if layer is self.problem.layers[-1] else "."
            blocks.append(Paragraph((words,)))
            tensors = list(layer.parameters)
            if layer is self.problem.layers[0]:
                tensors.insert(0, layer.input)
            for tensor in tensors:
                if tensor.naming == "bare" and not tensor.is_numeric:
                    continue  # a lone symbol, named in the description
                blocks += self.show_tensor(Formula(tensor.name), entry_array(tensor), tensor)
        upstream = self.problem.upstream
        output = self.problem.layers[-1].output
        if upstream.derivative_of and not upstream.is_numeric:
            blocks.append(Paragraph(("The upstream gradient ", Derivative(self.loss, output),
                                     f" ({shape_text(output.shape)}) comes from the layers above;"
                                     " its entries are written ", Symbol(upstream, 0), ", ….")))
        else:
            blocks += self.show_tensor(Derivative(self.loss, output), entry_array(upstream), upstream)
        return blocks

    def describe_any(self, layer) -> str:
        kind = getattr(layer, "kind", type(layer).__name__)
        return f"A {kind} layer{self.layer_suffix(layer) or f' ({layer.input.name} → {layer.output.name})'}"

    def _describe_MaxPoolLayer(self, layer) -> str:
        return f"Max pooling{self.pool_words(layer)}"

    def _describe_AvgPoolLayer(self, layer) -> str:
        words = f"Average pooling{self.pool_words(layer)}"
        if max(layer.geometry.padding) > 0:
            words += f", count_include_pad = {str(layer.count_include_pad).lower()}"
        return words

    def _describe_LpPoolLayer(self, layer) -> str:
        return f"LP pooling{self.pool_words(layer)}, p = {layer.p}, normalize = \"{layer.normalize}\""

    def _describe_ReluLayer(self, layer) -> str:
        return f"ReLU{self.layer_suffix(layer) or f' ({layer.input.name} → {layer.output.name})'}"

    def pool_words(self, layer) -> str:
        g = layer.geometry
        where = self.layer_suffix(layer) or f" ({layer.input.name} → {layer.output.name})"
        return (f"{where}: kernel {per_axis(g.kernel)}, stride {per_axis(g.stride)},"
                f" padding {per_axis(g.padding)}")

    def _describe_ConvLayer(self, layer) -> str:
        """One sentence per layer type (a new layer type adds its ``_describe_<Class>``)."""
        g = layer.geometry
        words = (f"A {g.dims}-D convolution{self.layer_suffix(layer)} (cross-correlation, as in"
                 f" PyTorch): stride {per_axis(g.stride)}, padding {per_axis(g.padding)}")
        if any(d > 1 for d in g.dilation):
            words += f", dilation {per_axis(g.dilation)}"
        if g.groups > 1:
            words += f", {g.groups} groups"
        if layer.bias is not None and not layer.bias.is_numeric and layer.bias.naming == "bare":
            words += f", bias {layer.bias.name}"
        return words

    # -- shapes ---------------------------------------------------------------------------------------
    def _layout_ShapesSection(self, section: ShapesSection) -> list:
        layer = section.layer
        blocks = [Heading("Shapes" + self.layer_suffix(layer))]
        rows = [self.size_formula(axis) for axis in section.axes]
        dilated = any(a.dilation > 1 for a in section.axes)
        if isinstance(layer, ConvLayer):
            words = ("The output size along each axis (I input, K kernel, P padding, S stride"
                     + (", D dilation" if dilated else "") + "):")
        else:
            words = ("The windows slide like a convolution's kernel, so the output size along each"
                     " axis has the same formula (I input, K window, P padding, S stride):")
        blocks += [Paragraph((words,)), Display(tuple(rows))]
        loss, x, y = self.loss, layer.input, layer.output
        questions = [
            (("What is the shape of the output ", Formula(y.name), "?"), y.shape, self.axes_words(y)),
            (("What is the shape of the upstream gradient ", Derivative(loss, y),
              " passed back to this layer?"), section.upstream.shape, f", the same as {y.name}"),
        ]
        if isinstance(layer, ConvLayer):
            w = layer.weight
            questions.append((("What is the shape of ", Derivative(loss, w), "?"), w.shape,
                              f", the same as {w.name}"))
        questions.append((("What is the shape of ", Derivative(loss, x), "?"), x.shape,
                          f", the same as {x.name}"
                          + ("" if isinstance(layer, ConvLayer) else " (pooling has no weights)")))
        for number, (question, shape, remark) in enumerate(questions, start=1):
            blocks.append(Paragraph((f"{number}. ", *question, f" {shape_text(shape)}{remark}.")))
        for axis in section.axes:
            blocks += self.floor_note(axis, x)
        return blocks

    def axes_words(self, tensor: Tensor) -> str:
        extra = leading_axes(tensor, self.dims)
        if not extra:
            return ""
        spatial = ("H_out", "W_out") if self.dims == 2 else ("L_out",)
        return f" ({' × '.join([a.upper() for a in extra] + list(spatial))})"

    def size_formula(self, axis: AxisSize) -> Equation:
        a = axis
        o = f"O_{a.axis}"
        if a.dilation == 1:
            general = Formula("⌊(I − K + 2P)/S⌋ + 1")
            numbers = Formula(f"⌊({a.size} − {a.kernel} + 2·{a.padding})/{a.stride}⌋ + 1")
        else:
            general = Formula("⌊(I + 2P − D(K − 1) − 1)/S⌋ + 1")
            numbers = Formula(f"⌊({a.size} + 2·{a.padding} − {a.dilation}·({a.kernel} − 1) − 1)"
                              f"/{a.stride}⌋ + 1")
        return Equation((Formula(o), general, numbers, a.output))

    def floor_note(self, axis: AxisSize, x: Tensor) -> list:
        words = {"H": "rows", "W": "columns", "L": "positions"}[axis.axis]
        blocks = []
        if axis.remainder:
            numerator = axis.size + 2 * axis.padding - axis.dilation * (axis.kernel - 1) - 1
            formula = "I − K + 2P" if axis.dilation == 1 else "I + 2P − D(K − 1) − 1"
            blocks.append(Paragraph((f"Along {axis.axis} the division is not exact: ",
                                     Formula(f"{formula} = {numerator}"), " is not a multiple of ",
                                     Formula(f"S = {axis.stride}"), ", and the floor drops the"
                                     f" remainder {axis.remainder}.")))
        if axis.unused:
            shown = ", ".join(str(p + x.index_base) for p in axis.unused)
            if len(axis.unused) == 1:
                words, verb, their = words[:-1], "is", "its"
            else:
                verb, their = "are", "their"
            blocks.append(Paragraph((f"{words.capitalize()} {shown} of {x.name} {verb} never read"
                                     f" by any output, so {their} gradient is 0.",)))
        return blocks

    # -- forward --------------------------------------------------------------------------------------
    def field_items(self, field: ReceptiveField, item_of) -> list:
        """``item_of(c)`` for each channel c of a receptive field, labelled with the output when
        there are several channels."""
        channels = field.window.shape[0]
        if channels == 1:
            return [item_of(0)]
        return [Labeled(Concat((field.output, Formula(f", c = {c}"))), item_of(c))
                for c in range(channels)]

    def _layout_ForwardSection(self, section: ForwardSection) -> list:
        layer = section.layer
        blocks = [Heading("Forward pass" + self.layer_suffix(layer)),
                  Paragraph(("Each receptive field is multiplied element-wise (⊙) by the kernel"
                             " and the products are added" + (", plus the bias" if layer.bias is not None
                                                              else "") + ":",))]
        items = []
        for field in section.fields:
            items += self.field_items(field, lambda c, f=field: Hadamard(self.matrix(f.window[c]),
                                                                         self.matrix(f.kernel[c])))
        blocks.append(Gallery(tuple(items)))
        blocks.append(Paragraph(("Each output written out:",)))
        rows = []
        for field in section.fields:
            terms = [Product(pair) for pair in field.products]
            if field.bias_name is not None:
                terms.append(field.bias_name)
            named = Sum(tuple(terms))
            sides = (field.output, named)
            if self.differs(field.products, field.bias_name):
                sides += (field.value,)
            rows.append(self.equation(sides))
        blocks.append(Display(tuple(rows)))
        return blocks + self.more(len(section.fields), section.total, "outputs")

    @staticmethod
    def differs(products, bias) -> bool:
        """Whether the value differs from the named sum (some entries have values)."""
        tensors = {s.tensor for pair in products for s in pair} | ({bias.tensor} if bias else set())
        return any(t.is_numeric for t in tensors)

    # -- ∂L/∂W ----------------------------------------------------------------------------------------
    def _layout_WeightGradientSection(self, section: WeightGradientSection) -> list:
        layer = section.layer
        w = layer.weight
        blocks = [Heading(f"Gradient with respect to {w.name}" + self.layer_suffix(layer)),
                  Paragraph((Derivative(self.loss, w), ": multiply each upstream entry into its"
                             " receptive field, then add all the receptive fields together.",))]
        items = []
        for field in section.fields:
            items += self.field_items(field, lambda c, f=field: Hadamard(self.matrix(f.window[c]),
                                                                         f.upstream))
        blocks.append(Gallery(tuple(items)))
        blocks += self.more(len(section.fields), section.total, "receptive fields")
        blocks.append(Paragraph((f"The sum, with the shape of {w.name}:",)))
        return blocks + self.show_tensor(Derivative(self.loss, w), section.result, w,
                                         self.gradient_of(w))

    # -- ∂L/∂X ----------------------------------------------------------------------------------------
    def _layout_InputGradientSection(self, section: InputGradientSection) -> list:
        layer = section.layer
        x = layer.input
        blocks = [Heading(f"Gradient with respect to {x.name}" + self.layer_suffix(layer)),
                  Paragraph((Derivative(self.loss, x), ": multiply each upstream entry into the"
                             f" kernel and map it back onto its receptive field in {x.name};"
                             " overlapping entries are added.",))]
        items = []
        for field in section.fields:
            items += self.field_items(field, lambda c, f=field: Hadamard(f.upstream,
                                                                         self.matrix(f.kernel[c])))
        blocks.append(Gallery(tuple(items)))
        blocks += self.more(len(section.fields), section.total, "receptive fields")
        for step in section.steps:
            blocks.append(Paragraph((f"{ordinal(step.after).capitalize()} receptive field mapped"
                                     f" back (same shape as {x.name}):",)))
            blocks += self.mapped(step.array, x)
        blocks.append(Paragraph((f"All {section.total} receptive fields mapped back:",)))
        return blocks + self.show_tensor(Derivative(self.loss, x), section.result, x,
                                         self.gradient_of(x))

    def mapped(self, array: np.ndarray, x: Tensor) -> list:
        if self.too_long(array):
            return self.show_tensor(Formula(x.name), array, x)
        if leading_axes(x, self.dims):
            return [Gallery(tuple(self.tensor_items(array, x)))] + self.slices_note(x, array.shape)
        return [Display(tuple(self.column_blocks(array)))]

    # -- ∂L/∂b ----------------------------------------------------------------------------------------
    def _layout_BiasGradientSection(self, section: BiasGradientSection) -> list:
        layer = section.layer
        blocks = [Heading(f"Gradient with respect to {layer.bias.name}" + self.layer_suffix(layer)),
                  Paragraph(("Every output of a filter adds its bias once (∂y/∂b = 1), so the bias"
                             " gradient is the sum of the upstream entries of that filter:",))]
        rows = []
        for bias_sum in section.sums:
            sides = (Derivative(self.loss, bias_sum.bias), Sum(bias_sum.upstream))
            if any(not isinstance(u, Symbol) for u in bias_sum.upstream):
                sides += (bias_sum.value,)
            rows.append(self.equation(sides))
        return blocks + [Display(tuple(rows))]

    # -- pooling and ReLU ------------------------------------------------------------------------------
    def window_matrix(self, window: PoolWindow) -> Matrix:
        """A window's entries (``pad`` on padding), the max-pooling winner marked."""
        cells = np.vectorize(lambda c: Formula("pad") if c is None else c, otypes=[object])(window.cells)
        return self.matrix(cells, frozenset() if window.winner is None else {window.winner})

    def pool_formula(self, layer, window: PoolWindow):
        """The output's formula over its window's entries (named)."""
        inside = window.inside()
        if isinstance(layer, MaxPoolLayer):
            return Call("max", inside)
        if isinstance(layer, AvgPoolLayer):
            count = int(layer.counts()[window.output.flat])
            if count == 1:
                return inside[0]
            grouped = Product((Fraction(1, count), Group(Sum(inside))))
            if self.text.measure(grouped) <= self.width - 20:
                return grouped
            return poly_sum(inside) * Fraction(1, count)  # too long for a line: breaks at its +
        return Root(poly_sum(product_of([entry] * layer.p) for entry in inside), layer.divisor, layer.p)

    def _layout_PoolForwardSection(self, section: PoolForwardSection) -> list:
        layer = section.layer
        y = layer.output
        if isinstance(layer, MaxPoolLayer):
            kind = "Each output is the largest entry of its window (padding never wins)"
        elif isinstance(layer, AvgPoolLayer):
            kind = "Each output is the mean of its window"
        else:
            kind = (f"Each output is the p-th root of the {layer.normalize} of the p-th powers of"
                    f" its window (p = {layer.p})")
        marked = " (the maximum is marked)" if any(w.winner is not None for w in section.windows) else ""
        blocks = [Heading("Forward pass" + self.layer_suffix(layer)),
                  Paragraph((f"{kind}. The windows{marked}:",)),
                  Gallery(tuple(Labeled(w.output, self.window_matrix(w)) for w in section.windows))]
        blocks.append(Paragraph(("Each output written out:",)))
        rows = []
        for window in section.windows:
            sides = (window.output, self.pool_formula(layer, window))
            if window.value is not None and window.value != sides[1]:
                sides += (window.value,)
            rows.append(self.equation(sides))
        blocks.append(Display(tuple(rows)))
        blocks += self.more(len(section.windows), section.total, "outputs")
        if section.output is not None:
            blocks.append(Paragraph(("So the output is:",)))
            blocks += self.show_tensor(Formula(y.name), section.output, y)
        return blocks

    def _layout_PoolGradientSection(self, section: PoolGradientSection) -> list:
        layer = section.layer
        g = layer.geometry
        x, y, loss = layer.input, layer.output, self.loss
        blocks = [Heading(f"Gradient with respect to {x.name}" + self.layer_suffix(layer))]
        overlap = any(s < k for s, k in zip(g.stride, g.kernel))
        if isinstance(layer, MaxPoolLayer):
            blocks.append(Paragraph((
                "Max pooling passes each upstream entry ", Derivative(loss, y), " on to the one entry"
                " of its window that holds the maximum: ", Formula(f"∂{y.name}/∂{x.name} = [{x.name} = max(window)]"),
                ", 1 for the maximum and 0 for every other entry. When entries tie for the"
                " maximum, the gradient goes to the first of them in row-major window order, as in"
                " PyTorch.",)))
        elif isinstance(layer, AvgPoolLayer):
            counts = set(layer.counts().tolist())
            n = counts.pop() if len(counts) == 1 else None
            padded = max(g.padding) > 0
            how = (f"N = {n}" if n is not None else "N the number of the window's entries inside"
                   " the input (count_include_pad = false), smaller at the border")
            if n is not None and padded:
                how += (", the whole window, padding included (count_include_pad = true)"
                        if layer.count_include_pad else "")
            blocks.append(Paragraph((
                "Average pooling weighs every entry of a window by the same ", Formula("1/N"),
                ": it is a convolution whose weights are all 1/N, so ",
                Formula(f"∂{y.name}/∂{x.name} = 1/N"),
                f" with {how}. Each entry receives 1/N of the upstream entry of every window that"
                " contains it.",)))
        else:
            mean = layer.normalize == "mean"
            n = layer.divisor
            a, b = x.name, y.name
            rule = f"{b} = (Σ {a}^p / N)^(1/p)" if mean else f"{b} = (Σ {a}^p)^(1/p)"
            derivative = (f"∂{b}/∂{a} = {a}^(p − 1)·(Σ {a}^p / N)^(1/p − 1)/N" if mean
                          else f"∂{b}/∂{a} = {a}^(p − 1)·(Σ {a}^p)^(1/p − 1)")
            blocks.append(Paragraph((
                "LP pooling computes ", Formula(rule), " over each window"
                + (f" with N = {n}, the window size (normalize = \"mean\", the homework's form)"
                   if mean else " (normalize = \"sum\", PyTorch's LPPool)")
                + f", here p = {layer.p}. Its exact derivative, by the chain rule through the root"
                " and the power: ", Formula(derivative), ".",)))
        if overlap:
            blocks.append(Paragraph((
                f"The windows overlap (stride {per_axis(g.stride)} is smaller than the window"
                f" {per_axis(g.kernel)}), so an entry read by several windows adds up what it gets"
                " from each of them.",)))
        first = section.windows[0]
        blocks.append(Paragraph(("The local derivatives in the first window, that of ",
                                 first.output, ":")))
        rows = []
        for local in section.locals:
            sides = (Derivative(local.output, local.entry), local.named)
            if local.value != local.named:
                sides += (local.value,)
            rows.append(self.equation(sides))
        blocks.append(Display(tuple(rows)))
        if isinstance(layer, MaxPoolLayer):
            blocks += self.routing(section)
        if section.share is not None and not leading_axes(x, self.dims):  # one matrix
            n = int(layer.counts()[0])
            tiles = (tuple(g.stride) == tuple(g.kernel) and max(g.padding) == 0)
            if tiles:
                k = per_axis(g.kernel)
                blocks.append(Paragraph((
                    f"Here the stride equals the window (k = {k}) and there is no padding, so every"
                    " entry lies in exactly one window and ",
                    Formula(f"∂{loss}/∂{x.name}_{{ij}} = 1/k^2 · ∂{loss}/∂{y.name}_{{⌊i/k⌋⌊j/k⌋}}"
                            if g.dims == 2 else f"∂{loss}/∂{x.name}_i = 1/k · ∂{loss}/∂{y.name}_{{⌊i/k⌋}}"),
                    f": the upstream gradient spread over the windows, times 1/{n}:")))
            else:
                blocks.append(Paragraph((f"Every window has N = {n}, so 1/{n} comes out of the"
                                         " sum:",)))
            blocks.append(Display((Equation((Derivative(loss, x),
                                             Product((Fraction(1, n), self.matrix(section.share))))),)))
        blocks.append(Paragraph(("Adding up what every entry receives:",)))
        return blocks + self.show_tensor(Derivative(loss, x), section.result, x, self.gradient_of(x))

    def routing(self, section: PoolGradientSection) -> list:
        """Max pooling with numbers: where each upstream entry goes (and the ties)."""
        loss = self.loss
        if any(w.winner is None for w in section.windows):
            return [Paragraph(("The entries are symbols, so which one is the maximum is not known:"
                               " each gradient entry keeps its indicators, which become 0 or 1"
                               " once values are given.",))]
        blocks = [Paragraph(("Where each upstream entry goes:",))]
        for window in section.windows:
            names = window.names.reshape(-1)
            winner = names[window.winner]
            parts = [Derivative(loss, window.output), " goes to ", winner,
                     f" = {window.cells.reshape(-1)[window.winner]}"]
            if len(window.tied) > 1:
                parts += [" (a tie: ", *self.joined([names[i] for i in window.tied]),
                          " hold the maximum; the first in row-major order takes the gradient)"]
            blocks.append(Paragraph(tuple(parts + ["."])))
        blocks += self.more(len(section.windows), section.total, "windows")
        wins = {}
        for window in section.windows:
            winner = window.names.reshape(-1)[window.winner]
            wins[winner] = wins.get(winner, 0) + 1
        repeated = [name for name, count in wins.items() if count > 1]
        if repeated:
            blocks.append(Paragraph((*self.joined(repeated),
                                     " win" + ("s" if len(repeated) == 1 else "") + " more than one"
                                     " window, so the upstream entries of all those windows add"
                                     " up in " + ("its" if len(repeated) == 1 else "their")
                                     + " gradient.",)))
        return blocks

    def _layout_ReluSection(self, section: ReluSection) -> list:
        layer = section.layer
        x, y, loss = layer.input, layer.output, self.loss
        blocks = [Heading(f"Gradient with respect to {x.name}" + self.layer_suffix(layer)),
                  Paragraph(("ReLU keeps the shape (", Formula(shape_text(x.shape)), "): ",
                             Formula(f"{y.name} = max({x.name}, 0)"), " entry by entry, and it passes"
                             " the gradient on where its input is positive, ",
                             Formula(f"∂{y.name}/∂{x.name} = [{x.name} > 0]"),
                             " (0 where the input is exactly 0, as in PyTorch).",))]
        if section.output is not None:
            blocks.append(Paragraph(("The forward pass:",)))
            blocks += self.show_tensor(Formula(y.name), section.output, y)
        blocks.append(Paragraph(("The mask:",)))
        blocks += self.show_tensor(Formula(f"[{x.name} > 0]"), section.mask, x)
        blocks.append(Paragraph(("So ", Formula(f"∂{loss}/∂{x.name} = ∂{loss}/∂{y.name} ⊙ [{x.name} > 0]"),
                                 ":")))
        return blocks + self.show_tensor(Derivative(loss, x), section.result, x, self.gradient_of(x))

    # -- chain rule -----------------------------------------------------------------------------------
    def _layout_ChainRuleSection(self, section: ChainRuleSection) -> list:
        loss = self.loss
        blocks = [Heading("Chain rule, entry by entry"),
                  Paragraph(("For every entry ", Formula("x"), ", ",
                             Formula(f"∂{loss}/∂x = Σ_k ∂{loss}/∂y_k · ∂y_k/∂x"),
                             ", summed over exactly the outputs ", Formula("y_k"), " that read ",
                             Formula("x"), ".",))]
        layers = self.problem.layers
        if len(layers) > 1:
            last, before = layers[-1], layers[-2]
            blocks.append(Paragraph((
                "The layers are taken one at a time from the loss back: each entry of ",
                Derivative(loss, last.input), " is written through the entries of ",
                Derivative(loss, last.output), ", each entry of ", Derivative(loss, before.input),
                " through those of ", Derivative(loss, before.output), ", and so on. The last value"
                " of an equation expands the entry down to the given upstream gradient ",
                Derivative(loss, last.output), ".")))
        for block in section.blocks:
            tensor = block.tensor
            blocks.append(Heading(("Entries of ", Derivative(loss, tensor)), 2))
            if block.unexpanded:
                blocks.append(Paragraph(("(Expanded down to the given upstream gradient these"
                                         " entries would have too many terms to write; they are"
                                         " left in the layer-by-layer form.)",)))
            for equation in block.equations:
                chain = Sum(tuple(Product((Derivative(loss, t.output),
                                           Derivative(t.output, equation.wrt)))
                                  for t in equation.terms))
                sides = (Derivative(loss, equation.wrt),)
                if equation.terms:
                    sides += (chain, equation.named)
                    if equation.value != equation.named:
                        sides += (equation.value,)
                    if equation.expanded is not None and equation.expanded != equation.value:
                        sides += (equation.expanded,)
                else:
                    sides += (0,)
                blocks.append(Numbered(self.equation(sides), equation.number))
            blocks += self.more(len(block.equations), block.total, f"entries of ∂{loss}/∂{tensor.name}")
            blocks.append(Paragraph(("For all the entries together:",)))
            blocks += self.show_tensor(Derivative(loss, tensor), block.result, tensor,
                                       self.gradient_of(tensor))
            if block.expanded is not None and any(
                    e != r for e, r in zip(block.expanded.flat, block.result.flat)):
                blocks.append(Paragraph(("Expanded down to the given upstream gradient:",)))
                blocks += self.show_tensor(Derivative(loss, tensor), block.expanded, tensor,
                                           self.gradient_of(tensor))
        return blocks

    # -- closed form ----------------------------------------------------------------------------------
    def _layout_ClosedFormSection(self, section: ClosedFormSection) -> list:
        layer = section.layer
        g = layer.geometry
        x, w, y = layer.input, layer.weight, layer.output
        loss = self.loss
        blocks = [Heading("Closed form" + self.layer_suffix(layer)),
                  Paragraph((Derivative(loss, x), " is a full correlation: insert S − 1 zeros between"
                             " the entries of ", Derivative(loss, y), ", pad it with K − 1 zeros on"
                             " every side"
                             + (" (D(K − 1) with dilation D)" if max(g.dilation) > 1 else "")
                             + ", and slide the kernel rotated by 180° over it; then remove the"
                             f" padding P = {per_axis(g.padding)} of the input.",)),
                  Paragraph(("The kernel rotated by 180°:",))]
        blocks += self.show_canonical(Formula(f"rot180({w.name})"), section.rotated, w,
                                      (g.filters, g.group_channels), ("f", "c"))
        blocks.append(Paragraph(("Size of the zero-inserted, padded upstream gradient along each"
                                 " axis:",)))
        rows = []
        for s in section.sizes:
            reach = "2(K − 1)" if s.dilation == 1 else "2D(K − 1)"
            numbers = (f"{s.output} + ({s.stride} − 1)·({s.output} − 1) + "
                       + (f"2·({s.kernel} − 1)" if s.dilation == 1
                          else f"2·{s.dilation}·({s.kernel} − 1)"))
            rows.append(Equation((Formula(f"size_{s.axis}"), Formula(f"O + (S − 1)(O − 1) + {reach}"),
                                  Formula(numbers), s.size)))
        blocks.append(Display(tuple(rows)))
        size = shape_text(tuple(s.size for s in section.sizes))
        blocks.append(Paragraph(("The zero-inserted, padded upstream gradient (", Formula(size), "):",)))
        blocks += self.show_canonical(Formula(f"inserted(∂{loss}/∂{y.name})"), section.inserted,
                                      section.upstream, (g.batch, g.filters), ("n", "f"))
        blocks.append(Paragraph(("Its full correlation with the rotated kernel, with the padding removed"
                                 + (", summed over the filters" if g.filters > 1 else "") + ":",)))
        blocks += self.show_tensor(Derivative(loss, x), section.input_gradient, x, self.gradient_of(x))
        blocks.append(Paragraph((Derivative(loss, w), f" is the correlation of the input (padded by"
                                 f" P = {per_axis(g.padding)}) with the zero-inserted upstream gradient"
                                 + (", summed over the batch" if g.batch > 1 else "") + ":",)))
        blocks += self.show_tensor(Derivative(loss, w), section.weight_gradient, w, self.gradient_of(w))
        if section.bias_gradient is not None:
            b = layer.bias
            blocks.append(Paragraph((Derivative(loss, b), " is the sum of the upstream gradient"
                                     + (" of each filter" if g.filters > 1 else "") + ":",)))
            if b.size == 1:
                blocks.append(Display((Equation((Derivative(loss, b),
                                                 Formula(f"sum(∂{loss}/∂{y.name})"),
                                                 section.bias_gradient.reshape(-1)[0])),)))
            else:
                blocks += self.show_tensor(Derivative(loss, b), section.bias_gradient, b,
                                           self.gradient_of(b))
        return blocks

    def show_canonical(self, label, array: np.ndarray, tensor: Tensor, leading: tuple[int, int],
                       axes: tuple[str, str]) -> list:
        """An array in canonical layout (two leading axes), leading axes of size 1 left out."""
        kept = [(a, n) for a, n in zip(axes, leading) if n > 1]
        spatial = array.reshape(array.shape[2:]) if not kept else array.reshape(
            tuple(n for _, n in kept) + array.shape[2:])
        if not kept:
            return [Display((Equation((label, self.matrix(spatial))),))]
        items = []
        for number, index in enumerate(np.ndindex(*[n for _, n in kept])):
            if number == MAX_SLICES:
                break
            words = ", ".join(f"{a} = {i + tensor.index_base}" for (a, _), i in zip(kept, index))
            items.append(Labeled(words, self.matrix(spatial[index])))
        count = prod(n for _, n in kept)
        note = ([Paragraph((f"(The first {MAX_SLICES} of the {count} slices are shown.)",))]
                if count > MAX_SLICES else [])
        return [Paragraph((label, ", slice by slice:"))] + [Gallery(tuple(items))] + note

    # -- connectivity ---------------------------------------------------------------------------------
    def _layout_ConnectSection(self, section: ConnectSection) -> list:
        layer = section.layer
        entry = section.entry
        x, y = layer.input, layer.output
        outputs = frozenset(t.output.flat for t in section.terms)
        loss = self.loss
        listed = [t.output for t in section.terms]
        if entry.tensor is x:
            blocks = [Heading(("Which outputs are connected to ", entry)),
                      Paragraph((entry, f" is read by {plural(len(listed), 'output')}"
                                 + (": " if listed else "."), *self.listing(listed)))]
            items = (self.tensor_items(named_array(x), x, frozenset({entry.flat}), x.name)
                     + self.tensor_items(named_array(y), y, outputs, y.name))
        else:
            inputs = frozenset(t.local.flat for t in section.terms if isinstance(t.local, Symbol))
            pairs = [Concat((Formula("("), t.local, Formula(", "), t.output, Formula(")")))
                     for t in section.terms]
            blocks = [Heading((f"Which ({x.name}, {y.name}) pairs use ", entry)),
                      Paragraph((entry, f" is used by {plural(len(pairs), 'pair')}"
                                 + (": " if pairs else "."), *self.listing(pairs)))]
            items = (self.tensor_items(named_array(x), x, inputs, x.name)
                     + self.tensor_items(named_array(entry.tensor), entry.tensor,
                                         frozenset({entry.flat}), entry.tensor.name)
                     + self.tensor_items(named_array(y), y, outputs, y.name))
        blocks.append(Paragraph(("The entries involved are marked:",)))
        blocks.append(Gallery(tuple(items)))
        chain = Sum(tuple(Product((Derivative(loss, t.output), Derivative(t.output, entry)))
                          for t in section.terms))
        sides = (Derivative(loss, entry), chain, section.value) if section.terms else (
            Derivative(loss, entry), 0)
        blocks.append(Paragraph(("So its gradient is:",)))
        return blocks + [Display((self.equation(sides),))]

    @staticmethod
    def joined(items: list) -> list:
        """``a``, ``a and b``, ``a, b and c`` (names and math, for a sentence)."""
        parts = []
        for number, item in enumerate(items):
            if number:
                parts.append(" and " if number == len(items) - 1 else ", ")
            parts.append(item)
        return parts

    @staticmethod
    def listing(items: list) -> list:
        """``a, b, c.``; after :data:`MAX_LISTED` items, the count of the rest."""
        parts = []
        for number, item in enumerate(items[:MAX_LISTED]):
            if number:
                parts.append(", ")
            parts.append(item)
        if len(items) > MAX_LISTED:
            parts.append(f" and {len(items) - MAX_LISTED} more")
        return parts + ["."] if items else []

    # -- checks ---------------------------------------------------------------------------------------
    def _layout_ChecksSection(self, section: ChecksSection) -> list:
        report = section.report
        blocks = [Heading("Checks"),
                  Paragraph(("Every gradient was computed three independent ways: the chain rule"
                             " above, the closed form, and a NumPy reference (with central finite"
                             f" differences as a third opinion), at random values (seed {report.seed};"
                             " given values kept). Largest absolute difference from NumPy:",))]
        for row in report.rows:
            fd = ("" if row.finite_differences is None else
                  f", finite differences {row.finite_differences:.1e} ({row.fd_entries} entries)")
            verdict = "agree" if row.ok else "DISAGREE"
            closed = ("no closed form for this layer" if row.closed_form is None
                      else f"closed form {row.closed_form:.1e}")
            blocks.append(Paragraph((Derivative(self.loss, Formula(row.tensor)), f": chain rule"
                                     f" {row.chain_rule:.1e}, {closed}{fd} — {verdict}.",)))
        blocks.append(Paragraph(("All three routes agree." if report.ok else
                                 "The routes DISAGREE: please report this problem file.",)))
        return blocks


def layout(solution: Solution, width: int = LINE_WIDTH, statement: bool = True) -> Document:
    """The document of ``solution``, for lines of ``width`` text-printer characters; ``statement``
    starts it with the problem (the layer and its tensors)."""
    return Layout(solution, width, statement).document()
