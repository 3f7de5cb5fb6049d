"""The topic registry: every topic Aduan uses, its event model, partitions and key.

Kafka key = `complaint_id` for complaint topics, so all events of one complaint stay ordered on
one partition. Names carry the contract version; a breaking change is a new `.v2` topic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from schemas.events import (
    ComplaintRecategorized,
    ComplaintReceived,
    ComplaintRecommended,
    ComplaintRejected,
    ComplaintReopened,
    ComplaintResolved,
    ComplaintResponded,
    ComplaintSlaBreached,
    ComplaintSubmitted,
    ComplaintTriaged,
    Event,
    FeedbackRated,
    UnionRegistered,
    WorkerReplied,
)

# Six partitions let up to six triage workers share the load while staying cheap on one broker.
COMPLAINT_PARTITIONS = 6
DLQ_SUFFIX = ".dlq"
CLOUDEVENTS_SOURCE_PREFIX = "/aduan/"


@dataclass(frozen=True, eq=False)
class Topic:
    name: str
    model: type[Event]
    key: str
    producers: tuple[str, ...]
    # Each consumer and why it reads the topic: what an analyst finds in asyncapi.json.
    consumers: Mapping[str, str]
    summary: str
    partitions: int = COMPLAINT_PARTITIONS

    @property
    def event_type(self) -> str:
        """The CloudEvents `type`: the topic name without the `aduan.` prefix."""
        return self.name.removeprefix("aduan.")

    @property
    def dlq(self) -> str:
        return self.name + DLQ_SUFFIX


COMPLAINT_RECEIVED = Topic(
    "aduan.complaint.received.v1",
    ComplaintReceived,
    "idempotency_key",
    ("union frontends",),
    {
        "intake": (
            "validates, deduplicates by idempotency key, stores, issues the tracking code, and "
            "answers with submitted or rejected"
        ),
    },
    "A raw submission from a union frontend.",
)
COMPLAINT_REJECTED = Topic(
    "aduan.complaint.rejected.v1",
    ComplaintRejected,
    "idempotency_key",
    ("intake",),
    {
        "union frontends": (
            "match the refusal (invalid, unknown_union, duplicate_conflict, too_long) to their "
            "submission by union and idempotency key"
        ),
    },
    "Why a submission was refused, with reasons.",
)
COMPLAINT_SUBMITTED = Topic(
    "aduan.complaint.submitted.v1",
    ComplaintSubmitted,
    "complaint_id",
    ("intake",),
    {
        "triage": "the complaint to classify",
        "recommend": (
            "records that intake accepted this complaint for this union: a triage of a complaint "
            "never submitted waits, one naming another union is refused"
        ),
        "feedback": "creates its copy of the complaint and starts both SLA clocks at submitted_at",
        "analysts": "the masked stream of accepted complaints",
    },
    "The accepted complaint, contact data removed, text masked.",
)
COMPLAINT_TRIAGED = Topic(
    "aduan.complaint.triaged.v1",
    ComplaintTriaged,
    "complaint_id",
    ("triage",),
    {
        "recommend": (
            "the request for a recommendation, with text and embedding; also stored to become a "
            "case when resolved"
        ),
        "intake": (
            "timeline entry, status, and the officers' queue columns (category, tags, priority, "
            "needs_review)"
        ),
        "feedback": "the priority sets the SLA clocks' targets; time-to-triage metric",
    },
    "Category, secondary categories, tags, priority, confidence, model version.",
)
COMPLAINT_RECOMMENDED = Topic(
    "aduan.complaint.recommended.v1",
    ComplaintRecommended,
    "complaint_id",
    ("recommend",),
    {
        "intake": "timeline and status, so officers see the advice",
        "feedback": "time-to-recommendation metric",
    },
    "Ranked follow-up actions with rationale and the similar past cases behind them.",
)
COMPLAINT_RESPONDED = Topic(
    "aduan.complaint.responded.v1",
    ComplaintResponded,
    "complaint_id",
    ("feedback",),
    {
        "intake": "timeline and status; the worker sees the answer on the tracking page",
        "feedback": "stops the first-response clock; its metric and SLA verdict",
    },
    "An officer's response; the first one stops the response-time clock.",
)
COMPLAINT_RECATEGORIZED = Topic(
    "aduan.complaint.recategorized.v1",
    ComplaintRecategorized,
    "complaint_id",
    ("feedback",),
    {
        "triage": "keeps the officer's correction as a labelled training example",
        "intake": "timeline, and the queue's columns follow the officer",
        "recommend": (
            "updates the stored labels, so the case made at resolution carries the officer's "
            "category and tags"
        ),
    },
    "An officer corrected the category or tags.",
)
COMPLAINT_RESOLVED = Topic(
    "aduan.complaint.resolved.v1",
    ComplaintResolved,
    "complaint_id",
    ("feedback",),
    {
        "recommend": (
            "adds the case (actions taken, outcome, note) to the case base: how the recommender "
            "learns"
        ),
        "intake": "timeline, status resolved",
        "feedback": "stops the resolution clock; resolution-time metric and SLA verdict",
    },
    "Outcome, actions taken and resolution note.",
)
FEEDBACK_RATED = Topic(
    "aduan.feedback.rated.v1",
    FeedbackRated,
    "complaint_id",
    ("feedback",),
    {
        "intake": "timeline, status rated",
        "feedback": "satisfaction metrics (first rating only; a revision replaces it)",
        "analysts": "satisfaction per union and category",
    },
    "The worker's satisfaction rating and whether the problem was fixed.",
)
COMPLAINT_REOPENED = Topic(
    "aduan.complaint.reopened.v1",
    ComplaintReopened,
    "complaint_id",
    ("feedback",),
    {
        "intake": "status reopened, in a new lifecycle round",
        "feedback": "reopening metric; the resolution clock restarts",
        "analysts": "problems that came back",
    },
    "The worker reopened a resolved complaint as not fixed; the resolution clock restarts.",
)
COMPLAINT_WORKER_REPLIED = Topic(
    "aduan.complaint.worker_replied.v1",
    WorkerReplied,
    "complaint_id",
    ("feedback",),
    {
        "intake": "timeline entry, so officers read the reply",
    },
    "The worker's reply to the union (masked like every event's text).",
)
COMPLAINT_SLA_BREACHED = Topic(
    "aduan.complaint.sla_breached.v1",
    ComplaintSlaBreached,
    "complaint_id",
    ("feedback",),
    {
        "intake": "timeline entry",
        "feedback": "breach metric, counted once from the event",
        "federations": "the event names the union's federation, which escalates",
    },
    "A first-response or resolution clock passed its deadline; names the union's federation.",
)
UNION_REGISTERED = Topic(
    "aduan.union.registered.v1",
    UnionRegistered,
    "union_id",
    ("intake",),
    {
        "feedback": (
            "knows the union, its federation and its API-key hashes (it authenticates unions "
            "itself) and allows the union as a metric label"
        ),
        "recommend": "the union's case-sharing choice",
    },
    "A union's registration: name, case-sharing choice, hashed API key.",
    partitions=1,
)

TOPICS: tuple[Topic, ...] = (
    COMPLAINT_RECEIVED,
    COMPLAINT_REJECTED,
    COMPLAINT_SUBMITTED,
    COMPLAINT_TRIAGED,
    COMPLAINT_RECOMMENDED,
    COMPLAINT_RESPONDED,
    COMPLAINT_RECATEGORIZED,
    COMPLAINT_RESOLVED,
    FEEDBACK_RATED,
    COMPLAINT_REOPENED,
    COMPLAINT_WORKER_REPLIED,
    COMPLAINT_SLA_BREACHED,
    UNION_REGISTERED,
)

_BY_MODEL: dict[type[Event], Topic] = {t.model: t for t in TOPICS}
_BY_NAME: dict[str, Topic] = {t.name: t for t in TOPICS}


def topic_for(event: Event | type[Event]) -> Topic:
    model = event if isinstance(event, type) else type(event)
    return _BY_MODEL[model]


def topic_named(name: str) -> Topic:
    """Look a topic up by its name; raise KeyError naming the known topics if it is not one."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown topic {name!r}; known: {', '.join(_BY_NAME)}") from None


def all_topic_partitions(prefix: str = "") -> list[tuple[str, int]]:
    """Every topic and its dead-letter topic, with partition counts, for creating them."""
    pairs = [(prefix + t.name, t.partitions) for t in TOPICS]
    pairs += [(prefix + t.dlq, 1) for t in TOPICS]
    return pairs
