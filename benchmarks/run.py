"""symconv's performance figures, each next to its target and a baseline measured in the same run.

    python benchmarks/run.py            # full run (a few minutes; the naive sympy baseline is slow)
    python benchmarks/run.py --quick    # small sizes, one repetition: keeps the benchmark working
                                        # in CI; asserts nothing about time

Ratios are computed pair by pair within this run, on this machine; times are medians of several
repetitions. See benchmarks/README.md for recorded runs.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from symconv import build_problem, derive, quick_problem  # noqa: E402


@dataclass
class Figure:
    name: str
    measured: float
    unit: str
    target: str
    met: bool
    baseline: str = ""


def median_time(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def derive_all(problem) -> int:
    """All entries of every gradient as term data; returns the number of terms."""
    derivation = derive(problem)
    return sum(derivation.gradient(name).term_count for name in derivation.names())


def lenet_problem():
    return build_problem({"input": {"shape": [6, 12, 12]},
                          "layers": [{"type": "conv", "weight": {"shape": [16, 6, 5, 5]}, "bias": {}}]})


def naive_sympy_gradients(size: int, kernel: int) -> int:
    """What a user would otherwise write: L = Σ d·Y in sympy, then diff by every symbol."""
    import sympy

    out = size - kernel + 1
    x = sympy.Matrix(size, size, lambda i, j: sympy.Symbol(f"x_{i}_{j}"))
    w = sympy.Matrix(kernel, kernel, lambda i, j: sympy.Symbol(f"w_{i}_{j}"))
    d = sympy.Matrix(out, out, lambda i, j: sympy.Symbol(f"d_{i}_{j}"))
    loss = sum((d[i, j] * sum((x[i + m, j + n] * w[m, n] for m in range(kernel) for n in range(kernel)),
                              sympy.S.Zero)
                for i in range(out) for j in range(out)), sympy.S.Zero)
    grads = [sympy.diff(loss, s) for s in [*x, *w]]
    return sum(len(sympy.Add.make_args(g)) for g in grads if g != 0)


def throughput_figures(quick: bool) -> list[Figure]:
    repeat = 1 if quick else 5
    figures = []
    large = 32 if quick else 128
    for label, problem in ((f"{large}×{large} input, 5×5 kernel", quick_problem((large, large), (5, 5))),
                           ("LeNet layer 6→16 ch, 12×12, 5×5", lenet_problem())):
        terms = derive_all(problem)
        seconds = median_time(lambda: derive_all(problem), repeat)
        rate = terms / seconds
        figures.append(Figure(f"derivation, {label} ({terms:,} terms)", rate / 1e6, "M terms/s",
                              "≥ 1.0", rate >= 1e6))

    sizes = [16, 24, 32] if quick else [16, 32, 64, 128]
    points = []
    for size in sizes:
        problem = quick_problem((size, size), (5, 5))
        terms = derive_all(problem)
        points.append((terms, median_time(lambda: derive_all(problem), repeat)))
    xs = [math.log(t) for t, _ in points]
    ys = [math.log(s) for _, s in points]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    slope = (sum((a - mean_x) * (b - mean_y) for a, b in zip(xs, ys))
             / sum((a - mean_x) ** 2 for a in xs))
    figures.append(Figure(f"scaling exponent of time in terms, {sizes[0]}² … {sizes[-1]}²", slope, "",
                          "≤ 1.1", slope <= 1.1))

    size = 8 if quick else 16
    problem = quick_problem((size, size), (3, 3))
    ours = median_time(lambda: derive_all(problem), max(repeat, 5))
    naive = median_time(lambda: naive_sympy_gradients(size, 3), 1 if quick else 3)
    figures.append(Figure(f"speed-up over naive sympy.diff, {size}×{size} input, 3×3 kernel",
                          naive / ours, "×", "≥ 1000", naive / ours >= 1000,
                          f"naive {naive:.2f} s vs {ours * 1e3:.2f} ms"))
    return figures


def wall_time(command: list[str], repeat: int) -> float:
    def run():
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    run()  # warm the file cache
    return median_time(run, repeat)


def startup_figures(quick: bool) -> list[Figure]:
    repeat = 3 if quick else 9
    python = sys.executable
    sympy_import = wall_time([python, "-c", "import sympy"], repeat)
    grad = wall_time([python, "-m", "symconv", "grad", "examples/homework_5x5.toml", "--wrt", "A"], repeat)
    solve = wall_time([python, "-m", "symconv", "solve", "examples/homework_5x5.toml"], repeat)
    size = 12 if quick else 28
    large = wall_time([python, "-m", "symconv", "solve", "--input", f"{size}x{size}", "--kernel", "5x5"],
                      1 if quick else 3)
    return [Figure("CLI start: symconv grad homework 5×5 --wrt A", grad / sympy_import,
                   "× import sympy", "≤ 1.2", grad / sympy_import <= 1.2,
                   f"{grad * 1e3:.0f} ms vs import sympy {sympy_import * 1e3:.0f} ms"),
            Figure("symconv solve homework 5×5 (LaTeX, no TeX run)", solve / sympy_import,
                   "× import sympy", "≤ 1.5", solve / sympy_import <= 1.5,
                   f"{solve * 1e3:.0f} ms vs import sympy {sympy_import * 1e3:.0f} ms"),
            Figure(f"symconv solve {size}×{size} input, 5×5 kernel (LaTeX)", large, "s", "≤ 3",
                   large <= 3)]


# VmHWM is the peak resident size of this process alone (ru_maxrss can carry the parent's peak
# across exec on Linux, which hid the figure behind the benchmark's own size).
PEAK_RSS = "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])"
MEMORY_PROBE = """
import sys
sys.path.insert(0, %r)
from benchmarks.run import derive_all, lenet_problem
derive_all(lenet_problem())
""" + PEAK_RSS


def memory_figures(quick: bool) -> list[Figure]:
    def peak(code):
        output = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True,
                                capture_output=True, text=True).stdout
        return int(output.split()[-1]) / 1024  # VmHWM is in kB

    ours = peak(MEMORY_PROBE % str(ROOT))
    numpy_only = peak("import numpy\n" + PEAK_RSS)
    return [Figure("peak RSS, LeNet layer derivation", ours, "MB", "≤ 300", ours <= 300,
                   f"python + numpy alone: {numpy_only:.0f} MB")]


HOSTILE = ["__import__('os').system('true')", "9**9**9**9", "(" * 5000 + "1" + ")" * 5000,
           "x" * 3_000_000, "\0\0\0", "nan", "B_11.__class__", "(B_11+B_12+1)**400",
           "\\input{/etc/passwd}", "E**I"]


def write_submissions(folder: Path, count: int, seed: int = 0) -> None:
    """The homework's ∂E/∂A as students might hand it in: right and wrong, as expressions in
    several spellings or as numbers, and one in ten hostile."""
    from symconv import load_problem
    from symconv.render import plain

    rng = random.Random(seed)
    gradient = derive(load_problem(ROOT / "examples/homework_5x5.toml")).gradient("A")
    right = [plain(p) for p in gradient.polys()]
    spellings = [lambda e: e, lambda e: e.replace("_", ""),
                 lambda e: re.sub(r"B_(\d)_(\d)", r"B_{\1\2}", e)]
    for i in range(count):
        entries = list(right)
        kind = rng.random()
        if kind < 0.1:
            entries[rng.randrange(25)] = rng.choice(HOSTILE)
        elif kind < 0.4:
            entries[rng.randrange(25)] = entries[rng.randrange(25)]  # a wrong entry, maybe
        elif kind < 0.55:
            entries = [str(rng.randrange(1, 40)) for _ in entries]  # numbers: all wrong
        spell = rng.choice(spellings) if kind >= 0.1 else (lambda e: e)
        rows = [" & ".join(spell(e) if e in right else e for e in entries[r * 5:r * 5 + 5])
                for r in range(5)]
        (folder / f"s{i:04d}.txt").write_text(" \\\\\n".join(rows) + "\n")


def grading_figures(quick: bool) -> list[Figure]:
    count = 200 if quick else 1000
    folder = Path(tempfile.mkdtemp(prefix="symconv-grade-"))
    try:
        write_submissions(folder, count)
        command = [sys.executable, "-m", "symconv", "grade", "examples/homework_5x5.toml", "--wrt", "A",
                   "--csv", str(folder / "out.csv"), "--force"]
        one = wall_time(command + [str(folder / "s0000.txt")], 1 if quick else 3)
        batch = wall_time(command + [str(folder)], 1 if quick else 3)
    finally:
        shutil.rmtree(folder)
    rate = (count - 1) / max(batch - one, 1e-9)
    return [Figure(f"grading {count} submissions (10 % hostile), after start-up", rate,
                   "subm./s", "≥ 500", rate >= 500,
                   f"batch {batch:.2f} s − one submission {one:.2f} s (start-up)")]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one repetition (for CI)")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    figures = [*throughput_figures(args.quick), *startup_figures(args.quick),
               *grading_figures(args.quick), *memory_figures(args.quick)]
    width = max(len(f.name) for f in figures)
    print(f"{'figure':<{width}}  {'measured':>22}  {'target':>8}  {'met':<4} baseline (same run)")
    for f in figures:
        print(f"{f.name:<{width}}  {f.measured:>12.2f} {f.unit:<9}  {f.target:>8}  "
              f"{'yes' if f.met else 'NO':<4} {f.baseline}")
    if args.quick:
        print("(quick mode: small sizes, one repetition; the figures are not meaningful)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
