"""The worked solutions of every example, against golden files, and every equation in them by value.

Regenerate with ``python tests/golden/regenerate.py`` and read the diff before committing.

The golden files are also read back: every equation of the text documents is parsed with a small
parser of our own and evaluated at two random points, where it must give the values of the tests'
own dense reference (``tests/dense_reference.py``: a dense matrix per convolution, windows per
pooling layer, written from PyTorch's definitions; never ``derive()`` nor symconv's own NumPy
references): gradient entries, output entries, local derivatives (by central differences) and the
running sums. A chain rule's terms must be the outputs the reference connects to the entry; every
gradient matrix is compared cell by cell, and the layer's sizes with NumPy's. The numbered
equations of the LaTeX documents are parsed too and must give the same values.
"""

from __future__ import annotations

import re
import tomllib
from fractions import Fraction
from itertools import product
from pathlib import Path

import numpy as np
import pytest

from symconv import load_problem
from symconv.core.poly import Poly, Symbol, poly_sum, product_of
from symconv.core.tensors import Role
from symconv.render.names import latex_entry_name
from symconv.layers.sliding.layer import ConvLayer
from symconv.layers.conv_transpose import ConvTransposeLayer
from symconv.core.wording import axis_names
from symconv.render.text_document import TextDocumentPrinter

from dense_reference import Convolution, DenseLayer, Network, Pool, Relu, Sigmoid
from helpers import independent_gradients, independent_outputs
from tests.golden.regenerate import (EXTENSIONS, GOLDEN, examples, golden_path, matrix_examples,
                                     matrix_golden_path, matrix_layer, render, render_matrix, rendered)

EXAMPLES = examples()
BRACKETS = "⎡⎢⎣[⎤⎥⎦]"


def has_matrix(text: str) -> bool:
    """A matrix (``⎡ … ⎤`` or one row ``[ 1  2 ]``), not an indicator such as ``[C_11 > 0]``."""
    return bool(re.search(r"[⎡⎢⎣]|\[ ", text))


@pytest.mark.parametrize("output_format", list(EXTENSIONS))
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_document_matches_its_golden_file(example, output_format):
    assert_golden(render(example, output_format), golden_path(example, output_format),
                  f"{example.stem} ({output_format})")


def assert_golden(text: str, golden: Path, what: str) -> None:
    assert text == golden.read_text(encoding="utf-8"), (
        f"{what} changed; if intended, run python tests/golden/regenerate.py and read the diff")


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_markdown_pictures_match_their_golden_files(example):
    files = rendered(example, "markdown").files
    assert sorted(files) == sorted(p.name for p in GOLDEN.glob(f"{example.stem}-figure-*.svg"))
    for name, content in files.items():
        assert content == (GOLDEN / name).read_text(encoding="utf-8"), f"{name} changed"


# -- reading our own expressions back ----------------------------------------------------------------


class Names:
    """Every entry name of a problem (text and LaTeX spelling) -> its symbol."""

    def __init__(self, problem):
        self.problem = problem
        printer = TextDocumentPrinter(problem.loss)  # one index style per tensor, as documents write
        tensors = problem.tensors() + [problem.upstream_of(layer) for layer in problem.layers]
        self.text = {}
        self.latex = {}
        for tensor in tensors:
            for flat in range(tensor.size):
                symbol = Symbol(tensor, flat)
                self.text.setdefault(printer.doprint(symbol), symbol)
                self.latex.setdefault(latex_entry_name(symbol, per_tensor=True), symbol)
        self.by_tensor = {t.name: t for t in tensors}

    def value(self, symbol: Symbol):
        """A symbol's given value, or the symbol itself."""
        return symbol.tensor.values.flat[symbol.flat] if symbol.tensor.is_numeric else symbol


def as_grid_2d(array: np.ndarray) -> np.ndarray:
    return array.reshape(1, -1) if array.ndim == 1 else array.reshape(-1, array.shape[-1])


def parse_number(token: str):
    if re.fullmatch(r"\d+", token):
        return int(token)
    if re.fullmatch(r"\d+/\d+", token):
        return Fraction(token)
    return None


def parse_text_poly(text: str, names: Names, substitute: bool) -> Poly:
    """``2·d2 + X_00·w1 - 1/4·b`` as a polynomial; ``substitute`` puts in given values."""
    text = text.strip()
    terms = re.split(r" (?=[+-] )", text)
    total = []
    for term in terms:
        sign = 1
        if term.startswith("+ "):
            term = term[2:]
        elif term.startswith("- "):
            sign, term = -1, term[2:]
        elif term.startswith("-"):
            sign, term = -1, term[1:]
        factors = [sign]
        for factor in term.split("·"):
            base, _, power = factor.partition("^")
            number = parse_number(base)
            if number is None:
                symbol = names.text[base]  # KeyError = a name the document should not contain
                number = names.value(symbol) if substitute else symbol
            factors += [number] * (int(power) if power else 1)
        total.append(product_of(factors))
    return poly_sum(total)


def evaluate(poly: Poly, values: dict) -> float:
    return float(poly.evaluate(lambda s: values[s.tensor].reshape(-1)[s.flat]))


class Point:
    """One point at which the documents are evaluated: the given values, seeded random ones for
    the rest, and every output and gradient there (the intermediate ∂L/∂Y1, … too: the upstream
    factors of the layer-by-layer chain rule), from the tests' own dense reference."""

    def __init__(self, example: Path, problem, names: Names, seed: int):
        self.problem = problem
        self.network = Network(tomllib.loads(Path(example).read_text(encoding="utf-8")))
        rng = np.random.default_rng(seed)
        leaves = [problem.input, *[p for layer in problem.layers for p in layer.parameters],
                  problem.upstream]
        self.values = {t: np.asarray(t.numeric_values(), dtype=float) if t.is_numeric
                       else rng.uniform(-1, 1, t.shape) for t in leaves}
        named = {t.name: v for t, v in self.values.items()}
        outputs = independent_outputs(self.network, problem, named)
        self.values.update({layer.output: np.asarray(outputs[layer.output.name], dtype=float)
                            for layer in problem.layers})
        self.gradients = {name: np.asarray(grad, dtype=float) for name, grad
                          in independent_gradients(self.network, problem, named).items()}
        for layer in problem.layers[:-1]:
            tensor = problem.upstream_of(layer)
            self.values[tensor] = self.gradients[layer.output.name].reshape(tensor.shape)
        self.math = TextMath(names, self.values)

    def gradient(self, symbol: Symbol) -> float:
        return float(self.gradients[symbol.tensor.name].reshape(-1)[symbol.flat])

    def reference_layer(self, layer):
        return self.network.layers[self.problem.layers.index(layer)]

    def layer_forward(self, layer, x, params: list) -> np.ndarray:
        """``layer``'s output for input ``x`` and parameter values ``params`` (weight, bias)."""
        reference = self.reference_layer(layer)
        y = reference.forward(np.asarray(x, dtype=float).reshape(reference.x_shape), *params)
        return np.asarray(y, dtype=float).reshape(layer.output.shape)

    def masked_input_gradient(self, layer, count: int) -> np.ndarray:
        """∂L/∂X of ``layer`` when only the first ``count`` outputs pass their upstream entry back:
        the running "mapped back" sum (independent of the document's accumulation)."""
        reference = self.reference_layer(layer)
        upstream = np.asarray(self.values[self.problem.upstream_of(layer)], dtype=float).reshape(-1).copy()
        upstream[count:] = 0
        x = np.asarray(self.values[layer.input], dtype=float).reshape(reference.x_shape)
        found = reference.backward(x, upstream, *[self.values[p] for p in layer.parameters])
        return np.asarray(found[0] if isinstance(found, list) else found, dtype=float).reshape(
            layer.input.shape)

    def outputs_reading(self, tensor, flat: int) -> list[int]:
        """The outputs (flat, in order) whose definition reads entry ``flat`` of ``tensor``: the
        chain rule's terms, from the reference's structure (a convolution's (output, input,
        weight) triples, a pooling layer's windows, an entry-by-entry layer's one-to-one)."""
        layer = next(layer for layer in self.problem.layers
                     if layer.input is tensor or any(p is tensor for p in layer.parameters))
        reference = self.reference_layer(layer)
        if isinstance(reference, (Relu, Sigmoid)):  # entry by entry
            return [flat]
        if isinstance(reference, Pool):
            return [o for o, window in enumerate(reference.windows) if flat in window]
        assert isinstance(reference, Convolution)
        if tensor is layer.input or tensor is layer.parameters[0]:
            column = 1 if tensor is layer.input else 2
            return sorted({triple[0] for triple in reference.layer.triples if triple[column] == flat})
        channels = np.unravel_index(np.arange(int(np.prod(reference.y_shape))), reference.y_shape)[1]
        return [int(o) for o in np.flatnonzero(channels == flat)]  # a bias entry: its channel's


# -- Σ over an index set, written out for the checks ------------------------------------------------

SUM_PREFIX = re.compile(r"((?:Σ_\{\w=\d+\.\.\d+\} )+)")
INDEXED_NAME = re.compile(r"([A-Za-z][A-Za-z0-9]*)_\{([^{}]*[a-z][^{}]*)\}")


def spelled_names(problem) -> dict:
    """(tensor name, subscript numbers) -> the entry's name as the text documents spell it."""
    printer = TextDocumentPrinter(problem.loss)
    tensors = problem.tensors() + [problem.upstream_of(layer) for layer in problem.layers]
    spelled = {}
    for tensor in tensors:
        for flat in range(tensor.size):
            symbol = Symbol(tensor, flat)
            base, subscript, _ = tensor.entry_name(flat)
            spelled.setdefault((base, subscript), printer.name_only(symbol))
    return spelled


def index_value(expression: str, letters: dict[str, int]) -> int:
    """``2i−1`` with i = 3: 5. Whole coefficients, letters and one constant, as written."""
    total = 0
    for sign, size, letter in re.findall(r"([+−-]?)(\d*)([a-z]?)", expression.replace(" ", "")):
        if not size and not letter:
            continue
        value = int(size) if size else 1
        value *= letters[letter] if letter else 1
        total += -value if sign in "−-" and sign else value
    return total


def expand_sums(side: str, spelled: dict) -> str:
    """A side with every ``Σ_{i=1..3} Σ_{j=1..3} term  (9 terms)`` written out term by term (its
    count checked), so the checks read it like any other sum."""
    while "Σ_{" in side:
        prefix = SUM_PREFIX.search(side)
        ranges = re.findall(r"Σ_\{(\w)=(\d+)\.\.(\d+)\}", prefix.group(1))
        rest = side[prefix.end():]
        counted = re.search(r"  \((\d+) terms\)", rest)
        term, after = (rest[:counted.start()], rest[counted.end():]) if counted else (rest, "")
        letters = [letter for letter, _, _ in ranges]
        terms = []
        for values in product(*[range(int(low), int(high) + 1) for _, low, high in ranges]):
            bound = dict(zip(letters, values))

            def named(match):
                name, subscript = match.groups()
                axes = next(len(numbers) for base, numbers in spelled if base == name)
                # a compact subscript runs one-character indices together (Y1_{ij})
                parts = subscript.split(",") if "," in subscript or axes == 1 else list(subscript)
                numbers = tuple(index_value(part, bound) for part in parts)
                return spelled[(name, numbers)]

            terms.append(INDEXED_NAME.sub(named, term))
        if counted:
            assert int(counted.group(1)) == len(terms), side
        side = side[:prefix.start()] + " + ".join(terms) + after
    return side


def split_top(text: str, separator: str = " = ") -> list[str]:
    """``text`` split at ``separator`` outside brackets (an indicator [x = max(…)] holds one)."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        if text[i] in "([":
            depth += 1
        elif text[i] in ")]":
            depth -= 1
        elif depth == 0 and text.startswith(separator, i):
            parts.append(text[start:i])
            start = i = i + len(separator)
            continue
        i += 1
    return parts + [text[start:]]


class TextMath:
    """The documents' math, evaluated at given values by a parser of our own (independent of the
    printers): numbers, entry names, + - · / ^, parentheses, implicit products (LaTeX's spaces),
    max(…), the indicators [x = max(…)] (1 for the first maximum) and [x > 0]."""

    def __init__(self, names: Names, values: dict):
        self.names, self.values = names, values
        spelled = sorted(names.text, key=len, reverse=True)
        self.token = re.compile(r"\s*(max|" + "|".join(map(re.escape, spelled))
                                + r"|\d+(?:\.\d+)?|[-+·/^()\[\],=>])")

    def value(self, text: str) -> float:
        self.tokens, at = [], 0
        text = text.strip()
        while at < len(text):
            match = self.token.match(text, at)
            assert match, f"cannot read {text[at:]!r} in {text!r}"
            self.tokens.append(match.group(1))
            at = match.end()
        self.at = 0
        result = self.sum()
        assert self.at == len(self.tokens), f"left over in {text!r}: {self.tokens[self.at:]}"
        return result

    def peek(self):
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, expected=None):
        token = self.tokens[self.at]
        assert expected is None or token == expected, (token, expected, self.tokens)
        self.at += 1
        return token

    def sum(self) -> float:
        total = self.product()
        while self.peek() in ("+", "-"):
            total = total + self.product() if self.take() == "+" else total - self.product()
        return total

    def product(self) -> float:
        total = self.unary()
        while self.peek() is not None and self.peek() not in ("+", "-", ")", "]", ",", "=", ">"):
            if self.peek() in ("·", "/"):
                total = total * self.unary() if self.take() == "·" else total / self.unary()
            else:  # side by side (LaTeX)
                total = total * self.unary()
        return total

    def unary(self) -> float:
        if self.peek() == "-":
            self.take()
            return -self.unary()
        base = self.atom()
        if self.peek() == "^":
            self.take()
            return base ** self.unary() if self.peek() == "-" else base ** self.atom()
        return base

    def entry(self, token: str):
        symbol = self.names.text[token]
        return symbol, float(self.values[symbol.tensor].reshape(-1)[symbol.flat])

    def arguments(self) -> list:
        self.take("max")
        self.take("(")
        found = [self.entry(self.take())]
        while self.peek() == ",":
            self.take()
            found.append(self.entry(self.take()))
        self.take(")")
        return found

    def atom(self) -> float:
        token = self.take()
        if token == "(":
            inner = self.sum()
            self.take(")")
            return inner
        if token == "max":
            self.at -= 1
            return max(v for _, v in self.arguments())
        if token == "[":
            symbol, value = self.entry(self.take())
            if self.take() == ">":
                self.take("0")
                self.take("]")
                return float(value > 0)
            window = self.arguments()
            self.take("]")
            values = [v for _, v in window]
            return float([s for s, _ in window].index(symbol) == values.index(max(values)))
        if re.fullmatch(r"\d+(?:\.\d+)?", token):
            return float(token)
        return self.entry(token)[1]


def latex_as_text(latex: str, names: Names) -> str:
    """Our LaTeX math spelled in the text documents' notation, for :class:`TextMath`."""
    text_of = {spelling: TextDocumentPrinter(names.problem.loss).doprint(symbol)
               for spelling, symbol in names.latex.items()}
    for spelling in sorted(text_of, key=len, reverse=True):
        latex = latex.replace(spelling, text_of[spelling])
    latex = latex.replace(r"\left(", "(").replace(r"\right)", ")").replace(r"\max", "max")
    latex = latex.replace(r"\cdot", "·")
    previous = None
    while previous != latex:
        previous = latex
        latex = re.sub(r"\^\{([^{}]*)\}", r"^(\1)", latex)
        latex = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"((\1)/(\2))", latex)
        latex = re.sub(r"\\sqrt\{([^{}]*)\}", r"((\1)^(1/2))", latex)
    return latex


def text_blocks(text: str) -> list[list[str]]:
    """The blocks of a text document: paragraphs, displays (one 2-D display of matrices), and each
    equation of a list of them (set line after line, a long one's lines indented further)."""
    blocks, current = [], []
    for line in text.split("\n"):
        if line.strip():
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    blocks += [current] if current else []
    return [equation for block in blocks for equation in equations_of(block)]


def equations_of(block: list[str]) -> list[list[str]]:
    """A display block of equations line after line, one block per equation (a line as indented
    as the first starts one); any other block as it is."""
    indent = len(block[0]) - len(block[0].lstrip())
    if not indent or has_matrix(" ".join(block)):
        return [block]
    equations: list[list[str]] = []
    for line in block:
        if len(line) - len(line.lstrip()) == indent or not equations:
            equations.append([])
        equations[-1].append(line)
    return equations


def matrices_in(lines: list[str]) -> list[list[list[str]]]:
    """The matrices of a display block, left to right, as rows of cells (cells are two or more
    spaces apart)."""
    per_line = [re.findall(r"[⎡⎢⎣\[] (.*?) [⎤⎥⎦\]]", line) for line in lines]
    per_line = [segments for segments in per_line if segments]
    count = max(len(segments) for segments in per_line)
    return [[re.split(r"\s{2,}", segments[m].strip()) for segments in per_line if len(segments) == count]
            for m in range(count)]


MAPPED = r"\w+ receptive field mapped back: ∂\w+/∂\w+ after the first (\d+ )?receptive fields?"
CONVOLUTIONS = (ConvLayer, ConvTransposeLayer)


class Checker:
    """Walks a text document block by block and checks every equation and gradient matrix."""

    def __init__(self, example):
        self.problem = load_problem(example)
        self.names = Names(self.problem)
        self.points = [Point(example, self.problem, self.names, seed) for seed in (1, 2)]
        self.values, self.math = self.points[0].values, self.points[0].math  # forward and sizes
        self.gradients = {tensor.name for tensor in self.problem.differentiable()}
        self.outputs = {layer.output.name: layer.output for layer in self.problem.layers}
        self.spelled = spelled_names(self.problem)
        self.loss = self.problem.loss
        # ("gradient", name), ("mapped", count) or ("landed", count) for the displays that follow
        self.mode = None
        self.layer = self.problem.layers[0]  # the layer of the section being read
        self.checked = {"entry": 0, "forward": 0, "size": 0, "matrix": 0}
        if any(isinstance(layer, ConvLayer) for layer in self.problem.layers):
            self.checked["mapped"] = 0  # the convolution's running "mapped back" matrices
        if any(isinstance(layer, ConvTransposeLayer) for layer in self.problem.layers):
            self.checked["landed"] = 0  # where the transposed convolution's products land
        if any(not isinstance(layer, CONVOLUTIONS) for layer in self.problem.layers):
            self.checked["local"] = 0  # the pooling sections' ∂y/∂x of the first window
        if any(layer.output.is_numeric for layer in self.problem.layers[:-1]) or any(
                not isinstance(layer, CONVOLUTIONS) and layer.output.is_numeric
                for layer in self.problem.layers):
            self.checked["output matrix"] = 0

    def run(self, text: str) -> dict:
        for block in text_blocks(text):
            joined = " ".join(line.strip() for line in block)
            if not block[0].startswith(" ") and not re.match(r"\(\d+\) ", block[0]):
                self.paragraph(joined)
            elif has_matrix(joined):
                self.matrices(block, joined)
            elif " = " in joined:
                self.equation(re.sub(r"^\(\d+\) ", "", joined))
        return self.checked

    def paragraph(self, joined: str):
        heading = re.match(r"(Shapes|Forward pass|Gradient with respect to \w+|Closed form)"
                           r"(?: \(layer (\d+):)?", joined)
        if heading:  # the layer the section is about (the only one when the title has no number)
            self.layer = self.problem.layers[int(heading.group(2) or 1) - 1]
        label = re.match(rf"∂{self.loss}/∂(\w+)", joined)
        mapped = re.match(MAPPED, joined)
        landed = re.match(r"Where the first (?:input entry lands|(\d+) input entries land)", joined)
        continuation = re.search(r"too wide|slice by slice|entry by entry", joined)
        if mapped:
            self.mode = ("mapped", int(mapped.group(1) or 1))
        elif continuation and self.mode and self.mode[0] == "mapped":
            pass  # the running sum, entry by entry: still a partial sum
        elif label and label.group(1) in self.gradients and continuation:
            self.mode = ("gradient", label.group(1))
        elif continuation and (output := re.match(r"(\w+) (?:\(.*\) )?(?:is too wide|has entries|, slice)",
                                                   joined)) and output.group(1) in self.outputs:
            self.mode = ("output", output.group(1))  # an output in blocks, slices or listed
        elif landed:
            self.mode = ("landed", int(landed.group(1) or 1))
        elif not continuation:
            self.mode = None

    def matrices(self, block: list[str], joined: str):
        label = re.search(rf"∂{self.loss}/∂(\w+) = ", joined)
        forward = re.match(r"\s*(\[?)(\w+)(?: > 0\]| = max\(\w+, 0\))? = [⎡⎢⎣\[]", next(
            (line for line in block if " = " in line), ""))
        computed = {layer.output.name for layer in self.problem.layers}
        if not label and forward and (forward.group(2) in computed or forward.group(1)):
            self.output_matrix(block, forward.group(2), mask=bool(forward.group(1)))
            return
        mode = ("gradient", label.group(1)) if label else self.mode
        if mode is None or (mode[0] == "gradient" and mode[1] not in self.gradients):
            return  # receptive fields, rot180, zero-inserted, highlighted grids: see test_solution
        if mode[0] == "output":  # an output's values in blocks of columns or slice by slice
            values = np.asarray(self.values[self.outputs[mode[1]]], dtype=float)
            labels = re.findall(r"((?:[nfcd] = \d+, )*[nfcd] = \d+)(?:, columns? (\d+)(?:–\d+)?)?:", joined)
            columns = re.search(r"columns? (\d+)", joined)
            for number, cells in enumerate(matrices_in([line for line in block if has_matrix(line)])):
                offset = int(labels[number][1] or 1) - 1 if labels else (
                    int(columns.group(1)) - 1 if columns else 0)
                self.compare(cells, values, labels[number][0] if labels else None, offset, self.points[0])
            self.checked["forward"] += 1
            return
        lines = [line for line in block if has_matrix(line)]
        # slice labels, each with the first column of its block when a slice is wrapped
        labels = re.findall(r"((?:[nfcd] = \d+, )*[nfcd] = \d+)(?:, columns? (\d+)(?:–\d+)?)?:", joined)
        columns = re.search(r"columns? (\d+)", joined)
        offset = int(columns.group(1)) - 1 if columns else 0
        found = matrices_in(lines)
        assert not labels or len(labels) == len(found), joined
        scale = re.search(r" = (\d+(?:/\d+)?) · [⎡⎢⎣\[]", joined)  # 1/4 · [the notes' matrix]
        for number, cells in enumerate(found):
            slice_label = labels[number][0] if labels else None
            if labels:
                offset = int(labels[number][1] or 1) - 1
            if mode[0] == "gradient":  # by value at both points
                divisor = float(Fraction(scale.group(1))) if scale and number == 0 else 1.0
                for point in self.points:
                    self.compare(cells, point.gradients[mode[1]] / divisor, slice_label, offset, point)
                self.checked["matrix"] += 1
            else:
                expected = self.partial(mode)
                self.compare(cells, expected, slice_label, offset, self.points[0])
                self.checked[mode[0]] += 1

    def compare(self, cells, expected: np.ndarray, slice_label, offset: int, point: Point):
        """Every cell (``⋯`` and ``⋮`` skipped) at ``point`` against ``expected``."""
        grid = expected
        if slice_label:
            base = self.problem.input.index_base
            grid = expected[tuple(int(i) - base for i in re.findall(r"= (\d+)", slice_label))]
        grid = grid.reshape(1, -1) if grid.ndim == 1 else grid
        for r, row in enumerate(cells):
            for c, cell in enumerate(row):
                if cell in ("⋯", "⋮") or r >= grid.shape[0]:
                    continue
                assert point.math.value(cell) == pytest.approx(float(grid[r, c + offset]), rel=1e-9, abs=1e-9)

    def output_matrix(self, block: list[str], name: str, mask: bool):
        """``Z = [the forward values]`` (``Y2 = max(Y1, 0) = […]``) or ``[Y1 > 0] = [the mask]``."""
        tensor = next(t for t in self.problem.tensors() if t.name == name)
        expected = np.asarray(self.values[tensor], dtype=float)
        expected = as_grid_2d((expected > 0).astype(float) if mask else expected)
        [cells] = matrices_in([line for line in block if has_matrix(line)])
        for r, row in enumerate(cells):
            for c, cell in enumerate(row):
                assert self.math.value(cell) == pytest.approx(expected[r, c], rel=1e-9, abs=1e-9)
        self.checked["output matrix"] = self.checked.get("output matrix", 0) + 1
        self.checked["forward"] += 1  # a handout writes the outputs as their matrix

    def local(self, output, entry, sides: list[str], joined: str):
        """∂y/∂x of one window entry, against central differences of the layer's NumPy forward."""
        layer = next(l for l in self.problem.layers if l.output is output.tensor)
        assert layer.input is entry.tensor, joined
        point = self.points[0]
        params = [self.values[p] for p in layer.parameters]
        x = np.asarray(self.values[layer.input], dtype=float)
        h = 1e-6
        shifted = []
        for step in (h, -h):
            moved = x.copy().reshape(-1)
            moved[entry.flat] += step
            shifted.append(float(point.layer_forward(layer, moved, params).reshape(-1)[output.flat]))
        slope = (shifted[0] - shifted[1]) / (2 * h)
        for side in sides:
            assert self.math.value(side) == pytest.approx(slope, rel=1e-5, abs=1e-6), joined
        self.checked["local"] += 1

    def equation(self, joined: str):
        sides = [expand_sums(side, self.spelled) for side in split_top(joined)]
        lhs, loss, names = sides[0], self.loss, self.names
        if lhs.startswith(("O_", "size_", "full_", "I_", "P_")):
            self.size(lhs, int(sides[-1]))
            return
        target = lhs.removeprefix(f"∂{loss}/∂")
        local = re.fullmatch(r"∂(\S+)/∂(\S+)", lhs)
        if self.mode and self.mode[0] == "mapped" and target in names.text:
            symbol = names.text[target]  # an entry of the running sum after mode[1] fields
            expected = self.partial(self.mode).reshape(-1)
            value = evaluate(parse_text_poly(sides[1], names, substitute=True), self.values)
            assert value == pytest.approx(expected[symbol.flat], abs=1e-9), joined
            self.checked["mapped"] += 1
        elif lhs.startswith(f"∂{loss}/∂") and target in names.text:
            symbol = names.text[target]
            chain = [s for s in sides[1:] if s.endswith(f"/∂{target}")]
            value_sides = [s for s in sides[1:] if s not in chain and not s.startswith("sum(")]
            if chain:  # one term per output that reads the entry
                outputs = re.findall(rf"∂{loss}/∂(\S+?)·∂\S+?/∂", chain[0])
                layer = next(layer for layer in self.problem.layers if layer.input is symbol.tensor
                             or any(p is symbol.tensor for p in layer.parameters))
                printer = TextDocumentPrinter(loss)
                assert outputs == [printer.name_only(Symbol(layer.output, o))
                                   for o in self.points[0].outputs_reading(symbol.tensor, symbol.flat)], joined
            # every value (the given values put in), at both points: the entry, or in a chain the
            # entry expanded down to the given upstream gradient
            for point in self.points:
                for side in value_sides:
                    assert point.math.value(side) == pytest.approx(point.gradient(symbol), rel=1e-9,
                                                                   abs=1e-9), joined
            self.checked["entry"] += 1
        elif lhs in names.text and self.mode and self.mode[0] in ("mapped", "landed"):
            symbol = names.text[lhs]
            expected = self.partial(self.mode).reshape(-1)
            value = evaluate(parse_text_poly(sides[1], names, substitute=True), self.values)
            assert value == pytest.approx(expected[symbol.flat], abs=1e-9), joined
            self.checked[self.mode[0]] += 1
        elif lhs in names.text and names.text[lhs].tensor.role is Role.OUTPUT:
            symbol = names.text[lhs]
            expected = self.values[symbol.tensor].reshape(-1)[symbol.flat]
            for side in sides[1:]:
                assert self.math.value(side) == pytest.approx(expected, rel=1e-9, abs=1e-9), joined
            self.checked["forward"] += 1
        elif local and local.group(1) in names.text and local.group(2) in names.text:
            self.local(names.text[local.group(1)], names.text[local.group(2)], sides[1:], joined)
        else:
            raise AssertionError(f"an equation this test does not know how to check: {joined}")

    def partial(self, mode) -> np.ndarray:
        """A running sum, by the dense reference: ∂L/∂X when only the first outputs pass
        their upstream entry back ("mapped"), or a transposed convolution's output when only its
        first input entries are kept, without the bias ("landed")."""
        if mode[0] == "mapped":
            return self.points[0].masked_input_gradient(self.layer, mode[1])
        layer = self.layer
        x = np.asarray(self.values[layer.input], dtype=float).reshape(-1).copy()
        x[mode[1]:] = 0
        params = [self.values[p] if p.role is Role.WEIGHT else 0 * self.values[p] for p in layer.parameters]
        return self.points[0].layer_forward(layer, x, params)

    def size(self, lhs: str, value: int):
        """O_H: the output size; size_H: the zero-inserted, padded upstream gradient's size (of a
        transposed convolution: the zero-inserted, padded input's); full_H: its full correlation
        with the (dilated) kernel; I_H: the input's size; P_H: the total padding of
        padding = "same"."""
        layer = self.layer
        dims = self.problem.dims
        position = axis_names(dims).index(lhs.split("_")[1])
        out = layer.output.shape[len(layer.output.shape) - dims + position]
        size_in = layer.input.shape[len(layer.input.shape) - dims + position]
        kind = lhs.split("_")[0]
        if kind == "O":  # pooling too
            assert value == out
            self.checked["size"] += 1
            return
        g = layer.geometry
        stride, kernel, dilation = g.stride[position], g.kernel[position], g.dilation[position]
        reach = dilation * (kernel - 1) + 1
        if kind == "P":  # what TensorFlow pads in all (from S·H when transposed)
            size = size_in * stride if isinstance(layer, ConvTransposeLayer) else size_in
            assert value == max((-(-size // stride) - 1) * stride + reach - size, 0) == sum(
                g.padding[position])
        else:  # O entries with S − 1 zeros between them, D(K − 1) zeros on each side
            spread = out if isinstance(layer, ConvLayer) else size_in
            inserted = np.pad(np.zeros(stride * (spread - 1) + 1), dilation * (kernel - 1))
            expected = {"size": len(inserted),
                        "full": len(np.correlate(inserted, np.ones(reach), mode="valid")),
                        "I": size_in}
            assert value == expected[kind], lhs
        self.checked["size"] += 1


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_text_equation_and_gradient_matrix_has_the_dense_references_value(example):
    text = golden_path(example, "text").read_text(encoding="utf-8")
    checked = Checker(example).run(text)
    optional = {"matrix": "entry by entry|they are those of|one entry, written in",
                "mapped": None if "First receptive field mapped back" in text else "",
                "landed": None if "Where the first input entry lands" in text else ""}
    needed = [kind for kind in checked
              if optional.get(kind) is None or not re.search(optional[kind], text)]
    assert all(checked[kind] > 0 for kind in needed), checked


# -- the LaTeX documents say the same ---------------------------------------------------------------


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_numbered_latex_equations_give_the_dense_references_values(example):
    problem = load_problem(example)
    names = Names(problem)
    spelled = spelled_names(problem)
    latex = golden_path(example, "latex").read_text(encoding="utf-8")
    # one row: equation* with the tag at its end; several rows: align*, the tag on the first row
    equations = [(re.sub(r" \\tag\{\d+\}", "", body), re.search(r"\\tag\{(\d+)\}", body).group(1))
                 for body in re.findall(r"\\begin\{(?:equation|align)\*\}\n(.*?)\n\\end\{(?:equation|align)\*\}",
                                        latex, re.S) if "\\tag{" in body]
    markdown = golden_path(example, "markdown").read_text(encoding="utf-8")
    assert len(re.findall(r"\\tag\{\d+\}\$\$", markdown)) == len(equations) > 0
    tags = [int(tag) for _, tag in equations]  # in order; a result listed in words has no tag
    assert tags == sorted(set(tags))
    for number in set(range(1, tags[-1] + 1)) - set(tags):  # a result listed in words, by number
        assert f"({number}) " in latex
    points = [Point(example, problem, names, seed) for seed in (1, 2)]
    checked = 0
    for body, _ in equations:
        flat = re.sub(r"\\begin\{aligned\}|\\end\{aligned\}|&|\\\\|\\quad(?! \\text)", " ", body)
        sides = [" ".join(side.split()) for side in split_top(flat)]
        lhs = re.fullmatch(r"\\frac\{\\partial \w+\}\{\\partial (.+)\}", sides[0])
        if lhs is None or lhs.group(1) not in names.latex:
            continue  # a numbered result (a matrix, a gallery) that later sections refer to
        symbol = names.latex[lhs.group(1)]
        # every value (not the chain-rule side of ∂y/∂x factors), at both points, against the
        # dense reference; a Σ written out term by term first
        texts = [expand_sums(latex_as_text(latex_sums(side), names), spelled) for side in sides[1:]]
        texts = [side for side in texts if r"\partial" not in side]
        assert texts, body
        for point in points:
            for side in texts:
                assert point.math.value(side) == pytest.approx(point.gradient(symbol), rel=1e-9, abs=1e-9), body
        checked += 1
    assert checked > 0


def latex_sums(side: str) -> str:
    """Our LaTeX Σ in the text documents' notation: ``\\sum_{i=1}^{3}`` as ``Σ_{i=1..3}``, its
    count as ``  (9 terms)``, and ∂L/∂ of an indexed entry as ``∂L/∂Z_{i,j}``."""
    side = re.sub(r"\\sum_\{(\w)=(\d+)\}\^\{(\d+)\} ?", r"Σ_{\1=\2..\3} ", side)
    side = re.sub(r" ?\\quad \\text\{\((\d+) terms\)\}", r"  (\1 terms)", side)
    return re.sub(r"\\frac\{\\partial (\w+)\}\{\\partial (\w+_\{[^{}]*\})\}", r"∂\1/∂\2", side)


# -- the matrix view --------------------------------------------------------------------------------

MATRIX_EXAMPLES = matrix_examples()


@pytest.mark.parametrize("output_format", list(EXTENSIONS))
@pytest.mark.parametrize("example", MATRIX_EXAMPLES, ids=lambda p: p.stem)
def test_matrix_view_matches_its_golden_file(example, output_format):
    assert_golden(render_matrix(example, output_format), matrix_golden_path(example, output_format),
                  f"the matrix view of {example.stem} ({output_format})")


def golden_c(text: str) -> dict[tuple[int, int], str]:
    """The cells of C in a text matrix golden, by (row, column)."""
    cells, reading = {}, False
    for block in text_blocks(text):
        first = block[0]
        if first.startswith("C is too wide") or re.match(r"\s+C = ", next(
                (line for line in block if " = " in line), "")):
            reading = True
        elif reading and not first.startswith(" "):
            break
        if reading and first.startswith(" "):
            label = re.search(r"columns? (\d+)", " ".join(block))
            offset = int(label.group(1)) - 1 if label else 0
            [rows] = matrices_in([line for line in block if has_matrix(line)])
            for r, row in enumerate(rows):
                for c, cell in enumerate(row):
                    cells[r, c + offset] = cell
    return cells


@pytest.mark.parametrize("example", MATRIX_EXAMPLES, ids=lambda p: p.stem)
def test_the_golden_c_is_the_dense_reference_built_from_pytorchs_definition(example):
    problem = load_problem(example)
    layer = matrix_layer(problem)
    g = layer.geometry
    transposed = isinstance(layer, ConvTransposeLayer)
    x_shape = g.output_shape if transposed else g.input_shape
    numbered = np.arange(1, layer.weight.size + 1).reshape(g.weight_shape)  # entry k is k + 1
    dense = DenseLayer(layer.kind, x_shape, numbered, g.stride, g.padding, g.dilation, g.groups,
                       layer.output_padding if transposed else None)
    cells = golden_c(matrix_golden_path(example, "text").read_text(encoding="utf-8"))
    assert max(cells) == (dense.matrix.shape[0] - 1, dense.matrix.shape[1] - 1)
    names = Names(problem)
    for (r, c), cell in cells.items():
        k = dense.matrix[r, c]
        expected = 0 if k == 0 else layer.weight.entry(int(k) - 1)
        assert parse_text_poly(cell, names, substitute=False) == Poly.lift(expected), (r, c, cell)
