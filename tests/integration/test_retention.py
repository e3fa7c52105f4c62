"""Retention: candidates, interviews and sessions carry a DynamoDB TTL (`expires_at`) set from
the end of the interview they are kept for."""

from __future__ import annotations

from datetime import timedelta

from create_session import app as create_session_app
from interview_scheduling.batch_context import load_batch_context
from interview_scheduling.models import Candidate, Interview, InterviewSession
from tests.conftest import TEST_PARAMETERS
from tests.support.catalog import book_interview, create_candidate, create_job, create_slot


def retention(aws) -> timedelta:
    parameters = {**aws.template.parameter_defaults(), **TEST_PARAMETERS}
    return timedelta(days=int(parameters["RetentionDays"]))


def book(api, job_id, candidate_id, slot_id):
    return book_interview(api, job_id, candidate_id, slot_id)


# ---------------------------------------------------------------- when things expire
def test_a_session_sets_when_it_its_interview_and_its_candidate_expire(api, aws, pipeline):
    job_id = create_job(api)
    candidate_id = create_candidate(api, job_id)
    interview_id = book(api, job_id, candidate_id, create_slot(api, job_id, starts_in=timedelta(days=2)))

    pipeline.run()

    session = InterviewSession.get(interview_id)
    expected = session.ends_at.replace(microsecond=0) + retention(aws)
    assert session.expires_at == expected
    assert Interview.get(interview_id).expires_at == expected
    assert Candidate.get(job_id, candidate_id).expires_at == expected


def test_a_reschedule_moves_them_and_never_brings_the_candidates_forward(api, aws, pipeline):
    job_id = create_job(api)
    candidate_id = create_candidate(api, job_id)
    interview_id = book(api, job_id, candidate_id, create_slot(api, job_id, starts_in=timedelta(days=2)))
    pipeline.run()
    path = f"/jobs/{job_id}/interviews/{interview_id}/reschedule"

    api.post(path, {"slot_id": create_slot(api, job_id, starts_in=timedelta(days=9))})
    pipeline.run()
    later = InterviewSession.get(interview_id).ends_at.replace(microsecond=0) + retention(aws)
    api.post(path, {"slot_id": create_slot(api, job_id, starts_in=timedelta(days=4))})
    pipeline.run()

    sooner = InterviewSession.get(interview_id).ends_at.replace(microsecond=0) + retention(aws)
    assert InterviewSession.get(interview_id).expires_at == sooner
    assert Interview.get(interview_id).expires_at == sooner
    assert Candidate.get(job_id, candidate_id).expires_at == later


def test_a_candidate_whose_expiry_moved_meanwhile_keeps_the_later_one(api, aws, pipeline, monkeypatch):
    job_id = create_job(api)
    candidate_id = create_candidate(api, job_id)
    interview_id = book(api, job_id, candidate_id, create_slot(api, job_id, starts_in=timedelta(days=2)))
    far = Candidate.get(job_id, candidate_id).created_at + timedelta(days=1000)
    real_load = load_batch_context

    def load_then_extend(interviews):
        context = real_load(interviews)
        Candidate(job_id, candidate_id).update(actions=[Candidate.expires_at.set(far)])  # another session did
        return context

    monkeypatch.setattr(create_session_app, "load_batch_context", load_then_extend)
    pipeline.run()

    assert InterviewSession.get(interview_id).expires_at is not None
    assert Candidate.get(job_id, candidate_id).expires_at == far.replace(microsecond=0)


def test_a_candidate_never_booked_expires_after_being_added(api, aws, pipeline):
    job_id = create_job(api)
    candidate = Candidate.get(job_id, create_candidate(api, job_id))

    assert candidate.expires_at == candidate.created_at.replace(microsecond=0) + retention(aws)


def test_an_interview_cancelled_before_its_session_expires_after_its_slot(api, aws, pipeline):
    job_id = create_job(api)
    slot_id = create_slot(api, job_id, starts_in=timedelta(days=2))
    interview_id = book(api, job_id, create_candidate(api, job_id), slot_id)
    api.post(f"/jobs/{job_id}/interviews/{interview_id}/cancel")

    pipeline.run()

    slot = api.get(f"/jobs/{job_id}/slots").body["items"][0]
    assert InterviewSession.count() == 0
    ends = Interview.get(interview_id).expires_at - retention(aws)
    assert ends.isoformat().replace("+00:00", "Z") == slot["ends_at"]
