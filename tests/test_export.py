"""Exports checked against the platforms' documented contracts, with real data.

PrairieLearn: server.py runs in a fresh interpreter whose path holds only the exported
serverFilesCourse and numpy, sympy (and mpmath, sympy's own dependency); it is called as
PrairieLearn's zygote calls it, with PrairieLearn's ``data`` dict (Gradescope's autograder is
tested in test_gradescope.py). Moodle:
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
