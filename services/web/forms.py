"""What the worker's forms turn into: intake's submission body, checked before it is sent."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from schemas.events import MAX_TEXT_CHARS, MIN_TEXT_CHARS
from schemas.vocabulary import Sector
from services.web.settings import WebSettings
from services.web.texts import text

# A few words and a place are enough for an emergency; the union calls back for the rest.
MAX_EMERGENCY_WORDS = 500


class Report(BaseModel):
    model_config = ConfigDict(frozen=True)

    union_id: str
    idempotency_key: str = Field(min_length=1, max_length=128)
    kind: Literal["complaint", "aspiration"] = "complaint"
    text: str = Field(min_length=MIN_TEXT_CHARS, max_length=MAX_TEXT_CHARS)
    sector: Sector = Sector.OTHER
    workplace: str | None = Field(default=None, max_length=200)
    occurred_on: date | None = None
    member: bool | None = None
    anonymous: bool = False
    contact: dict[str, str] | None = None
    emergency: bool = False

    def submission(self) -> dict[str, Any]:
        """The body of intake's POST /v1/complaints."""
        return self.model_dump(mode="json", exclude={"union_id"}) | {"channel": "web"}


def _union(values: dict[str, str], settings: WebSettings) -> str:
    choices = [u for u, _ in settings.union_choices()]
    union_id = values.get("union_id") or (choices[0] if len(choices) == 1 else "")
    if union_id not in choices:
        raise ValueError("choose your union")
    return union_id


def _member(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


def _contact(values: dict[str, str], anonymous: bool) -> dict[str, str] | None:
    # An anonymous report sends no contact at all, whatever the form still held.
    if anonymous:
        return None
    contact = {
        field: values[f"contact_{field}"].strip()
        for field in ("name", "phone", "whatsapp", "email")
        if values.get(f"contact_{field}", "").strip()
    }
    return contact or None


def report_from_form(values: dict[str, str], settings: WebSettings) -> Report:
    anonymous = values.get("anonymous") == "on"
    return Report(
        union_id=_union(values, settings),
        idempotency_key=values.get("idempotency_key", ""),
        kind=values.get("kind") or "complaint",
        text=values.get("text", "").strip(),
        sector=values.get("sector") or Sector.OTHER,
        workplace=values.get("workplace", "").strip() or None,
        occurred_on=values.get("occurred_on") or None,
        member=_member(values.get("member")),
        anonymous=anonymous,
        contact=_contact(values, anonymous),
    )


def emergency_report(
    values: dict[str, str], settings: WebSettings, *, prefix: str, place_label: str
) -> Report:
    words = values.get("words", "").strip()[:MAX_EMERGENCY_WORDS]
    place = values.get("place", "").strip()[:200]
    if not words:
        raise ValueError("say in a few words what is happening")
    text = f"{prefix}: {words}" + (f" ({place_label}: {place})" if place else "")
    return Report(
        union_id=_union(values, settings),
        idempotency_key=values.get("idempotency_key", ""),
        text=text,
        workplace=place or None,
        emergency=True,
        sector=values.get("sector") or Sector.OTHER,
    )


# The form's words for the fields pydantic names (texts.py keys), and plain-language problems.
FIELD_TEXTS = {
    "text": "text",
    "workplace": "workplace",
    "occurred_on": "occurred_on",
    "sector": "sector",
    "kind": "kind",
    "contact": "contact",
}
PROBLEMS = {
    "string_too_short": {"id": "terlalu pendek", "en": "too short"},
    "string_too_long": {"id": "terlalu panjang", "en": "too long"},
    "date_from_datetime_parsing": {"id": "tanggal tidak dikenali", "en": "not a date"},
    "date_parsing": {"id": "tanggal tidak dikenali", "en": "not a date"},
    "enum": {"id": "pilihan tidak dikenali", "en": "not one of the choices"},
    "literal_error": {"id": "pilihan tidak dikenali", "en": "not one of the choices"},
}


def form_errors(exc: Exception, language: str = "id") -> list[str]:
    """What to tell the worker, one line per problem, in the page's language where the problem
    is a common one, and never repeating their input."""
    if not isinstance(exc, ValidationError):
        return [str(exc)]
    lines = []
    for error in exc.errors(include_url=False, include_input=False, include_context=False):
        field = str(error["loc"][0]) if error["loc"] else ""
        label = text(FIELD_TEXTS[field], language) if field in FIELD_TEXTS else field or "form"
        problem = PROBLEMS.get(error["type"], {}).get(language) or error["msg"]
        lines.append(f"{label}: {problem}")
    return lines
