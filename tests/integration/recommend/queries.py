"""Informal complaints, one per category of the starter cases they should find, for the case
search tests."""

from __future__ import annotations

from schemas.vocabulary import Category

QUERIES = [
    ("THR BHL gak dibayar, cuma dikasih sembako", Category.THR_HOLIDAY_ALLOWANCE),
    ("anak2 ikut mungut brondol di blok", Category.CHILD_LABOUR),
    ("ijazah sy ditahan, mau resign disuruh bayar denda", Category.FORCED_LABOUR_INDICATORS),
    ("lembur sampe malem tp finger udh scan out", Category.OVERTIME),
]
