"""Session fixtures: the Gradescope autograder's environment, made by its own setup.sh once per
Python and test session (it installs the pinned numpy and sympy from PyPI).

The README's test command runs the tests on every core (pytest-xdist, ``--dist loadgroup``): a
test is sent to any worker, except that the tests of a module with a fixture wider than one test
(a browser, a notebook kernel, compiled LaTeX) stay together on one worker, and so do all the
modules that use a session fixture (the autograder environments), so that each is made once."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from platforms import TEMPLATE, export, python, unpack

SESSION_GROUP = "session fixtures"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each module that uses one of our module or session fixtures (pytest's own, defined
    nowhere under tests/, do not count) as one xdist group; the session fixtures' users as one."""
    groups: dict[str, str] = {}
    for item in items:
        scopes = {definitions[-1].scope for definitions in item._fixtureinfo.name2fixturedefs.values()
                  if definitions[-1].baseid}
        module = item.nodeid.split("::")[0]
        if "session" in scopes:
            groups[module] = SESSION_GROUP
        elif "module" in scopes:
            groups.setdefault(module, module)
    for item in items:
        group = groups.get(item.nodeid.split("::")[0])
        if group:
            item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture(scope="session")
def autograder_environments(tmp_path_factory) -> Callable[[str], Path]:
    """The template's autograder under a given Python, unpacked and set up by its own setup.sh
    (the pinned numpy and sympy from PyPI), each made once per test session, whatever order
    the tests that ask for them run in."""
    made: dict[str, Path] = {}

    def environment(version: str) -> Path:
        if version not in made:
            made[version] = set_up_autograder(version, tmp_path_factory.mktemp(f"gradescope-{version}"))
        return made[version]

    return environment


def set_up_autograder(version: str, tmp: Path) -> Path:
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
    return source


@pytest.fixture(params=["3.10", "3.13"])
def set_up(request, autograder_environments) -> tuple[str, Path]:
    """(the Python version, the template's autograder set up under it)."""
    return request.param, autograder_environments(request.param)
