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
# A crashing service is restarted, but not forever: after this many restarts it stays down and
# the operator reads its log.
MAX_RESTARTS = 5
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


def restart_crashed(children: list[Child]) -> list[str]:
    """Restart children that exited on their own; return the names restarted."""
    restarted = []
    for child in children:
        if child.alive() or child.restarts >= MAX_RESTARTS:
            continue
        child.restarts += 1
        child.start()
        restarted.append(child.name)
    return restarted
