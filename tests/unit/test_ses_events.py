"""The SES event models read AWS's own documented examples (tests/fixtures/ses_events: the records
of "Examples of event data that Amazon SES publishes",
https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-examples.html, in
EventBridge's envelope), and each becomes the report the ledger keeps."""

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from interview_scheduling.email_outcomes import report_of
from interview_scheduling.enums import BounceType, EmailStatus
from interview_scheduling.ses_events import (
    BounceEvent,
    ComplaintEvent,
    DeliveryDelayEvent,
    DeliveryEvent,
    RejectEvent,
    SendEvent,
    SesEventBridgeEvent,
)
from tests.support.ses_events import KINDS, about, documented

MESSAGE_ID = "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000"


def parsed(kind: str) -> SesEventBridgeEvent:
    return SesEventBridgeEvent.model_validate(documented(kind))


@pytest.mark.parametrize(
    ("kind", "model"),
    [
        ("send", SendEvent),
        ("delivery", DeliveryEvent),
        ("delivery_delay", DeliveryDelayEvent),
        ("bounce", BounceEvent),
        ("complaint", ComplaintEvent),
        ("reject", RejectEvent),
    ],
)
def test_each_documented_example_parses_as_its_kind(kind, model):
    event = parsed(kind)
    assert isinstance(event.detail, model)
    assert event.source == "aws.ses"
    assert event.detail.mail.message_id == MESSAGE_ID
    assert event.detail.mail.tag("ses:configuration-set") == "ConfigSet"


def test_a_bounce_keeps_its_type_subtype_and_the_recipients_diagnostic():
    bounce = parsed("bounce").detail
    assert isinstance(bounce, BounceEvent)
    assert bounce.bounce.bounce_type is BounceType.PERMANENT
    assert bounce.bounce.bounce_sub_type == "General"
    assert bounce.bounce.bounced_recipients[0].diagnostic_code == "smtp; 550 5.1.1 user unknown"
    assert bounce.bounce.timestamp == datetime(2017, 8, 5, 0, 41, 2, 669000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kind", "status", "at"),
    [
        ("send", EmailStatus.SENT, datetime(2016, 10, 14, 5, 2, 16, 645000, tzinfo=UTC)),
        ("delivery", EmailStatus.DELIVERED, datetime(2016, 10, 19, 23, 21, 4, 133000, tzinfo=UTC)),
        ("delivery_delay", EmailStatus.DELAYED, datetime(2020, 6, 16, 0, 25, 40, 95000, tzinfo=UTC)),
        ("bounce", EmailStatus.BOUNCED, datetime(2017, 8, 5, 0, 41, 2, 669000, tzinfo=UTC)),
        ("complaint", EmailStatus.COMPLAINED, datetime(2017, 8, 5, 0, 41, 2, 669000, tzinfo=UTC)),
        ("reject", EmailStatus.REJECTED, datetime(2016, 10, 14, 17, 38, 15, 211000, tzinfo=UTC)),
    ],
)
def test_each_event_reports_its_status_at_ses_time(kind, status, at):
    report = report_of(parsed(kind).detail)
    assert (report.status, report.at, report.message_id) == (status, at, MESSAGE_ID)


def test_reports_carry_what_the_recruiter_is_shown():
    bounce = report_of(parsed("bounce").detail)
    assert (bounce.bounce_type, bounce.bounce_subtype, bounce.diagnostic_code) == (
        "Permanent",
        "General",
        "smtp; 550 5.1.1 user unknown",
    )
    delay = report_of(parsed("delivery_delay").detail)
    assert delay.delay_type == "TransientCommunicationFailure"
    assert delay.diagnostic_code == "smtp; 421 4.4.1 Unable to connect to remote host"
    assert report_of(parsed("complaint").detail).complaint_type == "abuse"
    assert report_of(parsed("reject").detail).failure_reason == "SES rejected it: Bad content"


def test_no_recipient_list_is_kept_in_the_model():
    dumped = parsed("delivery").model_dump_json()
    assert "recipient@example.com" not in dumped
    assert "Message sent from Amazon SES" not in dumped  # headers are not read either


@pytest.mark.parametrize("kind", KINDS)
def test_the_tags_of_a_send_name_its_message(kind):
    event = SesEventBridgeEvent.model_validate(about(kind, "interview1", "invitation-0"))
    assert (event.detail.mail.tag("interview_id"), event.detail.mail.tag("message_key")) == (
        "interview1",
        "invitation-0",
    )


@pytest.mark.parametrize(
    "break_it",
    [
        lambda e: e.update(source="aws.s3"),
        lambda e: e["detail"].update(eventType="Open"),
        lambda e: e["detail"].pop("mail"),
        lambda e: e["detail"]["bounce"].update(bounceType="Sideways"),
        lambda e: e["detail"]["bounce"].update(bouncedRecipients=[]),
        lambda e: e["detail"]["bounce"].update(timestamp="yesterday"),
    ],
    ids=["other-source", "unread-type", "no-mail", "unknown-bounce-type", "no-recipient", "bad-time"],
)
def test_what_is_not_a_documented_event_is_refused(break_it):
    event = documented("bounce")
    break_it(event)
    with pytest.raises(ValidationError):
        SesEventBridgeEvent.model_validate(event)
