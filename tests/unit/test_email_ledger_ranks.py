"""The ledger's ranks against the template's sessions table: SES's reports arrive late, twice and
out of order, and an entry ends the same whatever the order; nothing goes back, and a repeated
report changes nothing."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from interview_scheduling import email_ledger
from interview_scheduling.conditional_writes import update_if
from interview_scheduling.email_ledger import DeliveryReport, Outcome, Reported
from interview_scheduling.enums import EmailStatus
from interview_scheduling.models import InterviewSession

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
KEY = "invitation-0"
SENT = DeliveryReport(EmailStatus.SENT, NOW, "ses-1")
DELAYED = DeliveryReport(
    EmailStatus.DELAYED,
    NOW + timedelta(minutes=1),
    "ses-1",
    delay_type="MailboxFull",
    diagnostic_code="4.2.2",
)
DELIVERED = DeliveryReport(EmailStatus.DELIVERED, NOW + timedelta(minutes=2), "ses-1")
BOUNCED = DeliveryReport(
    EmailStatus.BOUNCED,
    NOW + timedelta(minutes=3),
    "ses-1",
    bounce_type="Permanent",
    bounce_subtype="General",
    diagnostic_code="smtp; 550 5.1.1 user unknown",
)
COMPLAINED = DeliveryReport(
    EmailStatus.COMPLAINED, NOW + timedelta(minutes=4), "ses-1", complaint_type="abuse"
)


@pytest.fixture
def ledger(aws, monkeypatch):
    aws.use_function_environment(monkeypatch, "EmailEventsFunction")
    return aws


def new_session(interview_id: str, status: EmailStatus = EmailStatus.SENDING) -> None:
    InterviewSession(
        interview_id=interview_id,
        org_id="o1",
        job_id="j1",
        candidate_id="c1",
        candidate_name="Ada",
        candidate_email="ada@example.com",
        job_title="Engineer",
        company_name="Acme",
        job_description="Engineer at Acme",
        coding_language="PYTHON",
        interview_type="technical",
        scheduled_at=NOW + timedelta(days=1),
        ends_at=NOW + timedelta(days=1, hours=1),
        time_zone="UTC",
        language_code="en-IN",
        accent_tld="co.in",
        emails={KEY: email_ledger.first_request(KEY, NOW)[KEY]},
        created_at=NOW,
        updated_at=NOW,
    ).save()
    if status != EmailStatus.PENDING:
        InterviewSession(interview_id).update(
            actions=[InterviewSession.emails[KEY]["status"].set(status.value)]
        )


def entry(interview_id: str) -> dict[str, Any]:
    """The entry as stored, without the time of the last write (which differs by order)."""
    stored = InterviewSession.get(interview_id, consistent_read=True).emails[KEY]
    return {k: v for k, v in stored.attribute_values.items() if k != "updated_at"}


def report_all(interview_id: str, reports: list[DeliveryReport]) -> list[Reported]:
    return [email_ledger.record_report(interview_id, KEY, r, NOW)[0] for r in reports]


def test_every_order_of_every_report_twice_ends_in_the_same_entry(ledger):
    reports = [SENT, DELAYED, DELIVERED, COMPLAINED]
    finals = []
    for number, order in enumerate(itertools.permutations(reports)):
        interview_id = f"i{number}"
        new_session(interview_id)
        twice = [*order, *order]
        random.Random(number).shuffle(twice)
        report_all(interview_id, twice)
        finals.append(entry(interview_id))
    assert all(final == finals[0] for final in finals)
    final = finals[0]
    assert final["status"] == EmailStatus.COMPLAINED
    # What each report said is kept, whichever came first.
    assert final["delivered_at"] == DELIVERED.at
    assert final["delayed_at"] == DELAYED.at
    assert final["complained_at"] == COMPLAINED.at
    assert (final["complaint_type"], final["delay_type"], final["message_id"]) == (
        "abuse",
        "MailboxFull",
        "ses-1",
    )


@pytest.mark.parametrize(
    "order", [[DELAYED, BOUNCED], [BOUNCED, DELAYED]], ids=["delay-first", "bounce-first"]
)
def test_a_bounce_stays_a_bounce_when_a_delay_is_reported_after_it(ledger, order):
    new_session("i1")
    report_all("i1", order)
    final = entry("i1")
    assert final["status"] == EmailStatus.BOUNCED
    assert final["diagnostic_code"] == "smtp; 550 5.1.1 user unknown"
    assert (final["bounce_type"], final["bounce_subtype"]) == ("Permanent", "General")


def test_a_repeated_report_changes_nothing(ledger):
    new_session("i1")
    assert report_all("i1", [DELIVERED]) == [Reported.MOVED]
    before = InterviewSession.get("i1", consistent_read=True).emails[KEY].attribute_values
    later = NOW + timedelta(hours=1)
    reported, _ = email_ledger.record_report("i1", KEY, DELIVERED, later)
    assert reported is Reported.KNOWN
    assert InterviewSession.get("i1", consistent_read=True).emails[KEY].attribute_values == before


def test_a_lower_report_after_a_higher_one_is_known_and_moves_nothing(ledger):
    new_session("i1")
    assert report_all("i1", [BOUNCED, DELAYED, SENT]) == [Reported.MOVED, Reported.KNOWN, Reported.KNOWN]


def test_send_emails_own_write_does_not_undo_what_ses_reported_first(ledger):
    new_session("i1")  # SENDING: SES's delivery is reported before send_email writes SENT
    report_all("i1", [DELIVERED])
    session = InterviewSession.get("i1")
    assert not email_ledger.record(session, KEY, Outcome(EmailStatus.SENT, message_id="ses-1"), NOW)
    email_ledger.release("i1", KEY, NOW, "will retry after Throttling", 1)
    assert entry("i1")["status"] == EmailStatus.DELIVERED


def test_send_emails_write_still_moves_a_message_it_holds(ledger):
    new_session("i1")
    assert email_ledger.record(InterviewSession.get("i1"), KEY, Outcome(EmailStatus.SENT, "ses-1"), NOW)
    assert entry("i1")["status"] == EmailStatus.SENT


def test_a_report_on_a_message_never_requested_writes_nothing(ledger):
    new_session("i1")
    assert email_ledger.record_report("i1", "reminder-0-60", DELIVERED, NOW) == (Reported.UNKNOWN, None)
    assert email_ledger.record_report("nobody", KEY, DELIVERED, NOW) == (Reported.UNKNOWN, None)
    assert "reminder-0-60" not in InterviewSession.get("i1").emails
    assert InterviewSession.count("nobody") == 0


def test_what_reached_the_candidate_announces_the_interview_and_a_bounce_does_not(ledger):
    new_session("i1")
    report_all("i1", [BOUNCED])
    assert not email_ledger.was_announced(InterviewSession.get("i1"))
    new_session("i2")
    report_all("i2", [DELAYED])
    assert email_ledger.was_announced(InterviewSession.get("i2"))


def test_every_reported_status_is_final_for_sending():
    assert email_ledger.REPORTED_STATUSES <= email_ledger.FINAL_STATUSES
    assert EmailStatus.BOUNCED not in email_ledger.REACHING_STATUSES
    assert set(email_ledger.RANK) == set(EmailStatus)


def test_a_report_of_delivery_clears_the_reason_an_earlier_attempt_left(ledger):
    new_session("i1")
    email_ledger.release("i1", KEY, NOW, "will retry after ReadTimeoutError", 1)  # SES took it all the same

    report_all("i1", [DELIVERED])

    final = entry("i1")
    assert (final["status"], final.get("failure_reason")) == (EmailStatus.DELIVERED, None)


def test_ses_send_event_after_send_emails_own_record_is_one_write_and_still_moves_a_sending_entry(
    ledger, monkeypatch
):
    """SES's Send event nearly always comes after send_email recorded SENT: it is then one
    conditional write, not a refused one and another; on an entry still SENDING (send_email
    stopped after SES took the message) it moves the entry to SENT as before."""
    writes: list[bool] = []

    def counted(*args: Any, **kwargs: Any) -> bool:
        writes.append(update_if(*args, **kwargs))
        return writes[-1]

    monkeypatch.setattr(email_ledger, "update_if", counted)
    new_session("i1", EmailStatus.SENT)
    assert report_all("i1", [SENT]) == [Reported.KNOWN]
    assert writes == [True]
    assert entry("i1")["message_id"] == "ses-1"

    writes.clear()
    new_session("i2")  # SENDING
    assert report_all("i2", [SENT]) == [Reported.MOVED]
    assert writes == [False, True]
    assert entry("i2")["status"] == EmailStatus.SENT
