"""Feedback's settings."""

from __future__ import annotations

from services.runtime.settings import ServiceSettings


class FeedbackSettings(ServiceSettings):
    http_port: int = 8084
    # How long after the first rating a worker may still change it.
    rating_revision_days: int = 14
