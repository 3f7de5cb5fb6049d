# ruff: noqa: E501  (template sentences read best unbroken)
"""Generator of the SYNTHETIC starter case base (`data/starter_cases.jsonl`).

Every case here is invented: the texts are written from templates in informal Indonesian, the
companies are fictional, and actions, outcomes and durations are drawn at random from the DOMAIN
§3.3 playbook with plausible odds. The file exists so a fresh installation (and the tests) has a
case base to search before any union has imported its own resolved cases. Never present these
cases to officers as real precedents: every record carries `"synthetic": true` and a `syn-` id.

Deterministic: `generate(seed)` always returns the same cases for the same seed; regenerate with
`python -m services.recommend.offline.starter [path]`.
"""

from __future__ import annotations

import json
import random
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from schemas.vocabulary import ACTION_LABELS, Action, Category, Outcome, Sector, Tag
from services.recommend.cases import ResolvedCase
from services.recommend.playbook import PLAYBOOK
from services.recommend.ranking import TAG_RULES

DEFAULT_PATH = Path(__file__).parents[1] / "data" / "starter_cases.jsonl"

# What the synthetic officers did first when harm was reported. Frozen here, apart from the
# ranking's own rules: the starter cases are a record of the past, and changing how Aduan ranks
# actions today must not rewrite what unions did then.
HISTORIC_URGENT_STEPS: dict[Action, tuple[frozenset[Tag], ...]] = {
    Action.URGENT_SAFETY_RESPONSE: (
        frozenset({Tag.IMMEDIATE_DANGER}),
        frozenset({Tag.FATALITY}),
        frozenset({Tag.SELF_HARM_RISK}),
        frozenset({Tag.PREGNANT_WORKER, Tag.CHEMICAL_EXPOSURE}),
        frozenset({Tag.MINOR_INVOLVED}),
    ),
    Action.MEDICAL_CARE_DOCUMENTATION: (
        frozenset({Tag.INJURY}),
        frozenset({Tag.FATALITY}),
        frozenset({Tag.PHYSICAL_VIOLENCE}),
        frozenset({Tag.SELF_HARM_RISK}),
    ),
    Action.CONFIDENTIAL_SAFETY_PLAN: (
        frozenset({Tag.SEXUAL_VIOLENCE}),
        frozenset({Tag.PHYSICAL_VIOLENCE}),
        frozenset({Tag.SELF_HARM_RISK}),
        frozenset({Tag.DOCUMENT_RETENTION, Tag.DEBT_OR_RECRUITMENT_FEE}),
    ),
}
DEFAULT_SEED = 20250101
CASES_PER_CATEGORY = 24  # 17 categories → 408 cases

G, F, P = Sector.GARMENT, Sector.FOOTWEAR, Sector.PALM_OIL
ALL = (G, F, P)
FACTORY = (G, F)

UNIONS: dict[Sector, tuple[str, ...]] = {
    G: ("spn", "garteks", "fsp_tsk"),
    F: ("spn", "fsp_tsk", "garteks"),
    P: ("japbusi",),
}

VOCAB: dict[Sector, dict[str, tuple[str, ...]]] = {
    G: {
        "role": ("operator sewing", "operator cutting", "QC finishing", "helper packing"),
        "boss": ("chief", "leader", "SPV", "HRD"),
        "unit": ("line 4", "line 11", "bagian cutting", "bagian finishing", "bagian sewing"),
        "place": ("Bekasi", "Karawang", "Subang", "Semarang", "Boyolali", "Bogor"),
        "work": ("PT Sandang Prima Mulia", "PT Benang Sejahtera", "PT Rajut Nusa Garmen"),
    },
    F: {
        "role": (
            "operator cementing",
            "operator stitching",
            "operator assembling",
            "operator press sol",
        ),
        "boss": ("chief", "leader", "SPV", "HRD"),
        "unit": ("bagian cementing", "bagian stitching", "gedung B", "bagian assembling"),
        "place": ("Tangerang", "Serang", "Jepara", "Brebes", "Pasuruan"),
        "work": ("PT Langkah Mandiri Footwear", "PT Tapak Jaya Abadi", "PT Sol Kencana"),
    },
    P: {
        "role": ("pemanen", "tim semprot", "tukang brondol", "operator PKS", "pemupuk"),
        "boss": ("mandor", "krani", "asisten", "askep"),
        "unit": ("afdeling 2", "afdeling 5", "divisi 3", "blok C12", "PKS"),
        "place": ("Labuhanbatu", "Kotawaringin Timur", "Siak", "Ketapang", "Rokan Hulu"),
        "work": ("PT Tandan Hijau Lestari", "PT Sawit Makmur Raya", "PT Kebun Bumi Sentosa"),
    },
}


@dataclass(frozen=True)
class Template:
    sectors: tuple[Sector, ...]
    text: str
    tags: tuple[str, ...]


def _t(sectors: tuple[Sector, ...], text: str, *tags: str) -> Template:
    return Template(sectors, text, tags)


TEMPLATES: dict[Category, tuple[Template, ...]] = {
    Category.WAGES_MINIMUM_WAGE: (
        _t(
            ALL,
            "upah sy cuma {amount} sebulan, jauh di bawah UMK {place}. {boss} bilang emang segitu buat {role}",
            "money_amount_stated",
            "location_named",
            "individual",
        ),
        _t(
            ALL,
            "gajian udh lewat {n} hari blm cair juga, anak2 {unit} pada ngutang buat makan",
            "loss_of_income_now",
            "collective",
        ),
        _t(
            ALL,
            "tiap bulan gaji dipotong {amount} tanpa penjelasan, slip gaji gak pernah dikasih",
            "money_amount_stated",
            "ongoing_or_repeated",
        ),
        _t(
            FACTORY,
            "upah borongan per pcs diturunin sepihak, skrg sehari cuma dapet {amount}",
            "money_amount_stated",
            "collective",
        ),
        _t(
            (P,),
            "premi panen gak dibayar {months} bulan, kata {boss} nunggu harga TBS naik",
            "collective",
            "ongoing_or_repeated",
            "supervisor_implicated",
        ),
        _t(
            ALL,
            "gaji dicicil 2x sebulan sejak {months} bulan lalu, yg kedua sering telat",
            "collective",
            "ongoing_or_repeated",
        ),
    ),
    Category.OVERTIME: (
        _t(
            FACTORY,
            "{unit} disuruh lembur sampe jam 10 malem tiap hari tp uang lemburnya gak keluar",
            "collective",
            "ongoing_or_repeated",
        ),
        _t(
            FACTORY,
            "harus absen pulang dulu baru lanjut kerja, katanya biar gak kehitung lembur. {boss} yg nyuruh",
            "supervisor_implicated",
            "collective",
        ),
        _t(
            ALL,
            "masuk hari minggu & tanggal merah dibayar kayak hari biasa, padahal harusnya dobel",
            "collective",
            "ongoing_or_repeated",
        ),
        _t(
            (P,),
            "operator PKS kerja 12 jam tiap hari, lembur dibilang udah termasuk gaji",
            "collective",
            "ongoing_or_repeated",
        ),
        _t(
            ALL,
            "lembur {n} jam sehari gak ada surat perintah, yg nolak diancam SP sm {boss}",
            "verbal_abuse_threats",
            "supervisor_implicated",
            "retaliation_feared",
        ),
    ),
    Category.THR_HOLIDAY_ALLOWANCE: (
        _t(
            ALL,
            "THR tahun ini katanya mau dibayar nyicil {n} kali, lebaran udh deket",
            "collective",
            "deadline_imminent",
        ),
        _t(
            ALL,
            "sy kontrak {months} bulan, kata HRD kontrak gak dapet THR",
            "precarious_status",
            "individual",
            "info_request",
        ),
        _t(
            (P,),
            "BHL di {unit} gak dikasih THR sama sekali, cuma dikasih sembako",
            "precarious_status",
            "collective",
        ),
        _t(
            ALL,
            "THR cuma dibayar setengah gaji, alasannya perusahaan lagi rugi",
            "collective",
            "money_amount_stated",
        ),
        _t(
            ALL,
            "udah lewat lebaran THR blm juga cair, {boss} bilang tunggu aja",
            "collective",
            "supervisor_implicated",
        ),
    ),
    Category.SOCIAL_SECURITY_BPJS: (
        _t(
            ALL,
            "cek aplikasi JMO saldo JHT sy gak nambah {months} bulan padahal slip ada potongan BPJS",
            "evidence_available",
            "individual",
        ),
        _t(
            ALL,
            "sy gak didaftarin BPJS sama sekali udh kerja {years} thn, pas sakit bayar sendiri",
            "individual",
            "money_amount_stated",
        ),
        _t(
            ALL,
            "kartu BPJS kesehatan keluarga nonaktif, ternyata iuran perusahaan nunggak",
            "collective",
            "evidence_available",
        ),
        _t(
            (P,),
            "BHL di {unit} gak ada yg punya BPJS TK, kalo kecelakaan di kebun ya tanggung sendiri",
            "precarious_status",
            "collective",
        ),
        _t(
            ALL,
            "upah yg dilaporin ke BPJS cuma UMR padahal gaji lebih, JHT sy jadi kecil",
            "individual",
            "info_request",
        ),
    ),
    Category.EMPLOYMENT_STATUS_CONTRACTS: (
        _t(
            FACTORY,
            "kontrak sy diperpanjang terus tiap 3 bulan udh {years} thn, kerjaan tetap sama di {unit}",
            "precarious_status",
            "ongoing_or_repeated",
            "individual",
        ),
        _t(
            FACTORY,
            "masuk lewat yayasan harus bayar {amount}, status magang terus gak diangkat",
            "precarious_status",
            "debt_or_recruitment_fee",
            "money_amount_stated",
        ),
        _t(
            (P,),
            "sy harian lepas {years} tahun, tiap bulan kerja 25 hari tp gak pernah diangkat SKU",
            "precarious_status",
            "ongoing_or_repeated",
            "individual",
        ),
        _t(
            ALL,
            "kontrak habis gak dikasih uang kompensasi, kata HRD itu cuma buat yg tetap",
            "precarious_status",
            "individual",
            "info_request",
        ),
        _t(
            ALL,
            "gak ada kontrak tertulis sama sekali, cuma omongan {boss} doang",
            "precarious_status",
            "supervisor_implicated",
        ),
    ),
    Category.TERMINATION_SEVERANCE: (
        _t(
            ALL,
            "sy di-PHK tiba2 alasan efisiensi, pesangon gak jelas. udh kerja {years} thn",
            "individual",
        ),
        _t(
            FACTORY,
            "pabrik mau tutup bulan depan, {n} org disuruh resign biar gak dapet pesangon",
            "mass_layoff_or_closure",
            "collective",
            "deadline_imminent",
        ),
        _t(
            ALL,
            "dirumahkan udh {months} bulan tanpa gaji, status gak jelas",
            "loss_of_income_now",
            "collective",
        ),
        _t(
            ALL,
            "dapet SP3 langsung dipecat padahal SP1 SP2 gak pernah ada, mau nolak caranya gmn",
            "individual",
            "info_request",
        ),
        _t(
            (P,),
            "sy diberhentikan {boss} lisan aja, disuruh keluar dr perumahan minggu ini",
            "individual",
            "supervisor_implicated",
            "deadline_imminent",
        ),
        _t(
            ALL,
            "di-PHK dan disodorin PB tali asih {amount}, sy belum tanda tangan. mohon didampingi",
            "money_amount_stated",
            "legal_aid_requested",
            "individual",
        ),
    ),
    Category.OSH_SAFETY_HEALTH: (
        _t(
            FACTORY,
            "jari tangan sy luka kena mesin di {unit}, pengaman mesin udh lama dicopot",
            "injury",
            "individual",
        ),
        _t(
            (F,),
            "bau lem & tiner di {unit} bikin pusing, masker gak dikasih, exhaust mati",
            "chemical_exposure",
            "illness_symptoms",
            "collective",
        ),
        _t(
            (P,),
            "{role} nyemprot herbisida tanpa sarung tangan & masker, kulit pada gatal melepuh",
            "chemical_exposure",
            "illness_symptoms",
            "collective",
        ),
        _t(
            FACTORY,
            "pintu keluar di {unit} dikunci dari luar pas jam kerja, kalo ada api gimana",
            "immediate_danger",
            "collective",
        ),
        _t(
            (P,),
            "pemanen jatuh pas egrek, kaki patah. {boss} gak mau lapor ke BPJS",
            "injury",
            "supervisor_implicated",
            "reported_by_third_party",
        ),
        _t(
            ALL,
            "APD harus beli sendiri, sepatu boot dipotong dr gaji {amount}",
            "money_amount_stated",
            "collective",
        ),
        _t(
            FACTORY,
            "kabel listrik di {unit} ngelupas & sering korslet, udh lapor tp dicuekin",
            "immediate_danger",
            "collective",
            "internal_steps_taken",
        ),
    ),
    Category.HARASSMENT_GBV: (
        _t(
            ALL,
            "{boss} sering chat mesum ke sy malem2, sy simpen screenshotnya. takut kalo lapor kontrak gak diperpanjang",
            "sexual_violence",
            "supervisor_implicated",
            "evidence_available",
            "retaliation_feared",
            "woman_worker",
        ),
        _t(
            ALL,
            "temen sy diraba {boss} di gudang, dia gak berani ngomong. tolong rahasiain namanya",
            "sexual_violence",
            "supervisor_implicated",
            "reported_by_third_party",
            "anonymity_requested",
            "woman_worker",
        ),
        _t(
            ALL,
            "{boss} suka bentak & maki2 pake kata kasar di depan semua org kalo target gak nyampe",
            "verbal_abuse_threats",
            "supervisor_implicated",
            "collective",
            "ongoing_or_repeated",
        ),
        _t(
            ALL,
            "sy ditampar {boss} gara2 telat 5 menit, ada yg liat",
            "physical_violence",
            "supervisor_implicated",
            "individual",
        ),
        _t(
            ALL,
            "dibully terus sama senior di {unit}, sampe sy mikir mending gak usah hidup",
            "verbal_abuse_threats",
            "self_harm_risk",
            "individual",
            "ongoing_or_repeated",
        ),
    ),
    Category.MATERNITY_REPRODUCTIVE: (
        _t(
            ALL,
            "sy hamil {n} bulan, minta cuti melahirkan malah disuruh resign dulu",
            "pregnant_worker",
            "woman_worker",
            "individual",
        ),
        _t(
            ALL,
            "cuti haid gak pernah dikasih, kalo izin dipotong gaji",
            "woman_worker",
            "collective",
            "ongoing_or_repeated",
        ),
        _t(
            FACTORY,
            "gak ada ruang menyusui, pumping di gudang. istirahat juga dibatesin",
            "new_or_breastfeeding_mother",
            "woman_worker",
            "collective",
        ),
        _t(
            (P,),
            "ibu2 hamil tetep disuruh nyemprot pestisida sm {boss}",
            "pregnant_worker",
            "chemical_exposure",
            "woman_worker",
            "supervisor_implicated",
            "collective",
        ),
        _t(
            ALL,
            "gaji sy selama cuti lahiran gak dibayar penuh, cuma separuh",
            "new_or_breastfeeding_mother",
            "woman_worker",
            "individual",
        ),
    ),
    Category.FREEDOM_OF_ASSOCIATION: (
        _t(
            ALL,
            "habis kami bentuk PUK, {n} pengurus langsung dimutasi ke bagian jauh",
            "union_member",
            "retaliation_occurred",
            "collective",
        ),
        _t(
            ALL,
            "{boss} ngancem yg ikut serikat gak bakal diperpanjang kontraknya",
            "union_member",
            "verbal_abuse_threats",
            "supervisor_implicated",
            "precarious_status",
        ),
        _t(
            ALL,
            "perusahaan gak mau runding PKB, surat dr serikat gak pernah dibales",
            "union_member",
            "collective",
            "internal_steps_taken",
        ),
        _t(
            ALL,
            "ketua serikat kami di-PHK alasan mangkir pas dia ikut rapat federasi",
            "union_member",
            "retaliation_occurred",
            "supervisor_implicated",
        ),
        _t(
            FACTORY,
            "anggota serikat dilarang rapat di kantin, padahal brand buyer kita katanya dukung kebebasan berserikat",
            "union_member",
            "buyer_or_certification_link",
            "collective",
        ),
        _t(
            ALL,
            "kami mau mogok karena perundingan buntu, gimana biar sah",
            "union_member",
            "wants_collective_action",
            "info_request",
            "collective",
        ),
    ),
    Category.DISCRIMINATION: (
        _t(
            ALL,
            "lowongan di {unit} cuma buat laki2, perempuan gak boleh daftar walau bisa",
            "woman_worker",
            "collective",
        ),
        _t(
            ALL,
            "umur sy {age}, kontrak gak diperpanjang katanya udh ketuaan",
            "individual",
            "precarious_status",
        ),
        _t(
            ALL,
            "sy difabel, gaji beda sama temen yg kerjaannya sama",
            "person_with_disability",
            "individual",
        ),
        _t(
            (P,),
            "pekerja perempuan di {unit} BHL semua, yg laki2 bisa jadi SKU",
            "woman_worker",
            "precarious_status",
            "collective",
        ),
        _t(
            ALL,
            "promosi selalu dikasih ke orang sekampung {boss}, yg pendatang gak pernah",
            "migrant_worker",
            "supervisor_implicated",
            "collective",
        ),
    ),
    Category.CHILD_LABOUR: (
        _t(
            (P,),
            "anak2 umur {child} ikut bapaknya ke {unit} mungut brondol biar basis nyampe",
            "minor_involved",
            "unregistered_helper",
            "collective",
        ),
        _t(
            FACTORY,
            "ada anak kayaknya masih {child} thn kerja di {unit} pake KTP orang lain",
            "minor_involved",
            "reported_by_third_party",
        ),
        _t(
            (P,),
            "libur sekolah anak2 disuruh bantu ngangkut janjang sama {boss}",
            "minor_involved",
            "supervisor_implicated",
            "collective",
        ),
        _t(
            ALL,
            "keponakan sy umur {child} kerja shift malem di {unit}",
            "minor_involved",
            "reported_by_third_party",
            "individual",
        ),
    ),
    Category.WORKING_HOURS_TARGETS: (
        _t(
            FACTORY,
            "target {unit} naik jadi {n}0 pcs/jam tanpa dirundingin, yg gak nyampe disuruh lanjut tanpa bayaran",
            "collective",
            "ongoing_or_repeated",
        ),
        _t(
            (P,),
            "basis panen naik terus, kalo gak nyampe premi hangus & kena denda",
            "collective",
            "ongoing_or_repeated",
        ),
        _t(
            ALL,
            "kerja 7 hari seminggu gak ada libur udah {months} bulan",
            "collective",
            "ongoing_or_repeated",
        ),
        _t(
            FACTORY,
            "ke toilet dibatesin 2x sehari, lebih dari itu dimarahin {boss}",
            "supervisor_implicated",
            "verbal_abuse_threats",
            "collective",
        ),
        _t(
            ALL,
            "istirahat siang cuma 15 menit, makan sambil kerja",
            "collective",
            "ongoing_or_repeated",
        ),
    ),
    Category.LEAVE_REST: (
        _t(
            ALL,
            "cuti tahunan sy gak boleh diambil, katanya lagi sibuk. akhir taun hangus",
            "individual",
            "ongoing_or_repeated",
        ),
        _t(
            ALL,
            "sakit ada surat dokter tetep dianggap mangkir & dipotong gaji",
            "illness_symptoms",
            "evidence_available",
            "individual",
        ),
        _t(
            ALL,
            "izin nikah 3 hari ditolak {boss}, disuruh pake cuti tahunan",
            "supervisor_implicated",
            "individual",
        ),
        _t(ALL, "bapak sy meninggal, cuti duka gak dikasih. disuruh masuk besoknya", "individual"),
    ),
    Category.HOUSING_LIVING_CONDITIONS: (
        _t(
            (P,),
            "rumah di emplasemen {unit} atapnya bocor, udah lapor {boss} gak diperbaiki",
            "collective",
            "supervisor_implicated",
            "internal_steps_taken",
        ),
        _t(
            (P,),
            "air bersih di barak cuma ngalir 2 hari sekali, anak2 mandi pake air parit",
            "collective",
            "minor_involved",
            "ongoing_or_repeated",
        ),
        _t(
            FACTORY,
            "mess karyawan 1 kamar diisi 8 org, WC cuma 1 buat 40 org",
            "collective",
            "migrant_worker",
        ),
        _t(
            (P,),
            "klinik kebun gak ada dokter, obat cuma paracetamol",
            "collective",
            "ongoing_or_repeated",
        ),
        _t(FACTORY, "air minum di {unit} gak ada, harus beli sendiri", "collective"),
    ),
    Category.FORCED_LABOUR_INDICATORS: (
        _t(
            ALL,
            "ijazah sy ditahan perusahaan sbg jaminan, mau keluar harus bayar {amount}",
            "document_retention",
            "money_amount_stated",
            "individual",
        ),
        _t(
            (P,),
            "kami dr NTT didatangin calo, KTP dipegang mandor, utang ongkos dipotong gaji terus",
            "document_retention",
            "debt_or_recruitment_fee",
            "migrant_worker",
            "collective",
        ),
        _t(
            ALL,
            "utang kasbon koperasi makin numpuk, gaji habis buat nyicil, gak boleh resign sblm lunas",
            "debt_or_recruitment_fee",
            "individual",
        ),
        _t(
            FACTORY,
            "buku tabungan & ATM kami dipegang yayasan, gaji diambilin mereka dulu",
            "document_retention",
            "collective",
            "precarious_status",
        ),
    ),
    Category.OTHER: (
        _t(
            ALL,
            "mau tanya iuran serikat sebulan berapa ya, dipotong dr gaji atau bayar sendiri?",
            "info_request",
            "union_member",
        ),
        _t(ALL, "gimana caranya daftar jadi anggota serikat di {unit}?", "info_request"),
        _t(
            ALL,
            "koperasi karyawan gak pernah bagi SHU, itu hak kita gak sih",
            "info_request",
            "collective",
        ),
    ),
}

PREFIXES = ("", "", "", "min, ", "pak, ", "assalamualaikum, ", "izin lapor, ", "bu, ")
SUFFIXES = (
    "",
    "",
    " tolong dibantu",
    " gmn ini?",
    " udah lapor HRD tp gak ada tanggapan",
    " mohon arahannya",
    " kami bingung harus ngapain",
)

# Actions that push a dispute forward; cases that used them ended better in the union records
# this imitates (an assumption for synthetic data, not a finding).
ESCALATIONS = frozenset(
    {
        Action.LABOUR_INSPECTION_REPORT,
        Action.DISNAKER_MEDIATION,
        Action.THR_COMPLAINT_POST,
        Action.BPJS_COMPLAINT,
        Action.COLLECTIVE_BARGAINING,
        Action.SUPPLY_CHAIN_ESCALATION,
        Action.SATGAS_PPKS_REFERRAL,
        Action.CHILD_PROTECTION_REFERRAL,
        Action.LEGAL_AID_REFERRAL,
    }
)

OFF_PLAYBOOK = (
    Action.LABOUR_INSPECTION_REPORT,
    Action.DISNAKER_MEDIATION,
    Action.LEGAL_AID_REFERRAL,
    Action.COLLECTIVE_BARGAINING,
    Action.INFORMATION_RESPONSE,
)

FIXES: dict[Category, str] = {
    Category.WAGES_MINIMUM_WAGE: "kekurangan upah dibayar",
    Category.OVERTIME: "upah lembur dibayar dan jam lembur dibatasi",
    Category.THR_HOLIDAY_ALLOWANCE: "THR dibayar penuh",
    Category.SOCIAL_SECURITY_BPJS: "pekerja didaftarkan dan tunggakan iuran disetor",
    Category.EMPLOYMENT_STATUS_CONTRACTS: "status diperbaiki / kompensasi dibayar",
    Category.TERMINATION_SEVERANCE: "pesangon dibayar sesuai PP 35/2021",
    Category.OSH_SAFETY_HEALTH: "bahaya diperbaiki dan APD dibagikan",
    Category.HARASSMENT_GBV: "pelaku dipindah dan dikenai sanksi",
    Category.MATERNITY_REPRODUCTIVE: "hak cuti dan upah selama cuti dipenuhi",
    Category.FREEDOM_OF_ASSOCIATION: "pengurus dikembalikan ke posisi semula",
    Category.DISCRIMINATION: "perlakuan disamakan",
    Category.CHILD_LABOUR: "anak berhenti bekerja dan kembali sekolah",
    Category.WORKING_HOURS_TARGETS: "target/basis dirundingkan ulang",
    Category.LEAVE_REST: "cuti diberikan dan potongan dikembalikan",
    Category.HOUSING_LIVING_CONDITIONS: "perumahan/air bersih diperbaiki",
    Category.FORCED_LABOUR_INDICATORS: "dokumen dikembalikan dan potongan utang dihentikan",
    Category.OTHER: "pertanyaan dijawab",
}


def _fill(template: Template, sector: Sector, rng: random.Random) -> str:
    vocab = VOCAB[sector]
    amount = rng.choice(("1,8jt", "2,3jt", "350rb", "500rb", "750rb", "1,2jt", "3jt", "85rb"))
    text = template.text.format(
        role=rng.choice(vocab["role"]),
        boss=rng.choice(vocab["boss"]),
        unit=rng.choice(vocab["unit"]),
        place=rng.choice(vocab["place"]),
        n=rng.randint(2, 9),
        months=rng.randint(2, 8),
        years=rng.randint(2, 12),
        age=rng.randint(38, 52),
        child=rng.randint(11, 16),
        amount=amount,
    )
    return rng.choice(PREFIXES) + text + rng.choice(SUFFIXES)


def _actions(category: Category, tags: frozenset[Tag], rng: random.Random) -> list[Action]:
    """A realistic path: a prefix of the playbook, tag-driven steps, some officer variation."""
    playbook = PLAYBOOK[category].first_actions
    chosen = list(playbook[: rng.randint(min(2, len(playbook)), len(playbook))])
    for rule in TAG_RULES:
        if rule.tags <= tags and rng.random() < 0.8:
            chosen.append(rule.action)
    for action, fits in HISTORIC_URGENT_STEPS.items():
        if any(f <= tags for f in fits) and rng.random() < 0.9:
            chosen.insert(0, action)
    if len(chosen) > 2 and rng.random() < 0.25:  # officers skip steps
        chosen.pop(rng.randrange(1, len(chosen)))
    if rng.random() < 0.15:  # and sometimes try a generic step off the playbook
        chosen.append(rng.choice(OFF_PLAYBOOK))
    return list(dict.fromkeys(chosen))


def _outcome(actions: list[Action], rng: random.Random) -> Outcome:
    escalated = len(ESCALATIONS.intersection(actions))
    p_resolved = min(0.85, 0.3 + 0.15 * escalated)
    draw = rng.random()
    if draw < p_resolved:
        return Outcome.RESOLVED
    return Outcome.PARTIALLY_RESOLVED if draw < p_resolved + 0.3 else Outcome.NOT_RESOLVED


def _days(actions: list[Action], rng: random.Random) -> int:
    days = rng.randint(3, 20)
    if Action.DISNAKER_MEDIATION in actions:
        days += rng.randint(25, 60)
    if Action.INDUSTRIAL_COURT_CLAIM in actions:
        days += rng.randint(90, 240)
    return days


def _note(category: Category, outcome: Outcome, actions: list[Action]) -> str:
    steps = ", ".join(ACTION_LABELS[a].lower() for a in actions[:3])
    fix = FIXES[category]
    if outcome is Outcome.RESOLVED:
        return f"Setelah {steps}: {fix}."
    if outcome is Outcome.PARTIALLY_RESOLVED:
        return f"Setelah {steps}: sebagian dipenuhi ({fix} hanya untuk sebagian pekerja)."
    return f"Setelah {steps}: perusahaan menolak, pekerja tidak melanjutkan."


def generate(
    seed: int = DEFAULT_SEED, per_category: int = CASES_PER_CATEGORY
) -> list[ResolvedCase]:
    """The synthetic starter case base; same seed, same cases."""
    rng = random.Random(seed)
    cases: list[ResolvedCase] = []
    counters: dict[str, int] = {}
    for category, templates in TEMPLATES.items():
        for i in range(per_category):
            template = templates[i % len(templates)]
            sector = template.sectors[i % len(template.sectors)]
            union = UNIONS[sector][rng.randrange(len(UNIONS[sector]))]
            counters[union] = counters.get(union, 0) + 1
            tags = frozenset(Tag(t) for t in template.tags)
            actions = _actions(category, tags, rng)
            outcome = _outcome(actions, rng)
            cases.append(
                ResolvedCase(
                    case_id=f"syn-{union}-{counters[union]:04d}",
                    sector=sector,
                    union=union,
                    text=_fill(template, sector, rng),
                    category=category,
                    tags=sorted(tags),
                    actions_taken=actions,
                    outcome=outcome,
                    resolution_note=_note(category, outcome, actions),
                    days_to_resolve=_days(actions, rng),
                    workplace=rng.choice(VOCAB[sector]["work"]),
                    resolved_at=date(2023, 1, 1) + timedelta(days=rng.randint(0, 900)),
                    synthetic=True,
                )
            )
    return cases


def write_jsonl(cases: list[ResolvedCase], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for case in cases:
            record = case.model_dump(mode="json", exclude_none=True)
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PATH
    write_jsonl(generate(), target)
