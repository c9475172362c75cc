"""symconv exercise: one variant per student, reproducible, usable, with what the issue asks."""

import hashlib
import json
import hmac
import tomllib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from helpers import run_cli
from symconv import check, load_problem
from symconv.course.exercise import write_exercises
from symconv.files.roster import read_roster
from symconv.files.toml_writer import dumps
from symconv.course.variants import Draws, TemplateError, draw_variant, load_template, parse_template

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
    assert run_cli(["exercise", template, "--roster", roster, "--out", tmp_path / "a",
                    "--show-expected"]) == 0
    assert run_cli(["exercise", template, "--roster", roster, "--out", tmp_path / "b",
                    "--show-expected"]) == 0
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
    students = read_roster(roster).students
    summary = write_exercises(load_template(path), read_roster(roster), tmp_path / "out",
                              show_expected=True)
    assert summary.students == len(students) and summary.shared == (1,) * len(students)
    problems = set()
    for student in students:
        folder = tmp_path / "out" / student.id
        problem = load_problem(folder / "problem.toml")
        problems.add((folder / "problem.toml").read_text().split("\n", 2)[2])
        assert check(problem).ok
        question = (folder / "question.md").read_text()
        for name in load_template(path).wrt:
            assert rf"$\frac{{\partial {problem.loss}}}{{\partial {name}}}$" in question
            assert rf"\frac{{\partial {problem.loss}}}{{\partial {name}}}" in (folder / "question.tex").read_text()
        headings = [line for line in question.splitlines() if line.startswith("#")]
        assert headings[1:] == ["## Problem", "## Question"]  # the statement, never the answer
        assert "## Chain rule" not in question and "Chain rule" in (folder / "solution.md").read_text()
    assert len(problems) == len(students)
    summary = (tmp_path / "out" / "SUMMARY.md").read_text()
    assert "tells every named mistake that applies to it apart from the right answer" in summary
    assert all(f"| {s.id} | {number} |" in summary for number, s in enumerate(students, start=1))


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
    ("name\nAda\n", "roster.csv:1: the roster needs a header row with an id (or email) column"),
    ("ID,name\nAda@x.org,Ada\nada@X.org,Ada again\n",
     "roster.csv:3: id 'ada@X.org' is also on line 2 (ids are compared ignoring case)"),
    ("Email\nJos\u00e9@x.org\njose\u0301@x.org\n", "roster.csv:3: id 'jos\u00e9@x.org' is also on line 2"),
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
    ('type = "conv"', 'type = ["conv"]', "t.toml:9: layers[0].type: layer 0 needs a type, e.g. type = \"conv\""),
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


# -- a class larger than the template's variants (issue 19, item 5) ----------------------------------
FEW = "examples/exercises/symbolic_conv.toml"  # 4 input shapes × 2 upstream names × 2 strides


def test_a_templates_variants_are_counted_before_drawing():
    from symconv.course.variants import variant_count

    assert variant_count(load_template(FEW), at_most=1000) == 16
    assert variant_count(load_template(FEW), at_most=10) == 10  # "at least 10"
    # 9 kernel entries from 10 numbers each: 10**9 tables, more than any class
    homework = load_template("examples/exercises/homework_5x5_values.toml")
    assert variant_count(homework, at_most=10_001) == 10_001
    text = Path("examples/exercises/homework_5x5_values.toml").read_text().replace(
        "weight.values = { integers = [-3, 6] }", "weight.values = { integers = [0, 1] }")
    assert variant_count(parse_template(text, "t.toml"), at_most=10_000) == 2 ** 9


def test_a_large_class_shares_the_variants_in_turn_without_building_a_problem_twice(monkeypatch):
    import symconv.course.variants as variants

    built = []
    real = variants._build
    monkeypatch.setattr(variants, "_build", lambda template, key, spec, attempt: (
        built.append(json.dumps(spec, sort_keys=True)), real(template, key, spec, attempt))[1])
    keys = [f"s{i}" for i in range(40)]
    drawn = list(variants.draw_class(load_template(FEW), keys))
    assert len(built) == len(set(built)) <= 16  # each different table built once, at most
    new = [a for a in drawn if a.variant is not None]
    usable = len(new)
    assert [a.number for a in new] == list(range(1, usable + 1)) and usable == len(built) - 2
    # after the last new variant, the class shares them in turn: 1, 2, …, usable, 1, 2, …
    later = [a.number for a in drawn[drawn.index(new[-1]) + 1:]]
    assert later == [(i % usable) + 1 for i in range(len(later))]
    assert all(a.first == next(i for i, b in enumerate(drawn) if b.number == a.number) for a in drawn)
    # the first students are drawn exactly as each alone would be, skipping what is taken
    assert new[0].variant.identity == draw_variant(load_template(FEW), "s0").identity


def test_exercise_says_how_many_students_share_each_variant(tmp_path, capsys):
    roster = tmp_path / "roster.csv"
    roster.write_text("id\n" + "".join(f"s{i}\n" for i in range(30)))
    assert run_cli(["exercise", FEW, "--roster", roster, "--out", tmp_path / "out"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    summary = (tmp_path / "out" / "SUMMARY.md").read_text()
    numbers = [int(line.split("|")[2]) for line in summary.split("## Students")[1].splitlines()
               if line.startswith("| s")]
    usable = max(numbers)
    counts = [numbers.count(n) for n in range(1, usable + 1)]
    assert max(counts) - min(counts) <= 1  # shared in turn
    assert f"only {usable} different variants for 30 students (the template allows no more)" in last
    assert last.split("; ", 1)[1] in summary
    rows = [line for line in summary.split("## Variants")[1].split("## Students")[0].splitlines()
            if line.startswith("| ") and line[2].isdigit()]
    assert [int(row.split("|")[-2]) for row in rows] == counts
    # each variant's row shows the values it drew, as the students' problem files have them
    first = tomllib.loads((tmp_path / "out" / "s0" / "problem.toml").read_text())
    assert f"`input.shape = {first['input']['shape']}`" in rows[0]
    assert f"`upstream.name = \"{first['upstream']['name']}\"`" in rows[0]
    # a student who shares a variant has its files, under their own name
    twin = next(f"s{i}" for i, n in enumerate(numbers) if n == 1 and i > 0)
    mine, theirs = (tmp_path / "out" / s / "problem.toml" for s in ("s0", twin))
    assert mine.read_text().split("\n", 2)[2] == theirs.read_text().split("\n", 2)[2]
    assert theirs.read_text().startswith(f"# {twin}'s variant of symbolic_conv.toml")
    assert (tmp_path / "out" / twin / "question.md").read_bytes() == \
        (tmp_path / "out" / "s0" / "question.md").read_bytes()


def test_solutions_are_written_only_with_show_expected(tmp_path, roster):
    assert run_cli(["exercise", FEW, "--roster", roster, "--out", tmp_path / "a"]) == 0
    assert sorted(p.name for p in (tmp_path / "a" / "s1").iterdir()) == [
        "problem.toml", "question.md", "question.tex"]
    assert run_cli(["exercise", FEW, "--roster", roster, "--out", tmp_path / "b", "--show-expected"]) == 0
    assert (tmp_path / "b" / "s1" / "solution.md").exists()
    assert (tmp_path / "a" / "s1" / "problem.toml").read_bytes() == \
        (tmp_path / "b" / "s1" / "problem.toml").read_bytes()


def test_students_are_drawn_and_written_one_by_one(tmp_path, roster):
    seen = []
    write_exercises(load_template(FEW), read_roster(roster), tmp_path / "out",
                    progress=lambda done, total: seen.append((done, total)))
    assert seen == [(i, 5) for i in range(1, 6)]
