"""DELETE /jobs/{job_id}/candidates/{candidate_id}: the candidate's personal data erased
everywhere the embedded AWS keeps anything, seats counted right, keys dead, and a repeat that
returns the same receipt and changes nothing."""

from __future__ import annotations

import pytest

from create_session import app as create_session_app
from interview_scheduling.batch_context import load_batch_context
from interview_scheduling.conditional_writes import update_if
from interview_scheduling.enums import EmailStatus, InterviewStatus
from interview_scheduling.models import Candidate, Interview, InterviewSession, InterviewSlot
from tests.support import stored
from tests.support.catalog import create_candidate, create_job, create_slot
from tests.support.erasure_scenario import (
    BOOKING_NOTES,
    ERASED_CANDIDATE,
    KEPT_CANDIDATE,
    RESUME_LINE,
    SOON,
    book,
    candidate_with_history,
    personal_values,
    upload_resume,
)
from tests.support.event_schemas import problems
from tests.support.pipeline import sent_emails


def erase(api, job_id, candidate_id):
    response = api.delete(f"/jobs/{job_id}/candidates/{candidate_id}")
    assert response.status == 200, response.body
    return response.body


def test_nothing_personal_is_left_anywhere_and_seats_stay_right(api, aws, pipeline):
    history = candidate_with_history(api, aws, pipeline)
    before = stored.everything(aws.template)
    assert all(value in before for value in personal_values())  # the scan finds them while they exist

    receipt = erase(api, history.job_id, history.candidate_id)
    pipeline.run()  # the cancel and every other change reach the stream consumer and send_email

    everything = stored.everything(aws.template)
    assert [value for value in personal_values() if value in everything] == []
    assert KEPT_CANDIDATE["full_name"] in everything and KEPT_CANDIDATE["email"] in everything
    assert InterviewSlot.get(history.job_id, history.active_slot).booked_count == 1  # the other candidate
    assert Interview.get(history.active_interview).status == InterviewStatus.CANCELLED
    assert Interview.get(history.kept_interview).status == InterviewStatus.SCHEDULED
    assert receipt["counts"] == {
        "interviews": 2,
        "interviews_cancelled": 1,
        "sessions": 2,
        "emails_superseded": 0,
        "schedules": 1,  # the active interview's no-show check; its reminders were already past
        "resume_versions": 1,
    }
    assert receipt["reason"] == "request"
    assert (receipt["job_id"], receipt["candidate_id"]) == (history.job_id, history.candidate_id)
    assert pipeline.schedules(history.active_interview) == []
    assert pipeline.schedules(history.kept_interview) != []


def test_the_key_stops_opening_the_session_at_once(api, aws, pipeline):
    history = candidate_with_history(api, aws, pipeline)
    assert api.get(f"/sessions/{history.session_key}").status == 200

    erase(api, history.job_id, history.candidate_id)

    assert api.get(f"/sessions/{history.session_key}").status == 404
    assert api.post(f"/sessions/{history.session_key}/start").status == 404


def test_the_cancellation_the_erasure_makes_is_not_emailed(api, aws, pipeline):
    history = candidate_with_history(api, aws, pipeline)
    emailed = len(sent_emails())

    erase(api, history.job_id, history.candidate_id)
    pipeline.run(deliveries=2)

    assert len(sent_emails()) == emailed
    ledger = InterviewSession.get(history.active_interview).emails
    cancellations = {key: entry for key, entry in ledger.items() if key.startswith("cancellation")}
    assert [(e.status, e.failure_reason) for e in cancellations.values()] == [
        (EmailStatus.SUPERSEDED, "candidate erased")
    ]
    assert ledger["invitation-0"].status == EmailStatus.SENT  # statuses stay; only personal data goes


def test_a_cancellation_decided_before_the_erasure_and_mailed_after_it_is_not_sent(
    api, aws, pipeline, monkeypatch
):
    history = candidate_with_history(api, aws, pipeline)
    api.post(f"/jobs/{history.job_id}/interviews/{history.active_interview}/cancel")
    real_load = load_batch_context

    def load_then_erase(interviews):
        context = real_load(interviews)  # the candidate as it was before the erasure
        erase(api, history.job_id, history.candidate_id)
        return context

    monkeypatch.setattr(create_session_app, "load_batch_context", load_then_erase)
    emailed = len(sent_emails())
    pipeline.process_stream()
    monkeypatch.setattr(create_session_app, "load_batch_context", real_load)
    assert pipeline.invokes  # the cancellation was asked for
    results = pipeline.deliver_emails()

    assert len(sent_emails()) == emailed
    assert {result["status"] for result in results} == {EmailStatus.SUPERSEDED}
    entry = InterviewSession.get(history.active_interview).emails["cancellation-1"]
    assert (entry.status, entry.failure_reason) == (EmailStatus.SUPERSEDED, "candidate erased")


def test_a_repeat_returns_the_same_receipt_and_changes_nothing(api, aws, pipeline):
    history = candidate_with_history(api, aws, pipeline)
    first = erase(api, history.job_id, history.candidate_id)
    pipeline.run()
    before = stored.everything(aws.template)

    second = erase(api, history.job_id, history.candidate_id)

    assert second == first
    assert stored.everything(aws.template) == before


def test_an_upload_that_lands_after_the_erasure_goes_with_a_repeat(api, aws, pipeline):
    job_id = create_job(api)
    candidate_id = create_candidate(api, job_id, **ERASED_CANDIDATE)
    link = api.post(f"/jobs/{job_id}/candidates/{candidate_id}/resume", {}).body
    first = erase(api, job_id, candidate_id)
    # The presigned POST handed out before the erasure is still valid for a few minutes.
    aws.session.client("s3").put_object(
        Bucket=aws.resolver.ref("ResumesBucket"), Key=link["resume_key"], Body=RESUME_LINE.encode()
    )

    second = erase(api, job_id, candidate_id)

    assert second == first
    assert RESUME_LINE not in stored.everything(aws.template)


def test_every_version_of_every_upload_is_deleted(api, aws, pipeline):
    s3 = aws.session.client("s3")
    bucket = aws.resolver.ref("ResumesBucket")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    job_id = create_job(api)
    candidate_id = create_candidate(api, job_id, **ERASED_CANDIDATE)
    key = upload_resume(api, aws, job_id, candidate_id, RESUME_LINE.encode())
    s3.put_object(Bucket=bucket, Key=key, Body=b"a second version of " + RESUME_LINE.encode())
    upload_resume(api, aws, job_id, candidate_id, b"another upload")
    s3.delete_object(Bucket=bucket, Key=key)  # a delete marker over two versions

    receipt = erase(api, job_id, candidate_id)

    assert receipt["counts"]["resume_versions"] == 4  # two versions, a marker, the other upload
    left = s3.list_object_versions(Bucket=bucket, Prefix=f"resumes/{api.org}/{job_id}/{candidate_id}/")
    assert (left.get("Versions", []), left.get("DeleteMarkers", [])) == ([], [])


def test_an_erased_candidate_cannot_be_read_booked_or_given_an_upload_link(api, aws, pipeline):
    job_id = create_job(api)
    candidate_id = create_candidate(api, job_id, **ERASED_CANDIDATE)
    erase(api, job_id, candidate_id)
    slot_id = create_slot(api, job_id)

    answers = [
        api.get(f"/jobs/{job_id}/candidates/{candidate_id}"),
        api.get(f"/jobs/{job_id}/candidates/{candidate_id}/export"),
        api.post(f"/jobs/{job_id}/interviews", {"candidate_id": candidate_id, "slot_id": slot_id}),
        api.post(f"/jobs/{job_id}/candidates/{candidate_id}/resume", {}),
    ]

    assert [answer.status for answer in answers] == [404] * 4
    assert [answer.body["reason"] for answer in answers[:3]] == ["candidate_erased"] * 3
    assert InterviewSlot.get(job_id, slot_id).booked_count == 0


def test_a_booking_the_stream_brings_after_the_erasure_gets_no_session_or_email(api, aws, pipeline):
    job_id = create_job(api)
    candidate_id = create_candidate(api, job_id, **ERASED_CANDIDATE)
    slot_id = create_slot(api, job_id, starts_in=SOON)
    interview_id = book(api, job_id, candidate_id, slot_id, BOOKING_NOTES)

    receipt = erase(api, job_id, candidate_id)  # before create_session saw the booking
    pipeline.run()

    assert receipt["counts"]["interviews_cancelled"] == 1
    assert InterviewSession.count() == 0
    assert sent_emails() == []
    assert pipeline.schedules(interview_id) == []
    assert InterviewSlot.get(job_id, slot_id).booked_count == 0
    assert Interview.get(interview_id).expires_at is not None  # cancelled without a session


def test_a_session_the_erasure_could_not_see_is_erased_by_the_stream(api, aws, pipeline, monkeypatch):
    """The index answers eventually: an interview booked and cancelled just before the erasure
    may be missing from it. Its session is erased when its cancel reaches the stream consumer."""
    job_id = create_job(api)
    candidate_id = create_candidate(api, job_id, **ERASED_CANDIDATE)
    interview_id = book(api, job_id, candidate_id, create_slot(api, job_id, starts_in=SOON))
    pipeline.run()
    api.post(f"/jobs/{job_id}/interviews/{interview_id}/cancel")
    from interview_scheduling import erasure

    monkeypatch.setattr(erasure, "interviews_of", lambda candidate: [])  # the index did not see it yet
    erase(api, job_id, candidate_id)
    assert InterviewSession.get(interview_id).candidate_email == ERASED_CANDIDATE["email"]

    pipeline.run()

    session = InterviewSession.get(interview_id)
    assert [session.candidate_name, session.candidate_email, session.key_hash] == [None, None, None]
    assert session.erased_at is not None
    entry = session.emails["cancellation-1"]
    assert (entry.status, entry.failure_reason) == (EmailStatus.SUPERSEDED, "candidate erased")
    assert len(sent_emails()) == 1  # the invitation, before the erasure


def test_another_organisations_candidate_cannot_be_erased(api, aws, pipeline):
    job_id = create_job(api)
    candidate_id = create_candidate(api, job_id, **ERASED_CANDIDATE)

    response = api.as_org("org-b").delete(f"/jobs/{job_id}/candidates/{candidate_id}")

    assert (response.status, response.body["reason"]) == (404, "candidate_not_found")
    assert Candidate.get(job_id, candidate_id).email == ERASED_CANDIDATE["email"]
    assert api.delete(f"/jobs/{job_id}/candidates/{'x' * 32}").status == 404


@pytest.mark.parametrize("scope", ["interviews/read"])
def test_erasing_needs_the_write_scope(api, scope, stack_template):
    route = api.route_of("DELETE", "/jobs/j/candidates/c")
    assert route.scopes == ("interviews/write",)
    assert scope not in route.scopes


def test_emails_that_keep_being_taken_meanwhile_answer_busy_and_a_retry_finishes(
    api, aws, pipeline, monkeypatch
):
    history = candidate_with_history(api, aws, pipeline)
    from interview_scheduling import erasure

    real = update_if

    def taken_meanwhile(item, actions, condition):
        # A send takes one of the session's PENDING messages between each read and write.
        return False if isinstance(item, InterviewSession) else real(item, actions, condition)

    monkeypatch.setattr(erasure, "update_if", taken_meanwhile)
    busy = api.delete(f"/jobs/{history.job_id}/candidates/{history.candidate_id}")
    monkeypatch.setattr(erasure, "update_if", real)

    assert (busy.status, busy.body["reason"]) == (409, "busy")
    assert erase(api, history.job_id, history.candidate_id)["counts"]["sessions"] == 2
    assert api.get(f"/sessions/{history.session_key}").status == 404


def test_a_candidate_deleted_while_being_erased_is_not_found(api, aws, pipeline, monkeypatch):
    job_id = create_job(api)
    candidate_id = create_candidate(api, job_id, **ERASED_CANDIDATE)
    from interview_scheduling import erasure

    real = erasure._candidate

    def read_then_expire(job: str, candidate: str) -> Candidate | None:
        found = real(job, candidate)
        Candidate(job, candidate).delete()  # its TTL deletion lands between the read and the erasure
        return found

    monkeypatch.setattr(erasure, "_candidate", read_then_expire)
    response = api.delete(f"/jobs/{job_id}/candidates/{candidate_id}")

    assert (response.status, response.body["reason"]) == (404, "candidate_not_found")
    assert stored.table_items(aws.template)["CandidatesTable"] == []


def test_the_erasure_is_announced_once_done_and_a_repeat_announces_it_with_the_same_id(
    api, aws, pipeline, domain_events
):
    history = candidate_with_history(api, aws, pipeline)
    domain_events.bus_events()  # what the history itself made
    receipt = erase(api, history.job_id, history.candidate_id)
    (announced,) = [e for e in domain_events.bus_events() if e["detail-type"] == "candidate.erased"]

    erase(api, history.job_id, history.candidate_id)
    (again,) = [e for e in domain_events.bus_events() if e["detail-type"] == "candidate.erased"]

    detail = announced["detail"]
    assert detail["data"] == {
        "job_id": history.job_id,
        "candidate_id": history.candidate_id,
        "erasure_id": receipt["erasure_id"],
        "reason": "request",
    }
    assert again["detail"]["id"] == detail["id"]
    assert problems(detail) == []
