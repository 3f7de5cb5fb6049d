"""`aduan triage ensure-model --database-url` on a real PostgreSQL: a model retrained because a
release or a word-list edit made it stale keeps the officers' corrections stored there."""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from schemas.events import ComplaintRecategorized
from schemas.vocabulary import Category, Sector
from services.runtime.db import create_pool
from services.triage import registry
from services.triage.cli import app
from services.triage.examples import Example
from services.triage.labels import MIGRATIONS, store_correction
from services.triage.model import TriageModel

pytestmark = pytest.mark.integration

# Read by the model as harassment or OSH; the officer files it under working hours.
TEXT = "gudang panas banget kipas mati, bnyk yg pusing, mandor bilang kejar target dulu"


async def _store(database_url: str, complaint_id: uuid.UUID) -> None:
    """An officer's correction as triage's consumer stores it: category only, no tags."""
    pool = await create_pool(database_url, schema="triage", migrations=MIGRATIONS, max_size=1)
    try:
        event = ComplaintRecategorized(
            complaint_id=complaint_id,
            union_id="spn",
            officer="Rina",
            previous_category=Category.OSH_SAFETY_HEALTH,
            category=Category.WORKING_HOURS_TARGETS,
            text=TEXT,
            sector=Sector.GARMENT,
            recategorized_at=datetime.now(UTC),
        )
        async with pool.acquire() as conn:
            await store_correction(conn, event)
    finally:
        await pool.close()


class TestEnsureModelKeepsCorrections:
    """The stand-in training (the session's model) records what each training was given."""

    async def test_a_stale_model_is_retrained_with_the_stored_corrections(
        self,
        database_url: str,
        model: TriageModel,
        model_dir: Path,
        tmp_path: Path,
        retrained: list[tuple[str, list[Example]]],
    ) -> None:
        complaint_id = uuid.uuid4()
        await _store(database_url, complaint_id)
        models = tmp_path / "models"
        shutil.copytree(model_dir, models)
        # Trained with other word lists: what a release or an edit of cues.yaml leaves behind.
        stale = dataclasses.replace(model, version="triage-20000101T000000Z-stale", word_lists="")
        registry.promote(models, registry.save_version(stale, models))
        args = ["ensure-model", "--model-dir", str(models), "--database-url", database_url]
        result = await asyncio.to_thread(CliRunner().invoke, app, args)

        assert result.exit_code == 0, result.output
        given = [corrections for _, corrections in retrained]
        assert [[e.id for e in corrections] for corrections in given] == [[], [str(complaint_id)]]
        [corrected] = given[1]
        assert corrected.category is Category.WORKING_HOURS_TARGETS
        # Tags the officer left alone come from the freshly trained model, not from nothing.
        [reading] = model.classify([TEXT], ["garment"])
        assert corrected.tags == frozenset(reading.tags)
        [promoted] = [v for v in registry.list_versions(models) if v["current"]]
        assert promoted["officer_corrections"] == [str(complaint_id)]
