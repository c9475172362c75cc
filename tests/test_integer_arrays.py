"""Large arrays of integers in problem files are read without tomllib (problem_file.integer_arrays):
whatever the text, loads_problem_toml must give what tomllib gives (the arrays as IntegerArray) or
raise what tomllib raises, and a problem read either way is the same problem."""

import tomllib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symconv.files.problem_file import MIN_FAST_ARRAY, integer_arrays, loads_problem_toml, parse_problem
from symconv.core.spec import IntegerArray

SETTINGS = settings(max_examples=150, deadline=None)


def plain(value):
    """The parsed TOML with every IntegerArray as the nested lists tomllib gives."""
    if isinstance(value, IntegerArray):
        return value.tolist()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


@st.composite
def array_texts(draw):
    """A TOML array of integers, written in one of the ways people and programs write them, and
    sometimes broken or irregular in one place."""
    shape = draw(st.lists(st.integers(1, 9), min_size=1, max_size=4))
    if draw(st.booleans()):  # long enough for the fast reader
        shape[-1] *= -(-MIN_FAST_ARRAY // (4 * int(np.prod(shape)))) + 1
    seed = draw(st.integers(0, 10 ** 6))
    numbers = [(i * 7919 + seed) % 20001 - 10000 for i in range(int(np.prod(shape)))]
    separator = draw(st.sampled_from([", ", ",", " , ", ",\n  ", ",\t"]))
    trailing = draw(st.sampled_from(["", ",", ", "]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    array = np.array(numbers, dtype=object).reshape(shape)

    def write(node, depth):
        if depth == len(shape) - 1:
            items = [("+" if draw(st.booleans()) and n > 0 and depth == 0 else "") + str(n) for n in node]
            return "[" + separator.join(items) + trailing + "]"
        return "[" + ("," + newline).join(write(child, depth + 1) for child in node) + trailing + "]"

    text = write(array, 0)
    fault = draw(st.sampled_from(["none"] * 6 + ["leading zero", "double comma", "ragged", "comment",
                                                  "mixed", "float", "lone cr", "missing comma", "huge"]))
    if fault == "leading zero":
        text = text.replace("[1", "[01", 1) if "[1" in text else text.replace("[", "[07, ", 1)
    elif fault == "double comma":
        text = text.replace(",", ",,", 1)
    elif fault == "ragged":
        text = text.replace("]", ", 5]", 1)
    elif fault == "comment":
        text = text.replace(newline, "  # a comment" + newline, 1) if newline in text else text
    elif fault == "mixed":
        text = "[" + text[1:].replace("[", "3, [", 1) if text.startswith("[[") else text
    elif fault == "float":
        text = text.replace("]", ".5]", 1)
    elif fault == "lone cr":
        text = text.replace(",", ",\r", 1)
    elif fault == "missing comma":
        text = text.replace(",", " ", 1)
    elif fault == "huge":
        text = text.replace("[", "[12345678901234567890, ", 1)
    return text


@SETTINGS
@given(array_texts(), st.sampled_from(["", "x = 1\n"]), st.sampled_from(["", "  # done", " y = 2"]))
def test_reading_a_problem_file_is_tomllib(array, before, after):
    text = f"{before}[input]\nshape = [2, 2]\nvalues = {array}{after}\nname = \"X\"\n"
    try:
        expected = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        with pytest.raises(tomllib.TOMLDecodeError) as raised:
            loads_problem_toml(text)
        assert str(raised.value) == str(error)  # the same line and column
        return
    assert plain(loads_problem_toml(text)) == expected


def test_a_long_array_is_read_as_numbers_and_the_rest_by_tomllib():
    rows = [[(3 * i + j) % 7 - 3 for j in range(40)] for i in range(40)]
    text = ("[input]\nshape = [40, 40]\nvalues = [\n"
            + ",\n".join("  [" + ", ".join(map(str, row)) + "]" for row in rows)
            + "\n]\nname = \"A\"\n[[layers]]\ntype = \"conv\"\n[layers.weight]\nshape = [3, 3]\n")
    marked, arrays = integer_arrays(text)
    [array] = arrays.values()
    assert array.shape == (40, 40) and array.numbers.tolist() == sum(rows, [])
    assert marked.count("\n") == text.count("\n") and len(marked) < 200
    problem = parse_problem(text)
    assert problem.input.name == "A" and problem.input.values.tolist() == rows


def test_errors_after_a_long_array_keep_their_line_and_column():
    row = ", ".join(["1"] * 600)
    text = f"[input]\nshape = [2, 600]\nvalues = [[{row}],\n [{row}]] oops\n"
    with pytest.raises(tomllib.TOMLDecodeError) as raised:
        loads_problem_toml(text)
    with pytest.raises(tomllib.TOMLDecodeError) as direct:
        tomllib.loads(text)
    assert str(raised.value) == str(direct.value)


def test_a_long_array_of_the_wrong_shape_is_refused_where_it_differs():
    row = ", ".join(["2"] * 500)
    text = f"[input]\nshape = [3, 500]\nvalues = [[{row}], [{row}]]\n"
    with pytest.raises(Exception, match=r"input.values: values of X: expected 3 entries here"):
        parse_problem(text, "p.toml")
