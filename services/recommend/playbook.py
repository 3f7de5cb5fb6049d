"""DOMAIN.md §3.1-3.4 as data: what a union officer does first, per category and per action.

The playbook is the prior of the recommender: when the case base is thin (a new union, a rare
category) the advice still follows the escalation ladder of UU 2/2004 and the channels of §3.2.
Texts shown to officers are Indonesian; legal references are copied from DOMAIN.md, and anything
DOMAIN marks "(unverified)" keeps that mark so nobody shows it to a worker as settled law.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.vocabulary import ACTION_LABELS, Action, Category

# Actions that respond to harm happening now. They lead a P1 recommendation, and outside P1 they
# only make sense when a tag shows the harm, so the playbook prior alone never puts them on top.
URGENT_ACTIONS: tuple[Action, ...] = (
    Action.URGENT_SAFETY_RESPONSE,
    Action.MEDICAL_CARE_DOCUMENTATION,
    Action.CONFIDENTIAL_SAFETY_PLAN,
    Action.CHILD_PROTECTION_REFERRAL,
)


@dataclass(frozen=True)
class CategoryPlaybook:
    """One row of DOMAIN §3.3."""

    category: Category
    first_actions: tuple[Action, ...]  # in the order an officer should take them
    evidence: tuple[str, ...]
    time_norms: str
    legal_basis: tuple[str, ...]


@dataclass(frozen=True)
class ActionGuide:
    """What an officer needs to know about one action of the §3.6 vocabulary."""

    action: Action
    label: str
    legal_refs: tuple[str, ...]
    # Evidence specific to this action; empty means "use the category's evidence list".
    evidence: tuple[str, ...] = ()


_BIPARTITE_LAW = (
    "UU 2/2004 Ps 3, 6 (bipartit wajib, selesai ≤30 hari kerja, risalah ditandatangani)"
)

PLAYBOOK: dict[Category, CategoryPlaybook] = {
    Category.WAGES_MINIMUM_WAGE: CategoryPlaybook(
        Category.WAGES_MINIMUM_WAGE,
        (
            Action.CALCULATE_ENTITLEMENT,
            Action.COLLECT_EVIDENCE,
            Action.BIPARTITE_NEGOTIATION,
            Action.LABOUR_INSPECTION_REPORT,
            Action.DISNAKER_MEDIATION,
        ),
        (
            "slip gaji",
            "bukti transfer",
            "kontrak kerja",
            "rekap absensi / finger",
            "buku borongan atau buku panen",
            "SK UMK/UMSK yang berlaku",
            "slip gaji rekan kerja",
        ),
        "Upah telat: denda mulai hari ke-4 (5%/hari s.d. hari ke-8, lalu +1%/hari, maks 50% per"
        " bulan; bunga setelah 1 bulan); potongan ≤50% tiap pembayaran dan hanya dengan"
        " persetujuan tertulis; bipartit ≤30 hari kerja.",
        (
            "UU 6/2023 Ps 88E, 185",
            "PP 36/2021 Ps 17, 61, 63-65",
            "MK 168/PUU-XXI/2023 (upah minimum sektoral berlaku lagi)",
        ),
    ),
    Category.OVERTIME: CategoryPlaybook(
        Category.OVERTIME,
        (
            Action.COLLECT_EVIDENCE,
            Action.CALCULATE_ENTITLEMENT,
            Action.BIPARTITE_NEGOTIATION,
            Action.LABOUR_INSPECTION_REPORT,
            Action.DISNAKER_MEDIATION,
        ),
        (
            "ekspor absensi / finger",
            "foto jam atau papan target",
            "perintah lembur lewat WA dari chief/leader/mandor",
            "SPL (surat perintah lembur)",
            "catatan produksi",
        ),
        "Lembur maks 4 jam/hari dan 18 jam/minggu; makan ≥1.400 kkal bila lembur ≥4 jam.",
        ("PP 35/2021 Ps 26-33",),
    ),
    Category.THR_HOLIDAY_ALLOWANCE: CategoryPlaybook(
        Category.THR_HOLIDAY_ALLOWANCE,
        (
            Action.THR_COMPLAINT_POST,
            Action.CALCULATE_ENTITLEMENT,
            Action.BIPARTITE_NEGOTIATION,
            Action.LABOUR_INSPECTION_REPORT,
            Action.COLLECT_EVIDENCE,
        ),
        (
            "bukti masa kerja ≥1 bulan",
            "slip gaji (dasar upah)",
            "absensi BHL",
            "pengumuman THR dicicil",
        ),
        "THR paling lambat 7 hari sebelum hari raya; telat → denda 5%; tidak dibayar → sanksi"
        " administratif; tidak boleh dicicil.",
        (
            "Permenaker 6/2016 Ps 5(4), 10, 11",
            "PP 36/2021",
            "SE Kemnaker 2024 (THR dibayar penuh, tidak dicicil)",
        ),
    ),
    Category.SOCIAL_SECURITY_BPJS: CategoryPlaybook(
        Category.SOCIAL_SECURITY_BPJS,
        (
            Action.COLLECT_EVIDENCE,
            Action.BPJS_COMPLAINT,
            Action.BIPARTITE_NEGOTIATION,
            Action.LABOUR_INSPECTION_REPORT,
            Action.POLICE_REPORT,
        ),
        (
            "slip gaji dengan potongan BPJS",
            "screenshot JMO",
            "kartu BPJS",
            "tagihan rumah sakit",
            "kronologi kecelakaan",
            "daftar pekerja yang tidak didaftarkan",
        ),
        "Laporan kecelakaan kerja 2×24 jam; klaim JKP paling lambat 6 bulan setelah PHK.",
        ("UU 24/2011 Ps 19, 55", "PP 86/2013", "PP 37/2021 jo. PP 6/2025"),
    ),
    Category.EMPLOYMENT_STATUS_CONTRACTS: CategoryPlaybook(
        Category.EMPLOYMENT_STATUS_CONTRACTS,
        (
            Action.COLLECT_EVIDENCE,
            Action.CALCULATE_ENTITLEMENT,
            Action.BIPARTITE_NEGOTIATION,
            Action.LABOUR_INSPECTION_REPORT,
            Action.DISNAKER_MEDIATION,
            Action.INDUSTRIAL_COURT_CLAIM,
        ),
        (
            "semua kontrak dan perpanjangannya",
            "ID card",
            "absensi bulanan",
            "slip upah harian",
            "kuitansi yayasan / bukti uang titipan",
            "uraian pekerjaan",
        ),
        "PKWT ≤5 tahun termasuk perpanjangan; tidak ada masa percobaan dalam PKWT; kompensasi"
        " 1 bulan upah per 12 bulan (proporsional) tiap akhir PKWT; BHL ≥21 hari/bulan selama"
        " 3 bulan berturut-turut menjadi PKWTT demi hukum.",
        ("PP 35/2021 Ps 8, 10, 12, 15-16, 19-20", "MK 168/PUU-XXI/2023"),
    ),
    Category.TERMINATION_SEVERANCE: CategoryPlaybook(
        Category.TERMINATION_SEVERANCE,
        (
            Action.BIPARTITE_NEGOTIATION,
            Action.CALCULATE_ENTITLEMENT,
            Action.COLLECT_EVIDENCE,
            Action.DISNAKER_MEDIATION,
            Action.INDUSTRIAL_COURT_CLAIM,
            Action.BPJS_COMPLAINT,
            Action.LEGAL_AID_REFERRAL,
        ),
        (
            "surat PHK",
            "surat peringatan (SP)",
            "kontrak kerja",
            "slip gaji (gaji pokok + tunjangan tetap)",
            "bukti masa kerja",
            "risalah bipartit",
            "pengumuman penutupan pabrik",
        ),
        "Pemberitahuan PHK 14 hari kerja; penolakan tertulis ≤7 hari kerja; bipartit ≤30 dan"
        " mediasi ≤30 hari kerja; gugatan ≤1 tahun sejak mediasi gagal; klaim JKP ≤6 bulan."
        " Jangan tanda tangan surat resign atau PB di bawah tekanan.",
        (
            "UU 6/2023 (Ps 151-157, Ps 153 sebagaimana diubah)",
            "PP 35/2021 Ps 36-59 (tabel Ps 40; Ps 43 efisiensi karena rugi = 0,5× pesangon)",
            "UU 2/2004",
        ),
    ),
    Category.OSH_SAFETY_HEALTH: CategoryPlaybook(
        Category.OSH_SAFETY_HEALTH,
        (
            Action.URGENT_SAFETY_RESPONSE,
            Action.MEDICAL_CARE_DOCUMENTATION,
            Action.COLLECT_EVIDENCE,
            Action.BIPARTITE_NEGOTIATION,
            Action.BPJS_COMPLAINT,
            Action.LABOUR_INSPECTION_REPORT,
        ),
        (
            "foto/video bahaya",
            "catatan pembagian APD",
            "label bahan kimia / SDS",
            "rekam medis klinik dan rumah sakit",
            "saksi",
            "ukuran panas atau bising",
        ),
        "Laporan kecelakaan kerja ke BPJS TK dan Disnaker ≤2×24 jam.",
        (
            "UU 1/1970",
            "Permenakertrans 8/2010 (APD gratis, hak menolak Ps 6(2))",
            "Permenaker 5/2018 (NAB fisik & kimia, higiene dan sanitasi)",
            "PP 50/2012 SMK3 (wajib ≥100 pekerja atau bahaya tinggi)",
        ),
    ),
    Category.HARASSMENT_GBV: CategoryPlaybook(
        Category.HARASSMENT_GBV,
        (
            Action.CONFIDENTIAL_SAFETY_PLAN,
            Action.SATGAS_PPKS_REFERRAL,
            Action.COLLECT_EVIDENCE,
            Action.LEGAL_AID_REFERRAL,
            Action.POLICE_REPORT,
            Action.MEDICAL_CARE_DOCUMENTATION,
        ),
        (
            "screenshot chat",
            "rekaman",
            "catatan kejadian bertanggal",
            "saksi",
            "rekam medis",
            "permintaan tertulis agar CCTV disimpan",
        ),
        "Tidak ada tenggat tetap; amankan bukti digital dan medis secepatnya. Penyintas memutuskan"
        " setiap langkah.",
        (
            "UU 12/2022 TPKS",
            "Kepmenaker 88/2023 (Satgas PPKS)",
            "ILO C190 belum diratifikasi (per Des 2024)",
        ),
    ),
    Category.MATERNITY_REPRODUCTIVE: CategoryPlaybook(
        Category.MATERNITY_REPRODUCTIVE,
        (
            Action.COLLECT_EVIDENCE,
            Action.BIPARTITE_NEGOTIATION,
            Action.LABOUR_INSPECTION_REPORT,
            Action.CALCULATE_ENTITLEMENT,
            Action.DISNAKER_MEDIATION,
        ),
        (
            "surat dokter/bidan",
            "permohonan cuti dan penolakannya",
            "slip gaji selama cuti",
            "surat SP/PHK",
            "foto tidak ada ruang laktasi",
        ),
        "UU 4/2024: cuti melahirkan ≥3 bulan (+≤3 bulan dengan surat dokter), upah penuh bulan"
        " 1-4, 75% bulan 5-6; tidak boleh PHK selama cuti; keguguran 1,5 bulan; suami 2 hari"
        " (+≤3).",
        ("UU 13/2003 Ps 76, 81-84, 153(1)(e), 185", "UU 4/2024 Ps 4-6"),
    ),
    Category.FREEDOM_OF_ASSOCIATION: CategoryPlaybook(
        Category.FREEDOM_OF_ASSOCIATION,
        (
            Action.COLLECT_EVIDENCE,
            Action.BIPARTITE_NEGOTIATION,
            Action.DISNAKER_MEDIATION,
            Action.LEGAL_AID_REFERRAL,
            Action.POLICE_REPORT,
            Action.SUPPLY_CHAIN_ESCALATION,
            Action.COLLECTIVE_BARGAINING,
        ),
        (
            "bukti pencatatan serikat",
            "surat mutasi/PHK",
            "kronologi yang mengaitkan tindakan dengan kegiatan serikat",
            "pesan WA atau rekaman",
            "saksi",
        ),
        "Pemberitahuan mogok 7 hari kerja; tenggat PHK seperti pada kategori PHK.",
        ("UU 21/2000 Ps 28, 29, 43", "UU 13/2003 Ps 137-145, 153(1)(g)"),
    ),
    Category.DISCRIMINATION: CategoryPlaybook(
        Category.DISCRIMINATION,
        (
            Action.COLLECT_EVIDENCE,
            Action.BIPARTITE_NEGOTIATION,
            Action.LABOUR_INSPECTION_REPORT,
            Action.CALCULATE_ENTITLEMENT,
            Action.DISNAKER_MEDIATION,
        ),
        (
            "slip gaji pembanding (pekerjaan sama, perlakuan beda)",
            "lowongan dengan syarat usia/jenis kelamin",
            "syarat tes",
            "catatan promosi",
        ),
        "Tidak ada tenggat khusus.",
        (
            "UU 13/2003 Ps 153(1)(i)",
            "UU 8/2016 Ps 49 (upah setara), Ps 53 (kuota 1% swasta / 2% pemerintah & BUMN)",
            "UU 13/2003 Ps 5-6 (unverified)",
        ),
    ),
    Category.CHILD_LABOUR: CategoryPlaybook(
        Category.CHILD_LABOUR,
        (
            Action.CHILD_PROTECTION_REFERRAL,
            Action.LABOUR_INSPECTION_REPORT,
            Action.COLLECT_EVIDENCE,
            Action.COLLECTIVE_BARGAINING,
            Action.BIPARTITE_NEGOTIATION,
        ),
        (
            "perkiraan usia dan status sekolah",
            "foto bertanggal dan berlokasi (wajah disamarkan)",
            "catatan target/basis",
            "saksi dewasa",
        ),
        "Usia 13-15: hanya pekerjaan ringan, maks 3 jam/hari, siang hari, di luar jam sekolah,"
        " dengan izin orang tua. Jangan pernah publikasikan identitas anak.",
        (
            "UU 13/2003 Ps 68-75 (Ps 73: anak di tempat kerja dianggap bekerja; Ps 74 bentuk"
            " terburuk)",
            "Kepmenakertrans 235/2003",
            "UU 35/2014 Ps 76I, 88",
        ),
    ),
    Category.WORKING_HOURS_TARGETS: CategoryPlaybook(
        Category.WORKING_HOURS_TARGETS,
        (
            Action.COLLECT_EVIDENCE,
            Action.BIPARTITE_NEGOTIATION,
            Action.COLLECTIVE_BARGAINING,
            Action.LABOUR_INSPECTION_REPORT,
            Action.DISNAKER_MEDIATION,
        ),
        (
            "papan target",
            "kartu produksi",
            "buku panen mandor/krani",
            "jadwal shift",
            "instruksi lewat WA",
        ),
        "7 jam/hari + 40 jam/minggu (6 hari) atau 8 jam/hari + 40 jam/minggu (5 hari); istirahat"
        " ≥30 menit setelah 4 jam; 1 hari libur per 6 hari kerja.",
        ("PP 35/2021 Ps 21", "UU 13/2003 Ps 79 sebagaimana diubah", "UU 2/2004 Ps 4"),
    ),
    Category.LEAVE_REST: CategoryPlaybook(
        Category.LEAVE_REST,
        (
            Action.COLLECT_EVIDENCE,
            Action.BIPARTITE_NEGOTIATION,
            Action.LABOUR_INSPECTION_REPORT,
            Action.CALCULATE_ENTITLEMENT,
        ),
        ("formulir cuti", "penolakan cuti", "surat dokter", "SP karena dianggap mangkir"),
        "Cuti tahunan ≥12 hari kerja setelah 12 bulan kerja terus-menerus, dibayar.",
        ("UU 13/2003 Ps 79, 84 sebagaimana diubah", "Ps 93 cuti khusus (unverified)"),
    ),
    Category.HOUSING_LIVING_CONDITIONS: CategoryPlaybook(
        Category.HOUSING_LIVING_CONDITIONS,
        (
            Action.COLLECT_EVIDENCE,
            Action.COLLECTIVE_BARGAINING,
            Action.BIPARTITE_NEGOTIATION,
            Action.DISNAKER_MEDIATION,
        ),
        (
            "foto rumah/barak/MCK",
            "daftar penghuni per rumah",
            "sampel air",
            "catatan klinik (mis. diare)",
            "data jarak ke sekolah",
        ),
        "Tidak ada tenggat.",
        ("UU 13/2003 Ps 100 (fasilitas kesejahteraan)", "Permenaker 5/2018 (higiene & sanitasi)"),
    ),
    Category.FORCED_LABOUR_INDICATORS: CategoryPlaybook(
        Category.FORCED_LABOUR_INDICATORS,
        (
            Action.CONFIDENTIAL_SAFETY_PLAN,
            Action.COLLECT_EVIDENCE,
            Action.LEGAL_AID_REFERRAL,
            Action.LABOUR_INSPECTION_REPORT,
            Action.POLICE_REPORT,
        ),
        (
            "kuitansi biaya rekrutmen",
            "catatan kasbon / buku koperasi",
            "slip potongan",
            "pesan ancaman",
            "siapa yang memegang dokumen",
        ),
        "Tidak ada tenggat; bertindak segera. Jangan sampai pengusaha tahu lebih dulu.",
        (
            "Indikator kerja paksa ILO",
            "UU 21/2007 (jeratan utang / TPPO)",
            "Pernyataan Kemnaker 2025: memungut biaya dari pencari kerja adalah pidana",
        ),
    ),
    Category.OTHER: CategoryPlaybook(
        Category.OTHER,
        (Action.INFORMATION_RESPONSE, Action.COLLECT_EVIDENCE, Action.BIPARTITE_NEGOTIATION),
        ("dokumen yang berkaitan dengan pertanyaan",),
        "Tidak ada tenggat.",
        (),
    ),
}


ACTION_GUIDES: dict[Action, ActionGuide] = {
    guide.action: guide
    for guide in (
        ActionGuide(
            Action.URGENT_SAFETY_RESPONSE,
            ACTION_LABELS[Action.URGENT_SAFETY_RESPONSE],
            ("UU 1/1970", "Permenakertrans 8/2010 Ps 6(2) (hak menolak bila APD tidak layak)"),
            ("foto/video bahaya saat ini", "nama saksi"),
        ),
        ActionGuide(
            Action.MEDICAL_CARE_DOCUMENTATION,
            ACTION_LABELS[Action.MEDICAL_CARE_DOCUMENTATION],
            ("UU 24/2011 (JKK)", "UU 12/2022 TPKS (visum)"),
            ("surat dokter", "rekam medis", "visum", "foto luka bertanggal", "kwitansi berobat"),
        ),
        ActionGuide(
            Action.CONFIDENTIAL_SAFETY_PLAN,
            ACTION_LABELS[Action.CONFIDENTIAL_SAFETY_PLAN],
            ("Kepmenaker 88/2023", "UU 12/2022 TPKS"),
            ("catatan kejadian bertanggal (disimpan di tempat aman)",),
        ),
        ActionGuide(Action.COLLECT_EVIDENCE, ACTION_LABELS[Action.COLLECT_EVIDENCE], ()),
        ActionGuide(
            Action.CALCULATE_ENTITLEMENT,
            ACTION_LABELS[Action.CALCULATE_ENTITLEMENT],
            (
                "PP 35/2021 Ps 31-33 (upah lembur), Ps 40 (pesangon, UPMK, UPH)",
                "PP 36/2021 (upah, denda keterlambatan)",
                "Permenaker 6/2016 (THR)",
            ),
        ),
        ActionGuide(
            Action.BIPARTITE_NEGOTIATION,
            ACTION_LABELS[Action.BIPARTITE_NEGOTIATION],
            (_BIPARTITE_LAW,),
            ("surat permintaan bipartit", "risalah perundingan bertanda tangan"),
        ),
        ActionGuide(
            Action.LABOUR_INSPECTION_REPORT,
            ACTION_LABELS[Action.LABOUR_INSPECTION_REPORT],
            (
                "Permenaker 33/2016",
                "UU 21/2003 (ratifikasi ILO C81)",
                "UU 23/2014 (pengawas di provinsi)",
            ),
        ),
        ActionGuide(
            Action.DISNAKER_MEDIATION,
            ACTION_LABELS[Action.DISNAKER_MEDIATION],
            ("UU 2/2004 Ps 4-5", "Permenakertrans 17/2014 Ps 14-15"),
            ("bukti bipartit sudah diupayakan (risalah)",),
        ),
        ActionGuide(
            Action.INDUSTRIAL_COURT_CLAIM,
            ACTION_LABELS[Action.INDUSTRIAL_COURT_CLAIM],
            (
                "UU 2/2004 Ps 5",
                "MK 132/PUU-XXIII/2025 (gugatan PHK ≤1 tahun sejak mediasi gagal)",
                "MK 100/PUU-X/2012 (tuntutan upah tidak kedaluwarsa 2 tahun)",
            ),
            ("risalah mediasi/konsiliasi", "anjuran tertulis"),
        ),
        ActionGuide(
            Action.POLICE_REPORT,
            ACTION_LABELS[Action.POLICE_REPORT],
            (
                "UU 12/2022 TPKS (unit PPA)",
                "UU 21/2000 Ps 43 (union busting)",
                "UU 24/2011 Ps 55 (iuran BPJS dipotong tidak disetor)",
                "UU 35/2014 Ps 88 (eksploitasi ekonomi anak)",
                "UU 21/2007 (TPPO / jeratan utang)",
                "UU 6/2023 Ps 185 (upah di bawah minimum)",
            ),
        ),
        ActionGuide(
            Action.BPJS_COMPLAINT,
            ACTION_LABELS[Action.BPJS_COMPLAINT],
            ("UU 24/2011 Ps 19, 55", "PP 86/2013", "PP 37/2021 jo. PP 6/2025 (JKP)"),
            ("screenshot JMO", "slip dengan potongan BPJS", "nomor kepesertaan"),
        ),
        ActionGuide(
            Action.THR_COMPLAINT_POST,
            ACTION_LABELS[Action.THR_COMPLAINT_POST],
            ("Permenaker 6/2016 Ps 5(4), 10, 11", "SE Kemnaker 2024", "poskothr.kemnaker.go.id"),
        ),
        ActionGuide(
            Action.SATGAS_PPKS_REFERRAL,
            ACTION_LABELS[Action.SATGAS_PPKS_REFERRAL],
            ("Kepmenaker 88/2023", "UU 12/2022 TPKS"),
        ),
        ActionGuide(
            Action.CHILD_PROTECTION_REFERRAL,
            ACTION_LABELS[Action.CHILD_PROTECTION_REFERRAL],
            ("UU 13/2003 Ps 68-75", "Kepmenakertrans 235/2003", "UU 35/2014 Ps 76I, 88"),
        ),
        ActionGuide(
            Action.LEGAL_AID_REFERRAL, ACTION_LABELS[Action.LEGAL_AID_REFERRAL], ("UU 2/2004",)
        ),
        ActionGuide(
            Action.COLLECTIVE_BARGAINING,
            ACTION_LABELS[Action.COLLECTIVE_BARGAINING],
            ("UU 13/2003 Ps 137-145 (mogok)", "UU 21/2000"),
        ),
        ActionGuide(
            Action.SUPPLY_CHAIN_ESCALATION,
            ACTION_LABELS[Action.SUPPLY_CHAIN_ESCALATION],
            (
                "Protokol Kebebasan Berserikat Indonesia 2011",
                "GFA IndustriALL (H&M, Inditex)",
                "JAGA SAWITAN (JAPBUSI-GAPKI)",
                "kanal pengaduan RSPO (unverified)",
            ),
        ),
        ActionGuide(Action.INFORMATION_RESPONSE, ACTION_LABELS[Action.INFORMATION_RESPONSE], ()),
    )
}


def playbook_for(category: Category) -> CategoryPlaybook:
    return PLAYBOOK[category]


def playbook_rank(category: Category, action: Action) -> int | None:
    """Position of `action` in the category's first actions (0 = first), or None if absent."""
    actions = PLAYBOOK[category].first_actions
    return actions.index(action) if action in actions else None


def evidence_for(action: Action, category: Category) -> list[str]:
    """Action-specific evidence, else the evidence the category's playbook asks for."""
    specific = ACTION_GUIDES[action].evidence
    return list(specific) if specific else list(PLAYBOOK[category].evidence)


def legal_basis_for(action: Action, category: Category) -> list[str]:
    """The action's own references, then the category's substantive law (deduplicated)."""
    refs = list(ACTION_GUIDES[action].legal_refs)
    return refs + [ref for ref in PLAYBOOK[category].legal_basis if ref not in refs]
