"""Intake's settings."""

from __future__ import annotations

from functools import cached_property

from pydantic import Field, SecretStr

from services.intake.contacts import ContactVault
from services.runtime.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    http_port: int = 8081
    # A burst of 10,000 submissions from 64 clients was accepted at ~500/s with 10 connections
    # (requests queued for one) and ~800/s with 32; PostgreSQL's default max_connections of 100
    # leaves room for the other services' pools of 10.
    database_pool_size: int = Field(default=32, ge=1)
    # A complaint not recommended after this long is re-published: the broker may have lost it.
    stuck_after_seconds: float = 120.0
    stuck_check_seconds: float = 30.0
    max_republish: int = 10
    # Seal workers' contact details at rest (services/intake/contacts.py); the first seals, all
    # open. None: stored as given, and intake warns at start.
    contact_keys: list[SecretStr] = Field(default_factory=list)

    @cached_property
    def contacts(self) -> ContactVault:
        return ContactVault.from_keys(self.contact_keys)
