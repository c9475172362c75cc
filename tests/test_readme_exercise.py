"""The README's exercise and export commands run as written, and its template snippet is the one
shipped in examples/exercises/."""

import re
import shlex
import tomllib
from pathlib import Path

from helpers import run_cli

README = Path("README.md").read_text()
SECTION = README[README.index("## Exercises for a class"):README.index("## Conventions")]


def test_every_command_of_the_section_runs(tmp_path, monkeypatch):
    examples = Path("examples").resolve()
    monkeypatch.chdir(tmp_path)
    Path("examples").symlink_to(examples)
    commands = re.findall(r"```bash\n(symconv .*)\n```", SECTION)
    assert [c.split()[1:3] for c in commands] == [
        ["export", "prairielearn"], ["export", "gradescope"], ["export", "moodle"]]
    # the class's exercise command, given in the text (it runs in "Grading a class")
    [shown] = re.findall(r"\n    (symconv exercise .*)\n", SECTION)
    for command in [shown] + commands:
        assert run_cli(shlex.split(command)[1:]) == 0, command
    assert Path("hw1/ada@example.edu/problem.toml").exists() and Path("hw1/SUMMARY.md").exists()
    assert Path("course/questions/chain_conv_relu_maxpool/server.py").exists()
    assert Path("autograder.zip").exists() and Path("quiz.xml").read_text().count('type="cloze"') == 20


def test_the_template_snippet_is_the_shipped_strided_template():
    snippet = tomllib.loads(re.search(r"```toml\n(.*?)```", SECTION, re.S).group(1))
    shipped = tomllib.loads(Path("examples/exercises/strided_padded_conv.toml").read_text())
    assert snippet["variants"]["input"] == shipped["variants"]["input"]
    assert snippet["variants"]["layers"] == shipped["variants"]["layers"]
    assert snippet["exercise"]["wrt"] == shipped["exercise"]["wrt"]
    assert snippet["variants"]["upstream"]["name"] == ["d", "g"]  # a choice the others show
