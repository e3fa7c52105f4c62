"""An interview's timeline: its history (written with each change) merged with its session's facts."""

from datetime import timedelta

import pytest

from interview_scheduling.models import Interview, InterviewSlot
from tests.support.catalog import book_interview, create_candidate, create_job, create_slot
from tests.support.pipeline import sent_emails


@pytest.fixture
def job(api):
    return create_job(api)


def timeline_of(api, job_id, interview_id):
    response = api.get(f"/jobs/{job_id}/interviews/{interview_id}")
    assert response.status == 200, response.body
    return response.body["timeline"]


def without_empty(entry):
    return {k: v for k, v in entry.items() if v is not None}


def test_the_timeline_shows_booked_rescheduled_and_cancelled_with_who_and_why_then_session_and_emails(
    api, pipeline, job
):
    first_slot = create_slot(api, job)
    second_slot = create_slot(api, job, starts_in=timedelta(days=3))
    first_at = InterviewSlot.get(job, first_slot).starts_at.isoformat().replace("+00:00", "Z")
    second_at = InterviewSlot.get(job, second_slot).starts_at.isoformat().replace("+00:00", "Z")
    interview_id = book_interview(api, job, create_candidate(api, job), first_slot)
    pipeline.run()  # session and invitation
    moved = api.post(
        f"/jobs/{job}/interviews/{interview_id}/reschedule",
        {"slot_id": second_slot, "reason": "  The panel moved  "},
    )
    assert moved.status == 200
    pipeline.run()  # the new time
    assert api.post(f"/jobs/{job}/interviews/{interview_id}/cancel", {"reason": "Role filled"}).status == 200
    pipeline.run()  # the cancellation

    timeline = [without_empty(e) for e in timeline_of(api, job, interview_id)]

    assert [e.pop("at") for e in timeline] == sorted(e["at"] for e in timeline_of(api, job, interview_id))
    assert timeline == [
        {"kind": "booked", "by": "recruiter", "slot_id": first_slot, "scheduled_at": first_at},
        {"kind": "session_created", "by": "system"},
        {"kind": "email", "by": "system", "email": "invitation-0", "email_status": "SENT"},
        {
            "kind": "rescheduled",
            "by": "recruiter",
            "reason": "The panel moved",
            "from_slot_id": first_slot,
            "from_scheduled_at": first_at,
            "to_slot_id": second_slot,
            "to_scheduled_at": second_at,
        },
        {"kind": "email", "by": "system", "email": "reschedule-1", "email_status": "SENT"},
        {"kind": "cancelled", "by": "recruiter", "reason": "Role filled"},
        {"kind": "email", "by": "system", "email": "cancellation-2", "email_status": "SENT"},
    ]
    assert len(sent_emails()) == 3


def test_a_cancel_without_a_body_still_cancels(api, job):
    interview_id = book_interview(api, job, create_candidate(api, job), create_slot(api, job))

    response = api.request("POST", f"/jobs/{job}/interviews/{interview_id}/cancel", raw_body="")

    assert response.status == 200
    (_, cancelled) = response.body["timeline"]
    assert without_empty(cancelled) == {"kind": "cancelled", "by": "recruiter", "at": cancelled["at"]}


@pytest.mark.parametrize("reason", ["x" * 501, "", "   ", 7])
def test_a_reason_is_bounded_text(api, job, reason):
    interview_id = book_interview(api, job, create_candidate(api, job), create_slot(api, job))

    response = api.post(f"/jobs/{job}/interviews/{interview_id}/cancel", {"reason": reason})

    assert response.status == 422
    assert response.body["errors"][0]["loc"][-1] == "reason"
    assert Interview.get(interview_id).status == "SCHEDULED"


def test_a_repeated_cancel_adds_nothing_to_the_history(api, job):
    interview_id = book_interview(api, job, create_candidate(api, job), create_slot(api, job))
    api.post(f"/jobs/{job}/interviews/{interview_id}/cancel", {"reason": "first"})

    api.post(f"/jobs/{job}/interviews/{interview_id}/cancel", {"reason": "second"})

    assert [e["reason"] for e in timeline_of(api, job, interview_id)] == [None, "first"]
