"""The practice page of the examples (the smallest of each kind of page; all of them with
SYMCONV_BROWSER_MATRIX=full) in a real offline Chromium (tests/browser.py): typed with real keys,
a right answer, a one-entry slip and a named mistake are marked as `symconv verify`
marks them, and the mistake is named (tests/practice_checks.py); the chain rule and the worked
solution are revealed; a pasted NumPy array fills the inputs; progress survives a reload; an
exercise template's page moves to its next variant."""

from __future__ import annotations

import numpy as np
import pytest

from browser import Chromium, needs_chromium
from page_checks import browser_examples
from practice_checks import (MARKS, TEXT, answer, check_practice, checkable_examples, fields, press, right_answer,
                             written_practice)
from symconv.course.variants import load_template
from symconv.course.practice_page import build_practice

pytestmark = needs_chromium

EXAMPLES = browser_examples(checkable_examples())


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_the_practice_page_checks_answers_as_verify_does(example, tmp_path, browser):
    key, page = written_practice(example, tmp_path)
    browser.get(page.as_uri())
    check_practice(Chromium(browser), key)


PASTE = """
const field = document.querySelector('input[data-answer]');
const data = new DataTransfer();
data.setData('text/plain', arguments[0]);
field.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));
return [...document.querySelectorAll('input[data-answer]')].map(i => i.value);
"""


def test_a_pasted_numpy_array_fills_every_input_and_progress_survives_a_reload(tmp_path, browser):
    from pathlib import Path

    key, page = written_practice(Path("examples/homework_5x5_values.toml"), tmp_path)
    browser.get(page.as_uri())
    right = np.array([int(forms[0].number) for forms in key.expected]).reshape(5, 5)
    assert Chromium(browser).run(PASTE, str(right)) == [str(v) for v in right.reshape(-1)]
    assert browser.execute_script(TEXT, '[data-role="status"]') == "filled in 25 entries from the pasted answer"
    assert Chromium(browser).run(PASTE, "[[1, 2], [3, 4]]")[:2] == ["4", "7"]  # 4 entries: nothing filled
    assert "has 2 rows and 4 entries; A has 25 (5×5)" in browser.execute_script(TEXT, '[data-role="status"]')
    browser.refresh()
    assert browser.execute_script("return [...document.querySelectorAll('input[data-answer]')].map(i => i.value)") == [
        str(v) for v in right.reshape(-1)]
    press(Chromium(browser), "check")
    assert set(browser.execute_script(MARKS)) == {"right"}
    press(Chromium(browser), "clear")
    browser.refresh()
    assert set(browser.execute_script("return [...document.querySelectorAll('input[data-answer]')].map(i => i.value)")) == {""}


def test_new_variant_moves_through_the_templates_variants(tmp_path, browser):
    template = load_template("examples/exercises/homework_5x5_values.toml")
    page = build_practice(template, "A", variants=3)
    path = tmp_path / "variants.html"
    path.write_text(page.html, encoding="utf-8")
    browser.get(path.as_uri())
    driver = Chromium(browser)
    for number, key in enumerate(page.keys):
        assert browser.execute_script(TEXT, ".sc-variant-label") == f"variant {number + 1} of 3"
        assert len(fields(driver)) == key.gradient.wrt.size
        right = right_answer(key)
        answer(driver, right)
        assert set(browser.execute_script(MARKS)) == {"right"}, number
        press(driver, "variant")
    assert browser.execute_script(TEXT, ".sc-variant-label") == "variant 1 of 3"
    assert len({k.problem.input.shape + tuple(map(str, k.expected)) for k in page.keys}) == 3


def test_the_notebook_frame_works_without_storage(tmp_path, browser):
    """In a notebook the page sits in a sandboxed frame, where local storage is refused: the page
    checks all the same (and forgets)."""
    from pathlib import Path

    from selenium.webdriver.common.by import By
    from symconv import load_problem, practice

    page = practice(load_problem("examples/homework_5x5.toml"), "A")
    path = tmp_path / "notebook.html"
    path.write_text(f"<!DOCTYPE html><html><body>{page._repr_mimebundle_()['text/html']}</body></html>",
                    encoding="utf-8")
    browser.get(path.as_uri())
    browser.switch_to.frame(browser.find_element(By.TAG_NAME, "iframe"))
    try:
        assert browser.execute_script("try { localStorage.length; return 'storage'; } catch (e) { return 'none'; }") == "none"
        key = page.keys[0]
        answer(Chromium(browser), right_answer(key))
        assert set(browser.execute_script(MARKS)) == {"right"}
        assert browser.execute_script(TEXT, '[data-role="score"]') == "25 of 25 entries right: every entry is right"
    finally:
        browser.switch_to.default_content()
    assert Path(path).exists()
