"""Feedback on a checked answer: text for the student, JSON for tools.

Correct entries are never listed; every wrong one gets what was given, what was expected with its
chain-rule expansion, and how the two differ (missing terms, extra terms, wrong coefficients).
"""

from __future__ import annotations

import html
from fractions import Fraction
from typing import Any

from ..engine.derivation import Gradient
from ..core.document import MAX_SUM_TERMS
from ..core.poly import Atom, Monomial, Number, Symbol
from ..core.presentation import Look, register
from ..render.json import entry_json, json_number
from ..render.names import latex_entry_name
from ..render.printer import plain
from ..render.text import TextPrinter
from .compare import Comparison, Sampling
from .diagnose import Diagnosis
from .verify import EntryResult, Verdict


class VerdictPrinter(TextPrinter):
    def _print_Verdict(self, verdict: Verdict) -> str:
        """The score and the named mistake first, then the wrong entries, then notes."""
        lines = [f"{verdict.source}: {verdict.correct} of {verdict.total} entries right"
                 f" (score {verdict.score:.2f})"]
        if verdict.diagnosis:
            lines.append(self.mistake_line(verdict.diagnosis))
        for result in verdict.entries.wrong():
            lines += self.entry_feedback(verdict, result)
        if verdict.sampling:
            lines.append(self.sampling_note(*verdict.sampling, seed=sampling_seed(verdict)))
        if verdict.readings:
            lines.append(self.readings_note(verdict))
        if verdict.ok:
            lines.append("every entry is right")
        return "\n".join(lines)

    def mistake_line(self, d: Diagnosis) -> str:
        scope = "the whole answer" if d.whole else f"{d.explained} of the {d.wrong} wrong entries"
        return f"likely mistake: {d.mistake.description} — this explains {scope}"

    def entry_feedback(self, verdict: Verdict, result: EntryResult) -> list[str]:
        """A wrong entry: what was given and expected, its chain rule, where its number comes from."""
        gradient = verdict.key.gradient
        entry = gradient.entry(result.flat, limit=MAX_SUM_TERMS)  # a long sum as the handouts cut it
        lines = [self.wrong_entry(result, entry.wrt), "    " + self.doprint(entry)]
        if entry.value.is_number and entry.terms:  # show where the number comes from
            named = " + ".join(f"{self.factor(t.upstream, u)}·{self.factor(t.local, l)}"
                               for t, (u, l) in zip(entry.terms, term_symbols(gradient, result.flat,
                                                                              len(entry.terms))))
            numbers = " + ".join(f"{self.doprint(t.upstream)}·{self.doprint(t.local)}"
                                 for t in entry.terms)
            rest = self.rest(entry)
            lines.append(f"    terms: {named}{rest} = {numbers}{rest}")
        return lines

    def readings_note(self, verdict: Verdict) -> str:
        """One line for every name written together: how many, and the first as an example."""
        cell, reading = verdict.readings[0]
        parts = "·".join(verdict.key.names.display(part) for part in reading.parts)
        example = f"{reading.written!r} as {parts} (row {cell.row}, entry {cell.col})"
        count = len(verdict.readings)
        if count == 1:
            return f"note: read a name written together as a product: {example}"
        return f"note: read {count} names written together as products, e.g. {example}"

    def wrong_entry(self, result: EntryResult, target: Symbol) -> str:
        head = (f"✗ ∂{self.loss}/∂{self.doprint(target)} (row {result.cell.row}, entry"
                f" {result.cell.col}): given {self.given(result)}, expected"
                f" {self.doprint(result.comparison.expected)}")
        if result.base_shifted:
            if result.comparison.correct:
                return head + "; the value is right, but its names are counted from the wrong base"
            return head
        differences = self.differences(result.comparison, result.given.value.is_number,
                                       result.given.inexact)
        return head + (f"; {differences}" if differences else "")

    def given(self, result: EntryResult) -> str:
        """What the student wrote: a number as written (``1.5``, not ``3/2``), an expression as read,
        in display names (``B_{11}`` and ``B_1_1`` both become ``B_11``), decimals kept."""
        if result.given.value.is_number:
            return echo(result.cell.text)
        printer = DecimalPrinter(self.loss) if result.given.inexact else self
        return printer.doprint(result.given.value)

    def differences(self, comparison: Comparison, given_is_number: bool, decimals: bool = False) -> str:
        if given_is_number and comparison.expected.is_number:
            return ""
        parts = []
        if comparison.missing:
            parts.append("missing " + ", ".join(self.term(m, c) for m, c in comparison.missing))
        if comparison.extra:
            parts.append("extra " + ", ".join(self.term(m, c) for m, c in comparison.extra))
        for monomial, given, expected in comparison.coefficients:
            written = decimal_text(given) if decimals else None
            parts.append(f"coefficient of {self.monomial(monomial) or 'the constant'} is"
                         f" {written or self.doprint(given)}, expected {self.doprint(expected)}")
        return "; ".join(parts)

    def sampling_note(self, count: int, sampling: Sampling, seed: int | None = None) -> str:
        """How the entries found right in another form than the expected one were compared."""
        entries = "1 entry is" if count == 1 else f"{count} entries are"
        decimals = "; decimals within the tolerance" if sampling.decimals else ""
        if not sampling.bound:
            return (f"note: {entries} right in another form than the expected one, compared as"
                    f" numbers to {sampling.digits} significant digits{decimals}")
        return (f"note: {entries} right in another form than the expected one, compared at"
                f" {sampling.points} secret random rational points (--seed {seed}) to"
                f" {sampling.digits} significant digits; a wrong value agrees at all of them by"
                f" accident with probability below {sampling.bound:.0e}{decimals}")

    def factor(self, value: Number | Atom, symbol: Symbol | None) -> str:
        """A factor by its name when it has one (``B_33``), else its number."""
        return self.doprint(symbol if symbol is not None else value)

    # Any: a GradeSummary, from .grade, which imports this module
    def _print_GradeSummary(self, summary: Any) -> str:
        """``symconv grade``'s summary: the mean over the graded submissions only, and every
        invalid or not graded file named."""
        invalid, retry = len(summary.invalid), len(summary.not_graded)
        counts = f"{summary.valid} graded, {invalid} invalid, {retry} not graded (retry)"
        if summary.no_student:
            counts += f", {len(summary.no_student)} for no such student"
        if summary.ambiguous:
            counts += f", {len(summary.ambiguous)} not graded (ambiguous)"
        mean = ("no mean score" if summary.mean_score is None
                else f"mean score {summary.mean_score:.2f} over the {summary.valid} graded")
        lines = [f"{summary.count} submissions: {counts}; {mean}"]
        if summary.common_wrong:
            lines.append("most often wrong: " + ", ".join(
                f"∂{self.loss}/∂{name} ({count})" for name, count in summary.common_wrong))
        if summary.mistakes:
            lines.append("likely mistakes: " + ", ".join(f"{key} ({count})"
                                                         for key, count in summary.mistakes))
        for label, rows in (("invalid", summary.invalid), ("not graded (retry)", summary.not_graded),
                            ("no such student", summary.no_student),
                            ("not graded (ambiguous)", summary.ambiguous)):
            lines += [f"{label}: {why}" if why.startswith(file) else f"{label}: {file}: {why}"
                      for file, why in rows]
        if summary.seed is not None:
            lines.append(f"answers with roots were compared at secret random points; --seed"
                         f" {summary.seed} reproduces this run")
        return "\n".join(lines)

    def term(self, monomial: Monomial, coefficient: Number) -> str:
        """``−d5``, ``2·d1·w2``: a term as a person writes it (never ``-1·d5``)."""
        sign = "\u2212" if coefficient < 0 else ""
        return sign + self.coefficient(abs(coefficient), bool(monomial)) + self.monomial(monomial)


class WithoutExpected(VerdictPrinter):
    """The feedback a student sees before the deadline: the score, the likely mistake and which
    entries are wrong with what was given, never the expected values (which could be copied)."""

    def entry_feedback(self, verdict: Verdict, result: EntryResult) -> list[str]:
        target = Symbol(verdict.key.gradient.wrt, result.flat)
        return [f"✗ ∂{self.loss}/∂{self.doprint(target)} (row {result.cell.row}, entry"
                f" {result.cell.col}): given {self.given(result)}"]


def feedback_printer(loss: str, show_expected: bool) -> VerdictPrinter:
    return VerdictPrinter(loss) if show_expected else WithoutExpected(loss)


class DecimalPrinter(VerdictPrinter):
    """Fractions with a finite decimal form as decimals: how a student who wrote decimals reads."""

    def _print_Fraction(self, number: Fraction) -> str:
        return decimal_text(number) or super()._print_Fraction(number)


MAX_ECHO = 60


def echo(written: str) -> str:
    """What the student wrote, on one line (``1.5`` stays ``1.5``), cut after :data:`MAX_ECHO`."""
    text = " ".join(written.split())
    return text if len(text) <= MAX_ECHO else text[:MAX_ECHO] + "…"


def decimal_text(number: Number) -> str | None:
    """``3/2`` as ``1.5`` when it has a finite decimal form (a coefficient a student wrote as a
    decimal), else None."""
    number = Fraction(number)
    denominator, twos, fives = number.denominator, 0, 0
    while denominator % 2 == 0:
        denominator, twos = denominator // 2, twos + 1
    while denominator % 5 == 0:
        denominator, fives = denominator // 5, fives + 1
    if denominator != 1:
        return None
    digits = max(twos, fives)
    text = f"{abs(number.numerator) * 10 ** digits // number.denominator:0{digits + 1}d}"
    whole, fraction = text[:len(text) - digits] or "0", text[len(text) - digits:]
    return ("-" if number < 0 else "") + whole + (f".{fraction}" if fraction else "")


def term_symbols(gradient: Gradient, flat: int, limit: int) -> list[tuple[Symbol | None, Symbol | None]]:
    """The entries behind each term's factors (of the first ``limit`` terms), also when they have
    numeric values (so the feedback can say ``1·B_33`` rather than only ``1·3``); None for a
    constant factor."""
    pairs: list[tuple[Symbol | None, Symbol | None]] = []
    for block in gradient.blocks:
        start, stop = int(block.offsets[flat]), int(block.offsets[flat + 1])
        stop = min(stop, start + limit - len(pairs))
        upstream = [Symbol(block.upstream, o) for o in block.outputs[start:stop].tolist()]
        named = [block.local.named(row) for row in range(start, stop)]
        pairs += zip(upstream, [n if isinstance(n, Symbol) else None for n in named])
    return pairs


def sampling_seed(verdict: Verdict) -> int | None:
    """The seed of the random points an answer with roots was compared at (to reproduce it)."""
    return getattr(verdict.key.compare, "seed", None)


def render_verdict(verdict: Verdict, show_expected: bool = True) -> str:
    return feedback_printer(verdict.key.problem.loss, show_expected).doprint(verdict)


def verdict_json(verdict: Verdict) -> dict:
    """The verdict as data; texts a person reads use display names (``B_13``, ``−d5``), and
    ``expected_plain`` gives the expected value with plain identifiers for tools (``B_1_3``)."""
    gradient = verdict.key.gradient
    printer = VerdictPrinter(verdict.key.problem.loss)
    diagnosis = verdict.diagnosis
    return {
        "source": verdict.source, "loss": verdict.key.problem.loss, "wrt": gradient.wrt.name,
        "shape": list(gradient.shape), "valid": True, "correct": verdict.correct,
        "total": verdict.total, "score": verdict.score,
        "diagnosis": None if diagnosis is None else {
            "mistake": diagnosis.mistake.key, "description": diagnosis.mistake.description,
            "explained": diagnosis.explained, "wrong": diagnosis.wrong, "whole": diagnosis.whole},
        "sampling": None if verdict.sampling is None else {
            "entries": verdict.sampling[0], "points": verdict.sampling[1].points,
            "digits": verdict.sampling[1].digits, "bound": verdict.sampling[1].bound,
            "decimals": verdict.sampling[1].decimals, "seed": sampling_seed(verdict)},
        "readings": [{"row": c.row, "entry": c.col, "written": r.written,
                      "read_as": [verdict.key.names.display(part) for part in r.parts]}
                     for c, r in verdict.readings],
        "entries": [entry_result_json(r, gradient, printer) for r in verdict.entries],
    }


def entry_result_json(result: EntryResult, gradient: Gradient, printer: VerdictPrinter) -> dict:
    comparison = result.comparison
    value = comparison.expected
    return {
        "index": list(gradient.wrt.index_of(result.flat)),
        "name": latex_entry_name(Symbol(gradient.wrt, result.flat), with_derivative=False),
        "row": result.cell.row, "entry": result.cell.col, "correct": result.correct,
        "given": printer.given(result), "written": result.cell.text,
        "expected": printer.doprint(value), "expected_plain": plain(value),
        "expected_value": json_number(value.number) if value.is_number else None,
        "base_shifted": result.base_shifted,
        "missing": [printer.term(m, c) for m, c in comparison.missing],
        "extra": [printer.term(m, c) for m, c in comparison.extra],
        "coefficients": [{"term": printer.term(m, 1), "given": json_number(g), "expected": json_number(e)}
                         for m, g, e in comparison.coefficients],
        # the chain rule of a wrong entry, as `symconv grad --format json` writes it
        "terms": [] if result.correct else entry_json(gradient.entry(result.flat))["terms"],
    }



# -- in a REPL and a notebook ---------------------------------------------------------------------


def verdict_summary(verdict: Verdict) -> str:
    return (f"<Verdict {verdict.source}: {verdict.correct} of {verdict.total} entries right"
            f" (score {verdict.score:.2f})>")


RIGHT, WRONG = ("#1a7f37", "#dafbe1"), ("#cf222e", "#ffebe9")


def verdict_html(verdict: Verdict) -> dict[str, str]:
    """The answer in the gradient's shape, each entry green (right) or red (wrong, with what was
    expected), under the score and the named mistake."""
    printer = VerdictPrinter(verdict.key.problem.loss)
    gradient = verdict.key.gradient
    columns = gradient.shape[-1] if gradient.shape else 1
    cells = []
    for result in sorted(verdict.entries, key=lambda r: r.flat):
        (colour, fill), mark = (RIGHT, "✓") if result.correct else (WRONG, "✗")
        name = printer.name_only(Symbol(gradient.wrt, result.flat))
        text = html.escape(printer.given(result))
        if not result.correct:
            text += f"<br><small>expected {html.escape(printer.doprint(result.comparison.expected))}</small>"
        cells.append(f"<td style='background:{fill};border:1px solid #d0d7de;padding:3px 8px'"
                     f" title='{html.escape(name)}'><span style='color:{colour};font-weight:bold'>"
                     f"{mark}</span> {text}</td>")
    rows = "".join("<tr>" + "".join(cells[i:i + columns]) + "</tr>" for i in range(0, len(cells), columns))
    lines = [f"<b>{html.escape(verdict.source)}</b>: {verdict.correct} of {verdict.total} entries right"
             f" (score {verdict.score:.2f})"]
    if verdict.diagnosis:
        lines.append(html.escape(printer.mistake_line(verdict.diagnosis)))
    header = "<br>".join(lines)
    # tex2jax_ignore: a notebook's MathJax must not typeset what a student wrote ($…$ in a file
    # name or an entry); nothing here is TeX.
    return {"text/html": f"<div class='tex2jax_ignore' style='font-family:sans-serif'><p>{header}"
                         f"</p><table style='border-collapse:collapse'>{rows}</table></div>"}


register(Verdict, Look(verdict_summary, render_verdict, verdict_html))
