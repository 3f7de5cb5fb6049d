"""`aduan`: the one command line of the platform.

Each service contributes its own sub-commands (`aduan triage ...`, `aduan recommend ...`); the
stack commands (`up`, `demo`, `tail`) run the platform as a whole.
"""

from __future__ import annotations

import importlib
from enum import StrEnum

import typer

app = typer.Typer(
    help="Aduan: grievance platform for trade unions.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def main() -> None:
    """Aduan: grievance platform for trade unions."""


class ServiceName(StrEnum):
    intake = "intake"
    triage = "triage"
    recommend = "recommend"
    feedback = "feedback"
    web = "web"


@app.command()
def serve(
    service: ServiceName,
    port: int | None = typer.Option(None, help="HTTP port (default: the service's setting)"),
    host: str | None = typer.Option(None, help="HTTP host (default: the service's setting)"),
) -> None:
    """Run one service in the foreground (settings from the environment)."""
    import os

    import uvicorn

    if port is not None:
        os.environ["ADUAN_HTTP_PORT"] = str(port)
    if host is not None:
        os.environ["ADUAN_HTTP_HOST"] = host
    asgi = importlib.import_module(f"services.{service.value}.app").create_app()
    settings = asgi.state.runtime.settings
    uvicorn.run(
        asgi,
        host=settings.http_host,
        port=settings.http_port,
        log_level="warning",
        # The service's own logging (services/runtime/logging.py) renders uvicorn's lines as JSON.
        log_config=None,
        loop="uvloop",
        http="httptools",
        # Let in-flight requests and handlers finish on SIGTERM before the process exits.
        timeout_graceful_shutdown=20,
        # The client address the abuse limits count is X-Forwarded-For's only from these.
        proxy_headers=True,
        forwarded_allow_ips=settings.trusted_proxies,
    )


def _add_service_commands() -> None:
    for name in ("intake", "triage", "recommend", "feedback", "web", "stack"):
        try:
            module = importlib.import_module(f"services.{name}.cli")
        except ModuleNotFoundError as exc:
            if exc.name != f"services.{name}.cli":
                raise
            continue
        # A module may add top-level commands (`aduan up`, `aduan stats`) and/or a group.
        if hasattr(module, "add_commands"):
            module.add_commands(app)
        if hasattr(module, "app"):
            app.add_typer(module.app, name=name)


_add_service_commands()


if __name__ == "__main__":
    app()
