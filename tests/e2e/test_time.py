"""Time over HTTP against the local runtime: its scheduler fires the schedules moto only stores,
on a clock the test moves forward through the runtime's control endpoint (local only). As
EventBridge Scheduler documents one-time schedules
(https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#one-time-schedule-types):
each fires once at its `at()` time, and ActionAfterCompletion DELETE removes it afterwards."""

from __future__ import annotations

import email
import email.policy
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from local_runtime.demo.http_client import ApiClient, http_request
from local_runtime.launcher import RuntimeProcess
from tests.support.slots import slot_body
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def own_runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RuntimeProcess]:
    """A runtime of this module's own: moving its clock must not fire other tests' schedules."""
    process = RuntimeProcess(tmp_path_factory.mktemp("time-runtime"), demo=False)
    process.start()
    try:
        yield process
    finally:
        process.stop()


def advance(runtime: RuntimeProcess, by: timedelta) -> dict[str, Any]:
    answer = http_request(
        "POST",
        f"{runtime.info.control_url}/clock",
        json.dumps({"advance_seconds": by.total_seconds()}).encode(),
        {"content-type": "application/json"},
    )
    assert answer.status == 200, answer.text()
    return answer.json()  # type: ignore[no-any-return]


def mail_to(runtime: RuntimeProcess, address: str) -> list[EmailMessage]:
    outbox = Path(runtime.info.outbox_dir)
    paths = sorted(outbox.glob("*.eml")) if outbox.exists() else []
    messages = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in paths]
    return [m for m in messages if isinstance(m, EmailMessage) and address in str(m["To"])]


def subjects(runtime: RuntimeProcess, address: str) -> list[str]:
    return [str(m["Subject"]).split(":")[0] for m in mail_to(runtime, address)]


def book(api: ApiClient, starts_in: timedelta, address: str) -> tuple[str, str]:
    job_id = api.post("/jobs", {"job_title": "SRE", "company_name": "Acme"}).json()["job_id"]
    candidate = api.post(f"/jobs/{job_id}/candidates", {"full_name": "Ada", "email": address}).json()
    slot = api.post(f"/jobs/{job_id}/slots", slot_body(datetime.now(UTC) + starts_in, timedelta(minutes=30)))
    booking = {"candidate_id": candidate["candidate_id"], "slot_id": slot.json()["slot_id"]}
    response = api.post(f"/jobs/{job_id}/interviews", booking)
    assert response.status == 201, response.text()
    return job_id, response.json()["interview_id"]


def test_reminders_arrive_once_each_and_none_after_cancel_and_the_no_show_is_marked(own_runtime):
    api = ApiClient(own_runtime.info.api_url, own_runtime.info.dev_token)
    kept, cancelled = "kept@example.com", "cancelled@example.com"
    job_id, interview_id = book(api, timedelta(hours=48), kept)
    other_job, other_interview = book(api, timedelta(hours=48), cancelled)
    eventually(lambda: mail_to(own_runtime, kept) and mail_to(own_runtime, cancelled), "both invitations")
    assert api.post(f"/jobs/{other_job}/interviews/{other_interview}/cancel", {}).status == 200
    eventually(lambda: len(mail_to(own_runtime, cancelled)) == 2, "the cancellation")

    advance(own_runtime, timedelta(hours=24, minutes=1))
    eventually(
        lambda: subjects(own_runtime, kept).count("Interview reminder") == 1, "the day-before reminder"
    )
    advance(own_runtime, timedelta(hours=23))
    eventually(
        lambda: subjects(own_runtime, kept).count("Interview reminder") == 2, "the hour-before reminder"
    )
    advance(own_runtime, timedelta(hours=5))  # past the session window: the no-show check fires

    def marked() -> bool:
        return bool(api.get(f"/jobs/{job_id}/interviews/{interview_id}").json()["status"] == "NO_SHOW")

    eventually(marked, "the no-show")
    assert subjects(own_runtime, kept) == ["Interview invitation", "Interview reminder", "Interview reminder"]
    assert subjects(own_runtime, cancelled) == ["Interview invitation", "Interview cancelled"]
    # Fired schedules are gone, as ActionAfterCompletion DELETE asks; moving on fires nothing more.
    assert advance(own_runtime, timedelta(days=7))["fired"] == 0
