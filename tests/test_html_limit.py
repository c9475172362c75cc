"""The interactive page of a problem at the worked-solution limit (67×67 input, 5×5 kernel:
198,450 chain-rule terms, the most `symconv solve` writes by default) at ``--detail full`` (every
entry written out: the largest page), in a real offline Chromium
(tests/browser.py): it stays under 15 MB, every entry it offers has its chain rule in the page's
data, and hovering an entry of ∂L/∂W (3,969 terms) and one of ∂L/∂X lights exactly what their
chain rules read (tests/page_checks.py computes that from the derivation) and shows the equation.
How fast it loads is a benchmark figure (benchmarks/run.py), not asserted here."""

from __future__ import annotations

import pytest

from browser import needs_chromium, offline_browser
from page_checks import bring_into_view, check_lit, check_rendered
from symconv import build_solution, derive, quick_problem, render_solution
from symconv.core.document import MAX_SUM_TERMS
from symconv.solutions.solution import MAX_SOLUTION_TERMS

pytestmark = needs_chromium

MAX_PAGE_BYTES = 15_000_000

UNKNOWN = """
const known = JSON.parse(document.getElementById('sc-relations').textContent).entries;
return [...document.querySelectorAll('.sc-entry')]
  .map(e => e.getAttribute('data-grad') + ':' + e.getAttribute('data-index'))
  .filter(key => !(key in known));
"""


def test_the_page_at_the_limit_is_small_and_every_entry_shows_its_chain_rule(tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    problem = quick_problem((67, 67), (5, 5))
    assert problem.term_count() == 198_450 <= MAX_SOLUTION_TERMS
    page = tmp_path / "limit.html"
    page.write_text(render_solution(build_solution(problem, detail="full"), "html"), encoding="utf-8")
    assert page.stat().st_size < MAX_PAGE_BYTES

    with offline_browser() as browser:
        browser.set_page_load_timeout(600)
        browser.get(page.as_uri())
        check_rendered(browser.execute_script, problem, browser.get_screenshot_as_png())
        assert browser.execute_script(UNKNOWN) == []
        derivation = derive(problem)
        cut = []
        for name, index in (("W", "1,2"), ("X", "0,3")):
            element = browser.find_element(By.CSS_SELECTOR,
                                           f'.sc-entry[data-grad="{name}"][data-index="{index}"]')
            bring_into_view(browser.execute_script, element)
            ActionChains(browser).move_to_element(element).perform()
            check_lit(browser.execute_script, problem)
            equation = browser.execute_script("return document.getElementById('sc-equation').textContent")
            gradient = derivation.gradient(name)
            flat = gradient.wrt.flat_of(tuple(int(i) for i in index.split(",")))
            terms = int(gradient.blocks[0].offsets[flat + 1] - gradient.blocks[0].offsets[flat])
            # ∂L/∂x, then ∂L/∂y_k ∂y_k/∂x for each term written: the first 150 of a longer sum
            assert equation.count("∂") == 2 + 4 * min(terms, MAX_SUM_TERMS)
            assert (f"({terms} terms in all)" in equation) == (terms > MAX_SUM_TERMS)
            cut.append(terms > MAX_SUM_TERMS)
        assert cut == [True, False]  # W_12 sums 63 × 63 terms, X_03 four
