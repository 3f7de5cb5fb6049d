"""Running the four services as child processes, watching them, and stopping them cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

# Order matters on start (intake first so unions are announced early) and reversed on stop.
SERVICES = ("intake", "feedback", "recommend", "triage")
# A crashing service is always restarted (a database outage crashes every service for as long
# as it lasts, and they must all come back after it), but each quick crash doubles the wait
# before the next start, up to this many seconds, so a service that cannot start does not spin.
MAX_RESTART_DELAY_SECONDS = 60.0
# A process that ran this long before it died was healthy: its back-off starts over.
STABLE_AFTER_SECONDS = 300.0
# Uvicorn's graceful shutdown drains handlers for up to 20 s; allow a little more before SIGKILL.
STOP_GRACE_SECONDS = 25.0


@dataclass
class Child:
    name: str
    port: int
    env: dict[str, str]
    log_path: Path
    # Which service the process runs; a second triage worker is named "triage-2".
    service: str = ""
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    history: list[float] = field(default_factory=list)
    # Quick crashes in a row (reset by a run longer than STABLE_AFTER_SECONDS), and when the
    # supervisor first saw the process dead.
    crashes_in_a_row: int = 0
    died_at: float | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "services.cli",
                "serve",
                self.service or self.name,
                "--port",
                str(self.port),
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            # Own process group: Ctrl-C reaches the supervisor only, which then stops children
            # in order instead of all of them dying at once mid-event.
            start_new_session=True,
        )
        self.history.append(time.monotonic())

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def terminate(self) -> None:
        if self.alive():
            assert self.process is not None
            self.process.send_signal(signal.SIGTERM)

    def wait_stopped(self, deadline: float) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def child_env(base: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(base)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def wait_healthy(children: list[Child], timeout: float) -> list[Child]:
    """Wait until every child answers /health; return those that did not in time."""
    deadline = time.monotonic() + timeout
    pending = list(children)
    while pending and time.monotonic() < deadline:
        pending = [c for c in pending if not c.healthy()]
        if any(not c.alive() for c in pending):
            break
        if pending:
            time.sleep(0.5)
    return pending


def stop_all(children: list[Child]) -> None:
    for child in reversed(children):
        child.terminate()
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for child in reversed(children):
        child.wait_stopped(deadline)


def restart_delay(crashes_in_a_row: int) -> float:
    """Seconds to wait before starting a process that crashed this many times in a row."""
    if crashes_in_a_row <= 1:
        return 0.0
    return min(MAX_RESTART_DELAY_SECONDS, 2.0 ** (crashes_in_a_row - 1))


def restart_crashed(children: list[Child], now: float | None = None) -> list[Child]:
    """Restart children that exited on their own once their back-off has passed; return them.

    Never gives up: a child that keeps crashing is started again every
    `MAX_RESTART_DELAY_SECONDS` for as long as the stack runs.
    """
    now = time.monotonic() if now is None else now
    restarted = []
    for child in children:
        if child.alive():
            continue
        if child.died_at is None:
            child.died_at = now
            ran = now - (child.history[-1] if child.history else now)
            child.crashes_in_a_row = (
                1 if ran >= STABLE_AFTER_SECONDS else child.crashes_in_a_row + 1
            )
        if now - child.died_at < restart_delay(child.crashes_in_a_row):
            continue
        child.restarts += 1
        child.died_at = None
        child.start()
        restarted.append(child)
    return restarted
