"""The interactive HTML page of every example, in a real offline Chromium (tests/browser.py).

For each example: the page loads with the network off and fetches nothing; the mathematics
rendered (MathML, no error nodes, formulas with a size); the pictures are there; a screenshot is not
blank. Then several gradient entries are hovered and focused with the keyboard, and the entries
marked ``sc-related`` must be exactly those the chain rule reads, computed here from the
derivation's terms (each term's output y_k, and the entries of its local derivative), never from
the page's own data.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from symconv import build_solution, derive, load_problem, render_solution
from symconv.figures import is_pictured
from symconv.poly import Atom

from browser import available, offline_browser

pytestmark = pytest.mark.skipif(not available() and not os.environ.get("CI"),
                                reason="needs chromium, chromium-driver and selenium (.ci/browser-packages)")

EXAMPLES = sorted(Path("examples").glob("*.toml"))
HOVERED = 4  # gradient entries hovered, and as many focused, per example


def expected_related(problem, name: str, index: tuple[int, ...]) -> set[tuple[str, str, str]]:
    """(kind, tensor, index) of every entry ∂L/∂name[index] reads: its terms' outputs (gradient
    entries of the next layer) and the entries its local derivatives are."""
    gradient = derive(problem).gradient(name)
    tensor = gradient.wrt
    flat = tensor.flat_of(index)
    related = set()
    for block in gradient.blocks:
        for row in range(int(block.offsets[flat]), int(block.offsets[flat + 1])):
            output = int(block.outputs[row])
            related.add(("grad", block.output.name, ",".join(map(str, block.output.index_of(output)))))
            local = block.local.named(row)
            for symbol in (local.free_symbols() if isinstance(local, Atom) else ()):
                related.add(("tensor", symbol.tensor.name,
                             ",".join(map(str, symbol.tensor.index_of(symbol.flat)))))
    return related


HIGHLIGHTED = """
return [...document.querySelectorAll('.sc-related')].map(e => [
  e.getAttribute('data-grad'), e.getAttribute('data-tensor'), e.getAttribute('data-index')]);
"""
MARKED = """
return [...document.querySelectorAll('[data-grad],[data-tensor]')].map(e => [
  e.getAttribute('data-grad'), e.getAttribute('data-tensor'), e.getAttribute('data-index')]);
"""


def keys(element) -> set[tuple[str, str, str]]:
    grad, tensor, index = element
    return ({("grad", grad, index)} if grad else set()) | ({("tensor", tensor, index)} if tensor else set())


def check_highlight(driver, problem, element) -> None:
    """The entry under the pointer or the focus is active (the innermost one: a cell of ∂L/∂X in a
    chain holds entries of ∂L/∂Y1), and exactly what its chain rule reads is lit."""
    from selenium.webdriver.common.by import By

    assert driver.execute_script("return document.querySelectorAll('.sc-active').length") == 1
    active = driver.find_element(By.CSS_SELECTOR, ".sc-active")
    assert driver.execute_script("return arguments[0].contains(arguments[1])", element, active)
    name, index = active.get_attribute("data-grad"), active.get_attribute("data-index")
    wanted = expected_related(problem, name, tuple(int(i) for i in index.split(",")))
    lit = driver.execute_script(HIGHLIGHTED)
    assert lit, f"nothing lit for ∂/∂{name}[{index}]"
    # every lit element is one of the factors, and every displayed factor is lit
    assert all(keys(e) & wanted for e in lit), (name, index, [e for e in lit if not keys(e) & wanted])
    shown = [e for e in driver.execute_script(MARKED) if keys(e) & wanted]
    assert len(shown) == len(lit)
    equation = driver.execute_script("return document.getElementById('sc-equation').textContent")
    assert "=" in equation and "∂" in equation


def nonblank(png: bytes) -> bool:
    """Whether a screenshot has both a light background and a fair amount of dark ink."""
    import zlib
    import struct

    data = io.BytesIO(png)
    assert data.read(8) == b"\x89PNG\r\n\x1a\n"
    chunks, width, height = [], 0, 0
    while True:
        length, kind = struct.unpack(">I4s", data.read(8))
        body = data.read(length)
        data.read(4)
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6)
        elif kind == b"IDAT":
            chunks.append(body)
        elif kind == b"IEND":
            break
    raw = zlib.decompress(b"".join(chunks))
    channels = 4 if colour == 6 else 3
    stride = width * channels + 1
    dark = light = 0
    previous = bytearray(stride - 1)
    for row in range(height):  # undo PNG's per-row filters, then count grey levels
        kind, line = raw[row * stride], bytearray(raw[row * stride + 1:(row + 1) * stride])
        for i in range(len(line)):
            left = line[i - channels] if i >= channels else 0
            up, corner = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        previous = line
        for i in range(0, len(line), channels * 7):  # a sample of the pixels
            grey = sum(line[i:i + 3]) / 3
            dark += grey < 100
            light += grey > 200
    return dark > 200 and light > 2000


@pytest.fixture(scope="module")
def browser():
    with offline_browser() as driver:
        yield driver


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_the_page_renders_offline_and_lights_up_each_entrys_factors(example, tmp_path, browser):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    problem = load_problem(example)
    page = tmp_path / f"{example.stem}.html"
    page.write_text(render_solution(build_solution(problem), "html"), encoding="utf-8")
    browser.get(page.as_uri())
    assert browser.execute_script("return document.readyState") == "complete"
    # nothing fetched: only the page itself was loaded
    resources = browser.execute_script("return performance.getEntriesByType('resource').length")
    assert resources == 0
    assert browser.execute_script("return document.querySelectorAll('merror').length") == 0
    sizes = browser.execute_script("return [...document.querySelectorAll('math')].map("
                                   "m => m.getBoundingClientRect().width)")
    assert len(sizes) > 20 and sum(w > 0 for w in sizes) / len(sizes) > 0.95
    drawn = browser.execute_script("return document.querySelectorAll('figure svg rect').length")
    assert drawn > 4 if is_pictured(problem.dims) else drawn == 0  # 3-D layers have no pictures
    assert nonblank(browser.get_screenshot_as_png())

    entries = browser.find_elements(By.CSS_SELECTOR, ".sc-entry")
    assert entries
    picked = entries[::max(1, len(entries) // HOVERED)][:HOVERED]
    for element in picked:  # the mouse
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
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
