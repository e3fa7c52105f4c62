"""The rarer branches: contention, transient AWS errors, races and stale records."""

import json
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from interview_scheduling import aws_clients, resumes
from interview_scheduling.batch_context import load_batch_context
from interview_scheduling.email_delivery import RetryLater
from interview_scheduling.models import Candidate, Interview, InterviewSession
from interview_scheduling.resume_text import ExtractionLimits
from interview_scheduling.sessions import create_session
from tests.pdf_factory import make_resume_pdf
from tests.support.catalog import create_candidate, create_job, create_slot
from tests.support.pipeline import sent_emails

SOON = timedelta(minutes=10)


def _conflicts(times: int):
    """A before-call hook that answers TransactWriteItems with TransactionConflict `times` times."""
    calls = {"n": 0}

    def hook(params, **_):
        calls["n"] += 1
        if calls["n"] <= times:
            items = json.loads(params["body"])["TransactItems"]
            reasons: list[Any] = [{"Code": "TransactionConflict"} for _ in items]
            raise ClientError(
                {
                    "Error": {"Code": "TransactionCanceledException", "Message": "conflict"},
                    "CancellationReasons": reasons,
                },
                "TransactWriteItems",
            )

    return hook, calls


@pytest.fixture
def booking_setup(api):
    job_id = create_job(api)
    return job_id, create_candidate(api, job_id), create_slot(api, job_id)


def test_a_booking_that_meets_a_concurrent_transaction_is_tried_again(api, booking_setup):
    job_id, candidate_id, slot_id = booking_setup
    hook, calls = _conflicts(times=1)
    aws_clients.transactions().client.meta.events.register("before-call.dynamodb.TransactWriteItems", hook)

    response = api.post(f"/jobs/{job_id}/interviews", {"candidate_id": candidate_id, "slot_id": slot_id})

    assert response.status == 201
    assert calls["n"] == 2


def test_a_booking_that_keeps_meeting_conflicts_asks_the_caller_to_try_again(api, booking_setup):
    job_id, candidate_id, slot_id = booking_setup
    hook, _ = _conflicts(times=99)
    aws_clients.transactions().client.meta.events.register("before-call.dynamodb.TransactWriteItems", hook)

    response = api.post(f"/jobs/{job_id}/interviews", {"candidate_id": candidate_id, "slot_id": slot_id})

    assert response.status == 409
    assert response.body["reason"] == "busy"


def _booked(api, **slot):
    job_id = create_job(api)
    candidate_id = create_candidate(api, job_id)
    slot_id = create_slot(api, job_id, starts_in=SOON, **slot)
    interview_id = api.post(
        f"/jobs/{job_id}/interviews", {"candidate_id": candidate_id, "slot_id": slot_id}
    ).body["interview_id"]
    return job_id, candidate_id, interview_id


def test_a_lost_connection_to_ses_is_retried_and_shown_as_pending(api, pipeline):
    job_id, _, interview_id = _booked(api)
    pipeline.process_stream()

    def unreachable(**_):
        raise EndpointConnectionError(endpoint_url="https://email.example")

    aws_clients.sesv2().meta.events.register("before-call.sesv2.SendEmail", unreachable)
    with pytest.raises(RetryLater):
        pipeline.deliver_emails()

    (waiting,) = api.get(f"/jobs/{job_id}/interviews/{interview_id}").body["emails"]
    assert waiting["status"] == "PENDING"
    assert "EndpointConnectionError" in waiting["failure_reason"]


def test_an_email_request_for_an_unknown_session_is_retried_not_dropped(pipeline):
    pipeline.invokes = [{"interview_id": "no-such-interview", "kind": "invitation", "revision": 0}]

    with pytest.raises(RetryLater):
        pipeline.deliver_emails()


def test_a_session_whose_address_cannot_be_mailed_is_recorded_as_failed(api, pipeline):
    job_id, candidate_id, interview_id = _booked(api)
    pipeline.process_stream()
    # Emails follow the candidate's address; the API never takes this one, an old item might hold it.
    Candidate(job_id, candidate_id).update(actions=[Candidate.email.set("ada@localhost")])

    pipeline.deliver_emails()

    (failed,) = api.get(f"/jobs/{job_id}/interviews/{interview_id}").body["emails"]
    assert failed["status"] == "FAILED"
    assert failed["failure_reason"].startswith("not sendable")
    assert sent_emails() == []


def test_two_deliveries_racing_to_create_one_session_make_one(api, pipeline):
    _, _, interview_id = _booked(api)
    interview = Interview.get(interview_id)
    stale = load_batch_context([interview])  # read before either delivery wrote
    fresh_view = load_batch_context([interview])

    first = create_session(interview, fresh_view)
    second = create_session(interview, stale)

    assert first.email == second.email
    assert InterviewSession.count() == 1


def test_an_oversized_resume_is_not_read_and_the_session_is_still_made(api, aws, pipeline, monkeypatch):
    monkeypatch.setattr(resumes, "LIMITS", ExtractionLimits(max_bytes=1_000))
    job_id = create_job(api)
    candidate_id = create_candidate(api, job_id)
    upload = api.post(f"/jobs/{job_id}/candidates/{candidate_id}/resume", {}).body
    pdf = make_resume_pdf(pages=5)
    assert len(pdf) > 1_000
    aws.session.client("s3").put_object(
        Bucket=aws.resolver.ref("ResumesBucket"), Key=upload["resume_key"], Body=pdf
    )
    interview_id = api.post(
        f"/jobs/{job_id}/interviews", {"candidate_id": candidate_id, "slot_id": create_slot(api, job_id)}
    ).body["interview_id"]

    pipeline.run()

    assert InterviewSession.get(interview_id).resume_extraction == "too_large"


def test_a_reschedule_overtaken_by_another_is_skipped_for_the_later_one(api, pipeline):
    job_id, _, interview_id = _booked(api)
    pipeline.run()
    second_slot = create_slot(api, job_id, starts_in=SOON + timedelta(minutes=5))
    third_slot = create_slot(api, job_id, starts_in=SOON + timedelta(minutes=9))
    api.post(f"/jobs/{job_id}/interviews/{interview_id}/reschedule", {"slot_id": second_slot})
    api.post(f"/jobs/{job_id}/interviews/{interview_id}/reschedule", {"slot_id": third_slot})

    pipeline.run()

    kinds = [e["kind"] for e in api.get(f"/jobs/{job_id}/interviews/{interview_id}").body["emails"]]
    assert kinds == ["invitation-0", "reschedule-2"]
    assert InterviewSession.get(interview_id).revision == 2
    assert len(sent_emails()) == 2
