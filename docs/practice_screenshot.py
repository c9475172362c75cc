"""Regenerates docs/practice-page.png, the README's picture of the practice page: the homework's
∂E/∂A answered with the kernel not rotated, checked, and one entry's chain rule shown, in an
offline headless Chromium (tests/browser.py). Run from the checkout: python docs/practice_screenshot.py"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, "tests")

from browser import offline_browser  # noqa: E402
from practice_checks import named_mistake  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

from symconv import load_problem, practice  # noqa: E402

page = practice(load_problem("examples/homework_5x5.toml"), "A")
wrong, _ = named_mistake(page.keys[0])
with tempfile.TemporaryDirectory() as folder, offline_browser(1100, 1150) as browser:
    path = Path(folder) / "practice.html"
    path.write_text(page.html, encoding="utf-8")
    browser.get(path.as_uri())
    for field, text in zip(browser.find_elements(By.CSS_SELECTOR, "input[data-answer]"), wrong):
        field.send_keys(text)
    browser.find_element(By.CSS_SELECTOR, '[data-action="check"]').click()
    browser.execute_script("document.querySelectorAll('[data-action=chain]')[12].click()")
    browser.execute_script("window.scrollTo(0, document.querySelector('#sc-current > h2')"
                           ".getBoundingClientRect().top + window.scrollY - 20)")
    time.sleep(0.3)
    browser.save_screenshot("docs/practice-page.png")
print("wrote docs/practice-page.png")
