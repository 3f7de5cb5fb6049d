"""A worker's personal data never leaves intake: not on any topic, not in any log line.

Complaints go in over HTTP and as Kafka events with phone numbers in every way Indonesians write
them, e-mail addresses written plainly and disguised, 16-digit NIKs, the worker's name in the
contact details and again in the text, a phone in the workplace; officers answer and resolve
with notes that quote them, and the worker replies and rates with more of the same. Then every
topic, dead letters included, and every service's log is read back and searched.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from schemas.topics import COMPLAINT_RECEIVED, TOPICS
from services.stack.supervisor import SERVICES
from tests.e2e.conftest import Stack, running_stack
from tests.support import Infra, eventually, produce, read_topic

TRACKING_KEY = "privacy-scan-tracking-key"
PIPELINE_TIMEOUT_S = 90.0

PHONES = [
    "0812-3456-7890",
    "+62 812 3456 7891",
    "6281234567892",
    "(0812) 3456-7893",
    "0812/3456/7894",
    "0812.3456.7895",
]
EMAILS = [
    "budi.santoso@pabrik-sepatu.co.id",
    "sari(at)pabrik-sepatu.co.id",
    "dewi @ pabrik-sepatu . co . id",
    "RINA [at] pabrik-sepatu [dot] com",
]
NIKS = ["3201234567890123", "3201 2345 6789 0124", "3201/2345/6789/0125", "3201  2345  6789  0126"]
NAME = "Siti Rahmawati"
# What must appear nowhere, written the way a search would find it in any spelling above.
LEAKS = [
    re.compile(r"3456\D{0,2}789\d"),  # the phones' subscriber digits
    re.compile(r"81234567892"),
    re.compile(r"pabrik-sepatu", re.IGNORECASE),  # every e-mail's domain
    re.compile(r"budi\.santoso", re.IGNORECASE),
    re.compile(r"3201\D{0,2}2345\D{0,2}6789\D{0,2}012\d"),  # the NIKs
    # The worker's name, from the contact details: masked in the text by intake, and by
    # feedback (from keyed hashes of its parts) in what officers and the worker write later.
    re.compile(r"Rahmawati", re.IGNORECASE),
]


def personal_text(i: int) -> str:
    return (
        f"Saya {NAME}, operator jahit. Upah lembur bulan ini tidak dibayar. Hubungi saya di "
        f"{PHONES[i % len(PHONES)]} atau {EMAILS[i % len(EMAILS)]}, NIK {NIKS[i % len(NIKS)]}."
    )


@pytest.fixture()
async def stack(
    kafka_bootstrap: str, database_url: str, topic_prefix: str, model_dir: Path, tmp_path: Path
) -> AsyncIterator[Stack]:
    infra = Infra(kafka_bootstrap, database_url, topic_prefix)
    async with running_stack(infra, model_dir, tmp_path, TRACKING_KEY) as running:
        yield running


class TestNothingPersonalLeavesIntake:
    """Every topic and every log line, searched for every format."""

    async def test_no_topic_and_no_log_line_holds_personal_data(
        self, stack: Stack, tmp_path: Path
    ) -> None:
        spn = {"X-API-Key": stack.keys["spn"]}
        intake, feedback = stack.urls["intake"], stack.urls["feedback"]
        async with httpx.AsyncClient(timeout=30) as http:
            accepted = []
            for i in range(len(PHONES)):
                answer = await http.post(
                    f"{intake}/v1/complaints",
                    headers=spn,
                    json={
                        "text": personal_text(i),
                        "sector": "garment",
                        "idempotency_key": f"privacy-{i}",
                        "workplace": f"PT Maju, telp {PHONES[(i + 1) % len(PHONES)]}",
                        "contact": {
                            "name": NAME,
                            "phone": PHONES[i],
                            "email": "budi.santoso@pabrik-sepatu.co.id",
                        },
                    },
                )
                assert answer.status_code == 201, answer.text
                accepted.append(answer.json())
            by_kafka = {
                "union_id": "spn", "idempotency_key": "privacy-kafka", "sector": "garment",
                "channel": "app", "text": personal_text(4),
                "contact": {"name": NAME, "phone": PHONES[4]},
            }  # fmt: skip
            await produce(
                stack.infra.kafka,
                stack.infra.prefix + COMPLAINT_RECEIVED.name,
                json.dumps(by_kafka).encode(),
                key="privacy-kafka",
            )

            first = accepted[0]
            base = f"{feedback}/v1/complaints/{first['complaint_id']}"
            quoted = f"Bu {NAME}, nomor {PHONES[1]} dan NIK {NIKS[2]} sudah kami catat."

            async def responded() -> bool:
                answer = await http.post(
                    f"{base}/responses", headers=spn, json={"officer": "Rina", "message": quoted}
                )
                return answer.status_code == 201

            await eventually(responded, timeout=PIPELINE_TIMEOUT_S)
            resolved = await http.post(
                f"{base}/resolution",
                headers=spn,
                json={"officer": "Rina", "outcome": "resolved",
                      "actions_taken": ["bipartite_negotiation"], "resolution_note": quoted},
            )  # fmt: skip
            assert resolved.status_code == 201, resolved.text
            track = f"{feedback}/v1/track/{first['tracking_code']}"
            secret = first["tracking_secret"]
            replied = await http.post(
                f"{track}/reply", json={"secret": secret, "message": personal_text(2)}
            )
            assert replied.status_code == 201, replied.text
            rated = await http.post(
                f"{track}/rating",
                json={"secret": secret, "score": 2, "fixed": "partly",
                      "reasons": [f"hubungi {EMAILS[3]}"], "comment": personal_text(3)},
            )  # fmt: skip
            assert rated.status_code == 201, rated.text

            async def all_recommended() -> bool:
                listing = await http.get(f"{intake}/v1/complaints", headers=spn)
                items = listing.json()["items"]
                return len(items) == len(PHONES) + 1 and all(i["category"] for i in items)

            await eventually(all_recommended, timeout=PIPELINE_TIMEOUT_S)

        found = []
        for topic in TOPICS:
            for name in (topic.name, topic.dlq):
                records = await read_topic(
                    stack.infra.kafka, stack.infra.prefix + name, count=10_000, timeout=2
                )
                found += [
                    (name, leak.pattern)
                    for record in records
                    if name != COMPLAINT_RECEIVED.name  # the frontends' own submissions
                    for leak in LEAKS
                    if leak.search(record.body.decode(errors="replace"))
                ]
        for service in SERVICES:
            log = (tmp_path / f"{service}.log").read_text(errors="replace")
            found += [(f"{service}.log", leak.pattern) for leak in LEAKS if leak.search(log)]
        contacts, texts = await stored_personal_data(stack.infra.database_url)
        assert contacts.count("\n") == len(PHONES)  # every submission kept its contact
        found += [("intake.contacts", leak.pattern) for leak in LEAKS if leak.search(contacts)]
        found += [("intake.complaints", leak.pattern) for leak in LEAKS if leak.search(texts)]
        assert found == [], found


async def stored_personal_data(database_url: str) -> tuple[str, str]:
    """Intake's contacts, and its complaints' texts, as a dump or a backup would show them
    (sealed at rest, masked where the queue reads them)."""
    conn = await asyncpg.connect(database_url)
    try:
        contacts = await conn.fetch("SELECT name, phone, email, whatsapp FROM intake.contacts")
        texts = await conn.fetch("SELECT original_text, masked_text FROM intake.complaints")
    finally:
        await conn.close()
    return _dump(contacts), _dump(texts)


def _dump(rows: list[asyncpg.Record]) -> str:
    return "\n".join(" ".join(str(value) for value in row.values()) for row in rows)
