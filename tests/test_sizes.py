"""Problems too large are refused before anything of their size is allocated.

Each hostile problem runs the real command in a fresh interpreter, which reports its own peak
resident memory (VmHWM) when it exits: one line on stderr, exit status 2, and never more than
300 MB, whatever the problem asks for.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

CONV_5X5 = '[input]\nshape = [5, 5]\n{values}[[layers]]\ntype = "conv"\n{layer}[layers.weight]\nshape = [3, 3]\n'
VALUES = "values = [[1, 2, 3, 4, 5], [1, 2, 3, 4, 5], [1, 2, 3, 4, 5], [1, 2, 3, 4, 5], [1, 2, 3, 4, 5]]\n"
RUN = """
import runpy, sys
sys.argv = ["symconv", *sys.argv[1:]]
try:
    runpy.run_module("symconv", run_name="__main__")
except SystemExit as done:
    code = done.code
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
sys.stderr.write(f"PEAK {peak}\\n")
sys.exit(code)
"""


def many_layers(count: int, layer: str) -> str:
    return "[input]\nshape = [3, 3]\n" + "".join(layer.format(i=i) for i in range(count))


HOSTILE = {
    "padding 10^9": ("grad", CONV_5X5.format(values="", layer="padding = 1000000000\n"),
                     "layers[0]: Y (shape 2000000003 × 2000000003) would have"),
    "padding 3000 with values": ("grad", CONV_5X5.format(values=VALUES, layer="padding = 3000\n"),
                                 "layers[0]: Y (shape 6003 × 6003) would have 36,036,009 entries"),
    "huge input with shapes": ("shapes", '[input]\nshape = [1000000000, 1000000000]\n[[layers]]\n'
                               'type = "relu"\n', "input.shape: the input would have"),
    "huge 1-D input": ("grad", 'dims = 1\n[input]\nshape = [1000000000]\n[[layers]]\ntype = "relu"\n',
                       "the input would have 1,000,000,000 entries"),
    "upstream ones of a huge output": (
        "grad", '[input]\nshape = [20000, 20000]\n[[layers]]\ntype = "relu"\n[upstream]\n'
                'values = "ones"\n', "the input would have 400,000,000 entries"),
    "padded input of a strided layer": (
        "grad", CONV_5X5.format(values=VALUES, layer="padding = 10000\nstride = 20000\n")
        .replace("shape = [3, 3]", "shape = [1, 1]"), "the padded input 20005 × 20005 would have"),
    "500 ReLU layers": ("grad", many_layers(500, '[[layers]]\ntype = "relu"\n'),
                        "the problem has 500 layers, over symconv's limit of 64"),
    "2000 conv layers": ("check", many_layers(2000, '[[layers]]\ntype = "conv"\n[layers.weight]\n'
                                                    'name = "W{i}"\nshape = [1, 1]\n'),
                         "the problem has 2000 layers, over symconv's limit of 64"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_refused_before_allocation_in_one_line(name, tmp_path):
    command, text, message = HOSTILE[name]
    path = tmp_path / "problem.toml"
    path.write_text(text)
    argv = [command, str(path)] + (["--wrt", "X"] if command == "grad" else [])
    result = subprocess.run([sys.executable, "-c", RUN, *argv], capture_output=True, text=True,
                            timeout=120, cwd=Path(__file__).resolve().parents[1])
    *lines, peak = result.stderr.strip().splitlines()
    assert result.returncode == 2 and result.stdout == ""
    assert len(lines) == 1 and lines[0].startswith(f"symconv: error: {path}") and message in lines[0]
    assert int(peak.split()[1]) < 300 * 1024, peak  # kB


def test_the_budget_follows_max_terms_upwards(tmp_path):
    """--max-terms raises the entry budget with the term budget (never below 5,000,000)."""
    from symconv import build_problem
    from symconv.errors import ProblemError

    spec = {"input": {"shape": [3000, 3000]}, "layers": [{"type": "relu"}]}
    with pytest.raises(ProblemError, match=r"would have 9,000,000 entries, over the limit of"
                                           r" 5,000,000"):
        build_problem(spec)
    assert build_problem(spec, max_entries=10_000_000).input.size == 9_000_000
