"""The cancel and reschedule transactions record who made them and why, and a change pinned to a
revision the interview has left changes nothing."""

import pytest

from interview_scheduling import booking
from interview_scheduling.enums import Actor, InterviewStatus, TimelineKind
from interview_scheduling.errors import StaleRevision
from interview_scheduling.models import Candidate, Interview, InterviewSlot
from interview_scheduling.schemas import CancelIn, RescheduleIn
from tests.support.catalog import book_interview, create_candidate, create_job, create_slot


@pytest.fixture
def booked(api):
    job_id = create_job(api)
    candidate_id = create_candidate(api, job_id)
    first, second = create_slot(api, job_id), create_slot(api, job_id)
    return job_id, candidate_id, book_interview(api, job_id, candidate_id, first), first, second


def test_a_recruiters_change_is_recorded_as_the_recruiters(api, booked):
    job_id, _, interview_id, _, later = booked

    api.post(f"/jobs/{job_id}/interviews/{interview_id}/reschedule", {"slot_id": later})

    interview = Interview.get(interview_id)
    last = interview.history[-1]
    assert (last.kind, last.by) == (TimelineKind.RESCHEDULED, Actor.RECRUITER)
    assert last.reason is None
    assert interview.candidate_reschedules == 0


def test_a_candidates_reschedule_is_counted_and_a_cancel_keeps_the_reason(api, booked):
    job_id, candidate_id, interview_id, first, later = booked

    booking.reschedule_interview(
        api.org, job_id, interview_id, RescheduleIn(slot_id=later), Actor.CANDIDATE, at_revision=0
    )
    moved = Interview.get(interview_id)
    assert (moved.history[-1].by, moved.candidate_reschedules, moved.revision) == (Actor.CANDIDATE, 1, 1)
    assert (InterviewSlot.get(job_id, first).booked_count, InterviewSlot.get(job_id, later).booked_count) == (
        0,
        1,
    )

    booking.cancel_interview(
        api.org, job_id, interview_id, CancelIn(reason="Took another offer"), Actor.CANDIDATE, at_revision=1
    )
    cancelled = Interview.get(interview_id)
    assert cancelled.status == InterviewStatus.CANCELLED
    assert (cancelled.history[-1].by, cancelled.history[-1].reason) == (Actor.CANDIDATE, "Took another offer")
    assert InterviewSlot.get(job_id, later).booked_count == 0
    assert Candidate.get(job_id, candidate_id).active_interview_id is None


def test_a_change_pinned_to_an_earlier_revision_changes_nothing(api, booked):
    job_id, _, interview_id, first, later = booked
    api.post(f"/jobs/{job_id}/interviews/{interview_id}/reschedule", {"slot_id": later})

    with pytest.raises(StaleRevision):
        booking.reschedule_interview(
            api.org, job_id, interview_id, RescheduleIn(slot_id=first), Actor.CANDIDATE, at_revision=0
        )
    with pytest.raises(StaleRevision):
        booking.cancel_interview(api.org, job_id, interview_id, CancelIn(), Actor.CANDIDATE, at_revision=0)

    interview = Interview.get(interview_id)
    assert (interview.slot_id, interview.status, interview.revision) == (later, InterviewStatus.SCHEDULED, 1)
    assert interview.candidate_reschedules == 0
    assert (InterviewSlot.get(job_id, first).booked_count, InterviewSlot.get(job_id, later).booked_count) == (
        0,
        1,
    )
