"""The practice page of the examples (the smallest of each kind of page; all of them with
SYMCONV_BROWSER_MATRIX=full) in a real offline Firefox (tests/firefox.py), as
tests/test_practice_page.py does in Chromium: a right answer, a one-entry slip and a named
mistake typed with real keys, marked and named as `symconv verify` marks and names them; the chain
rule and the worked solution revealed (tests/practice_checks.py)."""

from __future__ import annotations

import pytest

from firefox import needs_firefox
from page_checks import browser_examples
from practice_checks import check_practice, checkable_examples, written_practice

pytestmark = needs_firefox

EXAMPLES = browser_examples(checkable_examples())


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_the_practice_page_works_in_firefox(example, tmp_path, firefox):
    key, page = written_practice(example, tmp_path)
    firefox.open(page.as_uri())
    check_practice(firefox, key)
