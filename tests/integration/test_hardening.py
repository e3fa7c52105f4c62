"""What hostile input, careless clients and races must not break: each answer is a clear 4xx
with a reason or a truthful one, and nothing is lost or sent twice."""

from __future__ import annotations

import importlib
import sys
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from interview_scheduling import booking, email_delivery, email_ledger
from interview_scheduling.enums import EmailStatus, InterviewStatus
from interview_scheduling.models import Candidate, Interview, InterviewSession, InterviewSlot
from interview_scheduling.notifications import EmailRequest
from interview_scheduling.settings import reset_settings
from tests.support.catalog import create_candidate, create_job, create_slot
from tests.support.pipeline import calendar_of, sent_emails


@pytest.fixture
def job(api):
    return create_job(api)


def book(api, job_id, candidate_id, slot_id, **kwargs):
    return api.post(
        f"/jobs/{job_id}/interviews", {"candidate_id": candidate_id, "slot_id": slot_id}, **kwargs
    )


# ---------------------------------------------------------------- input that used to answer 5xx
@pytest.mark.parametrize(
    "body",
    ["[" * 1000 + "]" * 1000, '{"job_title": ' + "[" * 1000 + "]" * 1000 + "}", "{" * 5000],
    ids=["top-level", "inside-a-field", "unclosed"],
)
def test_deeply_nested_json_is_a_400_with_a_reason(api, body):
    response = api.request("POST", "/jobs", raw_body=body)

    assert response.status == 400
    assert response.body["reason"] == "body_too_deep"


def test_brackets_inside_strings_do_not_count_as_nesting(api):
    response = api.post("/jobs", {"job_title": "[" * 150, "company_name": "{" * 100})

    assert response.status == 201


def test_a_slot_far_in_the_future_is_refused_not_a_crash(api, job):
    body = {
        "interview_date": "9999-12-31",
        "start_time": "23:00",
        "end_time": "23:30",
        "timezone": "Pacific/Pago_Pago",
        "ai_interview_type": "coding",
    }

    response = api.post(f"/jobs/{job}/slots", body)

    assert response.status == 422
    assert response.body["reason"] == "slot_too_far_ahead"


def test_a_slot_just_past_the_horizon_is_refused(api, job):
    day = (datetime.now(UTC) + timedelta(days=732)).date()
    body = {"interview_date": day.isoformat(), "start_time": "10:00", "end_time": "10:30"}

    response = api.post(f"/jobs/{job}/slots", {**body, "timezone": "UTC", "ai_interview_type": "coding"})

    assert response.status == 422
    assert response.body["reason"] == "slot_too_far_ahead"


# ---------------------------------------------------------------- too lenient
@pytest.mark.parametrize("capacity", ["3", True, 2.0])
def test_capacity_must_be_a_json_integer(api, job, capacity):
    body = {"interview_date": "2099-01-01", "start_time": "10:00", "end_time": "10:30", "timezone": "UTC"}

    response = api.post(f"/jobs/{job}/slots", {**body, "ai_interview_type": "coding", "capacity": capacity})

    assert response.status == 422
    assert response.body["errors"][0]["loc"][-1] == "capacity"


def test_a_body_that_is_not_utf8_is_a_400(api):
    response = api.request("POST", "/jobs", raw_body=b'{"job_title": "\xff\xfe", "company_name": "Acme"}')

    assert response.status == 400
    assert response.body["reason"] == "invalid_encoding"


# API Gateway hands claims on as text: a list claim arrives as "[a b]", a number as its digits
# (which cannot be told from a string id, so it is not refused).
@pytest.mark.parametrize("claim", [["org-a"], "[org-a org-b]", "", "org a", "x" * 200, {"id": "org-a"}])
def test_an_organisation_claim_that_is_not_a_plain_id_is_forbidden(api, claim):
    response = api.as_org(claim).post("/jobs", {"job_title": "Dev", "company_name": "Acme"})

    assert response.status == 403
    assert response.body["reason"] == "no_organisation"


def test_every_answer_says_no_store(api, job):
    assert api.get(f"/jobs/{job}").headers["Cache-Control"] == "no-store"
    assert api.get("/sessions/" + "k" * 43).headers["Cache-Control"] == "no-store"
    assert api.request("POST", "/jobs", raw_body="[" * 100).headers["Cache-Control"] == "no-store"


# ---------------------------------------------------------------- answers true about the request
def test_a_replayed_booking_whose_interview_was_cancelled_meanwhile_books_anew(api, job, monkeypatch):
    slot_id = create_slot(api, job)
    candidate_id = create_candidate(api, job)
    first = book(api, job, candidate_id, slot_id).body["interview_id"]
    real_replay = booking._replay_by_body

    def cancelled_in_between(*args):
        # The guard was read naming the first interview; its cancel commits before the replay reads it.
        assert api.post(f"/jobs/{job}/interviews/{first}/cancel").status == 200
        monkeypatch.setattr(booking, "_replay_by_body", real_replay)
        return real_replay(*args)

    monkeypatch.setattr(booking, "_replay_by_body", cancelled_in_between)
    again = book(api, job, candidate_id, slot_id)

    assert again.status == 201
    assert again.body["interview_id"] != first
    assert again.body["status"] == "SCHEDULED"
    assert Interview.get(again.body["interview_id"]).status == InterviewStatus.SCHEDULED
    assert Candidate.get(job, candidate_id).active_interview_id == again.body["interview_id"]
    assert InterviewSlot.get(job, slot_id).booked_count == 1


def test_the_same_body_after_a_reschedule_is_not_a_replay(api, job):
    candidate_id = create_candidate(api, job)
    slot_id, other_slot = create_slot(api, job), create_slot(api, job)
    first = book(api, job, candidate_id, slot_id).body["interview_id"]
    api.post(f"/jobs/{job}/interviews/{first}/reschedule", {"slot_id": other_slot})

    again = book(api, job, candidate_id, slot_id)

    assert again.status == 409
    assert again.body["reason"] == "already_booked"


def test_a_cancel_that_meets_a_concurrent_reschedule_is_worked_out_again(api, job, monkeypatch):
    interview_id = book(api, job, create_candidate(api, job), create_slot(api, job)).body["interview_id"]
    other_slot = create_slot(api, job)
    stale = Interview.get(interview_id)
    real_find = booking.find_interview

    def read_then_moved(org, job_id, wanted):
        # The cancel reads the interview, then a reschedule commits before its transaction.
        monkeypatch.setattr(booking, "find_interview", real_find)
        assert api.post(f"/jobs/{job}/interviews/{wanted}/reschedule", {"slot_id": other_slot}).status == 200
        return stale

    monkeypatch.setattr(booking, "find_interview", read_then_moved)
    response = api.post(f"/jobs/{job}/interviews/{interview_id}/cancel")

    assert response.status == 200
    assert response.body["status"] == "CANCELLED"
    assert InterviewSlot.get(job, other_slot).booked_count == 0


# ---------------------------------------------------------------- emails follow what the candidate knows
def test_a_cancel_before_the_invitation_went_out_sends_nothing(api, pipeline, job):
    interview_id = book(api, job, create_candidate(api, job), create_slot(api, job)).body["interview_id"]
    pipeline.process_stream()
    api.post(f"/jobs/{job}/interviews/{interview_id}/cancel")
    pipeline.process_stream()

    pipeline.deliver_emails()

    assert sent_emails() == []
    emails = {e["kind"]: e for e in api.get(f"/jobs/{job}/interviews/{interview_id}").body["emails"]}
    assert emails["invitation-0"]["status"] == "SUPERSEDED"
    assert emails["cancellation-1"]["status"] == "SUPERSEDED"


def test_a_cancel_before_the_session_existed_sends_nothing_and_makes_no_session(api, pipeline, job):
    interview_id = book(api, job, create_candidate(api, job), create_slot(api, job)).body["interview_id"]
    api.post(f"/jobs/{job}/interviews/{interview_id}/cancel")

    pipeline.run()

    assert sent_emails() == []
    assert InterviewSession.count() == 0


def test_a_reschedule_before_the_invitation_went_out_sends_one_invitation_at_the_new_time(api, pipeline, job):
    interview_id = book(api, job, create_candidate(api, job), create_slot(api, job)).body["interview_id"]
    new_slot = create_slot(api, job, starts_in=timedelta(days=3))
    pipeline.process_stream()
    api.post(f"/jobs/{job}/interviews/{interview_id}/reschedule", {"slot_id": new_slot})
    pipeline.process_stream()

    pipeline.deliver_emails()

    (invitation,) = sent_emails()
    assert invitation["Subject"].startswith("Interview invitation")
    starts = InterviewSlot.get(job, new_slot).starts_at
    assert calendar_of(invitation)["DTSTART"] == starts.strftime("%Y%m%dT%H%M%SZ")


def test_a_cancellation_waits_while_the_invitation_is_being_sent(api, pipeline, job):
    interview_id = book(api, job, create_candidate(api, job), create_slot(api, job)).body["interview_id"]
    pipeline.process_stream()
    invitation = EmailRequest.model_validate(pipeline.invokes.pop(0))
    now = datetime.now(UTC)
    email_ledger.claim(interview_id, invitation.message_key, now, now + timedelta(minutes=1))
    api.post(f"/jobs/{job}/interviews/{interview_id}/cancel")
    pipeline.process_stream()

    with pytest.raises(email_delivery.RetryLater):
        pipeline.deliver_emails()

    entry = InterviewSession.get(interview_id).emails["cancellation-1"]
    assert entry.status == EmailStatus.PENDING
    assert entry.attempts == 1


# ---------------------------------------------------------------- the two bugs of the restructure
def test_an_invalid_sender_fails_loudly_and_leaves_the_message_pending(api, pipeline, job, monkeypatch):
    interview_id = book(api, job, create_candidate(api, job), create_slot(api, job)).body["interview_id"]
    pipeline.process_stream()
    monkeypatch.setenv("SENDER_EMAIL", "")
    reset_settings()

    with pytest.raises(ValidationError):
        pipeline.deliver_emails()

    entry = InterviewSession.get(interview_id).emails["invitation-0"]
    assert entry.status == EmailStatus.PENDING  # not claimed, not FAILED: the retry can send it
    assert sent_emails() == []


def test_a_missing_setting_fails_the_function_at_cold_start(monkeypatch):
    monkeypatch.delenv("INTERVIEW_BASE_URL")
    reset_settings()
    monkeypatch.delitem(sys.modules, "send_email.app", raising=False)

    with pytest.raises(ValidationError):
        importlib.import_module("send_email.app")


def test_a_sender_with_a_display_name_gives_a_well_formed_calendar_uid(api, pipeline, job, monkeypatch):
    monkeypatch.setenv("SENDER_EMAIL", "Hiring Team <interviews@hiring.test>")
    reset_settings()
    interview_id = book(api, job, create_candidate(api, job), create_slot(api, job)).body["interview_id"]

    pipeline.run()

    (invitation,) = sent_emails()
    assert calendar_of(invitation)["UID"] == f"{interview_id}@hiring.test"
    assert invitation["From"] == "Hiring Team <interviews@hiring.test>"
