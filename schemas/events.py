"""Event bodies of every Aduan topic: pydantic v2 models, the source of truth of the contract.

CloudEvents attributes travel as Kafka headers (see `schemas.envelope`); these are the JSON bodies.
Every complaint event carries `complaint_id` (the Kafka key) and `union_id` in its body.
Events on the analyst streams never carry contact data, and their text is masked.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from schemas.clean import normalise_text, refuse_control_characters, visible_length
from schemas.masking import mask_personal_data
from schemas.vocabulary import Action, Category, Outcome, Priority, Sector, Tag

UnionId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,31}$")]

# A complaint longer than this is almost always a pasted document, not a worker's message; the
# limit also keeps one event well under Kafka's default 1 MiB message size with its embedding.
MAX_TEXT_CHARS = 5000
MIN_TEXT_CHARS = 10
# Free text on an analyst stream: phones, e-mails and NIKs masked whoever produced it (an
# officer's note or a worker's comment carries them as easily as a complaint does).
# Bounded before it is masked: whatever reaches a consumer, masking costs it at most a complaint's
# length (an unbounded 700 KB field once held every consumer of its topic).
Masked = Annotated[
    str, StringConstraints(max_length=MAX_TEXT_CHARS), AfterValidator(mask_personal_data)
]
# One reason a worker gives for a rating or a reopening: a sentence, not a document (600 KB
# reasons once made an event the broker refused).
Reason = Annotated[Masked, StringConstraints(min_length=1, max_length=300)]
# Complaints may recall old wrongs (years of unpaid pension contributions), not ancient ones.
EARLIEST_OCCURRENCE = date(1950, 1, 1)
EMERGENCY = "the worker pressed the emergency button"


class Event(BaseModel):
    """Consumers ignore fields they do not know, so producers can add optional fields safely."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _refuse_control_characters(cls, data: Any) -> Any:
        """No string of an event may hold a control character (`schemas/clean.py`)."""
        return refuse_control_characters(data)


class ComplaintEvent(Event):
    complaint_id: UUID
    union_id: UnionId


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    email: EmailStr | None = None
    whatsapp: str | None = Field(default=None, max_length=40)


class ComplaintReceived(Event):
    """A raw submission from a union frontend: the only event that carries contact data."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    union_id: UnionId
    idempotency_key: str = Field(min_length=1, max_length=128)
    channel: Literal["app", "web", "whatsapp", "sms", "office", "other"] = "app"
    sector: Sector = Sector.OTHER
    kind: Literal["complaint", "aspiration"] = "complaint"
    text: str = Field(min_length=MIN_TEXT_CHARS, max_length=MAX_TEXT_CHARS)
    language: str = Field(default="id", max_length=8)
    member: bool | None = None
    anonymous: bool = False
    contact: Contact | None = None
    workplace: str | None = Field(default=None, max_length=200)
    occurred_on: date | None = None
    emergency: bool = Field(default=False, description=EMERGENCY)

    @field_validator("text", "workplace", mode="before")
    @classmethod
    def _canonical(cls, value: Any) -> Any:
        return normalise_text(value) if isinstance(value, str) else value

    @field_validator("text")
    @classmethod
    def _has_words(cls, text: str) -> str:
        if visible_length(text) < MIN_TEXT_CHARS:
            raise ValueError(f"the text needs at least {MIN_TEXT_CHARS} visible characters")
        return text

    @model_validator(mode="after")
    def _anonymous_means_no_contact(self) -> ComplaintReceived:
        # A worker who asked to stay anonymous must not find their number in the union's view.
        if self.anonymous and self.contact is not None and any(self.contact.model_dump().values()):
            raise ValueError("an anonymous complaint carries no contact details")
        return self

    @field_validator("occurred_on")
    @classmethod
    def _plausible_day(cls, day: date | None) -> date | None:
        # A day after tomorrow (UTC; Indonesia is at most a day ahead) has not happened yet.
        latest = datetime.now(UTC).date() + timedelta(days=1)
        if day is not None and not EARLIEST_OCCURRENCE <= day <= latest:
            raise ValueError(f"occurred_on must lie between {EARLIEST_OCCURRENCE} and {latest}")
        return day


RejectionCode = Literal["invalid", "unknown_union", "duplicate_conflict", "too_long"]


class RejectionReason(Event):
    field: str | None = None
    message: str


class ComplaintRejected(Event):
    """Why a submission was refused; the frontend matches it by union and idempotency key."""

    union_id: str
    idempotency_key: str | None = None
    received_event_id: str | None = None
    code: RejectionCode
    reasons: list[RejectionReason]
    rejected_at: datetime


class ComplaintSubmitted(ComplaintEvent):
    """The accepted complaint: contact data removed, phone, e-mail and NIK masked in the text."""

    tracking_code: str
    channel: str
    sector: Sector
    kind: Literal["complaint", "aspiration"]
    text: Masked
    language: str
    member: bool | None
    anonymous: bool
    workplace: Masked | None
    occurred_on: date | None
    submitted_at: datetime
    emergency: bool = Field(
        default=False, description=f"{EMERGENCY}; triage makes it P1 and sends it to review"
    )
    name_keys: list[Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{24}$")]] = Field(
        default=[],
        max_length=8,
        description="keyed hashes of the worker's name parts (never the name), so services"
        " without the contact details can mask it in what is written later",
    )


class TagEvidence(Event):
    tag: Tag
    cue: str = Field(description="the words of the complaint that triggered the tag")


class ComplaintTriaged(ComplaintEvent):
    category: Category
    secondary: list[Category] = Field(max_length=2)
    tags: list[Tag]
    evidence: list[TagEvidence] = []
    priority: Priority
    confidence: float = Field(ge=0, le=1)
    needs_review: bool
    model_version: str
    # The complaint is embedded once, here; recommend reuses the vector instead of embedding again.
    embedding: list[float]
    embedding_version: str
    sector: Sector
    text: Masked = Field(description="the masked text, so recommend can store the case it becomes")
    workplace: Masked | None = None
    occurred_on: date | None = None
    submitted_at: datetime
    triaged_at: datetime


class SimilarCase(Event):
    case_id: str
    similarity: float
    category: Category
    outcome: Outcome
    sector: Sector | None = None
    days_to_resolve: int | None = None
    shared_by_other_union: bool = Field(
        default=False, description="true when another union's case is shown, anonymised"
    )


class RecommendedAction(Event):
    action: Action
    label: str
    score: float
    rationale: str
    evidence_to_collect: list[str] = []
    legal_basis: list[str] = []
    deadline: str | None = None
    supporting_cases: list[str] = []


class RelatedComplaint(Event):
    """Another recent complaint of the same union about the same workplace and problem."""

    complaint_id: UUID
    similarity: float
    submitted_at: datetime


class ComplaintRecommended(ComplaintEvent):
    actions: list[RecommendedAction]
    similar_cases: list[SimilarCase]
    related_complaints: list[RelatedComplaint] = []
    collective_case_suggested: bool = False
    embedding_version: str
    recommended_at: datetime


class ComplaintResponded(ComplaintEvent):
    response_id: UUID
    officer: str = Field(min_length=1, max_length=120)
    message: Masked = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    first_response: bool
    responded_at: datetime
    waiting_on_worker: bool = Field(
        default=False,
        description="the officer asked the worker something; the SLA clocks pause until the"
        " worker replies with the tracking code",
    )


class ComplaintRecategorized(ComplaintEvent):
    """An officer's correction; triage keeps it as a labelled training example."""

    officer: str
    previous_category: Category | None
    category: Category
    secondary: list[Category] = Field(default=[], max_length=2)
    tags: list[Tag] | None = None
    # None: the officer left the priority as it was.
    priority: Priority | None = None
    previous_priority: Priority | None = None
    text: Masked
    sector: Sector
    recategorized_at: datetime


class ComplaintResolved(ComplaintEvent):
    officer: str
    outcome: Outcome
    actions_taken: list[Action]
    resolution_note: Masked = Field(default="", max_length=MAX_TEXT_CHARS)
    days_to_resolve: float
    resolved_at: datetime
    round: int = Field(
        default=0, ge=0, description="how many times the worker had reopened the complaint before"
    )


class FeedbackRated(ComplaintEvent):
    """The worker's own rating, given with tracking code and secret; revisions replace it."""

    score: int = Field(ge=1, le=5)
    fixed: Literal["fixed", "partly", "not_fixed"]
    reasons: list[Reason] = []
    comment: Masked | None = Field(default=None, max_length=2000)
    revision: int = Field(ge=1)
    rated_at: datetime


class ComplaintReopened(ComplaintEvent):
    """The worker said it was not fixed and reopened a resolved complaint (tracking code)."""

    reasons: list[Reason] = Field(min_length=1, max_length=10)
    comment: Masked | None = Field(default=None, max_length=2000)
    previous_outcome: Outcome | None = None
    reopen_count: int = Field(ge=1, description="1 for the first reopening, then 2, ...")
    reopened_at: datetime


class WorkerReplied(ComplaintEvent):
    """The worker answered the union through the tracking code; resumes paused SLA clocks."""

    message: Masked = Field(min_length=1, max_length=2000)
    resumed: bool = Field(description="true when the union was waiting on this reply")
    replied_at: datetime


SlaClock = Literal["first_response", "resolution"]


class ComplaintSlaBreached(ComplaintEvent):
    """A complaint's SLA clock passed its deadline; escalates to the union's federation.

    Published once per complaint, clock and round (a reopening starts a new resolution round).
    """

    federation: str | None = Field(description="the union's federation, whose officers follow up")
    clock: SlaClock
    round: int = Field(ge=0, description="0, or how many times the complaint was reopened")
    priority: Priority
    target_hours: float = Field(description="the target, in hours of the clock's calendar")
    counted: Literal["working_hours", "around_the_clock"]
    started_at: datetime
    deadline: datetime
    stopped_at: datetime | None = Field(
        default=None, description="when the late response or resolution came; null if none yet"
    )
    detected_at: datetime


class UnionRegistered(Event):
    """A union's registration, republished by intake on start so every service knows the unions."""

    union_id: UnionId
    name: str
    federation: str | None = None
    share_cases: bool = False
    api_key_hash: str = Field(
        description="sha256 of the union's API key; the key itself is never sent"
    )
    previous_api_key_hash: str | None = Field(
        default=None,
        description="sha256 of the key being rotated out, valid until previous_key_valid_until",
    )
    previous_key_valid_until: datetime | None = None
    registered_at: datetime


class UserError(Event):
    """Shape of every 4xx body of the HTTP APIs."""

    error: str
    reasons: list[RejectionReason] = []


__all__ = [
    "MAX_TEXT_CHARS",
    "ComplaintEvent",
    "ComplaintRecategorized",
    "ComplaintReceived",
    "ComplaintRecommended",
    "ComplaintRejected",
    "ComplaintReopened",
    "ComplaintResolved",
    "ComplaintResponded",
    "ComplaintSlaBreached",
    "ComplaintSubmitted",
    "ComplaintTriaged",
    "Contact",
    "Event",
    "FeedbackRated",
    "RecommendedAction",
    "RejectionReason",
    "RelatedComplaint",
    "SimilarCase",
    "TagEvidence",
    "UnionRegistered",
    "UserError",
    "WorkerReplied",
]
