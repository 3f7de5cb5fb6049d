"""Feedback's settings."""

from __future__ import annotations

from services.runtime.settings import ServiceSettings


class FeedbackSettings(ServiceSettings):
    http_port: int = 8084
    # How long after the first rating a worker may still change it.
    rating_revision_days: int = 14
    # How often the breach job looks for running SLA clocks past their deadline.
    sla_scan_seconds: float = 60.0
    # How long after a resolution the worker may still reopen it as not fixed.
    reopen_window_days: int = 30
