"""A worker reports, sends evidence and follows the report, through the web frontend only."""

from __future__ import annotations

import io

from PIL import Image

from tests.integration.web.conftest import WebUnderTest, csrf_of, receipt_of
from tests.support import eventually


def photo_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[2] = (6.0, 10.0, 30.0)  # GPSLatitude
    gps[1] = "S"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


class TestReporting:
    """The form turns into intake's submission; what the union may not know never leaves."""

    async def test_a_report_gives_the_worker_a_code_and_secret_that_open_it(
        self, web: WebUnderTest
    ) -> None:
        sent = await web.report(contact_name="Sari", contact_phone="081234567890")
        assert sent.status_code == 201, sent.text
        code, secret = receipt_of(sent.text)
        tracked = await web.intake.get(f"/v1/track/{code}", headers={"X-Tracking-Secret": secret})
        assert tracked.status_code == 200
        assert tracked.json()["status"] == "submitted"

    async def test_an_anonymous_report_sends_no_contact_even_if_the_form_held_one(
        self, web: WebUnderTest
    ) -> None:
        sent = await web.report(anonymous="on", contact_name="Sari", contact_phone="0812345678")
        assert sent.status_code == 201
        listing = (await web.intake.get("/v1/complaints", headers=web.union("spn"))).json()
        view = (
            await web.intake.get(
                f"/v1/complaints/{listing['items'][0]['complaint_id']}", headers=web.union("spn")
            )
        ).json()
        assert view["anonymous"] is True
        assert set(view["contact"].values()) == {None}

    async def test_sending_the_same_form_twice_files_one_complaint(self, web: WebUnderTest) -> None:
        first = await web.report(idempotency_key="same-form")
        again = await web.report(idempotency_key="same-form")
        assert receipt_of(first.text) == receipt_of(again.text)
        listing = (await web.intake.get("/v1/complaints", headers=web.union("spn"))).json()
        assert listing["total"] == 1

    async def test_a_form_from_another_site_is_refused(self, web: WebUnderTest) -> None:
        """Without the CSRF token of this browser the post is refused and nothing is filed."""
        refused = await web.browser.post(
            "/report", data={"csrf": "forged", "union_id": "spn", "text": "x" * 20}
        )
        assert refused.status_code == 403
        listing = (await web.intake.get("/v1/complaints", headers=web.union("spn"))).json()
        assert listing["total"] == 0

    async def test_a_short_text_is_explained_and_the_form_keeps_what_was_typed(
        self, web: WebUnderTest
    ) -> None:
        refused = await web.report(text="tolong", workplace="PT Maju Jaya")
        assert refused.status_code == 422
        assert "text" in refused.text
        assert 'value="PT Maju Jaya"' in refused.text

    async def test_an_emergency_is_filed_as_one(self, web: WebUnderTest) -> None:
        token = await web.csrf("/emergency")
        sent = await web.browser.post(
            "/emergency",
            data={
                "csrf": token,
                "union_id": "spn",
                "idempotency_key": "sos-1",
                "words": "pintu darurat digembok",
                "place": "gedung B lantai 2",
            },
        )
        assert sent.status_code == 201, sent.text
        listing = (
            await web.intake.get("/v1/complaints?emergency=true", headers=web.union("spn"))
        ).json()
        [item] = listing["items"]
        assert "pintu darurat digembok" in item["excerpt"]


class TestEvidence:
    """Photos lose their metadata; other files are refused with a reason; nothing is too big."""

    async def test_a_photo_is_kept_without_its_gps_position(self, web: WebUnderTest) -> None:
        sent = await web.report(
            evidence=("IMG_0001.jpg", photo_with_gps(), "image/jpeg"),
            idempotency_key="photo-1",
            text="atap gudang bocor dan kabel listrik kena air",
        )
        assert sent.status_code == 201, sent.text
        conn = await web.infra_db()
        try:
            content = await conn.fetchval("SELECT content FROM web.evidence")
        finally:
            await conn.close()
        kept = Image.open(io.BytesIO(content))
        assert kept.format == "JPEG"
        assert not kept.getexif()
        assert kept.size == (64, 48)

    async def test_a_file_that_is_not_a_photo_or_pdf_is_refused_and_nothing_is_filed(
        self, web: WebUnderTest
    ) -> None:
        refused = await web.report(
            evidence=("surat.exe", b"MZ\x90\x00 program", "application/octet-stream"),
            idempotency_key="exe-1",
            text="gaji dipotong tanpa alasan jelas",
        )
        assert refused.status_code == 422
        assert "surat.exe" in refused.text
        listing = (await web.intake.get("/v1/complaints", headers=web.union("spn"))).json()
        assert listing["total"] == 0

    async def test_a_body_over_the_limit_is_refused_before_it_is_read(
        self, web: WebUnderTest
    ) -> None:
        too_big = await web.browser.post(
            "/report", content=b"x" * (17 * 1024 * 1024), headers={"content-type": "text/plain"}
        )
        assert too_big.status_code == 413


class TestTracking:
    """The worker follows the report with code and secret, replies and rates."""

    async def test_the_tracking_page_shows_the_unions_answer_and_takes_a_reply(
        self, web: WebUnderTest
    ) -> None:
        code, secret = receipt_of((await web.report()).text)
        complaint_id = (await web.intake.get("/v1/complaints", headers=web.union("spn"))).json()[
            "items"
        ][0]["complaint_id"]

        async def answered() -> bool:
            response = await web.feedback.post(
                f"/v1/complaints/{complaint_id}/responses",
                headers=web.union("spn"),
                json={
                    "officer": "Budi",
                    "message": "Sejak kapan lemburnya? Ada slip gaji?",
                    "waiting_on_worker": True,
                },
            )
            return response.status_code == 201

        await eventually(answered)
        opened = await web.browser.post(
            "/track", data={"csrf": await web.csrf("/track"), "code": code, "secret": secret}
        )
        assert opened.status_code == 303
        assert "secret" not in opened.headers["location"]

        async def shows_answer() -> str | None:
            page = await web.browser.get("/track")
            return page.text if "Ada slip gaji?" in page.text else None

        page = await eventually(shows_answer)
        replied = await web.browser.post(
            "/track/reply", data={"csrf": csrf_of(page), "message": "sejak Maret, slip ada"}
        )
        assert replied.status_code == 303, replied.text
        sla = await web.feedback.get(f"/v1/complaints/{complaint_id}/sla", headers=web.union("spn"))
        assert sla.json()["waiting_on_worker"] is False

    async def test_a_wrong_secret_opens_nothing(self, web: WebUnderTest) -> None:
        code, _ = receipt_of((await web.report()).text)
        await web.browser.post(
            "/track", data={"csrf": await web.csrf("/track"), "code": code, "secret": "tebakan"}
        )
        page = await web.browser.get("/track")
        assert page.status_code == 404
        assert code not in page.text

    async def test_after_many_wrong_secrets_the_worker_is_told_to_wait(
        self, web: WebUnderTest
    ) -> None:
        code, secret = receipt_of((await web.report()).text)
        for n in range(5):
            await web.browser.post(
                "/track",
                data={"csrf": await web.csrf("/track"), "code": code, "secret": f"tebakan{n}"},
            )
            assert (await web.browser.get("/track")).status_code == 404
        await web.browser.post(
            "/track", data={"csrf": await web.csrf("/track"), "code": code, "secret": secret}
        )
        page = await web.browser.get("/track")
        assert page.status_code == 429
        assert "Terlalu banyak percobaan. Tunggu 15 menit" in page.text

    async def test_pages_with_a_complaint_are_never_cached(self, web: WebUnderTest) -> None:
        sent = await web.report()
        assert sent.headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in sent.headers["content-security-policy"]
