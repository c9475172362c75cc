"""The worked solutions of every example, against golden files, and every equation in them by value.

Regenerate with ``python tests/golden/regenerate.py`` and read the diff before committing.

The golden files are also read back: every equation of the text documents is parsed with a small
parser of our own and compared with the derivation (gradient entries), with the NumPy forward pass
(output entries) or with the layer's sizes; every gradient matrix is compared cell by cell; the
numbered equations of the LaTeX documents are parsed too and must give the same values.
"""

from __future__ import annotations

import re
from fractions import Fraction

import numpy as np
import pytest

from symconv import derive, load_problem
from symconv.checks import forward_values
from symconv.poly import Poly, Symbol, poly_sum, product_of
from symconv.render.latex_names import latex_entry_name
from symconv.render.text import TextPrinter

from tests.golden.regenerate import EXTENSIONS, examples, golden_path, render

EXAMPLES = examples()
BRACKETS = "⎡⎢⎣[⎤⎥⎦]"


@pytest.mark.parametrize("output_format", list(EXTENSIONS))
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_document_matches_its_golden_file(example, output_format):
    expected = golden_path(example, output_format).read_text(encoding="utf-8")
    assert render(example, output_format) == expected, (
        f"{example.stem} ({output_format}) changed; if intended, run python tests/golden/regenerate.py"
        " and read the diff")


# -- reading our own expressions back ----------------------------------------------------------------


class Names:
    """Every entry name of a problem (text and LaTeX spelling) -> its symbol."""

    def __init__(self, problem):
        self.problem = problem
        printer = TextPrinter(problem.loss)
        tensors = problem.tensors() + [problem.upstream]
        self.text = {}
        self.latex = {}
        for tensor in tensors:
            for flat in range(tensor.size):
                symbol = Symbol(tensor, flat)
                self.text.setdefault(printer.doprint(symbol), symbol)
                self.latex.setdefault(latex_entry_name(symbol), symbol)
        self.by_tensor = {t.name: t for t in tensors}

    def value(self, symbol: Symbol):
        """A symbol's given value, or the symbol itself."""
        return symbol.tensor.values.flat[symbol.flat] if symbol.tensor.is_numeric else symbol


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


def random_values(problem, seed=1) -> dict:
    rng = np.random.default_rng(seed)
    leaves = [problem.input, *[p for layer in problem.layers for p in layer.parameters],
              problem.upstream]
    values = {t: t.numeric_values() if t.is_numeric else rng.uniform(-1, 1, t.shape) for t in leaves}
    return forward_values(problem, values)


def text_blocks(text: str) -> list[list[str]]:
    blocks, current = [], []
    for line in text.split("\n"):
        if line.strip():
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    return blocks + ([current] if current else [])


def matrices_in(lines: list[str]) -> list[list[list[str]]]:
    """The matrices of a display block, left to right, as rows of cells (cells are two or more
    spaces apart)."""
    per_line = [re.findall(r"[⎡⎢⎣\[] (.*?) [⎤⎥⎦\]]", line) for line in lines]
    per_line = [segments for segments in per_line if segments]
    count = max(len(segments) for segments in per_line)
    return [[re.split(r"\s{2,}", segments[m].strip()) for segments in per_line if len(segments) == count]
            for m in range(count)]


ORDINAL = r"(First|Second|Third|Fourth|Fifth|Sixth|Seventh|Eighth|Ninth|\d+th) receptive field mapped back"
ORDINALS = ["First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth"]


def masked_input_gradient(problem, values: dict, count: int) -> np.ndarray:
    """∂L/∂X when only the first ``count`` outputs pass their upstream entry back: the running
    "mapped back" sum, from the NumPy reference (independent of the document's accumulation)."""
    layer = problem.layers[0]
    upstream = values[problem.upstream].reshape(-1).copy()
    upstream[count:] = 0
    params = {p.name: values[p] for p in layer.parameters}
    return layer.reference_backward(values[layer.input], params, upstream.reshape(layer.output.shape))[
        layer.input.name]


class Checker:
    """Walks a text document block by block and checks every equation and gradient matrix."""

    def __init__(self, example):
        self.problem = load_problem(example)
        self.derivation = derive(self.problem)
        self.names = Names(self.problem)
        self.values = random_values(self.problem)
        self.loss = self.problem.loss
        self.mode = None  # ("gradient", name) or ("mapped", count) for the displays that follow
        self.checked = {"entry": 0, "forward": 0, "size": 0, "matrix": 0, "mapped": 0}

    def run(self, text: str) -> dict:
        for block in text_blocks(text):
            joined = " ".join(line.strip() for line in block)
            if not block[0].startswith(" ") and not re.match(r"\(\d+\) ", block[0]):
                self.paragraph(joined)
            elif any(c in joined for c in BRACKETS):
                self.matrices(block, joined)
            elif " = " in joined:
                self.equation(re.sub(r"^\(\d+\) ", "", joined))
        return self.checked

    def paragraph(self, joined: str):
        label = re.match(rf"∂{self.loss}/∂(\w+)", joined)
        mapped = re.match(ORDINAL, joined)
        continuation = re.search(r"too wide|slice by slice|entry by entry", joined)
        if label and label.group(1) in self.derivation.names() and continuation:
            self.mode = ("gradient", label.group(1))
        elif mapped:
            word = mapped.group(1)
            self.mode = ("mapped", ORDINALS.index(word) + 1 if word in ORDINALS else int(word[:-2]))
        elif not continuation:
            self.mode = None

    def matrices(self, block: list[str], joined: str):
        label = re.search(rf"∂{self.loss}/∂(\w+) = ", joined)
        mode = ("gradient", label.group(1)) if label else self.mode
        if mode is None or (mode[0] == "gradient" and mode[1] not in self.derivation.names()):
            return  # receptive fields, rot180, zero-inserted, highlighted grids: see test_solution
        lines = [line for line in block if any(c in line for c in BRACKETS)]
        labels = re.findall(r"((?:[nfc] = \d+(?:, )?)+):", joined)
        columns = re.search(r"columns? (\d+)", joined)
        offset = int(columns.group(1)) - 1 if columns else 0
        found = matrices_in(lines)
        assert not labels or len(labels) == len(found), joined
        for number, cells in enumerate(found):
            slice_label = labels[number] if labels else None
            if mode[0] == "gradient":
                gradient = self.derivation.gradient(mode[1])
                expected = np.array(gradient.polys(), dtype=object).reshape(gradient.shape)
                self.compare(cells, expected, slice_label, offset, exact=True)
                self.checked["matrix"] += 1
            else:
                expected = masked_input_gradient(self.problem, self.values, mode[1])
                self.compare(cells, expected, slice_label, offset, exact=False)
                self.checked["mapped"] += 1

    def compare(self, cells, expected: np.ndarray, slice_label, offset: int, exact: bool):
        grid = expected
        if slice_label:
            base = self.problem.input.index_base
            grid = expected[tuple(int(i) - base for i in re.findall(r"= (\d+)", slice_label))]
        grid = grid.reshape(1, -1) if grid.ndim == 1 else grid
        for r, row in enumerate(cells):
            for c, cell in enumerate(row):
                if cell in ("⋯", "⋮") or r >= grid.shape[0]:
                    continue
                if exact:
                    assert parse_text_poly(cell, self.names, substitute=False) == grid[r, c + offset]
                else:
                    value = evaluate(parse_text_poly(cell, self.names, substitute=True), self.values)
                    assert value == pytest.approx(grid[r, c + offset], abs=1e-9)

    def equation(self, joined: str):
        sides = joined.split(" = ")
        lhs, loss, names = sides[0], self.loss, self.names
        if lhs.startswith(("O_", "size_")):
            self.size(lhs, int(sides[-1]))
            return
        target = lhs.removeprefix(f"∂{loss}/∂")
        if lhs.startswith(f"∂{loss}/∂") and target in names.text:
            symbol = names.text[target]
            entry = self.derivation.gradient(symbol.tensor.name).entry(symbol.flat)
            chain = [s for s in sides[1:] if s.endswith(f"/∂{target}")]
            value_sides = [s for s in sides[1:] if s not in chain and not s.startswith("sum(")]
            if chain:
                outputs = re.findall(rf"∂{loss}/∂(\S+?)·∂\S+?/∂", chain[0])
                assert outputs == [TextPrinter(loss).name_only(t.output) for t in entry.terms], joined
            assert parse_text_poly(value_sides[-1], names, substitute=False) == entry.value, joined
            for side in value_sides[:-1]:
                assert parse_text_poly(side, names, substitute=True) == entry.value, joined
            self.checked["entry"] += 1
        elif lhs in names.text and names.text[lhs].tensor.role == "output":
            symbol = names.text[lhs]
            expected = self.values[symbol.tensor].reshape(-1)[symbol.flat]
            for side in sides[1:]:
                assert evaluate(parse_text_poly(side, names, substitute=True), self.values) == \
                    pytest.approx(expected, rel=1e-9, abs=1e-9), joined
            self.checked["forward"] += 1
        elif lhs in names.text and self.mode and self.mode[0] == "mapped":
            symbol = names.text[lhs]
            expected = masked_input_gradient(self.problem, self.values, self.mode[1]).reshape(-1)
            value = evaluate(parse_text_poly(sides[1], names, substitute=True), self.values)
            assert value == pytest.approx(expected[symbol.flat], abs=1e-9), joined
            self.checked["mapped"] += 1
        else:
            raise AssertionError(f"an equation this test does not know how to check: {joined}")

    def size(self, lhs: str, value: int):
        """O_H: the output size; size_H: the zero-inserted, padded upstream gradient's size."""
        layer = self.problem.layers[0]
        g = layer.geometry
        position = ("HW" if self.problem.dims == 2 else "L").index(lhs.split("_")[1])
        out = layer.output.shape[len(layer.output.shape) - self.problem.dims + position]
        if lhs.startswith("O_"):
            assert value == out
        else:  # O entries with S − 1 zeros between them, D(K − 1) zeros on each side
            inserted = np.zeros(g.stride[position] * (out - 1) + 1)
            assert value == len(np.pad(inserted, g.dilation[position] * (g.kernel[position] - 1)))
        self.checked["size"] += 1


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_text_equation_and_gradient_matrix_has_the_derivations_value(example):
    text = golden_path(example, "text").read_text(encoding="utf-8")
    checked = Checker(example).run(text)
    needed = [kind for kind in checked if kind != "matrix" or "entry by entry" not in text]
    assert all(checked[kind] > 0 for kind in needed), checked


# -- the LaTeX documents say the same ---------------------------------------------------------------


def parse_latex_poly(text: str, names: Names) -> Poly:
    """Our own LaTeX for a polynomial (``2 d_{2} + \\frac{1}{4} b``) as a polynomial."""
    placeholders = {}
    for number, name in enumerate(sorted(names.latex, key=len, reverse=True)):
        if name in text:
            key = f"§{number}§"
            text = text.replace(name, key)
            placeholders[key] = names.latex[name]
    text = re.sub(r"\\frac\{(\d+)\}\{(\d+)\}", r"\1/\2", text)
    tokens = text.split()
    total, factors, sign = [], [], 1
    for token in tokens + ["+"]:
        if token in "+-":
            if factors:
                total.append(product_of([sign] + factors))
            factors, sign = [], (-1 if token == "-" else 1)
            continue
        if token.startswith("-"):
            sign, token = -1, token[1:]
        base, _, power = token.partition("^")
        number = parse_number(base)
        factor = number if number is not None else placeholders[base]
        factors += [factor] * (int(power) if power else 1)
    return poly_sum(total)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_numbered_latex_equations_give_the_derivations_values(example):
    problem = load_problem(example)
    derivation = derive(problem)
    names = Names(problem)
    latex = golden_path(example, "latex").read_text(encoding="utf-8")
    equations = re.findall(r"\\begin\{equation\*\}\n(.*?) \\tag\{(\d+)\}\n\\end\{equation\*\}", latex, re.S)
    markdown = golden_path(example, "markdown").read_text(encoding="utf-8")
    assert len(re.findall(r"\\tag\{\d+\}\$\$", markdown)) == len(equations) > 0
    for number, (body, tag) in enumerate(equations, start=1):
        assert int(tag) == number
        flat = re.sub(r"\\begin\{aligned\}|\\end\{aligned\}|&|\\\\|\\quad", " ", body)
        sides = [side.strip() for side in flat.split(" = ")]
        lhs = re.fullmatch(r"\\frac\{\\partial \w+\}\{\\partial (.+)\}", sides[0]).group(1)
        symbol = names.latex[lhs]
        entry = derivation.gradient(symbol.tensor.name).entry(symbol.flat)
        assert parse_latex_poly(sides[-1], names) == entry.value, body
