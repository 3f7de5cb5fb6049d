"""Masking of personal data in complaint text before it leaves intake.

Phone numbers, e-mail addresses and 16-digit NIK (national identity numbers) are replaced by
placeholders. Money amounts ("Rp 2.500.000", "3,1jt") and short numbers must survive: triage
reads them.
"""

from __future__ import annotations

import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A NIK is 16 digits, often written in groups; it is masked before phones so that its digits
# are not mistaken for a phone number.
NIK = re.compile(r"(?<!\d)(?:\d[ .-]?){15}\d(?!\d)")
# Indonesian mobiles: +62 / 62 / 0 then 8, 8-12 more digits, with optional separators.
PHONE = re.compile(r"(?<![\w])(?:\+?62|0)[ .-]?8(?:[ .-]?\d){7,11}(?!\d)")

EMAIL_MASK = "[email]"
NIK_MASK = "[NIK]"
PHONE_MASK = "[telepon]"


def mask_personal_data(text: str) -> str:
    text = EMAIL.sub(EMAIL_MASK, text)
    text = NIK.sub(NIK_MASK, text)
    return PHONE.sub(PHONE_MASK, text)
