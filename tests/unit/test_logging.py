"""Every log line is one JSON object with the same fields, whoever logged it."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from services.runtime.logging import bound_event_context, configure_logging


@pytest.fixture()
def restored() -> Iterator[None]:
    """Each test sets logging up itself, in its own phase (pytest swaps stderr between phases,
    and the handlers keep the stream they were given); this undoes it after."""
    yield
    structlog.reset_defaults()
    logging.getLogger().handlers = []


def read(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    return [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]


@pytest.mark.usefixtures("restored")
class TestOneFormat:
    """An operator's log shipper parses every line, from our code or from a library."""

    def test_our_lines_carry_service_level_and_time(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        configure_logging("unit-logging", "INFO", json=True)
        structlog.get_logger("aduan").info("event_handled", attempts=1)
        (line,) = read(capsys)
        assert line["event"] == "event_handled"
        assert line["service"] == "unit-logging"
        assert line["level"] == "info"
        assert line["attempts"] == 1
        assert "timestamp" in line

    def test_a_library_warning_becomes_the_same_json(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        configure_logging("unit-logging", "INFO", json=True)
        logging.getLogger("aiokafka.consumer").warning("Heartbeat failed for group %s", "g1")
        (line,) = read(capsys)
        assert line["event"] == "Heartbeat failed for group g1"
        assert line["logger"] == "aiokafka.consumer"
        assert line["level"] == "warning"
        assert line["service"] == "unit-logging"
        assert "timestamp" in line

    def test_a_library_line_inside_an_event_carries_its_ids(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        configure_logging("unit-logging", "INFO", json=True)
        with bound_event_context(complaint_id="c-1", union_id=None):
            logging.getLogger("asyncpg").error("connection reset")
        (line,) = read(capsys)
        assert line["complaint_id"] == "c-1"
        assert "union_id" not in line

    def test_library_chatter_below_warning_is_dropped(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        configure_logging("unit-logging", "INFO", json=True)
        logging.getLogger("uvicorn.access").info('127.0.0.1 - "GET /health" 200')
        assert read(capsys) == []

    def test_an_exception_is_rendered_inside_the_line(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        configure_logging("unit-logging", "INFO", json=True)
        try:
            raise ValueError("boom")
        except ValueError:
            logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
        (line,) = read(capsys)
        assert "ValueError: boom" in str(line["exception"])
