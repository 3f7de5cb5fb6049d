"""The topic registry: every topic Aduan uses, its event model, partitions and key.

Kafka key = `complaint_id` for complaint topics, so all events of one complaint stay ordered on
one partition. Names carry the contract version; a breaking change is a new `.v2` topic.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class Topic:
    name: str
    model: type[Event]
    key: str
    producers: tuple[str, ...]
    consumers: tuple[str, ...]
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
    ("intake",),
    "A raw submission from a union frontend.",
)
COMPLAINT_REJECTED = Topic(
    "aduan.complaint.rejected.v1",
    ComplaintRejected,
    "idempotency_key",
    ("intake",),
    ("union frontends",),
    "Why a submission was refused, with reasons.",
)
COMPLAINT_SUBMITTED = Topic(
    "aduan.complaint.submitted.v1",
    ComplaintSubmitted,
    "complaint_id",
    ("intake",),
    ("triage", "recommend", "feedback", "analysts"),
    "The accepted complaint, contact data removed, text masked.",
)
COMPLAINT_TRIAGED = Topic(
    "aduan.complaint.triaged.v1",
    ComplaintTriaged,
    "complaint_id",
    ("triage",),
    ("recommend", "intake", "feedback"),
    "Category, secondary categories, tags, priority, confidence, model version.",
)
COMPLAINT_RECOMMENDED = Topic(
    "aduan.complaint.recommended.v1",
    ComplaintRecommended,
    "complaint_id",
    ("recommend",),
    ("intake", "feedback"),
    "Ranked follow-up actions with rationale and the similar past cases behind them.",
)
COMPLAINT_RESPONDED = Topic(
    "aduan.complaint.responded.v1",
    ComplaintResponded,
    "complaint_id",
    ("feedback",),
    ("intake", "feedback"),
    "An officer's response; the first one stops the response-time clock.",
)
COMPLAINT_RECATEGORIZED = Topic(
    "aduan.complaint.recategorized.v1",
    ComplaintRecategorized,
    "complaint_id",
    ("feedback",),
    ("triage", "intake", "recommend"),
    "An officer corrected the category or tags.",
)
COMPLAINT_RESOLVED = Topic(
    "aduan.complaint.resolved.v1",
    ComplaintResolved,
    "complaint_id",
    ("feedback",),
    ("recommend", "intake", "feedback"),
    "Outcome, actions taken and resolution note.",
)
FEEDBACK_RATED = Topic(
    "aduan.feedback.rated.v1",
    FeedbackRated,
    "complaint_id",
    ("feedback",),
    ("intake", "feedback", "analysts"),
    "The worker's satisfaction rating and whether the problem was fixed.",
)
COMPLAINT_REOPENED = Topic(
    "aduan.complaint.reopened.v1",
    ComplaintReopened,
    "complaint_id",
    ("feedback",),
    ("intake", "feedback", "analysts"),
    "The worker reopened a resolved complaint as not fixed; the resolution clock restarts.",
)
COMPLAINT_WORKER_REPLIED = Topic(
    "aduan.complaint.worker_replied.v1",
    WorkerReplied,
    "complaint_id",
    ("feedback",),
    ("intake",),
    "The worker's reply to the union (masked like every event's text).",
)
COMPLAINT_SLA_BREACHED = Topic(
    "aduan.complaint.sla_breached.v1",
    ComplaintSlaBreached,
    "complaint_id",
    ("feedback",),
    ("intake", "feedback", "federations"),
    "A first-response or resolution clock passed its deadline; names the union's federation.",
)
UNION_REGISTERED = Topic(
    "aduan.union.registered.v1",
    UnionRegistered,
    "union_id",
    ("intake",),
    ("feedback", "recommend"),
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
