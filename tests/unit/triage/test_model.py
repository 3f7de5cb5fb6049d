from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from schemas.vocabulary import Category, Priority, Tag
from services.runtime.embedding import USE_MULTILINGUAL
from services.triage.examples import Example
from services.triage.heads import HeldOut
from services.triage.lexicon import TAG_ORDER
from services.triage.model import TriageModel, TriageResult, emergency_thresholds
from services.triage.offline.generator import generate
from services.triage.priority import P1_TAGS, SURE

# Danger in words that appear in no DOMAIN cue list or example (written for this test).
UNSEEN_DANGER = [
    "abang sy kepeleset dr tangga pas motong buah di blok 7, kepalanya kebentur batu, "
    "skrg gak bangun2",
    "tiap malam pintu keluar di lantai 3 dirantai dari luar, kami 200an org di dalam",
    "ponakan sy baru 13 thn disuruh ngangkat karung pupuk di kebun biar bapaknya dapet premi",
    "udah gak ada harapan, rasanya pengen mengakhiri semuanya aja, capek sm hidup ini",
    "kabel di gudang bahan meletup2 dan keluar api kecil, kami tetep disuruh kerja",
    "sopir truk kebun nabrak pemanen tadi pagi, orangnya berlumuran darah belum dibawa ke RS",
    "mandor narik sy ke semak2 trs maksa buka baju, sy berhasil lari",
    "chief nonjok muka operator sampai hidungnya keluar darah",
]


class TestVocabulary:
    """Whatever comes in, what goes out is a DOMAIN id."""

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "   ",
            "🙏🙏🙏",
            "asdfghjkl qwerty",
            "ok",
            "x" * 5000,
            "Hello, I have a question about my salary",
            "1234567890",
        ],
    )
    def test_odd_input_stays_in_vocabulary(self, model: TriageModel, text: str) -> None:
        (result,) = model.classify([text])
        assert isinstance(result.category, Category)
        assert all(isinstance(c, Category) for c in result.secondary)
        assert all(isinstance(t, Tag) for t in result.tags)
        assert isinstance(result.priority, Priority)
        assert 0.0 <= result.confidence <= 1.0
        assert len(result.secondary) <= 2
        assert result.category not in result.secondary

    def test_batch_keeps_order_and_length(self, model: TriageModel) -> None:
        texts = [
            "THR belum cair padahal lebaran minggu depan",
            "ijazah sy ditahan pabrik, mau resign gak boleh",
        ]
        results = model.classify(texts, ["garment", None])
        assert [r.category for r in results] == [
            Category.THR_HOLIDAY_ALLOWANCE,
            Category.FORCED_LABOUR_INDICATORS,
        ]
        assert model.classify([]) == []

    def test_result_is_frozen_and_versioned(self, model: TriageModel) -> None:
        (result,) = model.classify(["lembur gak dibayar"])
        assert isinstance(result, TriageResult)
        assert result.model_version == model.version
        assert result.model_version.startswith("triage-")
        with pytest.raises(AttributeError):
            result.category = Category.OTHER  # type: ignore[misc]

    def test_sector_list_must_match(self, model: TriageModel) -> None:
        with pytest.raises(ValueError):
            model.classify(["a", "b"], ["garment"])


class TestPriority:
    """P1 recall comes first: danger described in unfamiliar words is still P1."""

    @pytest.mark.parametrize("text", UNSEEN_DANGER)
    def test_unseen_danger_is_p1(self, model: TriageModel, text: str) -> None:
        (result,) = model.classify([text])
        assert result.priority is Priority.P1, (text, result.tags)

    def test_routine_question_is_not_p1(self, model: TriageModel) -> None:
        (result,) = model.classify(["mau tanya iuran serikat bulan ini berapa ya"])
        assert result.priority is Priority.P3
        assert result.category is Category.OTHER

    def test_mass_layoff_is_p2(self, model: TriageModel) -> None:
        (result,) = model.classify(["pabrik kami tutup bulan depan, 500 orang di-PHK semua"])
        assert result.priority in {Priority.P1, Priority.P2}
        assert Tag.MASS_LAYOFF_OR_CLOSURE in result.tags


class TestTagsOnEmergencies:
    """On a complaint judged an emergency the tags meet the bar fitted on emergencies: what the
    harm was decides which urgent step an officer takes first."""

    @staticmethod
    def with_emergency_bar(model: TriageModel, bar: float) -> TriageModel:
        heads = model._require_heads()
        lowered = dataclasses.replace(heads, tags_on_emergencies=np.full(len(TAG_ORDER), bar))
        return dataclasses.replace(model, _heads=lowered)

    def test_an_emergency_gets_every_tag_over_the_emergency_bar(self, model: TriageModel) -> None:
        (result,) = self.with_emergency_bar(model, 0.0).classify([UNSEEN_DANGER[0]])
        assert result.priority is Priority.P1
        assert set(result.tags) == set(TAG_ORDER)
        assert set(result.evidence) == set(TAG_ORDER)  # each added tag quotes a clause

    def test_a_routine_complaint_keeps_the_ordinary_bar(self, model: TriageModel) -> None:
        text = "pabrik kami tutup bulan depan, 500 orang di-PHK semua"
        (ordinary,) = model.classify([text])
        (lowered,) = self.with_emergency_bar(model, 0.0).classify([text])
        assert ordinary.priority is not Priority.P1
        assert lowered.tags == ordinary.tags

    def test_the_emergency_bar_is_never_above_the_ordinary_one(self, model: TriageModel) -> None:
        heads = model._require_heads()
        assert (heads.tags_on_emergencies <= heads.tags.thresholds).all()


class TestEmergencyThresholds:
    """Fitted on the held-out writers' emergencies only, and never above the ordinary bar."""

    ordinary = np.array([0.6, 0.6])

    def held(self, proba: list[list[float]]) -> HeldOut:
        return HeldOut(np.arange(len(proba)), np.array(proba))

    def test_a_harm_common_among_emergencies_gets_a_lower_bar(self) -> None:
        # Emergencies carry the tag at 0.35; routine complaints without it score 0.4.
        proba = [[0.35, 0.9]] * 20 + [[0.4, 0.1]] * 40
        y = np.array([[1, 1]] * 20 + [[0, 0]] * 40)
        is_p1 = np.array([1] * 20 + [0] * 40)
        fitted = emergency_thresholds(self.ordinary, self.held(proba), y, is_p1)
        assert fitted[0] == pytest.approx(0.35)
        assert fitted[1] <= self.ordinary[1]

    def test_a_higher_best_bar_keeps_the_ordinary_one(self) -> None:
        proba = [[0.95, 0.9]] * 20 + [[0.7, 0.1]] * 20
        y = np.array([[1, 1]] * 20 + [[0, 0]] * 20)
        fitted = emergency_thresholds(self.ordinary, self.held(proba), y, np.ones(40, dtype=int))
        assert fitted[0] == pytest.approx(0.6)

    def test_too_few_emergencies_with_the_tag_keep_the_ordinary_bar(self) -> None:
        proba = [[0.2, 0.2]] * 3 + [[0.1, 0.1]] * 30
        y = np.array([[1, 1]] * 3 + [[0, 0]] * 30)
        fitted = emergency_thresholds(self.ordinary, self.held(proba), y, np.ones(33, dtype=int))
        assert fitted.tolist() == self.ordinary.tolist()

    def test_without_held_out_writers_the_ordinary_bar(self) -> None:
        y = np.zeros((4, 2), dtype=int)
        fitted = emergency_thresholds(self.ordinary, None, y, np.ones(4, dtype=int))
        assert fitted.tolist() == self.ordinary.tolist()


class TestEvidence:
    """An officer must be able to find the evidence in the worker's own text."""

    def test_every_evidence_is_a_span_of_the_text(
        self, model: TriageModel, domain_examples: list[Example]
    ) -> None:
        texts = [e.text for e in domain_examples] + UNSEEN_DANGER
        for text, result in zip(texts, model.classify(texts), strict=True):
            assert set(result.evidence) == set(result.tags)
            for tag, span in result.evidence.items():
                assert span and span in text, (tag, span, text)

    def test_evidence_quotes_the_cue(self, model: TriageModel) -> None:
        (result,) = model.classify(["KTP sy ditahan mandor, kasbon di koperasi gak lunas2"])
        assert Tag.DOCUMENT_RETENTION in result.tags
        assert "KTP" in result.evidence[Tag.DOCUMENT_RETENTION]
        assert result.priority is Priority.P1


class TestRepetition:
    """A flood of the same message must not fill the emergency queue (or add tags)."""

    def test_a_complaint_pasted_ten_times_is_triaged_as_once(self, model: TriageModel) -> None:
        text = "gaji bulan ini dipotong 300 ribu tanpa alasan, kata HRD target tidak tercapai"
        once, pasted = model.classify([text, " ".join([text] * 10)])
        assert pasted.priority is once.priority is not Priority.P1
        assert pasted.tags == once.tags
        assert pasted.category is once.category

    def test_a_phrase_pasted_in_place_after_an_introduction_is_triaged_as_once(
        self, model: TriageModel
    ) -> None:
        intro = "saya operator jahit di PT Maju Garmen. "
        phrase = "gaji dipotong 300 ribu tanpa alasan"
        once, pasted = model.classify([intro + phrase, intro + " ".join([phrase] * 20)])
        assert (pasted.priority, pasted.tags, pasted.category) == (
            once.priority,
            once.tags,
            once.category,
        )


class TestNegationMatters:
    """A negated grievance does not decide the category."""

    def test_bukan_soal_gaji(self, model: TriageModel) -> None:
        (result,) = model.classify(
            ["bukan soal gaji ya pak, gaji aman. cuti tahunan sy ditolak terus sm atasan"]
        )
        assert result.category is Category.LEAVE_REST


class TestTraining:
    """Training is small, seeded and refuses nonsense."""

    def test_small_model_trains_and_classifies(self) -> None:
        model = TriageModel().train(generate(300, seed=11))
        assert model.training_size == 300
        assert len(model.classify(["gaji telat"])) == 1

    def test_empty_training_set_is_rejected(self) -> None:
        with pytest.raises(ValueError):
            TriageModel().train([])

    def test_untrained_model_refuses_to_classify(self) -> None:
        with pytest.raises(RuntimeError):
            TriageModel().classify(["gaji telat"])

    def test_weights_must_match_the_examples(self) -> None:
        with pytest.raises(ValueError, match="one entry per example"):
            TriageModel().train(generate(50, seed=3), weights=[1.0])


class TestHardNegatives:
    """What looks like an emergency but is none is never a sure P1 (written for this test, in
    the families the independent writers found: deaths outside work, children only mentioned,
    accidents off the job). At most the detector's doubt raises it for an officer's review:
    the review threshold is set for 98% recall on writers the model never read, so a few
    near-misses are the price of not leaving emergencies in the normal queue."""

    @pytest.mark.parametrize(
        "text",
        [
            "ibu sy meninggal krn sakit jantung minggu lalu, sy minta cuti 2 hari buat "
            "pemakaman tapi HRD bilang gak ada cuti duka, dipotong gaji",
            "anak sy lagi demam tinggi, mau izin pulang cepet buat bawa ke puskesmas gak boleh "
            "sama leader",
            "sy kecelakaan motor pas mudik lebaran, kaki patah, surat dokter ada tp cuti sakit "
            "sy gak diakui pabrik",
        ],
    )
    def test_is_not_p1(self, model: TriageModel, text: str) -> None:
        (result,) = model.classify([text])
        assert result.emergency_score < SURE, result.tags
        assert result.priority is not Priority.P1 or result.needs_review, result.tags
        assert not P1_TAGS & set(result.tags)


class TestEmbeddings:
    """A model reads the encoder it was trained with, and embeds by itself when asked to."""

    def test_the_default_model_reads_the_multilingual_encoder(self, model: TriageModel) -> None:
        assert model.embedding_model == USE_MULTILINGUAL
        texts = ["THR dicicil tiga kali"]
        given = model.classify(texts, embeddings=model.embed(texts))
        assert given == model.classify(texts)

    def test_vectors_of_the_wrong_shape_are_refused(self, model: TriageModel) -> None:
        with pytest.raises(ValueError, match="embeddings of shape"):
            model.classify(["gaji telat"], embeddings=np.zeros((1, 7)))

    def test_a_text_only_model_needs_no_encoder(self) -> None:
        text_only = TriageModel().train(generate(300, seed=12))
        assert text_only.embedding_model is None
        assert isinstance(text_only.classify(["gaji telat"])[0].category, Category)
