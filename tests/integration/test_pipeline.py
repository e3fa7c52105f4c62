"""Booking → session → email, through real stream records, real PDFs and real MIME, against moto."""

import io
import logging
from datetime import UTC, datetime, timedelta

import pytest
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from botocore.exceptions import ClientError

from interview_scheduling import aws_clients, clock, email_ledger
from interview_scheduling.email_delivery import RetryLater
from interview_scheduling.models import Candidate, InterviewSession, InterviewSlot
from interview_scheduling.notifications import EmailRequest
from interview_scheduling.notifications import request_email as real_request_email
from interview_scheduling.session_keys import key_hash
from interview_scheduling.settings import reset_settings
from tests.conftest import SERVICE_NAME
from tests.pdf_factory import make_text_pdf
from tests.support.catalog import create_candidate, create_job, create_slot
from tests.support.pipeline import calendar_of, sent_emails, session_key_of

SOON = timedelta(minutes=10)  # inside the window in which a session link opens


def book(api, job_id, candidate_id, slot_id):
    response = api.post(f"/jobs/{job_id}/interviews", {"candidate_id": candidate_id, "slot_id": slot_id})
    assert response.status == 201, response.body
    return response.body["interview_id"]


def upload_resume(api, aws, job_id, candidate_id, pdf):
    upload = api.post(f"/jobs/{job_id}/candidates/{candidate_id}/resume", {}).body
    aws.session.client("s3").put_object(
        Bucket=aws.resolver.ref("ResumesBucket"),
        Key=upload["resume_key"],
        Body=pdf,
        ContentType="application/pdf",
    )
    return upload["resume_key"]


@pytest.fixture
def booked(api, pipeline):
    job_id = create_job(api, job_title="Platform Engineer", company_name="Acme", domain="payments")
    candidate_id = create_candidate(api, job_id, resume_text="Built Kafka pipelines at scale")
    slot_id = create_slot(api, job_id, starts_in=SOON)
    return job_id, candidate_id, slot_id, book(api, job_id, candidate_id, slot_id)


def test_a_booking_becomes_a_session_and_one_invitation_with_a_working_link(api, pipeline, booked):
    job_id, _, slot_id, interview_id = booked

    pipeline.run()

    (message,) = sent_emails()
    assert message["To"].addresses[0].addr_spec == "ada@example.com"
    calendar = calendar_of(message)
    slot = next(s for s in api.get(f"/jobs/{job_id}/slots").body["items"] if s["slot_id"] == slot_id)
    starts = datetime.fromisoformat(slot["starts_at"]).astimezone(UTC)
    assert calendar["METHOD"] == "REQUEST"
    assert calendar["DTSTART"] == starts.strftime("%Y%m%dT%H%M%SZ")
    assert calendar["SEQUENCE"] == "0"
    assert interview_id in calendar["UID"]

    session = api.get(f"/sessions/{session_key_of(message)}")
    assert session.status == 200
    assert session.body["candidate_name"] == "Ada Lovelace"
    assert session.body["resume_text"] == "Built Kafka pipelines at scale"
    assert session.body["coding_language"] == "PYTHON"
    assert session.body["interview_type"] == "coding"
    assert (session.body["language_code"], session.body["accent_tld"]) == ("en-IN", "co.in")
    assert "Job Title: Platform Engineer" in session.body["job_description"]
    assert "Domain: payments" in session.body["job_description"]

    status = api.get(f"/jobs/{job_id}/interviews/{interview_id}").body
    assert status["session"]["status"] == "SCHEDULED"
    (delivery,) = status["emails"]
    assert (delivery["kind"], delivery["status"]) == ("invitation-0", "SENT")
    assert delivery["message_id"]
    assert "session_key" not in str(status)


def test_the_key_is_never_stored_only_its_hash(api, pipeline, booked):
    *_, interview_id = booked
    pipeline.run()

    session = InterviewSession.get(interview_id)
    key = session_key_of(sent_emails()[0])
    assert session.key_hash == key_hash(key)
    assert key not in str(session.attribute_values)


def test_every_batch_and_invoke_delivered_twice_still_gives_one_session_and_one_email(api, pipeline):
    job_id = create_job(api)
    slot_id = create_slot(api, job_id, starts_in=SOON, capacity=5)
    interviews = [
        book(api, job_id, create_candidate(api, job_id, email=f"c{i}@example.com"), slot_id) for i in range(3)
    ]

    pipeline.run(deliveries=2)

    assert len(sent_emails()) == 3
    assert {InterviewSession.get(i).interview_id for i in interviews} == set(interviews)
    assert InterviewSession.count() == 3


def test_a_crash_after_the_session_is_written_recovers_on_redelivery(api, pipeline, booked, monkeypatch):
    from create_session import app as create_session_app

    calls = {"n": 0}

    def crash_once(request):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("lost the Lambda endpoint")
        real_request_email(request)

    monkeypatch.setattr(create_session_app, "request_email", crash_once)
    records = pipeline.new_records()

    # The whole batch failed: the invocation fails, so Lambda retries (and bisects) it.
    with pytest.raises(BatchProcessingError):
        pipeline.run_create_session(records)
    second = pipeline.run_create_session(records)
    pipeline.deliver_emails()

    assert second["batchItemFailures"] == []
    assert InterviewSession.count() == 1
    assert len(sent_emails()) == 1


def test_a_crash_after_claiming_the_message_sends_it_once_on_retry(api, pipeline, booked, monkeypatch):
    pipeline.process_stream()
    real_send = aws_clients.sesv2().send_email

    def crash(**_):
        raise ConnectionError("killed before SES was called")

    monkeypatch.setattr(aws_clients.sesv2(), "send_email", crash)
    with pytest.raises(ConnectionError):
        pipeline.deliver_emails()
    monkeypatch.setattr(aws_clients.sesv2(), "send_email", real_send)
    # Lambda retries after about a minute, past the claim's lease; stand in for that wait.
    a_minute_later = clock.now() + timedelta(minutes=1)
    monkeypatch.setattr(clock, "now", lambda: a_minute_later)
    pipeline.invokes = [{"interview_id": booked[3], "kind": "invitation", "revision": 0}]

    pipeline.deliver_emails(deliveries=2)

    assert len(sent_emails()) == 1


def test_a_message_being_sent_elsewhere_is_retried_later_not_dropped(api, pipeline, booked, monkeypatch):
    pipeline.process_stream()
    request = EmailRequest.model_validate(pipeline.invokes[0])
    now = clock.now()
    email_ledger.claim(request.interview_id, request.message_key, now, now + timedelta(minutes=1))

    with pytest.raises(RetryLater):
        pipeline.deliver_emails()

    assert sent_emails() == []


def test_a_retry_after_the_invoke_finds_nothing_to_do(api, pipeline, booked):
    pipeline.run()
    pipeline.invokes = [{"interview_id": booked[3], "kind": "invitation", "revision": 0}]

    (result,) = pipeline.deliver_emails()

    assert result["status"] == "already handled"
    assert len(sent_emails()) == 1


def test_cancelling_revokes_the_key_and_sends_a_cancellation(api, pipeline, booked):
    job_id, _, _, interview_id = booked
    pipeline.run()
    key = session_key_of(sent_emails()[0])

    api.post(f"/jobs/{job_id}/interviews/{interview_id}/cancel")
    pipeline.run(deliveries=2)

    invitation, cancellation = sent_emails()
    calendar = calendar_of(cancellation)
    assert (calendar["METHOD"], calendar["STATUS"], calendar["SEQUENCE"]) == ("CANCEL", "CANCELLED", "1")
    assert calendar["UID"] == calendar_of(invitation)["UID"]
    assert "session_key=" not in str(cancellation)
    assert api.get(f"/sessions/{key}").status == 404
    emails = {
        e["kind"]: e["status"] for e in api.get(f"/jobs/{job_id}/interviews/{interview_id}").body["emails"]
    }
    assert emails == {"invitation-0": "SENT", "cancellation-1": "SENT"}


def test_rescheduling_moves_the_session_and_rotates_its_key(api, pipeline, booked):
    job_id, _, _, interview_id = booked
    pipeline.run()
    old_key = session_key_of(sent_emails()[0])
    later_slot = create_slot(api, job_id, starts_in=SOON + timedelta(minutes=5))

    api.post(f"/jobs/{job_id}/interviews/{interview_id}/reschedule", {"slot_id": later_slot})
    pipeline.run(deliveries=2)

    _, notice = sent_emails()
    new_key = session_key_of(notice)
    assert new_key != old_key
    assert api.get(f"/sessions/{old_key}").status == 404
    assert api.get(f"/sessions/{new_key}").status == 200
    calendar = calendar_of(notice)
    assert (calendar["METHOD"], calendar["SEQUENCE"]) == ("REQUEST", "1")
    session = InterviewSession.get(interview_id)
    assert session.revision == 1
    assert calendar["DTSTART"] == session.scheduled_at.strftime("%Y%m%dT%H%M%SZ")


def test_a_session_link_answers_only_near_the_interview(api, pipeline):
    job_id = create_job(api)
    slot_id = create_slot(api, job_id, starts_in=timedelta(days=2))
    book(api, job_id, create_candidate(api, job_id), slot_id)
    pipeline.run()

    response = api.get(f"/sessions/{session_key_of(sent_emails()[0])}")

    assert response.status == 403
    assert response.body["reason"] == "outside_session_window"


def test_unknown_session_keys_are_not_found(api, pipeline):
    assert api.get("/sessions/" + "k" * 43).status == 404
    assert api.get("/sessions/short").status == 422


def test_the_resume_pdf_is_read_from_s3_once_and_its_text_kept(api, aws, pipeline):
    job_id = create_job(api)
    candidate_id = create_candidate(api, job_id)
    upload_resume(api, aws, job_id, candidate_id, make_text_pdf([["Grace Hopper", "COBOL compilers, 1959"]]))
    interview_id = book(api, job_id, candidate_id, create_slot(api, job_id, starts_in=SOON))
    gets = []
    aws_clients.s3().meta.events.register("before-call.s3.GetObject", lambda **kw: gets.append(1))

    pipeline.run()
    api.post(f"/jobs/{job_id}/interviews/{interview_id}/cancel")
    pipeline.run()
    book(api, job_id, candidate_id, create_slot(api, job_id, starts_in=SOON + timedelta(minutes=1)))
    pipeline.run()

    assert len(gets) == 1
    assert "COBOL compilers" in Candidate.get(job_id, candidate_id).resume_text
    assert "COBOL compilers" in InterviewSession.get(interview_id).resume_text
    assert InterviewSession.get(interview_id).resume_extraction == "extracted"


def test_a_missing_resume_pdf_still_gives_a_session(api, aws, pipeline):
    job_id = create_job(api)
    candidate_id = create_candidate(api, job_id)
    api.post(f"/jobs/{job_id}/candidates/{candidate_id}/resume", {})  # the upload never happens
    interview_id = book(api, job_id, candidate_id, create_slot(api, job_id, starts_in=SOON))

    pipeline.run()

    session = InterviewSession.get(interview_id)
    assert (session.resume_text, session.resume_extraction) == ("", "missing")
    assert len(sent_emails()) == 1


def test_a_hostile_resume_still_gives_a_session(api, aws, pipeline):
    job_id = create_job(api)
    candidate_id = create_candidate(api, job_id)
    upload_resume(api, aws, job_id, candidate_id, b"%PDF-1.7\n" + b"\x00garbage" * 1000)
    interview_id = book(api, job_id, candidate_id, create_slot(api, job_id, starts_in=SOON))

    pipeline.run()

    assert InterviewSession.get(interview_id).resume_extraction == "malformed"
    assert len(sent_emails()) == 1


def test_a_poison_record_fails_alone(api, pipeline, booked):
    records = pipeline.new_records()
    # A record of another item (an interview's own later records wait for it, to keep their order).
    poison = {
        **records[0],
        "eventID": "poison",
        "dynamodb": {
            **records[0]["dynamodb"],
            "Keys": {"interview_id": {"S": "another-interview"}},
            "SequenceNumber": "1",
        },
    }
    del poison["dynamodb"]["NewImage"]

    result = pipeline.run_create_session([poison, *records])

    assert result["batchItemFailures"] == [{"itemIdentifier": "1"}]
    assert InterviewSession.count() == 1


def test_ses_throttling_is_retried_and_then_sent(api, pipeline, booked):
    job_id, *_, interview_id = booked
    pipeline.process_stream()
    request = pipeline.invokes[0]

    def throttle(**_):
        raise ClientError(
            {"Error": {"Code": "TooManyRequestsException", "Message": "slow down"}}, "SendEmail"
        )

    hook = aws_clients.sesv2().meta.events
    hook.register("before-call.sesv2.SendEmail", throttle, unique_id="throttle")

    with pytest.raises(RetryLater):
        pipeline.deliver_emails()
    (waiting,) = api.get(f"/jobs/{job_id}/interviews/{interview_id}").body["emails"]
    assert waiting["status"] == "PENDING"
    assert "TooManyRequestsException" in waiting["failure_reason"]

    hook.unregister("before-call.sesv2.SendEmail", unique_id="throttle")
    pipeline.invokes = [request]
    pipeline.deliver_emails()

    (sent,) = api.get(f"/jobs/{job_id}/interviews/{interview_id}").body["emails"]
    assert sent["status"] == "SENT"
    assert len(sent_emails()) == 1


def test_a_permanent_ses_refusal_is_recorded_for_the_recruiter(api, pipeline, booked, monkeypatch):
    job_id, *_, interview_id = booked
    monkeypatch.setenv("SENDER_EMAIL", "unverified@elsewhere.test")
    from interview_scheduling.settings import reset_settings

    reset_settings()

    pipeline.run()

    (failed,) = api.get(f"/jobs/{job_id}/interviews/{interview_id}").body["emails"]
    assert failed["status"] == "FAILED"
    assert "MessageRejected" in failed["failure_reason"]
    assert sent_emails() == []


def test_logs_carry_ids_but_no_personal_data_or_keys(api, pipeline, booked):
    job_id, _, _, interview_id = booked
    written = io.StringIO()
    handler = logging.StreamHandler(written)
    handler.setFormatter(LambdaPowertoolsFormatter())
    service_logger = logging.getLogger(SERVICE_NAME)
    service_logger.addHandler(handler)
    try:
        pipeline.run()
        api.post(f"/jobs/{job_id}/interviews/{interview_id}/cancel")
        pipeline.run()
    finally:
        service_logger.removeHandler(handler)

    logs = written.getvalue()
    key = session_key_of(sent_emails()[0])
    assert interview_id in logs
    for secret in ("Ada Lovelace", "ada@example.com", "Kafka pipelines", key):
        assert secret not in logs


def test_a_refused_booking_leaves_nothing_on_the_stream(api, pipeline):
    job_id = create_job(api)
    slot_id = create_slot(api, job_id, starts_in=SOON)
    book(api, job_id, create_candidate(api, job_id), slot_id)
    first = pipeline.new_records()

    refused = api.post(
        f"/jobs/{job_id}/interviews",
        {"candidate_id": create_candidate(api, job_id, email="b@example.com"), "slot_id": slot_id},
    )
    other_candidate = create_candidate(api, job_id, email="c@example.com")
    accepted = book(api, job_id, other_candidate, create_slot(api, job_id))

    assert refused.status == 409
    assert [r["eventName"] for r in first] == ["INSERT"]
    # The stream goes on after the refusal: the next booking is there, the refused one is not.
    later = pipeline.new_records()
    assert [r["dynamodb"]["Keys"]["interview_id"]["S"] for r in later] == [accepted]


def test_changes_of_one_interview_in_one_concurrent_batch_apply_in_order(api, pipeline, monkeypatch):
    monkeypatch.setenv("SESSION_WORKERS", "8")
    reset_settings()
    job_id = create_job(api)
    slot_id = create_slot(api, job_id, capacity=6)
    later = create_slot(api, job_id, starts_in=timedelta(days=3), capacity=6)
    booked = [
        book(api, job_id, create_candidate(api, job_id, email=f"c{n}@example.com"), slot_id) for n in range(6)
    ]
    cancelled, moved, kept = booked[:2], booked[2:4], booked[4:]
    for interview_id in cancelled:
        api.post(f"/jobs/{job_id}/interviews/{interview_id}/cancel")
    for interview_id in moved:
        api.post(f"/jobs/{job_id}/interviews/{interview_id}/reschedule", {"slot_id": later})

    result = pipeline.run_create_session(pipeline.new_records())  # one batch, every record
    pipeline.deliver_emails()

    assert result["batchItemFailures"] == []
    subjects = sorted(str(m["Subject"]).split(":")[0] for m in sent_emails())
    # Cancelled before any session: nothing; moved before the invitation: one invitation each.
    assert subjects == ["Interview invitation"] * 4
    assert {s.interview_id for s in InterviewSession.scan()} == {*moved, *kept}
    later_start = InterviewSlot.get(job_id, later).starts_at
    assert {InterviewSession.get(i).scheduled_at for i in moved} == {later_start}
