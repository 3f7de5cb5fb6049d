"""The process shell of every service: FastAPI app, lifespan, /health, /metrics, AsyncAPI.

A service builds a `ServiceRuntime` (its bus, optional database and background jobs), registers
its handlers and routers, and gets an ASGI app that uvicorn runs. Start order: database and
migrations, start hooks, consumers and producer, outbox relay, background jobs. Stop runs the
other way round and drains: consumers finish the event in hand, the relay flushes what is
committed, then the connections close.
"""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from datetime import timedelta
from ipaddress import ip_address
from pathlib import Path
from typing import Any, Generic, Literal, TypeAlias

import asyncpg
import structlog
from fastapi import APIRouter, FastAPI, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.telemetry import TelemetryConfig
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypeVar

from schemas.clean import printable
from schemas.events import RejectionReason, UserError
from services.runtime.db import DATABASE_UNAVAILABLE, ConnectionInit, create_pool
from services.runtime.limits import DEFAULT_MAX_BODY_BYTES, RequestLimits
from services.runtime.logging import configure_logging
from services.runtime.messaging import EventBus
from services.runtime.metrics import PublicMetrics
from services.runtime.outbox import OutboxRelay, forget_processed
from services.runtime.settings import ServiceSettings
from services.runtime.throttle import Throttle, forget_ended_windows

log = structlog.get_logger(__name__)

# Aduan's metrics are Prometheus (runtime/metrics.py). With OpenTelemetry on, FastAPI asks the
# global tracer, meter and logger providers on every request whether anyone configured them
# (5 µs a request, reading the environment each time) to learn that nobody did.
NO_OPENTELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}

# A restarted PostgreSQL accepts connections again within a second or two (crash recovery of the
# embedded one took 0.1 s in the chaos test); a client waits this long before sending again.
DATABASE_RETRY_AFTER_SECONDS = 2

ASYNCAPI_FILE = Path(__file__).resolve().parents[2] / "schemas" / "asyncapi.json"

# The service's own settings class: `ServiceRuntime[IntakeSettings].settings` is typed as such.
S = TypeVar("S", bound=ServiceSettings, default=ServiceSettings, covariant=True)
# Start and stop hooks and periodic jobs: each gets the runtime it was registered on.
Hook: TypeAlias = Callable[["ServiceRuntime[S]"], Awaitable[None]]
PUBLIC_METRICS = PublicMetrics()
# A broker that does not describe its cluster within this long is down for /health's purposes
# (the probes of aduan up, compose and Kubernetes wait 2-5 s for an answer).
BROKER_PING_SECONDS = 1.5
# How often a service looks for a wedged consumer of its own (services/runtime/commits.py).
WEDGE_CHECK_SECONDS = 5.0
# How often a service looks for consumers whose partition's log the broker lost
# (services/runtime/lost_logs.py): the most a broker restart adds to a partition's recovery.
# Each look reads positions the client already holds.
LOST_LOG_CHECK_SECONDS = 2.0
# How often published outbox rows and processed-event records past their retention are deleted:
# the retentions are days, so an hour late costs nothing, and a DELETE an hour is nothing either.
RETENTION_PRUNE_SECONDS = 3600.0
# How often ended lockout windows are dropped: a 15-minute window's row kept an hour costs a row.
LOCKOUT_PRUNE_SECONDS = 3600.0


def _terminate_gracefully() -> None:
    """SIGTERM to this process: uvicorn drains and stops, the supervisor starts a fresh one."""
    signal.raise_signal(signal.SIGTERM)


class AsyncApiDocument(BaseModel):
    """The outline of the AsyncAPI 3 document /asyncapi.json serves (schemas/asyncapi.json),
    so the OpenAPI page says what the route returns; the document is sent as generated."""

    model_config = ConfigDict(extra="allow")

    asyncapi: str = Field(description="AsyncAPI version of the document", examples=["3.0.0"])
    info: dict[str, Any]
    channels: dict[str, Any] = Field(description="one channel per Kafka topic")
    operations: dict[str, Any] = Field(description="who publishes and who consumes each topic")
    components: dict[str, Any] = Field(description="the event payloads' JSON Schemas")


class HealthReport(BaseModel):
    service: str
    status: Literal["ok", "degraded"]
    checks: dict[str, str] = Field(
        description='database, broker, offsets: "ok" or what is wrong (any other: degraded)'
    )


# An API key's sha256 -> its union and until when (monotonic) that answer is trusted; oldest
# first.
RememberedKeys = dict[str, tuple[str, float]]


class ServiceRuntime(Generic[S]):
    """Everything one service process holds while it runs."""

    def __init__(
        self,
        name: str,
        settings: S,
        *,
        migrations: Path | None = None,
        pool_init: ConnectionInit | None = None,
        pool_settings: dict[str, str] | None = None,
        messaging: bool = True,
    ) -> None:
        self.name = name
        # A service that only calls the others' HTTP APIs (the web frontend) needs no broker.
        self.messaging = messaging
        self.settings = settings
        self.bus = EventBus(settings, name)
        self.throttle = Throttle(settings.throttle)
        # Which union each recently presented API key belongs to (see `auth.UnionKeys`).
        self.remembered_keys: RememberedKeys = {}
        self.migrations = migrations
        self.pool_init = pool_init
        self.pool_settings = pool_settings
        self._pool: asyncpg.Pool | None = None
        self._relay: OutboxRelay | None = None
        self._start_hooks: list[Hook[S]] = []
        self._started_hooks: list[Hook[S]] = []
        self._stop_hooks: list[Hook[S]] = []
        self._stopped_hooks: list[Hook[S]] = []
        self._jobs: list[tuple[str, Hook[S], float]] = []
        self._tasks: list[asyncio.Task[None]] = []
        # What a wedged consumer makes the service do; tests replace it.
        self.stop_process: Callable[[], None] = _terminate_gracefully
        if messaging:
            self.every("wedged_consumers", WEDGE_CHECK_SECONDS, _stop_if_wedged)
            self.every("lost_logs", LOST_LOG_CHECK_SECONDS, _rewind_lost_logs)
            if migrations is not None:
                self.every(
                    "forget_published_outbox",
                    RETENTION_PRUNE_SECONDS,
                    ServiceRuntime.forget_published_outbox,
                )
                self.every(
                    "forget_processed_events", RETENTION_PRUNE_SECONDS, _forget_processed_events
                )
        if migrations is not None:
            self.every("forget_ended_lockouts", LOCKOUT_PRUNE_SECONDS, _forget_ended_lockouts)

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError(f"{self.name} has no database pool (not started, or stateless)")
        return self._pool

    def on_start(self, hook: Hook[S]) -> None:
        """Run `hook` after the database is ready and before consumers start."""
        self._start_hooks.append(hook)

    def after_start(self, hook: Hook[S]) -> None:
        """Run `hook` once consumers, producer and relay are running."""
        self._started_hooks.append(hook)

    def on_stop(self, hook: Hook[S]) -> None:
        """Run `hook` when the service stops, after its jobs and before its connections close."""
        self._stop_hooks.append(hook)

    def after_stop(self, hook: Hook[S]) -> None:
        """Run `hook` once consumers, relay and the database pool have stopped: the place to
        close what the handlers used until their last event."""
        self._stopped_hooks.append(hook)

    def outbox_written(self) -> None:
        """Wake the outbox relay: rows were just committed on a connection of a pool opened
        with `QUIET_OUTBOX`, which does not notify (a relay not yet started polls anyway)."""
        if self._relay is not None:
            self._relay.wake()

    def every(self, name: str, seconds: float, job: Hook[S]) -> None:
        """Run `job` every `seconds` while the service runs; a failing run is logged, not fatal."""
        self._jobs.append((name, job, seconds))

    async def start(self) -> None:
        if self.migrations is not None:
            self._pool = await create_pool(
                self.settings.database_url,
                schema=self.name,
                migrations=self.migrations,
                init=self.pool_init,
                settings=self.pool_settings,
                max_size=self.settings.database_pool_size,
            )
            # Every replica counts the same wrong secrets and keys (runtime migration 006).
            self.throttle.share_failures(self._pool, self.settings.tracking_key)
        for hook in self._start_hooks:
            await hook(self)
        if self.messaging:
            await self.bus.start()
        if self._pool is not None and self.messaging:
            self._relay = OutboxRelay(self._pool, self.bus, self.settings.outbox_poll_seconds)
            await self._relay.start()
        self._tasks = [
            asyncio.create_task(self._repeat(name, job, seconds), name=name)
            for name, job, seconds in self._jobs
        ]
        for hook in self._started_hooks:
            await hook(self)
        log.info("service_started", port=self.settings.http_port)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        for hook in self._stop_hooks:
            await hook(self)
        if self.messaging:
            await self.bus.stop_consuming()
        if self._relay is not None:
            await self._relay.stop()
        if self.messaging:
            await self.bus.stop()
        if self._pool is not None:
            await self._pool.close()
        for hook in self._stopped_hooks:
            await hook(self)
        log.info("service_stopped")

    async def forget_published_outbox(self) -> None:
        """Delete outbox rows published longer ago than the retention setting (a job)."""
        if self._relay is None:
            return
        retention = timedelta(hours=self.settings.outbox_retention_hours)
        forgotten = await self._relay.forget_published(retention)
        if forgotten:
            log.info("published_outbox_rows_deleted", rows=forgotten)

    async def _repeat(self, name: str, job: Hook[S], seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await job(self)
            except Exception as exc:  # a periodic job must outlive one bad run
                log.warning("job_failed", job=name, error=repr(exc))

    async def health(self) -> HealthReport:
        checks: dict[str, str] = {}
        if self._pool is not None:
            try:
                await self._pool.fetchval("SELECT 1")
                checks["database"] = "ok"
            except Exception as exc:
                checks["database"] = f"error: {exc}"
        if self.messaging:
            # Asked, not assumed: a started client says "running" long after its broker died.
            reachable = await self.bus.broker.ping(timeout=BROKER_PING_SECONDS)
            checks["broker"] = "ok" if reachable else "unreachable"
            checks["offsets"] = self.bus.commits.report()
        status = "ok" if all(v == "ok" for v in checks.values()) else "degraded"
        return HealthReport(service=self.name, status=status, checks=checks)


async def _forget_processed_events(runtime: ServiceRuntime) -> None:
    retention = timedelta(hours=runtime.settings.processed_events_retention_hours)
    forgotten = await forget_processed(runtime.pool, retention)
    if forgotten:
        log.info("processed_event_records_deleted", rows=forgotten)


async def _forget_ended_lockouts(runtime: ServiceRuntime) -> None:
    forgotten = await forget_ended_windows(runtime.pool)
    if forgotten:
        log.info("lockout_counters_forgotten", rows=forgotten)


async def _rewind_lost_logs(runtime: ServiceRuntime) -> None:
    await runtime.bus.rewind_lost_logs()


async def _stop_if_wedged(runtime: ServiceRuntime) -> None:
    wedged = runtime.bus.commits.wedged()
    if wedged:
        log.error("consumer_wedged_stopping", groups=wedged)
        runtime.stop_process()


def create_service_app(
    runtime: ServiceRuntime,
    routers: list[APIRouter] | None = None,
    *,
    description: str = "",
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        configure_logging(runtime.name, runtime.settings.log_level, runtime.settings.log_json)
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    docs = runtime.settings.open_api_docs
    app = FastAPI(
        title=f"Aduan {runtime.name}",
        description=description,
        lifespan=lifespan,
        openapi_url="/openapi.json" if docs else None,
        telemetry=NO_OPENTELEMETRY,
    )
    app.state.runtime = runtime
    for router in routers or []:
        app.include_router(router)
    app.add_exception_handler(RequestValidationError, _validation_error)
    for unavailable in DATABASE_UNAVAILABLE:
        app.add_exception_handler(unavailable, _database_unavailable)
    app.add_middleware(RequestLimits, max_body_bytes=max_body_bytes)

    @app.get(
        "/health",
        tags=["operations"],
        response_model=HealthReport,
        responses={503: {"model": HealthReport, "description": "something it needs is down"}},
    )
    async def health() -> JSONResponse:
        report = await runtime.health()
        return JSONResponse(report.model_dump(), status_code=200 if report.status == "ok" else 503)

    @app.get("/metrics", tags=["operations"], response_class=PlainTextResponse)
    async def metrics(request: Request) -> PlainTextResponse:
        if not may_scrape(runtime.settings, request):
            raise HTTPException(status.HTTP_404_NOT_FOUND, "Not Found")
        return PlainTextResponse(generate_latest(PUBLIC_METRICS), media_type=CONTENT_TYPE_LATEST)

    @app.get("/asyncapi.json", tags=["operations"], responses={200: {"model": AsyncApiDocument}})
    async def asyncapi() -> JSONResponse:
        """The AsyncAPI document of every Aduan topic, for frontends and analysts."""
        return JSONResponse(json.loads(ASYNCAPI_FILE.read_text()))

    return app


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    reasons = [
        RejectionReason(
            field=printable(".".join(str(p) for p in err["loc"][1:])) or None,
            message=printable(err["msg"], limit=500),
        )
        for err in exc.errors()
    ]
    body = UserError(error="invalid request", reasons=reasons)
    return JSONResponse(body.model_dump(), status_code=422)


async def _database_unavailable(_: Request, exc: Exception) -> JSONResponse:
    """503 with Retry-After while the database is down or restarting: the request was not
    taken, and the same request (same idempotency key) may be sent again shortly."""
    log.warning("database_unavailable", reason=repr(exc))
    body = UserError(error="the database is unavailable for a moment; send the request again")
    headers = {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)}
    return JSONResponse(body.model_dump(), status_code=503, headers=headers)


def may_scrape(settings: ServiceSettings, request: Request) -> bool:
    """Whether the caller is on a network the operator lets read /metrics."""
    if request.client is None:
        return False
    try:
        caller = ip_address(request.client.host)
    except ValueError:  # a test client's "testclient", a Unix socket's path
        return False
    return any(caller in network for network in settings.metrics_networks)


def runtime_of(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


async def current_runtime(request: Request) -> ServiceRuntime:
    """`runtime_of` as a FastAPI dependency. Async, though it awaits nothing: FastAPI runs a
    plain-def dependency in its thread pool, a hand-off to another thread and back on every
    request."""
    return runtime_of(request)
