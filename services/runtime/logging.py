"""structlog JSON logs: one line per handled event, with complaint, union and correlation ids.

Handlers bind those ids with `bound_event_context`; every line logged inside carries them.
Libraries that log through the standard library (uvicorn, aiokafka, asyncpg) go through
structlog's bridge and come out as the same JSON lines, with the same fields, so a log shipper
reads one format.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import structlog
from structlog.typing import EventDict, Processor

# Libraries log through the standard library at WARNING and above: their warnings matter (a
# broker unreachable, a pool reset), their INFO chatter (a request line per call) does not.
LIBRARY_LEVEL = logging.WARNING


def configure_logging(service: str, level: str = "INFO", json: bool = True) -> None:
    """Send structlog's and the standard library's lines to stderr, rendered alike."""
    renderer: Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _with_service(service),
    ]
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(LIBRARY_LEVEL)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        # uvicorn's own handlers would print plain text beside ours; its lines go to the root.
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True


def _with_service(service: str) -> Processor:
    def add_service(_: Any, __: str, event: EventDict) -> EventDict:
        event.setdefault("service", service)
        return event

    return add_service


@contextmanager
def bound_event_context(**ids: object) -> Iterator[None]:
    """Bind ids (complaint_id, union_id, correlation_id...) to every log line inside the block."""
    clean = {k: str(v) for k, v in ids.items() if v is not None}
    with structlog.contextvars.bound_contextvars(**clean):
        yield
