"""What the practice page must do in any browser (tests/test_practice_page.py for Chromium,
tests/test_practice_firefox.py for Firefox): the answers typed, and the marks and the named mistake
the page shows, against ``symconv verify``'s verdict on the same entries (AnswerKey.check_entries),
computed here in Python, never read from the page's own data."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from symconv import load_problem
from symconv.answers import AnswerKey
from symconv.answers.compare import best_comparison
from symconv.answers.feedback import VerdictPrinter
from symconv.answers.parse import EntryError, parse_entry
from symconv.answers.roots import exact_form
from symconv.core.errors import ProblemError
from symconv.core.document import Figure
from symconv.engine.figures import is_pictured
from symconv.course.practice_page import build_practice
from symconv.render.printer import plain
from symconv.render.text import TextPrinter
from symconv.solutions.solution import build_solution
from page_checks import nonblank


def checkable_examples() -> list[Path]:
    """Every example whose input gradient verify can check (the others are refused by both)."""
    found = []
    for path in sorted(Path("examples").glob("*.toml")):
        problem = load_problem(path)
        try:
            AnswerKey(problem, problem.input.name)
        except ProblemError:
            continue
        found.append(path)
    return found


def written_practice(example: Path, folder: Path, variants: int | None = None):
    """(the answer key of the example's input gradient, its practice page written into ``folder``)."""
    problem = load_problem(example)
    page = build_practice(problem, problem.input.name, variants=variants)
    path = folder / f"{example.stem}-practice.html"
    path.write_text(page.html, encoding="utf-8")
    return page.keys[0], path


def written_forms(key: AnswerKey, values) -> list[str]:
    """Each value as a student types it: the display form (``B_11 + B_12``) when the grammar reads
    it back to that value, else the plain one (``B_1_1 + B_1_2``)."""
    texts = []
    for value in values:
        form = exact_form(value) if key.radicals else value
        candidates = [TextPrinter(key.problem.loss).doprint(form), plain(form)]
        texts.append(next(text for text in candidates if reads_as(key, text, value)))
    return texts


def reads_as(key: AnswerKey, text: str, value) -> bool:
    try:
        given = parse_entry(text, key.names, loss=key.problem.loss, radicals=key.radicals)
    except EntryError:
        return False
    return best_comparison(given, [value], key.tolerance, key.compare).correct


def right_answer(key: AnswerKey) -> list[str]:
    return written_forms(key, [forms[0] for forms in key.expected])


def slip(key: AnswerKey, right: list[str]) -> tuple[list[str], int]:
    """The right answer with one entry (the middle one) wrong: a number one too big, an expression
    with a term too many."""
    flat = len(right) // 2
    value = key.expected[flat][0]
    texts = list(right)
    texts[flat] = str(value.number + 1) if value.is_number else f"{right[flat]} + 1"
    return texts, flat


def named_mistake(key: AnswerKey):
    """The kernel not rotated (or rotated, for a transposed convolution) when the layer has it, else
    the first mistake the key names: (the answer with that mistake, the mistake)."""
    mistakes = {m.key: m for m in key.mistakes}
    mistake = (mistakes.get("kernel-not-rotated") or mistakes.get("kernel-rotated")
               or key.mistakes[0])
    return written_forms(key, mistake.values), mistake


class Page(Protocol):
    """What the checks ask of a browser: tests/firefox.py's Firefox, tests/browser.py's Chromium."""

    def run(self, script: str, *args): ...

    def find(self, selector: str) -> list: ...

    def click(self, element) -> None: ...

    def type(self, element, text: str) -> None: ...

    def clear(self, element) -> None: ...

    def screenshot(self) -> bytes: ...


def fields(page: Page) -> list:
    """The answer's inputs, in row-major order."""
    return page.find("input[data-answer]")


def press(page: Page, action: str) -> None:
    """Click the button with ``data-action=action``."""
    page.click(page.find(f'button[data-action="{action}"]')[0])


MARKS = """return [...document.querySelectorAll('input[data-answer]')].map(i =>
  i.classList.contains('sc-right') ? 'right' : i.classList.contains('sc-wrong') ? 'wrong' : '')"""
TEXT = "return document.querySelector(arguments[0]).textContent"


def check_loaded(page: Page, key: AnswerKey) -> None:
    """The page loaded offline and fetched nothing, its MathML has no error and a size, its inputs
    are the gradient's entries in row-major order, and it has ink."""
    run = page.run
    assert run("return document.readyState") == "complete"
    assert run("return performance.getEntriesByType('resource').length") == 0
    assert run("return document.querySelectorAll('merror').length") == 0
    sizes = run("return [...document.querySelectorAll('math')].map(m => m.getBoundingClientRect().width)")
    assert sizes and sum(w > 0 for w in sizes) / len(sizes) > 0.95
    tensor = key.gradient.wrt
    indices = run("return [...document.querySelectorAll('input[data-answer]')].map(i =>"
                  " [i.getAttribute('data-answer'), i.getAttribute('data-index')])")
    assert indices == [[tensor.name, ",".join(map(str, tensor.index_of(flat)))] for flat in range(tensor.size)]
    assert nonblank(page.screenshot())


TYPED = 6  # entries typed key by key in each answer; the rest are filled in, as a paste fills them
FILL = """
const fields = document.querySelectorAll('input[data-answer]');
arguments[0].forEach((text, flat) => {
  if (text === null) return;
  fields[flat].value = text;
  fields[flat].dispatchEvent(new Event('input', {bubbles: true}));
});
"""


def answer(page: Page, texts: list[str], only: list[int] | None = None) -> None:
    """Put ``texts`` into the inputs (all, or the ``only`` ones), then press check: the first few
    (and every ``only`` one) typed with real keys, the others filled in (typing a whole 16×12
    answer key by key would take minutes)."""
    chosen = list(range(len(texts))) if only is None else only
    typed = chosen[:TYPED] if only is None else chosen
    page.run(FILL, [text if flat in chosen and flat not in typed else None for flat, text in enumerate(texts)])
    inputs = fields(page)
    for flat in typed:
        page.clear(inputs[flat])
        page.type(inputs[flat], texts[flat])
    press(page, "check")


def check_as_verify(page: Page, key: AnswerKey, texts: list[str]) -> None:
    """The marks, the score and the named mistake are verify's on the same entries."""
    verdict = key.check_entries(texts, "page")
    assert page.run(MARKS) == ["right" if e.correct else "wrong" for e in verdict.entries]
    diagnosis = VerdictPrinter(key.problem.loss).mistake_line(verdict.diagnosis) if verdict.diagnosis else ""
    assert page.run(TEXT, '[data-role="diagnosis"]') == diagnosis
    assert page.run(TEXT, '[data-role="score"]').startswith(f"{verdict.correct} of {verdict.total} entries right")


def check_feedback(page: Page, key: AnswerKey, texts: list[str]) -> None:
    """Each wrong expression's line says what verify's feedback says it misses and has extra."""
    verdict = key.check_entries(texts, "page")
    printer = VerdictPrinter(key.problem.loss)
    lines = page.run("return [...document.querySelectorAll('[data-role=feedback] li')].map(l => l.textContent)")
    wrong = [result for result in verdict.entries if not result.correct]
    assert len(lines) == len(wrong)
    for line, result in zip(lines, wrong):
        name = printer.doprint(key.gradient.entry(result.flat).wrt)
        assert line.startswith(f"✗ ∂{key.problem.loss}/∂{name} (row {result.cell.row}, entry {result.cell.col}): ")
        if not key.radicals and not (result.given.value.is_number and result.comparison.expected.is_number):
            differences = printer.differences(result.comparison, result.given.value.is_number,
                                              result.given.inexact)
            assert line.endswith(f": {differences}"), (line, differences)


def check_practice(page: Page, key: AnswerKey) -> None:
    """A right answer, a one-entry slip and a named mistake, typed and checked; the chain rule of
    the slipped entry and the worked solution revealed."""
    check_loaded(page, key)
    right = right_answer(key)
    answer(page, right)
    check_as_verify(page, key, right)
    assert set(page.run(MARKS)) == {"right"}
    assert page.run(TEXT, '[data-role="diagnosis"]') == ""

    slipped, flat = slip(key, right)
    answer(page, slipped, only=[flat])
    check_as_verify(page, key, slipped)
    feedback = page.run("return [...document.querySelectorAll('[data-role=feedback] li')].map(l => l.textContent)")
    name = TextPrinter(key.problem.loss).doprint(key.gradient.entry(flat).wrt)
    assert len(feedback) == 1 and feedback[0].startswith(f"✗ ∂{key.problem.loss}/∂{name} ")
    if not key.expected[flat][0].is_number and not key.radicals:
        assert "extra 1" in feedback[0]

    wrong, mistake = named_mistake(key)
    answer(page, wrong)
    check_as_verify(page, key, wrong)
    assert page.run(TEXT, '[data-role="diagnosis"]').startswith(f"likely mistake: {mistake.description} — ")
    check_feedback(page, key, wrong)

    page.run("document.querySelectorAll('[data-action=chain]')[arguments[0]].click()", flat)
    assert page.run("return getComputedStyle(document.getElementById('sc-panel')).display") != "none"
    assert page.run(TEXT, '[data-role="chain"]').startswith(f"Chain rule of ∂{key.problem.loss}/∂{name}:")
    assert page.run("return document.querySelectorAll('[data-role=chain] math').length") >= 1

    press(page, "close")
    assert page.run("return getComputedStyle(document.getElementById('sc-panel')).display") == "none"
    press(page, "solution")
    assert page.run("return document.querySelector('[data-role=solution]').hidden") is False
    assert page.run("return document.querySelectorAll('[data-role=solution] math').length") > 10
    drawn = page.run("return document.querySelectorAll('[data-role=solution] figure svg rect').length")
    # the handout-level solution's own pictures (a transposed convolution's handout has none)
    pictures = [block for section in build_solution(key.problem).sections for block in section.blocks
                if isinstance(block, Figure)]
    assert drawn > 4 if pictures and is_pictured(key.problem.dims) else drawn == 0
    assert page.run("return document.querySelectorAll('merror').length") == 0
