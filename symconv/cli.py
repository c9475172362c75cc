"""The ``symconv`` command: parses options, calls the library, prints.

Errors the user can fix are one line on stderr and exit status 2; nothing is printed on stdout then.
"""

from __future__ import annotations

import json
import re
import sys

import click

from . import __version__
from .errors import SymconvError


class ShapeType(click.ParamType):
    """``5x5`` (2-D) or ``7`` (1-D)."""

    name = "shape"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        if not re.fullmatch(r"\d{1,6}(x\d{1,6})?", value.strip()):
            self.fail(f"{value!r} is not a shape; write e.g. 5x5 (2-D) or 7 (1-D)", param, ctx)
        numbers = tuple(int(n) for n in value.strip().split("x"))
        if min(numbers) < 1:
            self.fail(f"{value!r} has a zero size; write e.g. 5x5", param, ctx)
        return numbers


class NumbersType(click.ParamType):
    """``2`` or ``2,1``: one number, or one per axis."""

    name = "numbers"

    def __init__(self, example: str):
        self.example = example

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        if not re.fullmatch(r"\s*-?\d{1,6}(\s*,\s*-?\d{1,6})*\s*", value):
            self.fail(f"{value!r} is not a list of whole numbers; write e.g. {self.example}", param, ctx)
        return tuple(int(n) for n in value.split(","))


def per_axis(values: tuple[int, ...]):
    return values[0] if len(values) == 1 else values


def load(problem_path, quick: dict):
    """The problem from a file, or from the quick flags (--input/--kernel/...)."""
    from .problem import quick_problem
    from .problem_file import load_problem

    if problem_path is not None:
        given = [f"--{k}" for k, v in quick.items() if v is not None]
        if given:
            raise SymconvError(f"{', '.join(given)} only go with a quick question; the problem file"
                               f" already sets them")
        return load_problem(problem_path)
    if quick["input"] is None or quick["kernel"] is None:
        raise SymconvError("give a problem file, or --input and --kernel, e.g."
                           " symconv grad --input 4x4 --kernel 2x2 --wrt X")
    return quick_problem(quick["input"], quick["kernel"], stride=per_axis(quick["stride"] or (1,)),
                         padding=per_axis(quick["padding"] or (0,)),
                         dilation=per_axis(quick["dilation"] or (1,)))


def quick_options(command):
    for option in reversed([
        click.option("--input", "input_shape", type=ShapeType(), help="Input size, e.g. 4x4 (or 7 for 1-D)."),
        click.option("--kernel", type=ShapeType(), help="Kernel size, e.g. 2x2 (or 3 for 1-D)."),
        click.option("--stride", type=NumbersType("2 or 2,1"), help="Stride, one value or one per axis."),
        click.option("--padding", type=NumbersType("1 or 1,0"), help="Zero padding, likewise."),
        click.option("--dilation", type=NumbersType("2 or 2,1"), help="Dilation, likewise."),
    ]):
        command = option(command)
    return command


max_terms_option = click.option(
    "--max-terms", type=click.IntRange(min=1), default=None,
    help="Refuse problems with more chain-rule terms than this (default 5,000,000).")


class SymconvGroup(click.Group):
    """Every error a user can fix becomes one line on stderr and exit status 2, also for click's
    own usage errors (which would otherwise print the usage block first)."""

    def main(self, args=None, prog_name=None, standalone_mode=True, **extra):
        try:
            result = super().main(args, prog_name, standalone_mode=False, **extra)
            code = result if isinstance(result, int) else 0
        except SymconvError as error:
            click.echo(f"symconv: error: {error}", err=True)
            code = 2
        except click.ClickException as error:
            click.echo(f"symconv: error: {error.format_message()} (see symconv --help)", err=True)
            code = 2
        except click.Abort:
            click.echo("symconv: aborted", err=True)
            code = 1
        if standalone_mode:
            sys.exit(code)
        return code


@click.group(cls=SymconvGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="symconv")
def cli():
    """Chain-rule derivations of convolution-layer gradients.

    \b
    Examples:
      symconv grad examples/cs7643_4x4_stride1.toml --wrt X
      symconv grad --input 4x4 --kernel 2x2 --wrt X --entry 0,1
      symconv check examples/homework_5x5.toml
      symconv solve examples/homework_5x5.toml --pdf
      symconv shapes --input 5x5 --kernel 3x3 --stride 2 --padding 1
      symconv verify examples/homework_5x5_values.toml --wrt A --answer answer.txt
      symconv grade examples/homework_5x5_values.toml --wrt A submissions/ --csv grades.csv
    """


@cli.command()
@click.argument("problem", required=False, type=click.Path(dir_okay=False))
@click.option("--wrt", required=True, help="The tensor to differentiate by: input, weight or bias name.")
@click.option("--entry", type=NumbersType("0,1"), help="Only this entry, in the tensor's index base.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--expand", is_flag=True,
              help="In a chain, also write each entry in terms of the last layer's upstream gradient.")
@quick_options
@max_terms_option
def grad(problem, wrt, entry, output_format, expand, input_shape, kernel, stride, padding, dilation,
         max_terms):
    """Every entry of ∂L/∂NAME, as its chain rule and its value."""
    from .derivation import DEFAULT_MAX_TERMS, derive
    from .render import render_text, write_gradient_json, write_gradient_text
    from .tensors import flat_from_display

    problem = load(problem, {"input": input_shape, "kernel": kernel, "stride": stride,
                             "padding": padding, "dilation": dilation})
    derivation = derive(problem, max_terms=max_terms or DEFAULT_MAX_TERMS)
    gradient = derivation.gradient(problem.tensor(wrt).name)
    flats = range(gradient.wrt.size) if entry is None else [flat_from_display(gradient.wrt, entry)]
    notes = derivation.notes_for(gradient.wrt)

    def write(text: str) -> None:
        click.echo(text, nl=False)

    if output_format == "json":
        write_gradient_json(gradient, flats, notes, write, expand=expand)
        return
    write_gradient_text(gradient, flats, write, expand=expand)
    for note in notes:
        click.echo(render_text(note, problem.loss), err=True)


@cli.command()
@click.argument("problem", type=click.Path(dir_okay=False))
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the random values.")
@max_terms_option
@click.pass_context
def check(ctx, problem, seed, max_terms):
    """Compare the chain rule, the closed form and NumPy (with finite differences)."""
    from .checks import check as run_check
    from .derivation import DEFAULT_MAX_TERMS, derive
    from .problem_file import load_problem
    from .render import render_text

    loaded = load_problem(problem)
    report = run_check(loaded, seed=seed, derivation=derive(loaded, max_terms=max_terms or DEFAULT_MAX_TERMS))
    click.echo(render_text(report, loaded.loss))
    ctx.exit(0 if report.ok else 1)


# -- worked solutions ----------------------------------------------------------------------------
class EntryType(click.ParamType):
    """``X:2,2`` or ``W:0,1``: a tensor name and an entry in its index base."""

    name = "entry"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        found = re.fullmatch(r"\s*([A-Za-z][A-Za-z0-9]{0,15})\s*:\s*(\d{1,6}(\s*,\s*\d{1,6})*)\s*", value)
        if not found:
            self.fail(f"{value!r} is not an entry; write the tensor's name, a colon and the"
                      " indices, e.g. X:2,2 or W:0,1", param, ctx)
        return found.group(1), tuple(int(n) for n in found.group(2).split(","))


sections_option = click.option(
    "--sections", help="Comma-separated sections (default: all): shapes, forward, dw, dx, db, chain,"
                       " closed-form, connect, checks.")
output_option = click.option("-o", "--output", type=click.Path(dir_okay=False),
                             help="Write to FILE instead of standard output.")


def document_format_option(default: str):
    return click.option("--format", "output_format", type=click.Choice(["latex", "markdown", "text"]),
                        default=default, show_default=True)


def write_output(text: str, output) -> None:
    """To standard output, or to a file that appears only once it is complete."""
    if output is None:
        click.echo(text, nl=False)
        return
    import os
    import tempfile

    directory = os.path.dirname(os.path.abspath(output))
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".symconv-", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, output)
    except OSError as error:
        raise SymconvError(f"cannot write {output!r}: {error.strerror}") from None


def document(problem, quick, sections, output_format, *, connect=(), statement=True, fragment=False,
             max_terms=None) -> tuple:
    """Load the problem, build the solution's sections and render them: (problem, text)."""
    from .render.solve import render_solution
    from .solution import MAX_SOLUTION_TERMS, SECTION_NAMES, build_solution, parse_sections
    from .tensors import flat_from_display
    from .poly import Symbol

    loaded = load(problem, quick)
    entries = []
    for name, numbers in connect:
        tensor = loaded.tensor(name)
        if tensor.role == "bias":  # every output of its filter reads it: nothing to point at
            raise SymconvError(f"--entry {name}:… asks about {name}, a bias; ask about an"
                               " input entry (e.g. X:2,2) or a weight entry (e.g. W:0,1)")
        entries.append(Symbol(tensor, flat_from_display(tensor, numbers)))
    chosen = parse_sections(sections) if isinstance(sections, str) else (sections or SECTION_NAMES)
    solution = build_solution(loaded, chosen, connect=entries or None,
                              max_terms=max_terms or MAX_SOLUTION_TERMS)
    return loaded, render_solution(solution, output_format, fragment=fragment, statement=statement)


def quick_dict(input_shape, kernel, stride, padding, dilation) -> dict:
    return {"input": input_shape, "kernel": kernel, "stride": stride, "padding": padding,
            "dilation": dilation}


@cli.command()
@click.argument("problem", required=False, type=click.Path(dir_okay=False))
@document_format_option("latex")
@sections_option
@output_option
@click.option("--pdf", is_flag=True, help="Compile the LaTeX to PDF (latexmk or pdflatex); the PDF"
                                          " goes to -o FILE, else PROBLEM.pdf here.")
@click.option("--fragment", is_flag=True, help="LaTeX body only, to \\input into your own document.")
@quick_options
@click.option("--max-terms", type=click.IntRange(min=1), default=None,
              help="Refuse worked solutions with more chain-rule terms than this (default 200,000).")
def solve(problem, output_format, sections, output, pdf, fragment, input_shape, kernel, stride,
          padding, dilation, max_terms):
    """A worked solution: shapes, forward pass, gradients, chain rule, closed form, checks."""
    if pdf and (output_format != "latex" or fragment):
        raise SymconvError("--pdf compiles a whole LaTeX document; leave out --format and --fragment")
    if pdf:
        from .pdf import tex_command

        tex_command("solution.tex")  # says how to install TeX before any work is done
    _, text = document(problem, quick_dict(input_shape, kernel, stride, padding, dilation),
                       sections, output_format, fragment=fragment, max_terms=max_terms)
    if not pdf:
        write_output(text, output)
        return
    from pathlib import Path

    from .pdf import compile_pdf

    target = output or (Path(problem).stem + ".pdf" if problem else "solution.pdf")
    click.echo(f"wrote {compile_pdf(text, target)}")


def one_section_command(name: str, section: str, summary: str):
    """A command that prints one section of the worked solution (text by default)."""

    def command(problem, output_format, output, input_shape, kernel, stride, padding, dilation):
        _, text = document(problem, quick_dict(input_shape, kernel, stride, padding, dilation),
                           (section,), output_format, statement=False)
        write_output(text, output)

    command.__doc__ = summary
    for decorator in reversed([cli.command(name), click.argument("problem", required=False,
                                                                 type=click.Path(dir_okay=False)),
                               document_format_option("text"), output_option, quick_options]):
        command = decorator(command)
    return command


shapes = one_section_command("shapes", "shapes", "Output size formula with the numbers, and the"
                                                 " shapes of Y, ∂L/∂Y, ∂L/∂W and ∂L/∂X.")
forward = one_section_command("forward", "forward", "Every receptive field ⊙ the kernel, and every"
                                                    " output written out.")


@cli.command()
@click.argument("problem", required=False, type=click.Path(dir_okay=False))
@click.option("--entry", "entries", type=EntryType(), multiple=True,
              help="NAME:I,J in the tensor's index base, e.g. X:2,2 (which outputs read x_22) or"
                   " W:0,1 (which (x, y) pairs use w_01); may be repeated.")
@document_format_option("text")
@output_option
@quick_options
def connect(problem, entries, output_format, output, input_shape, kernel, stride, padding, dilation):
    """Which outputs an input entry feeds, or which (x, y) pairs a weight entry joins."""
    _, text = document(problem, quick_dict(input_shape, kernel, stride, padding, dilation),
                       ("connect",), output_format, connect=entries, statement=False)
    write_output(text, output)


tolerance_options = [
    click.option("--rtol", type=click.FloatRange(min=0), default=None,
                 help="Relative tolerance for answers written with decimals (default 1e-3)."),
    click.option("--atol", type=click.FloatRange(min=0), default=None,
                 help="Absolute tolerance for answers written with decimals (default 1e-6)."),
]


def answer_key(problem_path, wrt, rtol, atol, max_terms):
    """The answer key for ∂L/∂wrt of a problem file, with the tolerance options applied."""
    from .answers import AnswerKey, Tolerance
    from .derivation import DEFAULT_MAX_TERMS, derive
    from .problem_file import load_problem

    problem = load_problem(problem_path)
    defaults = Tolerance()
    tolerance = Tolerance(defaults.rtol if rtol is None else rtol, defaults.atol if atol is None else atol)
    return AnswerKey(problem, wrt, tolerance=tolerance,
                     derivation=derive(problem, max_terms=max_terms or DEFAULT_MAX_TERMS))


def with_options(options):
    def apply(command):
        for option in reversed(options):
            command = option(command)
        return command
    return apply


@cli.command()
@click.argument("problem", type=click.Path(dir_okay=False))
@click.option("--wrt", required=True, help="The tensor the answer is the gradient of, e.g. A.")
@click.option("--answer", required=True, help="The answer file (grid, JSON, LaTeX or Markdown), or - for stdin.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@with_options(tolerance_options)
@max_terms_option
def verify(problem, wrt, answer, output_format, rtol, atol, max_terms):
    """Check a student's ∂L/∂NAME entry by entry: exit 0 all right, 1 some wrong, 2 unreadable."""
    from .render.verdict import render_verdict, verdict_json

    verdict = answer_key(problem, wrt, rtol, atol, max_terms).check_file(answer)
    if output_format == "json":
        click.echo(json.dumps(verdict_json(verdict), indent=1))
    else:
        click.echo(render_verdict(verdict))
    return 0 if verdict.ok else 1


@cli.command()
@click.argument("problem", type=click.Path(dir_okay=False))
@click.argument("submissions", nargs=-1, required=True)
@click.option("--wrt", required=True, help="The tensor the answers are the gradient of, e.g. A.")
@click.option("--csv", "csv_path", required=True, help="Where to write one row per submission.")
@click.option("--force", is_flag=True, help="Replace the CSV file if it exists.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=2.0, show_default=True,
              help="Seconds one submission may take before it is skipped.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Worker processes (default: one per core).")
@with_options(tolerance_options)
@max_terms_option
def grade(problem, submissions, wrt, csv_path, force, timeout, workers, rtol, atol, max_terms):
    """Check every submission (files or folders) and write a CSV: file, valid, correct, total,
    score, diagnosis, first error."""
    from .answers.grade import grade as grade_all
    from .render.verdict import VerdictPrinter

    key = answer_key(problem, wrt, rtol, atol, max_terms)
    bar = None

    def progress(done, total):
        nonlocal bar
        if bar is None and sys.stderr.isatty():
            bar = click.progressbar(length=total, label="grading", file=sys.stderr)
        if bar is not None:
            bar.update(done - bar.pos)

    try:
        report = grade_all(key, list(submissions), csv_path=csv_path, force=force, workers=workers,
                           timeout=timeout, progress=progress)
    finally:
        if bar is not None:
            bar.render_finish()
    click.echo(VerdictPrinter(key.problem.loss).doprint(report.summary))
    click.echo(f"wrote {csv_path}")
    return 0


def main(argv=None):
    """Run the CLI (the ``symconv`` console script); exits with the command's status."""
    cli.main(args=argv, prog_name="symconv")


if __name__ == "__main__":
    main()
