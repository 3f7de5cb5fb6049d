"""Officers log in, work their union's queue and nothing else; every action is audited."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.integration.web.conftest import Unreachable, WebUnderTest, csrf_of, receipt_of
from tests.integration.web.test_worker_pages import photo_with_gps
from tests.support import eventually


async def a_complaint(web: WebUnderTest, union_id: str = "spn", key: str = "c-1") -> str:
    sent = await web.report(union_id=union_id, idempotency_key=key)
    assert sent.status_code == 201, sent.text
    listing = (await web.intake.get("/v1/complaints", headers=web.union(union_id))).json()
    return str(listing["items"][0]["complaint_id"])


async def audit_actions(web: WebUnderTest) -> list[str]:
    conn = await web.infra_db()
    try:
        rows = await conn.fetch("SELECT action FROM web.audit_log ORDER BY entry_id")
    finally:
        await conn.close()
    return [r["action"] for r in rows]


class TestLogin:
    """Passwords are checked against argon2 hashes, failures are throttled and audited."""

    async def test_a_login_opens_a_session_cookie_the_page_cannot_read(
        self, web: WebUnderTest
    ) -> None:
        answer = await web.log_in("spn-officer")
        assert answer.status_code == 303
        cookie = answer.headers["set-cookie"]
        assert "aduan_session=" in cookie
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie
        assert (await web.browser.get("/officer")).status_code == 200

    async def test_a_wrong_password_is_refused_and_audited(self, web: WebUnderTest) -> None:
        answer = await web.log_in("spn-officer", "salah-sandinya-x")
        assert answer.status_code == 401
        assert "wrong username or password" in answer.text
        assert "login_failed" in await audit_actions(web)

    async def test_after_repeated_failures_even_the_right_password_waits(
        self, web: WebUnderTest
    ) -> None:
        for _ in range(web.settings.login_max_failures):
            await web.log_in("spn-officer", "tebak-tebak-sandi")
        answer = await web.log_in("spn-officer")
        assert answer.status_code == 401
        assert "too many failed logins" in answer.text

    async def test_pages_need_a_session(self, web: WebUnderTest) -> None:
        answer = await web.browser.get("/officer")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/officer/login"

    async def test_logging_out_ends_the_session_on_the_server(self, web: WebUnderTest) -> None:
        await web.log_in("spn-officer")
        page = await web.browser.get("/officer")
        cookie = web.browser.cookies.get("aduan_session")
        await web.browser.post("/officer/logout", data={"csrf": csrf_of(page.text)})
        web.browser.cookies.set("aduan_session", cookie or "")
        assert (await web.browser.get("/officer")).status_code == 303


class TestQueueAndComplaint:
    """The union's complaints only, its actions through feedback, each one audited."""

    async def test_the_queue_lists_the_unions_complaints_and_not_anothers(
        self, web: WebUnderTest
    ) -> None:
        await a_complaint(web, "spn", "mine")
        await a_complaint(web, "garteks", "theirs")
        await web.log_in("spn-officer")
        page = await web.browser.get("/officer")
        assert page.status_code == 200
        assert len(re.findall(r'href="/officer/complaints/', page.text)) == 1

    async def test_another_unions_complaint_is_not_found(self, web: WebUnderTest) -> None:
        theirs = await a_complaint(web, "garteks", "theirs")
        await web.log_in("spn-officer")
        assert (await web.browser.get(f"/officer/complaints/{theirs}")).status_code == 404

    async def test_another_unions_officer_cannot_act_on_it(self, web: WebUnderTest) -> None:
        mine = await a_complaint(web, "spn", "mine")
        await web.log_in("garteks-officer")
        page = await web.browser.get("/officer")
        answer = await web.browser.post(
            f"/officer/complaints/{mine}/respond",
            data={"csrf": csrf_of(page.text), "message": "bukan urusan kami"},
        )
        assert "refused" in answer.headers["location"]
        view = (await web.intake.get(f"/v1/complaints/{mine}", headers=web.union("spn"))).json()
        assert [e["kind"] for e in view["timeline"]] == ["submitted"]
        assert "responses" not in await audit_actions(web)

    async def test_an_officer_responds_waiting_on_the_worker(self, web: WebUnderTest) -> None:
        complaint_id = await a_complaint(web)
        await web.log_in("spn-officer")

        async def page_with_clocks() -> str | None:
            page = await web.browser.get(f"/officer/complaints/{complaint_id}")
            return page.text if "<h2>SLA clocks</h2>" in page.text else None

        page = await eventually(page_with_clocks)
        answer = await web.browser.post(
            f"/officer/complaints/{complaint_id}/respond",
            data={
                "csrf": csrf_of(page),
                "message": "Boleh kirim foto slip gaji?",
                "waiting_on_worker": "on",
            },
        )
        assert answer.status_code == 303
        assert answer.headers["location"].endswith("note=saved")
        sla = await web.feedback.get(f"/v1/complaints/{complaint_id}/sla", headers=web.union("spn"))
        assert sla.json()["waiting_on_worker"] is True
        assert "responses" in await audit_actions(web)

    async def test_an_action_without_the_sessions_token_is_refused(self, web: WebUnderTest) -> None:
        complaint_id = await a_complaint(web)
        await web.log_in("spn-officer")
        answer = await web.browser.post(
            f"/officer/complaints/{complaint_id}/respond",
            data={"csrf": "from-another-site", "message": "halo"},
        )
        assert answer.status_code == 403

    async def test_evidence_opens_for_the_owning_union_only(self, web: WebUnderTest) -> None:
        sent = await web.report(
            evidence=("kabel.jpg", photo_with_gps(), "image/jpeg"),
            idempotency_key="ev-1",
            text="kabel listrik terkelupas di lantai produksi",
        )
        receipt_of(sent.text)
        listing = (await web.intake.get("/v1/complaints", headers=web.union("spn"))).json()
        complaint_id = listing["items"][0]["complaint_id"]
        await web.log_in("spn-officer")

        page = await web.browser.get(f"/officer/complaints/{complaint_id}")
        [link] = re.findall(r'href="(/officer/evidence/[^"]+)"', page.text)
        opened = await web.browser.get(link)
        assert opened.status_code == 200
        assert opened.headers["content-type"] == "image/jpeg"
        assert "evidence_viewed" in await audit_actions(web)
        web.browser.cookies.clear()
        await web.log_in("garteks-officer")
        assert (await web.browser.get(link)).status_code == 404


class TestClocksUnavailable:
    """Feedback keeps the SLA clocks, intake the complaints: an officer reads the complaints
    while feedback is down or has not yet learned a new union's key."""

    async def test_the_complaint_shows_without_its_clocks_and_says_why(
        self, web: WebUnderTest
    ) -> None:
        complaint_id = await a_complaint(web)
        await web.log_in("spn-officer")
        web.routes.apps["feedback.test"] = Unreachable()
        page = await web.browser.get(f"/officer/complaints/{complaint_id}")
        assert page.status_code == 200
        assert "lembur tiap hari sampai jam 10 malam" in page.text
        assert "SLA clocks are unavailable: the clock service did not answer." in page.text
        assert "<h2>SLA clocks</h2>" not in page.text

    async def test_the_queue_lists_complaints_without_deadlines_and_says_why(
        self, web: WebUnderTest
    ) -> None:
        await a_complaint(web)
        await web.log_in("spn-officer")
        web.routes.apps["feedback.test"] = Unreachable()
        page = await web.browser.get("/officer")
        assert page.status_code == 200
        assert len(re.findall(r'href="/officer/complaints/', page.text)) == 1
        assert 'id="clocks-missing"' in page.text

    async def test_a_refusal_is_shown_with_feedbacks_reason(self, web: WebUnderTest) -> None:
        """As feedback answers a key it has not read from the broker yet."""
        complaint_id = await a_complaint(web)
        await web.log_in("spn-officer")
        web.routes.apps["feedback.test"] = httpx.MockTransport(
            lambda _: httpx.Response(401, json={"detail": "unknown or revoked API key"})
        )
        page = await web.browser.get(f"/officer/complaints/{complaint_id}")
        assert page.status_code == 200
        assert "the clock service refused (unknown or revoked API key)" in page.text


class TestRoles:
    """Federation viewers read the federation's figures and no complaint; admins add accounts."""

    async def test_a_federation_viewer_reads_figures_not_complaints(
        self, web: WebUnderTest
    ) -> None:
        complaint_id = await a_complaint(web)
        await web.log_in("spn-federation_viewer")
        assert (await web.browser.get("/officer")).headers["location"] == "/officer/federation"
        page = await web.browser.get("/officer/federation")
        assert page.status_code == 200
        assert "KSBSI" in page.text
        assert (await web.browser.get(f"/officer/complaints/{complaint_id}")).status_code == 403

    @pytest.mark.parametrize("role", ["officer", "federation_viewer"])
    async def test_only_admins_manage_accounts(self, web: WebUnderTest, role: str) -> None:
        await web.log_in(f"spn-{role}")
        assert (await web.browser.get("/officer/admin")).status_code == 403

    async def test_an_admin_adds_an_officer_who_can_then_log_in(self, web: WebUnderTest) -> None:
        await web.log_in("spn-admin")
        page = await web.browser.get("/officer/admin")
        answer = await web.browser.post(
            "/officer/admin/officers",
            data={
                "csrf": csrf_of(page.text),
                "username": "dewi",
                "display_name": "Dewi",
                "role": "officer",
                "password": "sandi-baru-dewi-123",
            },
        )
        assert answer.headers["location"].endswith("note=saved")
        web.browser.cookies.clear()
        assert (await web.log_in("dewi", "sandi-baru-dewi-123")).status_code == 303
        assert "officer_added" in await audit_actions(web)
