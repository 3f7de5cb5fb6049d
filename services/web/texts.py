"""The words on the pages, in Bahasa Indonesia first and English.

Plain words a worker on a factory floor uses, not the legal terms; officers' pages may say more.
"""

from __future__ import annotations

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"

TEXTS: dict[str, dict[str, str]] = {
    "site_name": {"id": "Aduan Pekerja", "en": "Workers' Complaints"},
    "other_language": {"id": "English", "en": "Bahasa Indonesia"},
    "nav_report": {"id": "Lapor", "en": "Report"},
    "nav_emergency": {"id": "Darurat", "en": "Emergency"},
    "nav_track": {"id": "Cek laporan", "en": "Track"},
    "nav_officers": {"id": "Petugas", "en": "Officers"},
    "report_title": {"id": "Laporkan masalah di tempat kerja", "en": "Report a problem at work"},
    "report_intro": {
        "id": "Ceritakan apa yang terjadi. Serikat akan membaca dan menindaklanjuti."
        " Kamu bisa melapor tanpa nama.",
        "en": "Tell us what happened. The union will read it and follow it up."
        " You can report without your name.",
    },
    "union": {"id": "Serikat", "en": "Union"},
    "kind": {"id": "Jenis", "en": "Type"},
    "kind_complaint": {"id": "Pengaduan (ada masalah)", "en": "Complaint (something is wrong)"},
    "kind_aspiration": {"id": "Aspirasi (usulan)", "en": "Aspiration (a proposal)"},
    "text": {"id": "Apa yang terjadi?", "en": "What happened?"},
    "text_hint": {
        "id": "Siapa, di mana, kapan, sudah berapa lama. Minimal 10 huruf.",
        "en": "Who, where, when, for how long. At least 10 characters.",
    },
    "sector": {"id": "Sektor", "en": "Sector"},
    "workplace": {"id": "Nama pabrik / kebun / tempat kerja", "en": "Factory, estate or workplace"},
    "occurred_on": {"id": "Tanggal kejadian (kalau ingat)", "en": "Date it happened (if known)"},
    "member": {"id": "Apakah kamu anggota serikat?", "en": "Are you a union member?"},
    "yes": {"id": "Ya", "en": "Yes"},
    "no": {"id": "Tidak", "en": "No"},
    "unsure": {"id": "Tidak tahu", "en": "Not sure"},
    "anonymous": {
        "id": "Laporkan tanpa nama (serikat tidak bisa menghubungi kamu)",
        "en": "Report anonymously (the union cannot contact you)",
    },
    "contact": {"id": "Kontak (tidak wajib)", "en": "Contact (optional)"},
    "contact_name": {"id": "Nama", "en": "Name"},
    "contact_phone": {"id": "Nomor HP", "en": "Phone"},
    "contact_whatsapp": {"id": "WhatsApp", "en": "WhatsApp"},
    "contact_email": {"id": "Email", "en": "Email"},
    "evidence": {
        "id": "Bukti: foto atau PDF (paling banyak 3)",
        "en": "Evidence: photos or PDF (up to 3)",
    },
    "evidence_hint": {
        "id": "Maks. 5 MB per file. Lokasi GPS di foto dihapus otomatis.",
        "en": "At most 5 MB each. GPS positions in photos are removed.",
    },
    "send": {"id": "Kirim laporan", "en": "Send report"},
    "draft_saved": {
        "id": "Tidak ada sinyal. Laporanmu disimpan di HP ini dan dikirim otomatis saat sinyal"
        " kembali.",
        "en": "No signal. Your report is kept on this phone and sent when the signal returns.",
    },
    "draft_restored": {
        "id": "Laporan yang belum terkirim dimuat kembali.",
        "en": "An unsent report was restored.",
    },
    "emergency_title": {"id": "Lapor darurat", "en": "Emergency report"},
    "emergency_intro": {
        "id": "Untuk bahaya sekarang: pintu darurat dikunci, kebakaran, kecelakaan, kekerasan,"
        " anak bekerja. Langsung ditandai DARURAT untuk petugas.",
        "en": "For danger now: a locked fire exit, fire, an accident, violence, a child at work."
        " Marked as an EMERGENCY for officers at once.",
    },
    "emergency_words": {
        "id": "Apa yang terjadi? (beberapa kata)",
        "en": "What is happening? (a few words)",
    },
    "emergency_place": {"id": "Di mana?", "en": "Where?"},
    "emergency_send": {"id": "KIRIM DARURAT", "en": "SEND EMERGENCY"},
    "emergency_prefix": {"id": "DARURAT", "en": "EMERGENCY"},
    "emergency_place_label": {"id": "lokasi", "en": "place"},
    "received_title": {"id": "Laporan diterima", "en": "Report received"},
    "received_intro": {
        "id": "Simpan kode dan kata sandi ini. Hanya dengan keduanya kamu bisa melihat"
        " perkembangan laporan. Serikat tidak bisa mengirimnya ulang.",
        "en": "Keep this code and secret. Only with both can you follow your report."
        " The union cannot send them again.",
    },
    "tracking_code": {"id": "Kode laporan", "en": "Tracking code"},
    "tracking_secret": {"id": "Kata sandi laporan", "en": "Tracking secret"},
    "copy": {"id": "Salin", "en": "Copy"},
    "copied": {"id": "Tersalin", "en": "Copied"},
    "open_tracking": {"id": "Lihat perkembangan", "en": "Follow my report"},
    "evidence_saved": {"id": "File bukti tersimpan", "en": "Evidence files kept"},
    "track_title": {"id": "Cek laporan", "en": "Track a report"},
    "track_intro": {
        "id": "Masukkan kode dan kata sandi laporan yang kamu terima.",
        "en": "Enter the tracking code and secret you received.",
    },
    "open": {"id": "Buka", "en": "Open"},
    "status": {"id": "Status", "en": "Status"},
    "steps": {"id": "Perkembangan", "en": "Progress"},
    "union_said": {"id": "Tanggapan serikat", "en": "The union's answer"},
    "reply_title": {"id": "Balas serikat", "en": "Reply to the union"},
    "reply_send": {"id": "Kirim balasan", "en": "Send reply"},
    "rate_title": {"id": "Beri nilai", "en": "Rate the union's help"},
    "score": {"id": "Nilai (1 buruk - 5 sangat baik)", "en": "Score (1 bad - 5 very good)"},
    "fixed": {"id": "Apakah masalahnya selesai?", "en": "Was the problem fixed?"},
    "fixed_fixed": {"id": "Selesai", "en": "Fixed"},
    "fixed_partly": {"id": "Sebagian", "en": "Partly"},
    "fixed_not_fixed": {"id": "Belum", "en": "Not fixed"},
    "reasons": {
        "id": "Alasan (satu per baris; wajib kalau nilai 1-2)",
        "en": "Reasons (one per line; needed for a score of 1-2)",
    },
    "comment": {"id": "Komentar", "en": "Comment"},
    "rate_send": {"id": "Kirim nilai", "en": "Send rating"},
    "reopen_title": {"id": "Masalah belum selesai? Buka lagi", "en": "Not fixed? Reopen it"},
    "reopen_send": {"id": "Buka kembali", "en": "Reopen"},
    "done": {"id": "Terkirim. Terima kasih.", "en": "Sent. Thank you."},
    "wrong_code": {"id": "Kode atau kata sandi salah.", "en": "Wrong code or secret."},
    "too_many_attempts": {
        "id": "Terlalu banyak percobaan. Tunggu {minutes} menit, lalu coba lagi.",
        "en": "Too many attempts. Wait {minutes} minutes, then try again.",
    },
    "try_later": {
        "id": "Layanan sedang sibuk. Coba lagi sebentar lagi; laporanmu tidak hilang.",
        "en": "The service is busy. Try again shortly; nothing you sent is lost.",
    },
    "problem": {"id": "Ada yang perlu diperbaiki", "en": "Something needs fixing"},
    "status_submitted": {"id": "Diterima", "en": "Received"},
    "status_triaged": {"id": "Dipelajari", "en": "Being studied"},
    "status_recommended": {"id": "Ditindaklanjuti", "en": "Being followed up"},
    "status_responded": {"id": "Ditanggapi", "en": "Answered"},
    "status_resolved": {"id": "Selesai", "en": "Resolved"},
    "status_rated": {"id": "Dinilai", "en": "Rated"},
    "status_reopened": {"id": "Dibuka kembali", "en": "Reopened"},
    "status_worker_replied": {"id": "Kamu membalas", "en": "You replied"},
}


def text(key: str, language: str) -> str:
    entry = TEXTS[key]
    return entry.get(language) or entry[DEFAULT_LANGUAGE]
