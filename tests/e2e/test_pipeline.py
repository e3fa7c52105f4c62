"""The whole pipeline on the local runtime, driven only over HTTP as a recruiter and a candidate
would: booking → session (through the stream) → invitation email with a calendar invite, then
cancellation → cancellation email."""

import email
import email.policy
import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from local_runtime.demo.http_client import ApiClient, upload_presigned_post
from local_runtime.demo.pdf import text_pdf
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e

SLOT_ZONE = ZoneInfo("America/New_York")  # not UTC, so the conversion to UTC is exercised
RESUME_WORD = "Quasarflux"
CANDIDATE_NAME = "Ada Lovelace"
CANDIDATE_EMAIL = "ada.lovelace@example.com"
MAIL_TIMEOUT_SECONDS = 30.0


def expect(response: Any, status: int) -> Any:
    assert response.status == status, f"HTTP {response.status}: {response.text()}"
    return response.json()


def slot_in_ten_minutes() -> tuple[dict[str, Any], datetime]:
    """A slot starting about ten minutes from now, in New York time; also its start in UTC."""
    start = (datetime.now(UTC) + timedelta(minutes=11)).astimezone(SLOT_ZONE).replace(second=0, microsecond=0)
    if start.hour == 23 and start.minute >= 45:  # keep the slot within one local day
        start = (start + timedelta(minutes=20)).replace(hour=0, minute=5)
    end = min(start + timedelta(minutes=30), start.replace(hour=23, minute=59))
    slot = {
        "interview_date": start.date().isoformat(),
        "start_time": start.strftime("%H:%M"),
        "end_time": end.strftime("%H:%M"),
        "timezone": SLOT_ZONE.key,
        "ai_interview_type": "technical",
    }
    return slot, start.astimezone(UTC)


def mail_to(outbox: Path, address: str) -> list[EmailMessage]:
    """The outbox's emails to `address`, oldest first (other tests share the outbox)."""
    paths = sorted(outbox.glob("*.eml")) if outbox.exists() else []
    messages = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in paths]
    return [m for m in messages if isinstance(m, EmailMessage) and address in str(m["To"])]


def calendar_of(message: EmailMessage) -> dict[str, str]:
    """The VEVENT's properties (name → value, parameters dropped) and the calendar's METHOD."""
    for part in message.walk():
        name = part.get_filename() or ""
        if part.get_content_type() == "text/calendar" or name.endswith(".ics"):
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            text = re.sub(r"\r?\n[ \t]", "", payload.decode("utf-8"))  # unfold RFC 5545 lines
            properties: dict[str, str] = {}
            for line in text.splitlines():
                key, _, value = line.partition(":")
                properties.setdefault(key.split(";")[0].upper(), value)
                if key.split(";")[0].upper() == "DTSTART":
                    properties["DTSTART_PARAMS"] = key
            return properties
    raise AssertionError("the email has no text/calendar part or .ics attachment")


def utc_start(properties: dict[str, str]) -> datetime:
    value = properties["DTSTART"]
    if value.endswith("Z"):
        return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    zone = re.search(r"TZID=([^;:]+)", properties["DTSTART_PARAMS"])
    assert zone, f"DTSTART {value} is neither UTC nor zoned"
    return datetime.strptime(value, "%Y%m%dT%H%M%S").replace(tzinfo=ZoneInfo(zone.group(1))).astimezone(UTC)


def text_of(message: EmailMessage) -> str:
    parts = [p.get_content() for p in message.walk() if p.get_content_maintype() == "text"]
    return "\n".join(str(p) for p in parts)


def test_booking_sends_an_invitation_and_cancelling_sends_a_cancellation(runtime, api):
    outbox = Path(runtime.info.outbox_dir)

    job_id = expect(
        api.post("/jobs", {"job_title": "Platform Engineer", "company_name": "Example Labs"}), 201
    )["job_id"]
    candidate_id = expect(
        api.post(
            f"/jobs/{job_id}/candidates",
            {"full_name": CANDIDATE_NAME, "email": CANDIDATE_EMAIL, "work_experience": "10 years"},
        ),
        201,
    )["candidate_id"]
    upload = expect(api.post(f"/jobs/{job_id}/candidates/{candidate_id}/resume", {}), 201)
    resume = text_pdf([CANDIDATE_NAME, f"Built the {RESUME_WORD} analytical engine.", "Python, Go"])
    uploaded = upload_presigned_post(upload["upload"]["url"], upload["upload"]["fields"], resume)
    assert uploaded.status in (200, 201, 204), uploaded.text()

    slot, starts_at = slot_in_ten_minutes()
    slot_id = expect(api.post(f"/jobs/{job_id}/slots", slot), 201)["slot_id"]
    interview = expect(
        api.post(f"/jobs/{job_id}/interviews", {"candidate_id": candidate_id, "slot_id": slot_id}), 201
    )
    interview_id = interview["interview_id"]

    invitation = eventually(lambda: mail_to(outbox, CANDIDATE_EMAIL), "invitation email")[0]
    invite = calendar_of(invitation)
    assert invite["METHOD"] == "REQUEST"
    assert invite["UID"]
    assert utc_start(invite) == starts_at

    key_match = re.search(r"session_key=([A-Za-z0-9_\-.~%]+)", text_of(invitation))
    assert key_match, "the invitation has no interview link"
    session = expect(ApiClient(runtime.info.api_url).get(f"/sessions/{key_match.group(1)}"), 200)
    assert session["candidate_name"] == CANDIDATE_NAME
    assert RESUME_WORD in session["resume_text"]
    assert session["interview_type"] == "technical"

    def email_sent() -> bool:
        emails = expect(api.get(f"/jobs/{job_id}/interviews/{interview_id}"), 200)["emails"]
        # Sent, and soon delivered: the local SES reports on an ordinary address at once.
        return any(e["status"].lower() in ("sent", "delivered") for e in emails)

    eventually(email_sent, "sent email on the interview")

    expect(api.post(f"/jobs/{job_id}/interviews/{interview_id}/cancel", {}), 200)
    cancellation = eventually(lambda: mail_to(outbox, CANDIDATE_EMAIL)[1:], "cancellation email")[0]
    cancel = calendar_of(cancellation)
    assert cancel["METHOD"] == "CANCEL"
    assert cancel["UID"] == invite["UID"]
