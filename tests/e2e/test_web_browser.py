"""The union's web app in a real browser: a worker's report from a phone to an officer's desk.

Debian's Chromium, driven by Playwright (no browser download), against the whole stack run as
processes. Every page visited is checked with axe-core (from npm, tests/browser). Screenshots go
to $ADUAN_SCREENSHOTS when set (`docs/screenshots` refreshes the README's pictures).
"""

from __future__ import annotations

import io
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
from playwright.async_api import (
    Browser,
    FilePayload,
    Locator,
    Page,
    async_playwright,
    expect,
)

from services.web.cli import add_officer
from tests.e2e.conftest import Stack, running_stack
from tests.support import Infra

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[1] / "browser" / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "sandi-petugas-uji-1"


@dataclass(frozen=True)
class Device:
    width: int
    height: int
    mobile: bool = False

    async def open(self, browser: Browser) -> Page:
        context = await browser.new_context(
            viewport={"width": self.width, "height": self.height},
            is_mobile=self.mobile,
            has_touch=self.mobile,
            # Our pages allow no inline script (CSP); axe-core is injected by the test only.
            bypass_csp=True,
        )
        return await context.new_page()


PHONE = Device(360, 740, mobile=True)
DESKTOP = Device(1280, 860)
# Chromium's own calls home are refused on a closed network, many at a time: switch them off.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Triage, recommendation and the timeline arrive through the broker; pages are reloaded until.
PIPELINE_TIMEOUT_MS = 90_000

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"),
    reason="Debian's chromium is not installed (CI installs it: apt-get install chromium)",
)


@pytest.fixture()
async def stack(
    kafka_bootstrap: str, database_url: str, topic_prefix: str, model_dir: Path, tmp_path: Path
) -> AsyncIterator[Stack]:
    infra = Infra(kafka_bootstrap, database_url, topic_prefix)
    async with running_stack(
        infra, model_dir, tmp_path, "browser-tracking-key", with_web=True
    ) as running:
        for union_id in running.keys:
            await add_officer(
                database_url,
                union_id=union_id,
                username=f"{union_id}-admin",
                password=PASSWORD,
                role="admin",
                display_name=f"Petugas {union_id.upper()}",
                federation=union_id.upper(),
            )
        yield running


@pytest.fixture()
async def browser() -> AsyncIterator[Browser]:
    assert AXE.exists(), "run `npm ci --prefix tests/browser` (axe-core) first"
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield launched
        await launched.close()


def screenshots() -> Path | None:
    folder = os.environ.get("ADUAN_SCREENSHOTS")
    return Path(folder) if folder else None


async def look(page: Page, name: str, *, keep: bool = False) -> None:
    """Under 100 KB with its stylesheet and script, no serious or critical accessibility
    violation; a screenshot if asked."""
    weight = await page.evaluate(
        "[...performance.getEntriesByType('navigation'), ...performance.getEntriesByType("
        "'resource')].reduce((sum, entry) => sum + entry.encodedBodySize, 0)"
    )
    assert 0 < weight < 100_000, f"{name} weighs {weight} bytes"
    await page.add_script_tag(path=str(AXE))
    violations = await page.evaluate(
        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => `${v.id} (${v.impact}): ${v.nodes.map(n => n.target.join(' ')).join(', ')}`))"
    )
    assert violations == [], f"{name}: {violations}"
    folder = screenshots()
    if keep and folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        # A phone's page whole, as the worker scrolls it; a desk's first screen, as seen.
        phone = (page.viewport_size or {"width": 0})["width"] < DESKTOP.width
        await page.screenshot(path=str(folder / f"{name}.png"), full_page=phone)


async def reload_until(page: Page, ready: Callable[[], Awaitable[bool]]) -> None:
    """Reload the page until `ready` (the services are working in the background)."""
    deadline = PIPELINE_TIMEOUT_MS / 1000
    waited = 0.0
    while not await ready():
        assert waited < deadline, f"{page.url} never became ready"
        await page.wait_for_timeout(1000)
        waited += 1
        await page.reload()


def photo() -> bytes:
    image = Image.new("RGB", (320, 240), (180, 40, 40))
    exif = Image.Exif()
    exif.get_ifd(0x8825)[2] = (6.0, 10.0, 30.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


async def officer(browser: Browser, stack: Stack, union_id: str, device: Device) -> Page:
    page = await device.open(browser)
    await page.goto(f"{stack.urls['web']}/officer/login")
    await look(page, "officer-login")
    await page.fill("#username", f"{union_id}-admin")
    await page.fill("#password", PASSWORD)
    await page.click("button:has-text('Log in')")
    await expect(page.locator("h1")).to_contain_text(f"Queue of {union_id}")
    return page


async def report(worker: Page, stack: Stack, text: str, *, keep: bool) -> tuple[str, str]:
    await worker.goto(f"{stack.urls['web']}/")
    await look(worker, "worker-report", keep=keep)
    await worker.select_option("#union_id", "spn")
    await worker.fill("#text", text)
    await worker.select_option("#sector", "garment")
    await worker.fill("#workplace", "PT Sandang Makmur, Cikarang")
    await worker.fill("#contact_name", "Sari")
    await worker.fill("#contact_phone", "081234567890")
    evidence: FilePayload = {"name": "tangga.jpg", "mimeType": "image/jpeg", "buffer": photo()}
    await worker.set_input_files("#evidence", files=[evidence])
    await worker.click("button:has-text('Kirim laporan')")
    await expect(worker.locator("h1")).to_have_text("Laporan diterima")
    await look(worker, "worker-receipt", keep=keep)
    return await worker.inner_text("#code"), await worker.inner_text("#secret")


class TestTheWholeStory:
    """Report with a photo → queue → respond → reply → resolve → rate; emergency; isolation."""

    @pytest.mark.parametrize(
        ("worker_device", "officer_device", "keep"),
        [(PHONE, DESKTOP, True), (DESKTOP, PHONE, False)],
        ids=["worker-on-phone", "officer-on-phone"],
    )
    async def test_a_report_travels_from_the_worker_to_the_officer_and_back(
        self,
        stack: Stack,
        browser: Browser,
        worker_device: Device,
        officer_device: Device,
        keep: bool,
    ) -> None:
        worker = await worker_device.open(browser)
        code, _ = await report(
            worker,
            stack,
            "Pintu darurat di lantai 2 digembok terus sama security, kalau kebakaran kami"
            " 400 orang tidak bisa keluar. Lembur juga tidak dibayar.",
            keep=keep,
        )

        desk = await officer(browser, stack, "spn", officer_device)
        row = desk.locator("tr", has=desk.locator(f"a:text('{code}')"))
        await reload_until(desk, lambda: _triaged(row))
        await look(desk, "officer-queue", keep=keep)
        await row.locator("a").click()
        await reload_until(desk, lambda: _visible(desk, "#actions li"))
        await expect(desk.locator("#category")).not_to_contain_text("not yet triaged")
        await expect(desk.locator("#complaint-text mark").first).to_be_visible()
        await expect(desk.locator("a[href^='/officer/evidence/']")).to_have_count(1)
        await look(desk, "officer-complaint", keep=keep)
        await desk.fill("#message", "Kami cek ke pabrik besok. Di gedung mana persisnya?")
        await desk.check("input[name=waiting_on_worker]")
        await desk.click("button:has-text('Send response')")
        await expect(desk.locator(".note")).to_have_text("saved")

        await worker.click("button:has-text('Lihat perkembangan')")
        await reload_until(worker, lambda: _visible(worker, "blockquote"))
        await expect(worker.locator("blockquote")).to_contain_text("Di gedung mana persisnya?")
        await look(worker, "worker-tracking", keep=keep)
        await worker.fill("#message", "Gedung B, tangga sebelah kantin.")
        await worker.click("button:has-text('Kirim balasan')")
        await expect(worker.locator(".note")).to_contain_text("Terkirim")

        await desk.reload()
        await desk.select_option("#outcome", "resolved")
        await desk.fill("#resolution_note", "Gembok dilepas, disnaker sudah inspeksi.")
        await desk.click("button:has-text('Resolve')")
        await expect(desk.locator(".note")).to_have_text("saved")

        await reload_until(worker, lambda: _visible(worker, "form[action='/track/rating']"))
        await worker.check("input[name=score][value='5']")
        await worker.check("input[name=fixed][value='fixed']")
        await worker.click("button:has-text('Kirim nilai')")
        await expect(worker.locator(".note")).to_contain_text("Terkirim")

        await reload_until(desk, lambda: _visible(desk, "#rating"))
        await expect(desk.locator("#rating")).to_contain_text("Score 5/5")

    async def test_an_emergency_goes_to_the_top_of_the_queue_and_stays_in_its_union(
        self, stack: Stack, browser: Browser
    ) -> None:
        worker = await PHONE.open(browser)
        await report(worker, stack, "Gaji bulan ini dipotong tanpa penjelasan.", keep=False)
        await worker.goto(f"{stack.urls['web']}/emergency")
        await look(worker, "worker-emergency", keep=True)
        await worker.select_option("#union_id", "spn")
        await worker.fill("#words", "asap tebal di gudang, pintu darurat terkunci")
        await worker.fill("#place", "gudang bahan, PT Sandang Makmur")
        await worker.click("button:has-text('KIRIM DARURAT')")
        await expect(worker.locator("h1")).to_have_text("Laporan diterima")
        code = await worker.inner_text("#code")

        desk = await officer(browser, stack, "spn", DESKTOP)
        first = desk.locator("table.queue tbody tr").first
        await reload_until(desk, lambda: _has_text(first, code))
        await expect(first.locator(".badge.P1").first).to_be_visible()
        await expect(first).to_contain_text("emergency")
        link = await first.locator("a").get_attribute("href")

        await desk.goto(f"{stack.urls['web']}/officer/admin")
        await expect(desk.locator("h1")).to_contain_text("Accounts of spn")
        await look(desk, "officer-admin")
        await desk.goto(f"{stack.urls['web']}/officer/federation")
        await expect(desk.locator("h1")).to_contain_text("Federation SPN")
        await look(desk, "officer-federation")
        await worker.goto(f"{stack.urls['web']}/track")
        await look(worker, "worker-track-form")
        await worker.goto(f"{stack.urls['web']}/?lang=en")
        await expect(worker.locator("h1")).to_have_text("Report a problem at work")
        await look(worker, "worker-report-english")

        other = await officer(browser, stack, "japbusi", DESKTOP)
        await expect(other.locator("table.queue")).not_to_contain_text(code)
        answer = await other.goto(f"{stack.urls['web']}{link}")
        assert answer is not None and answer.status == 404
        await look(other, "officer-not-found")


class TestWeakConnection:
    """A report written without a signal is kept on the phone and sent when it returns."""

    async def test_a_report_sent_offline_goes_out_when_the_phone_is_back_online(
        self, stack: Stack, browser: Browser
    ) -> None:
        worker = await PHONE.open(browser)
        await worker.goto(f"{stack.urls['web']}/")
        await worker.select_option("#union_id", "spn")
        await worker.fill("#text", "Upah lembur hari Minggu belum dibayar dua bulan.")
        await worker.context.set_offline(True)
        await worker.click("button:has-text('Kirim laporan')")
        await expect(worker.locator("#draft-note")).to_contain_text("Tidak ada sinyal")
        await worker.context.set_offline(False)
        await expect(worker.locator("h1")).to_have_text("Laporan diterima", timeout=30_000)
        assert await worker.evaluate("localStorage.getItem('aduan-draft-report')") is None


async def _triaged(row: Locator) -> bool:
    return await row.count() == 1 and "not yet triaged" not in await row.inner_text()


async def _visible(page: Page, selector: str) -> bool:
    return await page.locator(selector).count() > 0


async def _has_text(locator: Locator, text: str) -> bool:
    return await locator.count() > 0 and text in await locator.inner_text()
