"""``symconv solve``, ``shapes``, ``forward`` and ``connect``, including every failing path, and PDFs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from symconv.interface.cli import cli

EXAMPLES = sorted(Path("examples").glob("*.toml"))
# The page budgets for the default PDF (symconv solve EXAMPLE --pdf); the examples it does
# not list get the budget of their kind.
BUDGETS = {
    "cs7643_4x4_stride1": 4, "cs7643_4x4_stride2": 4, "slides_1d": 4, "notes_avgpool_4x4": 4,
    "homework_5x5": 6, "homework_5x5_values": 6, "homework_maxpool": 6, "conv_transpose_upsample": 6,
    "conv3d": 6, "keras_same": 6, "chain_conv_relu_maxpool": 8, "homework_conv_maxpool": 8,
    "recitation_image_16x12": 10, "batch_multichannel": 10,
    # not in the table: as their neighbours
    "chain_conv_relu_maxpool_symbolic": 8, "d2l_kernel2matrix": 4, "lppool_mean": 4,
    "notes_strided_5x5": 6, "slides_2d": 6,  # the homework's sizes, and a bias
}
HAS_TEX = bool(shutil.which("latexmk") or shutil.which("pdflatex"))
HAS_PDFTOPPM = bool(shutil.which("pdftoppm"))
# CI installs the tools (.ci/tex-packages), so there a missing tool fails instead of skipping.
needs_tex = pytest.mark.skipif(not (HAS_TEX and HAS_PDFTOPPM) and not os.environ.get("CI"),
                               reason="needs pdflatex (or latexmk) and pdftoppm: apt-get install"
                                      " texlive-latex-base texlive-latex-recommended poppler-utils")


def run(capsys, *argv):
    code = cli.main(args=list(argv), prog_name="symconv", standalone_mode=False)
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str) -> str:
    lines = err.strip().split("\n")
    assert len(lines) == 1 and lines[0].startswith("symconv: error: "), err
    return lines[0]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_solve_text_fits_a_100_column_terminal(capsys, example):
    code, out, err = run(capsys, "solve", str(example), "--format", "text")
    assert code == 0 and err == ""
    assert max(len(line) for line in out.split("\n")) <= 100
    from symconv import load_problem
    from symconv.problems.matrix import has_matrix

    matrices = any(has_matrix(layer) for layer in load_problem(example).layers)
    checks = " ".join(out.split("\nChecks\n======\n", 1)[1].split())  # one short paragraph
    assert ("and the layer written as one matrix product agree on" if matrices
            else "finite differences agree on") in checks
    assert checks.count(". ") == 0 and checks.endswith(".")


def test_solve_latex_is_a_standalone_document_and_fragment_only_the_body(capsys):
    code, out, _ = run(capsys, "solve", "examples/homework_5x5.toml")
    assert code == 0
    assert out.startswith("\\documentclass") and out.rstrip().endswith("\\end{document}")
    code, out, _ = run(capsys, "solve", "examples/homework_5x5.toml", "--fragment", "--sections", "chain",
                       "--detail", "full")
    assert code == 0 and "documentclass" not in out and "\\begin{document}" not in out
    # 25 entries of ∂E/∂A, then 9 of ∂E/∂B
    assert out.startswith("\\section*{Source and corrections}") and "\\section*{Problem}" in out
    assert "\\tag{34}" in out and "\\tag{35}" not in out


def test_solve_markdown_with_chosen_sections_in_document_order(capsys):
    code, out, _ = run(capsys, "solve", "examples/cs7643_4x4_stride1.toml", "--format", "markdown",
                       "--sections", "dx,shapes")
    assert code == 0 and out.startswith("# CS7643")
    headings = [line for line in out.split("\n") if line.startswith("## ")]
    assert headings == ["## Problem", "## Shapes", "## Gradient with respect to X"]


def test_solve_writes_the_file_given_with_o(capsys, tmp_path):
    target = tmp_path / "solution.md"
    code, out, _ = run(capsys, "solve", "examples/slides_1d.toml", "--format", "markdown", "-o", str(target))
    assert code == 0 and out == ""
    assert target.read_text(encoding="utf-8").startswith("# Slides: 1-D convolution")
    names = sorted(p.name for p in tmp_path.iterdir())  # no temporary file left
    # the pictures beside the document: the receptive fields and the closed form's grid
    assert names == ["solution-figure-1.svg", "solution-figure-2.svg", "solution.md"]
    for name in names[:-1]:
        assert f"]({name})" in target.read_text(encoding="utf-8")
        assert (tmp_path / name).read_text(encoding="utf-8").startswith("<svg xmlns=")


def test_solve_works_from_the_quick_flags(capsys):
    code, out, _ = run(capsys, "solve", "--input", "4x4", "--kernel", "2x2", "--stride", "2",
                       "--format", "text", "--sections", "forward")
    assert code == 0 and "Y_00 = X_00·W_00 + X_01·W_01 + X_10·W_10 + X_11·W_11" in out


def test_shapes_from_quick_flags(capsys):
    code, out, _ = run(capsys, "shapes", "--input", "5x5", "--kernel", "3x3", "--stride", "2",
                       "--padding", "1")
    assert code == 0
    assert "O_H = ⌊(I − K + 2P)/S⌋ + 1 = ⌊(5 − 3 + 2·1)/2⌋ + 1 = 3" in out
    assert "4. What is the shape of ∂L/∂X? 5 × 5, the same as X." in out
    assert "Problem" not in out  # the small commands answer the question only


def test_forward_from_a_problem_file(capsys):
    code, out, _ = run(capsys, "forward", "examples/slides_1d.toml")
    assert code == 0 and "y_2 = x1·w0 + x2·w1 + x3·w2 + b" in out


def test_connect_answers_both_slides_questions(capsys):
    code, out, _ = run(capsys, "connect", "--input", "5x5", "--kernel", "3x3", "--entry", "X:2,2",
                       "--entry", "W:0,1")
    assert code == 0
    assert "Which outputs are connected to X_22" in out and "Which (X, Y) pairs use W_01" in out


def test_connect_counts_in_the_tensors_index_base(capsys):
    code, out, _ = run(capsys, "connect", "examples/homework_5x5.toml", "--entry", "A:1,1")
    assert code == 0 and "A_11 is read by 1 output: C_11." in out


@pytest.mark.parametrize("argv, message", [
    (["solve", "examples/homework_5x5.toml", "--sections", "shapes,grads"],
     "unknown section 'grads'; choose from shapes,forward,dw,dx,db,chain,closed-form,matrix,connect,checks"),
    (["connect", "examples/homework_5x5.toml", "--entry", "A2,2"],
     "'A2,2' is not an entry; write the tensor's name, a colon and the indices, e.g. X:2,2 or W:0,1"),
    (["connect", "examples/homework_5x5.toml", "--entry", "A:6,1"],
     "entry 6,1 is out of range for A (shape [5, 5], indices from 1): axis 0 runs from 1 to 5"),
    (["connect", "examples/homework_5x5.toml", "--entry", "Q:1,1"],
     "no tensor named 'Q' to differentiate; valid names: A, B"),
    (["connect", "examples/slides_1d.toml", "--entry", "b:0"],
     "asks about b, a bias; ask about an input entry (e.g. X:2,2) or a weight entry (e.g. W:0,1)"),
    (["solve", "examples/homework_5x5.toml", "--pdf", "--format", "markdown"],
     "--pdf compiles a whole LaTeX document; leave out --format and --fragment"),
    (["solve", "examples/homework_5x5.toml", "--stride", "2"],
     "--stride only go with a quick question; the problem file already sets them"),
    (["shapes"], "give a problem file, or --input and --kernel"),
    (["solve", "--input", "60x60", "--kernel", "5x5", "--max-terms", "1000"],
     "this problem has 156,800 chain-rule terms, over the limit of 1,000 for a worked solution"),
    (["solve", "examples/homework_5x5.toml", "--format", "pdf"], "Invalid value for '--format'"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert message in one_error_line(err)


def test_unwritable_output_is_one_line_and_exit_2(capsys, tmp_path):
    code, out, err = run(capsys, "solve", "examples/slides_1d.toml", "-o", str(tmp_path / "no" / "x.tex"))
    assert code == 2 and out == ""
    assert "cannot write" in one_error_line(err)


def test_pdf_without_a_tex_engine_says_how_to_install_one(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    target = tmp_path / "out.pdf"
    code, out, err = run(capsys, "solve", "examples/slides_1d.toml", "--pdf", "-o", str(target))
    assert code == 2 and out == "" and not target.exists()
    assert "no TeX engine found (latexmk or pdflatex); install one, e.g. on Debian/Ubuntu: apt-get install" \
        in one_error_line(err)


def page_one_ink(pdf: Path) -> tuple[float, float]:
    """Page 1 rendered by pdftoppm as a grey-scale PGM: the share of dark pixels, and the share of
    pixel rows that have any (text all down the page, not one stray mark)."""
    pgm = subprocess.run(["pdftoppm", "-gray", "-r", "40", "-f", "1", "-l", "1", str(pdf)],
                         capture_output=True, check=True).stdout
    header = pgm.split(b"\n", 3)  # P5, width height, maxval, pixels
    width, height = map(int, header[1].split())
    dark = np.frombuffer(header[3][:width * height], dtype=np.uint8).reshape(height, width) < 128
    return float(dark.mean()), float(dark.any(axis=1).mean())


def test_every_example_has_a_page_budget():
    assert sorted(BUDGETS) == sorted(example.stem for example in EXAMPLES)


@needs_tex
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_compiles_to_a_pdf_within_its_page_budget_whose_first_page_has_ink(capsys, tmp_path,
                                                                                        example):
    target = tmp_path / f"{example.stem}.pdf"
    code, out, err = run(capsys, "solve", str(example), "--pdf", "-o", str(target))
    assert code == 0, err
    assert out.strip() == f"wrote {target}"
    assert target.read_bytes().startswith(b"%PDF")
    ink, rows = page_one_ink(target)
    assert ink > 0.001 and rows > 0.1, (ink, rows)  # a blank page has neither
    info = subprocess.run(["pdfinfo", str(target)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert pages <= BUDGETS[example.stem], f"{example.stem}: {pages} pages"


@needs_tex
def test_a_latex_error_is_one_line_and_no_pdf(tmp_path):
    from symconv.core.errors import SymconvError
    from symconv.files.pdf import compile_pdf

    target = tmp_path / "broken.pdf"
    with pytest.raises(SymconvError, match=r"failed: Undefined control sequence. l\.\d+; no PDF written"):
        compile_pdf("\\documentclass{article}\\begin{document}\\nosuchcommand\\end{document}\n", target)
    assert not target.exists()


@needs_tex
def test_a_full_disk_while_tex_runs_is_one_line_and_exit_2(capsys, tmp_path, monkeypatch):
    """An injected ENOSPC where TeX runs (the temporary folder): was an internal error (issue 19)."""
    import errno
    import tempfile

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(tempfile, "TemporaryDirectory", full)
    code, out, err = run(capsys, "solve", "examples/slides_1d.toml", "--pdf", "-o",
                         str(tmp_path / "x.pdf"))
    assert (code, out) == (2, "") and err == (
        f"symconv: error: cannot compile the PDF in the temporary folder {tempfile.gettempdir()!r}:"
        f" No space left on device; free some space there, or set TMPDIR to a folder with room; no"
        f" PDF written\n")
    assert list(tmp_path.iterdir()) == []


def tiny_disk_available() -> bool:
    """Whether a tmpfs can be mounted in a mount namespace of its own (root, unshare)."""
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=4k tmpfs /mnt"],
                           capture_output=True)
    return probe.returncode == 0


@needs_tex
@pytest.mark.parametrize("size", ["4k", "40k", "120k"])
@pytest.mark.parametrize("full", ["TMPDIR", "the PDF's folder"])
def test_a_real_full_disk_during_pdf_is_one_line_and_exit_2(tmp_path, size, full):
    """A tmpfs of a few kilobytes, mounted in a mount namespace of the test's own (it vanishes
    with the child): full before TeX starts, while TeX writes, or when the PDF is written."""
    import sys

    if not tiny_disk_available():
        pytest.skip("cannot mount a tmpfs here (needs root and unshare)")
    tiny = tmp_path / "tiny"
    tiny.mkdir()
    target = (tiny if full != "TMPDIR" else tmp_path) / "x.pdf"
    script = (f"mount -t tmpfs -o size={size} tmpfs {tiny} && "
              + (f"TMPDIR={tiny} " if full == "TMPDIR" else "")
              + f"{sys.executable} -m symconv solve examples/slides_1d.toml --pdf -o {target}"
              + f"; code=$?; ls -A {tiny}; exit $code")
    done = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PYTHONPATH": os.getcwd()})
    if done.returncode == 0:  # room enough after all: a whole PDF was written
        assert "x.pdf" in done.stdout.split() or full == "TMPDIR"
        return
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done
    if full == "TMPDIR":
        assert done.stderr.startswith(f"symconv: error: cannot compile the PDF in the temporary"
                                      f" folder '{tiny}': No space left on device")
        assert done.stdout == ""  # TeX's own folder removed, nothing left behind
    else:
        assert done.stderr == f"symconv: error: cannot write '{target}': No space left on device\n"
        assert done.stdout == ""  # no half-written PDF, no temporary file beside it
    assert not (tmp_path / "x.pdf").exists()


def readme_solve_commands() -> list[list[str]]:
    """The bash examples of the README's worked-solutions section, as argument lists."""
    import shlex

    readme = Path("README.md").read_text(encoding="utf-8")
    section = readme.split("## Worked solutions", 1)[1]
    block = section.split("```bash\n", 1)[1].split("```", 1)[0]
    return [shlex.split(line, comments=True)[1:] for line in block.strip().split("\n")]


def test_readme_worked_solution_examples_run(capsys, tmp_path):
    commands = readme_solve_commands()
    assert len(commands) == 10
    for argv in commands:
        if "--pdf" in argv and not HAS_TEX:
            continue
        if "-o" in argv:
            argv[argv.index("-o") + 1] = str(tmp_path / argv[argv.index("-o") + 1])
        elif "--pdf" in argv:
            argv += ["-o", str(tmp_path / "out.pdf")]
        code, out, err = run(capsys, *argv)
        assert code == 0 and err == "", (argv, err)


def test_a_title_is_text_for_latex_and_markdown_never_markup(capsys, tmp_path):
    problem = tmp_path / "title.toml"
    problem.write_text('title = "\\\\input{/etc/passwd} & 50% $x$ #1 ☃"\n[input]\nshape = [3, 3]\n'
                       '[[layers]]\ntype = "conv"\n[layers.weight]\nshape = [2, 2]\n', encoding="utf-8")
    code, out, _ = run(capsys, "solve", str(problem), "--sections", "shapes")
    assert code == 0
    assert r"\textbackslash{}input\{/etc/passwd\} \& 50\% \$x\$ \#1 ?" in out
    assert "\\input{" not in out
    code, out, _ = run(capsys, "solve", str(problem), "--sections", "shapes", "--format", "markdown")
    assert out.startswith(r"# \\input{/etc/passwd} & 50% \$x\$ \#1 ☃")
    if HAS_TEX:
        code, out, err = run(capsys, "solve", str(problem), "--pdf", "-o", str(tmp_path / "t.pdf"))
        assert code == 0, err


@needs_tex
def test_pdf_goes_next_to_the_working_directory_by_default(capsys, tmp_path, monkeypatch):
    example = Path("examples/slides_1d.toml").resolve()
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "solve", str(example), "--pdf")
    assert code == 0, err
    assert out.strip() == "wrote slides_1d.pdf" and (tmp_path / "slides_1d.pdf").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["slides_1d.pdf"]  # no aux files left


def test_long_sums_and_lists_are_cut_short_and_say_how_long_they_are(capsys):
    # ∂L/∂W_00 of a 40×40 input and a 2×2 kernel sums 39² = 1521 terms; w_01 joins 1521 pairs
    code, out, _ = run(capsys, "solve", "--input", "40x40", "--kernel", "2x2", "--format", "text",
                       "--sections", "chain,connect", "--detail", "full")
    assert code == 0
    assert "+ ⋯ (1521 terms in all)" in out
    assert "W_01 is used by 1521 pairs: (X_{0,1}, Y_{0,0}), " in out and " and 1489 more." in out
    assert max(len(line) for line in out.split("\n")) <= 100


def test_a_chain_gets_a_worked_section_for_every_layer_from_the_loss_back(capsys):
    code, out, _ = run(capsys, "solve", "examples/chain_conv_relu_maxpool_symbolic.toml", "--format", "text",
                       "--sections", "dw,dx")
    assert code == 0
    headings = re.findall(r"^Gradient with respect to .*$", out, re.M)
    assert headings == ["Gradient with respect to Y2 (layer 3: Y2 → Y3)",
                        "Gradient with respect to Y1 (layer 2: Y1 → Y2)",
                        "Gradient with respect to w (layer 1: X → Y1)",
                        "Gradient with respect to X (layer 1: X → Y1)"]
    assert max(len(line) for line in out.split("\n")) <= 100


def test_importing_symconv_leaves_the_worked_solution_modules_unloaded():
    import sys

    code = ("import sys, symconv; from symconv.interface.cli import cli; "
            "assert not [m for m in sys.modules if m.startswith(('symconv.solutions.solution', 'symconv.render.l'))]; "
            "assert symconv.build_solution.__module__ == 'symconv.solutions.solution'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[1])


def test_pooling_with_channels_padding_and_long_windows_stays_within_100_columns(capsys, tmp_path):
    # 2 channels, ReLU, 3×3 average pooling with padding (windows of 4, 6 and 9 entries), then LP
    # pooling with p = 1 (the mean, no root): sums too long for one line break at their +
    problem = tmp_path / "mix.toml"
    problem.write_text('[input]\nshape = [2, 4, 4]\n[[layers]]\ntype = "relu"\n[[layers]]\n'
                       'type = "avgpool"\nkernel_size = 3\nstride = 1\npadding = 1\n[[layers]]\n'
                       'type = "lppool"\nkernel_size = 2\np = 1\nnormalize = "mean"\n')
    for output_format in ("text", "markdown", "latex"):
        code, out, err = run(capsys, "solve", str(problem), "--format", output_format)
        assert code == 0, err
    code, out, _ = run(capsys, "solve", str(problem), "--format", "text")
    assert max(len(line) for line in out.split("\n")) <= 100
    assert "  Y2_{0,0,0} = 1/9·(Y1_{0,0,0} + Y1_{0,0,1} + Y1_{0,1,0} + Y1_{0,1,1})" in out
    assert "  Y3_{0,0,0} = (Y2_{0,0,0} + Y2_{0,0,1} + Y2_{0,1,0} + Y2_{0,1,1})/4" in out
