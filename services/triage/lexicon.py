"""Cue lexicons per category and per tag, written against the canonical text of `normalize`.

Patterns, not strings: one regular expression covers "kejepit mesin", "terjepit mesin press" and
"tangannya kejepit". Strong tag cues are specific enough to set a tag on their own and quote the
evidence; weak cues only feed the classifier, which decides from context (for example "anak anak"
may be children or "the guys on the line"). Category cues are features only: the right category
depends on what the worker most wants restored, which a cue list cannot decide.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from schemas.vocabulary import Category, Tag
from services.triage.normalize import NormalizedText

W = r"(?: \S+)"  # one more canonical word, used for short gaps inside a phrase


def rx(*alternatives: str) -> re.Pattern[str]:
    """Whole-word alternation over canonical text (words are separated by single spaces)."""
    return re.compile(r"(?<![\w<>])(?:" + "|".join(alternatives) + r")(?![\w<>])")


# ---------------------------------------------------------------------------------------------
# Category cues (DOMAIN §1 cue lists, canonicalised, plus broader everyday vocabulary)
# ---------------------------------------------------------------------------------------------
CATEGORY_CUES: dict[Category, re.Pattern[str]] = {
    Category.WAGES_MINIMUM_WAGE: rx(
        r"gaji\w*", r"upah\w*", r"digaji", r"gajian", r"umk", r"umr", r"ump", r"umsk",
        r"upah sektoral", r"slip gaji", r"potongan", r"dipotong", r"potong gaji", r"denda",
        r"premi hangus", r"premi hadir", r"upah borongan", r"upah harian", r"hk", r"gaji pokok",
        r"tunjangan", r"uang makan", r"uang transport", r"kasbon dipotong", r"nombok",
        r"kenaikan upah", r"skala upah", r"di bawah (umk|umr|ump|upah minimum)", r"dicicil",
        r"telat bayar", r"transfer", r"rekening", r"bayaran", r"dibayar", r"honor",
    ),
    Category.OVERTIME: rx(
        r"lembur\w*", r"scan out", r"finger dulu", r"absen pulang dulu", r"jam molor",
        r"pulang malam", r"spl", r"surat perintah lembur", r"uang lembur", r"masuk hari minggu",
        r"tanggal merah masuk", r"sampai (jam \d+ )?malam", r"sampai larut", r"loyalitas",
        r"jam tambahan", r"kerja tambahan", r"tidak dihitung lembur", r"sampai subuh",
    ),
    Category.THR_HOLIDAY_ALLOWANCE: rx(
        r"thr", r"tunjangan hari raya", r"lebaran", r"idul fitri", r"idulfitri", r"natal",
        r"nyepi", r"waisak", r"imlek", r"h ?-? ?\d", r"parsel", r"posko thr", r"hari raya",
        r"mudik", r"sembako ganti",
    ),
    Category.SOCIAL_SECURITY_BPJS: rx(
        r"bpjs\w*", r"jamsostek", r"kis", r"kartu (bpjs|kis)", r"nonaktif", r"tidak aktif",
        r"iuran", r"nunggak", r"jht", r"jp", r"pensiun", r"jkk", r"jkm", r"jkp", r"klaim",
        r"jmo", r"faskes", r"bayar (rs|rumah sakit) sendiri", r"biaya (rs|rumah sakit)",
        r"asuransi", r"jaminan sosial", r"kecelakaan tidak dilaporkan", r"tidak didaftarkan",
    ),
    Category.EMPLOYMENT_STATUS_CONTRACTS: rx(
        r"kontrak(?!an)\w*", r"pkwtt?", r"karyawan tetap", r"diangkat", r"pengangkatan",
        r"perpanjang\w*", r"diperpanjang", r"masa percobaan", r"training", r"magang",
        r"outsourc\w*", r"alih daya", r"yayasan", r"vendor", r"agen", r"bhl", r"harian lepas",
        r"khl", r"borongan", r"sku", r"kontrak lisan", r"kontrak tertulis", r"kompensasi",
        r"status", r"mitra", r"calo", r"uang titipan", r"pekerja harian", r"buruh harian",
        r"freelance", r"tenaga lepas",
    ),
    Category.TERMINATION_SEVERANCE: rx(
        r"phk", r"di phk", r"dipecat", r"pecat", r"diberhentikan", r"dikeluarin",
        r"dikeluarkan", r"dirumahkan", r"skorsing", r"diskors", r"disuruh resign",
        r"pengunduran diri", r"surat resign", r"pesangon", r"uang penghargaan", r"uang pisah",
        r"tali asih", r"efisiensi", r"pabrik tutup", r"relokasi", r"pailit", r"phk massal",
        r"sp[123]", r"mangkir", r"putus kontrak", r"perjanjian bersama", r"jkp", r"berhenti kerja",
        r"tutup", r"bangkrut", r"pindah pabrik", r"upmk", r"hak hak", r"diputus",
    ),
    Category.OSH_SAFETY_HEALTH: rx(
        r"k3", r"apd", r"masker", r"sarung tangan", r"sepatu (boot|safety)", r"helm",
        r"kecelakaan\w*", r"luka\w*", r"jari putus", r"kejepit", r"terjepit", r"mesin\w*",
        r"jarum", r"pintu darurat", r"apar", r"kebakaran", r"panas", r"gerah", r"pingsan",
        r"sesak", r"bau lem", r"lem", r"solvent", r"tiner", r"racun", r"semprot\w*",
        r"nyemprot", r"gramoxone", r"paraquat", r"herbisida", r"pestisida", r"pupuk",
        r"melepuh", r"mata perih", r"jatuh dari", r"dodos", r"egrek", r"ketimpa", r"tertimpa",
        r"janjang", r"tbs", r"ular", r"klinik", r"p2k3", r"truk angkut", r"debu", r"bising",
        r"ventilasi", r"exhaust", r"blower", r"kipas", r"keselamatan", r"bahaya\w*", r"aman",
        r"kimia", r"berdarah", r"patah", r"cedera", r"kesetrum", r"korsleting",
    ),
    Category.HARASSMENT_GBV: rx(
        r"dilecehkan", r"pelecehan", r"digoda", r"dicolek", r"diraba\w*", r"dipegang pegang",
        r"dipeluk", r"mesum", r"nginep", r"staycation", r"minta jatah", r"dibentak\w*",
        r"bentak\w*", r"dimaki\w*", r"dikatain", r"dipermalukan", r"dilempar\w*",
        r"dipukul\w*", r"ditampar", r"ditendang", r"dijambak", r"diancam", r"dibully",
        r"body shaming", r"satgas", r"ppks", r"tpks", r"dimarah\w*", r"dihina", r"kasar",
        r"goblok", r"bodoh", r"tolol", r"kekerasan", r"cabul", r"digerepe",
    ),
    Category.MATERNITY_REPRODUCTIVE: rx(
        r"hamil", r"bumil", r"cuti hamil", r"cuti melahirkan", r"cuti lahiran", r"melahirkan",
        r"lahiran", r"keguguran", r"cuti haid", r"haid", r"datang bulan", r"menyusui", r"asi",
        r"pumping", r"laktasi", r"cuti (suami|ayah)", r"tes kehamilan", r"kehamilan",
        r"tes urine", r"kandungan", r"bidan", r"shift malam hamil", r"angkat berat",
        r"penitipan anak", r"bayi", r"nifas", r"persalinan",
    ),
    Category.FREEDOM_OF_ASSOCIATION: rx(
        r"serikat", r"sp sb", r"puk", r"pengurus", r"anggota serikat", r"union busting",
        r"diberangus", r"dimutasi", r"diturunkan jabatan", r"keluar (dari )?serikat",
        r"dilarang rapat", r"pkb", r"perundingan", r"dispensasi", r"iuran serikat", r"mogok",
        r"demo", r"unjuk rasa", r"pencatatan serikat", r"serikat (boneka|tandingan)", r"spn",
        r"garteks", r"tsk", r"japbusi", r"spsi", r"ksbsi", r"berserikat", r"organisasi buruh",
    ),
    Category.DISCRIMINATION: rx(
        r"diskrimina\w*", r"dibeda bedain", r"dibedakan", r"pilih kasih", r"gaji beda",
        r"perempuan tidak boleh", r"khusus laki laki", r"batas umur", r"usia maksimal",
        r"status nikah", r"sudah menikah", r"jilbab", r"agama", r"suku", r"pendatang",
        r"disabilitas", r"difabel", r"tuna \w+", r"tunarungu", r"cacat", r"hiv",
        r"tidak dipromosi\w*", r"promosi", r"laki laki", r"beda perlakuan", r"rasis",
    ),
    Category.CHILD_LABOUR: rx(
        r"di bawah umur", r"bocah", r"masih (sd|smp)", r"anak (sd|smp|sekolah)",
        r"umur 1[0-7]", r"usia 1[0-7]", r"putus sekolah", r"bolos", r"ktp pinjaman",
        r"ktp (kakak|orang lain|saudara)\w*", r"kernet anak", r"bantu bapak\w*",
        r"mungut\w* brondol", r"angkat janjang", r"pulang sekolah", r"libur sekolah",
        r"pekerja anak", r"anak kecil", r"belum cukup umur",
    ),
    Category.WORKING_HOURS_TARGETS: rx(
        r"jam kerja", r"kerja 1[0-9] jam", r"tidak ada istirahat", r"istirahat", r"7 hari",
        r"tidak libur", r"shift\w*", r"target\w*", r"per jam", r"output", r"efisiensi line",
        r"reject", r"basis\w*", r"ton", r"premi", r"lebih basis", r"ancak", r"hanca",
        r"kejar target", r"buah mentah", r"toilet", r"kpi", r"pcs", r"capaian", r"norma panen",
    ),
    Category.LEAVE_REST: rx(
        r"cuti\w*", r"cuti tahunan", r"cuti hangus", r"izin sakit", r"surat dokter",
        r"dianggap mangkir", r"sp karena sakit", r"cuti nikah", r"cuti duka", r"izin ibadah",
        r"haji", r"umroh", r"libur nasional", r"tanggal merah", r"cuti bersama",
        r"libur mingguan", r"potong cuti", r"izin", r"libur", r"sakit",
    ),
    Category.HOUSING_LIVING_CONDITIONS: rx(
        r"perumahan", r"emplasmen", r"barak", r"mess", r"asrama", r"bedeng",
        r"rumah (bocor|rusak|dinas)", r"bocor", r"listrik", r"air bersih", r"air parit",
        r"sumur", r"keruh", r"mck", r"wc", r"jamban", r"sanitasi", r"diare", r"klinik kebun",
        r"poliklinik", r"sekolah", r"(bus|truk|mobil) (sekolah|antar)", r"tpa", r"diusir",
        r"tempat ibadah", r"musala", r"mushola", r"masjid", r"air minum", r"atap",
    ),
    Category.FORCED_LABOUR_INDICATORS: rx(
        r"ktp ditahan", r"ijazah\w*", r"paspor", r"buku nikah", r"atm", r"ditahan",
        r"utang", r"hutang", r"kasbon", r"pinjaman", r"koperasi", r"uang jaminan", r"deposit",
        r"denda resign", r"tidak boleh pulang", r"tidak boleh keluar", r"dijaga", r"ditipu",
        r"dijanjikan", r"calo", r"uang titipan", r"bayar supaya masuk", r"dikurung",
        r"disekap", r"tidak bisa keluar", r"kabur", r"jaminan",
    ),
    Category.OTHER: rx(
        r"iuran anggota", r"kartu anggota", r"daftar (jadi )?anggota", r"aplikasi",
        r"terima kasih", r"info", r"jadwal", r"pelatihan", r"koperasi simpan pinjam",
        r"cara daftar", r"sekretariat", r"kantor serikat", r"pemilu", r"beasiswa",
    ),
}

# ---------------------------------------------------------------------------------------------
# Tag cues. STRONG: sets the tag and gives the evidence. WEAK: a feature for the classifier.
# ---------------------------------------------------------------------------------------------
_SUPERVISOR = (
    r"(mandor\w*|krani|kerani|asisten\w*|askep|leader|chief|supervisor|security|satpam|atasan|"
    r"manajer|manager|kabag|kepala (bagian|line|kebun|afdeling|regu)|bos|mandor 1|direktur|"
    r"owner|pemilik|kasie|ka line|korlap)"
)
_DOCS = (
    r"(ktp|ijazah|paspor|buku nikah|atm|kartu atm|buku tabungan|dokumen|kartu keluarga|kk|akta|"
    r"sim)"
)
_CITIES = (
    r"bekasi|karawang|tangerang|bogor|purwakarta|subang|sukabumi|bandung|cimahi|semarang|jepara|"
    r"boyolali|sragen|solo|surakarta|surabaya|pasuruan|sidoarjo|mojokerto|gresik|batam|medan|"
    r"deli serdang|serdang bedagai|labuhanbatu|labuhan batu|rantauprapat|rantau prapat|asahan|"
    r"pekanbaru|siak|pelalawan|kampar|rokan hulu|rokan hilir|indragiri|jambi|muaro jambi|"
    r"palembang|musi banyuasin|ogan komering|pontianak|ketapang|sanggau|sintang|sambas|sampit|"
    r"kotawaringin|pangkalan bun|palangkaraya|kutai|berau|paser|samarinda|balikpapan|lampung|"
    r"bengkulu|aceh|mamuju|jakarta|cakung|cikarang|majalengka|cirebon|tegal|pekalongan|kudus|"
    r"ungaran|tasikmalaya|serang|cilegon|cileungsi|cibitung|klaten|brebes|banyumas|grobogan|"
    r"pati|demak|kendal|temanggung|wonogiri|sukoharjo|kebumen|malang|jombang|kediri|nganjuk|"
    r"tanjung morawa|binjai|langkat|simalungun|pematangsiantar|tebing tinggi|dumai|bengkalis|"
    r"nunukan|tarakan|bulungan|seruyan|katingan|lamandau|kapuas|melawi|landak|bangka|belitung"
)

TAG_STRONG: dict[Tag, re.Pattern[str]] = {
    Tag.INJURY: rx(
        r"luka\w*", r"berdarah", r"pendarahan", r"patah\w*", r"jari\w* putus", r"putus jari\w*",
        r"kejepit", r"terjepit", r"dijahit", r"jahitan", r"masuk (rs|rumah sakit|igd|ugd)",
        r"dirawat", r"diopname", r"opname", r"memar", r"lebam", r"bengkak", r"melepuh",
        r"terluka", r"cedera", r"keseleo", r"terkilir", r"tertusuk", r"ketusuk",
        r"tersayat", r"kesetrum", r"tersengat listrik", r"gegar otak", r"benjol",
        r"luka bakar", r"diamputasi", r"amputasi", r"jatuh dari", r"terjatuh dari",
        r"tertimpa", r"ketimpa", r"kelindas", r"terlindas", r"tidak sadar\w*", r"belum sadar",
        r"koma", r"digigit ular", r"dipatok ular", r"robek", r"sobek", r"kena gunting",
        r"tergores", r"kepala\w* bocor", r"tulang\w* retak", r"ditandu", r"digips",
    ),
    Tag.FATALITY: rx(
        r"meninggal\w*", r"tewas", r"wafat", r"almarhum\w*", r"tidak selamat", r"jenazah",
        r"korban jiwa", r"nyawa\w* (melayang|hilang|tidak tertolong)", r"mati di tempat",
        r"tidak tertolong", r"dimakamkan", r"kematian", r"sudah tiada", r"meregang nyawa",
    ),
    Tag.IMMEDIATE_DANGER: rx(
        r"mau roboh", r"hampir roboh", r"mau ambruk", r"ambruk", r"retak\w*", r"korsleting",
        r"konslet\w*", r"asap", r"berasap", r"bau gosong", r"percikan api", r"kebakaran",
        r"terbakar", r"pintu (darurat|keluar|evakuasi)( \S+){0,3} (di)?(gembok|kunci|rantai)\w*",
        r"pintu (darurat|keluar|evakuasi)( \S+){0,3} (ditutup|diblokir|terhalang|ditumpuk)",
        r"jalur evakuasi( \S+){0,2} (ditutup|tertutup|diblokir|terhalang|penuh)",
        r"(gembok|kunci|rantai) pintu darurat", r"tumpah\w*", r"gas bocor", r"bocor gas",
        r"bau gas", r"tolong cepat", r"meledak", r"ledakan", r"terjebak", r"mau runtuh",
        r"longsor", r"kabel (terkelupas|terbuka|putus)", r"tanpa pengaman", r"pengaman\w* dilepas",
        r"sedang terjadi", r"dikunci dari luar",
    ),
    Tag.ILLNESS_SYMPTOMS: rx(
        r"pusing", r"mual", r"muntah\w*", r"sesak\w*", r"pingsan", r"demam", r"gatal\w*",
        r"diare", r"mencret", r"mata\w* kabur", r"penglihatan\w* kabur", r"batuk\w*",
        r"mimisan", r"lemas", r"lemes", r"kram", r"sakit kepala", r"sakit perut", r"tipes",
        r"tifus", r"ispa", r"alergi", r"ruam", r"mata\w* perih", r"perih", r"kejang",
        r"dehidrasi", r"kelelahan", r"meriang", r"sakit pinggang", r"nyeri\w*",
        r"sakit punggung", r"telinga\w* (berdenging|sakit)", r"pendengaran\w* (berkurang|turun)",
        r"keracunan", r"dada\w* sakit", r"sakit dada", r"iritasi", r"kulit\w* mengelupas",
        r"tbc", r"paru paru", r"darah tinggi", r"maag", r"sakit sakitan",
    ),
    Tag.CHEMICAL_EXPOSURE: rx(
        r"lem(nya)?", r"bau lem\w*", r"ngelem", r"bau menyengat", r"menyengat", r"nyengat",
        r"tiner", r"thinner",
        r"solvent", r"racun", r"semprot\w*", r"nyemprot", r"menyemprot", r"penyemprot",
        r"gramoxone", r"paraquat", r"pestisida", r"herbisida", r"insektisida", r"fungisida",
        r"pupuk", r"kimia", r"primer", r"pewarna", r"obat hama", r"roundup", r"glifosat",
        r"fumigasi", r"asam", r"klorin", r"uap", r"bahan beracun", r"b3", r"cat",
    ),
    Tag.PHYSICAL_VIOLENCE: rx(
        r"dipukul\w*", r"ditampar", r"ditendang", r"didorong", r"dilempar\w*", r"dijambak",
        r"dibegal", r"digebuk\w*", r"dihajar", r"ditonjok", r"dicekik", r"dianiaya",
        r"penganiayaan", r"kekerasan fisik", r"lempar\w* \S+( \S+)? ke (muka|kepala|badan|wajah)",
        r"kena lempar\w*", r"dijitak", r"diseret", r"ditempeleng", r"digampar", r"dikeroyok",
        r"dipopor", r"mukul", r"nampar", r"nendang", r"dicambuk", r"disiksa", r"dibanting",
    ),
    Tag.SEXUAL_VIOLENCE: rx(
        r"dilecehkan", r"pelecehan\w*", r"diraba\w*", r"meraba\w*", r"dicolek\w*",
        r"dipegang pegang", r"pegang pegang", r"diajak nginep", r"nginep( \S+){0,3} hotel",
        r"nemenin( \S+){0,2} (nginep|tidur|ke hotel)", r"staycation", r"chat mesum",
        r"(foto|video|pesan|gambar) (mesum|porno|bugil|telanjang)", r"mesum", r"minta jatah",
        r"diperkosa", r"pemerkosaan", r"digerepe\w*", r"dicabuli", r"cabul", r"dicium\w*",
        r"dipeluk\w*", r"ngajak (tidur|check in|ngamar|nginep)", r"diintip",
        r"kekerasan seksual", r"ajakan (tidur|berhubungan)", r"ngamar", r"dipaksa berhubungan",
    ),
    Tag.VERBAL_ABUSE_THREATS: rx(
        r"dibentak\w*", r"bentak\w*", r"membentak", r"dimaki\w*", r"maki\w*", r"goblok",
        r"bodoh", r"tolol", r"anjing", r"bangsat", r"babi", r"diancam\w*", r"ancam\w*",
        r"ngancam\w*", r"mengancam", r"awas kamu", r"dipermalukan", r"mempermalukan",
        r"diteror", r"dimarah\w*", r"dimarahi", r"diteriaki", r"teriak\w*", r"dikata katain",
        r"dikatain", r"dihina", r"menghina", r"hinaan", r"diledek\w*", r"diejek", r"disindir",
        r"dibully", r"dirundung", r"body shaming", r"diintimidasi", r"intimidasi",
        r"kalau mau aman", r"diomelin", r"diomeli", r"dicaci\w*", r"kata kata kasar",
    ),
    Tag.SELF_HARM_RISK: rx(
        r"(ingin|mau|mending|lebih baik|lebih bagus) mati", r"bunuh diri", r"mati saja",
        r"tidak kuat hidup", r"(mengakhiri|akhiri|menghabisi) hidup\w*", r"gantung diri",
        r"minum racun", r"putus asa", r"capek hidup", r"lelah hidup", r"tidak ada gunanya hidup",
        r"tidak sanggup (hidup|lagi)", r"nyilet", r"menyayat", r"loncat dari", r"lompat dari",
        r"(hilang|menghilang) (saja )?dari dunia", r"tidak mau hidup", r"pengen mati",
        r"ingin menyerah (saja|hidup)", r"(kepikiran|terpikir) (mati|bunuh|mengakhiri)",
    ),
    Tag.LOSS_OF_INCOME_NOW: rx(
        r"belum gajian", r"belum digaji", r"belum dibayar\w*", r"tidak digaji",
        r"tidak ada uang( \S+)?", r"tidak punya uang", r"ditagih (kontrakan|utang|warung)\w*",
        r"dirumahkan tanpa (gaji|upah|dibayar)", r"gaji\w* (telat|belum keluar|ditahan|tertahan)",
        r"upah\w* (telat|belum keluar|ditahan|tertahan)", r"tidak ada pemasukan",
        r"tidak bisa makan", r"gaji\w* (cuma )?sisa", r"tidak gajian", r"tanpa gaji",
        r"tanpa upah", r"tidak dapat gaji", r"gaji\w* (tidak|belum) (dibayar|cair|masuk)",
        r"anak\w* (mau|tidak bisa) makan", r"utang warung", r"ngutang",
    ),
    Tag.PREGNANT_WORKER: rx(
        r"hamil\w*", r"bumil", r"lagi isi", r"usia kandungan", r"kandungan\w*", r"mengandung",
        r"kehamilan", r"(mau|akan|menjelang|jelang) (lahiran|melahirkan|persalinan)",
        r"keguguran", r"janin", r"trimester", r"hpl", r"perut\w* (besar|buncit)",
    ),
    Tag.NEW_OR_BREASTFEEDING_MOTHER: rx(
        r"baru (lahiran|melahirkan)", r"habis (lahiran|melahirkan)",
        r"(setelah|pasca|sesudah) (lahiran|melahirkan)",
        r"menyusui", r"asi", r"pumping", r"pompa asi", r"bayi\w*", r"laktasi", r"nifas",
        r"cuti (melahirkan|lahiran)", r"lahiran", r"melahirkan", r"newborn",
    ),
    Tag.MINOR_INVOLVED: rx(
        r"di bawah umur", r"bocah\w*", r"masih (sd|smp)", r"anak (sd|smp|sekolah|kecil)",
        r"(umur|usia|umurnya|usianya) (1[0-7]|[5-9])", r"(umur|usia) (1[0-7]|[5-9]) ?- ?(1[0-7])",
        r"belum (18|cukup umur|punya ktp)", r"putus sekolah", r"bolos\w*", r"ktp pinjaman",
        r"(pakai|pinjam) ktp", r"ktp (kakak|orang lain|saudara|ibu|bapak)\w*",
        r"pulang sekolah", r"libur sekolah", r"pekerja anak", r"anak di bawah", r"remaja",
        r"anak umur", r"kernet anak",
        r"anak\w* (saya )?(ikut|bantu) (kerja|ke kebun|ke blok|ke ancak|bapak\w*|ayah\w*|"
        r"orang tua\w*|ortu\w*)",
    ),
    Tag.WOMAN_WORKER: rx(
        r"saya perempuan", r"perempuan", r"wanita", r"ibu ibu", r"cewek\w*", r"karyawati",
        r"buruh perempuan", r"pekerja perempuan", r"emak emak", r"mbak mbak", r"istri\w*",
        r"haid", r"datang bulan", r"hamil\w*", r"menyusui", r"lahiran", r"melahirkan",
        r"pumping", r"janda", r"ibu rumah tangga",
    ),
    Tag.MIGRANT_WORKER: rx(
        r"perantau\w*", r"merantau", r"pendatang", r"didatangkan",
        r"(dari|ke|asal|orang) (ntt|ntb|flores|sumba|timor|nias|jawa|sulawesi|toraja|lombok|madura|"
        r"kupang|alor|sabu|rote|papua|bima)",
        r"tka", r"pulang kampung", r"mudik jauh", r"transmigran", r"dari luar (daerah|pulau|kota)",
        r"kampung halaman", r"jauh dari keluarga", r"tidak punya keluarga di sini",
    ),
    Tag.PERSON_WITH_DISABILITY: rx(
        r"disabilitas", r"difabel", r"tuna (rungu|netra|daksa|wicara|grahita)",
        r"tunarungu", r"tunanetra", r"tunadaksa", r"kursi roda", r"cacat", r"kaki palsu",
        r"tangan palsu", r"bisu", r"penyandang", r"pakai tongkat", r"alat bantu dengar",
        r"keterbatasan fisik", r"berkebutuhan khusus",
    ),
    Tag.PRECARIOUS_STATUS: rx(
        r"kontrak(?!an)\w*", r"pkwt", r"bhl", r"harian lepas", r"buruh harian",
        r"pekerja harian", r"karyawan harian", r"outsourc\w*", r"alih daya", r"yayasan",
        r"magang", r"training", r"borongan", r"tidak diangkat", r"belum diangkat",
        r"bukan karyawan tetap", r"freelance", r"mitra", r"khl", r"status gantung",
        r"tenaga lepas", r"masa percobaan", r"percobaan", r"pekerja lepas", r"buruh lepas",
    ),
    Tag.UNREGISTERED_HELPER: rx(
        r"kernet\w*", r"tidak terdaftar", r"bantu suami\w*",
        r"istri\w*( \S+)? (ikut|bantu) (\S+ )?(mungut|kerja|bantu|panen|ke kebun|ke ancak)",
        r"anak\w* (saya )?(ikut|bantu) (\S+ )?(bapak|ayah|orang tua|ortu)\w*",
        r"ikut (bapak|ayah|orang tua|ortu|suami)\w* ke (blok|ancak|kebun|hanca)",
        r"keluarga( \S+)? (ikut )?bantu", r"bantu (bapak|ayah|suami|orang tua)\w*",
        r"tidak (dianggap|tercatat sebagai) (karyawan|pekerja)", r"tidak dibayar perusahaan",
    ),
    Tag.COLLECTIVE: rx(
        r"kami", r"kita", r"kita semua",
        r"satu (line|bagian|afdeling|divisi|pabrik|kebun|shift|gedung|lantai)",
        r"se ?(line|bagian|afdeling|divisi|pabrik)", r"ratusan", r"puluhan", r"ribuan",
        r"(seluruh|semua) (karyawan|pekerja|buruh|operator|pemanen|anggota|orang)",
        r"banyak (yang|orang|teman|karyawan|pekerja|buruh)", r"teman teman( \S+)? juga",
        r"para (pekerja|buruh|pemanen|karyawan|operator)", r"\d+an orang", r"\d+ orang",
        r"mayoritas", r"sebagian besar", r"rame rame", r"yang lain juga", r"line \d+",
        r"kawan kawan", r"semua orang", r"pemanen", r"tim (semprot|panen|rawat|pupuk)",
        r"bukan (cuma|hanya) saya", r"sama semua", r"orang orang",
    ),
    Tag.INDIVIDUAL: rx(r"saya sendiri", r"cuma saya", r"hanya saya", r"saya seorang"),
    Tag.ONGOING_OR_REPEATED: rx(
        r"terus menerus", r"tiap (hari|minggu|bulan|tahun|gajian|shift|pagi|malam|kali)",
        r"setiap (hari|minggu|bulan|tahun|gajian|shift|kali)", r"berbulan bulan",
        r"bertahun tahun", r"berminggu minggu", r"lagi lagi", r"sejak (tahun|bulan|awal|\d+)",
        r"sudah (\d+|se|beberapa) ?(tahun|bulan|minggu)", r"sudah setahun", r"sudah sebulan",
        r"selalu", r"sering\w*", r"berulang\w*", r"berkali kali", r"dari dulu",
        r"dari awal( masuk)?", r"bulan ke ?\d+", r"berturut\w*", r"masih saja",
        r"sampai sekarang", r"hingga kini", r"sudah lama", r"kerap", r"terus\w*",
        r"tidak pernah", r"(telat|digembok|dipotong|dikunci|terjadi|kejadian) lagi",
    ),
    Tag.MASS_LAYOFF_OR_CLOSURE: rx(
        r"phk massal",
        r"(pabrik|perusahaan|kebun|pks)( \S+)? (tutup|ditutup|pindah|relokasi|bangkrut|pailit)",
        r"(mau|akan) (tutup|pindah|relokasi)", r"relokasi", r"pailit", r"bangkrut",
        r"gulung tikar", r"dirumahkan (semua|massal)",
        r"(semua|seluruh) (karyawan|pekerja|buruh)( \S+)? (di phk|dirumahkan|diberhentikan)",
        r"(\d+an|ratusan|ribuan|puluhan|\d+) (orang|karyawan|buruh|pekerja)( \S+){0,4} (di phk|"
        r"dirumahkan|diberhentikan)",
        r"berhenti beroperasi", r"tutup permanen",
        r"pindah (pabrik|ke jateng|ke jawa tengah|ke luar)",
        r"pengurangan (karyawan|pekerja)", r"phk besar besaran",
    ),
    Tag.UNION_MEMBER: rx(
        r"anggota serikat", r"serikat\w*", r"sp sb", r"puk", r"pengurus",
        r"ketua (serikat|puk|pk|sp)",
        r"spn", r"garteks", r"fsb", r"tsk", r"spsi", r"ksbsi", r"kspi", r"japbusi", r"sarbumusi",
        r"berserikat", r"organisasi buruh",
    ),
    Tag.RETALIATION_FEARED: rx(
        r"(takut|khawatir|was was|ngeri)( \S+){0,3} (dipecat|di phk|diperpanjang|dikeluar\w*|"
        r"ketahuan|dimutasi|sp|diberhentikan|dibalas|dicari cari|kehilangan|dimusuhi|dikucilkan|"
        r"diputus|dipersulit|kena \S+|putus kontrak|diancam|dimarahi|diusir)",
        r"dicari cari (salah|kesalahan)",
        r"diancam( \S+){0,3} (tidak diperpanjang|dipecat|di phk|diputus|dikeluarkan)",
        r"nanti (dipecat|di phk|dikeluarin|tidak diperpanjang)", r"takut lapor", r"takut ngadu",
        r"takut melapor", r"takut bicara", r"tidak berani (lapor|ngadu|protes|bicara|melapor)",
    ),
    Tag.RETALIATION_OCCURRED: rx(
        r"gara gara( \S+)? (ikut )?(serikat|lapor|protes|demo|mogok|ngadu)",
        r"(setelah|habis|sejak|begitu)( \S+){0,3} (lapor|protes|demo|mogok|ngadu|komplain|"
        r"kirim surat|ikut serikat|gabung serikat)",
        r"dimutasi", r"diturunkan (jabatan|pangkat)", r"didemosi", r"balas dendam",
        r"karena (ikut|gabung|jadi anggota|aktif di) serikat",
        r"karena (lapor|protes|ngadu|melapor)",
        r"dipindah ke gudang", r"langsung (di phk|dipecat|di sp|dimutasi)",
        r"dibalas", r"dihukum karena",
    ),
    Tag.ANONYMITY_REQUESTED: rx(
        r"jangan (sebut|disebut|kasih tahu|bilang)( \S+){0,2} nama", r"rahasia\w*",
        r"dirahasiakan", r"anonim\w*", r"inisial", r"jangan sampai nama",
        r"nama( saya)? jangan", r"tanpa nama",
        r"identitas( saya)? (dirahasiakan|dijaga|disembunyikan)",
        r"jangan (sampai )?(ketahuan|tahu) (kalau|bahwa) saya", r"off the record", r"privasi",
        r"jangan (di)?(sebar|bocor)\w*",
    ),
    Tag.REPORTED_BY_THIRD_PARTY: rx(
        r"(suami|istri|tetangga|teman|keluarga|adik|kakak|ibu|bapak|ayah|ponakan|keponakan|saudara|"
        r"ipar|sepupu|pacar|anak) saya",
        r"mewakili", r"atas nama (teman|keluarga|rekan)", r"titip (pesan|aduan)",
    ),
    Tag.SUPERVISOR_IMPLICATED: rx(_SUPERVISOR),
    Tag.INTERNAL_STEPS_TAKEN: rx(
        r"(sudah|pernah|telah)( \S+){0,2} (lapor\w*|ngadu|mengadu|komplain|protes|tanya|nanya|"
        r"bilang|ngomong|minta|kirim surat|bicara|menghadap|sampaikan|"
        r"menyampaikan)( \S+){0,2} (hrd|mandor|atasan|manajemen|perusahaan|asisten|askep|chief|"
        r"leader|supervisor|kantor|krani|manajer|personalia|direktur)",
        r"bipartit", r"risalah",
        r"(kirim|ajukan|kasih) surat( \S+){0,2} (ke )?(perusahaan|manajemen|hrd|direksi)",
        r"perusahaan (bilang|janji|menjanjikan)", r"hrd (bilang|janji) (nanti|lagi proses)",
        r"katanya lagi proses", r"sudah (minta|mengajukan|ajukan)",
    ),
    Tag.EXTERNAL_STEPS_TAKEN: rx(
        r"(sudah|pernah|telah)( \S+){0,3} (disnaker|dinas|mediasi|polisi|polres|polsek|bpjs|"
        r"pengawas|kemnaker|pengadilan|phi|komnas|ombudsman|dprd|posko|lbh)",
        r"disnaker( \S+){0,3} (tapi|belum|tidak|sudah)", r"anjuran", r"mediator",
        r"(lapor|melapor|dilaporkan|laporkan|laporin)( \S+){0,2} (ke )?(disnaker|polisi|polres|"
        r"polsek|pengawas|kemnaker|komnas)",
        r"proses mediasi", r"sidang", r"gugatan",
    ),
    Tag.DEADLINE_IMMINENT: rx(
        r"besok", r"lusa", r"minggu ini", r"hari ini", r"nanti sore", r"nanti malam",
        r"h ?- ?\d+", r"tinggal \d+ hari", r"tinggal (sehari|dua hari|seminggu|beberapa hari)",
        r"kontrak\w* habis( \S+){0,2} (tanggal|besok|minggu depan|bulan depan|lusa|\d+)",
        r"(batas waktu|deadline|tenggat)", r"minggu depan", r"akhir bulan ini",
        r"kadaluarsa", r"kedaluwarsa", r"secepatnya", r"mendesak", r"urgent", r"segera",
        r"(disuruh|harus) (tanda tangan|ttd)( \S+){0,3} (hari ini|besok|sekarang)",
        r"sebelum (lebaran|tanggal|akhir)", r"2 ?x ?24 jam", r"1 ?x ?24 jam",
    ),
    Tag.WANTS_COLLECTIVE_ACTION: rx(
        r"mogok\w*", r"demo\w*", r"aksi( \S+)? (massa|bersama|damai|protes)", r"unjuk rasa",
        r"turun ke jalan", r"boikot", r"long march", r"mau aksi", r"rencana aksi",
        r"berunjuk rasa", r"menduduki",
    ),
    Tag.LEGAL_AID_REQUESTED: rx(
        r"pendampingan", r"didampingi", r"dampingi", r"pengacara", r"advokat", r"lbh",
        r"bantuan hukum", r"kuasa hukum", r"tim advokasi", r"lawyer", r"dibela", r"pembelaan",
        r"bantu (kami|saya) (lapor|gugat|urus)", r"advokasi",
    ),
    Tag.INFO_REQUEST: rx(
        r"mau (tanya|nanya)", r"ingin (tanya|bertanya|nanya)", r"numpang tanya", r"mau bertanya",
        r"sah (tidak|atau tidak|nggak)", r"boleh (tidak|atau tidak)",
        r"berapa (harusnya|seharusnya|sih)",
        r"(gimana|bagaimana) (aturan\w*|hukum\w*|prosedur\w*|caranya|cara)", r"apakah",
        r"bisa (tidak|atau tidak)( \S+)? (minta|dapat|menuntut|nuntut|lapor|klaim)",
        r"caranya (gimana|bagaimana)", r"apa (dulu )?yang (harus|bisa|perlu)", r"hak saya apa",
        r"apa (benar|betul|bener|boleh|sah|itu sah)", r"(itu|ini) (legal|wajar|normal) (tidak|kah)",
        r"mohon (info|penjelasan|pencerahan)", r"minta (info|penjelasan)", r"bertanya",
        r"dapat (berapa|apa saja)", r"berapa (hak|pesangon|thr|uang)",
    ),
    Tag.EVIDENCE_AVAILABLE: rx(
        r"(di)?foto\w*", r"video\w*", r"rekaman\w*", r"direkam", r"merekam", r"screenshot\w*",
        r"ss\w*an", r"tangkapan layar",
        r"chat( wa)?\w*( \S+)? (masih )?(saya )?(simpan|simpen|ada)",
        r"chat wa", r"bukti\w*", r"saksi\w*", r"kuitansi", r"kwitansi", r"nota",
        r"(masih )?saya simpan", r"(masih )?saya simpen", r"slip( gaji)?", r"surat dokter",
        r"surat (izin|keterangan|pernyataan|peringatan|phk|pemberitahuan)", r"dokumen",
        r"data absen", r"catatan", r"nge ?wa", r"wa (nya|dari)", r"pesan wa",
    ),
    Tag.EMPLOYER_NAMED: rx(r"(pt|cv|ud) \S+", r"estate \S+", r"group \S+"),
    Tag.LOCATION_NAMED: rx(
        _CITIES, r"kabupaten \S+", r"kab \S+", r"kecamatan \S+", r"kec \S+", r"desa \S+",
        r"kawasan (industri|berikat)( \S+)?", r"kota \S+", r"afdeling \S+", r"afd \S+",
        r"divisi (\d+|[ivx]+)", r"blok [a-z]?\d+",
    ),
    Tag.MONEY_AMOUNT_STATED: rx(r"<uang>", r"<persen>", r"rp", r"\d+ (ribu|juta)"),
    Tag.BUYER_OR_CERTIFICATION_LINK: rx(
        r"buyer\w*", r"brand\w*", r"audit\w*", r"rspo", r"ispo", r"sertifika\w*", r"nike",
        r"adidas", r"puma", r"h&m", r"h m", r"zara", r"uniqlo", r"inditex", r"reebok",
        r"new balance", r"asics", r"converse", r"vans", r"skechers", r"fila", r"merek",
        r"compliance", r"bsci", r"sa8000", r"fair trade", r"wrap", r"higg", r"pembeli",
    ),
    Tag.DOCUMENT_RETENTION: rx(
        _DOCS + r"( \S+){0,4} (ditahan|dipegang|disita|diambil|disimpan (perusahaan|kantor|hrd|"
        r"agen|yayasan)|tidak (dibalikin|dikembalikan|dibalikan|dikasih balik))",
        r"(menahan|nahan|tahan|pegang|simpan|sita)( \S+){0,2} " + _DOCS,
        _DOCS + r"( \S+){0,3} (sebagai |jadi )?jaminan",
    ),
    Tag.DEBT_OR_RECRUITMENT_FEE: rx(
        r"utang\w*", r"hutang\w*", r"kasbon\w*", r"koperasi( \S+)? (potong|dipotong)",
        r"pinjaman", r"uang titipan", r"(bayar|kasih)( \S+)? calo", r"calo",
        r"uang (masuk|pelicin|jaminan|administrasi masuk|pendaftaran)",
        r"biaya (masuk|rekrut\w*|penempatan)",
        r"deposit", r"bayar (supaya|biar) (masuk|diterima|lolos)",
        r"bayar ke (yayasan|agen|orang dalam)",
        r"potong utang", r"nyicil (utang|pinjaman)", r"rentenir", r"bank keliling",
    ),
}

# Weak cues: too ambiguous to set a tag alone, but useful as features (and as evidence when the
# classifier sets the tag).
TAG_WEAK: dict[Tag, re.Pattern[str]] = {
    Tag.MINOR_INVOLVED: rx(r"anak\w*", r"\d+ tahun", r"sekolah", r"smp", r"sd", r"masih kecil"),
    Tag.COLLECTIVE: rx(r"semua", r"banyak", r"teman teman", r"orang", r"anak anak", r"ada yang"),
    Tag.INDIVIDUAL: rx(r"saya", r"sendiri"),
    Tag.ONGOING_OR_REPEATED: rx(r"lagi", r"sudah", r"masih", r"tahun lalu", r"bulan lalu"),
    Tag.SUPERVISOR_IMPLICATED: rx(r"hrd", r"perusahaan", r"personalia", r"manajemen"),
    Tag.REPORTED_BY_THIRD_PARTY: rx(r"dia", r"beliau", r"nya", r"disini", r"di sini"),
    Tag.INFO_REQUEST: rx(r"tanya", r"gimana", r"bagaimana", r"berapa", r"bisa tidak", r"apa"),
    Tag.DEADLINE_IMMINENT: rx(r"tanggal \d+", r"tgl \d+", r"cepat", r"tolong"),
    Tag.IMMEDIATE_DANGER: rx(
        r"sekarang", r"bahaya\w*", r"darurat", r"api", r"gembok\w*", r"dikunci"
    ),
    Tag.LOSS_OF_INCOME_NOW: rx(r"telat", r"belum", r"dirumahkan", r"makan"),
    Tag.EXTERNAL_STEPS_TAKEN: rx(r"disnaker", r"polisi", r"lapor"),
    Tag.INTERNAL_STEPS_TAKEN: rx(r"lapor", r"hrd", r"surat"),
    Tag.RETALIATION_FEARED: rx(r"takut", r"khawatir", r"ancam\w*"),
    Tag.EMPLOYER_NAMED: rx(r"pabrik \S+", r"kebun \S+", r"perusahaan \S+"),
    Tag.WOMAN_WORKER: rx(r"ibu", r"mbak", r"bu"),
}

TAG_ORDER: tuple[Tag, ...] = tuple(Tag)
CATEGORY_ORDER: tuple[Category, ...] = tuple(Category)

# Capitalised names after an employer word ("pabrik Sinar Jaya", "Kebun Sei Lala") are employer
# names; this runs on the original text because capitals are the only signal.
_EMPLOYER_ORIGINAL = re.compile(
    r"\b(?:PT|CV|UD|Pt|pt)\.?\s+[A-Za-z0-9][\w&.-]*"
    r"|\b(?:[Pp]abrik|[Kk]ebun|[Ee]state|PKS|[Pp]erkebunan|[Pp]erusahaan)\s+"
    r"(?!Ini\b|Itu\b|Kami\b|Kita\b|Saya\b|Yang\b)[A-Z][a-zA-Z]+(?:\s+[A-Z][a-zA-Z]+)*"
)


@dataclass(frozen=True)
class CueHit:
    """A tag cue found in a complaint, with the worker's own words as evidence."""

    tag: Tag
    evidence: str
    strong: bool


def _hits(pattern: re.Pattern[str], nt: NormalizedText) -> Iterable[str]:
    canonical = nt.text
    for m in pattern.finditer(canonical):
        span = nt.original_span(m.start(), m.end())
        if span:
            yield span


def find_tag_cues(nt: NormalizedText) -> dict[Tag, CueHit]:
    """The first cue per tag, strong cues winning over weak ones."""
    found: dict[Tag, CueHit] = {}
    for tag, pattern in TAG_STRONG.items():
        for span in _hits(pattern, nt):
            found[tag] = CueHit(tag, span, strong=True)
            break
    if Tag.EMPLOYER_NAMED not in found:
        m = _EMPLOYER_ORIGINAL.search(nt.original)
        if m:
            found[Tag.EMPLOYER_NAMED] = CueHit(Tag.EMPLOYER_NAMED, m.group(0), strong=True)
    for tag, pattern in TAG_WEAK.items():
        if tag in found:
            continue
        for span in _hits(pattern, nt):
            found[tag] = CueHit(tag, span, strong=False)
            break
    return found


def tag_cue_features(nt: NormalizedText) -> list[float]:
    """Per tag: strong-cue count and weak-cue presence (capped) in TAG_ORDER, for the classifier."""
    canonical = nt.text
    out: list[float] = []
    for tag in TAG_ORDER:
        strong = TAG_STRONG.get(tag)
        weak = TAG_WEAK.get(tag)
        n_strong = len(strong.findall(canonical)) if strong else 0
        if tag is Tag.EMPLOYER_NAMED and _EMPLOYER_ORIGINAL.search(nt.original):
            n_strong += 1
        out.append(min(n_strong, 3) / 3.0)
        out.append(1.0 if weak and weak.search(canonical) else 0.0)
    return out


def category_cue_features(nt: NormalizedText) -> list[float]:
    """Per category: how many cue words occur (capped), in CATEGORY_ORDER."""
    canonical = nt.text
    return [min(len(CATEGORY_CUES[c].findall(canonical)), 4) / 4.0 for c in CATEGORY_ORDER]
