"""Check one writer's corpus file: every line valid, and how far the writer is from the quotas.

    python3 services/triage/corpus/check.py services/triage/corpus/writers/w01.jsonl

Writers run it after every batch; it reads nothing but the file and the vocabulary, so it shows a
writer no model code and no other writer's complaints.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

if __package__ in (None, ""):  # run as a script by a writer: make `services` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from services.triage.corpus.records import CorpusError, read_corpus_file

# What one writer's share of the corpus needs (BRIEF.md, "How much to write").
PER_CATEGORY = 20
P1_MINIMUM = 50
HARD_NEGATIVE_MINIMUM = 25
PER_TAG = 7
MIN_ACTIONS = 3


def report(path: Path) -> int:
    try:
        records = read_corpus_file(path)
    except CorpusError as exc:
        print(f"ERROR {exc}")
        return 1
    categories = Counter(r.category.value for r in records)
    tags = Counter(t.value for r in records for t in r.tags)
    p1 = sum(r.priority.value == "P1" for r in records)
    hard = sum(r.hard_negative for r in records)
    print(f"{len(records)} complaints, {p1} P1, {hard} hard negatives")
    from schemas.vocabulary import Category, Tag

    short_categories = {
        c.value: categories[c.value] for c in Category if categories[c.value] < PER_CATEGORY
    }
    short_tags = {t.value: tags[t.value] for t in Tag if tags[t.value] < PER_TAG}
    print("categories below", PER_CATEGORY, ":", short_categories or "none")
    print("tags below", PER_TAG, ":", short_tags or "none")
    if p1 < P1_MINIMUM:
        print(f"P1 below {P1_MINIMUM}: {p1}")
    few_actions = [r.id for r in records if len(r.actions) < MIN_ACTIONS]
    if few_actions:
        print(f"fewer than {MIN_ACTIONS} actions: {', '.join(few_actions)}")
    if hard < HARD_NEGATIVE_MINIMUM:
        print(f"hard negatives below {HARD_NEGATIVE_MINIMUM}: {hard}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: check.py FILE.jsonl")
    sys.exit(report(Path(sys.argv[1])))
