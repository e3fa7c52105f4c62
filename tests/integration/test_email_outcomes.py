"""What became of each email, in-process against moto: every send names the configuration set and
tags its message; SES's events (made by the local runtime's SES as the mailbox simulator answers,
"Using the mailbox simulator manually",
https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html#send-email-simulator,
and routed by the template's rule) end on the ledger entry; a hard bounce or a complaint stops
later emails to the address until the recruiter changes it; a resend sends once per request."""

from __future__ import annotations

import io
import logging
from datetime import timedelta
from typing import Any

import pytest
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

from interview_scheduling import email_ledger
from interview_scheduling.models import Candidate, InterviewSession
from local_runtime.aws.moto_sesv2 import SentWith
from tests.conftest import SERVICE_NAME
from tests.support.catalog import book_interview, create_candidate, create_job, create_slot
from tests.support.pipeline import sent_emails, sent_emails_with
from tests.support.ses_events import about, documented

SUCCESS = "success@simulator.amazonses.com"
BOUNCE = "bounce@simulator.amazonses.com"
COMPLAINT = "complaint@simulator.amazonses.com"
SUPPRESSED = "suppressionlist@simulator.amazonses.com"


@pytest.fixture
def job(api):
    return create_job(api)


def book(api, job_id: str, address: str, starts_in: timedelta = timedelta(days=2)) -> tuple[str, str]:
    candidate_id = create_candidate(api, job_id, email=address)
    return candidate_id, book_interview(api, job_id, candidate_id, create_slot(api, job_id, starts_in))


def interview(api, job_id: str, interview_id: str) -> dict[str, Any]:
    response = api.get(f"/jobs/{job_id}/interviews/{interview_id}")
    assert response.status == 200, response.body
    return response.body  # type: ignore[no-any-return]


def emails(api, job_id: str, interview_id: str) -> dict[str, dict[str, Any]]:
    return {e["kind"]: e for e in interview(api, job_id, interview_id)["emails"]}


def to_of(message) -> str:
    return str(message["To"].addresses[0].addr_spec)


def test_a_send_names_the_configuration_set_and_tags_its_message(api, job, pipeline):
    _, interview_id = book(api, job, "ada@example.com")
    pipeline.run()

    ((message, named),) = sent_emails_with()
    assert to_of(message) == "ada@example.com"
    assert named == SentWith(
        "EmailConfigurationSet", {"interview_id": interview_id, "message_key": "invitation-0"}
    )


def test_a_delivery_is_shown_with_its_time(api, job, pipeline):
    _, interview_id = book(api, job, SUCCESS)
    pipeline.run()
    events = pipeline.ses_events()
    assert [e["detail-type"] for e in events] == ["Email Sent", "Email Delivered"]

    answers = pipeline.report(events)

    assert [a["effect"] for a in answers] == ["known", "moved"]  # SENT was written by send_email
    invitation = emails(api, job, interview_id)["invitation-0"]
    assert invitation["status"] == "DELIVERED"
    assert invitation["delivery"]["delivered_at"]
    assert invitation["message_id"] == events[0]["detail"]["mail"]["messageId"]


def test_a_hard_bounce_is_shown_with_its_reason_and_marks_the_address(api, job, pipeline):
    candidate_id, interview_id = book(api, job, BOUNCE)
    pipeline.run_with_outcomes()

    shown = interview(api, job, interview_id)
    invitation = {e["kind"]: e for e in shown["emails"]}["invitation-0"]
    assert invitation["status"] == "BOUNCED"
    delivery = invitation["delivery"]
    assert (delivery["bounce_type"], delivery["bounce_subtype"]) == ("Permanent", "General")
    assert delivery["diagnostic_code"] == "smtp; 550 5.1.1 user unknown"
    mark = shown["candidate_email_unreachable"]
    assert (mark["reason"], mark["interview_id"], mark["message"]) == (
        "hard_bounce",
        interview_id,
        "invitation-0",
    )
    assert "550 5.1.1" in mark["detail"]
    candidate = api.get(f"/jobs/{job}/candidates/{candidate_id}").body
    assert candidate["email_unreachable"]["reason"] == "hard_bounce"


def test_a_suppression_list_bounce_marks_the_address_too(api, job, pipeline):
    candidate_id, interview_id = book(api, job, SUPPRESSED)
    pipeline.run_with_outcomes()

    invitation = emails(api, job, interview_id)["invitation-0"]
    assert (invitation["status"], invitation["delivery"]["bounce_subtype"]) == ("BOUNCED", "Suppressed")
    assert (
        api.get(f"/jobs/{job}/candidates/{candidate_id}").body["email_unreachable"]["reason"] == "hard_bounce"
    )


def test_a_complaint_follows_the_delivery_and_marks_the_address(api, job, pipeline):
    candidate_id, interview_id = book(api, job, COMPLAINT)
    pipeline.run_with_outcomes()

    invitation = emails(api, job, interview_id)["invitation-0"]
    assert invitation["status"] == "COMPLAINED"
    assert invitation["delivery"]["delivered_at"] and invitation["delivery"]["complained_at"]
    assert invitation["delivery"]["complaint_type"] == "abuse"
    mark = api.get(f"/jobs/{job}/candidates/{candidate_id}").body["email_unreachable"]
    assert (mark["reason"], mark["detail"]) == ("complaint", "abuse")


@pytest.mark.parametrize(
    ("address", "final"), [(SUCCESS, "DELIVERED"), (BOUNCE, "BOUNCED"), (COMPLAINT, "COMPLAINED")]
)
def test_events_reversed_and_twice_end_in_the_same_state(api, job, pipeline, address, final):
    _, interview_id = book(api, job, address)
    pipeline.run()
    events = pipeline.ses_events()

    pipeline.report(list(reversed(events)), deliveries=2)
    first = InterviewSession.get(interview_id).emails["invitation-0"]
    pipeline.report(events)

    again = InterviewSession.get(interview_id).emails["invitation-0"]
    assert again.status == final
    assert again.attribute_values == first.attribute_values  # nothing changed the second time


def test_events_before_send_emails_own_write_are_not_undone_by_it(api, job, pipeline, monkeypatch):
    """The local SES reports at once, so email_events may record the bounce while send_email has
    not yet written SENT; its write then changes nothing."""
    _, interview_id = book(api, job, BOUNCE)
    written = email_ledger.record

    def events_first(session, key, outcome, now):
        pipeline.report(pipeline.ses_events())
        return written(session, key, outcome, now)

    monkeypatch.setattr(email_ledger, "record", events_first)
    pipeline.run()

    invitation = emails(api, job, interview_id)["invitation-0"]
    assert invitation["status"] == "BOUNCED"
    assert invitation["message_id"]


def test_an_unreachable_address_is_not_mailed_again(api, job, pipeline):
    _, interview_id = book(api, job, BOUNCE)
    pipeline.run_with_outcomes()
    later = create_slot(api, job, timedelta(days=3))

    api.post(f"/jobs/{job}/interviews/{interview_id}/reschedule", {"slot_id": later})
    pipeline.run_with_outcomes()

    assert len(sent_emails()) == 1  # the bounced invitation only
    reschedule = emails(api, job, interview_id)["reschedule-1"]
    assert reschedule["status"] == "FAILED"
    assert reschedule["failure_reason"].startswith("not attempted: the address bounced permanently")


def test_a_new_address_clears_the_mark_and_a_resend_goes_to_it_once_per_key(api, job, pipeline):
    candidate_id, interview_id = book(api, job, BOUNCE)
    pipeline.run_with_outcomes()
    path = f"/jobs/{job}/interviews/{interview_id}/resend"

    refused = api.post(path, headers={"Idempotency-Key": "fix-1"})
    assert (refused.status, refused.body["reason"]) == (409, "email_unreachable")

    patched = api.request("PATCH", f"/jobs/{job}/candidates/{candidate_id}", {"email": "ada@example.org"})
    assert patched.status == 200, patched.body
    assert patched.body["email"] == "ada@example.org" and patched.body["email_unreachable"] is None

    first = api.post(path, headers={"Idempotency-Key": "fix-1"})
    assert first.status == 202, first.body
    repeated = api.post(path, headers={"Idempotency-Key": "fix-1"})
    assert repeated.status == 202
    pipeline.run_with_outcomes(deliveries=2)

    sent = sent_emails()
    assert [to_of(m) for m in sent] == [BOUNCE, "ada@example.org"]
    assert sent[1]["Subject"].startswith("Interview invitation")
    resends = [kind for kind in emails(api, job, interview_id) if kind.startswith("resend-0-")]
    assert len(resends) == 1
    assert emails(api, job, interview_id)[resends[0]]["status"] == "DELIVERED"
    assert InterviewSession.get(interview_id).candidate_email == "ada@example.org"

    another = api.post(path, headers={"Idempotency-Key": "fix-2"})
    assert another.status == 202
    pipeline.run()
    assert len(sent_emails()) == 3  # a new key is a new request


def test_the_same_address_again_keeps_the_mark(api, job, pipeline):
    candidate_id, _ = book(api, job, BOUNCE)
    pipeline.run_with_outcomes()

    patched = api.request(
        "PATCH", f"/jobs/{job}/candidates/{candidate_id}", {"email": BOUNCE, "phone": "+1 555"}
    )

    assert patched.status == 200
    assert patched.body["phone"] == "+1 555"
    assert patched.body["email_unreachable"]["reason"] == "hard_bounce"


def test_a_late_bounce_for_an_old_address_does_not_mark_the_new_one(api, job, pipeline):
    candidate_id, _interview_id = book(api, job, BOUNCE)
    pipeline.run()
    events = pipeline.ses_events()
    api.request("PATCH", f"/jobs/{job}/candidates/{candidate_id}", {"email": "ada@example.org"})

    pipeline.report(events)

    assert Candidate.get(job, candidate_id).email_unreachable is None


def test_patch_refuses_to_remove_the_address_and_answers_for_its_organisation_only(api, job):
    candidate_id = create_candidate(api, job)
    path = f"/jobs/{job}/candidates/{candidate_id}"

    assert api.request("PATCH", path, {"email": None}).status == 422
    assert api.request("PATCH", path, {"email": "not an address"}).status == 422
    assert api.as_org("org-b").request("PATCH", path, {"full_name": "Eve"}).status == 404
    assert api.get(path).body["full_name"] == "Ada Lovelace"


def test_a_resend_of_a_cancelled_interview_is_refused(api, job, pipeline):
    _, interview_id = book(api, job, "ada@example.com")
    pipeline.run()
    api.post(f"/jobs/{job}/interviews/{interview_id}/cancel")

    refused = api.post(f"/jobs/{job}/interviews/{interview_id}/resend")

    assert (refused.status, refused.body["reason"]) == (422, "not_resendable")


@pytest.mark.parametrize(
    "event",
    [
        pytest.param(about("delivery", "nointerview", "invitation-0"), id="unknown-interview"),
        pytest.param(lambda i: about("delivery", i, "reminder-0-60"), id="unknown-message"),
        pytest.param(lambda i: about("bounce", i, "invitation-0", configuration_set="Other"), id="other-set"),
        pytest.param(lambda i: about("bounce", i, "../../etc"), id="foreign-key"),
        pytest.param(documented("bounce"), id="no-tags"),
        pytest.param({"source": "aws.ses", "detail-type": "Email Bounced", "detail": {}}, id="malformed"),
        pytest.param({"hello": "world"}, id="not-an-event"),
    ],
)
def test_events_about_nothing_of_this_system_are_dropped_as_success(api, job, pipeline, event):
    candidate_id, interview_id = book(api, job, BOUNCE)
    pipeline.run()
    before = InterviewSession.get(interview_id).emails["invitation-0"].attribute_values
    written = io.StringIO()
    handler = logging.StreamHandler(written)
    handler.setFormatter(LambdaPowertoolsFormatter())
    logging.getLogger(SERVICE_NAME).addHandler(handler)
    try:
        (answer,) = pipeline.report([event(interview_id) if callable(event) else event])
    finally:
        logging.getLogger(SERVICE_NAME).removeHandler(handler)

    assert answer["effect"] == "ignored"
    assert InterviewSession.get(interview_id).emails["invitation-0"].attribute_values == before
    assert Candidate.get(job, candidate_id).email_unreachable is None
    logs = written.getvalue()
    assert "dropped" in logs
    for personal in ("@simulator.amazonses.com", "recipient@example.com", "ada@example.com"):
        assert personal not in logs


def test_outcome_logs_carry_ids_but_no_addresses(api, job, pipeline):
    _, interview_id = book(api, job, COMPLAINT)
    pipeline.run()
    written = io.StringIO()
    handler = logging.StreamHandler(written)
    handler.setFormatter(LambdaPowertoolsFormatter())
    logging.getLogger(SERVICE_NAME).addHandler(handler)
    try:
        pipeline.report(pipeline.ses_events())
    finally:
        logging.getLogger(SERVICE_NAME).removeHandler(handler)

    logs = written.getvalue()
    assert interview_id in logs and "COMPLAINED" in logs
    assert "simulator.amazonses.com" not in logs
