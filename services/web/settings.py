"""The web frontend's settings (environment, prefix `ADUAN_`)."""

from __future__ import annotations

from pydantic import Field

from services.runtime.settings import ServiceSettings


class WebSettings(ServiceSettings):
    http_port: int = 8085
    intake_url: str = "http://127.0.0.1:8081"
    feedback_url: str = "http://127.0.0.1:8084"
    # Each union this frontend serves and its API key, as JSON (`{"spn": "key..."}`). The keys
    # stay on the server: browsers only ever hold an officer's session cookie.
    web_union_keys: dict[str, str] = Field(default_factory=dict)
    # How each union is named on the worker's form (`{"spn": "SPN ..."}`); its id otherwise.
    web_union_names: dict[str, str] = Field(default_factory=dict)
    # Officers' sessions end after this long, and after this long without a request.
    session_hours: float = 12.0
    session_idle_minutes: float = 60.0
    # Failed logins per account (or per address) within the window before logins are refused.
    login_max_failures: int = 5
    login_window_minutes: float = 15.0
    # A worker's evidence: at most this many files, each at most this big.
    evidence_max_files: int = 3
    evidence_max_bytes: int = 5 * 1024 * 1024
    # Cookies marked Secure are never sent over plain HTTP: on in production behind TLS, off for
    # the embedded stack on loopback.
    secure_cookies: bool = False
    # Times on the pages; WIB, where most of the unions' members work (WITA: Asia/Makassar).
    display_timezone: str = "Asia/Jakarta"

    def union_choices(self) -> list[tuple[str, str]]:
        return [(u, self.web_union_names.get(u, u.upper())) for u in sorted(self.web_union_keys)]
