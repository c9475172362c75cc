"""The PrairieLearn question, run as PrairieLearn runs it.

Read in PrairieLearn/PrairieLearn at commit 88fb8556a7a1768e2082736be9095241b11238d7:

- apps/prairielearn/python/zygote.py: server.py is exec'd and its phase functions are called
  with the ``data`` dict; serverFilesCourse is on the path.
- apps/prairielearn/src/question-servers/freeform.ts: ``checkData`` says which keys ``data``
  holds in each phase and which a phase may change; for the ``test`` phase the elements' own
  ``test()`` runs first, then server.py's; ``gradable`` becomes false when ``format_errors`` is
  not empty; the score is server.py's when it sets one.
- apps/prairielearn/src/lib/question-testing.ts (``compareTestResults``): the question tester
  submits ``test()``'s ``raw_submitted_answers`` through ``parse()`` and ``grade()`` and requires
  equal ``gradable``, equal sorted ``format_errors`` keys, and (when gradable) deep-equal
  ``partial_scores`` and equal ``score``.
- apps/prairielearn/elements/pl-string-input/pl-string-input.py: its ``parse`` strips the answer
  (remove-leading-trailing) and makes a blank one a format error; its ``grade`` scores
  ``{"score": 0 or 1, "weight": 1}`` by string equality with ``correct_answers``; its ``test``
  submits the correct answer (score 1), the correct answer with a digit appended (score 0), or a
  blank (format error "invalid"). The functions below do what those do, written here.

server.py runs in a fresh interpreter whose path holds only the exported serverFilesCourse and
numpy, sympy and mpmath (PrairieLearn pins numpy 2.4.6 and sympy 1.14.0 on Python 3.13, in its
pyproject.toml); question.html is rendered with chevron, the mustache PrairieLearn's Python side
uses.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import chevron
import numpy as np
import pytest

from helpers import run_cli
from platforms import chain_gradient

TEMPLATES = {path.stem: path for path in sorted(Path("examples/exercises").glob("*.toml"))}
ASKED = {stem: tomllib.loads(path.read_text())["exercise"]["wrt"][0] for stem, path in TEMPLATES.items()}
CHAIN = "chain_conv_relu_maxpool"

DRIVER = r"""
import importlib.util, json, sys
course, deps = sys.argv[1:3]
sys.path[:0] = [course + "/serverFilesCourse", deps]
assert importlib.util.find_spec("click") is None, "click is importable"
modules = {}
results = []
for server, phase, data in json.load(sys.stdin):
    if server not in modules:
        modules[server] = {}
        exec(compile(open(server).read(), server, "exec"), modules[server])  # as zygote.py does
    modules[server][phase](data)
    results.append(data)
json.dump({"results": results, "click": sorted(m for m in sys.modules if m.split(".")[0] == "click")},
          sys.stdout)
"""

# freeform.ts, checkData: the keys data holds in each phase, and those a phase may change
PRESENT = {"params": "all", "correct_answers": "all", "variant_seed": "all", "options": "all",
           "preferences": "all",
           "submitted_answers": {"render", "parse", "grade", "file"},
           "format_errors": {"render", "parse", "grade", "test", "file"},
           "raw_submitted_answers": {"render", "parse", "grade", "test", "file"},
           "partial_scores": {"render", "grade", "test", "file"},
           "score": {"render", "grade", "test", "file"},
           "feedback": {"render", "parse", "grade", "test", "file"},
           "gradable": {"parse", "grade", "test"}, "test_type": {"test"}}
CHANGES = {"params": {"generate", "prepare", "parse", "grade"},
           "correct_answers": {"generate", "prepare", "parse", "grade"},
           "submitted_answers": {"parse", "grade"}, "format_errors": {"parse", "grade", "test"},
           "raw_submitted_answers": {"test"}, "partial_scores": {"grade", "test"},
           "score": {"grade", "test"}, "feedback": {"grade", "parse", "test"}}


def check_data(before: dict, after: dict, phase: str) -> None:
    """freeform.ts's checkData: only the keys of this phase, only the allowed ones changed."""
    allowed = {key for key, phases in PRESENT.items() if phases == "all" or phase in phases}
    assert set(after) == allowed, (phase, set(after) ^ allowed)
    for key in allowed:
        if phase not in CHANGES.get(key, ()):
            assert after[key] == before[key], (phase, key)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """Every shipped template exported into one course, and a way to call its server.py files."""
    folder = tmp_path_factory.mktemp("course")
    for stem, path in TEMPLATES.items():
        assert run_cli(["export", "prairielearn", path, "--wrt", ASKED[stem], "--out", folder]) == 0
    deps = tmp_path_factory.mktemp("deps")
    import mpmath, sympy  # the only packages the question may use (mpmath is sympy's)
    for module in (np, sympy, mpmath):
        (deps / module.__name__).symlink_to(Path(module.__file__).parent)
    return folder, deps, sys.executable


def call(course, calls: list[tuple[str, str, dict]]) -> list[dict]:
    """Run [(question, phase, data), …] through server.py in a fresh interpreter (this one, or
    the one ``course`` names) with no site-packages: only the standard library and ``deps``."""
    folder, deps, python = course
    command = [python, "-I", "-S", "-c", DRIVER, str(folder), str(deps)]
    cases = [(str(folder / "questions" / q / "server.py"), phase, data) for q, phase, data in calls]
    done = subprocess.run(command, input=json.dumps(cases), capture_output=True, text=True,
                          cwd=folder, timeout=300)
    assert done.returncode == 0, done.stderr
    output = json.loads(done.stdout)
    assert output["click"] == []
    return output["results"]


def new_data(course, question: str, seed: int) -> dict:
    """data before generate (freeform.ts)."""
    return {"params": {}, "correct_answers": {}, "variant_seed": seed,
            "options": {"question_path": str(course[0] / "questions" / question)}, "preferences": {}}


def copy(data: dict) -> dict:
    return json.loads(json.dumps(data))


def phase_data(generated: dict, phase: str, **fields) -> dict:
    """data as freeform.ts builds it for a phase after generate."""
    base = {key: copy(value) for key, value in generated.items() if key in PRESENT}
    empty = {"submitted_answers": {}, "format_errors": {}, "raw_submitted_answers": {},
             "partial_scores": {}, "score": 0, "feedback": {}, "gradable": True}
    for key, phases in PRESENT.items():
        if key not in base and phases != "all" and phase in phases:
            base[key] = copy(empty.get(key))
    base.update(fields)
    return base


# -- pl-string-input, as its element code behaves (see the module's docstring) ----------------------
def names_of(data: dict) -> list[str]:
    return [cell["name"] for row in data["params"]["rows"] for cell in row["cells"]]


def element_test(data: dict) -> None:
    for name in names_of(data):
        answer = str(data["correct_answers"][name])
        if data["test_type"] == "correct":
            data["raw_submitted_answers"][name] = answer
            data["partial_scores"][name] = {"score": 1, "weight": 1}
        elif data["test_type"] == "incorrect":
            data["raw_submitted_answers"][name] = answer + "7"
            data["partial_scores"][name] = {"score": 0, "weight": 1}
        else:
            data["raw_submitted_answers"][name] = ""
            data["format_errors"][name] = "invalid"


def element_parse(data: dict) -> None:
    for name in names_of(data):
        answer = data["submitted_answers"].get(name)
        if answer is None or not answer.strip():
            data["format_errors"][name] = "Invalid format. The submitted answer was left blank."
            data["submitted_answers"][name] = None
        else:
            data["submitted_answers"][name] = answer.strip()


def element_grade(data: dict) -> None:
    for name in names_of(data):
        right = data["submitted_answers"][name] == str(data["correct_answers"][name]).strip()
        data["partial_scores"][name] = {"score": 1 if right else 0, "weight": 1}


# -- the question tester (question-testing.ts) ------------------------------------------------------
def question_tester(course, question: str, test_type: str, seed: int) -> tuple[dict, dict]:
    """test() and then the submission of its raw answers through parse() and grade(), with the
    checks compareTestResults makes."""
    [generated] = call(course, [(question, "generate", new_data(course, question, seed))])
    check_data(new_data(course, question, seed), generated, "generate")
    expected = phase_data(generated, "test", test_type=test_type)
    element_test(expected)
    before = copy(expected)
    [expected] = call(course, [(question, "test", expected)])
    check_data(before, expected, "test")
    expected["gradable"] = not expected["format_errors"]

    submission = phase_data(generated, "parse",
                            submitted_answers=copy(expected["raw_submitted_answers"]),
                            raw_submitted_answers=copy(expected["raw_submitted_answers"]))
    element_parse(submission)
    before = copy(submission)
    [submission] = call(course, [(question, "parse", submission)])
    check_data(before, submission, "parse")
    submission["gradable"] = not submission["format_errors"]
    if submission["gradable"]:
        graded = {key: value for key, value in submission.items()}
        graded.update(partial_scores={}, score=0)
        element_grade(graded)
        before = copy(graded)
        [graded] = call(course, [(question, "grade", graded)])
        check_data(before, graded, "grade")
        submission = graded
    # compareTestResults
    assert expected["gradable"] == submission["gradable"], (question, test_type)
    assert sorted(expected["format_errors"]) == sorted(submission["format_errors"])
    if expected["gradable"]:
        assert expected["partial_scores"] == submission["partial_scores"], (question, test_type)
        assert expected["score"] == submission["score"]
    return expected, submission


@pytest.mark.parametrize("question", TEMPLATES)
def test_the_question_tester_passes_for_every_shipped_template(course, question):
    right, graded = question_tester(course, question, "correct", seed=11)
    assert graded["score"] == 1 and all(p["score"] == 1 for p in graded["partial_scores"].values())
    wrong, graded = question_tester(course, question, "incorrect", seed=11)
    assert graded["score"] < 1 and graded["gradable"]
    # a real named mistake, so the student would see its diagnosis
    assert "likely mistake:" in graded["feedback"]["overall"]
    invalid, parsed = question_tester(course, question, "invalid", seed=11)
    assert invalid["gradable"] is False and list(parsed["format_errors"]) == ["entry_0"]


def test_the_course_fragment_has_what_prairielearn_reads(course):
    folder, _, _ = course
    question = folder / "questions" / CHAIN
    info = json.loads((question / "info.json").read_text())
    assert set(info) >= {"uuid", "title", "topic", "tags"} and info["type"] == "v3"
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", info["uuid"])
    html = (question / "question.html").read_text()
    elements = set(re.findall(r"<(pl-[a-z-]+)", html))
    assert elements == {"pl-question-panel", "pl-string-input", "pl-submission-panel"}
    assert 'answers-name="{{name}}"' in html and r"$\frac{\partial L}{\partial X}$" in html
    shipped = folder / "serverFilesCourse" / "symconv"
    assert not (shipped / "interface" / "cli.py").exists()
    assert (shipped / "course" / "variants.py").exists()
    assert {"course", "export", "answers"} <= {p.name for p in shipped.iterdir()}
    assert "def test(data):" in (question / "server.py").read_text()


def graded_submission(course, generated: dict, answers: list[str]) -> dict:
    names = names_of(generated)
    data = phase_data(generated, "parse", submitted_answers=dict(zip(names, answers)),
                      raw_submitted_answers=dict(zip(names, answers)))
    element_parse(data)
    [data] = call(course, [(CHAIN, "parse", data)])
    if data["format_errors"]:
        return data
    data.update(partial_scores={}, score=0, gradable=True)
    element_grade(data)
    [data] = call(course, [(CHAIN, "grade", data)])
    return data


def submission_panel(course, data: dict) -> str:
    """question.html rendered by mustache with the graded data: the submission panel's HTML."""
    html = chevron.render((course[0] / "questions" / CHAIN / "question.html").read_text(), data)
    return re.search(r"<pl-submission-panel>(.*)</pl-submission-panel>", html, re.S).group(1)


def test_generate_parse_grade_with_numpy_values_and_visible_feedback(course):
    first, again, other = call(course, [(CHAIN, "generate", new_data(course, CHAIN, seed))
                                        for seed in (7, 7, 8)])
    assert first["params"] == again["params"] and first["correct_answers"] == again["correct_answers"]
    assert first["params"]["problem"] != other["params"]["problem"]
    right = [str(v) for v in chain_gradient(tomllib.loads(first["params"]["problem"])).reshape(-1)]
    assert [first["correct_answers"][n] for n in names_of(first)] == right
    correct = graded_submission(course, first, right)
    assert correct["score"] == 1 and correct["feedback"]["wrong"] is False
    assert all(p == {"score": 1.0, "weight": 1, "feedback": "right"}
               for p in correct["partial_scores"].values())
    one_wrong = right[:3] + [str(int(right[3]) + 1)] + right[4:]
    mistaken = graded_submission(course, first, one_wrong)
    assert mistaken["score"] == pytest.approx(24 / 25)
    assert [n for n, p in mistaken["partial_scores"].items() if p["score"] == 0] == ["entry_3"]
    line = f"✗ ∂L/∂X_03 (row 1, entry 4): given {one_wrong[3]}"
    assert mistaken["partial_scores"]["entry_3"]["feedback"] == line  # no expected value
    panel = submission_panel(course, mistaken)
    assert "24 of 25 entries right" in panel
    [row] = re.findall(r"<tr><td>(.*?)</td><td><pre[^>]*>(.*?)</pre></td></tr>", panel, re.S)
    assert row == ("∂L/∂X_03 (row 1, entry 4)", f"given {one_wrong[3]}")
    assert f"expected {right[3]}" not in panel
    assert "<tr>" not in submission_panel(course, correct).split("</thead>")[-1]
    neighbour = [str(v) for v in chain_gradient(tomllib.loads(other["params"]["problem"])).reshape(-1)]
    if neighbour != right:
        assert graded_submission(course, first, neighbour)["score"] < 1
    hostile = ["__import__('os').system('touch pwned')"] + right[1:]
    attacked = graded_submission(course, first, hostile)
    assert list(attacked["format_errors"]) == ["entry_0"]
    assert attacked["format_errors"]["entry_0"].startswith("'__' is not allowed")
    assert not (course[0] / "pwned").exists()


def test_show_expected_puts_the_expected_values_in_the_feedback(tmp_path):
    assert run_cli(["export", "prairielearn", TEMPLATES[CHAIN], "--wrt", "X", "--out", tmp_path,
                    "--show-expected"]) == 0
    deps = tmp_path / "deps"
    deps.mkdir()
    import mpmath, sympy
    for module in (np, sympy, mpmath):
        (deps / module.__name__).symlink_to(Path(module.__file__).parent)
    mine = (tmp_path, deps, sys.executable)
    [generated] = call(mine, [(CHAIN, "generate", new_data(mine, CHAIN, 7))])
    right = [generated["correct_answers"][n] for n in names_of(generated)]
    wrong = right[:3] + [str(int(right[3]) + 1)] + right[4:]
    graded = graded_submission(mine, generated, wrong)
    assert f"expected {right[3]}" in graded["partial_scores"]["entry_3"]["feedback"]
    assert f"expected {right[3]}" in submission_panel(mine, graded)


def test_the_question_tester_passes_under_each_python(set_up, course, tmp_path):
    """server.py and symconv under Python 3.10 and 3.13 with the numpy and sympy the Gradescope
    autograder pins (PrairieLearn's own image runs 3.13 with numpy 2.4.6 and sympy 1.14.0)."""
    version, source = set_up
    venv_python = source / "venv" / "bin" / "python"
    site = subprocess.run([str(venv_python), "-c", "import numpy, os; print(os.path.dirname("
                           "os.path.dirname(numpy.__file__)))"], capture_output=True, text=True,
                          check=True).stdout.strip()
    deps = tmp_path / "deps"
    deps.mkdir()
    for name in ("numpy", "sympy", "mpmath", "tomli"):  # tomli: Python 3.10's TOML parser
        if (Path(site) / name).exists():
            (deps / name).symlink_to(Path(site) / name)
    theirs = (course[0], deps, str(venv_python))
    running = subprocess.run([str(venv_python), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    assert running == version
    for question in TEMPLATES:
        for test_type in ("correct", "incorrect", "invalid"):
            question_tester(theirs, question, test_type, seed=23)
