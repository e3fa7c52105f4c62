"""The local SES's events and the default event bus.

The mailbox simulator answers as "Using the mailbox simulator manually" documents
(https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html#send-email-simulator);
the records are shaped as "Contents of event data that Amazon SES publishes"
(https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html), inside
EventBridge events of https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-ses.html; the
bus routes them by the template's rule and dead-letters what a target cannot take
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html). moto's SES v2 is
made to refuse a configuration set it lacks and tags outside
https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_MessageTag.html.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from interview_scheduling.ses_events import SesEventBridgeEvent
from local_runtime.aws.moto_sesv2 import SentWith, sent_with
from local_runtime.aws.outbox import SentEmail
from local_runtime.eventbridge.bus import DefaultEventBus, TargetUnavailable, bind_rules
from local_runtime.ses.event_publishing import UnknownEventType, event_type, events_for
from local_runtime.ses.mailbox_simulator import EICAR, Scenario, scenario
from local_runtime.ses.publisher import SesEventPublisher, published_event_types
from local_runtime.streams.event_filter import InvalidPatternError
from local_runtime.template import LOCAL_REGION, Resolver, StackTemplate

SENT_AT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
ALL = frozenset({"Send", "Delivery", "Bounce", "Complaint", "DeliveryDelay", "Reject"})


def sent(to: str, body: str = "Hello", configuration_set: str | None = "EmailConfigurationSet") -> SentEmail:
    message = EmailMessage()
    message["From"] = "interviews@hiring.example.com"
    message["To"] = to
    message["Subject"] = "Interview invitation"
    message.set_content(body)
    tags = {"interview_id": "i1", "message_key": "invitation-0"}
    return SentEmail(
        "0100-ses-id", "interviews@hiring.example.com", (to,), bytes(message), configuration_set, tags
    )


def kinds(events: list[dict[str, Any]]) -> list[str]:
    return [event["detail"]["eventType"] for event in events]


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("success@simulator.amazonses.com", ["Send", "Delivery"]),
        ("bounce@simulator.amazonses.com", ["Send", "Bounce"]),
        ("ooto@simulator.amazonses.com", ["Send", "Delivery"]),
        ("complaint@simulator.amazonses.com", ["Send", "Delivery", "Complaint"]),
        ("suppressionlist@simulator.amazonses.com", ["Send", "Bounce"]),
        ("bounce+label1@SIMULATOR.amazonses.com", ["Send", "Bounce"]),
        ("ada@example.com", ["Send", "Delivery"]),
        ("nobody@simulator.amazonses.com", ["Send", "Delivery"]),
    ],
)
def test_each_simulator_address_gives_its_documented_events(address, expected):
    assert kinds(events_for(sent(address), ALL, SENT_AT)) == expected


def test_labels_and_case_name_the_same_scenario():
    assert scenario("Bounce+x@Simulator.AmazonSES.com") is Scenario.BOUNCE
    assert scenario("bounce@example.com") is Scenario.ORDINARY


def test_bounces_are_permanent_with_the_documented_subtypes_and_codes():
    (_, bounce) = events_for(sent("bounce@simulator.amazonses.com"), ALL, SENT_AT)
    record = bounce["detail"]["bounce"]
    assert (record["bounceType"], record["bounceSubType"]) == ("Permanent", "General")
    assert record["bouncedRecipients"][0]["diagnosticCode"] == "smtp; 550 5.1.1 user unknown"
    (_, suppressed) = events_for(sent("suppressionlist@simulator.amazonses.com"), ALL, SENT_AT)
    assert suppressed["detail"]["bounce"]["bounceSubType"] == "Suppressed"


def test_a_message_carrying_the_eicar_test_file_is_rejected_not_delivered():
    events = events_for(sent("ada@example.com", body=f"X5O!P%@AP {EICAR.decode()}!$H+H*"), ALL, SENT_AT)
    assert kinds(events) == ["Reject"]
    assert events[0]["detail"]["reject"] == {"reason": "Bad content"}


@pytest.mark.parametrize(
    "address",
    [
        "success@simulator.amazonses.com",
        "bounce@simulator.amazonses.com",
        "complaint@simulator.amazonses.com",
        "suppressionlist@simulator.amazonses.com",
    ],
)
def test_every_event_is_one_the_system_reads_with_the_sends_tags(address):
    events = events_for(sent(address), ALL, SENT_AT)
    for event in events:
        parsed = SesEventBridgeEvent.model_validate(event)
        assert parsed.detail_type.startswith("Email ")
        assert parsed.detail.mail.tag("ses:configuration-set") == "EmailConfigurationSet"
        assert (parsed.detail.mail.tag("interview_id"), parsed.detail.mail.tag("message_key")) == (
            "i1",
            "invitation-0",
        )
    # Each later event is no earlier than the one before.
    times = [SesEventBridgeEvent.model_validate(e).time for e in events]
    assert times == sorted(times)


def test_only_the_event_types_the_destination_matches_are_published():
    events = events_for(sent("complaint@simulator.amazonses.com"), frozenset({"Complaint"}), SENT_AT)
    assert kinds(events) == ["Complaint"]


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        ("send", "Send"),
        ("deliveryDelay", "DeliveryDelay"),
        ("DELIVERY_DELAY", "DeliveryDelay"),
        ("bounce", "Bounce"),
    ],
)
def test_matching_event_types_read_in_either_spelling(spelling, expected):
    assert event_type(spelling) == expected


def test_an_unknown_matching_event_type_is_refused():
    with pytest.raises(UnknownEventType):
        event_type("opened")


def test_the_template_publishes_what_the_rule_routes(stack_template):
    resolver = Resolver(stack_template)
    published = published_event_types(stack_template, resolver)
    assert published == {"EmailConfigurationSet": ALL}
    (rule,) = bind_rules(stack_template, resolver)
    assert rule.pattern["detail"]["mail"]["tags"]["ses:configuration-set"] == ["EmailConfigurationSet"]


def bus_for(
    template: StackTemplate, delivered: list[Any], dead: list[Any] | None = None, *, unavailable: bool = False
) -> DefaultEventBus:
    def deliver(function_id: str, payload: bytes, request_id: str) -> None:
        if unavailable:
            raise TargetUnavailable("stopping")
        delivered.append((function_id, json.loads(payload), request_id))

    def dead_letter(queue_id, body, attributes):
        assert dead is not None
        dead.append((queue_id, json.loads(body), dict(attributes)))

    return DefaultEventBus(bind_rules(template, Resolver(template)), deliver, dead_letter)


def test_the_rule_hands_the_systems_events_to_email_events_and_nothing_else(stack_template):
    delivered: list[Any] = []
    bus = bus_for(stack_template, delivered)
    publisher = SesEventPublisher(
        published_event_types(stack_template, Resolver(stack_template)), bus.put_events
    )

    publisher(sent("bounce@simulator.amazonses.com"))
    publisher(sent("ada@example.com", configuration_set=None))  # no configuration set: no events
    other = events_for(sent("ada@example.com", configuration_set="Other"), ALL, SENT_AT)
    bus.put_events([*other, {"source": "aws.s3", "detail-type": "Object Created", "detail": {}}])

    assert [(f, e["detail-type"]) for f, e, _ in delivered] == [
        ("EmailEventsFunction", "Email Sent"),
        ("EmailEventsFunction", "Email Bounced"),
    ]
    assert all(request_id == event["id"] for _, event, request_id in delivered)


def test_an_event_a_target_cannot_take_goes_to_its_dead_letter_queue(stack_template):
    dead: list[Any] = []
    bus = bus_for(stack_template, [], dead, unavailable=True)

    reached = bus.put_events(
        events_for(sent("success@simulator.amazonses.com"), frozenset({"Delivery"}), SENT_AT)
    )

    assert reached == 0
    ((queue_id, body, attributes),) = dead
    assert queue_id == "EmailEventFailuresQueue"
    assert body["detail-type"] == "Email Delivered"
    assert attributes["RULE_ARN"].endswith(":rule/EmailEventsRule")
    assert attributes["ERROR_CODE"] == "TargetUnavailable"


def test_a_rule_pattern_the_bus_cannot_match_is_refused(tmp_path: Path):
    template = tmp_path / "template.yaml"
    template.write_text(
        "Resources:\n"
        "  Rule:\n"
        "    Type: AWS::Events::Rule\n"
        "    Properties:\n"
        "      EventPattern:\n"
        "        source: [{wildcard: 'aws.*'}]\n"
        "      Targets: []\n"
    )
    with pytest.raises(InvalidPatternError, match="rule Rule"):
        bind_rules(StackTemplate(template), Resolver(StackTemplate(template)))


@pytest.fixture
def sesv2():
    with mock_aws():
        client = boto3.client("sesv2", region_name=LOCAL_REGION)
        client.create_email_identity(EmailIdentity="interviews@hiring.example.com")
        client.create_configuration_set(ConfigurationSetName="EmailConfigurationSet")
        yield client


def send(client, **extra):
    return client.send_email(
        FromEmailAddress="interviews@hiring.example.com",
        Destination={"ToAddresses": ["ada@example.com"]},
        Content={"Simple": {"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "Hello"}}}},
        **extra,
    )


def test_the_embedded_ses_keeps_the_configuration_set_and_tags_of_a_send(sesv2):
    tags = [{"Name": "interview_id", "Value": "i-1"}, {"Name": "message_key", "Value": "reminder-0-1440"}]
    message_id = send(sesv2, ConfigurationSetName="EmailConfigurationSet", EmailTags=tags)["MessageId"]

    (message,) = ses_backends[DEFAULT_ACCOUNT_ID][LOCAL_REGION].sent_messages
    assert message.id == message_id
    assert sent_with(message) == SentWith(
        "EmailConfigurationSet", {"interview_id": "i-1", "message_key": "reminder-0-1440"}
    )


def test_the_embedded_ses_refuses_a_configuration_set_it_lacks(sesv2):
    with pytest.raises(ClientError) as refused:
        send(sesv2, ConfigurationSetName="Missing")
    assert refused.value.response["Error"]["Code"] == "NotFoundException"


@pytest.mark.parametrize("value", ["has space", "a.b", "é", "x" * 257])
def test_the_embedded_ses_refuses_tags_ses_would(sesv2, value):
    with pytest.raises(ClientError) as refused:
        send(sesv2, EmailTags=[{"Name": "interview_id", "Value": value}])
    assert refused.value.response["Error"]["Code"] == "BadRequestException"
    assert ses_backends[DEFAULT_ACCOUNT_ID][LOCAL_REGION].sent_messages == []
