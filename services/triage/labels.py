"""Officers' corrections as training data: stored by the service, read by `aduan triage train`.

A later correction of the same complaint replaces the earlier one: the last word counts.
"""

from __future__ import annotations

from pathlib import Path

import asyncpg

from schemas.events import ComplaintRecategorized
from schemas.vocabulary import Category, Sector, Tag
from services.triage.examples import Example
from services.triage.model import TriageModel

MIGRATIONS = Path(__file__).parent / "migrations"

# An officer's correction is one real complaint among thousands of synthetic ones. Ten copies
# make the model learn an ambiguous text the officer's way (measured: five did not move it);
# a text full of another category's cue words still needs several corrections, which is what we
# want from one officer's single view.
OFFICER_WEIGHT = 10


async def store_correction(conn: asyncpg.Connection, event: ComplaintRecategorized) -> None:
    await conn.execute(
        "INSERT INTO labelled_examples (complaint_id, union_id, sector, text, category,"
        " secondary, tags, officer, labelled_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)"
        " ON CONFLICT (complaint_id) DO UPDATE SET category = EXCLUDED.category,"
        " secondary = EXCLUDED.secondary, tags = EXCLUDED.tags, officer = EXCLUDED.officer,"
        " labelled_at = EXCLUDED.labelled_at WHERE labelled_examples.labelled_at"
        " <= EXCLUDED.labelled_at",
        event.complaint_id,
        event.union_id,
        event.sector.value,
        event.text,
        event.category.value,
        [c.value for c in event.secondary],
        None if event.tags is None else [t.value for t in event.tags],
        event.officer,
        event.recategorized_at,
    )


async def officer_examples(
    conn: asyncpg.Connection | asyncpg.Pool, tagger: TriageModel | None
) -> list[Example]:
    """Every stored correction as an example.

    Where the officer corrected only the category, the tags are taken from `tagger` (the model
    in use): training them as "no tags" would teach the tag heads that the cues mean nothing.
    """
    rows = await conn.fetch(
        "SELECT * FROM triage.labelled_examples ORDER BY labelled_at, complaint_id"
    )
    unlabelled = [row["text"] for row in rows if row["tags"] is None]
    guessed = iter(tagger.classify(unlabelled) if tagger and unlabelled else [])
    examples = []
    for row in rows:
        if row["tags"] is not None:
            tags = frozenset(Tag(t) for t in row["tags"])
        else:
            tags = frozenset(next(guessed).tags) if tagger else frozenset()
        examples.append(
            Example(
                text=row["text"],
                category=Category(row["category"]),
                secondary=tuple(Category(c) for c in row["secondary"]),
                tags=tags,
                sector=Sector(row["sector"]),
                id=str(row["complaint_id"]),
            )
        )
    return examples


def weighted(examples: list[Example]) -> list[Example]:
    return [e for e in examples for _ in range(OFFICER_WEIGHT)]
