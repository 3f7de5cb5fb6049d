"""Checking a worker's evidence files: what they are, how big, and nothing that gives them away.

Photos are decoded and written again from their pixels only, so EXIF (GPS position, phone model,
the time taken), XMP and comments are gone; the type is read from the content, never trusted
from the file name or the browser. PDFs are kept as they are (only their signature is checked).
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

# A phone photo is 12-50 megapixels; a "photo" of more is a decompression bomb.
Image.MAX_IMAGE_PIXELS = 60_000_000
IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
PDF_SIGNATURE = b"%PDF-"
ACCEPTED = "JPEG, PNG, WebP, PDF"


class EvidenceRefused(ValueError):
    """A file that cannot be kept, with the reason the worker sees."""


@dataclass(frozen=True)
class CleanFile:
    filename: str
    media_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def safe_filename(name: str) -> str:
    """The file's own name without folders or odd characters (it is shown to officers)."""
    base = re.split(r"[\\/]", name or "")[-1]
    cleaned = re.sub(r"[^\w.\- ]+", "_", base).strip(" .")
    return cleaned[:100] or "bukti"


def clean(filename: str, content: bytes, max_bytes: int) -> CleanFile:
    if not content:
        raise EvidenceRefused(f"{safe_filename(filename)}: the file is empty")
    if len(content) > max_bytes:
        raise EvidenceRefused(
            f"{safe_filename(filename)}: larger than {max_bytes // (1024 * 1024)} MB"
        )
    if content.startswith(PDF_SIGNATURE):
        return CleanFile(safe_filename(filename), "application/pdf", content)
    return _clean_image(safe_filename(filename), content)


def _clean_image(filename: str, content: bytes) -> CleanFile:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content))
            kind = image.format or ""
            if kind not in IMAGE_FORMATS:
                raise EvidenceRefused(f"{filename}: not a photo or PDF ({ACCEPTED})")
            # The photo as the phone showed it (EXIF rotation applied), then only its pixels.
            pixels = ImageOps.exif_transpose(image)
            pixels.load()
            # What the encoders would copy across on their own (EXIF, XMP, comments, ICC).
            pixels.info = {}
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise EvidenceRefused(f"{filename}: not a readable photo or PDF ({ACCEPTED})") from exc
    if kind == "JPEG" and pixels.mode not in ("RGB", "L"):
        pixels = pixels.convert("RGB")
    out = io.BytesIO()
    pixels.save(out, format=kind, **({"quality": 90} if kind in ("JPEG", "WEBP") else {}))
    return CleanFile(filename, IMAGE_FORMATS[kind], out.getvalue())
