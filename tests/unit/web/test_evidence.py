"""Evidence files: the type comes from the content, photos lose their metadata."""

from __future__ import annotations

import io

import pytest
from PIL import Image, PngImagePlugin

from services.web.evidence import EvidenceRefused, clean, safe_filename

LIMIT = 1024 * 1024


def jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (40, 30), (10, 120, 200))
    exif = Image.Exif()
    exif[0x0110] = "Phone X"  # Model
    exif[0x0112] = 6  # Orientation: the phone was held upright
    exif.get_ifd(0x8825)[2] = (6.0, 10.0, 30.0)  # GPSLatitude
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


class TestPhotos:
    """A photo is re-encoded from its pixels: no EXIF, no GPS, no text chunks."""

    def test_gps_and_camera_are_removed_and_the_rotation_applied(self) -> None:
        cleaned = clean("IMG_1.jpg", jpeg_with_exif(), LIMIT)
        kept = Image.open(io.BytesIO(cleaned.content))
        assert cleaned.media_type == "image/jpeg"
        assert not kept.getexif()
        assert kept.size == (30, 40)  # rotated as the phone showed it

    def test_text_chunks_of_a_png_are_dropped(self) -> None:
        info = PngImagePlugin.PngInfo()
        info.add_text("Location", "-6.2, 106.8")
        out = io.BytesIO()
        Image.new("RGB", (8, 8)).save(out, format="PNG", pnginfo=info)
        cleaned = clean("layar.png", out.getvalue(), LIMIT)
        assert b"106.8" not in cleaned.content
        assert cleaned.media_type == "image/png"

    def test_the_type_is_read_from_the_content_not_the_name(self) -> None:
        out = io.BytesIO()
        Image.new("RGB", (8, 8)).save(out, format="PNG")
        assert clean("foto.jpg", out.getvalue(), LIMIT).media_type == "image/png"


class TestRefusals:
    """Anything else is refused with the file's name and the reason."""

    def test_a_pdf_is_kept_as_it_is(self) -> None:
        pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF"
        cleaned = clean("slip.pdf", pdf, LIMIT)
        assert (cleaned.media_type, cleaned.content) == ("application/pdf", pdf)

    @pytest.mark.parametrize(
        ("content", "reason"),
        [
            (b"", "empty"),
            (b"MZ\x90\x00program", "not a readable photo or PDF"),
            (b"GIF89a" + b"\x00" * 40, "not a"),
        ],
    )
    def test_other_content_is_refused(self, content: bytes, reason: str) -> None:
        with pytest.raises(EvidenceRefused, match=reason):
            clean("berkas.bin", content, LIMIT)

    def test_a_file_over_the_limit_is_refused(self) -> None:
        with pytest.raises(EvidenceRefused, match="larger than 1 MB"):
            clean("besar.pdf", b"%PDF-" + b"0" * LIMIT, LIMIT)

    def test_a_decompression_bomb_is_refused(self) -> None:
        out = io.BytesIO()
        Image.new("1", (12_000, 12_000)).save(out, format="PNG")
        with pytest.raises(EvidenceRefused, match="not a readable photo"):
            clean("bom.png", out.getvalue(), LIMIT)

    @pytest.mark.parametrize(
        ("name", "safe"),
        [
            ("../../etc/passwd", "passwd"),
            ("C:\\Users\\sari\\slip gaji.pdf", "slip gaji.pdf"),
            ('a"<b>.jpg', "a_b_.jpg"),
            ("", "bukti"),
        ],
    )
    def test_file_names_lose_folders_and_odd_characters(self, name: str, safe: str) -> None:
        assert safe_filename(name) == safe
