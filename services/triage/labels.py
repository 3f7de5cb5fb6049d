"""Officers' corrections as training data: stored by the service, read by `aduan triage train`.

A later correction of the same complaint replaces the earlier one: the last word counts.
"""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import asyncpg

from schemas.events import ComplaintRecategorized
from schemas.vocabulary import Category, Priority, Sector, Tag
from services.triage.examples import Example
from services.triage.model import TriageModel, TriageResult

MIGRATIONS = Path(__file__).parent / "migrations"

# An officer's correction is one real complaint among thousands of others: it counts as ten
# (a row of this weight in the ridge fits, the same as ten copies there). Ten make the model
# learn an ambiguous text the officer's way (measured: five did not move it); a text full of
# another category's cue words still needs several corrections, which is what we want from one
# officer's single view.
OFFICER_WEIGHT = 10


async def store_correction(conn: asyncpg.Connection, event: ComplaintRecategorized) -> None:
    await conn.execute(
        "INSERT INTO labelled_examples (complaint_id, union_id, sector, text, category,"
        " secondary, tags, officer, labelled_at, priority)"
        " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)"
        " ON CONFLICT (complaint_id) DO UPDATE SET category = EXCLUDED.category,"
        " secondary = EXCLUDED.secondary, tags = EXCLUDED.tags, officer = EXCLUDED.officer,"
        " labelled_at = EXCLUDED.labelled_at,"
        " priority = coalesce(EXCLUDED.priority, labelled_examples.priority)"
        " WHERE labelled_examples.labelled_at <= EXCLUDED.labelled_at",
        event.complaint_id,
        event.union_id,
        event.sector.value,
        event.text,
        event.category.value,
        [c.value for c in event.secondary],
        None if event.tags is None else [t.value for t in event.tags],
        event.officer,
        event.recategorized_at,
        event.priority.value if event.priority else None,
    )


async def officer_examples(
    conn: asyncpg.Connection | asyncpg.Pool, tagger: TriageModel | None
) -> list[Example]:
    """Every stored correction as an example.

    What the officer did not correct (the tags, the priority) is taken from `tagger`, the model
    in use: training them as "no tags" or "not urgent" would teach the heads that the text means
    nothing.
    """
    rows = await conn.fetch(
        "SELECT * FROM triage.labelled_examples ORDER BY labelled_at, complaint_id"
    )
    guesses = _guesses(rows, tagger)
    examples = []
    for row in rows:
        guess = guesses.get(row["complaint_id"])
        tags = row["tags"] if row["tags"] is not None else (guess.tags if guess else [])
        priority = row["priority"] or (guess.priority if guess else None)
        examples.append(
            Example(
                text=row["text"],
                category=Category(row["category"]),
                secondary=tuple(Category(c) for c in row["secondary"]),
                tags=frozenset(Tag(t) for t in tags),
                priority=Priority(priority) if priority else None,
                sector=Sector(row["sector"]),
                id=str(row["complaint_id"]),
            )
        )
    return examples


def _guesses(rows: list[asyncpg.Record], tagger: TriageModel | None) -> dict[UUID, TriageResult]:
    """The model's reading of the corrections that left tags or priority unlabelled."""
    unlabelled = [r for r in rows if r["tags"] is None or r["priority"] is None]
    if tagger is None or not unlabelled:
        return {}
    results = tagger.classify([r["text"] for r in unlabelled], [r["sector"] for r in unlabelled])
    return {r["complaint_id"]: result for r, result in zip(unlabelled, results, strict=True)}
