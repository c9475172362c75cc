"""A real, offline Chromium for the tests of the HTML pages (Debian's chromium and chromium-driver,
driven by selenium; .ci/browser-packages installs them).

The browser runs headless as root would need it (no sandbox, no GPU), with a fresh profile, no
background networking, and the network switched off for the page: it is opened from a file:// URL
and every http(s) request is blocked, so a page that needed a CDN would show it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("SYMCONV_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("SYMCONV_CHROMEDRIVER", "/usr/bin/chromedriver")


def available() -> bool:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return False
    return Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()


needs_chromium = pytest.mark.skipif(not available() and not os.environ.get("CI"),
                                    reason="needs chromium, chromium-driver and selenium (.ci/browser-packages)")


class Chromium:
    """selenium's Chromium with the calls of tests/firefox.py's Firefox (``open``, ``run``, ``find``,
    ``click``, ``type``, ``clear``, ``screenshot``), so a check written once runs in both."""

    def __init__(self, driver):
        self.driver = driver

    def open(self, url: str) -> None:
        self.driver.get(url)

    def run(self, script: str, *args):
        return self.driver.execute_script(script, *args)

    def find(self, selector: str) -> list:
        from selenium.webdriver.common.by import By

        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def click(self, element) -> None:
        element.click()

    def type(self, element, text: str) -> None:
        element.send_keys(text)

    def clear(self, element) -> None:
        element.clear()

    def screenshot(self) -> bytes:
        return self.driver.get_screenshot_as_png()


@contextmanager
def offline_browser(width: int = 1280, height: int = 900):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="symconv-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--no-first-run", "--disable-default-apps", "--disable-extensions",
                     f"--user-data-dir={profile}", f"--window-size={width},{height}"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["http://*", "https://*", "ws://*",
                                                                  "wss://*", "ftp://*"]})
        driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
            "offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0})
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
