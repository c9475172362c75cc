"""The interactive HTML page of the examples, in a real offline Chromium (tests/browser.py): the
smallest of each kind of page, every example with SYMCONV_BROWSER_MATRIX=full (as .ci/run runs).

For each example: the page loads with the network off and fetches nothing; the mathematics
rendered (MathML, no error nodes, formulas with a size); the pictures are there; a screenshot is not
blank. Then several gradient entries are hovered and focused with the keyboard, and the entries
marked ``sc-related`` must be exactly those the chain rule reads, computed here from the
derivation's terms (each term's output y_k, and the entries of its local derivative), never from
the page's own data.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from browser import Chromium, needs_chromium, offline_browser
from page_checks import browser_examples, bring_into_view, check_lit, check_panel, opened_page, written_page
from symconv import build_solution, derive, load_problem, render_solution

pytestmark = needs_chromium

EXAMPLES = browser_examples(sorted(Path("examples").glob("*.toml")))
HOVERED = 4  # gradient entries hovered, and as many focused, per example


def check_highlight(driver, problem, element) -> None:
    """The entry under the pointer or the focus is active (the innermost one: a cell of ∂L/∂X in a
    chain holds entries of ∂L/∂Y1), and exactly what its chain rule reads is lit."""
    from selenium.webdriver.common.by import By

    check_lit(driver.execute_script, problem)
    active = driver.find_element(By.CSS_SELECTOR, ".sc-active")
    assert driver.execute_script("return arguments[0].contains(arguments[1])", element, active)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_the_page_renders_offline_and_lights_up_each_entrys_factors(example, tmp_path, browser):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    problem, _ = opened_page(Chromium(browser), example, tmp_path)

    entries = browser.find_elements(By.CSS_SELECTOR, ".sc-entry")
    assert entries
    picked = entries[::max(1, len(entries) // HOVERED)][:HOVERED]
    for element in picked:  # the mouse
        bring_into_view(browser.execute_script, element)
        ActionChains(browser).move_to_element(element).perform()
        check_highlight(browser, problem, element)
        ActionChains(browser).move_by_offset(0, 0).move_to_element(
            browser.find_element(By.TAG_NAME, "h1")).perform()
        assert browser.execute_script("return document.querySelectorAll('.sc-active, .sc-related').length") == 0
    for element in reversed(picked):  # the keyboard: focus, then Tab on to the next entry
        browser.execute_script("arguments[0].focus()", element)
        assert browser.switch_to.active_element == element
        check_highlight(browser, problem, element)
        ActionChains(browser).send_keys("\t").perform()
        following = browser.switch_to.active_element
        if "sc-entry" in (following.get_attribute("class") or ""):
            check_highlight(browser, problem, following)


# Every block laid out first: the page lays out a block only as it comes into view
# (content-visibility: auto), and one never laid out has no width to overflow.
WIDE_DISPLAYS = """
const every = document.createElement('style');
every.textContent = '* { content-visibility: visible !important }';
document.head.append(every);
return [...document.querySelectorAll('.sc-display, .sc-gallery, .sc-numbered, figure')]
  .filter(block => block.scrollWidth > block.clientWidth + 1)
  .map(block => block.textContent.slice(0, 40));
"""


def test_in_a_1400_pixel_window_no_display_scrolls_and_a_5x5_matrix_of_sums_is_whole(tmp_path):
    """1400 pixels wide, every page's displays, galleries and pictures fit their boxes (none
    scrolls sideways), at both levels of detail, and the homework's 5 × 5 ∂E/∂A of sums of up to
    nine terms is one matrix, never blocks of columns: the page measures its MathML as browsers
    set it."""
    with offline_browser(1400, 900) as driver:
        for example in EXAMPLES:
            _, page = written_page(example, tmp_path)
            driver.get(page.as_uri())
            assert driver.execute_script(WIDE_DISPLAYS) == [], example.stem
            full = tmp_path / f"{example.stem}-full.html"
            full.write_text(render_solution(build_solution(load_problem(example), detail="full"), "html"),
                            encoding="utf-8")
            driver.get(full.as_uri())
            assert driver.execute_script(WIDE_DISPLAYS) == [], f"{example.stem}, --detail full"
        _, page = written_page(Path("examples/homework_5x5.toml"), tmp_path)
        driver.get(page.as_uri())
        before_the_matrix_form = driver.execute_script("return document.body.textContent").split("Matrix form")[0]
        assert "blocks of columns" not in before_the_matrix_form  # (the matrix form's row of 25 is)
        rows = driver.execute_script("""
            return [...document.querySelectorAll('mtable')].filter(t => t.querySelectorAll('mtr').length === 5
              && t.querySelector('mtr').children.length === 5).length""")
        assert rows >= 4  # ∂E/∂A: the four running sums and the result, each one 5 × 5 matrix


def test_the_panel_takes_a_quarter_of_the_window_at_most_and_scrolls_inside_itself(tmp_path, browser):
    """The recitation's ∂L/∂W_11 sums 140 terms: its chain rule in the panel is taller than a
    quarter of the window, so the panel stops there and scrolls, and the page does not move."""
    from selenium.webdriver.common.by import By

    _, page = written_page(Path("examples/recitation_image_16x12.toml"), tmp_path)
    browser.get(page.as_uri())
    check_panel(browser.execute_script, browser.find_element(By.CSS_SELECTOR, '.sc-entry[data-grad="W"]'))



def test_the_panel_writes_the_upstream_gradients_entries_as_derivatives(tmp_path, browser):
    """The notes' strided layer names its upstream gradient after its output (∂L/∂y_00 of y): in
    the panel, ∂L/∂w_01's sum of named terms is ∂L/∂y_k·x_m, not y_k·x_m (the page's data once
    took the two tensors for one)."""
    _, page = written_page(Path("examples/notes_strided_5x5.toml"), tmp_path)
    browser.get(page.as_uri())
    entry = browser.execute_script("return document.querySelector('.sc-entry[data-grad=\"w\"][data-index=\"0,1\"]')")
    browser.execute_script("arguments[0].focus()", entry)
    problem = load_problem(Path("examples/notes_strided_5x5.toml"))
    weight = derive(problem).gradient("w")
    flat = weight.wrt.flat_of((0, 1))
    terms = int(weight.blocks[0].offsets[flat + 1] - weight.blocks[0].offsets[flat])
    equation = browser.execute_script("return document.getElementById('sc-equation').textContent")
    # ∂L/∂w_01, then ∂L/∂y_k ∂y_k/∂w_01 for each term, then ∂L/∂y_k·x_m for each
    assert terms == 4 and equation.count("\u2202") == 2 + 4 * terms + 2 * terms


MAX_HANDOUT_PAGE_BYTES = 1_000_000
RECITATION = Path("examples/recitation_image_16x12.toml")

HOVER_EVERY_ENTRY = """
const panel = document.getElementById('sc-equation'), failed = [];
const entries = document.querySelectorAll('.sc-entry');
for (const entry of entries) {
  entry.dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));
  const shown = panel.textContent;
  if (!entry.classList.contains('sc-active') || !shown.startsWith('\u2202') || !shown.includes('='))
    failed.push(entry.getAttribute('data-grad') + ':' + entry.getAttribute('data-index'));
  entry.dispatchEvent(new MouseEvent('mouseout', {bubbles: true}));
}
return [entries.length, failed, document.querySelectorAll('.sc-active, .sc-related').length];
"""


def test_the_recitation_handout_is_under_1_mb_and_every_entry_it_shows_has_its_chain_rule(tmp_path, browser):
    """Issue 21: the handout-level page of the recitation (a 16×12 image) stays under 1 MB, and
    every gradient entry it offers, hovered, is active and shows its chain rule in the panel."""
    _, page = written_page(RECITATION, tmp_path)
    assert page.stat().st_size < MAX_HANDOUT_PAGE_BYTES
    browser.get(page.as_uri())
    count, failed, left_lit = browser.execute_script(HOVER_EVERY_ENTRY)
    assert count == page.read_text(encoding="utf-8").count('class="sc-entry"') >= 28  # A, W and B
    assert failed == [] and left_lit == 0


def test_in_a_notebook_frame_the_page_is_whole_and_every_entry_shows_its_chain_rule(tmp_path, browser):
    """The notebook bundle of the recitation's handout (the page as the frame's srcdoc) stays
    under 1 MB, and in the frame every entry works as on the page."""
    from selenium.webdriver.common.by import By

    solution = build_solution(load_problem(RECITATION))
    bundle = solution._repr_mimebundle_()
    assert sum(len(data.encode()) for data in bundle.values()) < MAX_HANDOUT_PAGE_BYTES
    path = tmp_path / "notebook.html"
    path.write_text(f"<!DOCTYPE html><html><body>{bundle['text/html']}</body></html>", encoding="utf-8")
    browser.get(path.as_uri())
    browser.switch_to.frame(browser.find_element(By.TAG_NAME, "iframe"))
    try:
        count, failed, _ = browser.execute_script(HOVER_EVERY_ENTRY)
    finally:
        browser.switch_to.default_content()
    assert count == render_solution(solution, "html").count('class="sc-entry"') and failed == []


def test_a_long_sum_written_once_is_a_link_away_in_the_full_page(tmp_path, browser):
    """The recitation's full page writes each 140-term ∂L/∂W entry once, in its chain rule; the
    other places say "∂L/∂W is the same as (1)", and (1) names those equations: every such
    reference is a link to a display the page has, and following one brings it into view."""
    from selenium.webdriver.common.by import By

    page = tmp_path / "full.html"
    page.write_text(render_solution(build_solution(load_problem(RECITATION), detail="full"), "html"),
                    encoding="utf-8")
    browser.get(page.as_uri())
    targets = browser.execute_script("""
        return [...document.querySelectorAll('a.sc-ref')].map(a => [a.textContent,
            document.getElementById(a.getAttribute('href').slice(1)) !== null])""")
    assert len(targets) >= 4 and all(found for _, found in targets)
    again = browser.find_element(By.XPATH, "//p[contains(., 'is the same as')]/a[@class='sc-ref']")
    assert again.text == "(1)"
    browser.execute_script("arguments[0].click()", again)
    top = browser.execute_script("return document.getElementById('sc-n1').getBoundingClientRect().top")
    assert 0 <= top < browser.execute_script("return window.innerHeight")
    assert "those of (27)–(35)" in browser.execute_script("return document.getElementById('sc-n1').textContent")
