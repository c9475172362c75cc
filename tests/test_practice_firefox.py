"""The practice page of the examples (the smallest of each kind of page; all of them with
SYMCONV_BROWSER_MATRIX=full) in a real offline Firefox (tests/firefox.py), as
tests/test_practice_page.py does in Chromium: a right answer, a one-entry slip and a named
mistake typed with real keys, marked and named as `symconv verify` marks and names them; the chain
rule and the worked solution revealed (tests/practice_checks.py)."""

from __future__ import annotations

import os

import pytest

from firefox import available, offline_firefox
from page_checks import browser_examples
from practice_checks import check_practice, checkable_examples, written_practice

pytestmark = pytest.mark.skipif(not available() and not os.environ.get("CI"),
                                reason="needs firefox-esr (.ci/browser-packages)")

EXAMPLES = browser_examples(checkable_examples())


class FirefoxPage:
    """The page checks' driver on Marionette."""

    def __init__(self, browser):
        self.browser = browser

    def run(self, script, *args):
        return self.browser.run(script, *args)

    def fields(self):
        return self.browser.find("input[data-answer]")

    def type(self, element, text):
        self.browser.type(element, text)

    def clear(self, element):
        self.browser.clear(element)

    def press(self, action):
        self.browser.click(self.browser.find(f'button[data-action="{action}"]')[0])

    def screenshot(self):
        return self.browser.screenshot()


@pytest.fixture(scope="module")
def firefox():
    with offline_firefox() as browser:
        yield browser


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_the_practice_page_works_in_firefox(example, tmp_path, firefox):
    key, page = written_practice(example, tmp_path)
    firefox.open(page.as_uri())
    check_practice(FirefoxPage(firefox), key)
