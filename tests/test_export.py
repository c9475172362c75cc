"""Exports checked against the platforms' documented contracts, with real data.

PrairieLearn: server.py runs in a fresh interpreter whose path holds only the exported
serverFilesCourse and numpy, sympy (and mpmath, sympy's own dependency); it is called as
PrairieLearn's zygote calls it, with PrairieLearn's ``data`` dict. Gradescope: run_autograder runs
in a temporary AUTOGRADER_ROOT and results.json is checked against the specification. Moodle:
quiz.xml is parsed with the standard library and every blank is checked against a NumPy backward
pass of the drawn problem.
"""

import json
import os
import re
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ElementTree
import zipfile
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from helpers import run_cli

CHAIN = "examples/exercises/chain_conv_relu_maxpool.toml"
HOMEWORK = "examples/exercises/homework_5x5_values.toml"


def chain_gradient(spec: dict) -> np.ndarray:
    """∂L/∂X of conv (2×2) → ReLU → max pooling (2, stride 1), by hand with NumPy."""
    x = np.array(spec["input"]["values"], dtype=object)
    w = np.array(spec["layers"][0]["weight"]["values"], dtype=object)
    d = np.array(spec["upstream"]["values"], dtype=object)
    n = x.shape[0] - 1
    y = np.array([[np.sum(x[i:i + 2, j:j + 2] * w) for j in range(n)] for i in range(n)], dtype=object)
    relu = np.where(y > 0, y, 0)
    d_relu = np.zeros_like(relu)
    for i in range(n - 1):
        for j in range(n - 1):
            window = relu[i:i + 2, j:j + 2].reshape(-1).tolist()
            first = window.index(max(window))  # PyTorch: the first maximum in row-major order
            d_relu[i + first // 2, j + first % 2] += d[i, j]
    d_y = np.where(y > 0, d_relu, 0)
    d_x = np.zeros_like(x)
    for i in range(n):
        for j in range(n):
            d_x[i:i + 2, j:j + 2] += d_y[i, j] * w
    return d_x


# -- PrairieLearn -----------------------------------------------------------------------------------
DRIVER = r"""
import importlib.util, json, sys
course, deps, server = sys.argv[1:4]
sys.path[:0] = [course + "/serverFilesCourse", deps]
assert importlib.util.find_spec("click") is None, "click is importable"
module = {}
exec(compile(open(server).read(), server, "exec"), module)  # as PrairieLearn's zygote.py does
results = []
for phases, data in json.load(sys.stdin):
    for phase in phases:
        if phase == "grade" and data["format_errors"]:
            break  # PrairieLearn grades only answers without format errors (server.md, "grade")
        module[phase](data)
    results.append(data)
assert "click" not in sys.modules
json.dump({"results": results, "modules": sorted(m for m in sys.modules if m.split(".")[0] == "click")},
          sys.stdout)
"""


@pytest.fixture(scope="module")
def prairielearn(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    assert run_cli(["export", "prairielearn", CHAIN, "--wrt", "X", "--out", course]) == 0
    deps = tmp_path_factory.mktemp("deps")
    import mpmath, sympy  # the only packages the question may use (mpmath is sympy's)
    for module in (np, sympy, mpmath):
        (deps / module.__name__).symlink_to(Path(module.__file__).parent)
    question = course / "questions" / "chain_conv_relu_maxpool"

    def call(cases):
        """Run [(phases, data), …] through server.py in a fresh interpreter: no site-packages."""
        stdlib = [p for p in sys.path if p and "site-packages" not in p and Path(p).exists()]
        command = [sys.executable, "-I", "-S", "-c", f"import sys; sys.path[:] = {stdlib!r};" + DRIVER,
                   str(course), str(deps), str(question / "server.py")]
        done = subprocess.run(command, input=json.dumps(cases), capture_output=True, text=True,
                              cwd=question, timeout=120)
        assert done.returncode == 0, done.stderr
        output = json.loads(done.stdout)
        assert output["modules"] == []
        return output["results"]

    return course, question, call


def new_data(question: Path, seed: int) -> dict:
    """PrairieLearn's data dict before generate (docs/question/server.md, "data dictionary")."""
    return {"params": {}, "correct_answers": {}, "submitted_answers": {}, "raw_submitted_answers": {},
            "format_errors": {}, "partial_scores": {}, "score": 0, "feedback": {},
            "variant_seed": seed, "options": {"question_path": str(question)}}


def submitted(data: dict, answers: dict) -> dict:
    data = json.loads(json.dumps(data))
    data.update(submitted_answers=dict(answers), raw_submitted_answers=dict(answers))
    return data


def test_the_prairielearn_course_fragment_has_what_the_docs_ask(prairielearn):
    course, question, _ = prairielearn
    info = json.loads((question / "info.json").read_text())
    assert set(info) >= {"uuid", "title", "topic", "tags"} and info["type"] == "v3"
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", info["uuid"])
    html = (question / "question.html").read_text()
    elements = set(re.findall(r"<(pl-[a-z-]+)", html))
    assert elements == {"pl-question-panel", "pl-string-input", "pl-submission-panel"}
    assert 'answers-name="{{name}}"' in html and r"$\frac{\partial L}{\partial X}$" in html
    shipped = {p.name for p in (course / "serverFilesCourse" / "symconv").iterdir()}
    assert "cli.py" not in shipped and {"variants.py", "export", "answers"} <= shipped


def test_prairielearn_generate_parse_grade_with_its_data_dict(prairielearn):
    _, question, call = prairielearn
    first, again, other = call([(["generate"], new_data(question, seed)) for seed in (7, 7, 8)])
    assert first["params"] == again["params"] and first["correct_answers"] == again["correct_answers"]
    assert first["params"]["problem"] != other["params"]["problem"]
    right = [str(v) for v in chain_gradient(tomllib.loads(first["params"]["problem"])).reshape(-1)]
    names = [f"entry_{flat}" for flat in range(len(right))]
    assert sorted(first["correct_answers"]) == sorted(names)
    neighbour = [str(v) for v in chain_gradient(tomllib.loads(other["params"]["problem"])).reshape(-1)]
    one_wrong = right[:3] + [str(int(right[3]) + 1)] + right[4:]
    hostile = ["__import__('os').system('touch pwned')"] + right[1:]
    phases = ["parse", "grade"]
    graded = call([(phases, submitted(first, dict(zip(names, answer))))
                   for answer in (right, one_wrong, neighbour, hostile)])
    correct, mistaken, copied, attacked = graded
    assert correct["format_errors"] == {} and correct["score"] == 1
    assert all(correct["partial_scores"][n] == {"score": 1.0, "weight": 1, "feedback": "right"} for n in names)
    assert mistaken["score"] == pytest.approx(24 / 25)
    assert [n for n in names if mistaken["partial_scores"][n]["score"] == 0] == ["entry_3"]
    feedback = mistaken["partial_scores"]["entry_3"]["feedback"]
    assert feedback.startswith(f"✗ ∂L/∂X_03 (row 1, entry 4): given {one_wrong[3]}, expected {right[3]}")
    if right != neighbour:
        assert copied["score"] < 1
    assert list(attacked["format_errors"]) == ["entry_0"] and attacked["partial_scores"] == {}
    assert attacked["format_errors"]["entry_0"].startswith("'__' is not allowed")
    assert not (question / "pwned").exists()


# -- Gradescope -------------------------------------------------------------------------------------
def run_autograder(tmp_path: Path, archive: Path, answer: str | None, metadata: dict | None = None) -> dict:
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    (root / "submission").mkdir()
    with zipfile.ZipFile(archive) as zipped:
        assert {"setup.sh", "run_autograder"} <= set(zipped.namelist())  # at the zip's root
        zipped.extractall(root / "source")
    if answer is not None:
        (root / "submission" / "answer.txt").write_text(answer)
    if metadata is not None:
        (root / "submission_metadata.json").write_text(json.dumps(metadata))
    env = {"AUTOGRADER_ROOT": str(root), "PATH": os.environ["PATH"]}
    done = subprocess.run([sys.executable, str(root / "source" / "run_autograder")], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads((root / "results" / "results.json").read_text())


def valid_results(results: dict) -> None:
    """Gradescope's results.json: a numeric score (or one per test), tests with name, score,
    max_score and output; output text and visibility strings."""
    assert isinstance(results["score"], float) and isinstance(results["output"], str)
    assert results.get("visibility", "visible") in ("hidden", "after_due_date", "after_published", "visible")
    for test in results["tests"]:
        assert isinstance(test["name"], str) and isinstance(test["output"], str)
        assert isinstance(test["score"], float) and isinstance(test["max_score"], float)
        assert 0 <= test["score"] <= test["max_score"]


HANDOUT_RIGHT = "4 7 10 6 3\n9 17 25 16 8\n11 23 34 23 11\n7 16 24 17 8\n2 6 9 7 3\n"


def test_the_gradescope_autograder_grades_a_problem(tmp_path):
    archive = tmp_path / "autograder.zip"
    assert run_cli(["export", "gradescope", "examples/homework_5x5_values.toml", "--wrt", "A",
                    "--out", archive]) == 0
    with zipfile.ZipFile(archive) as zipped:
        assert zipped.getinfo("run_autograder").external_attr >> 16 & 0o111
        assert not [n for n in zipped.namelist() if n.endswith("cli.py")]
    results = run_autograder(tmp_path / "right", archive, HANDOUT_RIGHT)
    valid_results(results)
    assert results["score"] == 25.0 and [t["score"] for t in results["tests"]] == [1.0] * 25
    wrong = run_autograder(tmp_path / "wrong", archive, HANDOUT_RIGHT.replace(" 34 ", " 35 "))
    valid_results(wrong)
    assert wrong["score"] == 24.0
    [missed] = [t for t in wrong["tests"] if t["score"] == 0]
    assert missed["name"] == "∂E/∂A_33 (row 3, entry 3)" and "given 35, expected 34" in missed["output"]
    rotated = "\n".join(" ".join(row.split()[::-1]) for row in HANDOUT_RIGHT.splitlines()[::-1])
    flipped = run_autograder(tmp_path / "flipped", archive, rotated)
    valid_results(flipped)
    hostile = run_autograder(tmp_path / "hostile", archive, "__import__('os').system('touch pwned')\n")
    valid_results(hostile)
    assert hostile["score"] == 0.0 and hostile["tests"] == [] and "could not be read" in hostile["output"]
    binary = tmp_path / "binary"
    unreadable = run_autograder(binary, archive, "x")
    (binary / "autograder" / "submission" / "answer.txt").write_bytes(b"\xff\xfe 4 7")
    subprocess.run([sys.executable, str(binary / "autograder" / "source" / "run_autograder")],
                   env={"AUTOGRADER_ROOT": str(binary / "autograder")}, check=True, timeout=120)
    unreadable = json.loads((binary / "autograder" / "results" / "results.json").read_text())
    valid_results(unreadable)
    assert "invalid UTF-8" in unreadable["output"] and unreadable["score"] == 0.0
    nothing = run_autograder(tmp_path / "none", archive, None)
    valid_results(nothing)
    assert "submit exactly one answer file" in nothing["output"]


def test_the_gradescope_autograder_draws_each_students_template_variant(tmp_path):
    from symconv.variants import draw_variant, load_template

    archive = tmp_path / "autograder.zip"
    assert run_cli(["export", "gradescope", HOMEWORK, "--wrt", "A", "--out", archive]) == 0
    template = load_template(HOMEWORK)
    answers = {}
    for email in ("ada@example.edu", "bob@example.edu"):
        kernel = np.array(draw_variant(template, email).spec["layers"][0]["weight"]["values"])
        grad = np.zeros((5, 5), dtype=int)
        for i in range(3):
            for j in range(3):
                grad[i:i + 3, j:j + 3] += kernel
        answers[email] = "\n".join(" ".join(map(str, row)) for row in grad)
    metadata = {"users": [{"email": "ada@example.edu", "id": 1, "name": "Ada"}]}
    mine = run_autograder(tmp_path / "ada", archive, answers["ada@example.edu"], metadata)
    valid_results(mine)
    assert mine["score"] == 25.0
    copied = run_autograder(tmp_path / "copied", archive, answers["bob@example.edu"], metadata)
    assert copied["score"] < 25.0


# -- Moodle -----------------------------------------------------------------------------------------
def test_the_moodle_quiz_holds_one_numerical_blank_per_entry_with_the_numpy_value(tmp_path):
    quiz = tmp_path / "quiz.xml"
    assert run_cli(["export", "moodle", CHAIN, "--wrt", "X", "--variants", "3", "--out", quiz]) == 0
    root = ElementTree.parse(quiz).getroot()
    assert root.tag == "quiz"
    category, *questions = root.findall("question")
    assert category.get("type") == "category" and category.findtext("category/text").startswith("$course$/")
    assert len(questions) == 3 and all(q.get("type") == "cloze" for q in questions)
    from symconv.variants import draw_variant, load_template

    template = load_template(CHAIN)
    texts = set()
    given = set()
    for number, question in enumerate(questions, start=1):
        text = question.findtext("questiontext/text")
        texts.add(text)
        blanks = re.findall(r"\{1:NUMERICAL:=(-?[0-9.e+-]+):([0-9.e+-]+)\}", text)
        variant = draw_variant(template, f"moodle:{number}", avoid=given)
        given.add(variant.identity)
        expected = chain_gradient(variant.spec).reshape(-1)
        assert len(blanks) == expected.size == 25
        assert [Fraction(v) for v, _ in blanks] == [Fraction(e) for e in expected]
        assert all(tolerance == "0" for _, tolerance in blanks)
    assert len(texts) == 3


def test_moodle_refuses_a_symbolic_template(tmp_path, capsys):
    status = run_cli(["export", "moodle", "examples/exercises/symbolic_conv.toml", "--wrt", "X",
                      "--out", tmp_path / "quiz.xml"])
    err = capsys.readouterr().err
    assert status == 2 and "NUMERICAL blanks take numbers" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "quiz.xml").exists()


def test_moodle_refuses_numbers_beyond_a_floats_range_in_one_line(tmp_path, capsys):
    """Moodle reads a numerical blank as a float: ∂E/∂A_00 = (10^39)^8 / 9 (eight 2×2
    convolutions whose kernels start with 10^39, then a 3×3 average) cannot be one; this was an
    internal OverflowError (issue 19)."""
    big = 10 ** 39
    layers = "".join(f'[[layers]]\ntype = "conv"\noutput = "Y{i}"\n[layers.weight]\nname = "W{i}"\n'
                     f'shape = [2, 2]\nvalues = [[{big}, 1], [2, 3]]\n' for i in range(8))
    template = tmp_path / "huge.toml"
    template.write_text(f'loss = "E"\n[input]\nname = "A"\nshape = [11, 11]\n{layers}'
                        '[[layers]]\ntype = "avgpool"\nkernel_size = [3, 3]\nstride = 3\n'
                        '[upstream]\nvalues = [[1]]\n[variants]\nupstream.values = [[[1]], [[2]]]\n'
                        '[exercise]\nwrt = ["A"]\nseed = "s"\n')
    assert len(str(big ** 8 // 9)) - 1 == 311
    status = run_cli(["export", "moodle", template, "--wrt", "A", "--variants", "1", "--out",
                      tmp_path / "quiz.xml"])
    err = capsys.readouterr().err
    assert status == 2 and err == (f"symconv: error: {template}: ∂E/∂A_00 is about 1e311, beyond the"
                                   f" largest number Moodle's numerical blanks hold (about 1.8e308);"
                                   f" give the template smaller values\n")
    assert not (tmp_path / "quiz.xml").exists()


# -- where the files go: into what the user named (symconv.output's rules) ---------------------------
def test_exports_write_into_a_symbolic_link_and_a_fifo_and_replace_only_with_force(tmp_path, capsys):
    real = tmp_path / "real.zip"
    real.write_bytes(b"old")
    link = tmp_path / "autograder.zip"
    link.symlink_to(real)
    assert run_cli(["export", "gradescope", "examples/homework_5x5.toml", "--wrt", "A", "--out", link]) == 2
    assert "already exists; add --force" in capsys.readouterr().err and real.read_bytes() == b"old"
    assert run_cli(["export", "gradescope", "examples/homework_5x5.toml", "--wrt", "A", "--out", link,
                    "--force"]) == 0
    assert link.is_symlink() and zipfile.ZipFile(real).testzip() is None

    fifo = tmp_path / "quiz.fifo"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    assert run_cli(["export", "moodle", HOMEWORK, "--wrt", "A", "--variants", "1", "--out", fifo]) == 0
    received = reader.communicate(timeout=60)[0]
    assert fifo.is_fifo() and ElementTree.fromstring(received).tag == "quiz"


def test_an_exercise_folder_behind_a_symbolic_link_stays_linked_with_the_umasks_mode(tmp_path):
    """An empty folder is written into (its own mode kept); what symconv makes in it gets the
    mode the umask gives."""
    roster = tmp_path / "roster.csv"
    roster.write_text("id\ns1\n")
    real = tmp_path / "real"
    real.mkdir(mode=0o711)
    link = tmp_path / "course"
    link.symlink_to(real)
    previous = os.umask(0o027)
    try:
        assert run_cli(["exercise", HOMEWORK, "--roster", roster, "--out", link, "--force"]) == 0
    finally:
        os.umask(previous)
    assert link.is_symlink() and (real / "s1" / "problem.toml").exists()
    assert real.stat().st_mode & 0o777 == 0o711
    assert (real / "s1").stat().st_mode & 0o777 == 0o750
    assert (real / "s1" / "problem.toml").stat().st_mode & 0o777 == 0o640
