"""Each handout's style, reproduced on the handout's own example, with its mistakes corrected.

The expected pieces are copied from the handouts (``../shared/handouts/``) and written in our
spelling of names (``w_{1}`` for the handout's ``w_1``); comments say where a handout is wrong.
"""

from __future__ import annotations

import re

from symconv import build_problem, load_problem, quick_problem
from symconv.solutions.solution import build_solution, render_solution


def solve(problem, sections, output_format="markdown", **options) -> str:
    return render_solution(build_solution(problem, sections, **{"detail": "full", **options}), output_format)


def compact(latex: str) -> str:
    """The handouts' loose spelling: ``d_{1} w_{1}`` -> ``d_1w_1``."""
    latex = re.sub(r"_\{(\d)\}", r"_\1", latex)
    return re.sub(r"(_\d) (?=[A-Za-z])", r"\1", latex)


def bmatrix(rows: list[list[str]]) -> str:
    return r"\begin{bmatrix} " + r" \\ ".join(" & ".join(row) for row in rows) + r" \end{bmatrix}"


KERNEL = bmatrix([["w_{1}", "w_{2}"], ["w_{3}", "w_{4}"]])


# -- CS7643: receptive fields ⊙ kernel, ⊙ d_k, mapped back --------------------------------------------


def cs7643_windows(stride: int) -> list[str]:
    image = [[1, 2, 3, 4], [2, 3, 4, 5], [5, 6, 7, 8], [7, 8, 9, 0]]
    return [bmatrix([[str(image[i + a][j + b]) for b in range(2)] for a in range(2)])
            for i in range(0, 3, stride) for j in range(0, 3, stride)]


def test_cs7643_forward_is_every_receptive_field_odot_the_kernel_in_reading_order():
    text = solve(load_problem("examples/cs7643_4x4_stride1.toml"), ("forward",))
    found = re.findall(r"(\\begin\{bmatrix\}[^$]*?\\end\{bmatrix\}) \\odot (\\begin\{bmatrix\}.*?\\end\{bmatrix\})",
                       text)
    # The handout's first row: [1 2; 2 3] ⊙ K, [2 3; 3 4] ⊙ K, [3 4; 4 5] ⊙ K, and so on.
    assert [window for window, _ in found] == cs7643_windows(1)
    assert {kernel for _, kernel in found} == {KERNEL}


def test_cs7643_stride_2_has_the_four_receptive_fields_of_the_handout():
    text = solve(load_problem("examples/cs7643_4x4_stride2.toml"), ("forward", "shapes"))
    windows = re.findall(r"(\\begin\{bmatrix\}[^$]*?\\end\{bmatrix\}) \\odot \\begin", text)
    assert windows == cs7643_windows(2)  # [1 2; 2 3], [3 4; 4 5], [5 6; 7 8], [7 8; 9 0]
    # The handout's four questions, answered.
    assert "1. What is the shape of the output $Y$? 2 × 2." in text
    assert r"passed back to this layer? 2 × 2, the same as $Y$." in text
    assert r"3. What is the shape of $\frac{\partial L}{\partial w}$? 2 × 2, the same as $w$." in text
    assert r"4. What is the shape of $\frac{\partial L}{\partial X}$? 4 × 4, the same as $X$." in text


def test_cs7643_weight_gradient_is_each_receptive_field_odot_its_upstream_entry():
    text = solve(load_problem("examples/cs7643_4x4_stride1.toml"), ("dw",))
    found = re.findall(r"(\\begin\{bmatrix\}[^$]*?\\end\{bmatrix\}) \\odot (d_\{\d\})", text)
    assert found == [(window, f"d_{{{k}}}") for k, window in enumerate(cs7643_windows(1), start=1)]
    # "Final output shape (2,2)": the sum has the kernel's shape.
    assert ("$$\\frac{\\partial L}{\\partial w} is too wide" in text
            or "The sum, with the shape of w:" in text)


def test_cs7643_input_gradient_maps_back_every_receptive_field_including_the_first():
    text = solve(load_problem("examples/cs7643_4x4_stride1.toml"), ("dx",))
    for k in range(1, 10):
        assert rf"d_{{{k}}} \odot {KERNEL}" in text
    steps = re.findall(r"(First|Second|Third) receptive field mapped back: \$\\frac\{\\partial L\}"
                       r"\{\\partial X\}\$ after the first (?:\d )?receptive fields? \(same shape as X\):"
                       r"\n\n\$\$(.*?)\$\$", text)
    # The handout leaves the first matrix out (its "First receptive field mapped back:" is empty).
    assert [name for name, _ in steps] == ["First", "Second", "Third"]
    assert compact(steps[0][1]) == (r"\begin{bmatrix} d_1w_1 & d_1w_2 & 0 & 0 \\ d_1w_3 & d_1w_4 & 0 & 0"
                                    r" \\ 0 & 0 & 0 & 0 \\ 0 & 0 & 0 & 0 \end{bmatrix}")
    # The handout's second and third matrices, character for character in its spelling.
    assert compact(steps[1][1]) == (r"\begin{bmatrix} d_1w_1 & d_1w_2 + d_2w_1 & d_2w_2 & 0 \\ d_1w_3 &"
                                    r" d_1w_4 + d_2w_3 & d_2w_4 & 0 \\ 0 & 0 & 0 & 0 \\ 0 & 0 & 0 & 0"
                                    r" \end{bmatrix}")
    assert compact(steps[2][1]) == (r"\begin{bmatrix} d_1w_1 & d_1w_2 + d_2w_1 & d_2w_2 + d_3w_1 & d_3w_2"
                                    r" \\ d_1w_3 & d_1w_4 + d_2w_3 & d_2w_4 + d_3w_3 & d_3w_4 \\ 0 & 0 & 0"
                                    r" & 0 \\ 0 & 0 & 0 & 0 \end{bmatrix}")
    assert "All 9 receptive fields mapped back:" in text


# -- homework: numbered chain-rule equations, one per entry, then the matrix -------------------------

HOMEWORK_RIGHT_SIDES = {  # equation number -> the entries of B it sums (the handout's right sides)
    1: "11", 2: "11 12", 3: "11 12 13", 4: "12 13", 5: "13", 6: "11 21", 7: "11 12 21 22",
    8: "11 12 13 21 22 23", 9: "12 13 22 23", 10: "13 23", 11: "11 21 31", 12: "11 12 21 22 31 32",
    13: "11 12 13 21 22 23 31 32 33",  # garbled in the handout (a stray ∂E/∂C_33 term, no sum)
    14: "12 13 22 23 32 33", 15: "13 23 33", 16: "21 31", 17: "21 22 31 32",
    18: "21 22 23 31 32 33",  # the handout's chain writes ∂C/∂A_42 for ∂C/∂A_43
    19: "22 23 32 33", 20: "23 33", 21: "31", 22: "31 32", 23: "31 32 33", 24: "32 33", 25: "33"}


def homework_equations(text: str) -> dict[int, str]:
    """Numbered equations by number, aligned environments flattened to one line."""
    found = re.findall(r"\$\$([^$]*?) \\tag\{(\d+)\}\$\$", text)
    return {int(n): " ".join(re.sub(r"\\begin\{aligned\}|\\end\{aligned\}|&|\\\\|\\quad", " ", body).split())
            for body, n in found}


def test_homework_equation_2_is_written_as_in_the_handout():
    text = solve(load_problem("examples/homework_5x5.toml"), ("chain",))
    assert homework_equations(text)[2] == (
        r"\frac{\partial E}{\partial A_{12}} = \frac{\partial E}{\partial C_{11}}"
        r" \frac{\partial C_{11}}{\partial A_{12}} + \frac{\partial E}{\partial C_{12}}"
        r" \frac{\partial C_{12}}{\partial A_{12}} = B_{11} + B_{12}")


def test_homework_has_the_25_equations_with_only_the_connected_outputs():
    equations = homework_equations(solve(load_problem("examples/homework_5x5.toml"), ("chain",)))
    for number, entries in HOMEWORK_RIGHT_SIDES.items():
        body = equations[number]
        right = " + ".join(f"B_{{{e}}}" for e in entries.split())
        assert body.endswith("= " + right), number
        # one chain term per connected output: ∂E/∂C_ij for exactly the B_ij on the right
        assert re.findall(r"\\frac\{\\partial E\}\{\\partial C_\{(\d\d)\}\}", body) == entries.split()
        a = f"{(number - 1) // 5 + 1}{(number - 1) % 5 + 1}"
        assert body.startswith(rf"\frac{{\partial E}}{{\partial A_{{{a}}}}} =")


def test_homework_with_the_kernel_values_gives_the_numeric_matrix_with_34_not_35():
    spec = {"loss": "E", "input": {"name": "A", "shape": [5, 5], "index_base": 1},
            "layers": [{"type": "conv", "output": "C",
                        "weight": {"name": "B", "shape": [3, 3], "index_base": 1,
                                   "values": [[4, 3, 3], [5, 5, 5], [2, 4, 3]]}}],
            "upstream": {"values": "ones"}}
    text = solve(build_problem(spec), ("chain",))
    equations = homework_equations(text)
    assert equations[2].endswith("= B_{11} + B_{12} = 7")
    assert equations[13].endswith("+ B_{33} = 34")  # the handout says 35
    assert (r"\frac{\partial E}{\partial A} = \begin{bmatrix} 4 & 7 & 10 & 6 & 3 \\ 9 & 17 & 25 & 16 & 8"
            r" \\ 11 & 23 & 34 & 23 & 11 \\ 7 & 16 & 24 & 17 & 8 \\ 2 & 6 & 9 & 7 & 3 \end{bmatrix}") in text


def test_homework_output_size_formula_with_its_numbers():
    text = solve(load_problem("examples/homework_5x5.toml"), ("shapes",), "text")
    # (b): O = (I − K + 2P)/S + 1 with I = 5, K = 3, S = 1, P = 0; (a): 3 × 3
    assert "O_H = ⌊(I − K + 2P)/S⌋ + 1 = ⌊(5 − 3 + 2·0)/1⌋ + 1 = 3" in text
    assert "1. What is the shape of the output C? 3 × 3." in text


# -- slides: 1-D sums, and "which outputs / which pairs" in 2-D ---------------------------------------


def test_slides_1d_forward_and_gradients():
    text = solve(load_problem("examples/slides_1d.toml"), ("forward", "chain", "closed-form"), "latex")
    # y_1 = w_0*x_0 + w_1*x_1 + w_2*x_2 + b: the slides count outputs from 1, as dy_1
    assert "y_{1} &= x_{0} w_{0} + x_{1} w_{1} + x_{2} w_{2} + b" in text  # rows of an align*
    assert "y_{3} &= x_{2} w_{0} + x_{3} w_{1} + x_{4} w_{2} + b" in text
    assert r"\frac{\partial L}{\partial y_{1}} \frac{\partial y_{1}}{\partial x_{0}}" in text
    assert r"= dy_{1} x_{0} + dy_{2} x_{1} + dy_{3} x_{2} \tag{6}" in text  # dw_0
    assert r"= dy_{1} w_{2} + dy_{2} w_{1} + dy_{3} w_{0} \tag{3}" in text  # dx_2
    assert r"= dy_{1} + dy_{2} + dy_{3} \tag{9}" in text  # db: "sum over dY"
    # "convolution of Y and flipped filter W"
    assert r"\operatorname{rot180}(w) = \begin{bmatrix} w_{2} & w_{1} & w_{0} \end{bmatrix}" in text


def test_slides_2d_which_outputs_read_x22_and_which_pairs_use_w01():
    problem = quick_problem((5, 5), (3, 3))
    text = solve(problem, ("connect",), "text")
    assert "X_22 is read by 9 outputs: Y_00, Y_01, Y_02, Y_10, Y_11, Y_12, Y_20, Y_21, Y_22." in text
    assert ("W_01 is used by 9 pairs: (X_01, Y_00), (X_02, Y_01), (X_03, Y_02), (X_11, Y_10), (X_12, Y_11),"
            in text)
    # The slides' grid repeats X00 where X43 belongs; ours has X_43.
    assert re.search(r"⎣ X_40\s+X_41\s+X_42\s+X_43\s+X_44 ⎦", text)


def test_slides_2d_x00_is_read_by_one_output():
    from symconv.core.poly import Symbol

    problem = quick_problem((5, 5), (3, 3))
    text = solve(problem, ("connect",), "text", connect=[Symbol(problem.input, 0)])
    assert "X_00 is read by 1 output: Y_00." in text


# -- notes: the closed form with the zero-inserted upstream gradient ---------------------------------


def test_notes_5x5_kernel_3_stride_2_inserts_zeros_into_a_7x7_matrix():
    text = solve(quick_problem((5, 5), (3, 3), stride=2), ("closed-form",), "latex")
    grad = {(2, 2): "d_{1}", (2, 4): "d_{2}", (4, 2): "d_{3}", (4, 4): "d_{4}"}  # grad_y,00 …
    inserted = bmatrix([[grad.get((r, c), "0") for c in range(7)] for r in range(7)])
    assert rf"\operatorname{{inserted}}(\partial L/\partial Y) = {inserted}" in text
    assert r"\operatorname{size}_H &= O + (S - 1)(O - 1) + 2(K - 1) = 2 + (2 - 1)\cdot (2 - 1) + 2\cdot (3 - 1) = 7" in text
    assert r"\operatorname{rot180}(W) = \begin{bmatrix} W_{22} & W_{21} & W_{20} \\" in text


def test_the_notes_example_file_gives_the_notes_7x7_inserted_gradient():
    problem = load_problem("examples/notes_strided_5x5.toml")
    assert problem.layers[0].output.shape == (2, 2)
    text = solve(problem, ("closed-form",), "latex")
    grad = {(2, 2): r"\frac{\partial L}{\partial y_{00}}", (2, 4): r"\frac{\partial L}{\partial y_{01}}",
            (4, 2): r"\frac{\partial L}{\partial y_{10}}", (4, 4): r"\frac{\partial L}{\partial y_{11}}"}
    inserted = bmatrix([[grad.get((r, c), "0") for c in range(7)] for r in range(7)])
    assert rf"\operatorname{{inserted}}(\partial L/\partial y) = {inserted}" in text
    # and the handout draws it, names in their cells, with the sizes said once for both axes
    handout = render_solution(build_solution(problem, ("closed-form",)), "text")
    assert "size_H = size_W = O + (S − 1)(O − 1) + 2(K − 1) = 2 + (2 − 1)·(2 − 1) + 2·(3 − 1) = 7" in handout
    assert "⎢ 0  0  [∂L/∂y_00]  0  [∂L/∂y_01]  0  0 ⎥" in handout


def test_the_slides_2d_example_answers_the_slides_two_questions():
    text = solve(load_problem("examples/slides_2d.toml"), ("connect",), "text")
    assert "x_22 is read by 9 outputs: y_11, y_12, y_13, y_21, y_22, y_23, y_31, y_32, y_33." in text
    assert ("w_01 is used by 9 pairs: (x_01, y_11), (x_02, y_12), (x_03, y_13), (x_11, y_21), (x_12, y_22),"
            " (x_13, y_23), (x_21, y_31), (x_22, y_32), (x_23, y_33).") in " ".join(text.split())


def test_notes_bias_gradient_is_the_sum_of_the_upstream_gradient():
    text = solve(quick_problem((5, 5), (3, 3), stride=2, bias=True), ("closed-form", "db"), "text")
    assert "∂L/∂b = sum(∂L/∂Y) = d1 + d2 + d3 + d4" in text
    assert "∂L/∂b = d1 + d2 + d3 + d4" in text


# -- recitation: Z_{1,1} = A_{1,1} W_{1,1} + … + B, and the output-width formula ------------------------


def recitation_problem(stride: int, padding: int = 0):
    return build_problem({"input": {"name": "A", "shape": [4, 4], "index_base": 1},
                          "layers": [{"type": "conv", "output": "Z", "stride": stride, "padding": padding,
                                      "weight": {"name": "W", "shape": [2, 2], "index_base": 1},
                                      "bias": {"name": "B"}}]})


def test_recitation_outputs_written_out_with_the_bias():
    text = solve(recitation_problem(1), ("forward", "shapes"), "latex")  # rows of align*s
    assert "Z_{11} &= A_{11} W_{11} + A_{12} W_{12} + A_{21} W_{21} + A_{22} W_{22} + B" in text
    assert "Z_{13} &= A_{13} W_{11} + A_{14} W_{12} + A_{23} W_{21} + A_{24} W_{22} + B" in text
    # Output Width = [(W_in − W_k + 2P) // S] + 1 with P = 0 and S = 1
    assert r"O_W &= \left\lfloor (I - K + 2P)/S\right\rfloor  + 1 = \left\lfloor (4 - 2 + 2\cdot 0)/1\right\rfloor  + 1 = 3" in text


def test_recitation_stride_2_moves_two_elements():
    text = solve(recitation_problem(2), ("forward",), "latex")
    assert "Z_{12} &= A_{13} W_{11} + A_{14} W_{12} + A_{23} W_{21} + A_{24} W_{22} + B" in text
    assert "Z_{21} &= A_{31} W_{11} + A_{32} W_{12} + A_{41} W_{21} + A_{42} W_{22} + B" in text


def test_recitation_padding_1_reads_zeros_at_the_border():
    text = solve(recitation_problem(1, padding=1), ("forward", "shapes"), "text")
    assert "Z_11 = A_11·W_22 + B" in text  # the other three products fall on the zero padding
    assert "1. What is the shape of the output Z? 5 × 5." in text


# -- homework 1.2(c): max pooling of C, kernel 2, stride 1 --------------------------------------------


def test_homework_max_pooling_of_c_gives_the_window_maxima_and_routes_each_gradient_to_its_winner():
    # The handout stops at "Applying max-pooling … to C, we get" and leaves the result out.
    text = solve(load_problem("examples/homework_maxpool.toml"), ("forward", "dx"))
    assert r"$$Z = \begin{bmatrix} 109 & 92 \\ 110 & 85 \end{bmatrix}$$" in text
    assert r"Z_{21} = \max(C_{21}, C_{22}, C_{31}, C_{32}) = 110" in text
    routes = re.findall(r"\$\\frac\{\\partial E\}\{\\partial (Z_\{\d\d\})\}\$ goes to \$(C_\{\d\d\})\$ = (\d+)\.",
                        text)
    assert routes == [("Z_{11}", "C_{11}", "109"), ("Z_{12}", "C_{12}", "92"),
                      ("Z_{21}", "C_{31}", "110"), ("Z_{22}", "C_{22}", "85")]
    assert "first of them in row-major window order, as in PyTorch" in text
    # with the gradient from above all ones, every winner gets 1: C_11, C_12, C_31, C_22
    assert (r"\frac{\partial E}{\partial C} = \begin{bmatrix} 1 & 1 & 0 \\ 0 & 1 & 0 \\ 1 & 0 & 0"
            r" \end{bmatrix}") in text


def test_overlapping_max_pooling_windows_add_up_in_the_entry_that_wins_several_of_them():
    text = solve(load_problem("examples/chain_conv_relu_maxpool_symbolic.toml"), ("dx",), "text")
    flat = " ".join(text.split())
    assert "∂L/∂Y3_00 goes to Y2_01 = 3. ∂L/∂Y3_01 goes to Y2_01 = 3." in flat
    assert ("∂L/∂Y3_11 goes to Y2_12 = 1 (a tie: Y2_12 and Y2_21 hold the maximum; the first in"
            " row-major order takes the gradient).") in flat
    assert "Y2_01, Y2_13 and Y2_20 win more than one window" in flat
    assert "⎡ 0 d1 + d2 0 0 ⎤" in flat


# -- notes: 2×2 average pooling with stride 2 on a 4×4 input --------------------------------------------


def test_notes_average_pooling_gradient_is_one_quarter_of_the_upstream_gradient_spread_over_windows():
    text = solve(load_problem("examples/notes_avgpool_4x4.toml"), ("forward", "dx"))
    # z_ij = 1/4 Σ_{m,n} y_(2i+m)(2j+n)
    assert r"z_{01} = \frac{1}{4} \left(y_{02} + y_{03} + y_{12} + y_{13}\right)" in text
    # gradient y_ij = 1/k² · gradient z_(i/k)(j/k), and the notes' matrix "1/4 · [grad z_00 …]"
    assert r"1/k^2 \cdot  \partial L/\partial z_{\left\lfloor i/k\right\rfloor \left\lfloor j/k\right\rfloor }" in text
    z = {(i, j): rf"\frac{{\partial L}}{{\partial z_{{{i}{j}}}}}" for i in range(2) for j in range(2)}
    spread = bmatrix([[z[r // 2, c // 2] for c in range(4)] for r in range(4)])
    assert rf"$$\frac{{\partial L}}{{\partial y}} = \frac{{1}}{{4}} {spread}$$" in text
    assert r"\frac{\partial z_{00}}{\partial y_{11}} = \frac{1}{4}" in text
