"""Phrase banks for the synthetic complaint generator.

Each problem fragment is one thing a worker might write, with the category it evidences, the tags
it carries and any secondary categories DOMAIN's labelling rules attach to it. Tags are short codes
(see CODES) so the banks stay readable. Slots in braces are filled by the generator and may add
tags themselves ({money} adds money_amount_stated, {sup} adds supervisor_implicated, ...).

Written from the cue lists of docs/domain.md §2-§4 and general knowledge of Indonesian shop-floor
and plantation language; none of the 40 labelled examples (schemas/examples) is a template.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.vocabulary import Category, Sector, Tag

CODES: dict[str, Tag] = {
    "inj": Tag.INJURY,
    "fat": Tag.FATALITY,
    "dng": Tag.IMMEDIATE_DANGER,
    "ill": Tag.ILLNESS_SYMPTOMS,
    "chem": Tag.CHEMICAL_EXPOSURE,
    "phys": Tag.PHYSICAL_VIOLENCE,
    "sex": Tag.SEXUAL_VIOLENCE,
    "verb": Tag.VERBAL_ABUSE_THREATS,
    "self": Tag.SELF_HARM_RISK,
    "inc": Tag.LOSS_OF_INCOME_NOW,
    "preg": Tag.PREGNANT_WORKER,
    "mom": Tag.NEW_OR_BREASTFEEDING_MOTHER,
    "minor": Tag.MINOR_INVOLVED,
    "wom": Tag.WOMAN_WORKER,
    "migr": Tag.MIGRANT_WORKER,
    "dis": Tag.PERSON_WITH_DISABILITY,
    "prec": Tag.PRECARIOUS_STATUS,
    "help": Tag.UNREGISTERED_HELPER,
    "coll": Tag.COLLECTIVE,
    "indiv": Tag.INDIVIDUAL,
    "ong": Tag.ONGOING_OR_REPEATED,
    "mass": Tag.MASS_LAYOFF_OR_CLOSURE,
    "union": Tag.UNION_MEMBER,
    "rfear": Tag.RETALIATION_FEARED,
    "rocc": Tag.RETALIATION_OCCURRED,
    "anon": Tag.ANONYMITY_REQUESTED,
    "third": Tag.REPORTED_BY_THIRD_PARTY,
    "sup": Tag.SUPERVISOR_IMPLICATED,
    "intl": Tag.INTERNAL_STEPS_TAKEN,
    "extl": Tag.EXTERNAL_STEPS_TAKEN,
    "dead": Tag.DEADLINE_IMMINENT,
    "act": Tag.WANTS_COLLECTIVE_ACTION,
    "legal": Tag.LEGAL_AID_REQUESTED,
    "info": Tag.INFO_REQUEST,
    "evid": Tag.EVIDENCE_AVAILABLE,
    "emp": Tag.EMPLOYER_NAMED,
    "loc": Tag.LOCATION_NAMED,
    "money": Tag.MONEY_AMOUNT_STATED,
    "buyer": Tag.BUYER_OR_CERTIFICATION_LINK,
    "doc": Tag.DOCUMENT_RETENTION,
    "debt": Tag.DEBT_OR_RECRUITMENT_FEE,
}

G, F, P = Sector.GARMENT, Sector.FOOTWEAR, Sector.PALM_OIL
FACTORY = frozenset({G, F})
PALM = frozenset({P})
ANY: frozenset[Sector] = frozenset({G, F, P})


@dataclass(frozen=True)
class Fragment:
    """One problem statement. `who` says whose voice fits: any, woman, or none (no {I})."""

    text: str
    tags: frozenset[Tag]
    secondary: tuple[Category, ...] = ()
    sectors: frozenset[Sector] = ANY
    who: str = "any"


def frag(
    text: str,
    codes: str = "",
    secondary: tuple[Category, ...] = (),
    sectors: frozenset[Sector] = ANY,
    who: str = "any",
) -> Fragment:
    return Fragment(text, frozenset(CODES[c] for c in codes.split()), secondary, sectors, who)


C = Category

PROBLEMS: dict[Category, list[Fragment]] = {
    C.WAGES_MINIMUM_WAGE: [
        frag("gaji {I} sebulan cuma {money} padahal UMK {city} {money_big}", "money loc"),
        frag("upah {I} masih di bawah UMK, katanya perusahaan lagi rugi", "ong"),
        frag("gajian harusnya tgl 5, sampai sekarang belum cair juga", "inc"),
        frag("gaji bulan ini dicicil 2 kali, yang masuk baru setengah", "inc"),
        frag("{I} gak pernah dikasih slip gaji jadi gak tau potongan apa aja", ""),
        frag(
            "tiap bulan gaji dipotong {money_small} buat 'uang kebersihan' gak jelas", "money ong"
        ),
        frag("telat absen 1 menit didenda {money_small}, langsung potong gaji", "money"),
        frag("upah harian {I} {money_day}, jauh dari upah minimum", "money", sectors=PALM),
        frag("premi hadir hangus cuma gara2 izin sakit sehari", ""),
        frag(
            "upah borongan per lusin turun terus, sehari paling dapet {money_day}",
            "money ong",
            sectors=FACTORY,
        ),
        frag("gaji pokok gak naik 3 tahun, UMK naik tiap tahun tp kami tetap segitu", "ong coll"),
        frag("tunjangan tetap dihapus diam2 tanpa pemberitahuan, take home pay turun", ""),
        frag("uang makan sama transport udah 4 bulan gak dibayar", "ong"),
        frag(
            "gaji dipotong buat ganti barang reject, kadang sampai {money}",
            "money",
            sectors=FACTORY,
        ),
        frag(
            "harga per janjang dipotong sepihak sama krani, upah {I} jadi kecil",
            "sup",
            sectors=PALM,
        ),
        frag(
            "gaji {I} bulan ini tinggal {money_small} setelah dipotong macam2, gak cukup buat "
            "makan",
            "money inc",
        ),
        frag(
            "salary {I} di-transfer telat terus, udah 2 bulan telat lebih dari seminggu", "ong inc"
        ),
        frag(
            "{I} dibayar pakai upah 'training' padahal kerjaannya sama kayak operator lain",
            "prec",
            (C.EMPLOYMENT_STATUS_CONTRACTS,),
        ),
        frag(
            "denda buah mentah {money_small} per janjang langsung dipotong dari gaji",
            "money",
            (C.WORKING_HOURS_TARGETS,),
            sectors=PALM,
        ),
        frag(
            "gak nyampe target harian, upah dipotong setengah hari", "", (C.WORKING_HOURS_TARGETS,)
        ),
        frag(
            "upah {I} dihitung per HK tapi HK dikurangi kalau hujan, padahal kami udah di ancak",
            "",
            sectors=PALM,
        ),
        frag("upah sektoral UMSK gak pernah diterapkan di pabrik ini", "ong", sectors=FACTORY),
    ],
    C.OVERTIME: [
        frag("{I} disuruh lembur tiap hari sampai jam 10 malam tapi gak dibayar", "ong"),
        frag(
            "absen pulang harus di-scan dulu jam 4, habis itu disuruh kerja lagi sampai malam",
            "ong",
        ),
        frag("lembur wajib, yang nolak dimarahin {sup} di depan orang banyak", "verb"),
        frag("uang lembur dihitung flat {money_small} per jam, jauh dari aturan", "money"),
        frag("hari Minggu dan tanggal merah tetap masuk tapi dihitung hari biasa", "ong"),
        frag("gak ada SPL, lemburnya cuma disuruh lisan sama {sup} lewat grup WA", "evid"),
        frag("lembur sampai 5 jam gak dikasih makan, cuma air putih", ""),
        frag("lembur katanya 'loyalitas', gak dicatat di absen", "ong"),
        frag(
            "kejar ekspor, kami lembur sampai subuh seminggu penuh, bayarannya gak sesuai", "coll"
        ),
        frag("upah udah 'all in' katanya jadi lembur gak dihitung sama sekali", ""),
        frag(
            "di PKS kami kerja lewat jam tanpa uang lembur, mesin gak boleh berhenti",
            "coll",
            sectors=PALM,
        ),
        frag("OT dipaksa, kalau gak mau kontrak gak diperpanjang katanya", "rfear prec verb"),
        frag("jam pulang molor terus 2 jam tiap hari, gak pernah ada hitungan lembur", "ong"),
        frag("lembur borongan, target selesai baru boleh pulang, gak ada uang lembur", ""),
        frag(
            "teman {I} meninggal di jalan pulang lembur jam 2 pagi, ngantuk bawa motor", "fat third"
        ),
    ],
    C.THR_HOLIDAY_ALLOWANCE: [
        frag("THR tahun ini belum dibayar padahal lebaran tinggal 4 hari", "dead"),
        frag("THR kami mau dicicil 3 kali katanya keuangan perusahaan lagi susah", "coll"),
        frag("THR cuma dikasih setengah, alasan masa kerja belum setahun padahal udah 2 tahun", ""),
        frag("THR diganti parsel sembako, gak ada uangnya", ""),
        frag("THR buat BHL gak ada, katanya cuma untuk karyawan tetap", "prec", sectors=PALM),
        frag(
            "pekerja kontrak gak dapet THR, yang dapet cuma yang tetap",
            "prec",
            (C.EMPLOYMENT_STATUS_CONTRACTS,),
        ),
        frag(
            "THR natal buat kami yang kristen gak dikasih, katanya THR cuma pas lebaran",
            "",
            (C.DISCRIMINATION,),
        ),
        frag("udah H-3 lebaran THR belum cair juga", "dead"),
        frag(
            "THR outsourcing dilempar-lempar antara yayasan sama pabrik, gak ada yang mau bayar",
            "prec",
        ),
        frag("THR dipotong {money_small} buat 'uang koperasi'", "money"),
        frag("THR tahun lalu aja belum lunas, sekarang udah mau lebaran lagi", "ong"),
        frag(
            "THR {I} dihitung dari gaji pokok doang, tunjangan gak masuk, jadi kurang "
            "{money_small}",
            "money",
        ),
    ],
    C.SOCIAL_SECURITY_BPJS: [
        frag("{I} gak didaftarin BPJS Ketenagakerjaan padahal udah kerja 3 tahun", "ong"),
        frag("kartu BPJS Kesehatan {I} nonaktif pas mau berobat, ternyata iuran nunggak", ""),
        frag("tiap bulan gaji dipotong BPJS tapi pas dicek di JMO iurannya gak masuk", "ong evid"),
        frag("saldo JHT {I} cuma sampe 2021, habis itu gak pernah disetor perusahaan", "ong"),
        frag("upah yang dilaporin ke BPJS cuma UMK padahal gaji {I} lebih", ""),
        frag(
            "klaim JKK ditolak karena perusahaan gak lapor kecelakaan",
            "inj",
            (C.OSH_SAFETY_HEALTH,),
        ),
        frag(
            "anak {I} sakit, ke faskes ditolak karena BPJS nya gak aktif, bayar RS sendiri {money}",
            "money",
        ),
        frag("BHL di kebun ini gak ada yang punya BPJS sama sekali", "prec coll", sectors=PALM),
        frag("mau cairin JHT setelah resign tapi perusahaan gak mau kasih surat keterangan", ""),
        frag("pensiun JP {I} gak didaftarin, cuma JHT aja", ""),
        frag("iuran BPJS TK nunggak 6 bulan, kalau ada kecelakaan kami gak ke-cover", "coll"),
        frag("potongan BPJS ada di slip gaji tapi nomor kepesertaan gak pernah dikasih", "evid"),
    ],
    C.EMPLOYMENT_STATUS_CONTRACTS: [
        frag(
            "{I} udah 6 tahun kontrak terus, diperpanjang tiap tahun gak pernah diangkat",
            "prec ong",
        ),
        frag(
            "kerjaan {I} tetap tiap hari di bagian produksi tapi statusnya PKWT terus", "prec ong"
        ),
        frag(
            "masuk lewat yayasan, bayar {money} biar bisa kerja",
            "prec debt money",
            (C.FORCED_LABOUR_INDICATORS,),
        ),
        frag(
            "status {I} magang udah setahun, kerja full kayak operator tapi upah magang",
            "prec ong",
            (C.WAGES_MINIMUM_WAGE,),
        ),
        frag(
            "{I} BHL udah 5 tahun kerja tiap hari, gak pernah dijadiin SKU",
            "prec ong",
            sectors=PALM,
        ),
        frag("gak ada kontrak tertulis sama sekali, semua cuma omongan", "prec"),
        frag("kontrak habis gak dikasih uang kompensasi PKWT", "prec", (C.TERMINATION_SEVERANCE,)),
        frag("ada masa percobaan 3 bulan padahal statusnya kontrak", "prec"),
        frag("kami dipindah ke outsourcing, masa kerja dihitung dari nol lagi", "prec coll"),
        frag("disuruh tanda tangan jadi 'mitra', jadi gak dianggap karyawan", "prec"),
        frag(
            "harian lepas tapi kerja 25 hari sebulan terus-terusan, gak pernah diangkat",
            "prec ong",
            sectors=PALM,
        ),
        frag("kontrak diperpanjang lisan aja, salinan kontrak gak pernah dikasih ke {I}", "prec"),
        frag("status {I} digantung, kontrak udah habis tapi masih disuruh kerja", "prec"),
        frag(
            "pekerja borongan di kebun gak punya status apa2, gak ada perjanjian kerja",
            "prec",
            sectors=PALM,
        ),
        frag("udah 3 kali ganti vendor outsourcing, tiap ganti kontrak baru lagi", "prec ong"),
    ],
    C.TERMINATION_SEVERANCE: [
        frag("{I} di-PHK tiba2 tanpa surat, cuma disuruh gak usah masuk lagi", ""),
        frag("disuruh bikin surat resign biar perusahaan gak bayar pesangon", ""),
        frag("pesangon {I} cuma dikasih {money}, padahal masa kerja 12 tahun", "money"),
        frag("kami dirumahkan tanpa gaji udah 2 bulan, gak jelas kapan dipanggil lagi", "coll inc"),
        frag(
            "perusahaan bilang efisiensi, ratusan orang di-PHK, pesangon gak sesuai aturan",
            "mass coll",
        ),
        frag("pabrik mau tutup akhir bulan, belum ada omongan soal pesangon", "mass coll dead"),
        frag("pabrik relokasi ke Jawa Tengah, yang gak ikut pindah dianggap resign", "mass coll"),
        frag("{I} dapet SP3 langsung tanpa SP1 SP2, terus dipecat", ""),
        frag("dianggap mangkir padahal {I} izin, terus diberhentikan", ""),
        frag("uang penghargaan masa kerja gak dibayar, cuma dikasih tali asih", ""),
        frag("{I} diputus kontrak sebelum waktunya, sisa kontrak gak dibayar", "prec"),
        frag("perusahaan pailit, gaji terakhir dan pesangon belum dibayar", "mass inc"),
        frag("di-PHK lewat WA doang sama {hr}, gak ada perundingan", "evid"),
        frag("{I} diskors 3 bulan tanpa gaji, sampai sekarang gak ada keputusan", "inc"),
        frag("PB dipaksa tanda tangan hari itu juga, isinya pesangon setengah", "dead"),
        frag(
            "kebun dijual ke perusahaan lain, semua pekerja diberhentikan tanpa pesangon",
            "mass coll",
            sectors=PALM,
        ),
    ],
    C.OSH_SAFETY_HEALTH: [
        frag("tangan {I} kejepit mesin press, dua jari remuk", "inj", sectors=FACTORY),
        frag(
            "jari {I} ketusuk jarum mesin jahit sampai tembus, dijahit di klinik",
            "inj",
            sectors=FACTORY,
        ),
        frag("APD gak dikasih, masker dan sarung tangan harus beli sendiri", ""),
        frag(
            "pintu keluar darurat dikunci tiap shift malam, kuncinya dibawa satpam", "dng sup ong"
        ),
        frag("jalur evakuasi ketutup tumpukan kardus, APAR nya udah kadaluarsa", "dng"),
        frag(
            "bau lem dan primer di bagian cementing nyengat banget, banyak yang pusing",
            "chem ill coll",
            sectors=frozenset({F}),
        ),
        frag("ruang produksi panas banget, kipas mati, ada yang pingsan kemarin", "ill coll"),
        frag(
            "pemanen jatuh dari pohon sawit pas dodos, sekarang di RS gak sadar",
            "inj dead",
            sectors=PALM,
        ),
        frag("{I} ketimpa janjang dari atas, bahu retak", "inj", sectors=PALM),
        frag(
            "tukang semprot gak dikasih masker, tiap habis nyemprot herbisida mual muntah",
            "chem ill",
            sectors=PALM,
        ),
        frag(
            "kami disuruh nyampur gramoxone pakai tangan kosong, kulit pada melepuh",
            "chem inj coll",
            sectors=PALM,
        ),
        frag(
            "truk angkut pekerja remnya blong, tiap pagi kami diangkut berdiri di bak",
            "dng coll",
            sectors=PALM,
        ),
        frag(
            "kabel mesin di lantai 3 korsleting, udah keluar asap tapi disuruh tetep kerja",
            "dng",
            sectors=FACTORY,
        ),
        frag(
            "tembok gudang retak besar, kayaknya mau roboh, kami masih disuruh kerja di dalam",
            "dng coll",
        ),
        frag(
            "boiler di PKS bocor uap panas, udah dilaporin tapi belum diperbaiki",
            "dng intl",
            sectors=PALM,
        ),
        frag(
            "teman {I} meninggal ketimpa pelepah, perusahaan cuma kasih santunan kecil",
            "fat third",
            sectors=PALM,
        ),
        frag(
            "operator cutting tangannya kena pisau mesin, berdarah banyak, gak ada P3K",
            "inj",
            sectors=FACTORY,
        ),
        frag(
            "debu kapas di ruang sewing tebel banget, banyak yang batuk dan sesak",
            "ill coll ong",
            sectors=frozenset({G}),
        ),
        frag(
            "{I} digigit ular pas ngeberondol di ancak, klinik kebun gak ada obat",
            "inj",
            sectors=PALM,
        ),
        frag(
            "suara mesin bising banget gak ada penutup telinga, telinga {I} berdenging terus",
            "ill ong",
            sectors=FACTORY,
        ),
        frag(
            "pelindung mesin potong dicopot biar cepet, {sup} yang nyuruh",
            "dng sup",
            sectors=FACTORY,
        ),
        frag(
            "klinik kebun jauh dan gak ada ambulans, yang kecelakaan diangkut pakai motor",
            "",
            sectors=PALM,
        ),
        frag(
            "ada kebakaran kecil di gudang bahan tadi, sekarang asapnya masih ada, kami "
            "disuruh lanjut kerja",
            "dng coll",
        ),
        frag(
            "temen {I} kesetrum mesin jahit, sampai pingsan dibawa ke RS",
            "inj ill third",
            sectors=FACTORY,
        ),
        frag(
            "kena cairan tiner mata {I} perih dan merah, gak ada kacamata pelindung",
            "chem ill",
            sectors=frozenset({F}),
        ),
        frag(
            "ada yang tewas kelindas truk TBS di jalan kebun, sopir kelelahan", "fat", sectors=PALM
        ),
        frag(
            "temen {I} terpeleset dari tangga pas manen, kepalanya terbentur, belum sadar juga",
            "inj third dead",
            sectors=PALM,
        ),
        frag(
            "motor pemanen ditabrak truk kebun, korban bersimbah darah nunggu ambulans lama",
            "inj dead coll",
            sectors=PALM,
        ),
        frag(
            "mesin jahit percikan api terus, kemarin sempat nyala api di bawah meja",
            "dng",
            sectors=FACTORY,
        ),
        frag(
            "tabung gas di kantin bocor, baunya sampai ke line, kami belum dievakuasi", "dng coll"
        ),
        frag(
            "pekerja PKS meninggal kecebur ke kolam limbah panas, pagar pengaman gak ada",
            "fat",
            sectors=PALM,
        ),
        frag("operator boiler tewas waktu ada ledakan di stasiun rebusan", "fat dng", sectors=PALM),
        frag(
            "ada karyawati yang meninggal setelah pingsan di line, katanya kecapekan",
            "fat wom ill",
            sectors=FACTORY,
            who="none",
        ),
        frag(
            "operator kejatuhan gulungan kain dari rak atas, sekarang gak bisa gerak",
            "inj dead",
            sectors=FACTORY,
        ),
        frag(
            "tangga ke lantai atas udah goyang dan patah sebagian, tiap hari dilewati ratusan "
            "orang",
            "dng coll",
        ),
    ],
    C.HARASSMENT_GBV: [
        frag(
            "{I} sering dicolek sama {sup} pas lagi kerja, kalau nolak dimarahin",
            "sex sup wom ong verb",
            who="woman",
        ),
        frag(
            "{sup} ngajak {I} check in di hotel, katanya biar kontrak aman",
            "sex sup prec wom",
            who="woman",
        ),
        frag("{sup} kirim foto mesum ke WA {I} malam2", "sex sup evid wom", who="woman"),
        frag(
            "mandor minta jatah kalau mau dapet ancak yang bagus",
            "sex sup wom",
            sectors=PALM,
            who="woman",
        ),
        frag(
            "{sup} suka bentak2 dan ngatain kami bodoh, goblok di depan semua orang",
            "verb sup coll ong",
        ),
        frag("{I} ditampar {sup} gara2 jahitan miring", "phys sup", sectors=FACTORY),
        frag("{I} ditendang sama {sup} pas lagi kerja, sampai memar", "phys sup inj"),
        frag("kami diancam {sup} mau dipecat kalau gak nurut", "verb sup coll rfear"),
        frag("{I} diraba-raba di ruang ganti sama satpam", "sex sup wom", who="woman"),
        frag("body shaming tiap hari, badan {I} dikatain gendut sama {sup}", "verb sup ong"),
        frag("security pabrik mukul pekerja yang telat masuk", "phys sup coll"),
        frag(
            "{sup} lempar gunting ke arah operator kalau marah",
            "phys sup verb ong",
            sectors=FACTORY,
        ),
        frag(
            "{I} dipaksa ikut ke mess {sup} malam2, {I} takut banget",
            "sex sup wom rfear",
            who="woman",
        ),
        frag(
            "temen2 cewek di line sering digoda dan dipegang-pegang {sup}", "sex sup wom coll ong"
        ),
        frag(
            "asisten ngancam pakai parang kalau kami protes soal premi",
            "verb sup coll dng",
            sectors=PALM,
        ),
        frag("{I} dimaki-maki pakai kata kasar lewat grup WA, ada screenshotnya", "verb evid"),
        frag("{sup} menonjok perut {I} karena target gak tercapai", "phys sup inj"),
        frag(
            "satpam menghajar pekerja yang ketahuan bawa HP sampai hidungnya berdarah",
            "phys sup inj coll",
        ),
        frag("{sup} meremas pantat {I} pas lewat di gudang", "sex sup wom", who="woman"),
        frag(
            "{I} dipaksa masuk kamar mess sama {sup} terus disuruh lepas baju",
            "sex sup wom",
            who="woman",
        ),
        frag("{sup} ngejambak rambut {I} di depan teman2", "phys sup verb", who="woman"),
    ],
    C.MATERNITY_REPRODUCTIVE: [
        frag("{I} lagi hamil 7 bulan tapi tetap disuruh shift malam", "preg wom", who="woman"),
        frag(
            "cuti melahirkan {I} cuma dikasih 1 bulan, habis itu harus masuk",
            "mom wom",
            who="woman",
        ),
        frag(
            "{I} ngajuin cuti hamil malah disuruh resign",
            "preg wom",
            (C.TERMINATION_SEVERANCE,),
            who="woman",
        ),
        frag(
            "ibu hamil di kebun tetap disuruh nyemprot dan angkat pupuk",
            "preg chem wom coll",
            (C.OSH_SAFETY_HEALTH,),
            sectors=PALM,
        ),
        frag("gak ada ruang laktasi, {I} pompa ASI di gudang", "mom wom", who="woman"),
        frag("cuti haid gak pernah dikasih, kalau izin haid dipotong gaji", "wom coll"),
        frag(
            "{I} keguguran tapi gak dikasih cuti, disuruh masuk besoknya", "preg wom", who="woman"
        ),
        frag(
            "gaji selama cuti melahirkan gak dibayar penuh, cuma setengah",
            "mom wom",
            (C.WAGES_MINIMUM_WAGE,),
            who="woman",
        ),
        frag(
            "kontrak {I} gak diperpanjang pas ketahuan hamil",
            "preg wom prec",
            (C.DISCRIMINATION, C.TERMINATION_SEVERANCE),
            who="woman",
        ),
        frag("suami gak dapet cuti pas istri melahirkan, izin sehari aja dipotong", "mom"),
        frag(
            "{I} hamil muda disuruh angkat karung bahan, udah minta pindah ditolak {sup}",
            "preg wom sup intl",
            who="woman",
        ),
        frag("waktu buat menyusui gak ada, bayi {I} baru 3 bulan", "mom wom", who="woman"),
        frag(
            "yang hamil target jahitnya tetep sama, gak dikasih kursi",
            "preg wom coll",
            (C.WORKING_HOURS_TARGETS,),
            sectors=FACTORY,
        ),
        frag(
            "surat dokter kandungan {I} gak diterima {hr}, tetap disuruh kerja berdiri",
            "preg wom evid",
            who="woman",
        ),
    ],
    C.FREEDOM_OF_ASSOCIATION: [
        frag(
            "ketua serikat kami dipecat seminggu setelah ngajuin PKB",
            "union rocc coll",
            (C.TERMINATION_SEVERANCE,),
        ),
        frag("{I} dimutasi ke bagian gudang gara2 jadi pengurus PUK", "union rocc"),
        frag(
            "{hr} bilang yang gabung serikat gak bakal diperpanjang kontraknya",
            "union verb rfear prec",
        ),
        frag("perusahaan gak mau runding PKB, surat serikat gak pernah dibalas", "union coll"),
        frag("anggota serikat dipaksa tanda tangan surat keluar dari serikat", "union coll verb"),
        frag("perusahaan bikin serikat tandingan, pengurusnya orang HRD", "union coll"),
        frag("pengurus SP gak dikasih dispensasi buat ikut rapat serikat", "union"),
        frag(
            "habis mogok kemarin, 20 anggota serikat langsung di-PHK",
            "union rocc coll",
            (C.TERMINATION_SEVERANCE,),
        ),
        frag("rapat serikat di kebun dibubarin sama security", "union sup coll", sectors=PALM),
        frag(
            "iuran serikat gak dipotongkan lagi dari gaji, katanya perintah manajemen", "union coll"
        ),
        frag(
            "{I} diturunkan jabatan dari leader jadi operator gara2 aktif di serikat", "union rocc"
        ),
        frag("pencatatan serikat kami di disnaker dihalang-halangi perusahaan", "union coll"),
        frag(
            "yang ikut serikat gak dikasih lembur dan ancak bagus, dibeda-bedain", "union rocc coll"
        ),
    ],
    C.DISCRIMINATION: [
        frag("lowongan khusus laki-laki padahal kerjaannya bisa perempuan juga", "wom"),
        frag("{I} gak diterima kerja karena umur lewat 25", ""),
        frag(
            "karyawan perempuan di kebun tetap BHL terus, yang laki2 cepet diangkat",
            "wom prec coll",
            sectors=PALM,
        ),
        frag("{I} difabel kaki, gaji dibedain sama teman yang kerjaannya sama", "dis"),
        frag("{I} disuruh lepas jilbab kalau mau kerja di bagian depan", "wom"),
        frag(
            "pendatang dari luar daerah dikasih kerjaan paling berat dan premi kecil", "migr coll"
        ),
        frag("{I} pakai kursi roda, gak dikasih kesempatan promosi", "dis"),
        frag("yang udah nikah gak boleh daftar, syaratnya harus lajang", "wom"),
        frag(
            "teman {I} ketahuan HIV langsung disuruh berhenti", "third", (C.TERMINATION_SEVERANCE,)
        ),
        frag(
            "perusahaan wajibkan tes kehamilan tiap perpanjang kontrak",
            "preg wom prec coll",
            (C.MATERNITY_REPRODUCTIVE,),
        ),
        frag("{I} tuna rungu, gak pernah dikasih kesempatan naik jabatan", "dis"),
        frag("promosi selalu ke orang yang satu suku sama manajer", "coll"),
        frag(
            "gaji karyawati lebih kecil dari karyawan laki2 untuk kerja yang sama",
            "wom coll",
            (C.WAGES_MINIMUM_WAGE,),
        ),
    ],
    C.CHILD_LABOUR: [
        frag(
            "ada anak umur 14 kerja di line sewing pakai KTP kakaknya",
            "minor",
            sectors=FACTORY,
            who="none",
        ),
        frag(
            "anak2 SD ikut orang tuanya mungut brondolan di blok tiap pulang sekolah",
            "minor help coll ong",
            sectors=PALM,
            who="none",
        ),
        frag(
            "anak {I} umur 13 disuruh bantu angkat janjang biar basis kekejar",
            "minor help third",
            (C.WORKING_HOURS_TARGETS,),
            sectors=PALM,
        ),
        frag(
            "banyak bocah putus sekolah jadi kernet di kebun",
            "minor help coll",
            sectors=PALM,
            who="none",
        ),
        frag(
            "pabrik terima pekerja di bawah umur lewat calo, KTP nya dipalsuin",
            "minor coll",
            sectors=FACTORY,
            who="none",
        ),
        frag(
            "pas libur sekolah anak2 ikut kerja di kebun, ada yang ikut nyemprot",
            "minor chem coll help",
            sectors=PALM,
            who="none",
        ),
        frag(
            "adik {I} masih 15 tahun udah kerja shift malam di pabrik sepatu",
            "minor third",
            sectors=frozenset({F}),
        ),
        frag(
            "anak tetangga masih SMP kerja jahit di sub-kontrak rumahan punya pabrik",
            "minor third",
            sectors=FACTORY,
            who="none",
        ),
        frag(
            "anak2 umur belasan ikut panen, bawa egrek yang tajam",
            "minor coll help",
            sectors=PALM,
            who="none",
        ),
        frag(
            "cucu {I} baru 12 tahun udah disuruh mikul karung brondol ke TPH",
            "minor help third",
            sectors=PALM,
        ),
        frag(
            "di pabrik ada buruh yang masih 16 tahun, disuruh pegang mesin potong",
            "minor",
            sectors=FACTORY,
            who="none",
        ),
    ],
    C.WORKING_HOURS_TARGETS: [
        frag(
            "target per jam dinaikin terus dari 80 jadi 120 pcs tanpa kesepakatan",
            "ong coll",
            sectors=FACTORY,
        ),
        frag("kerja 12 jam sehari gak ada istirahat, makan sambil kerja", "ong"),
        frag("kami kerja 7 hari seminggu gak ada libur", "coll ong"),
        frag(
            "ke toilet dibatasi 2 kali sehari, lebih dari 5 menit dimarahin {sup}",
            "sup verb ong",
            sectors=FACTORY,
        ),
        frag(
            "basis panen naik jadi 1,5 ton tapi premi lebih basis makin kecil",
            "coll",
            (C.WAGES_MINIMUM_WAGE,),
            sectors=PALM,
        ),
        frag("kalau gak nyampe target, kena denda dan gak boleh pulang", "coll"),
        frag("ancak makin jauh dan buahnya jarang, basis gak pernah kekejar", "ong", sectors=PALM),
        frag("istirahat cuma 15 menit, shift malem terus-terusan tanpa rotasi", "ong"),
        frag(
            "target output line dinaikin tiap bulan, yang gak capai dipanggil HRD",
            "coll ong",
            sectors=FACTORY,
        ),
        frag("jam kerja {I} dari jam 6 pagi sampai jam 6 sore, belum termasuk perjalanan", "ong"),
        frag("KPI individu bikin kami kerja sampai gak sempat minum", "coll"),
        frag("pemanen disuruh kejar target janjang sampai magrib", "coll ong", sectors=PALM),
    ],
    C.LEAVE_REST: [
        frag("cuti tahunan {I} gak pernah di-ACC, katanya lagi banyak order", "ong"),
        frag("cuti tahunan yang gak diambil hangus gitu aja", ""),
        frag("{I} sakit ada surat dokter tapi tetap dianggap mangkir", "evid ill"),
        frag("izin sakit 2 hari langsung dapet SP1", "ill"),
        frag("cuti nikah {I} gak dikasih, disuruh ambil cuti tahunan", ""),
        frag("orang tua {I} meninggal, cuti duka cuma dikasih 1 hari dan dipotong gaji", ""),
        frag("libur mingguan dihapus, kami masuk terus tanpa hari libur", "coll ong"),
        frag("izin ibadah Jumat dipersulit sama {sup}", "sup"),
        frag("cuti bersama dipotong dari jatah cuti tahunan tanpa kesepakatan", "coll"),
        frag("{I} mau umroh udah ajuin cuti 3 bulan sebelumnya tapi ditolak", ""),
        frag("tanggal merah disuruh masuk, gak dapet ganti libur", "coll"),
    ],
    C.HOUSING_LIVING_CONDITIONS: [
        frag(
            "rumah di emplasmen atapnya bocor, kalau hujan kami tidur basah", "coll", sectors=PALM
        ),
        frag("air bersih gak ada, kami mandi pakai air sungai yang keruh", "coll ong"),
        frag("satu rumah barak diisi 3 keluarga, sempit banget", "coll", sectors=PALM),
        frag(
            "listrik di perumahan kebun cuma nyala malam, itu juga sering mati",
            "coll ong",
            sectors=PALM,
        ),
        frag("WC umum di barak rusak, anak2 banyak yang diare", "coll ill minor", sectors=PALM),
        frag(
            "mess pabrik penuh, satu kamar 10 orang, kamar mandi cuma satu", "coll", sectors=FACTORY
        ),
        frag(
            "bus sekolah buat anak2 karyawan dihentikan, sekolah jauh", "coll minor", sectors=PALM
        ),
        frag("klinik kebun gak ada dokter, cuma mantri seminggu sekali", "coll", sectors=PALM),
        frag(
            "{I} di-PHK langsung disuruh keluar dari rumah dinas dalam 3 hari",
            "dead",
            (C.TERMINATION_SEVERANCE,),
            sectors=PALM,
        ),
        frag("air minum di pabrik keruh, galon gak pernah diganti", "coll"),
        frag(
            "gak ada tempat ibadah di emplasmen, musala rusak gak diperbaiki", "coll", sectors=PALM
        ),
        frag(
            "tempat penitipan anak di kebun gak ada, ibu2 bawa anak ke blok",
            "wom minor coll",
            sectors=PALM,
        ),
    ],
    C.FORCED_LABOUR_INDICATORS: [
        frag(
            "ijazah {I} ditahan perusahaan sebagai jaminan, kalau mau ambil harus bayar denda",
            "doc",
        ),
        frag("KTP kami dipegang mandor biar gak kabur", "doc sup coll", sectors=PALM),
        frag(
            "utang kasbon di koperasi kebun gak pernah lunas, dipotong tiap gajian",
            "debt ong",
            sectors=PALM,
        ),
        frag(
            "kami didatangkan dari NTT dijanjiin gaji besar, ternyata upahnya kecil dan gak "
            "bisa pulang",
            "migr coll",
        ),
        frag("mau resign harus bayar denda {money} kalau belum 2 tahun", "money debt"),
        frag("buku tabungan dan kartu ATM {I} dipegang agen penyalur", "doc"),
        frag("gak boleh keluar mess kecuali hari Minggu, dijaga satpam", "sup coll"),
        frag(
            "bayar ke calo {money} biar bisa masuk kerja, dipotong gaji tiap bulan",
            "debt money ong",
        ),
        frag("pekerja yang coba kabur dari kebun dikejar dan dipukul", "phys coll", sectors=PALM),
        frag("paspor {I} ditahan agen, {I} gak bisa pulang kampung", "doc migr"),
        frag(
            "utang di warung perusahaan numpuk, harga di sana mahal, kami gak bisa berhenti kerja",
            "debt coll",
        ),
        frag("ijazah asli ditahan dan ada utang uang seragam, mau keluar gak bisa", "doc debt"),
    ],
    C.OTHER: [
        frag("mau tanya iuran anggota serikat sebulan berapa ya", "info union", who="none"),
        frag("kartu anggota {I} hilang, gimana cara bikin lagi", "info union"),
        frag("kapan ada pelatihan untuk anggota baru", "info union", who="none"),
        frag("terima kasih pengurus udah bantu kasus kemarin", "union", who="none"),
        frag("aplikasi ini kalau mau lihat status aduan gimana", "info", who="none"),
        frag("mau daftar jadi anggota serikat syaratnya apa aja", "info union", who="none"),
        frag("koperasi serikat kapan bagi SHU tahun ini", "info union", who="none"),
        frag("ada info lowongan kerja di pabrik lain gak", "info", who="none"),
        frag("sekretariat serikat pindah ke mana ya sekarang", "info union", who="none"),
        frag("cuma mau kasih saran buat acara 17an serikat", "union", who="none"),
        frag("test kirim pesan, apa nomor ini aktif", "info", who="none"),
    ],
}

# Composites that encode DOMAIN's labelling rules exactly (primary decided by the rule).
RULE_CASES: list[tuple[Category, Fragment]] = [
    (
        C.FREEDOM_OF_ASSOCIATION,
        frag("{I} di-PHK habis bikin serikat di pabrik", "union rocc", (C.TERMINATION_SEVERANCE,)),
    ),
    (
        C.MATERNITY_REPRODUCTIVE,
        frag(
            "{I} dipecat waktu hamil 5 bulan, katanya gak produktif",
            "preg wom",
            (C.DISCRIMINATION, C.TERMINATION_SEVERANCE),
            who="woman",
        ),
    ),
    (
        C.OSH_SAFETY_HEALTH,
        frag(
            "{I} kecelakaan kerja tangan patah, perusahaan gak lapor ke "
            "BPJS jadi biaya berobat sendiri",
            "inj",
            (C.SOCIAL_SECURITY_BPJS,),
        ),
    ),
    (
        C.WAGES_MINIMUM_WAGE,
        frag(
            "premi dipotong karena gak capai basis, gaji bulan ini tinggal sedikit",
            "",
            (C.WORKING_HOURS_TARGETS,),
            sectors=PALM,
        ),
    ),
    (
        C.FORCED_LABOUR_INDICATORS,
        frag("{I} mau berhenti tapi ijazah ditahan dan harus lunasi utang dulu", "doc debt"),
    ),
]

# Tag modifiers: sentences that add a tag (or a few) to any complaint.
MODIFIERS: dict[str, list[str]] = {
    "ong": [
        "udah {dur} kayak gini terus",
        "tiap bulan begini",
        "ini bukan pertama kali",
        "sejak tahun lalu gak ada perubahan",
        "lagi-lagi kejadian",
        "udah berkali-kali",
        "dari awal masuk udah begitu",
        "sampai sekarang masih terjadi",
    ],
    "evid": [
        "ada fotonya",
        "{I} punya rekaman suaranya",
        "chat WA nya masih {I} simpen",
        "slip gajinya ada sama {I}",
        "ada videonya dari hp temen",
        "temen2 siap jadi saksi",
        "screenshot grupnya udah {I} simpan",
    ],
    "intl": [
        "udah lapor ke {hr} tapi dicuekin",
        "udah bipartit 2 kali gak ada hasil",
        "sudah kirim surat ke manajemen belum dibalas",
        "udah ngomong ke {hr}, katanya nanti diproses",
        "pernah protes ke atasan tapi gak digubris",
    ],
    "extl": [
        "udah lapor ke disnaker tapi belum ada tindak lanjut",
        "kasusnya udah sampai mediasi di disnaker",
        "udah lapor polisi juga",
        "kami udah ngadu ke pengawas ketenagakerjaan",
        "udah ke kantor BPJS tapi disuruh balik ke perusahaan",
    ],
    "anon": [
        "tolong rahasiakan nama {I}",
        "jangan sebut nama {I} ya",
        "inisial aja jangan nama lengkap",
        "mohon identitas {I} dirahasiakan",
        "{I} mau lapor anonim aja",
    ],
    "rfear": [
        "{I} takut dipecat kalau ketahuan ngadu",
        "takut kontrak gak diperpanjang",
        "takut dicari-cari salah sama atasan",
        "gak berani protes langsung, takut kena SP",
    ],
    "rocc": [
        "habis {I} protes langsung dimutasi ke bagian lain",
        "sejak lapor {I} dicari-cari salah terus dan dapet SP",
        "gara-gara ngadu ke serikat {I} gak dikasih lembur lagi",
    ],
    "dead": [
        "kontrak {I} habis tanggal 30 bulan ini",
        "besok disuruh tanda tangan",
        "minggu ini harus ada keputusan",
        "tolong cepat ditindaklanjuti, batas waktunya lusa",
        "tinggal 3 hari lagi",
    ],
    "act": [
        "kami udah sepakat mau mogok",
        "temen2 udah pada mau demo ke kantor bupati",
        "kalau gak ada jawaban kami mau aksi",
        "anggota minta diadakan unjuk rasa",
    ],
    "legal": [
        "mohon pendampingan dari serikat",
        "kami butuh pengacara atau LBH",
        "tolong dampingi {I} pas mediasi",
        "minta bantuan hukum",
    ],
    "info": [
        "itu sah gak sih?",
        "boleh gak perusahaan kayak gitu?",
        "berapa harusnya yang {I} terima?",
        "gimana aturannya?",
        "apa yang harus {I} lakuin?",
        "mau tanya hak {I} apa aja",
    ],
    "emp": ["di {company}", "kejadiannya di {company}", "perusahaannya {company}"],
    "loc": ["lokasinya di {city}", "pabriknya di kawasan industri {city}", "di kecamatan {kec}"],
    "buyer": [
        "padahal buyernya {brand}",
        "katanya kebun ini udah sertifikat RSPO",
        "pas ada audit buyer semuanya dirapiin",
        "barangnya buat brand {brand}",
    ],
    "wom": [
        "{I} perempuan",
        "kebanyakan yang kena ibu-ibu",
        "kami karyawati di bagian sortir",
        "cewek-cewek di line yang paling sering kena",
    ],
    "migr": [
        "{I} perantau dari NTT",
        "kami didatangkan dari Jawa",
        "{I} pendatang, keluarga jauh di kampung",
    ],
    "dis": ["{I} penyandang disabilitas", "{I} tuna daksa sejak kecil"],
    "prec": [
        "{I} masih kontrak",
        "status {I} BHL",
        "{I} masuk lewat yayasan",
        "{I} karyawan outsourcing",
    ],
    "union": ["{I} anggota serikat", "{I} pengurus PUK", "kami anggota SPN"],
    "sup": ["{sup} diem aja", "{sup} yang nyuruh", "{sup} tau tapi pura-pura gak lihat"],
    "inc": [
        "sekarang gak ada uang buat makan",
        "kontrakan udah ditagih terus",
        "anak {I} gak bisa bayar sekolah, gaji belum turun",
    ],
    "self": [
        "rasanya pengen mati aja",
        "kadang kepikiran bunuh diri",
        "{I} udah gak kuat hidup kayak gini",
        "mending {I} mati aja daripada begini terus",
        "pengen mengakhiri hidup",
        "udah gak ada alasan buat hidup",
        "{I} takut khilaf nyakitin diri sendiri",
    ],
    "ill": ["sampai pusing dan mual", "badan {I} lemes terus", "sering sesak napas"],
    "money": ["kerugian {I} sekitar {money}", "totalnya {money}"],
}

# Bits that add nothing: greetings, sign-offs, hedges. Include distractor negations ("bukan
# soal gaji") so the model learns that a negated cue is not evidence.
OPENERS = [
    "",
    "",
    "",
    "assalamualaikum",
    "selamat siang pak",
    "pak bu mohon bantu",
    "mau ngadu",
    "izin lapor",
    "halo admin",
    "permisi",
    "maaf mengganggu",
    "Selamat pagi Bapak/Ibu pengurus, saya ingin menyampaikan pengaduan",
    "mau curhat",
    "tolong dibantu",
    # Years of service: "11 tahun" here is tenure, not a child's age.
    "sy udah 11 thn kerja di sini",
    "masa kerja sy 16 tahun",
    "kerja di sini udah 13 thn",
    "udah 12 tahun ngabdi di perusahaan ini",
    "sy karyawan lama, masuk thn 2010, udah 15 thn",
]
CLOSERS = [
    "",
    "",
    "",
    "makasih",
    "mohon bantuannya",
    "tolong ditindaklanjuti",
    "terima kasih",
    "gimana ini pak",
    "capek banget",
    "mohon arahannya",
    "Atas perhatiannya kami ucapkan terima kasih",
]
DISTRACTORS = [
    "bukan soal gaji ya, gaji aman",
    "kalau lembur sih dibayar",
    "THR aman kok",
    "BPJS udah ada",
    "status {I} udah tetap",
    "bukan masalah cuti",
]

SUBJECTS = {
    "indiv": ["saya", "sy", "aku", "gw"],
    "coll": ["kami", "kita", "kami satu line", "kami semua", "kami di bagian ini"],
    "third_any": [
        "suami saya",
        "istri saya",
        "teman saya",
        "tetangga saya",
        "adik saya",
        "kakak saya",
        "keluarga saya",
    ],
    "third_woman": [
        "istri saya",
        "adik perempuan saya",
        "tetangga saya",
        "teman saya",
        "kakak saya",
        "anak perempuan saya",
    ],
    "coll_woman": ["kami ibu-ibu", "kami karyawati", "kami pekerja perempuan"],
}

SUPERVISORS = {
    Sector.GARMENT: ["leader", "chief", "SPV", "supervisor", "kepala line", "manajer produksi"],
    Sector.FOOTWEAR: ["leader", "chief", "SPV", "supervisor", "kabag", "manager"],
    Sector.PALM_OIL: ["mandor", "mandor 1", "krani", "asisten", "askep", "manager kebun"],
}
HR = ["HRD", "personalia", "pihak HRD", "bagian HR", "manajemen"]
COMPANIES = [
    "PT Sinar Jaya Abadi",
    "PT Mitra Garmindo",
    "PT KSA",
    "CV Maju Bersama",
    "PT Agro Lestari",
    "PT Sawit Makmur",
    "PT Panca Footwear",
    "PT Tunas Karya",
    "PT BSI",
    "PT Hijau Sentosa Plantation",
    "PT Global Shoes",
    "PT Dwi Mulya",
]
CITIES = {
    Sector.GARMENT: [
        "Bekasi",
        "Karawang",
        "Purwakarta",
        "Subang",
        "Semarang",
        "Boyolali",
        "Sukabumi",
        "Bogor",
        "Jepara",
        "Cakung",
    ],
    Sector.FOOTWEAR: [
        "Tangerang",
        "Serang",
        "Brebes",
        "Pasuruan",
        "Sidoarjo",
        "Majalengka",
        "Jombang",
        "Cikarang",
    ],
    Sector.PALM_OIL: [
        "Labuhanbatu",
        "Rantauprapat",
        "Pelalawan",
        "Siak",
        "Kotawaringin",
        "Ketapang",
        "Sanggau",
        "Asahan",
        "Kutai",
        "Muaro Jambi",
    ],
}
KECAMATAN = ["Cikarang Barat", "Balaraja", "Bilah Hulu", "Kandis", "Parenggean", "Cileungsi"]
BRANDS = ["Nike", "Adidas", "Puma", "H&M", "Uniqlo", "Zara", "Asics", "New Balance"]
UNITS = {
    Sector.GARMENT: ["line 7", "bagian sewing", "bagian finishing", "bagian cutting", "line 12"],
    Sector.FOOTWEAR: [
        "bagian cementing",
        "bagian stitching",
        "assembling",
        "bagian upper",
        "bagian sol",
    ],
    Sector.PALM_OIL: ["afdeling 2", "afdeling 5", "divisi 3", "blok C12", "PKS"],
}
