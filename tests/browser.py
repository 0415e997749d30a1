"""Debian's headless Chromium for the page tests: where it is and how it is started here."""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import subprocess
import sys
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("JIFEN_CHROMIUM", "/usr/bin/chromium"))

# No background traffic: this machine has no network, and a fresh profile every time.
HEADLESS_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium_or_skip() -> Path:
    """Skipped where Chromium is missing, except in CI where the browser test must run."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        reason = f"no chromium at {CHROMIUM}: apt-get install chromium fonts-noto-cjk"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the browser test: {reason}")
        pytest.skip(reason)
    return CHROMIUM


class Chromium:
    """Chromium driven through the DevTools protocol on a pipe (stdlib only, no websocket).

    ``--remote-debugging-pipe`` makes the browser read commands on fd 3 and answer on fd 4;
    a tiny Python trampoline puts the pipe ends there before exec'ing the browser.
    """

    FLAGS = (*HEADLESS_FLAGS, "--remote-debugging-pipe")
    TRAMPOLINE = (
        "import os, sys; r, w = int(sys.argv[1]), int(sys.argv[2]); os.dup2(r, 3); "
        "os.dup2(w, 4); os.close(r); os.close(w); os.execv(sys.argv[3], sys.argv[3:])"
    )

    def __init__(self, executable: Path, profile: Path) -> None:
        child_in, self._write = os.pipe()
        self._read, child_out = os.pipe()
        # Move the child's ends above 4 so the dup2 onto 3 and 4 cannot clobber them.
        ends = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (child_in, child_out)]
        os.close(child_in)
        os.close(child_out)
        command = [sys.executable, "-c", self.TRAMPOLINE, *map(str, ends), str(executable)]
        self.process = subprocess.Popen(
            [*command, *self.FLAGS, f"--user-data-dir={profile}", "about:blank"],
            pass_fds=ends,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for fd in ends:
            os.close(fd)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable", session=True)
        self.call(
            "Emulation.setDeviceMetricsOverride",
            session=True,
            width=1280,
            height=900,
            deviceScaleFactor=1,
            mobile=False,
        )

    def _message(self, timeout: float = 30) -> dict:
        while b"\0" not in self._buffer:
            if not select.select([self._read], [], [], timeout)[0]:
                raise TimeoutError("chromium did not answer")
            chunk = os.read(self._read, 1 << 20)
            if not chunk:
                raise EOFError("chromium closed the DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, session: bool = False, **params: object) -> dict:
        self._next_id += 1
        message: dict = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._message()
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer["result"]
            self.events.append(answer)

    def load(self, url: str) -> None:
        self.events.clear()
        self.call("Page.navigate", session=True, url=url)
        while not any(event.get("method") == "Page.loadEventFired" for event in self.events):
            self.events.append(self._message())
        self.evaluate("0")  # a round trip: what the page logged while loading has arrived

    def evaluate(self, expression: str) -> object:
        result = self.call(
            "Runtime.evaluate", session=True, expression=expression, returnByValue=True
        )
        return result["result"].get("value")

    def problems(self) -> list[str]:
        """Console errors, uncaught exceptions and browser-logged errors (e.g. failed loads)."""
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
                found.append("console: " + " ".join(str(a.get("value")) for a in params["args"]))
            elif method == "Runtime.exceptionThrown":
                found.append("exception: " + params["exceptionDetails"].get("text", ""))
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                found.append(f"log: {params['entry']['text']} {params['entry'].get('url', '')}")
        return found

    def requests(self) -> list[str]:
        return [
            event["params"]["request"]["url"]
            for event in self.events
            if event.get("method") == "Network.requestWillBeSent"
        ]

    def screenshot(self, path: Path) -> None:
        shot = self.call(
            "Page.captureScreenshot", session=True, format="png", captureBeyondViewport=True
        )
        path.write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        try:
            self.call("Browser.close")
            self.process.wait(timeout=15)
        except (OSError, EOFError, TimeoutError, RuntimeError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        finally:
            os.close(self._read)
            os.close(self._write)
