"""What the platform tests share: an exported autograder unpacked as Gradescope unpacks it, and
pyenv's Pythons, which the exported graders must run on (Ubuntu 22.04's 3.10 and the newest)."""

from __future__ import annotations

import glob
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

from helpers import run_cli

TEMPLATE = "examples/exercises/homework_5x5_values.toml"
ROSTER = "id,name\nada@example.edu,Ada\nbob@example.edu,Bob\ncy@example.edu,Cy\n"


# -- the zip and its environment ---------------------------------------------------------------------
def unpack(archive: Path, source: Path) -> None:
    """As Gradescope unpacks it: files at the zip's root, with the modes the zip gives them."""
    with zipfile.ZipFile(archive) as zipped:
        assert {"setup.sh", "run_autograder"} <= set(zipped.namelist())
        for info in zipped.infolist():
            zipped.extract(info, source)
            os.chmod(source / info.filename, info.external_attr >> 16 & 0o777)


def export(tmp: Path, path: str, *extra) -> Path:
    roster = tmp / "roster.csv"
    roster.write_text(ROSTER)
    archive = tmp / "autograder.zip"
    args = ["export", "gradescope", path, "--wrt", "A", "--out", archive, *extra]
    if "exercises" in path:
        args += ["--roster", roster]
    assert run_cli(args) == 0
    return archive


def python(version: str) -> str:
    """pyenv's newest Python ``version`` (3.10 is Ubuntu 22.04's, Gradescope's default image)."""
    found = sorted(glob.glob(f"/root/.pyenv/versions/{version}.*/bin/python3"),
                   key=lambda p: [int(x) for x in p.split("/")[-3].split(".")])
    if not found:
        if os.environ.get("CI") == "true":
            pytest.fail(f"no Python {version} under /root/.pyenv/versions: CI must test the"
                        f" Gradescope autograder on it")
        pytest.skip(f"no Python {version} under /root/.pyenv/versions")
    return found[-1]


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
