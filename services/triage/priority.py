"""Priority rules: DOMAIN §2 "suggested triage" plus danger cues.

Tags alone miss danger described in words no tag cue knows, and P1 recall matters more than
precision (a missed fall from a palm costs more than an extra phone call), so danger cues in the
text raise a complaint to P1 on their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from schemas.vocabulary import Category, Priority, Tag
from services.triage.lexicon import rx

P1_TAGS = frozenset(
    {
        Tag.FATALITY,
        Tag.IMMEDIATE_DANGER,
        Tag.SEXUAL_VIOLENCE,
        Tag.PHYSICAL_VIOLENCE,
        Tag.SELF_HARM_RISK,
    }
)
P1_PAIRS = (
    frozenset({Tag.INJURY, Tag.DEADLINE_IMMINENT}),
    frozenset({Tag.DOCUMENT_RETENTION, Tag.DEBT_OR_RECRUITMENT_FEE}),
    frozenset({Tag.PREGNANT_WORKER, Tag.CHEMICAL_EXPOSURE}),
)
P2_TAGS = frozenset(
    {
        Tag.DEADLINE_IMMINENT,
        Tag.LOSS_OF_INCOME_NOW,
        Tag.RETALIATION_OCCURRED,
        Tag.MASS_LAYOFF_OR_CLOSURE,
    }
)

# Danger described in words: falls, crushing, unconsciousness, blocked exits, fire, poisoning,
# suicide wishes. Written against canonical text (see normalize).
DANGER_CUES: re.Pattern[str] = rx(
    r"(jatuh|terjatuh|kepleset|kepeleset|tergelincir|terpeleset|jatoh|keplest)( \S+){0,2} "
    r"(dari|ke bawah|ke jurang|ke parit)",
    r"(kebentur|terbentur|terbanting)( \S+){0,2} (kepala|batu|besi|tembok)\w*",
    r"(tidak|belum) (bangun|bergerak|bernapas|nafas|napas)\w*",
    r"(nabrak|ditabrak|menabrak|tertabrak|kecelakaan (truk|motor|lalu lintas))",
    r"(berlumuran|bersimbah|keluar|mengucur|muncrat)( \S+)? darah",
    r"darah\w* (banyak|mengucur)",
    r"(keluar|ada|muncul|nyala) api",
    r"apinya",
    r"meletup\w*",
    r"percik\w*",
    r"(maksa|memaksa|dipaksa)( \S+){0,2} (buka|lepas) (baju|celana|pakaian)",
    r"(ditarik|diseret|narik|menarik)( \S+){0,2} ke (semak\w*|kamar|gudang|mess|kebun)",
    r"(ditonjok|nonjok|menonjok|tonjok|dihajar|menghajar|ngehajar|memukul|mukul\w*)",
    r"(ketimpa|tertimpa|kejatuhan|ditimpa|tertindih|kelindas|terlindas|terseret|tergilas)",
    r"(tidak|belum|hilang) (sadar|sadarkan)\w*",
    r"pingsan( \S+){0,2} (lama|berjam|tidak bangun)",
    r"koma",
    r"kritis",
    r"icu",
    r"gegar otak",
    r"pendarahan",
    r"kepala\w* (bocor|pecah)",
    r"(jari|tangan|kaki|lengan)\w* (putus|remuk|hancur|terpotong|kepotong)",
    r"(putus|remuk|hancur) (jari|tangan|kaki)\w*",
    r"amputasi\w*",
    r"diamputasi",
    r"pintu (darurat|keluar|evakuasi|samping|belakang)( \S+){0,4} "
    r"(di)?(gembok|kunci|rantai|tutup|blokir|las)\w*",
    r"(gembok|kunci|rantai|las)\w* pintu",
    r"jalur evakuasi( \S+){0,3} (ditutup|tertutup|terhalang|diblokir)",
    r"terkunci di dalam",
    r"kebakaran",
    r"terbakar",
    r"asap",
    r"meledak",
    r"ledakan",
    r"korsleting",
    r"konslet\w*",
    r"kesetrum",
    r"tersengat listrik",
    r"(mau|hampir) (roboh|ambruk|runtuh)",
    r"retak",
    r"gas bocor",
    r"bocor gas",
    r"keracunan",
    r"muntah darah",
    r"kejang",
    r"digigit ular",
    r"dipatok ular",
    r"rem\w* blong",
    r"(bunuh|mengakhiri|akhiri) (diri|hidup)",
    r"(ingin|mau|mending|lebih baik) mati",
    r"gantung diri",
    r"minum racun",
    r"mengakhiri (semua\w*|hidup\w*)",
    r"tidak (ada )?(harapan|alasan) (lagi )?(untuk )?hidup",
    r"diperkosa",
    r"disekap",
    r"dikurung",
    r"parang",
    r"pisau",
    r"senjata",
    r"meninggal\w*",
    r"tewas",
    r"tolong cepat",
    r"darurat sekarang",
)

# A child doing any of this is in hazardous work (DOMAIN: "minor_involved in hazardous work").
HAZARDOUS_WORK: re.Pattern[str] = rx(
    r"kerja\w*",
    r"bekerja",
    r"dipekerjakan",
    r"shift\w*",
    r"mesin\w*",
    r"lembur\w*",
    r"brondol\w*",
    r"mungut\w*",
    r"janjang",
    r"tbs",
    r"panen\w*",
    r"semprot\w*",
    r"nyemprot",
    r"pupuk",
    r"angkat\w*",
    r"ngangkat",
    r"kebun",
    r"blok",
    r"ancak",
    r"hanca",
    r"pabrik",
    r"line",
    r"sewing",
    r"jahit\w*",
    r"kernet",
    r"bantu\w*",
    r"egrek",
    r"dodos",
    r"karung",
    r"ktp",
    r"pks",
    r"lem",
    r"kimia",
    r"pestisida",
)


def priority_from_tags(tags: Iterable[Tag], hazardous_minor: bool = False) -> Priority:
    """DOMAIN's suggested triage applied to a tag set."""
    tagset = frozenset(tags)
    if tagset & P1_TAGS or any(pair <= tagset for pair in P1_PAIRS):
        return Priority.P1
    if hazardous_minor and Tag.MINOR_INVOLVED in tagset:
        return Priority.P1
    if tagset & P2_TAGS:
        return Priority.P2
    return Priority.P3


def is_hazardous_minor(canonical: str, tags: Iterable[Tag], categories: Iterable[Category]) -> bool:
    """A child is involved and the text talks about work (or the complaint is child labour)."""
    if Tag.MINOR_INVOLVED not in frozenset(tags):
        return False
    return Category.CHILD_LABOUR in frozenset(categories) or bool(HAZARDOUS_WORK.search(canonical))


def assess_priority(
    canonical: str, tags: Iterable[Tag], categories: Iterable[Category]
) -> Priority:
    """Priority of one complaint: tag rules, the hazardous-minor rule, then danger cues."""
    tagset = frozenset(tags)
    priority = priority_from_tags(tagset, is_hazardous_minor(canonical, tagset, categories))
    if priority is not Priority.P1 and DANGER_CUES.search(canonical):
        return Priority.P1
    return priority
