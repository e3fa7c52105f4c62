"""Demo data, created through the HTTP API itself as a recruiter would: a job, a candidate with a
PDF resume uploaded through the presigned POST the API hands out, and slots in the near future;
and a second candidate whose address is the SES mailbox simulator's bounce address, booked, so
its interview shows what a bounce looks like (BOUNCED, with SES's reason).
"""

from __future__ import annotations

import email
import email.policy
import json
import re
import shlex
import time as clock
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

from local_runtime.demo.http_client import ApiClient, ApiResponse, upload_presigned_post
from local_runtime.demo.pdf import DEMO_RESUME, text_pdf

DEMO_TIMEZONE: Final = "Asia/Kolkata"
SLOT_MINUTES: Final = 45
# The mailbox simulator answers mail to it with a hard bounce (local_runtime.ses).
BOUNCING_ADDRESS: Final = "bounce@simulator.amazonses.com"
BOOKED_CANDIDATE_EMAIL: Final = "arjun.mehta@example.com"
# The demo job lets candidates change their interview up to an hour before it (the default is a day).
DEMO_SELF_SERVICE: Final = {"cutoff_minutes": 60}
_RESCHEDULE_LINK = re.compile(r"Reschedule: (\S+)")


class DemoError(RuntimeError):
    def __init__(self, step: str, response: ApiResponse) -> None:
        super().__init__(f"{step}: HTTP {response.status} {response.text()[:300]}")


@dataclass(frozen=True)
class SlotRequest:
    interview_date: str
    start_time: str
    end_time: str
    timezone: str
    ai_interview_type: str

    def document(self) -> dict[str, Any]:
        return {
            "interview_date": self.interview_date,
            "start_time": self.start_time,
            "end_time": self.end_time,
            "timezone": self.timezone,
            "ai_interview_type": self.ai_interview_type,
            "capacity": 1,
        }


@dataclass(frozen=True)
class DemoData:
    job_id: str
    candidate_id: str
    slot_ids: tuple[str, ...]
    resume_key: str
    book_command: str
    bounced_candidate_id: str
    bounced_interview_id: str
    # Booked already, tomorrow: its reminders are scheduled (move the local clock to see them).
    reminded_interview_id: str
    # The reschedule link in that candidate's invitation, once it is in the outbox.
    reschedule_link: str | None = None

    @property
    def bounced_interview_path(self) -> str:
        return f"/jobs/{self.job_id}/interviews/{self.bounced_interview_id}"


def slot_at(start: datetime, interview_type: str) -> SlotRequest:
    end = start + timedelta(minutes=SLOT_MINUTES)
    return SlotRequest(
        interview_date=start.date().isoformat(),
        start_time=start.strftime("%H:%M"),
        end_time=end.strftime("%H:%M"),
        timezone=str(start.tzinfo),
        ai_interview_type=interview_type,
    )


def demo_slots(now: datetime | None = None, zone: str = DEMO_TIMEZONE) -> list[SlotRequest]:
    """One slot starting within the next half hour, two more tomorrow and one the day after (a
    time the booked candidate can move to), each within one local day."""
    tz = ZoneInfo(zone)
    local_now = (now or datetime.now(UTC)).astimezone(tz)
    soon = local_now + timedelta(minutes=15)
    start = soon.replace(minute=soon.minute - soon.minute % 15, second=0, microsecond=0) + timedelta(
        minutes=15
    )
    tomorrow = local_now.date() + timedelta(days=1)
    if (start + timedelta(minutes=SLOT_MINUTES)).date() != start.date():
        start = datetime.combine(tomorrow, time(9, 0), tz)
    return [
        slot_at(start, "technical"),
        slot_at(datetime.combine(tomorrow, time(11, 0), tz), "coding"),
        slot_at(datetime.combine(tomorrow, time(15, 0), tz), "technical"),
        slot_at(datetime.combine(tomorrow + timedelta(days=1), time(10, 0), tz), "technical"),
    ]


def _expect(step: str, response: ApiResponse, *statuses: int) -> Any:
    if response.status not in statuses:
        raise DemoError(step, response)
    return response.json() if response.body else None


def create_demo_data(api_url: str, token: str, outbox_dir: Path | None = None) -> DemoData:
    api = ApiClient(api_url, token)
    job = _expect(
        "create job",
        api.post(
            "/jobs",
            {
                "job_title": "Backend Engineer (Python)",
                "company_name": "Example Labs",
                "job_description": "Build and run the event-driven services behind our payments platform.",
                "domain": "Payments",
                "coding_language": "PYTHON",
                "candidate_self_service": DEMO_SELF_SERVICE,
            },
        ),
        201,
    )
    job_id = job["job_id"]
    candidate = _expect(
        "create candidate",
        api.post(
            f"/jobs/{job_id}/candidates",
            {
                "full_name": DEMO_RESUME[0],
                "email": "priya.raman@example.com",
                "phone": "+91 98765 43210",
                "work_experience": "8 years",
                "domain": "Payments",
            },
        ),
        201,
    )
    candidate_id = candidate["candidate_id"]
    upload = _expect(
        "request resume upload", api.post(f"/jobs/{job_id}/candidates/{candidate_id}/resume", {}), 201
    )
    _expect(
        "upload resume",
        upload_presigned_post(upload["upload"]["url"], upload["upload"]["fields"], text_pdf()),
        200,
        201,
        204,
    )
    slot_ids = tuple(
        _expect("create slot", api.post(f"/jobs/{job_id}/slots", slot.document()), 201)["slot_id"]
        for slot in demo_slots()
    )
    bounced_id, bounced_interview = _book_a_bouncing_candidate(api, job_id, slot_ids[-1])
    booked_at = clock.time()
    reminded = _expect(
        "create a booked candidate",
        api.post(f"/jobs/{job_id}/candidates", {"full_name": "Arjun Mehta", "email": BOOKED_CANDIDATE_EMAIL}),
        201,
    )
    booked = _expect(
        "book the second candidate",
        api.post(
            f"/jobs/{job_id}/interviews", {"candidate_id": reminded["candidate_id"], "slot_id": slot_ids[1]}
        ),
        201,
    )
    return DemoData(
        job_id=job_id,
        candidate_id=candidate_id,
        slot_ids=slot_ids,
        resume_key=upload["resume_key"],
        book_command=book_curl(api_url, job_id, candidate_id, slot_ids[0]),
        bounced_candidate_id=bounced_id,
        bounced_interview_id=bounced_interview,
        reminded_interview_id=booked["interview_id"],
        reschedule_link=(
            reschedule_link_in(outbox_dir, BOOKED_CANDIDATE_EMAIL, since=booked_at) if outbox_dir else None
        ),
    )


def _book_a_bouncing_candidate(api: ApiClient, job_id: str, slot_id: str) -> tuple[str, str]:
    candidate = _expect(
        "create bouncing candidate",
        api.post(
            f"/jobs/{job_id}/candidates",
            {"full_name": "Rahul Verma", "email": BOUNCING_ADDRESS, "work_experience": "3 years"},
        ),
        201,
    )
    booking = {"candidate_id": candidate["candidate_id"], "slot_id": slot_id}
    interview = _expect("book bouncing candidate", api.post(f"/jobs/{job_id}/interviews", booking), 201)
    return candidate["candidate_id"], interview["interview_id"]


def reschedule_link_in(outbox_dir: Path, address: str, since: float, timeout: float = 30.0) -> str | None:
    """The reschedule link of the first email to `address` written to the outbox after `since`
    (an earlier run's mail may still be there), as the candidate got it."""
    deadline = clock.monotonic() + timeout
    while clock.monotonic() < deadline:
        paths = sorted(outbox_dir.glob("*.eml")) if outbox_dir.exists() else []
        for path in (path for path in paths if path.stat().st_mtime >= since):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if isinstance(message, EmailMessage) and address in str(message["To"]):
                body = message.get_body(preferencelist=("plain",))
                found = _RESCHEDULE_LINK.search(body.get_content()) if body is not None else None
                return found.group(1) if found else None
        clock.sleep(0.25)
    return None


def book_curl(api_url: str, job_id: str, candidate_id: str, slot_id: str) -> str:
    """A copy-and-paste command that books the candidate into the slot (expects $TOKEN)."""
    body = json.dumps({"candidate_id": candidate_id, "slot_id": slot_id})
    return (
        f"curl -sS -X POST {shlex.quote(f'{api_url}/jobs/{job_id}/interviews')} \\\n"
        '    -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \\\n'
        f"    -d {shlex.quote(body)}"
    )
