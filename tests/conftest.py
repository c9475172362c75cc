"""Shared fixtures: the browsers of the page tests, one per test file; the Gradescope autograder's
environment, made by its own setup.sh once per Python and test run (it installs the pinned numpy
and sympy from PyPI).

The README's test command runs the tests on every core (pytest-xdist, ``--dist loadfile``): the
tests of one file run on one worker, so a module fixture (a browser, a notebook kernel, compiled
LaTeX) is made once. The autograder environments serve two files, which may run on two workers:
the first worker to ask for one makes it, under a lock, and the other reuses it."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from browser import offline_browser
from firefox import offline_firefox
from platforms import TEMPLATE, export, python, unpack


@pytest.fixture(scope="module")
def browser():
    """An offline Chromium's selenium driver (tests/browser.py), one per test file."""
    with offline_browser() as driver:
        yield driver


@pytest.fixture(scope="module")
def firefox():
    """An offline Firefox (tests/firefox.py), one per test file."""
    with offline_firefox() as driver:
        yield driver


@pytest.fixture(scope="session")
def autograder_environments(tmp_path_factory) -> Callable[[str], Path]:
    """The template's autograder under a given Python, unpacked and set up by its own setup.sh
    (the pinned numpy and sympy from PyPI), each made once per test run whatever order the tests
    that ask for it run in; under pytest-xdist in the folder the workers share (this run's)."""
    here = tmp_path_factory.getbasetemp()
    shared = here.parent if os.environ.get("PYTEST_XDIST_WORKER") else here

    def environment(version: str) -> Path:
        folder = shared / f"gradescope-{version}"
        with open(shared / f"gradescope-{version}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            if not (folder / "ready").exists():
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir()
                set_up_autograder(version, folder)
                (folder / "ready").touch()
        return folder / "source"

    return environment


def set_up_autograder(version: str, tmp: Path) -> None:
    interpreter = python(version)
    source = tmp / "source"
    unpack(export(tmp, TEMPLATE), source)
    done = subprocess.run(["bash", str(source / "setup.sh")], env={**os.environ, "PYTHON": interpreter},
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    version_check = subprocess.run([str(source / "venv" / "bin" / "python"), "-c",
                                    "import sys, numpy, sympy; print(sys.version_info[:2], numpy.__version__,"
                                    " sympy.__version__)"], capture_output=True, text=True, check=True)
    pinned = (source / "requirements.txt").read_text()
    numpy_version, sympy_version = version_check.stdout.split()[-2:]
    assert f"numpy=={numpy_version}" in pinned and f"sympy=={sympy_version}" in pinned


@pytest.fixture(params=["3.10", "3.13"])
def set_up(request, autograder_environments) -> tuple[str, Path]:
    """(the Python version, the template's autograder set up under it)."""
    return request.param, autograder_environments(request.param)
