"""Settings every service shares, read from the environment (pydantic-settings).

`KAFKA_BOOTSTRAP_SERVERS` and `DATABASE_URL` keep their conventional names; everything else is
prefixed `ADUAN_`. `aduan up` sets them for the processes it starts.
"""

from __future__ import annotations

from ipaddress import ip_network
from pathlib import Path

from pydantic import AliasChoices, Field, IPvAnyNetwork, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.runtime.embedding import DEFAULT_MODEL
from services.runtime.throttle import ThrottleSettings

# Loopback and the private ranges: where Prometheus, compose's network and a cluster's pods are.
PRIVATE_NETWORKS = (
    "127.0.0.0/8",
    "::1/128",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "fc00::/7",
)


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ADUAN_", env_nested_delimiter="__", extra="ignore"
    )

    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS", "ADUAN_KAFKA_BOOTSTRAP_SERVERS"),
    )
    database_url: str = Field(
        default="postgresql://postgres@127.0.0.1:5432/aduan",
        validation_alias=AliasChoices("DATABASE_URL", "ADUAN_DATABASE_URL"),
    )
    # Connections a service process may hold open to PostgreSQL at once. Ten cover a service
    # whose work arrives a poll at a time; intake, which answers many clients at once, keeps
    # more (IntakeSettings).
    database_pool_size: int = Field(default=10, ge=1)
    # Tests run many stacks on one broker; a prefix keeps their topics and groups apart.
    topic_prefix: str = ""
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    log_level: str = "INFO"
    log_json: bool = True

    # A fresh group member joins after session_timeout/2 on Tansu, so a short timeout makes
    # starts and scale-outs quick there; 6 s still rides out a long garbage-collection pause.
    consumer_session_timeout_ms: int = 6_000
    consumer_heartbeat_interval_ms: int = 1_000
    # How long the broker may hold a fetch that found nothing. Tansu answered some fetches of a
    # six-partition topic only near the end of this wait even with records waiting (aiokafka's
    # 500 ms default: up to ~250 ms added to a hop); 50 ms bounds that, at the cost of about 20
    # empty fetches a second per idle consumer.
    consumer_fetch_max_wait_ms: int = 50
    # The same for consumers off the path from submission to recommendation (timeline, SLA
    # clocks, case base, label corrections): their events may wait a little, and each idle
    # consumer polling 20 times a second kept a fifth of a core busy in the broker and clients.
    consumer_background_fetch_max_wait_ms: int = 500
    # How much a background consumer's fetch waits to gather (within that wait). With one byte
    # it came back with each event as soon as it was produced: at 60 complaints a second the
    # timeline and the SLA clocks each fetched for every event, a transaction or an offset
    # commit each time.
    consumer_background_fetch_min_bytes: int = 64 * 1024
    # A consumer whose offset commits have failed for this long, while it kept handling events,
    # is wedged: after a broker restart one kept being told its member id was unknown and
    # handled the same events over and over. The service then stops so that its supervisor
    # (aduan up, Kubernetes) starts it with a fresh consumer. A rebalance fails commits for a
    # few seconds only; an unreachable broker hands out no events, so neither trips this.
    consumer_commit_patience_seconds: float = 60.0
    # Attempts before a failing event goes to `<topic>.dlq`, with exponential backoff between.
    handler_max_attempts: int = 3
    handler_backoff_seconds: float = 0.2
    # How long an event may wait for one it depends on (a resolution for its complaint, say)
    # before it is dead-lettered. Ordinary reordering between topics lasts seconds; an outage
    # of the producing service is covered by the outbox, which republishes in order.
    not_ready_patience_seconds: float = 900.0
    outbox_poll_seconds: float = 1.0
    # Published outbox rows are kept this long, then deleted (hourly). Until then a consumer
    # that meets its input again re-sends the stored answer (recommend's replay); intake's
    # sweep re-sends a lost complaint within minutes, so a week is ample. Without a limit the
    # table grew by every event the service ever sent.
    outbox_retention_hours: float = Field(default=168.0, gt=0)
    # Records of applied events (the consumers' dedupe) are kept this long, then deleted
    # (hourly). An event older than this that comes again is applied twice, so the retention
    # outlasts every road back: Kafka keeps a topic's events a week by default and a group's
    # expired offsets re-read it from the earliest; the outbox re-sends for a week. Without a
    # limit the table grew by one row per event per consumer, forever.
    processed_events_retention_hours: float = Field(default=720.0, gt=0)

    # Seal dead-lettered bodies (services/runtime/sealing.py); the first seals, all open. None:
    # a dead letter keeps its reason, size and digest, never the failed event's words.
    dead_letter_keys: list[SecretStr] = []

    # Derives workers' tracking secrets; shared by intake (issues them) and feedback (checks them).
    tracking_key: str = "change-me-in-production"
    # The sentence encoder (services/runtime/embedding.py): multilingual USE v3 by default.
    embedding_model: str = DEFAULT_MODEL
    model_dir: Path = Path(".aduan/models/triage")

    # Request rates and wrong-secret lockouts (services/runtime/throttle.py).
    throttle: ThrottleSettings = ThrottleSettings()
    # Addresses (or networks, comma-separated) whose X-Forwarded-For names the real client: the
    # web frontend and any load balancer in front of intake and feedback. Anyone else could
    # name a fresh address per request and never meet a limit.
    trusted_proxies: str = "127.0.0.1"
    # Where the operations routes answer. The API documents help frontend developers and give
    # nothing away, so they are open unless the operator closes them; /metrics holds per-union
    # figures and answers only the networks listed (Prometheus scrapes from a private network).
    open_api_docs: bool = True
    metrics_networks: list[IPvAnyNetwork] = [ip_network(n) for n in PRIVATE_NETWORKS]

    def topic(self, name: str) -> str:
        return self.topic_prefix + name

    def group(self, service: str) -> str:
        return f"{self.topic_prefix}aduan-{service}"
