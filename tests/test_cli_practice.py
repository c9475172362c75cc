"""``symconv practice``: the page written as every output file is, its contract in the HTML, and
the refusals (one line, exit 2, nothing written)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers import run_cli

PROBLEM = "examples/homework_5x5_values.toml"
TEMPLATE = "examples/exercises/homework_5x5_values.toml"
ROOT = Path(__file__).resolve().parents[1]


def test_the_page_holds_one_input_per_entry_and_everything_it_needs(tmp_path, capsys):
    page = tmp_path / "page.html"
    assert run_cli(["practice", PROBLEM, "--wrt", "A", "-o", page]) == 0
    assert capsys.readouterr().out == f"wrote {page}\n"
    text = page.read_text(encoding="utf-8")
    inputs = re.findall(r'<input data-answer="A" data-index="(\d),(\d)"', text)
    assert inputs == [(str(i), str(j)) for i in range(5) for j in range(5)]
    assert text.count('data-action="check"') == 1 and 'data-role="diagnosis"' in text
    assert text.count('<template data-chain="') == 25
    # self-contained: nothing fetched, every script and style inline
    assert not re.search(r"<(script|img|link|iframe)[^>]*\b(src|href)=", text)
    assert "http://" not in text.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in text


def test_an_existing_page_is_replaced_only_with_force(tmp_path, capsys):
    page = tmp_path / "page.html"
    page.write_text("mine")
    assert run_cli(["practice", PROBLEM, "--wrt", "A", "-o", page]) == 2
    assert "--force" in capsys.readouterr().err and page.read_text() == "mine"
    assert run_cli(["practice", PROBLEM, "--wrt", "A", "-o", page, "--force"]) == 0


def test_a_template_gives_its_variants(tmp_path):
    page = tmp_path / "page.html"
    assert run_cli(["practice", TEMPLATE, "--wrt", "A", "--variants", "2", "-o", page]) == 0
    text = page.read_text(encoding="utf-8")
    assert re.findall(r'<template data-variant="(\d)">', text) == ["0", "1"]
    assert 'data-action="variant"' in text and "variant 2 of 2" in text


@pytest.mark.parametrize("argv, message", [
    (["practice", PROBLEM, "--wrt", "A", "--variants", "3"],
     "--variants is for an exercise template"),
    (["practice", "examples/homework_conv_maxpool.toml", "--wrt", "A"],
     "which is 1 or 0 depending on values symconv does not know"),
    (["practice", "--wrt", "X", "examples/recitation_image_16x12.toml"], "no tensor named 'X'"),
    (["practice", PROBLEM, "--wrt", "Q"], "no tensor named 'Q' to differentiate; valid names: A, B"),
])
def test_refusals_are_one_line(argv, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where the page would go: nothing is written there
    assert run_cli([str(ROOT / a) if a.startswith("examples/") else a for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("symconv: error: ") and err.count("\n") == 1 and message in err, err
    assert list(tmp_path.iterdir()) == []


def test_a_gradient_too_big_for_a_page_is_refused(tmp_path, capsys):
    problem = tmp_path / "big.toml"
    problem.write_text('[input]\nshape = [40, 40]\n[[layers]]\ntype = "conv"\n[layers.weight]\nshape = [3, 3]\n')
    assert run_cli(["practice", problem, "--wrt", "X", "-o", tmp_path / "p.html"]) == 2
    assert capsys.readouterr().err == (
        "symconv: error: ∂L/∂X has 1,600 entries, over the 1,024 boxes a practice page has;"
        " practise on a smaller problem (e.g. a 5×5 input)\n")


def test_the_python_page_saves_as_files_are_written(tmp_path):
    from symconv import load_problem, practice
    from symconv.core.errors import SymconvError

    page = practice(load_problem(PROBLEM), "A")
    target = tmp_path / "page.html"
    page.save(target)
    assert target.read_text(encoding="utf-8") == page.html
    with pytest.raises(SymconvError, match="--force"):
        page.save(target)
    page.save(target, force=True)
