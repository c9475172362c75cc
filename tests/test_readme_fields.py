"""The README's sections on transposed convolutions, 3-D layers, padding forms, the matrix view and
the forward pass as JSON: every command runs, and what the README shows is what symconv prints."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from helpers import run_cli
from test_hostile_inputs import PROBLEMS

README = Path("README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    return README.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, re.S)


def commands(text: str) -> list[list[str]]:
    return [shlex.split(line, comments=True)[1:] for block in blocks(text, "bash")
            for line in block.strip().split("\n") if line.startswith("symconv ")]


def run(capsys, argv):
    status = run_cli(argv)
    out, err = capsys.readouterr()
    return status, out, err


FIELDS = section("Transposed convolutions, 3-D layers and padding forms")
MATRIX = section("The matrix view")
FORWARD = section("The forward pass as JSON")


@pytest.mark.parametrize("argv", commands(FIELDS) + commands(MATRIX), ids=" ".join)
def test_every_command_runs(capsys, argv):
    status, out, err = run(capsys, argv)
    assert (status, err) == (0, "") and out


def test_the_shapes_example_prints_what_the_readme_says(capsys):
    shown = [line for line in blocks(FIELDS, "bash")[1].split("\n") if line.startswith("# ")]
    status, out, _ = run(capsys, ["shapes", "examples/keras_same.toml"])
    printed = " ".join(out.split())
    assert len(shown) == 2 and all(" ".join(line[2:].split()) in printed for line in shown)


def test_the_error_lines_are_what_symconv_prints(capsys, tmp_path):
    lines = blocks(FIELDS, "text")[0].strip().split("\n")
    problems = ["output_padding too large", "a padding pair with a negative entry",
                "a 3-D weight for a 2-D problem"]
    assert len(lines) == len(problems)
    for line, name in zip(lines, problems):
        shown = re.match(r"symconv: error: (\S+?\.toml):", line).group(1)
        path = tmp_path / shown
        path.write_text(PROBLEMS[name][0])
        status, _, err = run(capsys, ["check", str(path)])
        assert status == 2 and err == line.replace(shown, str(path), 1) + "\n"


def test_the_matrix_is_d2ls_and_the_refusal_is_what_symconv_prints(capsys):
    status, out, _ = run(capsys, ["matrix", "examples/d2l_kernel2matrix.toml"])
    shown = blocks(MATRIX, "text")[0].rstrip("\n")
    assert status == 0 and shown in out
    refusal = re.search(r"`(symconv: error: examples/recitation.*?)`", MATRIX, re.S).group(1)
    status, _, err = run(capsys, ["matrix", "examples/recitation_image_16x12.toml"])
    assert status == 2 and err == " ".join(refusal.split()) + "\n"


def test_the_forward_json_is_what_symconv_prints(capsys):
    status, out, _ = run(capsys, ["forward", "examples/d2l_kernel2matrix.toml", "--format", "json"])
    shown = blocks(FORWARD, "json")[0]
    first = json.loads(re.search(r"\{\"index\".*?\}", shown).group(0))
    found = json.loads(out)["outputs"][0]
    assert status == 0 and found["entries"][0] == first
    assert (found["name"], found["shape"]) == ("Y", [2, 2])
