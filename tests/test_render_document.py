"""Small pieces of the LaTeX, Markdown and text printers, expected output written inline."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from symconv.core.document import (Derivative, Display, Equation, Formula, Gallery, Hadamard, Heading,
                              Labeled, Matrix, Numbered, Paragraph, Product, Sum)
from symconv.core.poly import Poly, Symbol
from symconv.render.arrange import break_equation
from symconv.render.latex import LatexPrinter, latex_words
from symconv.render.markdown import MarkdownPrinter
from symconv.render.text_document import TextDocumentPrinter, hcat
from symconv.core.tensors import Role, Tensor

X = Tensor("X", (2, 2), Role.INPUT, rank=1, leading_axes=("n", "c"))
W = Tensor("w", (2, 2), Role.WEIGHT, naming="flat", index_base=1, rank=2,
           leading_axes=("f", "c"))
Y = Tensor("C", (3, 3), Role.OUTPUT, index_base=1, rank=4, leading_axes=("n", "f"))
E = Tensor("C", (3, 3), Role.UPSTREAM, index_base=1, derivative_of="E", rank=0,
           leading_axes=("n", "f"))
BIG = Tensor("A", (2, 3, 12, 4), Role.INPUT, rank=1, leading_axes=("n", "c"))


def grid(items, shape):
    array = np.empty(len(items), dtype=object)
    array[:] = items
    return array.reshape(shape)


def latex(node):
    return LatexPrinter("L").doprint(node)


def text(node):
    return TextDocumentPrinter("L").doprint(node)


def test_latex_matrix_of_numbers():
    assert latex(Matrix(grid([1, 2, 2, 3], (2, 2)))) == r"\begin{bmatrix} 1 & 2 \\ 2 & 3 \end{bmatrix}"


def test_latex_receptive_field_odot_kernel_as_in_cs7643():
    window = Matrix(grid([1, 2, 2, 3], (2, 2)))
    kernel = Matrix(grid([Symbol(W, i) for i in range(4)], (2, 2)))
    assert latex(Hadamard(window, kernel)) == (r"\begin{bmatrix} 1 & 2 \\ 2 & 3 \end{bmatrix} \odot"
                                               r" \begin{bmatrix} w_{1} & w_{2} \\ w_{3} & w_{4} \end{bmatrix}")


def test_latex_names_of_indexed_flat_and_many_axis_entries():
    assert latex(Symbol(X, 1)) == "X_{01}"
    assert latex(Symbol(W, 3)) == "w_{4}"
    assert latex(Symbol(BIG, 2 * 48 + 47)) == "A_{0,2,11,3}"


def test_latex_chain_rule_term_and_derivative_notation():
    term = Product((Derivative("E", Symbol(Y, 0)), Derivative(Symbol(Y, 0), Symbol(X, 1))))
    assert latex(term) == r"\frac{\partial E}{\partial C_{11}} \frac{\partial C_{11}}{\partial X_{01}}"
    assert latex(Symbol(E, 4)) == r"\frac{\partial E}{\partial C_{22}}"
    assert latex(Derivative("L", X)) == r"\frac{\partial L}{\partial X}"


def test_latex_polynomials_with_fractions_signs_and_powers():
    x0, w1 = Symbol(X, 0), Symbol(W, 0)
    poly = Poly({(x0, w1): Fraction(-1, 4), (w1,): 2, (x0, x0): 1, (): -3})
    assert latex(poly) == r"X_{00}^2 - \frac{1}{4} X_{00} w_{1} + 2 w_{1} - 3"
    assert latex(Fraction(-1, 2)) == r"-\frac{1}{2}"


def test_latex_marked_entries_are_boxed_and_cut_matrices_end_in_dots():
    assert latex(Matrix(grid([1, 2, 3, 4], (2, 2)), frozenset({1}))) == (
        r"\begin{bmatrix} 1 & \boxed{2} \\ 3 & 4 \end{bmatrix}")
    assert latex(Matrix(grid(list(range(9)), (3, 3)), rows=2, columns=2)) == (
        r"\begin{bmatrix} 0 & 1 & \cdots \\ 3 & 4 & \cdots \\ \vdots & \vdots & \ddots \end{bmatrix}")


def test_latex_formula_maps_our_unicode_notation():
    assert latex(Formula("O = ⌊(I − K + 2P)/S⌋ + 1")) == (
        r"O = \left\lfloor (I - K + 2P)/S\right\rfloor  + 1")
    assert latex(Formula("size_H")) == r"\operatorname{size}_H"


def test_latex_words_escape_specials_and_unknown_characters():
    assert latex_words("5×5 & 100% #1 a_b {x} ☃") == r"5$\times$5 \& 100\% \#1 a\_\allowbreak{}b \{x\} ?"


def test_latex_long_equation_breaks_into_aligned_lines_at_plus():
    terms = Sum(tuple(Product((Symbol(E, k), Symbol(X, k % 4))) for k in range(9)))
    printed = latex(Equation((Derivative("E", Symbol(X, 0)), terms, Poly.lift(Symbol(X, 0)))))
    assert printed.startswith(r"\begin{aligned} \frac{\partial E}{\partial X_{00}} &= ")
    assert r" \\ &\quad + " in printed and printed.endswith(r"\end{aligned}")


def test_latex_equations_one_under_another_are_one_align_continuing_the_paragraph():
    """A list of equations is one align* (aligned at "=", a little space between equations), not a
    display each with a display's space around it; a display goes on from the paragraph before
    it, so no empty line opens it."""
    rows = tuple(Equation((Derivative("E", Symbol(X, k)), Symbol(E, k))) for k in range(3))
    assert latex(Display(rows)) == (
        "\\begin{align*}\n"
        "\\frac{\\partial E}{\\partial X_{00}} &= \\frac{\\partial E}{\\partial C_{11}} \\\\[2pt]\n"
        "\\frac{\\partial E}{\\partial X_{01}} &= \\frac{\\partial E}{\\partial C_{12}} \\\\[2pt]\n"
        "\\frac{\\partial E}{\\partial X_{10}} &= \\frac{\\partial E}{\\partial C_{13}}\n"
        "\\end{align*}")
    assert latex(Display((Matrix(grid([1, 2], (1, 2))),))) == "\\[\n\\begin{bmatrix} 1 & 2 \\end{bmatrix}\n\\]"
    printer = LatexPrinter()
    assert printer.laid_out(["Heading", "Some words:", "\\[\nx\n\\]", "More words.",
                             "\\begin{align*}\na\n\\end{align*}"]) == (
        "Heading\n\nSome words:\n\\[\nx\n\\]\n\nMore words.\n\\begin{align*}\na\n\\end{align*}")
    # Markdown keeps its $$ blocks apart from the text
    assert MarkdownPrinter().doprint(Display(rows)).count("$$") == 6


def test_latex_numbered_equation_and_blocks():
    assert LatexPrinter().doprint(Numbered(Equation((Symbol(X, 0), 0)), 3)) == (
        "\\begin{equation*}\nX_{00} = 0 \\tag{3}\n\\end{equation*}")
    assert LatexPrinter().doprint(Heading("Forward pass")) == r"\section*{Forward pass}"
    assert LatexPrinter().doprint(Paragraph(("read by ", Symbol(X, 0), "."))) == "read by $X_{00}$."


def test_markdown_uses_dollar_blocks_and_tags():
    printer = MarkdownPrinter()
    assert printer.doprint(Numbered(Equation((Symbol(X, 0), 0)), 3)) == r"$$X_{00} = 0 \tag{3}$$"
    assert printer.doprint(Display((Symbol(X, 0), Symbol(X, 1)))) == "$$X_{00}$$\n\n$$X_{01}$$"
    assert printer.doprint(Heading("Shapes")) == "## Shapes"
    assert printer.doprint(Paragraph(("a_b *c* ", Symbol(W, 0)))) == r"a\_b \*c\* $w_{1}$"


def test_text_matrix_and_hadamard_are_laid_out_in_two_dimensions():
    window = Matrix(grid([1, 2, 2, 3], (2, 2)))
    kernel = Matrix(grid([Symbol(W, i) for i in range(4)], (2, 2)))
    assert text(Hadamard(window, kernel)) == "⎡ 1  2 ⎤ ⊙ ⎡ w1  w2 ⎤\n⎣ 2  3 ⎦   ⎣ w3  w4 ⎦"
    assert text(Matrix(grid([1, 2, 3], (3,)))) == "[ 1  2  3 ]"
    assert text(Matrix(grid([1, 2, 3, 4], (2, 2)), frozenset({2}))) == "⎡   1  2 ⎤\n⎣ [3]  4 ⎦"


def test_text_labels_stack_when_side_by_side_is_too_wide():
    wide = Matrix(grid([Symbol(BIG, i) for i in range(12)], (1, 12)))  # cut to the line's width
    printed = text(Labeled("n = 0, c = 0 (the first slice)", wide))
    assert printed.split("\n")[0] == "n = 0, c = 0 (the first slice):"
    assert printed.split("\n")[1].startswith("  [ A_{0,0,0,0}")


def test_text_gallery_fills_lines_of_at_most_100_columns():
    items = tuple(Hadamard(Matrix(grid([k, k, k, k], (2, 2))), Symbol(W, 0)) for k in range(12))
    printed = text(Gallery(items))
    assert max(len(line) for line in printed.split("\n")) <= 100
    assert printed.count("⊙") == 12


def test_equation_breaks_prefer_starting_a_side_on_a_new_line():
    sums = Sum(tuple(Product((Symbol(E, k), Symbol(X, 0))) for k in range(5)))
    value = Poly.lift(Symbol(W, 0))
    lines = break_equation(Equation((Symbol(X, 0), sums, value)), lambda piece: 30, width=90)
    assert [len(line) for line in lines] == [2, 2, 2, 1]  # x = t1 | + t2 + t3 | + t4 + t5 | = w1
    assert lines[-1] == [("=", value)]


def test_hcat_centres_blocks_vertically():
    assert hcat(["a\nb\nc", " = ", "x"]) == "a\nb = x\nc"


def test_latex_pooling_factors_use_fractions_and_braced_exponents():
    from symconv.layers.lppool import LpFactor
    from symconv.layers.maxpool import IsMax

    window = (Symbol(X, 0), Symbol(X, 1))
    assert latex(IsMax(window, 1)) == r"[X_{01} = \max(X_{00}, X_{01})]"
    assert latex(LpFactor(window, 0, 2, 2)) == (
        r"\frac{X_{00} \left(\frac{X_{00}^2 + X_{01}^2}{2}\right)^{-\frac{1}{2}}}{2}")
    assert latex(Poly({(Symbol(X, 0),) * 10: 1})) == "X_{00}^{10}"


def test_pooling_and_relu_math_in_every_format():
    from symconv.core.document import Call, Group, Quotient, Root
    from symconv.layers.relu import IsPositive

    window = (Symbol(X, 0), Symbol(X, 1))
    squares = Poly({(Symbol(X, 0), Symbol(X, 0)): 1, (Symbol(X, 1), Symbol(X, 1)): 1})
    assert latex(IsPositive(Symbol(X, 3))) == "[X_{11} > 0]"
    assert text(IsPositive(Symbol(X, 3))) == "[X_11 > 0]"
    assert latex(Call("max", window)) == r"\max(X_{00}, X_{01})"
    assert text(Call("max", window)) == "max(X_00, X_01)"
    assert latex(Product((Fraction(1, 4), Group(Sum(window))))) == (
        r"\frac{1}{4} \left(X_{00} + X_{01}\right)")
    assert text(Product((Fraction(1, 4), Group(Sum(window))))) == "1/4·(X_00 + X_01)"
    # LP pooling's forward: the mean of the squares under a square root, or a p-th root of a sum
    mean = Quotient(squares, 2)
    assert latex(Root(mean, 2)) == r"\sqrt{\frac{X_{00}^2 + X_{01}^2}{2}}"
    assert text(Root(mean, 2)) == "((X_00^2 + X_01^2)/2)^(1/2)"
    cubes = Poly({(Symbol(X, 0),) * 3: 1, (Symbol(X, 1),) * 3: 1})
    assert latex(Root(cubes, 3)) == r"\left(X_{00}^3 + X_{01}^3\right)^{1/3}"
    assert text(Root(cubes, 3)) == "(X_00^3 + X_01^3)^(1/3)"
    assert latex(Quotient(Poly({(Symbol(X, 0),): 1, (Symbol(X, 1),): 1}), 2)) == r"\frac{X_{00} + X_{01}}{2}"
    assert text(Quotient(Poly({(Symbol(X, 0),): 1, (Symbol(X, 1),): 1}), 2)) == "(X_00 + X_01)/2"
    # exponents of our own formulas are raised whole in LaTeX
    assert latex(Formula("Y = (Σ X^p / N)^(1/p)")) == r"Y = (\sum  X^p / N)^{1/p}"


def test_a_function_the_printers_do_not_know_is_written_by_its_name_in_every_format():
    """A new operation needs no printer edits: LaTeX writes TeX's operator where TeX has one and
    \\operatorname{…} otherwise (never an undefined \\sigmoid), or the node's own LaTeX name; the
    width of any name is measured, not only \\max's."""
    from symconv.core.document import Call
    from symconv.render.html import HtmlPrinter
    from symconv.render.latex_width import latex_width
    from symconv.render.printer import plain

    x = Symbol(X, 0)
    sigmoid, softmax = Call("sigmoid", (x,)), Call("softmax", (x, Symbol(X, 1)))
    assert latex(sigmoid) == r"\operatorname{sigmoid}(X_{00})"
    assert latex(softmax) == r"\operatorname{softmax}(X_{00}, X_{01})"
    assert latex(Call("exp", (x,))) == r"\exp(X_{00})"
    assert latex(Call("sigmoid", (x,), latex=r"\sigma")) == r"\sigma(X_{00})"
    assert text(sigmoid) == "sigmoid(X_00)"
    assert plain(softmax) == "softmax(X_0_0, X_0_1)"
    assert HtmlPrinter("L").doprint(sigmoid).startswith("<mrow><mi>sigmoid</mi>")
    # Computer Modern roman: s .394 i .278 g .5 m .833 o .5 i .278 d .556; e .444 x .528 p .556
    assert latex_width(r"\operatorname{sigmoid}") == pytest.approx(3.339)
    assert latex_width(r"\exp") == pytest.approx(1.528)
    assert latex_width(r"\max") == pytest.approx(1.861) and latex_width(r"\min") == pytest.approx(1.667)
    assert LatexPrinter("L").measure(sigmoid) > LatexPrinter("L").measure(Call("max", (x,)))


def test_text_solution_fits_100_columns_even_when_one_factor_is_wider():
    """LP pooling over a 3×3 window: its root alone is wider than a line, so it is folded."""
    from symconv import build_problem, build_solution, render_solution

    problem = build_problem({"input": {"shape": [3, 3]},
                             "layers": [{"type": "lppool", "kernel_size": 3, "p": 3}]})
    text = render_solution(build_solution(problem), "text")
    assert max(len(line) for line in text.splitlines()) <= 100
    assert "X_22^3)^(-2/3)" in text


# -- settings, and printing again -------------------------------------------------------------------


def test_printers_take_their_settings_and_refuse_unknown_ones():
    """As sympy's printers: the settings come when the printer is made, and a setting the printer
    does not have is an error that names the ones it has."""
    from symconv.core.document import Document, Section

    with pytest.raises(TypeError, match="LatexPrinter has no setting 'colour'; its settings: fragment"):
        LatexPrinter("L", colour=True)
    with pytest.raises(TypeError, match="MarkdownPrinter has no setting 'figures'; its settings:"
                                        " figure_files, fragment"):
        MarkdownPrinter("L", figures="hw")
    with pytest.raises(TypeError, match="TextDocumentPrinter has no setting 'fragment'; its"
                                        " settings: none besides the loss"):
        TextDocumentPrinter("L", fragment=True)
    document = Document("A title", (Paragraph(("Words.",)),), (Section("s", (Paragraph(("More.",)),)),))
    assert LatexPrinter("L", fragment=True).doprint(document) == "Words.\n\nMore.\n"
    assert LatexPrinter("L").doprint(document).startswith("\\documentclass")
    assert MarkdownPrinter("E", fragment=True).doprint(document) == "Words.\n\nMore.\n"
    assert MarkdownPrinter("E").loss == "E"


def test_a_printer_prints_any_number_of_documents_each_as_if_it_were_the_first():
    """What one document noted (a matrix cut short, its picture files) does not reach the next."""
    from symconv import load_problem
    from symconv.core.document import Document, Section
    from symconv.render.html import HtmlPrinter
    from symconv.solutions.solution import build_solution

    def document(size: int) -> Document:
        matrix = Matrix(grid(list(range(size * size)), (size, size)))
        return Document("t", (), (Section("s", (Display((matrix,)),)),))

    def opening(size: int) -> Document:  # the large matrix in the introduction, before the note
        matrix = Matrix(grid(list(range(size * size)), (size, size)))
        return Document("t", (Display((matrix,)),), (Section("s", (Paragraph(("Words.",)),)),))

    for printer in (TextDocumentPrinter("L"), LatexPrinter("L"), MarkdownPrinter("L"), HtmlPrinter("L")):
        large = printer.doprint(document(20))  # 20 rows: the first 16 are shown
        assert "Large matrices show their first 16 rows" in large
        assert "Large matrices" not in printer.doprint(document(2))
        assert printer.doprint(document(20)) == large
        assert "Large matrices show their first 16 rows" in printer.doprint(opening(20))
    pictured = build_solution(load_problem("examples/chain_conv_relu_maxpool.toml")).document
    printer = MarkdownPrinter("L", figure_files="hw")
    first, files = printer.doprint(pictured), dict(printer.files)
    assert list(files) == [f"hw-figure-{n}.svg" for n in range(1, len(files) + 1)] and len(files) > 1
    assert (printer.doprint(pictured), printer.files) == (first, files)


def test_the_html_printer_prints_pages_one_after_another_each_as_a_printer_of_its_own_would():
    """A page's focusable entries, its chain-rule data and its note on cut matrices are its own:
    a page with chain rules, then one without (every entry plain), then the first again."""
    from symconv import load_problem
    from symconv.render.html import HtmlPrinter
    from symconv.solutions.solution import build_solution

    def solution(example: str, related: bool):
        built = build_solution(load_problem(f"examples/{example}.toml"))
        return built.document._replace(relations=built.relations if related else None)

    interactive, plain = solution("homework_5x5", True), solution("cs7643_4x4_stride1", False)
    printer = HtmlPrinter("E")
    first = printer.doprint(interactive)
    assert 'class="sc-entry" tabindex="0"' in first and '"entries":{"' in first
    again_plain = printer.doprint(plain)
    assert again_plain == HtmlPrinter("E").doprint(plain)
    assert "tabindex" not in again_plain and '"entries":{}' in again_plain and "Hover over" not in again_plain
    assert printer.doprint(interactive) == first
