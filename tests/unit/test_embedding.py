from __future__ import annotations

import numpy as np
import pytest

from services.runtime.embedding import Embedder, padded_size_groups, shared_embedder


class TestPaddedSizeGroups:
    """A poll is cut so no batch pads many short complaints to one long complaint."""

    def test_every_index_once(self) -> None:
        lengths = [120, 40, 300, 45, 41, 39, 800, 60]
        groups = padded_size_groups(lengths, 400)
        assert sorted(i for g in groups for i in g) == list(range(len(lengths)))

    def test_longest_text_times_group_size_stays_in_budget(self) -> None:
        lengths = [120, 40, 300, 45, 41, 39, 60, 38, 44]
        for group in padded_size_groups(lengths, 400):
            assert len(group) == 1 or max(lengths[i] for i in group) * len(group) <= 400

    def test_a_text_over_budget_is_alone(self) -> None:
        groups = padded_size_groups([900, 10, 10], 400)
        assert groups[0] == [0]
        assert sorted(groups[1]) == [1, 2]

    def test_nothing_to_group(self) -> None:
        assert padded_size_groups([], 400) == []


class TestEmbedGrouped:
    """Grouping changes the batches, never which vector belongs to which complaint."""

    @pytest.fixture(scope="class")
    def embedder(self) -> Embedder:
        return shared_embedder()

    def test_rows_match_one_by_one_encoding(self, embedder: Embedder) -> None:
        texts = [
            "gaji telat",
            "pintu darurat dikunci tiap malam sama satpam, kami takut kalau ada kebakaran",
            "THR dicicil 3x",
            "mandor suka marah2 dan ngancam PHK kalau target ga nyampe, udah 3 bulan begini",
            "lembur ga dibayar",
        ]
        grouped = embedder.embed_grouped(texts, char_budget=120)
        alone = np.vstack([embedder.embed([t]) for t in texts])
        assert grouped.shape == (len(texts), embedder.dimension)
        assert np.allclose(grouped, alone, atol=1e-5)

    def test_empty_input(self, embedder: Embedder) -> None:
        assert embedder.embed_grouped([]).shape == (0, embedder.dimension)
