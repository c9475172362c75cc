"""Session fixtures: the Gradescope autograder's environment, made by its own setup.sh once per
Python and test session (it installs the pinned numpy and sympy from PyPI)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from platforms import TEMPLATE, export, python, unpack


@pytest.fixture(scope="session", params=["3.10", "3.13"])
def set_up(request, tmp_path_factory) -> tuple[str, Path]:
    """The template's autograder, unpacked and set up by its own setup.sh under that Python
    (the pinned numpy and sympy from PyPI), once per test session."""
    interpreter = python(request.param)
    tmp = tmp_path_factory.mktemp(f"gradescope-{request.param}")
    source = tmp / "source"
    unpack(export(tmp, TEMPLATE), source)
    done = subprocess.run(["bash", str(source / "setup.sh")], env={**os.environ, "PYTHON": interpreter},
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    version = subprocess.run([str(source / "venv" / "bin" / "python"), "-c",
                              "import sys, numpy, sympy; print(sys.version_info[:2], numpy.__version__,"
                              " sympy.__version__)"], capture_output=True, text=True, check=True)
    pinned = (source / "requirements.txt").read_text()
    numpy_version, sympy_version = version.stdout.split()[-2:]
    assert f"numpy=={numpy_version}" in pinned and f"sympy=={sympy_version}" in pinned
    return request.param, source


