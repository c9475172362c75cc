"""Problems too large are refused before anything of their size is allocated.

Each hostile problem runs the real command in a fresh interpreter, which reports its own peak
resident memory (VmHWM) and CPU time when it exits: one line on stderr, exit status 2, and never
more than 300 MB (nor, for the commands of issue 19, 1 s of CPU), whatever the problem asks for.
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
import resource
usage = resource.getrusage(resource.RUSAGE_SELF)
sys.stderr.write(f"PEAK {peak} {usage.ru_utime + usage.ru_stime:.3f}\\n")
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


CONV_2000 = ('loss = "E"\n[input]\nname = "A"\nshape = [2000, 2000]\n[[layers]]\ntype = "conv"\n'
             '[layers.weight]\nname = "B"\nshape = [3, 3]\n')
CONV_3D = ('dims = 3\nloss = "E"\n[input]\nname = "A"\nshape = [62, 62, 62]\n[[layers]]\ntype = "conv"\n'
           '[layers.weight]\nname = "B"\nshape = [3, 3, 3]\n')
RELU_2200 = 'loss = "E"\n[input]\nname = "A"\nshape = [2200, 2200]\n[[layers]]\ntype = "relu"\n'
DRAWN = '[variants]\ninput.values = { integers = [-2, 3] }\n[exercise]\nwrt = ["A"]\nseed = "s"\n'
TERMS_2000 = "has 71,856,072 chain-rule terms, over the limit of 5,000,000"
OVERSIZED = {  # issue 19: each of these allocated gigabytes (or drew millions of values) first
    "matrix text": (["matrix", "{file}"], CONV_2000, TERMS_2000),
    "matrix json": (["matrix", "{file}", "--format", "json"], CONV_2000, TERMS_2000),
    "matrix latex": (["matrix", "{file}", "--format", "latex"], CONV_2000, TERMS_2000),
    "matrix json 3-D": (["matrix", "{file}", "--format", "json"], CONV_3D,
                        "has 11,664,000 chain-rule terms, over the limit of 5,000,000"),
    "forward json": (["forward", "{file}", "--format", "json"], RELU_2200,
                     "tensors have 9,680,000 entries, over the limit of 5,000,000"),
    "forward json conv": (["forward", "{file}", "--format", "json"], CONV_2000, TERMS_2000),
    "grad": (["grad", "{file}", "--wrt", "A"], CONV_2000, TERMS_2000),
    "exercise": (["exercise", "{file}", "--roster", "{roster}", "--out", "{out}"], CONV_2000 + DRAWN,
                 "a variant " + TERMS_2000),
    "export prairielearn": (["export", "prairielearn", "{file}", "--wrt", "A", "--out", "{out}"],
                            CONV_2000 + DRAWN, "a variant " + TERMS_2000),
    "export gradescope template": (["export", "gradescope", "{file}", "--wrt", "A", "--roster",
                                    "{roster}", "--out", "{out}.zip"], CONV_2000 + DRAWN,
                                   "a variant " + TERMS_2000),
    "export gradescope problem": (["export", "gradescope", "{file}", "--wrt", "A", "--out",
                                   "{out}.zip"], CONV_2000, TERMS_2000),
    "export moodle": (["export", "moodle", "{file}", "--wrt", "A", "--out", "{out}.xml"],
                      CONV_2000 + DRAWN, "a variant " + TERMS_2000),
}


@pytest.mark.parametrize("name", OVERSIZED)
def test_every_oversized_problem_is_refused_within_a_second_and_300_mb(name, tmp_path):
    argv, text, message = OVERSIZED[name]
    path = tmp_path / "problem.toml"
    path.write_text(text)
    (tmp_path / "roster.csv").write_text("id\ns1\n")
    argv = [part.format(file=path, roster=tmp_path / "roster.csv", out=tmp_path / "out")
            for part in argv]
    result = subprocess.run([sys.executable, "-c", RUN, *argv], capture_output=True, text=True,
                            timeout=120, cwd=Path(__file__).resolve().parents[1])
    *lines, peak = result.stderr.strip().splitlines()
    assert result.returncode == 2 and result.stdout == "", result
    assert len(lines) == 1 and lines[0].startswith("symconv: error: ") and message in lines[0], lines
    _, kilobytes, seconds = peak.split()
    assert int(kilobytes) < 300 * 1024 and float(seconds) < 1.0, peak
    assert sorted(p.name for p in tmp_path.iterdir()) == ["problem.toml", "roster.csv"]


def test_the_budget_follows_max_terms_upwards(tmp_path):
    """--max-terms raises the entry budget with the term budget (never below 5,000,000)."""
    from symconv import build_problem
    from symconv.core.errors import ProblemError

    spec = {"input": {"shape": [3000, 3000]}, "layers": [{"type": "relu"}]}
    with pytest.raises(ProblemError, match=r"would have 9,000,000 entries, over the limit of"
                                           r" 5,000,000"):
        build_problem(spec)
    assert build_problem(spec, max_entries=10_000_000).input.size == 9_000_000
