"""Compiling a LaTeX solution to PDF with ``latexmk`` or ``pdflatex``, whichever is installed.

The source is compiled in a fresh temporary directory (auxiliary files never land next to the
user's files) and the PDF is written into place (by :mod:`symconv.files.output`) only when the
compilation succeeded, so a failed run leaves nothing half-written.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..core.errors import SymconvError
from .output import OutputTarget, display_path

INSTALL_HINT = ("no TeX engine found (latexmk or pdflatex); install one, e.g. on Debian/Ubuntu:"
                " apt-get install --no-install-recommends texlive-latex-base texlive-latex-recommended")
TIMEOUT_SECONDS = 120
ROOM = 2**20  # bytes free below which a failed TeX run is taken for a full disk


def tex_command(source: str) -> list[str]:
    """The command that compiles ``source`` (a file name in the working directory)."""
    if shutil.which("latexmk"):
        return ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "-quiet", source]
    if shutil.which("pdflatex"):
        return ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", source]
    raise SymconvError(INSTALL_HINT)


def first_error(log: str) -> str:
    """The first ``! ...`` line of a TeX log, with the line number that follows it ("" if none)."""
    lines = log.splitlines()
    for number, line in enumerate(lines):
        if line.startswith("!"):
            where = next((l.split(" ", 1)[0] for l in lines[number + 1:number + 8] if l.startswith("l.")), "")
            return f"{line[1:].strip()} {where}".strip()
    return ""


def no_room(reason: str) -> SymconvError:
    """The disk of the temporary folder (where TeX runs) is full, or cannot be written."""
    return SymconvError(f"cannot compile the PDF in the temporary folder"
                        f" {display_path(tempfile.gettempdir())!r}: {reason}; free some space there,"
                        f" or set TMPDIR to a folder with room; no PDF written")


def compile_pdf(latex: str, destination: str | os.PathLike | OutputTarget, *,
                force: bool = False) -> Path:
    """Compile a standalone LaTeX document and write the PDF to ``destination`` (an existing file
    is replaced only with ``force``; see :mod:`symconv.files.output`)."""
    command = tex_command("solution.tex")
    target = (destination if isinstance(destination, OutputTarget)
              else OutputTarget.check(destination, force=force))
    try:
        with tempfile.TemporaryDirectory(prefix="symconv-") as work:
            Path(work, "solution.tex").write_text(latex, encoding="utf-8")
            runs = 1 if command[0] == "latexmk" else 2  # pdflatex twice settles references
            for _ in range(runs):
                run_tex(command, work)
            target.write_bytes(Path(work, "solution.pdf").read_bytes())
    except OSError as error:  # a full disk where TeX runs
        raise no_room(error.strerror or type(error).__name__) from None
    return Path(target.name)


def run_tex(command: list[str], work: str) -> None:
    """One TeX run; a failure is one line: TeX's first error (its log's, else its output's)."""
    try:
        result = subprocess.run(command, cwd=work, capture_output=True, text=True,
                                errors="replace", timeout=TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        raise SymconvError(f"{command[0]} took longer than {TIMEOUT_SECONDS} s; no PDF"
                           " written") from None
    if result.returncode == 0:
        return
    log_path = Path(work, "solution.log")
    log = log_path.read_text(errors="replace") if log_path.exists() else ""
    reason = first_error(log) or first_error(result.stdout)  # a full disk cuts the log short
    if "No space left on device" in result.stdout or shutil.disk_usage(work).free < ROOM:
        raise no_room(os.strerror(errno.ENOSPC))  # TeX says "fwrite() failed", or nothing
    raise SymconvError(f"{command[0]} failed: {reason or f'exit status {result.returncode}'}; no"
                       f" PDF written")
