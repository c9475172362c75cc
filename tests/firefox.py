"""A real, offline Firefox for the tests of the HTML pages (Debian's firefox-esr).

Debian ships no geckodriver and PyPI's installers fetch it from GitHub, so the browser is driven
through Marionette, the remote protocol built into Firefox that geckodriver itself speaks: length-
prefixed JSON messages on a local socket (``[0, id, "WebDriver:Navigate", {...}]`` answered by
``[1, id, error, result]``), WebDriver's commands under their own names. Headless, a fresh profile,
and every http(s) request sent to a proxy that does not exist, so a page that needed the network
would show it.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager

import pytest

FIREFOX = os.environ.get("SYMCONV_FIREFOX", "/usr/bin/firefox-esr")
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # WebDriver's key for an element reference
PREFERENCES = {
    "marionette.port": 0,  # set per run
    "network.proxy.type": 1, "network.proxy.http": "127.0.0.1", "network.proxy.http_port": 9,
    "network.proxy.ssl": "127.0.0.1", "network.proxy.ssl_port": 9,
    "network.proxy.allow_hijacking_localhost": False,
    "browser.shell.checkDefaultBrowser": False, "browser.startup.homepage_override.mstone": "ignore",
    "datareporting.policy.dataSubmissionEnabled": False, "toolkit.telemetry.reportingpolicy.firstRun": False,
    "app.update.disabledForTesting": True, "browser.aboutwelcome.enabled": False,
}


def available() -> bool:
    return os.path.exists(FIREFOX)


needs_firefox = pytest.mark.skipif(not available() and not os.environ.get("CI"),
                                   reason="needs firefox-esr (.ci/browser-packages)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Firefox:
    """One Marionette session: ``run(script, *args)`` runs JavaScript in the page (elements as
    returned by :meth:`find`), ``pointer_to``/``press``/``click``/``type`` are real input actions."""

    def __init__(self, connection: socket.socket):
        self.connection = connection
        self.pending = b""
        self.last = 0
        self.receive()  # Marionette's greeting

    def receive(self):
        while b":" not in self.pending:
            self.pending += self.connection.recv(65536)
        size, rest = self.pending.split(b":", 1)
        while len(rest) < int(size):
            rest += self.connection.recv(65536)
        self.pending = rest[int(size):]
        return json.loads(rest[:int(size)])

    def call(self, command: str, parameters: dict | None = None):
        self.last += 1
        message = json.dumps([0, self.last, command, parameters or {}]).encode()
        self.connection.sendall(str(len(message)).encode() + b":" + message)
        while True:
            kind, number, error, result = self.receive()
            if kind == 1 and number == self.last:
                if error:
                    raise RuntimeError(f"{command}: {error}")
                return result

    def open(self, url: str) -> None:
        self.call("WebDriver:Navigate", {"url": url})

    def run(self, script: str, *args):
        return self.call("WebDriver:ExecuteScript", {"script": script, "args": list(args)})["value"]

    def find(self, selector: str) -> list[dict]:
        found = self.call("WebDriver:FindElements", {"using": "css selector", "value": selector})
        return found if isinstance(found, list) else found["value"]

    def pointer_to(self, element: dict) -> None:
        self.call("WebDriver:PerformActions", {"actions": [{
            "type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"},
            "actions": [{"type": "pointerMove", "duration": 0, "origin": element, "x": 0, "y": 0}]}]})

    def press(self, key: str) -> None:
        self.call("WebDriver:PerformActions", {"actions": [{
            "type": "key", "id": "keyboard",
            "actions": [{"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}]}]})

    def click(self, element: dict) -> None:
        self.call("WebDriver:ElementClick", {"id": element[ELEMENT]})

    def type(self, element: dict, text: str) -> None:
        """Real key events into the element (focused first), as a person types."""
        self.call("WebDriver:ElementSendKeys", {"id": element[ELEMENT], "text": text})

    def clear(self, element: dict) -> None:
        self.call("WebDriver:ElementClear", {"id": element[ELEMENT]})

    def screenshot(self) -> bytes:
        return base64.b64decode(self.call("WebDriver:TakeScreenshot", {"full": False})["value"])


@contextmanager
def offline_firefox(width: int = 1280, height: int = 900):
    profile = tempfile.mkdtemp(prefix="symconv-firefox-")
    port = free_port()
    with open(os.path.join(profile, "user.js"), "w", encoding="utf-8") as preferences:
        for name, value in {**PREFERENCES, "marionette.port": port}.items():
            preferences.write(f"user_pref({json.dumps(name)}, {json.dumps(value)});\n")
    process = subprocess.Popen([FIREFOX, "--headless", "--marionette", "--no-remote", "--profile", profile,
                                "--width", str(width), "--height", str(height)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                connection = socket.create_connection(("127.0.0.1", port), timeout=60)
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("Firefox did not start Marionette") from None
                time.sleep(0.1)
        browser = Firefox(connection)
        browser.call("WebDriver:NewSession", {"capabilities": {}})
        yield browser
        browser.call("WebDriver:DeleteSession")
        connection.close()
    finally:
        process.kill()
        process.wait()
        shutil.rmtree(profile, ignore_errors=True)
