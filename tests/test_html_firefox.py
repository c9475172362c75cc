"""The interactive HTML page of the examples in a real offline Firefox (tests/firefox.py), as
tests/test_html_page.py does in Chromium (the smallest of each kind of page; every example, and
the large page's panel, with SYMCONV_BROWSER_MATRIX=full): it loads and fetches nothing, its
MathML renders, its pictures are there, a screenshot is not blank, and the real pointer and the Tab key light exactly
the factors of the entry they reach (tests/page_checks.py computes them from the derivation)."""

from __future__ import annotations

from pathlib import Path

import pytest

from firefox import needs_firefox
from page_checks import FULL_MATRIX, browser_examples, bring_into_view, check_lit, check_panel, opened_page, written_page

pytestmark = needs_firefox

EXAMPLES = browser_examples(sorted(Path("examples").glob("*.toml")))
TAB = "\ue004"  # WebDriver's code for the Tab key
NOTHING_LIT = "return document.querySelectorAll('.sc-active, .sc-related').length"


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_the_page_works_in_firefox(example, tmp_path, firefox):
    problem, _ = opened_page(firefox, example, tmp_path)

    entries = firefox.find(".sc-entry")
    assert entries
    picked = entries[::max(1, len(entries) // 4)][:4]
    heading = firefox.find("h1")[0]
    for element in picked:  # the pointer
        bring_into_view(firefox.run, element)
        firefox.pointer_to(element)
        check_lit(firefox.run, problem)
        assert firefox.run("return arguments[0].contains(document.querySelector('.sc-active'))", element)
        firefox.run("arguments[0].scrollIntoView()", heading)
        firefox.pointer_to(heading)
        assert firefox.run(NOTHING_LIT) == 0
    for element in picked:  # the keyboard: focus an entry, then Tab on to the next
        firefox.run("arguments[0].focus()", element)
        assert firefox.run("return document.activeElement === arguments[0]", element)
        check_lit(firefox.run, problem)
        firefox.press(TAB)
        if firefox.run("return document.activeElement.classList.contains('sc-entry')"):
            check_lit(firefox.run, problem)


@pytest.mark.skipif(not FULL_MATRIX,
                    reason="a large page: opened in Chromium only, unless SYMCONV_BROWSER_MATRIX=full")
def test_the_panel_takes_a_quarter_of_the_window_at_most_and_scrolls_inside_itself_in_firefox(tmp_path, firefox):
    _, page = written_page(Path("examples/recitation_image_16x12.toml"), tmp_path)
    firefox.open(page.as_uri())
    check_panel(firefox.run, firefox.find('.sc-entry[data-grad="W"]')[0])

