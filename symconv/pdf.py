"""Compiling a LaTeX solution to PDF with ``latexmk`` or ``pdflatex``, whichever is installed.

The source is compiled in a fresh temporary directory (auxiliary files never land next to the
user's files) and the PDF is written into place (by :mod:`symconv.output`) only when the
compilation succeeded, so a failed run leaves nothing half-written.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import SymconvError
from .output import OutputTarget

INSTALL_HINT = ("no TeX engine found (latexmk or pdflatex); install one, e.g. on Debian/Ubuntu:"
                " apt-get install --no-install-recommends texlive-latex-base texlive-latex-recommended")
TIMEOUT_SECONDS = 120


def tex_command(source: str) -> list[str]:
    """The command that compiles ``source`` (a file name in the working directory)."""
    if shutil.which("latexmk"):
        return ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "-quiet", source]
    if shutil.which("pdflatex"):
        return ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", source]
    raise SymconvError(INSTALL_HINT)


def first_error(log: str) -> str:
    """The first ``! ...`` line of a TeX log, with the line number that follows it."""
    lines = log.splitlines()
    for number, line in enumerate(lines):
        if line.startswith("!"):
            where = next((l.split(" ", 1)[0] for l in lines[number + 1:number + 8] if l.startswith("l.")), "")
            return f"{line[1:].strip()} {where}".strip()
    return "see the TeX log"


def compile_pdf(latex: str, destination: str | os.PathLike | OutputTarget, *,
                force: bool = False) -> Path:
    """Compile a standalone LaTeX document and write the PDF to ``destination`` (an existing file
    is replaced only with ``force``; see :mod:`symconv.output`)."""
    command = tex_command("solution.tex")
    target = (destination if isinstance(destination, OutputTarget)
              else OutputTarget.check(destination, force=force))
    with tempfile.TemporaryDirectory(prefix="symconv-") as work:
        Path(work, "solution.tex").write_text(latex, encoding="utf-8")
        runs = 1 if command[0] == "latexmk" else 2  # pdflatex twice settles references
        for _ in range(runs):
            try:
                result = subprocess.run(command, cwd=work, capture_output=True, text=True,
                                        errors="replace", timeout=TIMEOUT_SECONDS, check=False)
            except subprocess.TimeoutExpired:
                raise SymconvError(f"{command[0]} took longer than {TIMEOUT_SECONDS} s; no PDF"
                                   " written") from None
            if result.returncode != 0:
                log_path = Path(work, "solution.log")
                log = log_path.read_text(errors="replace") if log_path.exists() else result.stdout
                raise SymconvError(f"{command[0]} failed: {first_error(log)}; no PDF written")
        target.write_bytes(Path(work, "solution.pdf").read_bytes())
    return Path(target.name)
