"""What an interactive page must show in any browser (tests/test_html_page.py for Chromium,
tests/test_html_firefox.py for Firefox): the lit factors of an entry, computed here from the
derivation's terms (each term's output y_k, and the entries of its local derivative), never from
the page's own data; and a screenshot that is not blank. ``browser_examples`` picks the examples
a browser test opens."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np

from symconv import build_solution, derive, load_problem, render_solution
from symconv.engine.figures import is_pictured
from symconv.core.poly import Atom


# .ci/run sets it: Chromium and Firefox open every example's pages, and the large ones in both
FULL_MATRIX = os.environ.get("SYMCONV_BROWSER_MATRIX") == "full"


def browser_examples(examples: list[Path]) -> list[Path]:
    """The examples a browser test opens: all of them with SYMCONV_BROWSER_MATRIX=full, else the
    smallest of each kind of page (its layer types, its dimensions, a given or a symbolic input),
    so that every kind is opened in both browsers and a contributor's run stays short."""
    if FULL_MATRIX:
        return examples
    smallest: dict[tuple, tuple[int, Path]] = {}
    for path in examples:
        problem = load_problem(path)
        kind = (tuple(layer.kind for layer in problem.layers), problem.dims, problem.input.is_numeric)
        if kind not in smallest or problem.term_count() < smallest[kind][0]:
            smallest[kind] = (problem.term_count(), path)
    return sorted(path for _, path in smallest.values())


def written_page(example: Path, folder: Path):
    """(the example's problem, its HTML page written into ``folder``)."""
    problem = load_problem(example)
    page = folder / f"{example.stem}.html"
    page.write_text(render_solution(build_solution(problem), "html"), encoding="utf-8")
    return problem, page


def opened_page(browser, example: Path, folder: Path):
    """(the example's problem, its page), written into ``folder`` and opened in ``browser`` (a
    tests/firefox.py Firefox or a tests/browser.py Chromium), checked as :func:`check_rendered`
    checks it."""
    problem, page = written_page(example, folder)
    browser.open(page.as_uri())
    check_rendered(browser.run, problem, browser.screenshot())
    return problem, page


def check_rendered(run, problem, screenshot: bytes) -> None:
    """The page loaded and fetched nothing (only the page itself), its MathML has no error and
    its formulas a size, its pictures are drawn (none for 3-D layers), and it has ink."""
    assert run("return document.readyState") == "complete"
    assert run("return performance.getEntriesByType('resource').length") == 0
    assert run("return document.querySelectorAll('merror').length") == 0
    # every "(3)" that refers back is a link to something the page shows
    assert run("return [...document.querySelectorAll('a.sc-ref')].filter("
               "a => !document.getElementById(a.getAttribute('href').slice(1))).length") == 0
    sizes = run("return [...document.querySelectorAll('math')].map(m => m.getBoundingClientRect().width)")
    assert len(sizes) > 20 and sum(w > 0 for w in sizes) / len(sizes) > 0.95
    drawn = run("return document.querySelectorAll('figure svg rect').length")
    figures = run("return document.querySelectorAll('figure').length")
    assert (drawn > 4 * figures if figures else drawn == 0) and (is_pictured(problem.dims) or not figures)
    assert nonblank(screenshot)


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


# The page lays out its blocks when they come into view (content-visibility: auto), so an entry
# scrolled to may move once while the blocks around it get their size: wait until it stays put
# for a few frames (as a reader's pointer comes to rest), then centre it again.
SETTLED = """
const element = arguments[0];
element.scrollIntoView({block: 'center'});
return new Promise(resolve => {
  let last = null, still = 0, frames = 0;
  function check() {
    const top = element.getBoundingClientRect().top;
    still = top === last ? still + 1 : 0;
    last = top;
    if (still >= 3 || ++frames > 300) {
      element.scrollIntoView({block: 'center'});
      requestAnimationFrame(() => requestAnimationFrame(() => resolve(true)));
    } else {
      requestAnimationFrame(check);
    }
  }
  requestAnimationFrame(check);
});
"""


def bring_into_view(run, element) -> None:
    """Scroll ``element`` to the middle of the window and wait until the page around it settles."""
    run(SETTLED, element)


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


def check_lit(run, problem) -> None:
    """Exactly one entry is active, and exactly what its chain rule reads is lit; ``run(script)``
    runs JavaScript in the page (any browser's driver)."""
    assert run("return document.querySelectorAll('.sc-active').length") == 1
    name, index = run("const a = document.querySelector('.sc-active');"
                      " return [a.getAttribute('data-grad'), a.getAttribute('data-index')]")
    wanted = expected_related(problem, name, tuple(int(i) for i in index.split(",")))
    lit = run(HIGHLIGHTED)
    assert lit, f"nothing lit for ∂/∂{name}[{index}]"
    # every lit element is one of the factors, and every displayed factor is lit
    assert all(keys(e) & wanted for e in lit), (name, index, [e for e in lit if not keys(e) & wanted])
    shown = [e for e in run(MARKED) if keys(e) & wanted]
    assert len(shown) == len(lit)
    equation = run("return document.getElementById('sc-equation').textContent")
    assert "=" in equation and "∂" in equation


def nonblank(png: bytes) -> bool:
    """Whether a screenshot has both a light background and a fair amount of dark ink."""
    import struct
    import zlib

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
    channels = 4 if colour == 6 else 3
    raw = np.frombuffer(zlib.decompress(b"".join(chunks)), dtype=np.uint8).reshape(height, -1)
    pixels = unfiltered(raw[:, 0], raw[:, 1:].astype(np.int64), channels)
    grey = pixels.reshape(height, width, channels)[:, ::7, :3].mean(axis=2)  # a sample of the pixels
    return int((grey < 100).sum()) > 200 and int((grey > 200).sum()) > 2000


def unfiltered(filters: np.ndarray, rows: np.ndarray, channels: int) -> np.ndarray:
    """PNG's per-row filters undone (None, Sub, Up, Average, Paeth): the rows of bytes."""
    previous = np.zeros(rows.shape[1], dtype=np.int64)
    for number, (kind, line) in enumerate(zip(filters, rows)):
        if kind == 1:  # each byte plus the one a pixel to its left: a running sum per channel
            line = line.reshape(-1, channels).cumsum(axis=0).reshape(-1)
        elif kind == 2:
            line = line + previous
        elif kind in (3, 4):  # these read the byte just undone: byte by byte
            line = np.array(undone(line.tolist(), previous.tolist(), channels, kind))
        rows[number] = previous = line & 255
    return rows


def undone(line: list[int], previous: list[int], channels: int, kind: int) -> list[int]:
    """One row's Average (3) or Paeth (4) filter undone."""
    for i in range(len(line)):
        left = line[i - channels] if i >= channels else 0
        up, corner = previous[i], previous[i - channels] if i >= channels else 0
        if kind == 3:
            line[i] = (line[i] + (left + up) // 2) & 255
        else:
            p = left + up - corner
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
            line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
    return line


PANEL = """
const panel = document.getElementById('sc-panel');
arguments[0].focus();
const page = window.scrollY;
panel.scrollTop = 60;
return [panel.getBoundingClientRect().height, window.innerHeight, panel.scrollHeight, panel.clientHeight,
        panel.scrollTop, window.scrollY - page];
"""


def check_panel(run, entry) -> None:
    """Focusing ``entry`` (an entry with a long chain rule) shows its equation in the panel at the
    bottom, which takes at most a quarter of the window's height and scrolls inside itself."""
    height, window, content, shown, scrolled, page_moved = run(PANEL, entry)
    assert 0 < height <= window / 4 + 1, (height, window)
    assert content > shown + 60  # it holds more than it shows
    assert scrolled == 60 and page_moved == 0

