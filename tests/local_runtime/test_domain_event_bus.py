"""The template's own bus, locally: what a function puts on it reaches its rules' targets.

moto's PutEvents invokes no Lambda target; its archive of the bus keeps every event put on it.
The local runtime reads the archive after each request and does what EventBridge does with a
matching event: "A target is a resource or endpoint that EventBridge sends an event to when the
event matches the event pattern defined for a rule", a Lambda function being invoked
asynchronously ("Event bus targets in Amazon EventBridge",
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-targets.html); the archive "receives
events from a single source event bus" ("Archiving and replaying events in Amazon EventBridge",
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-archive.html).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from local_runtime.eventbridge.archive_watcher import ArchiveWatcher
from local_runtime.eventbridge.bus import EventBus, bind_rules


def put(aws: Any, bus: str, source: str, detail: dict[str, Any]) -> None:
    events = aws.session.client("events")
    answer = events.put_events(
        Entries=[
            {
                "EventBusName": bus,
                "Source": source,
                "DetailType": str(detail.get("type", "x")),
                "Detail": json.dumps(detail),
                "Time": datetime(2030, 7, 1, 9, 0, tzinfo=UTC),
            }
        ]
    )
    assert answer["FailedEntryCount"] == 0


def test_an_event_put_on_the_bus_reaches_the_rules_lambda_target_and_no_other(aws):
    delivered: list[tuple[str, dict[str, Any]]] = []
    bus = EventBus(
        bind_rules(aws.template, aws.resolver, "DomainEventBus"),
        lambda function_id, payload, _request: delivered.append((function_id, json.loads(payload))),
    )
    (rule,) = bus.rules
    assert rule.rule_id == "WebhookDeliveryRule"
    watcher = ArchiveWatcher({"DomainEventArchive": bus.put_events})
    bus_name = aws.resolver.ref("DomainEventBus")

    put(aws, bus_name, "interview-scheduling", {"type": "interview.booked", "id": "evt_1"})
    put(aws, bus_name, "somebody-else", {"type": "interview.booked", "id": "evt_2"})
    put(aws, "default", "interview-scheduling", {"type": "interview.booked", "id": "evt_3"})
    watcher()
    watcher()  # a second look finds nothing new

    assert [(function_id, event["detail"]["id"]) for function_id, event in delivered] == [
        ("WebhookDeliveryFunction", "evt_1")
    ]
    (_, event) = delivered[0]
    assert (event["source"], event["detail-type"]) == ("interview-scheduling", "interview.booked")
    assert event["time"] == "2030-07-01T09:00:00Z"  # as EventBridge sends it, not moto's epoch number


def test_the_bus_has_an_archive_with_retention_and_a_rule_with_retries_and_a_dead_letter_queue(
    stack_template,
):
    archives = stack_template.of_type("AWS::Events::Archive")
    (archive,) = archives.values()
    assert archive["Properties"]["SourceArn"] == {"Fn::GetAtt": ["DomainEventBus", "Arn"]}
    assert archive["Properties"]["RetentionDays"] > 0
    (rule,) = [r for r in stack_template.event_rules() if r.event_bus == "DomainEventBus"]
    (target,) = rule.targets
    assert target.function_id == "WebhookDeliveryFunction"
    assert target.dead_letter_queue_id == "WebhookFailuresQueue"
    assert 0 < target.maximum_retry_attempts <= 185
