"""symconv exercise: one variant per student, reproducible, usable, with what the issue asks."""

import hashlib
import hmac
import tomllib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from helpers import run_cli
from symconv import check, load_problem
from symconv.exercise import read_roster, write_exercises
from symconv.toml_writer import dumps
from symconv.variants import Draws, TemplateError, draw_variant, load_template, parse_template

TEMPLATES = sorted(Path("examples/exercises").glob("*.toml"))
ROSTER = "id,name,section\ns1,Ada,A\ns2,Bob,B\njane.doe,Jane,A\nk-4,Kim,B\nlee_5,Lee,A\n"


@pytest.fixture
def roster(tmp_path) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER)
    return path


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_same_template_roster_and_seed_give_byte_identical_files(tmp_path, roster):
    template = "examples/exercises/homework_5x5_values.toml"
    assert run_cli(["exercise", template, "--roster", roster, "--out", tmp_path / "a"]) == 0
    assert run_cli(["exercise", template, "--roster", roster, "--out", tmp_path / "b"]) == 0
    first, second = tree(tmp_path / "a"), tree(tmp_path / "b")
    assert first == second
    assert sorted({name.split("/")[0] for name in first}) == sorted(
        [".symconv-output", "SUMMARY.md", "roster.csv", "s1", "s2", "jane.doe", "k-4", "lee_5"])
    for student in ("s1", "jane.doe"):
        assert {n.split("/")[1] for n in first if n.startswith(student + "/")} == {
            "problem.toml", "question.md", "question.tex", "solution.md", "solution.tex"}
    assert first["roster.csv"] == ROSTER.encode()  # as given: symconv grade --exercises reads it


def test_another_seed_gives_other_variants(tmp_path):
    text = Path("examples/exercises/homework_5x5_values.toml").read_text()
    mine = parse_template(text, "t.toml")
    other = parse_template(text.replace("change me: a secret of yours", "another"), "t.toml")
    assert draw_variant(mine, "s1").identity != draw_variant(other, "s1").identity


def test_draws_are_hmac_sha256_of_the_seed_and_the_label():
    block = hmac.new(b"secret", b"s1\x000\x000", hashlib.sha256).digest()
    assert Draws("secret", "s1\x000").below(1000) == int.from_bytes(block[:8], "big") % 1000


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.stem)
def test_every_shipped_template_gives_checked_different_variants(tmp_path, roster, path):
    exercises = write_exercises(load_template(path), read_roster(roster), tmp_path / "out")
    assert len({e.variant.identity for e in exercises}) == len(exercises)
    for exercise in exercises:
        folder = tmp_path / "out" / exercise.student.id
        problem = load_problem(folder / "problem.toml")
        assert check(problem).ok
        question = (folder / "question.md").read_text()
        for name in load_template(path).wrt:
            assert rf"$\frac{{\partial {problem.loss}}}{{\partial {name}}}$" in question
            assert rf"\frac{{\partial {problem.loss}}}{{\partial {name}}}" in (folder / "question.tex").read_text()
        headings = [line for line in question.splitlines() if line.startswith("#")]
        assert headings[1:] == ["## Problem", "## Question"]  # the statement, never the answer
        assert "## Chain rule" not in question and "Chain rule" in (folder / "solution.md").read_text()
    summary = (tmp_path / "out" / "SUMMARY.md").read_text()
    assert "tells every named mistake that applies to it apart from the right answer" in summary
    assert all(f"| {e.student.id} |" in summary for e in exercises)


def full_correlation_with_rotated_kernel(kernel: np.ndarray, size: int) -> np.ndarray:
    """∂E/∂A of a valid correlation with upstream ones, by NumPy: every output adds the kernel."""
    k = kernel.shape[0]
    grad = np.zeros((size, size), dtype=int)
    for i in range(size - k + 1):
        for j in range(size - k + 1):
            grad[i:i + k, j:j + k] += kernel
    return grad


def test_homework_variants_tell_the_mistakes_apart_by_numpy():
    template = load_template("examples/exercises/homework_5x5_values.toml")
    for student in ("s1", "s2", "s3", "s4", "s5", "s6"):
        variant = draw_variant(template, student)
        kernel = np.array(variant.spec["layers"][0]["weight"]["values"])
        right = full_correlation_with_rotated_kernel(kernel, 5)
        not_rotated = full_correlation_with_rotated_kernel(np.rot90(kernel, 2), 5)
        assert right.any() and not np.array_equal(right, not_rotated)
        assert not np.array_equal(right, right.T) and not np.array_equal(not_rotated, right.T)
        key = variant.answer_keys["A"]
        assert [int(forms[0].number) for forms in key.expected] == right.reshape(-1).tolist()


def test_a_template_whose_every_kernel_hides_a_mistake_says_which(tmp_path):
    text = Path("examples/exercises/homework_5x5_values.toml").read_text().replace(
        "weight.values = { integers = [-3, 6] }",
        "weight.values = [[[1, 2, 1], [0, 3, 0], [1, 2, 1]], [[0, 1, 0], [1, 1, 1], [0, 1, 0]]]")
    with pytest.raises(TemplateError, match="'kernel-not-rotated' gives the right ∂E/∂A"):
        draw_variant(parse_template(text, "t.toml"), "s1")


def test_chain_variants_have_no_max_pooling_tie_by_numpy():
    template = load_template("examples/exercises/chain_conv_relu_maxpool.toml")
    for student in ("s1", "s2", "s3", "s4"):
        spec = draw_variant(template, student).spec
        x = np.array(spec["input"]["values"])
        w = np.array(spec["layers"][0]["weight"]["values"])
        y = np.array([[np.sum(x[i:i + 2, j:j + 2] * w) for j in range(4)] for i in range(4)])
        relu = np.maximum(y, 0)
        for i in range(3):
            for j in range(3):
                window = relu[i:i + 2, j:j + 2].reshape(-1)
                assert np.sum(window == window.max()) == 1


@pytest.mark.parametrize("text, message", [
    ("id,name\ns1,Ada\ns1,Bob\n", "roster.csv:3: id 's1' is also on line 2"),
    ("name\nAda\n", "roster.csv:1: the roster needs a header row with an id column"),
    ("id\n../up\n", "roster.csv:2: id '../up' cannot name a folder"),
    ("id\nroster.csv\n", "id 'roster.csv' cannot name a folder"),
    ("id\n", "the roster lists no students"),
])
def test_a_bad_roster_is_one_line_and_nothing_is_written(tmp_path, capsys, text, message):
    (tmp_path / "roster.csv").write_text(text)
    status = run_cli(["exercise", "examples/exercises/symbolic_conv.toml", "--roster",
                      tmp_path / "roster.csv", "--out", tmp_path / "out"])
    err = capsys.readouterr().err
    assert status == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists() and [p.name for p in tmp_path.iterdir()] == ["roster.csv"]


@pytest.mark.parametrize("old, new, message", [
    ('input.shape = [[3, 3]', 'input.shap = [[3, 3]', "t.toml:23: variants.input.shap: unknown key 'shap'; did you mean 'shape'?"),
    ('stride = [1, 2]', 'stride = 2', "t.toml:27: variants.layers[0].stride: write the choices as a list"),
    ('stride = [1, 2]', 'stride = { integers = [3, 1] }', "integers = [LOW, HIGH] with LOW ≤ HIGH"),
    ('wrt = ["X"]', 'wrt = []', "t.toml:30: exercise.wrt: wrt lists the asked gradients"),
    ('wrt = ["X"]', 'wrt = ["Q"]', "no tensor named 'Q'"),
])
def test_a_bad_template_is_one_line_with_its_place(tmp_path, capsys, roster, old, new, message):
    text = Path("examples/exercises/symbolic_conv.toml").read_text()
    assert old in text
    (tmp_path / "t.toml").write_text(text.replace(old, new))
    status = run_cli(["exercise", tmp_path / "t.toml", "--roster", roster, "--out", tmp_path / "out"])
    err = capsys.readouterr().err
    assert status == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_a_folder_symconv_did_not_make_is_never_replaced(tmp_path, roster):
    """Before issue 19, --force replaced the whole folder, and what was in it (see
    test_output_folders.py for the whole rule)."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep").write_text("mine")
    args = ["exercise", "examples/exercises/symbolic_conv.toml", "--roster", roster, "--out", out]
    assert run_cli(args) == 2 and run_cli(args + ["--force"]) == 2
    assert [p.name for p in out.iterdir()] == ["keep"] and (out / "keep").read_text() == "mine"
    (out / "keep").unlink()
    assert run_cli(args) == 0 and run_cli(args + ["--force"]) == 0
    assert (out / "s1" / "problem.toml").exists()
    assert not [p for p in out.iterdir() if p.name.startswith(".symconv-") and p.name != ".symconv-output"]


names = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
scalars = st.one_of(st.integers(-10**6, 10**6), st.booleans(), names,
                    st.floats(allow_nan=False, allow_infinity=False))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4), max_leaves=12)
tables = st.recursive(st.dictionaries(names, values, max_size=4),
                      lambda inner: st.dictionaries(names, st.one_of(values, inner,
                                                                     st.lists(inner, min_size=1, max_size=2)),
                                                    max_size=4), max_leaves=8)


@settings(max_examples=200, deadline=None)
@given(tables)
def test_the_toml_writer_round_trips_through_tomllib(table):
    assert tomllib.loads(dumps(table)) == table
