"""Hostile answers: every case exits 2 within 2 s with one line on stderr, nothing on stdout, no
file written, and (by an audit hook) nothing executed, compiled or spawned."""

import io
import os
import sys
import time

import pytest

from helpers import run_cli as main

PROBLEM = "examples/homework_5x5_values.toml"
RIGHT = [["4", "7", "10", "6", "3"], ["9", "17", "25", "16", "8"], ["11", "23", "34", "23", "11"],
         ["7", "16", "24", "17", "8"], ["2", "6", "9", "7", "3"]]

# -- the audit hook: installed once, records only while a case runs -------------------------------
FORBIDDEN = {"exec", "compile", "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn",
             "os.spawn", "os.fork", "os.forkpty", "ctypes.dlopen", "socket.connect", "os.remove",
             "os.rename", "os.mkdir", "os.symlink", "shutil.rmtree", "pickle.find_class",
             "marshal.loads", "import"}
_events: list | None = None


def _audit(event, args):
    if _events is None:
        return
    if event in FORBIDDEN:
        _events.append(event)
    elif event == "open" and _opens_for_writing(args):
        _events.append(f"open for writing: {args[0]}")


def _opens_for_writing(args) -> bool:
    _, mode, flags = args
    if isinstance(mode, str):
        return any(c in mode for c in "wax+")
    return bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND))


sys.addaudithook(_audit)


def run_watched(argv, capsys):
    """``main(argv)`` with the hook recording; returns (status, stdout, stderr, seconds, events)."""
    global _events
    _events = []
    start = time.monotonic()
    try:
        status = main(argv)
    finally:
        events, _events = _events, None
    elapsed = time.monotonic() - start
    out, err = capsys.readouterr()
    return status, out, err, elapsed, events


@pytest.fixture(autouse=True)
def warm_imports(capsys):
    """Import everything the command needs before watching (an import executes module code)."""
    main(["verify", PROBLEM, "--wrt", "A", "--answer", "examples/answers/homework_5x5_handout.txt"])
    main(["verify", PROBLEM, "--wrt", "A", "--answer", "examples/answers/homework_5x5_handout.txt",
          "--format", "json"])
    capsys.readouterr()


def grid_with(entry: str) -> str:
    rows = [row[:] for row in RIGHT]
    rows[2][2] = entry
    return "\n".join(", ".join(row) for row in rows) + "\n"


ENTRY_CASES = {
    "import os": "__import__('os').system('touch pwned')",
    "eval": "eval('1+1')",
    "exec": "exec(\"open('pwned', 'w')\")",
    "subclasses": "().__class__.__bases__[0].__subclasses__()",
    "lambda": "lambda x: x",
    "open": "open('/etc/passwd').read()",
    "power tower": "9**9**9**9",
    "huge power": "(B11+B12+1)**400",
    "10,000 parentheses": "(" * 10_000 + "1" + ")" * 10_000,
    "nan": "nan",
    "inf": "inf",
    "-Infinity": "-Infinity",
    "1e999999": "1e999999",
    "sympy E": "E",
    "sympy I": "2*I",
    "sympy N()": "N(34)",
    "sympy S": "S.One",
    "sympy O()": "O(1)",
    "==": "B11 == B12",
    "<": "B11 < B12",
    "attribute": "x.real",
    "subscript": "B11[0]",
    "latex input": "\\input{/etc/passwd}",
    "latex write18": "\\immediate\\write18{touch pwned}",
    "shell $()": "$(touch pwned)",
    "backticks": "`touch pwned`",
    "python underscore number": "1_000",
    "hex": "0x22",
    "quotes": "'34'",
    "comment": "34 # it is 34",
    "long run-together": "B11B12B13" * 200,
    "coefficient explosion": "((((9^8)^8)^8)^8)",
    "division by zero": "1/0",
    "fullwidth letters": "\uff22\uff11\uff11",
    "right-to-left override": "\u202e34",
    "100 digits": "9" * 100,
    "row break inside": "34 \\\\ 12",
}


@pytest.mark.parametrize("case", list(ENTRY_CASES))
def test_hostile_entries(case, tmp_path, capsys):
    answer = tmp_path / "answer.txt"
    answer.write_text(grid_with(ENTRY_CASES[case]))
    assert_refused(["verify", PROBLEM, "--wrt", "A", "--answer", str(answer)], tmp_path, capsys)


def make_fifo(path):
    os.mkfifo(path)
    return path


FILE_CASES = {
    "5 MB line": lambda p: write(p, b"1" * 5_000_000),
    "/dev/zero": lambda p: "/dev/zero",
    "a FIFO": lambda p: make_fifo(p),
    "a link to /dev/zero": lambda p: (os.symlink("/dev/zero", p), p)[1],
    "NUL bytes": lambda p: write(p, grid_with("34").encode().replace(b"34", b"3\x004")),
    "invalid UTF-8": lambda p: write(p, grid_with("34").encode().replace(b"34", b"3\xff4")),
    "empty": lambda p: write(p, b""),
    "only spaces": lambda p: write(p, b"  \n\t\n"),
    "a folder": lambda p: (os.mkdir(p), p)[1],
    "missing": lambda p: p,
    "JSON nested 10,000 deep": lambda p: write(p, b"[" * 10_000 + b"]" * 10_000),
    "JSON NaN": lambda p: write(p, b"[[NaN, 1, 2, 3, 4]]"),
    "LaTeX without end": lambda p: write(p, b"\\begin{bmatrix} 4 & 7 \\\\"),
    "100x100 grid": lambda p: write(p, ("0 " * 100 + "\n").encode() * 100),
    "binary": lambda p: write(p, bytes(range(1, 256)) * 10),
}


def write(path, data: bytes):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("case", list(FILE_CASES))
def test_hostile_files(case, tmp_path, capsys):
    path = FILE_CASES[case](tmp_path / "answer")
    assert_refused(["verify", PROBLEM, "--wrt", "A", "--answer", str(path)], tmp_path, capsys)


@pytest.mark.parametrize("data", [b"4\x00", b"\xc3\x28", b"1" * 2_000_000, b"9**9**9**9"])
def test_hostile_standard_input(data, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert_refused(["verify", PROBLEM, "--wrt", "A", "--answer", "-"], tmp_path, capsys)


def assert_refused(argv, tmp_path, capsys):
    before = sorted(os.listdir(tmp_path)), sorted(os.listdir("."))
    status, out, err, elapsed, events = run_watched(argv, capsys)
    assert status == 2
    assert out == ""
    assert err.startswith("symconv: error: ") and err.count("\n") == 1, err
    assert elapsed < 2.0
    assert events == []
    assert (sorted(os.listdir(tmp_path)), sorted(os.listdir("."))) == before
    assert not os.path.exists("pwned")


def test_the_table_has_at_least_thirty_cases():
    assert len(ENTRY_CASES) + len(FILE_CASES) >= 30


def test_the_hook_sees_execution_and_stays_quiet_on_a_normal_check(capsys):
    global _events
    _events = []
    try:
        eval("1 + 1")  # the positive control
    finally:
        seen, _events = _events, None
    assert "exec" in seen or "compile" in seen
    status, _, _, _, events = run_watched(
        ["verify", PROBLEM, "--wrt", "A", "--answer", "examples/answers/homework_5x5_handout.txt"], capsys)
    assert (status, events) == (1, [])


# -- answers about LP pooling may write roots: the same guarantees ---------------------------------
LP_PROBLEM = "examples/lppool_mean.toml"
LP_CASES = {
    "10,000 nested sqrt(": "sqrt(" * 10_000 + "X_00" + ")" * 10_000,
    "10,000 nested \\sqrt{": "\\sqrt{" * 10_000 + "X_00" + "}" * 10_000,
    "import through sqrt": "sqrt(__import__('os'))",
    "other function": "exp(X_00)",
    "root order 0": "X_00^(1/0)",
    "root of a negative number": "(-4)^(1/2)",
    "division by zero": "1/(X_00 - X_00)",
    "power tower with a root": "((((9^8)^8)^8)^8)^(1/2)",
    "huge power under a root": "sqrt((X_00+X_01+X_02+X_03+1)^8 * (X_10+X_11+X_12+X_13+1)^8)",
    "root of a sum with a root": "sqrt(X_00 + sqrt(X_01))",
    "\\sqrt[] with a command": "\\sqrt[\\input{/etc/passwd}]{X_00}",
}


@pytest.mark.parametrize("case", list(LP_CASES))
def test_hostile_entries_with_roots(case, tmp_path, capsys):
    main(["verify", LP_PROBLEM, "--wrt", "X", "--answer", str(tmp_path / "none")])  # warm imports
    capsys.readouterr()
    answer = tmp_path / "answer.txt"
    answer.write_text("\n".join(", ".join([LP_CASES[case]] + ["0"] * 3) for _ in range(4)))
    assert_refused(["verify", LP_PROBLEM, "--wrt", "X", "--answer", str(answer)], tmp_path, capsys)
