"""The ``symconv`` command: parses options, calls the library, prints.

Errors the user can fix are one line on stderr and exit status 2; nothing is printed on stdout then.
"""

from __future__ import annotations

import gc
import json
import math
import os
import re
import sys

from collections.abc import Callable, Iterator, MutableMapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from ..version import __version__
from ..core.errors import SymconvError
from ..files.output import BrokenPipe, OutputTarget, display_path, silence_stdout, write_stdout

if TYPE_CHECKING:
    from ..answers import AnswerKey
    from ..problems.problem import Problem


class ShapeType(click.ParamType):
    """``5x5`` (2-D), ``7`` (1-D) or ``4x4x4`` (3-D)."""

    name = "shape"

    def convert(self, value: str | tuple[int, ...], param: click.Parameter | None,
                ctx: click.Context | None) -> tuple[int, ...]:
        if isinstance(value, tuple):
            return value
        if not re.fullmatch(r"\d{1,6}(x\d{1,6}){0,2}", value.strip()):
            self.fail(f"{value!r} is not a shape; write e.g. 5x5 (2-D), 7 (1-D) or 4x4x4 (3-D)",
                      param, ctx)
        numbers = tuple(int(n) for n in value.strip().split("x"))
        if min(numbers) < 1:
            self.fail(f"{value!r} has a zero size; write e.g. 5x5", param, ctx)
        return numbers


class NumbersType(click.ParamType):
    """``2`` or ``2,1``: one number, or one per axis."""

    name = "numbers"

    def __init__(self, example: str) -> None:
        self.example = example

    def convert(self, value: str | tuple[int, ...], param: click.Parameter | None,
                ctx: click.Context | None) -> tuple[int, ...]:
        if isinstance(value, tuple):
            return value
        if not re.fullmatch(r"\s*-?\d{1,6}(\s*,\s*-?\d{1,6})*\s*", value):
            self.fail(f"{value!r} is not a list of whole numbers; write e.g. {self.example}", param, ctx)
        return tuple(int(n) for n in value.split(","))


def one_or_per_axis(values: tuple[int, ...]) -> int | tuple[int, ...]:
    """``--stride 2`` as 2 (every axis), ``--stride 2,1`` as (2, 1)."""
    return values[0] if len(values) == 1 else values


def load(problem_path: str | None, quick: dict[str, tuple[int, ...] | None],
         max_terms: int | None = None) -> Problem:
    """The problem from a file, or from the quick flags (--input/--kernel/...); tensors bigger
    than the entry budget (5,000,000, or --max-terms when it is larger) are refused before they
    are built."""
    budget = entry_budget(max_terms)
    from ..problems.problem import quick_problem
    from ..files.problem_file import load_problem

    if problem_path is not None:
        given = [f"--{k}" for k, v in quick.items() if v is not None]
        if given:
            raise SymconvError(f"{', '.join(given)} only go with a quick question; the problem file"
                               f" already sets them")
        return load_problem(problem_path, max_entries=budget)
    if quick["input"] is None or quick["kernel"] is None:
        raise SymconvError("give a problem file, or --input and --kernel, e.g."
                           " symconv grad --input 4x4 --kernel 2x2 --wrt X")
    return quick_problem(quick["input"], quick["kernel"],
                         stride=one_or_per_axis(quick["stride"] or (1,)),
                         padding=one_or_per_axis(quick["padding"] or (0,)),
                         dilation=one_or_per_axis(quick["dilation"] or (1,)), max_entries=budget)


def entry_budget(max_terms: int | None) -> int:
    """How many entries a tensor (or an array behind one) may have: a lower --max-terms limits
    the chain rule's terms, a higher one raises both."""
    from ..engine.derivation import DEFAULT_MAX_TERMS

    return max(max_terms or 0, DEFAULT_MAX_TERMS)


# Any: click's decorators take a function or a command and return either
def options(*decorators: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """One decorator applying ``decorators`` as if they were stacked in this order (the first on
    top): an option group is used like a single option."""
    def apply(command: Any) -> Any:
        for decorator in reversed(decorators):
            command = decorator(command)
        return command
    return apply


quick_options = options(
    click.option("--input", "input_shape", type=ShapeType(), help="Input size, e.g. 4x4 (or 7 for 1-D)."),
    click.option("--kernel", type=ShapeType(), help="Kernel size, e.g. 2x2 (or 3 for 1-D)."),
    click.option("--stride", type=NumbersType("2 or 2,1"), help="Stride, one value or one per axis."),
    click.option("--padding", type=NumbersType("1 or 1,0"), help="Zero padding, likewise."),
    click.option("--dilation", type=NumbersType("2 or 2,1"), help="Dilation, likewise."))
max_terms_option = click.option(
    "--max-terms", type=click.IntRange(min=1), default=None,
    help="Refuse problems with more chain-rule terms than this (default 5,000,000; 200,000 for a"
         " worked solution).")
force_option = click.option(
    "--force", is_flag=True,
    help="Replace what is there: an output file, or what symconv wrote in an output folder before"
         " (never anything else).")


INTERNAL_ERROR = 3
INTERRUPTED = 130  # 128 + SIGINT, as a shell reports it
BROKEN_PIPE = 141  # 128 + SIGPIPE


class SymconvGroup(click.Group):
    """Every error a user can fix becomes one line on stderr and exit status 2, also for click's
    own usage errors (which would otherwise print the usage block first); anything unexpected is
    one line naming it as an internal error, exit status 3, so a crash never looks like a verdict
    (0 right, 1 wrong, 2 unreadable)."""

    # click's main is overloaded on standalone_mode and takes complete_var positionally; this one
    # is only called with names
    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,  # type: ignore[override]
             standalone_mode: bool = True, **extra: Any) -> int:
        args = sys.argv[1:] if args is None else list(args)
        try:
            code = self._run(args, prog_name or "symconv", extra)
        except SymconvError as error:
            code = complain(f"symconv: error: {error}", 2)
        except click.ClickException as error:
            code = complain(f"symconv: error: {error.format_message()} (see symconv --help)", 2)
        except BrokenPipe:
            silence_stdout()
            code = BROKEN_PIPE
        except (KeyboardInterrupt, click.Abort):
            code = complain("symconv: interrupted", INTERRUPTED)
        except Exception as error:  # a bug: say so, never a traceback that looks like a verdict
            message = " ".join(str(error).split())[:300]
            code = complain(f"symconv: internal error: {type(error).__name__}: {message} (please"
                            f" report this)", INTERNAL_ERROR)
        if standalone_mode:
            sys.exit(code)
        return code

    def _run(self, args: list[str], prog_name: str, extra: dict[str, Any]) -> int:
        if not args:
            raise SymconvError(f"no command given; commands: {', '.join(sorted(self.commands))}"
                               f" (e.g. symconv grad examples/cs7643_4x4_stride1.toml --wrt X;"
                               f" symconv --help for more)")
        try:
            with self.make_context(prog_name, args, **extra) as ctx:
                result = self.invoke(ctx)
        except click.exceptions.Exit as done:  # --help, --version, ctx.exit(n)
            return done.exit_code
        return result if isinstance(result, int) else 0


def complain(line: str, code: int) -> int:
    """One line on stderr (if there is a stderr to write to); returns the exit status."""
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass
    return code


def say(text: str = "") -> None:
    """A line on standard output, flushed (write errors become one line, see .output)."""
    write_stdout(text + "\n")


@click.group(cls=SymconvGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="symconv")
def cli() -> None:
    """Chain-rule derivations of convolution-layer gradients.

    \b
    Examples:
      symconv grad examples/cs7643_4x4_stride1.toml --wrt X
      symconv grad --input 4x4 --kernel 2x2 --wrt X --entry 0,1
      symconv check examples/homework_5x5.toml
      symconv solve examples/homework_5x5.toml --pdf
      symconv shapes --input 5x5 --kernel 3x3 --stride 2 --padding 1
      symconv verify examples/homework_5x5_values.toml --wrt A --answer answer.txt
      symconv practice examples/homework_5x5_values.toml --wrt A -o practice.html
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
def grad(problem: str | None, wrt: str, entry: tuple[int, ...] | None, output_format: str,
         expand: bool, input_shape: tuple[int, ...] | None, kernel: tuple[int, ...] | None,
         stride: tuple[int, ...] | None, padding: tuple[int, ...] | None,
         dilation: tuple[int, ...] | None, max_terms: int | None) -> None:
    """Every entry of ∂L/∂NAME, as its chain rule and its value."""
    from ..engine.derivation import DEFAULT_MAX_TERMS, derive
    from ..render import render_text, write_gradient_json, write_gradient_text
    from ..core.tensors import flat_from_display

    loaded = load(problem, {"input": input_shape, "kernel": kernel, "stride": stride,
                            "padding": padding, "dilation": dilation}, max_terms)
    # One entry of a problem over the limit counts only its own terms: any entry of any size
    # answers. Within the limit it is written as the whole gradient writes it.
    limit = max_terms or DEFAULT_MAX_TERMS
    derivation = derive(loaded, max_terms=limit, whole=entry is None or loaded.term_count() <= limit)
    tensor = loaded.tensor(wrt)
    flats = range(tensor.size) if entry is None else [flat_from_display(tensor, entry)]
    gradient = derivation.gradient(tensor.name, None if entry is None else flats)
    notes = derivation.notes_for(gradient.wrt)
    if output_format == "json":
        write_gradient_json(gradient, flats, notes, write_stdout, expand=expand)
        return
    write_gradient_text(gradient, flats, write_stdout, expand=expand)
    for note in notes:
        click.echo(render_text(note, loaded.loss), err=True)


@cli.command()
@click.argument("problem", type=click.Path(dir_okay=False))
@click.option("--seed", type=click.IntRange(0, 2**32 - 1), default=0, show_default=True,
              help="Seed of the random values (0 to 2^32 - 1).")
@max_terms_option
@click.pass_context
def check(ctx: click.Context, problem: str, seed: int, max_terms: int | None) -> None:
    """Compare the chain rule, the closed form and NumPy (with finite differences)."""
    from ..problems.checks import check as run_check
    from ..engine.derivation import DEFAULT_MAX_TERMS, derive
    from ..files.problem_file import load_problem
    from ..render import render_text

    loaded = load_problem(problem, max_entries=entry_budget(max_terms))
    report = run_check(loaded, seed=seed, derivation=derive(loaded, max_terms=max_terms or DEFAULT_MAX_TERMS))
    say(render_text(report, loaded.loss))
    ctx.exit(0 if report.ok else 1)


# -- worked solutions ----------------------------------------------------------------------------
class EntryType(click.ParamType):
    """``X:2,2`` or ``W:0,1``: a tensor name and an entry in its index base."""

    name = "entry"

    def convert(self, value: str | tuple[str, tuple[int, ...]], param: click.Parameter | None,
                ctx: click.Context | None) -> tuple[str, tuple[int, ...]]:
        if isinstance(value, tuple):
            return value
        found = re.fullmatch(r"\s*([A-Za-z][A-Za-z0-9]{0,15})\s*:\s*(\d{1,6}(\s*,\s*\d{1,6})*)\s*", value)
        if not found:
            self.fail(f"{value!r} is not an entry; write the tensor's name, a colon and the"
                      " indices, e.g. X:2,2 or W:0,1", param, ctx)
        return found.group(1), tuple(int(n) for n in found.group(2).split(","))


sections_option = click.option(
    "--sections", help="Comma-separated sections, e.g. shapes,dx: shapes, forward, dw, dx, db, chain,"
                       " closed-form, matrix, connect, checks (default: all of them with --detail full;"
                       " all but matrix and connect with --detail handout).")
output_option = click.option("-o", "--output", type=click.Path(dir_okay=False),
                             help="Write to FILE instead of standard output (- is standard output).")


def document_format_option(default: str, *more: str) -> Callable[[Any], Any]:
    return click.option("--format", "output_format",
                        type=click.Choice(["latex", "markdown", "text", "html", *more]),
                        help="latex, markdown (pictures as SVG files beside -o FILE), text, html"
                             " (one self-contained interactive page)"
                             + "".join(f", or {extra}" for extra in more),
                        default=default, show_default=True)


def output_target(output: str | None, force: bool) -> OutputTarget:
    """Where a document goes (checked before any work): standard output without -o."""
    return OutputTarget.check("-" if output is None else output, force=force)


def document(problem: str | None, quick: dict[str, tuple[int, ...] | None],
             sections: str | tuple[str, ...] | None, output_format: str, *,
             connect: Sequence[tuple[str, tuple[int, ...]]] = (), statement: bool = True,
             fragment: bool = False, max_terms: int | None = None, figures: str | None = None,
             detail: str = "handout") -> tuple[Problem, list[str], dict[str, str]]:
    """Load the problem, build the solution's sections and render them: (problem, the text in
    pieces, files); with ``figures`` (a name), Markdown's pictures are files named after it."""
    from ..solutions.solution import (MAX_SOLUTION_TERMS, build_solution, parse_sections,
                           render_solution_files)
    from ..core.tensors import Role, flat_from_display
    from ..core.poly import Symbol

    loaded = load(problem, quick, max_terms)
    entries = []
    for name, numbers in connect:
        tensor = loaded.tensor(name)
        if tensor.role is Role.BIAS:  # every output of its filter reads it: nothing to point at
            raise SymconvError(f"--entry {name}:… asks about {name}, a bias; ask about an"
                               " input entry (e.g. X:2,2) or a weight entry (e.g. W:0,1)")
        entries.append(Symbol(tensor, flat_from_display(tensor, numbers)))
    chosen = parse_sections(sections) if isinstance(sections, str) else (sections or None)
    solution = build_solution(loaded, chosen, detail=detail, connect=entries or None,
                              max_terms=max_terms or MAX_SOLUTION_TERMS, statement=statement)
    rendered = render_solution_files(solution, output_format, fragment=fragment, figures=figures)
    return loaded, rendered.pieces, rendered.files


def figure_name(target: OutputTarget, output_format: str) -> str | None:
    """Markdown written to a file keeps its pictures in files beside it, named after it
    (``cs7643.md`` -> ``cs7643-figure-1.svg``; bytes of the name that are not UTF-8 become �, so
    the document can name them); on standard output they are inline data."""
    from pathlib import Path

    if output_format != "markdown" or target.stream:
        return None
    return os.fsencode(Path(target.path).stem).decode("utf-8", "replace")


def write_document(target: OutputTarget, pieces: list[str], files: dict[str, str], force: bool) -> None:
    """The pictures beside the document (every one checked before any is written), then it (its
    text in ``pieces``); the pictures this run made are removed again when the document cannot
    be written."""
    folder = os.path.dirname(target.path)
    pictures = [(OutputTarget.check(os.path.join(folder, name), force=force), content)
                for name, content in files.items()]
    made = []
    try:
        for picture, content in pictures:
            if not os.path.lexists(picture.path):
                made.append(picture.path)
            picture.write_text(content)
        target.write_pieces(pieces)
    except BaseException:
        for path in made:
            try:
                os.unlink(path)
            except OSError:
                pass
        raise


def quick_dict(input_shape: tuple[int, ...] | None, kernel: tuple[int, ...] | None,
               stride: tuple[int, ...] | None, padding: tuple[int, ...] | None,
               dilation: tuple[int, ...] | None) -> dict[str, tuple[int, ...] | None]:
    return {"input": input_shape, "kernel": kernel, "stride": stride, "padding": padding,
            "dilation": dilation}


@cli.command()
@click.argument("problem", required=False, type=click.Path(dir_okay=False))
@document_format_option("latex")
@sections_option
@output_option
@force_option
@click.option("--pdf", is_flag=True, help="Compile the LaTeX to PDF (latexmk or pdflatex); the PDF"
                                          " goes to -o FILE, else PROBLEM.pdf here.")
@click.option("--fragment", is_flag=True, help="LaTeX body only, to \\input into your own document.")
@click.option("--detail", type=click.Choice(["handout", "full"]), default="handout", show_default=True,
              help="handout: what a TA hands out (each result once, long sums as Σ, the chain rule"
                   " for the first entries and each case); full: every entry written out (a sum of"
                   " more than 12 terms once, then referred to by its number).")
@quick_options
@max_terms_option
def solve(problem: str | None, output_format: str, sections: str | None, output: str | None,
          force: bool, pdf: bool, fragment: bool, detail: str, input_shape: tuple[int, ...] | None,
          kernel: tuple[int, ...] | None, stride: tuple[int, ...] | None,
          padding: tuple[int, ...] | None, dilation: tuple[int, ...] | None,
          max_terms: int | None) -> None:
    """A worked solution: shapes, forward pass, gradients, chain rule, closed form, checks."""
    if pdf and (output_format != "latex" or fragment):
        raise SymconvError("--pdf compiles a whole LaTeX document; leave out --format and --fragment")
    if pdf:
        from pathlib import Path

        if output not in (None, "-") and not output.lower().endswith(".pdf"):
            raise SymconvError(f"--pdf writes a PDF, so its name ends in .pdf: -o"
                               f" {Path(output).with_suffix('.pdf')} (for the LaTeX source, leave"
                               f" out --pdf: -o {output})")
        from ..files.pdf import tex_command

        tex_command("solution.tex")  # says how to install TeX before any work is done
        output = output or (Path(problem).stem + ".pdf" if problem else "solution.pdf")
    target = output_target(output, force)
    _, pieces, files = document(problem, quick_dict(input_shape, kernel, stride, padding, dilation),
                                sections, output_format, fragment=fragment, max_terms=max_terms,
                                figures=figure_name(target, output_format), detail=detail)
    if not pdf:
        write_document(target, pieces, files, force)
        return
    from ..files.pdf import compile_pdf

    compile_pdf("".join(pieces), target)
    say(f"wrote {display_path(target.name)}")


def one_section_command(name: str, section: str, summary: str,
                        as_json: Callable[[Problem], object] | None = None) -> click.Command:
    """A command that prints one section of the worked solution (text by default); ``as_json``
    (problem -> data) offers ``--format json`` too."""

    def command(problem: str | None, output_format: str, output: str | None, force: bool,
                input_shape: tuple[int, ...] | None, kernel: tuple[int, ...] | None,
                stride: tuple[int, ...] | None, padding: tuple[int, ...] | None,
                dilation: tuple[int, ...] | None) -> None:
        target = output_target(output, force)
        quick = quick_dict(input_shape, kernel, stride, padding, dilation)
        if output_format == "json" and as_json is not None:  # only offered with as_json
            write_document(target, [json.dumps(as_json(load(problem, quick)), indent=1) + "\n"], {},
                           force)
            return
        _, pieces, files = document(problem, quick, (section,), output_format, statement=False,
                                    figures=figure_name(target, output_format), detail="full")
        write_document(target, pieces, files, force)

    command.__doc__ = summary
    formats = ("json",) if as_json is not None else ()
    return options(cli.command(name),
                   click.argument("problem", required=False, type=click.Path(dir_okay=False)),
                   document_format_option("text", *formats), output_option, force_option,
                   quick_options)(command)


shapes = one_section_command("shapes", "shapes", "Output size formula with the numbers, and the"
                                                 " shapes of Y, ∂L/∂Y, ∂L/∂W and ∂L/∂X.")
def forward_data(problem: Problem) -> dict[str, Any]:
    from ..engine.derivation import DEFAULT_MAX_TERMS
    from ..problems.forward import forward_outputs
    from ..render.json import forward_json

    return forward_json(forward_outputs(problem, DEFAULT_MAX_TERMS))


forward = one_section_command("forward", "forward", "Every receptive field ⊙ the kernel, and every"
                                                    " output written out (--format json: every"
                                                    " output entry's expression and value).",
                              forward_data)


@cli.command()
@click.argument("problem", required=False, type=click.Path(dir_okay=False))
@click.option("--entry", "entries", type=EntryType(), multiple=True,
              help="NAME:I,J in the tensor's index base, e.g. X:2,2 (which outputs read x_22) or"
                   " W:0,1 (which (x, y) pairs use w_01); may be repeated.")
@document_format_option("text")
@output_option
@force_option
@quick_options
def connect(problem: str | None, entries: tuple[tuple[str, tuple[int, ...]], ...], output_format: str,
            output: str | None, force: bool, input_shape: tuple[int, ...] | None,
            kernel: tuple[int, ...] | None, stride: tuple[int, ...] | None,
            padding: tuple[int, ...] | None, dilation: tuple[int, ...] | None) -> None:
    """Which outputs an input entry feeds, or which (x, y) pairs a weight entry joins."""
    target = output_target(output, force)
    _, pieces, files = document(problem, quick_dict(input_shape, kernel, stride, padding, dilation),
                                ("connect",), output_format, connect=entries, statement=False,
                                figures=figure_name(target, output_format), detail="full")
    write_document(target, pieces, files, force)


@cli.command()
@click.argument("problem", required=False, type=click.Path(dir_okay=False))
@click.option("--layer", "layer_name", help="The layer, by the name of its output (e.g. Y1);"
                                            " default: the first convolution.")
@document_format_option("text", "json")
@output_option
@force_option
@quick_options
@max_terms_option
def matrix(problem: str | None, layer_name: str | None, output_format: str, output: str | None,
           force: bool, input_shape: tuple[int, ...] | None, kernel: tuple[int, ...] | None,
           stride: tuple[int, ...] | None, padding: tuple[int, ...] | None,
           dilation: tuple[int, ...] | None, max_terms: int | None) -> None:
    """The layer as a matrix: vec(Y) = C·vec(X) + vec(b), vec(∂L/∂X) = Cᵀ·vec(∂L/∂Y), ∂L/∂W by im2col."""
    from ..engine.derivation import DEFAULT_MAX_TERMS
    from ..solutions.solution import render_matrix
    from ..files.problem_file import locate
    from ..core.spec import SpecError

    target = output_target(output, force)
    loaded = load(problem, quick_dict(input_shape, kernel, stride, padding, dilation))
    try:
        text = render_matrix(loaded, layer_name, output_format, max_terms=max_terms or DEFAULT_MAX_TERMS)
    except SpecError as error:
        raise (locate(error, problem) if problem is not None else error) from None
    target.write_text(text)


class BoundedNumber(click.ParamType):
    """A finite number within [low, high]: ``nan``, ``inf`` and negatives are refused (a NaN
    tolerance would make every entry wrong, an infinite one every entry right)."""

    name = "number"

    def __init__(self, low: float, high: float, example: str) -> None:
        self.low, self.high, self.example = low, high, example

    def convert(self, value: str | float, param: click.Parameter | None,
                ctx: click.Context | None) -> float:
        if isinstance(value, float):
            return value
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not (math.isfinite(number) and self.low <= number <= self.high):
            self.fail(f"{value!r} is not a number from {self.low:g} to {self.high:g}; write e.g."
                      f" {self.example}", param, ctx)
        return number


tolerance_options = options(
    click.option("--rtol", type=BoundedNumber(0, 1, "--rtol 1e-3"), default=None,
                 help="Relative tolerance for answers written with decimals (default 1e-3)."),
    click.option("--atol", type=BoundedNumber(0, 1e6, "--atol 1e-6"), default=None,
                 help="Absolute tolerance for answers written with decimals (default 1e-6)."))


def answer_key(problem_path: str, wrt: str, rtol: float | None, atol: float | None,
               max_terms: int | None, seed: int | None = None) -> AnswerKey:
    """The answer key for ∂L/∂wrt of a problem file, with the tolerance options applied."""
    from ..answers import AnswerKey, Tolerance
    from ..engine.derivation import DEFAULT_MAX_TERMS, derive
    from ..files.problem_file import load_problem

    problem = load_problem(problem_path, max_entries=entry_budget(max_terms))
    defaults = Tolerance()
    tolerance = Tolerance(defaults.rtol if rtol is None else rtol, defaults.atol if atol is None else atol)
    return AnswerKey(problem, wrt, tolerance=tolerance,
                     derivation=derive(problem, max_terms=max_terms or DEFAULT_MAX_TERMS), seed=seed)


seed_option = click.option(
    "--seed", type=click.IntRange(0, 2**64 - 1), default=None,
    help="Answers with roots (LP pooling) are compared at random points drawn from a secret seed;"
         " give the seed a run reported to reproduce it.")


show_expected_option = click.option(
    "--show-expected", is_flag=True,
    help="Show students the expected values (for feedback after the deadline); by default"
         " feedback names the wrong entries and the likely mistake only.")


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A ``progress(done, total)`` callback drawing a bar on stderr when it is a terminal."""
    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None and sys.stderr.isatty():
            bar = click.progressbar(length=total, label=label, file=sys.stderr)
        if bar is not None:
            bar.update(done - bar.pos)

    try:
        yield progress
    finally:
        if bar is not None:
            bar.render_finish()


@cli.command()
@click.argument("problem", type=click.Path(dir_okay=False))
@click.option("--wrt", required=True, help="The tensor the answer is the gradient of, e.g. A.")
@click.option("--answer", required=True, help="The answer file (grid, JSON, LaTeX or Markdown), or - for stdin.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@tolerance_options
@max_terms_option
@seed_option
def verify(problem: str, wrt: str, answer: str, output_format: str, rtol: float | None,
           atol: float | None, max_terms: int | None, seed: int | None) -> int:
    """Check a student's ∂L/∂NAME entry by entry: exit 0 all right, 1 some wrong, 2 unreadable."""
    from ..answers.feedback import render_verdict, verdict_json

    verdict = answer_key(problem, wrt, rtol, atol, max_terms, seed).check_file(answer)
    if output_format == "json":
        say(json.dumps(verdict_json(verdict), indent=1))
    else:
        say(render_verdict(verdict))
    return 0 if verdict.ok else 1


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--wrt", required=True, help="The tensor the answers are the gradient of, e.g. A.")
@click.option("--csv", "csv_path", help="Write one row per submission here (- for standard output).")
@click.option("--feedback", "feedback_dir",
              help="Write each submission's feedback (what verify prints) into this folder.")
@click.option("--exercises", "exercises_dir",
              help="A folder from symconv exercise: each submission is checked against its"
                   " student's own problem (then every path is a submission).")
@click.option("--pick", type=click.Choice(["newest", "best"]), default=None,
              help="With --exercises, a student with several submissions is graded on the newest"
                   " or the best of them (without --pick, on none: the row says which).")
@force_option
@click.option("--timeout", type=BoundedNumber(0.1, 3600, "--timeout 2"), default=2.0,
              show_default=True, help="CPU seconds one submission may take before it is not graded.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Worker processes (default: the cores available to symconv).")
@show_expected_option
@tolerance_options
@max_terms_option
@seed_option
def grade(paths: tuple[str, ...], wrt: str, csv_path: str | None, feedback_dir: str | None,
          exercises_dir: str | None, pick: str | None, force: bool, timeout: float,
          workers: int | None, show_expected: bool, rtol: float | None, atol: float | None,
          max_terms: int | None, seed: int | None) -> int:
    """symconv grade PROBLEM.toml SUBMISSION... --wrt NAME [--csv OUT]: check every submission
    (files or folders); a summary on screen, one row per submission in the CSV.

    With --exercises DIR, every path is a submission, matched to a student of DIR/roster.csv by
    its file's stem or its folder's name; each student gets one row (see --pick)."""
    import secrets

    from ..answers.grade import Exercises, grade as grade_all, key_budget
    from ..answers.feedback import VerdictPrinter

    if pick is not None and exercises_dir is None:
        raise SymconvError("--pick chooses among one student's submissions; it goes with"
                           " --exercises DIR")
    if exercises_dir is not None:
        seed = secrets.randbits(64) if seed is None else seed  # one run, one seed for every key
        source: AnswerKey | Exercises = Exercises(exercises_dir, wrt, make_key=lambda path: answer_key(
            path, wrt, rtol, atol, max_terms, seed))
        submissions = list(paths)
    else:
        if len(paths) < 2:
            raise SymconvError("give the problem file and at least one submission, e.g. symconv"
                               " grade problem.toml submissions/ --wrt A")
        problem, submissions = paths[0], list(paths[1:])
        with key_budget():
            source = answer_key(problem, wrt, rtol, atol, max_terms, seed)
    with progress_bar("grading") as progress:
        report = grade_all(source, submissions, csv_path=csv_path, force=force, workers=workers,
                           timeout=timeout, feedback_dir=feedback_dir, show_expected=show_expected,
                           progress=progress, pick=pick,
                           inputs=() if exercises_dir is not None else (paths[0],))
    show = complain_lines if csv_path == "-" else say  # the CSV has standard output to itself
    if csv_path is None:
        for row in report.rows:
            if row.valid:
                mistake = f"; likely mistake: {row.diagnosis}" if row.diagnosis else ""
                picked = f" ({row.note})" if row.note else ""
                show(f"{row.file}: {row.correct} of {row.total} right (score {row.score:.2f})"
                     f"{mistake}{picked}")
    show(VerdictPrinter(report.summary.loss).doprint(report.summary))
    if csv_path not in (None, "-"):
        show(f"wrote {display_path(csv_path)}")
    return 0


@cli.command()
@click.argument("problem", type=click.Path(dir_okay=False))
@click.option("--wrt", required=True, help="The gradient to practise, e.g. A.")
@output_option
@force_option
@click.option("--variants", type=click.IntRange(1, 50), default=None,
              help="For an exercise template: how many variants the page holds (default 5).")
def practice(problem: str, wrt: str, output: str | None, force: bool, variants: int | None) -> None:
    """One offline page to practise ∂L/∂NAME: an input per entry, checked in the page itself."""
    from ..course.practice_page import build_practice, load_source

    target = output_target(output or default_page(problem), force)
    page = build_practice(load_source(problem), wrt, variants=variants)
    target.write_text(page.html)
    if not target.stream:
        say(f"wrote {display_path(target.name)}")


def default_page(problem: str) -> str:
    """``homework_5x5.toml`` -> ``homework_5x5-practice.html`` in the current folder."""
    from pathlib import Path

    return f"{Path(problem).stem}-practice.html"


# -- instructors: exercises and exports ------------------------------------------------------------
@cli.command()
@click.argument("template", type=click.Path(dir_okay=False))
@click.option("--roster", required=True, type=click.Path(dir_okay=False),
              help="CSV with a header row and an id column (other columns are kept).")
@click.option("--out", required=True,
              help="Folder to write: roster.csv, SUMMARY.md and one folder per student.")
@force_option
@show_expected_option
def exercise(template: str, roster: str, out: str, force: bool, show_expected: bool) -> None:
    """One variant per student: problem.toml and question.md/.tex each (with --show-expected,
    the worked solution too)."""
    from ..course.exercise import write_exercises
    from ..files.roster import read_roster
    from ..course.variants import load_template

    with progress_bar("drawing") as progress:
        summary = write_exercises(load_template(template), read_roster(roster), out, force=force,
                                  show_expected=show_expected, progress=progress)
    shown = display_path(out)
    say(f"wrote {summary.students} exercises to {shown} (see {os.path.join(shown, 'SUMMARY.md')});"
        f" {summary.line()}")


@cli.group()
def export() -> None:
    """Export an exercise to PrairieLearn, Gradescope or Moodle."""


asked_option = click.option("--wrt", required=True, help="The gradient to ask, e.g. A.")


@export.command("prairielearn")
@click.argument("template", type=click.Path(dir_okay=False))
@asked_option
@click.option("--out", required=True, help="The course folder.")
@force_option
@show_expected_option
def export_prairielearn(template: str, wrt: str, out: str, force: bool, show_expected: bool) -> None:
    """A PrairieLearn question (info.json, question.html, server.py) and symconv's code."""
    from ..export.prairielearn import export_prairielearn as write
    from ..course.variants import load_template

    folder = write(load_template(template), wrt, out, force=force, show_expected=show_expected)
    say(f"wrote {display_path(folder)}")


@export.command("gradescope")
@click.argument("problem", type=click.Path(dir_okay=False))
@asked_option
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The zip to write.")
@click.option("--roster", type=click.Path(dir_okay=False),
              help="For a template: the class roster (ids: the students' Gradescope e-mail"
                   " addresses), as given to symconv exercise.")
@force_option
@show_expected_option
def export_gradescope(problem: str, wrt: str, out: str, roster: str | None, force: bool,
                      show_expected: bool) -> None:
    """A Gradescope autograder.zip for a problem file or an exercise template."""
    from ..export.gradescope import export_gradescope as write
    from ..files.roster import read_roster

    written = write(problem, wrt, out, roster=None if roster is None else read_roster(roster),
                    force=force, show_expected=show_expected)
    say(f"wrote {display_path(written)}")


@export.command("moodle")
@click.argument("template", type=click.Path(dir_okay=False))
@asked_option
@click.option("--variants", "count", type=click.IntRange(1, 1000), default=10, show_default=True,
              help="How many variants (Cloze questions) to draw.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The quiz.xml to write.")
@force_option
@show_expected_option
def export_moodle(template: str, wrt: str, count: int, out: str, force: bool,
                  show_expected: bool) -> None:
    """A Moodle XML quiz: one Cloze question per variant, one numerical blank per entry."""
    from ..export.moodle import export_moodle as write
    from ..course.variants import load_template

    path, written = write(load_template(template), wrt, count, out, force=force,
                          show_expected=show_expected)
    fewer = "" if written == count else f" (the template allows no more than {written} different ones)"
    say(f"wrote {display_path(path)}: {written} questions{fewer}")


def complain_lines(text: str) -> None:
    complain(text, 0)


# The variables the BLAS libraries NumPy may be built with read for their thread count.
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


def one_blas_thread(environment: MutableMapping[str, str] = os.environ) -> None:
    """One BLAS thread unless the user chose a number (any of :data:`BLAS_THREADS` set): symconv's
    matrix products are small, and OpenBLAS's threads start and wait for work on every core, about
    0.1 s of CPU a command. Must run before NumPy is first imported."""
    if not any(name in environment for name in BLAS_THREADS):
        for name in BLAS_THREADS:
            environment[name] = "1"


def main(argv: Sequence[str] | None = None) -> None:
    """Run the CLI (the ``symconv`` console script); exits with the command's status."""
    one_blas_thread()
    code = cli.main(args=argv, prog_name="symconv", standalone_mode=False)
    # What the command made goes with the process: frozen, it is not walked once more by the
    # collector's last pass at exit (4 to 5 % of a command's CPU time, grad and solve alike).
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    main()
