"""structlog JSON logs: one line per handled event, with complaint, union and correlation ids.

Handlers bind those ids with `bound_event_context`; every line logged inside carries them.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import structlog


def configure_logging(service: str, level: str = "INFO", json: bool = True) -> None:
    renderer: Any = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)
    # The broker clients log through the standard library; keep their warnings, drop chatter.
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(name)s %(message)s")


@contextmanager
def bound_event_context(**ids: object) -> Iterator[None]:
    """Bind ids (complaint_id, union_id, correlation_id...) to every log line inside the block."""
    clean = {k: str(v) for k, v in ids.items() if v is not None}
    with structlog.contextvars.bound_contextvars(**clean):
        yield
