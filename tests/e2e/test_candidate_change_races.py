"""A candidate's change through their link racing the recruiter's change of the same interview,
over HTTP through the local runtime (functions in several worker processes, requests to the
embedded AWS serialised as DynamoDB's conditional writes are atomic): each race ends in one
outcome the answers agree with, the seats are counted right, and the last email says it."""

from __future__ import annotations

import email
import email.policy
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from local_runtime.demo.http_client import ApiClient, ApiResponse, http_request
from tests.support.candidate_pages import FORM, links_of
from tests.support.pipeline import calendar_of
from tests.support.slots import slot_body
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e

# (what the candidate does through their link, what the recruiter does through the API)
RACES = [
    ("reschedule", "reschedule"),
    ("reschedule", "cancel"),
    ("cancel", "reschedule"),
    ("cancel", "cancel"),
]
# How long the recruiter's request waits after the candidate's leaves: from both at once (the
# recruiter's shorter path usually wins) to a head start the candidate's change surely finishes in.
RECRUITER_DELAYS = (0.0, 0.1, 0.25, 0.5, 2.0)


@dataclass
class Race:
    candidate_change: str
    recruiter_change: str
    job_id: str
    interview_id: str
    address: str
    booked: str
    candidates_slot: str  # where the candidate moves it
    recruiters_slot: str  # where the recruiter moves it
    recruiter_delay: float
    form: dict[str, str] | None = None
    url: str = ""


def created(response: ApiResponse) -> Any:
    assert response.status == 201, f"HTTP {response.status}: {response.text()}"
    return response.json()


def prepare(api: ApiClient, number: int, changes: tuple[str, str], recruiter_delay: float) -> Race:
    job = {
        "job_title": f"Race {number}",
        "company_name": "Acme",
        "candidate_self_service": {"cutoff_minutes": 60},
    }
    job_id = created(api.post("/jobs", job))["job_id"]
    address = f"racer{number}.{datetime.now(UTC):%H%M%S%f}@example.com"
    candidate_id = created(api.post(f"/jobs/{job_id}/candidates", {"full_name": "Racer", "email": address}))[
        "candidate_id"
    ]
    start = datetime.now(UTC) + timedelta(days=2)
    booked, candidates_slot, recruiters_slot = (
        created(
            api.post(f"/jobs/{job_id}/slots", slot_body(start + timedelta(hours=n), timedelta(minutes=30)))
        )["slot_id"]
        for n in range(3)
    )
    interview = created(
        api.post(f"/jobs/{job_id}/interviews", {"candidate_id": candidate_id, "slot_id": booked})
    )
    return Race(
        *changes,
        job_id,
        interview["interview_id"],
        address,
        booked,
        candidates_slot,
        recruiters_slot,
        recruiter_delay,
    )


def mail_to(outbox: Path, address: str) -> list[EmailMessage]:
    paths = sorted(outbox.glob("*.eml")) if outbox.exists() else []
    messages = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in paths]
    return [m for m in messages if isinstance(m, EmailMessage) and address in str(m["To"])]


def ready_form(race: Race, outbox: Path) -> None:
    """The candidate's form as their browser would hold it: read off the page of the emailed link."""
    links = links_of(eventually(lambda: mail_to(outbox, race.address), f"invitation to {race.address}")[0])
    link = links[race.candidate_change]
    if race.candidate_change == "reschedule":
        page = http_request("GET", f"{link}/reschedule?{urlencode({'slot_id': race.candidates_slot})}")
        race.form = {"slot_id": race.candidates_slot}
    else:
        page = http_request("GET", link)
        race.form = {"reason": "Found another role"}
    assert page.status == 200, page.text()
    token = re.search(r'name="form_token" value="([^"]+)"', page.text())
    assert token, page.text()
    race.form["form_token"] = token.group(1)
    race.url = f"{link}/{race.candidate_change}"


def run(api: ApiClient, race: Race) -> tuple[int, int]:
    """Both changes at the same moment; the two answers' statuses."""
    start = threading.Barrier(2)
    assert race.form is not None
    form = urlencode(race.form).encode()

    def candidate() -> int:
        start.wait()
        return http_request("POST", race.url, form, {"content-type": FORM}).status

    def recruiter() -> int:
        path = f"/jobs/{race.job_id}/interviews/{race.interview_id}/{race.recruiter_change}"
        body = {"slot_id": race.recruiters_slot} if race.recruiter_change == "reschedule" else {}
        start.wait()
        time.sleep(race.recruiter_delay)
        return api.post(path, body).status

    with ThreadPoolExecutor(max_workers=2) as pool:
        candidates, recruiters = pool.submit(candidate), pool.submit(recruiter)
        return candidates.result(), recruiters.result()


def check_outcome(
    api: ApiClient, race: Race, candidate_status: int, recruiter_status: int
) -> tuple[str, int]:
    """What happened, checked against the answers; returns the interview's final status and revision."""
    interview = api.get(f"/jobs/{race.job_id}/interviews/{race.interview_id}").json()
    slots = {s["slot_id"]: s["booked_count"] for s in api.get(f"/jobs/{race.job_id}/slots").json()["items"]}
    # The candidate's change applies only to the interview as their link saw it, or not at all.
    assert candidate_status in (200, 410), candidate_status
    candidate_won = candidate_status == 200
    changes = (race.candidate_change, race.recruiter_change)
    if changes == ("reschedule", "reschedule"):
        # Either way the recruiter's move is the last: after the candidate's, or instead of it.
        assert recruiter_status == 200
        assert (interview["status"], interview["slot_id"]) == ("SCHEDULED", race.recruiters_slot)
        assert interview["revision"] == 1 + candidate_won
    elif changes == ("reschedule", "cancel"):
        assert recruiter_status == 200
        assert interview["status"] == "CANCELLED"
        assert interview["revision"] == 1 + candidate_won
    elif changes == ("cancel", "reschedule"):
        # Exactly one of the two is made: a cancelled interview cannot be moved.
        assert (candidate_won, recruiter_status) in {(True, 422), (False, 200)}
        expected = ("CANCELLED", race.booked) if candidate_won else ("SCHEDULED", race.recruiters_slot)
        assert (interview["status"], interview["slot_id"]) == expected
        assert interview["revision"] == 1
    else:
        assert recruiter_status == 200  # cancelling what is cancelled changes nothing
        assert (interview["status"], interview["revision"]) == ("CANCELLED", 1)
    taken = {slot_id: count for slot_id, count in slots.items() if count}
    assert taken == ({} if interview["status"] == "CANCELLED" else {interview["slot_id"]: 1})
    return str(interview["status"]), int(interview["revision"])


def test_a_candidates_change_racing_the_recruiters_ends_in_one_outcome(runtime, api):
    outbox = Path(runtime.info.outbox_dir)
    plan = [(changes, delay) for changes in RACES for delay in RECRUITER_DELAYS]
    races = [prepare(api, n, changes, delay) for n, (changes, delay) in enumerate(plan)]
    for race in races:
        ready_form(race, outbox)

    outcomes = []
    winners: list[str] = []
    for race in races:
        statuses = run(api, race)
        outcomes.append((race, *check_outcome(api, race, *statuses)))
        winners.append("candidate" if statuses[0] == 200 else "recruiter")
    # Both orders happened, so both outcomes were checked.
    assert {"candidate", "recruiter"} <= set(winners), winners

    for race, status, revision in outcomes:
        # The candidate hears how it ended: the cancellation, or the recruiter's time, at the last revision.
        def settled(race: Race = race, status: str = status, revision: int = revision) -> EmailMessage | None:
            last = mail_to(outbox, race.address)[-1]
            wanted = "Interview cancelled" if status == "CANCELLED" else "Interview rescheduled"
            ended = last["Subject"].startswith(wanted) and int(calendar_of(last)["SEQUENCE"]) == revision
            return last if ended else None

        eventually(settled, f"the final email to {race.address}")
        sent = [(m["Subject"], calendar_of(m)["SEQUENCE"]) for m in mail_to(outbox, race.address)]
        assert len(sent) == len(set(sent)), f"an email was sent twice: {sent}"
