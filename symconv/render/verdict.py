"""Feedback on a checked answer: text for the student, JSON for tools.

Correct entries are never listed; every wrong one gets what was given, what was expected with its
chain-rule expansion, and how the two differ (missing terms, extra terms, wrong coefficients).
"""

from __future__ import annotations

from ..answers.compare import Comparison
from ..answers.verify import EntryResult, Verdict
from ..layers.base import EntryOf
from ..poly import Poly, Symbol
from .json import entry_json, json_number
from .latex_names import latex_entry_name
from .printer import plain
from .text import TextPrinter


class VerdictPrinter(TextPrinter):
    def _print_Verdict(self, verdict: Verdict) -> str:
        lines = [f"{verdict.source}: {verdict.correct} of {verdict.total} entries right"
                 f" (score {verdict.score:.2f})"]
        gradient = verdict.key.gradient
        for result in verdict.entries:
            if result.correct:
                continue
            entry = gradient.entry(result.flat)
            lines.append(self.wrong_entry(result, entry.wrt))
            lines.append("    " + self.doprint(entry))
            if entry.value.is_number and entry.terms:  # show where the number comes from
                named = " + ".join(f"{self.factor(t.upstream, u)}·{self.factor(t.local, l)}"
                                   for t, (u, l) in zip(entry.terms, term_symbols(gradient, result.flat)))
                numbers = " + ".join(f"{self.doprint(t.upstream)}·{self.doprint(t.local)}"
                                     for t in entry.terms)
                lines.append(f"    terms: {named} = {numbers}")
        if verdict.diagnosis:
            d = verdict.diagnosis
            scope = "the whole answer" if d.whole else f"{d.explained} of the {d.wrong} wrong entries"
            lines.append(f"likely mistake: {d.mistake.description} — this explains {scope}")
        if verdict.sampling:
            lines.append(self.sampling_note(*verdict.sampling, seed=sampling_seed(verdict)))
        for cell, reading in verdict.readings:
            lines.append(f"note: row {cell.row}, entry {cell.col}: read {reading.written!r} as"
                         f" {'·'.join(reading.parts)}")
        if verdict.ok:
            lines.append("every entry is right")
        return "\n".join(lines)

    def wrong_entry(self, result: EntryResult, target: Symbol) -> str:
        head = (f"✗ ∂{self.loss}/∂{self.doprint(target)} (row {result.cell.row}, entry"
                f" {result.cell.col}): given {self.doprint(result.given.value)}, expected"
                f" {self.doprint(result.comparison.expected)}")
        if result.base_shifted:
            if result.comparison.correct:
                return head + "; the value is right, but its names are counted from the wrong base"
            return head
        differences = self.differences(result.comparison, result.given.value.is_number)
        return head + (f"; {differences}" if differences else "")

    def differences(self, comparison: Comparison, given_is_number: bool) -> str:
        if given_is_number and comparison.expected.is_number:
            return ""
        parts = []
        if comparison.missing:
            parts.append("missing " + ", ".join(self.term(m, c) for m, c in comparison.missing))
        if comparison.extra:
            parts.append("extra " + ", ".join(self.term(m, c) for m, c in comparison.extra))
        for monomial, given, expected in comparison.coefficients:
            parts.append(f"coefficient of {self.monomial(monomial) or 'the constant'} is"
                         f" {self.doprint(given)}, expected {self.doprint(expected)}")
        return "; ".join(parts)

    def sampling_note(self, count: int, sampling, seed: int | None = None) -> str:
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

    def factor(self, value, symbol) -> str:
        """A factor by its name when it has one (``B_33``), else its number."""
        return self.doprint(symbol if symbol is not None else value)

    def _print_GradeSummary(self, summary) -> str:
        """``symconv grade``'s summary: the mean over the graded submissions only, and every
        invalid or not graded file named."""
        invalid, retry = len(summary.invalid), len(summary.not_graded)
        counts = f"{summary.valid} graded, {invalid} invalid, {retry} not graded (retry)"
        mean = ("no mean score" if summary.mean_score is None
                else f"mean score {summary.mean_score:.2f} over the {summary.valid} graded")
        lines = [f"{summary.count} submissions: {counts}; {mean}"]
        if summary.common_wrong:
            lines.append("most often wrong: " + ", ".join(
                f"∂{self.loss}/∂{name} ({count})" for name, count in summary.common_wrong))
        if summary.mistakes:
            lines.append("likely mistakes: " + ", ".join(f"{key} ({count})"
                                                         for key, count in summary.mistakes))
        for label, rows in (("invalid", summary.invalid), ("not graded (retry)", summary.not_graded)):
            lines += [f"{label}: {why}" if why.startswith(file) else f"{label}: {file}: {why}"
                      for file, why in rows]
        if summary.seed is not None:
            lines.append(f"answers with roots were compared at secret random points; --seed"
                         f" {summary.seed} reproduces this run")
        return "\n".join(lines)

    def term(self, monomial, coefficient) -> str:
        return self.coefficient(coefficient, bool(monomial)) + self.monomial(monomial)


def term_symbols(gradient, flat: int) -> list[tuple[Symbol | None, Symbol | None]]:
    """The entries behind each term's factors, also when they have numeric values (so the
    feedback can say ``1·B_33`` rather than only ``1·3``); None for a constant factor."""
    pairs = []
    for block in gradient.blocks:
        start, stop = int(block.offsets[flat]), int(block.offsets[flat + 1])
        upstream = [Symbol(block.upstream, o) for o in block.outputs[start:stop].tolist()]
        if isinstance(block.local, EntryOf):
            local = [Symbol(block.local.tensor, i) for i in block.local.index[start:stop].tolist()]
        else:
            local = [None] * len(upstream)
        pairs += zip(upstream, local)
    return pairs


def sampling_seed(verdict: Verdict) -> int | None:
    """The seed of the random points an answer with roots was compared at (to reproduce it)."""
    return getattr(verdict.key.compare, "seed", None)


def render_verdict(verdict: Verdict) -> str:
    return VerdictPrinter(verdict.key.problem.loss).doprint(verdict)


def verdict_json(verdict: Verdict) -> dict:
    gradient = verdict.key.gradient
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
        "readings": [{"row": c.row, "entry": c.col, "written": r.written, "read_as": list(r.parts)}
                     for c, r in verdict.readings],
        "entries": [entry_result_json(r, gradient) for r in verdict.entries],
    }


def entry_result_json(result: EntryResult, gradient) -> dict:
    comparison = result.comparison
    value = comparison.expected
    return {
        "index": list(gradient.wrt.index_of(result.flat)),
        "name": latex_entry_name(Symbol(gradient.wrt, result.flat), with_derivative=False),
        "row": result.cell.row, "entry": result.cell.col, "correct": result.correct,
        "given": plain(result.given.value), "written": result.cell.text,
        "expected": plain(value),
        "expected_value": json_number(value.number) if value.is_number else None,
        "base_shifted": result.base_shifted,
        "missing": [plain_term(m, c) for m, c in comparison.missing],
        "extra": [plain_term(m, c) for m, c in comparison.extra],
        "coefficients": [{"term": plain_term(m, 1), "given": json_number(g), "expected": json_number(e)}
                         for m, g, e in comparison.coefficients],
        # the chain rule of a wrong entry, as `symconv grad --format json` writes it
        "terms": [] if result.correct else entry_json(gradient.entry(result.flat))["terms"],
    }


def plain_term(monomial, coefficient) -> str:
    return plain(Poly({monomial: coefficient}))
