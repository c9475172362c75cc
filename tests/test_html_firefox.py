"""The interactive HTML page of every example in a real offline Firefox (tests/firefox.py), as
tests/test_html_page.py does in Chromium: it loads and fetches nothing, its MathML renders, its
pictures are there, a screenshot is not blank, and the real pointer and the Tab key light exactly
the factors of the entry they reach (tests/page_checks.py computes them from the derivation)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from symconv import build_solution, load_problem, render_solution
from symconv.figures import is_pictured

from firefox import available, offline_firefox
from page_checks import check_lit, nonblank

pytestmark = pytest.mark.skipif(not available() and not os.environ.get("CI"),
                                reason="needs firefox-esr (.ci/browser-packages)")

EXAMPLES = sorted(Path("examples").glob("*.toml"))
TAB = "\ue004"  # WebDriver's code for the Tab key
NOTHING_LIT = "return document.querySelectorAll('.sc-active, .sc-related').length"


@pytest.fixture(scope="module")
def firefox():
    with offline_firefox() as browser:
        yield browser


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_the_page_works_in_firefox(example, tmp_path, firefox):
    problem = load_problem(example)
    page = tmp_path / f"{example.stem}.html"
    page.write_text(render_solution(build_solution(problem), "html"), encoding="utf-8")
    firefox.open(page.as_uri())
    assert firefox.run("return document.readyState") == "complete"
    assert firefox.run("return performance.getEntriesByType('resource').length") == 0
    assert firefox.run("return document.querySelectorAll('merror').length") == 0
    sizes = firefox.run("return [...document.querySelectorAll('math')].map(m => m.getBoundingClientRect().width)")
    assert len(sizes) > 20 and sum(w > 0 for w in sizes) / len(sizes) > 0.95
    drawn = firefox.run("return document.querySelectorAll('figure svg rect').length")
    assert drawn > 4 if is_pictured(problem.dims) else drawn == 0
    assert nonblank(firefox.screenshot())

    entries = firefox.find(".sc-entry")
    assert entries
    picked = entries[::max(1, len(entries) // 4)][:4]
    heading = firefox.find("h1")[0]
    for element in picked:  # the pointer
        firefox.run("arguments[0].scrollIntoView({block: 'center'})", element)
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
