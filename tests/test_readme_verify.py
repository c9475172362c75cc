"""The README's verify example and the answers package's doctest run as written."""

import doctest
import re
from pathlib import Path

import symconv.answers
from helpers import run_cli as main

README = Path("README.md").read_text()


def run_example(heading: str, capsys) -> tuple[list[str], list[str]]:
    """The first `symconv verify` command after ``heading``: what the README shows, what it prints."""
    section = README[README.index(heading):]
    command = re.search(r"```bash\n(symconv verify .*)\n```", section).group(1)
    shown = re.search(r"```text\n(.*?)```", section, re.S).group(1).splitlines()
    assert main(command.split()[1:]) == 1
    return shown, capsys.readouterr().out.splitlines()


def test_the_readme_verify_example_prints_what_the_readme_shows(capsys):
    shown, printed = run_example("## Checking answers", capsys)
    assert printed[:2] == shown[:2]
    for line, printed_line in zip(shown[2:], printed[2:]):  # the README elides the middle with …
        head, _, tail = line.partition(" … ")
        assert printed_line.startswith(head.rstrip("…")) and printed_line.endswith(tail.split(" … ")[-1])


def test_the_package_doctest_passes():
    result = doctest.testmod(symconv.answers)
    assert result.attempted >= 1 and result.failed == 0


def test_the_readme_answer_checking_example_prints_what_its_comments_say(capsys):
    block = re.findall(r"```python\n(.*?)```", README, re.S)[1]
    assert "AnswerKey" in block
    exec(compile(block, "README.md", "exec"), {})  # our own documentation, not user input
    printed = capsys.readouterr().out.splitlines()
    said = [line.split("# ")[-1] for line in block.splitlines() if line.startswith("print(")]
    assert printed == said


def test_the_readme_pooling_chain_example_prints_what_the_readme_shows(capsys):
    shown, printed = run_example("### Pooling, ReLU and chains", capsys)
    assert shown[3] == "…" and shown[1].startswith("likely mistake: ")
    assert printed[:3] == shown[:3]  # the score, the named mistake, then the wrong entries
