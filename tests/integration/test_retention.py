"""Retention: candidates, interviews and sessions carry a DynamoDB TTL (`expires_at`) set from
the interview's end, and a TTL deletion of an interview, arriving on its stream, erases what the
interview left elsewhere. A user's deletion cascades nothing.

The TTL deletion records fed here are the REMOVE record moto's stream gives for the interview's
deletion, in Lambda's event shape, with the `userIdentity` DynamoDB adds to deletions made by
its Time to Live process, as documented in "DynamoDB Streams and Time to Live"
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-streams.html):
`"userIdentity": {"type": "Service", "principalId": "dynamodb.amazonaws.com"}` (tests/support/ttl.py).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from create_session import app as create_session_app
from interview_scheduling.batch_context import load_batch_context
from interview_scheduling.enums import ErasureReason
from interview_scheduling.interview_changes import ChangeKind, interview_change
from interview_scheduling.models import Candidate, Interview, InterviewSession
from local_runtime.streams.event_filter import matches_any
from tests.conftest import TEST_PARAMETERS
from tests.pdf_factory import make_text_pdf
from tests.support import stored, ttl
from tests.support.catalog import create_candidate, create_job, create_slot
from tests.support.erasure_scenario import (
    ERASED_CANDIDATE,
    RESUME_LINE,
    SOON,
    book,
    candidate_with_history,
    personal_values,
    upload_resume,
)


def retention(aws) -> timedelta:
    parameters = {**aws.template.parameter_defaults(), **TEST_PARAMETERS}
    return timedelta(days=int(parameters["RetentionDays"]))


def deletion_record(aws, pipeline, interview_id: str) -> dict[str, Any]:
    return ttl.deletion_record(aws, pipeline.stream_arn, interview_id)


ttl_deletion = ttl.ttl_deletion


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


# ---------------------------------------------------------------- what a TTL deletion brings
def test_deletions_of_items_with_a_retention_reach_the_function_which_acts_on_ttl_ones_only(
    api, aws, pipeline
):
    # Lambda filters DynamoDB records on their `dynamodb` key only
    # (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb-filtering.html), which holds no
    # userIdentity: the mapping lets through deletions of items that had an expiry, and the
    # function tells the TTL's from a user's.
    job_id = create_job(api)
    interview_id = book(api, job_id, create_candidate(api, job_id), create_slot(api, job_id))
    pipeline.run()  # the session gives the interview its expiry
    removal = deletion_record(aws, pipeline, interview_id)

    assert matches_any(pipeline.source.filter_patterns, ttl_deletion(removal))
    assert matches_any(pipeline.source.filter_patterns, removal)
    expired = interview_change(ttl_deletion(removal))
    assert expired is not None and expired.kind == ChangeKind.EXPIRED
    assert interview_change(removal) is None


def test_a_deletion_of_an_item_without_an_expiry_is_not_delivered(api, aws, pipeline):
    job_id = create_job(api)
    interview_id = book(api, job_id, create_candidate(api, job_id), create_slot(api, job_id))
    removal = deletion_record(aws, pipeline, interview_id)  # before any session set its expiry

    assert not matches_any(pipeline.source.filter_patterns, ttl_deletion(removal))


def test_a_ttl_deletion_of_the_last_interview_erases_the_candidate(api, aws, pipeline):
    job_id = create_job(api)
    candidate_id = create_candidate(api, job_id, **ERASED_CANDIDATE)
    upload_resume(api, aws, job_id, candidate_id, make_text_pdf([[RESUME_LINE]]))
    interview_id = book(api, job_id, candidate_id, create_slot(api, job_id, starts_in=SOON))
    pipeline.run()
    assert RESUME_LINE in InterviewSession.get(interview_id).resume_text

    result = pipeline.run_create_session([ttl_deletion(deletion_record(aws, pipeline, interview_id))])

    assert result["batchItemFailures"] == []
    assert InterviewSession.count() == 0
    candidate = Candidate.get(job_id, candidate_id)
    assert candidate.erasure.reason == ErasureReason.RETENTION
    assert candidate.erasure.erased_at is not None
    everything = stored.everything(aws.template)
    assert [value for value in personal_values() if value in everything] == []


def test_a_ttl_deletion_keeps_the_candidate_while_another_interview_remains(api, aws, pipeline):
    history = candidate_with_history(api, aws, pipeline)

    record = ttl_deletion(deletion_record(aws, pipeline, history.past_interview))
    pipeline.run_create_session([record])

    assert InterviewSession.get(history.active_interview).candidate_email == ERASED_CANDIDATE["email"]
    assert [s.interview_id for s in InterviewSession.scan()].count(history.past_interview) == 0
    candidate = Candidate.get(history.job_id, history.candidate_id)
    assert candidate.email == ERASED_CANDIDATE["email"]
    assert candidate.erasure is None
    assert RESUME_LINE in stored.everything(aws.template)  # the PDF stays for the active interview


def test_a_ttl_deletion_after_the_candidate_expired_deletes_the_resume(api, aws, pipeline):
    job_id = create_job(api)
    candidate_id = create_candidate(api, job_id, **ERASED_CANDIDATE)
    upload_resume(api, aws, job_id, candidate_id, RESUME_LINE.encode())
    interview_id = book(api, job_id, candidate_id, create_slot(api, job_id, starts_in=SOON))
    pipeline.run()
    Candidate(job_id, candidate_id).delete()  # its own TTL came first

    pipeline.run_create_session([ttl_deletion(deletion_record(aws, pipeline, interview_id))])

    assert RESUME_LINE not in stored.everything(aws.template)
    assert InterviewSession.count() == 0


def test_a_users_deletion_cascades_nothing(api, aws, pipeline):
    job_id = create_job(api)
    candidate_id = create_candidate(api, job_id, **ERASED_CANDIDATE)
    upload_resume(api, aws, job_id, candidate_id, RESUME_LINE.encode())
    interview_id = book(api, job_id, candidate_id, create_slot(api, job_id, starts_in=SOON))
    pipeline.run()

    result = pipeline.run_create_session([deletion_record(aws, pipeline, interview_id)])

    assert result["batchItemFailures"] == []
    assert InterviewSession.get(interview_id).candidate_email == ERASED_CANDIDATE["email"]
    assert Candidate.get(job_id, candidate_id).erasure is None
    assert RESUME_LINE in stored.everything(aws.template)


def test_a_ttl_deletion_delivered_twice_erases_once(api, aws, pipeline):
    job_id = create_job(api)
    candidate_id = create_candidate(api, job_id, **ERASED_CANDIDATE)
    interview_id = book(api, job_id, candidate_id, create_slot(api, job_id, starts_in=SOON))
    pipeline.run()
    record = ttl_deletion(deletion_record(aws, pipeline, interview_id))

    pipeline.run_create_session([record])
    first = Candidate.get(job_id, candidate_id).erasure.as_dict()
    pipeline.run_create_session([record])

    assert Candidate.get(job_id, candidate_id).erasure.as_dict() == first


def test_a_candidate_booked_again_meanwhile_is_not_erased_by_retention(api, aws, pipeline, monkeypatch):
    history = candidate_with_history(api, aws, pipeline)
    from interview_scheduling import erasure

    # The index had not yet shown the new booking when the old interview expired.
    monkeypatch.setattr(erasure, "others_remain", lambda interview: False)
    pipeline.run_create_session([ttl_deletion(deletion_record(aws, pipeline, history.past_interview))])

    candidate = Candidate.get(history.job_id, history.candidate_id)
    assert candidate.email == ERASED_CANDIDATE["email"]
    assert candidate.erasure is None
    assert InterviewSession.get(history.active_interview).candidate_email == ERASED_CANDIDATE["email"]
