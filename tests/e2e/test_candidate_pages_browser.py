"""The candidate's pages in a real browser (Playwright driving Debian's Chromium), from the links
in real emails in the outbox of a local runtime of this module's own: reschedule, cancel, past
the cutoff and past the limit. A screenshot of every page is written to the test's folder."""

from __future__ import annotations

import email
import email.policy
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Response, ViewportSize, sync_playwright

from local_runtime.demo.http_client import ApiClient
from local_runtime.launcher import RuntimeProcess
from tests.support.candidate_pages import links_of
from tests.support.pipeline import calendar_of
from tests.support.slots import slot_body
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ZONE = ZoneInfo("America/New_York")  # not UTC, so the page shows two different times
PHONE: ViewportSize = {"width": 390, "height": 844}


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = chromium()
    if executable is None:
        pytest.skip(
            "no Chromium on this machine: apt-get install chromium (as root) to run the browser tests"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def pages_runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RuntimeProcess]:
    process = RuntimeProcess(tmp_path_factory.mktemp("pages-runtime"))
    process.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="module")
def recruiter(pages_runtime: RuntimeProcess) -> ApiClient:
    return ApiClient(pages_runtime.info.api_url, pages_runtime.info.dev_token)


@dataclass
class Candidate:
    """A page in the browser for one candidate, screenshotting each step into the test's folder."""

    page: Page
    folder: Path
    problems: list[str]
    shots: int = 0

    def open(self, url: str) -> Response:
        response = self.page.goto(url)
        assert response is not None
        return response

    def shot(self, name: str) -> None:
        self.shots += 1
        self.page.screenshot(path=self.folder / f"{self.shots:02d}-{name}.png", full_page=True)

    def text(self) -> str:
        return self.page.inner_text("main")


@pytest.fixture
def candidate(browser: Browser, tmp_path: Path) -> Iterator[Candidate]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        # A refused inline style or any other policy violation shows up here (a 410 does too, and is fine).
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            problems.append(message.text)

    page.on("console", on_console)
    yield Candidate(page, tmp_path, problems)
    context.close()
    assert problems == [], "the browser refused part of the candidate's pages"
    assert sorted(p.name for p in tmp_path.glob("*.png")), "no screenshots were written"


@dataclass
class Booking:
    job_id: str
    interview_id: str
    address: str
    slot_id: str
    others: list[str]  # open slots of the same job and kind, soonest first
    starts: dict[str, datetime]  # each slot's start, in UTC


def expect(response: Any, status: int) -> Any:
    assert response.status == status, f"HTTP {response.status}: {response.text()}"
    return response.json()


def book(
    recruiter: ApiClient, name: str, *, starts_in: timedelta = timedelta(days=1), **rules: Any
) -> Booking:
    body: dict[str, Any] = {"job_title": "Platform Engineer", "company_name": "Example Labs"}
    if rules:
        body["candidate_self_service"] = rules
    job_id = expect(recruiter.post("/jobs", body), 201)["job_id"]
    address = f"{name}@example.com"
    candidate_id = expect(
        recruiter.post(f"/jobs/{job_id}/candidates", {"full_name": name.title(), "email": address}), 201
    )["candidate_id"]
    now = datetime.now(UTC).astimezone(ZONE)
    starts = {}
    slot_ids = []
    for offset, kind in [
        (starts_in, "technical"),
        (timedelta(days=2), "technical"),
        (timedelta(days=3), "technical"),
        (timedelta(days=2, hours=2), "coding"),  # another kind: never offered
    ]:
        slot = slot_body(now + offset, timedelta(minutes=45), ai_interview_type=kind)
        created = expect(recruiter.post(f"/jobs/{job_id}/slots", slot), 201)
        if kind == "technical":
            slot_ids.append(created["slot_id"])
            starts[created["slot_id"]] = datetime.fromisoformat(created["starts_at"]).astimezone(UTC)
    booking = {"candidate_id": candidate_id, "slot_id": slot_ids[0]}
    interview_id = expect(recruiter.post(f"/jobs/{job_id}/interviews", booking), 201)["interview_id"]
    return Booking(job_id, interview_id, address, slot_ids[0], slot_ids[1:], starts)


def mail_to(runtime: RuntimeProcess, address: str) -> list[EmailMessage]:
    outbox = Path(runtime.info.outbox_dir)
    paths = sorted(outbox.glob("*.eml")) if outbox.exists() else []
    messages = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in paths]
    return [m for m in messages if isinstance(m, EmailMessage) and address in str(m["To"])]


def nth_mail(runtime: RuntimeProcess, address: str, count: int) -> EmailMessage:
    """The count-th email to `address`, once it is in the outbox (the .eml the runtime wrote)."""
    return eventually(lambda: mail_to(runtime, address)[count - 1 : count], f"email {count} to {address}")[0]


def dtstart(message: EmailMessage) -> datetime:
    return datetime.strptime(calendar_of(message)["DTSTART"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def interview(recruiter: ApiClient, booking: Booking) -> Any:
    return expect(recruiter.get(f"/jobs/{booking.job_id}/interviews/{booking.interview_id}"), 200)


def test_a_candidate_reschedules_from_the_invitation_and_the_old_link_dies(
    pages_runtime, recruiter, candidate
):
    booking = book(recruiter, "grace.hopper", cutoff_minutes=60)
    invitation = nth_mail(pages_runtime, booking.address, 1)
    links = links_of(invitation)
    target = booking.others[1]

    answer = candidate.open(links["reschedule"])
    candidate.shot("reschedule-choose")
    assert answer.status == 200
    headers = answer.headers
    assert headers["cache-control"] == "no-store" and headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY" and "default-src 'none'" in headers["content-security-policy"]
    page_text = candidate.text()
    assert "Choose a new time" in page_text and "(America/New_York)" in page_text and "UTC" in page_text
    offered = candidate.page.locator("input[name=slot_id]").evaluate_all("inputs => inputs.map(i => i.value)")
    assert offered == booking.others  # the same kind only, soonest first, not the current one
    # The stylesheet is applied (the policy allows it by its hash): buttons are styled, not grey.
    assert candidate.page.locator("button").evaluate("b => getComputedStyle(b).backgroundColor") != (
        "rgb(239, 239, 239)"
    )

    candidate.page.check(f"input[value='{target}']")
    candidate.page.click("text=Continue")
    candidate.shot("reschedule-confirm")
    assert "Confirm the new time" in candidate.text()
    candidate.page.click("text=Move my interview")
    candidate.shot("reschedule-done")
    assert "Your interview is moved" in candidate.text()

    moved = nth_mail(pages_runtime, booking.address, 2)
    assert moved["Subject"].startswith("Interview rescheduled")
    assert (
        calendar_of(moved)["SEQUENCE"] == "1" and calendar_of(moved)["UID"] == calendar_of(invitation)["UID"]
    )
    assert dtstart(moved) == booking.starts[target]
    assert interview(recruiter, booking)["slot_id"] == target

    for old in links.values():
        stale = candidate.open(old)
        assert stale.status == 410
        assert "This interview has changed" in candidate.text() and "Scheduled" in candidate.text()
    candidate.shot("old-link-dead")
    # Back on the old confirmation, a second submit changes nothing either.
    candidate.open(f"{links['reschedule']}/reschedule?slot_id={booking.others[0]}")
    candidate.shot("old-confirmation-dead")
    assert "This interview has changed" in candidate.text()
    assert interview(recruiter, booking)["revision"] == 1
    assert links_of(moved)["reschedule"] != links["reschedule"]


def test_a_candidate_cancels_with_a_reason_and_gets_the_cancellation(pages_runtime, recruiter, candidate):
    booking = book(recruiter, "katherine.johnson", cutoff_minutes=60, cancellation_reason="required")
    links = links_of(nth_mail(pages_runtime, booking.address, 1))

    candidate.open(links["cancel"])
    candidate.shot("cancel-confirm")
    assert "Cancel your interview?" in candidate.text()
    candidate.page.fill("textarea[name=reason]", "I accepted another offer")
    candidate.page.click("text=Cancel my interview")
    candidate.shot("cancel-done")
    assert "Your interview is cancelled" in candidate.text()

    cancellation = nth_mail(pages_runtime, booking.address, 2)
    assert cancellation["Subject"].startswith("Interview cancelled")
    assert calendar_of(cancellation)["METHOD"] == "CANCEL"
    assert links_of(cancellation) == {}
    assert interview(recruiter, booking)["status"] == "CANCELLED"
    slots = expect(recruiter.get(f"/jobs/{booking.job_id}/slots"), 200)["items"]
    assert sum(slot["booked_count"] for slot in slots) == 0

    for old in links.values():
        assert candidate.open(old).status == 410
        assert "Cancelled" in candidate.text()
    candidate.shot("old-link-dead")
    # A link cut short, as a mail client might wrap it: the one page for links that are not ours.
    assert candidate.open(links["cancel"][:-5]).status == 404
    candidate.shot("link-invalid")
    assert "This link does not work" in candidate.text()


def test_past_the_cutoff_the_links_show_the_interview_and_offer_no_change(
    pages_runtime, recruiter, candidate
):
    booking = book(recruiter, "dorothy.vaughan", starts_in=timedelta(hours=3))  # the default: 24 h
    links = links_of(nth_mail(pages_runtime, booking.address, 1))

    for purpose in ("reschedule", "cancel"):
        assert candidate.open(links[purpose]).status == 200
        candidate.shot(f"{purpose}-past-cutoff")
        assert "cannot be changed online" in candidate.text() and "within 24 hours" in candidate.text()
        assert candidate.page.locator("form").count() == 0
    assert interview(recruiter, booking)["revision"] == 0


def test_past_the_limit_the_new_link_says_so_and_cancelling_still_works(pages_runtime, recruiter, candidate):
    booking = book(recruiter, "mary.jackson", cutoff_minutes=60, max_reschedules=1)
    links = links_of(nth_mail(pages_runtime, booking.address, 1))
    candidate.open(links["reschedule"])
    candidate.page.check(f"input[value='{booking.others[0]}']")
    candidate.page.click("text=Continue")
    candidate.page.click("text=Move my interview")
    assert "Your interview is moved" in candidate.text()

    latest = links_of(nth_mail(pages_runtime, booking.address, 2))
    candidate.open(latest["reschedule"])
    candidate.shot("reschedule-past-limit")

    assert "as often as this role allows" in candidate.text()
    assert candidate.page.locator("form").count() == 0
    candidate.open(latest["cancel"])
    candidate.shot("cancel-still-possible")
    assert candidate.page.locator("textarea[name=reason]").count() == 1
    assert interview(recruiter, booking)["slot_id"] == booking.others[0]
