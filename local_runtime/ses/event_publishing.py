"""SES's sending events for an email it accepted through a configuration set, as EventBridge
events (no I/O).

A configuration set's event destination says which event types it publishes
(AWS::SES::ConfigurationSetEventDestination MatchingEventTypes); each event is SES's record as
"Contents of event data that Amazon SES publishes" describes it
(https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html), with
the `ses:*` tags SES adds and the send's own tags, as the `detail` of an EventBridge event with
`source: aws.ses` and the detail types of https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-ses.html.
A Send event comes first, then what the mailbox simulator makes of each recipient.
"""

from __future__ import annotations

import email
import email.policy
import uuid
from collections.abc import Collection
from datetime import datetime
from email.utils import parseaddr
from typing import Any, Final

from local_runtime.aws.outbox import SentEmail
from local_runtime.ses.mailbox_simulator import reports
from local_runtime.template import LOCAL_ACCOUNT, LOCAL_REGION

# MatchingEventTypes, in either spelling SES accepts (send, deliveryDelay, DELIVERY_DELAY), → eventType.
EVENT_TYPES: Final = {
    "send": "Send",
    "reject": "Reject",
    "bounce": "Bounce",
    "complaint": "Complaint",
    "delivery": "Delivery",
    "open": "Open",
    "click": "Click",
    "renderingfailure": "Rendering Failure",
    "deliverydelay": "DeliveryDelay",
    "subscription": "Subscription",
}
DETAIL_TYPES: Final = {
    "Send": "Email Sent",
    "Delivery": "Email Delivered",
    "Bounce": "Email Bounced",
    "Complaint": "Email Complaint Received",
    "Reject": "Email Rejected",
    "DeliveryDelay": "Email Delivery Delayed",
    "Open": "Email Opened",
    "Click": "Email Clicked",
    "Rendering Failure": "Email Rendering Failed",
    "Subscription": "Email Subscribed",
}
_COMMON_HEADERS: Final = ("from", "to", "subject", "date")


class UnknownEventType(ValueError):
    """A MatchingEventTypes value SES does not have."""


def event_type(matching_event_type: str) -> str:
    """The record's eventType for one of a destination's MatchingEventTypes."""
    found = EVENT_TYPES.get(matching_event_type.replace("_", "").lower())
    if found is None:
        raise UnknownEventType(f"SES publishes no event type {matching_event_type!r}")
    return found


def events_for(sent: SentEmail, published: Collection[str], sent_at: datetime) -> list[dict[str, Any]]:
    """The EventBridge events SES publishes about `sent`, of the eventTypes in `published`."""
    mail = _mail(sent, sent_at)
    records: list[dict[str, Any]] = []
    outcomes = [report for recipient in sent.recipients for report in reports(recipient, sent_at, sent.raw)]
    if not any(report.event_type == "Reject" for report in outcomes):
        records.append({"eventType": "Send", "mail": mail, "send": {}})
    records += [{"eventType": r.event_type, "mail": mail, r.key: r.body} for r in outcomes]
    return [_envelope(record) for record in records if record["eventType"] in published]


def _mail(sent: SentEmail, sent_at: datetime) -> dict[str, Any]:
    _, source = parseaddr(sent.source)
    domain = source.rpartition("@")[2]
    message = email.message_from_bytes(sent.raw, policy=email.policy.compat32)
    headers = [{"name": name, "value": str(value)} for name, value in message.items()]
    common: dict[str, Any] = {"messageId": sent.message_id}
    for name in _COMMON_HEADERS:
        value = message.get(name)
        if value is not None:
            common[name] = [str(value)] if name in ("from", "to") else str(value)
    tags = {
        "ses:configuration-set": [sent.configuration_set or ""],
        "ses:source-ip": ["127.0.0.1"],
        "ses:from-domain": [domain],
        "ses:caller-identity": ["local"],
        **{name: [value] for name, value in sent.tags.items()},
    }
    return {
        "timestamp": _iso(sent_at),
        "source": sent.source,
        "sourceArn": f"arn:aws:ses:{LOCAL_REGION}:{LOCAL_ACCOUNT}:identity/{source}",
        "sendingAccountId": LOCAL_ACCOUNT,
        "messageId": sent.message_id,
        "destination": list(sent.recipients),
        "headersTruncated": False,
        "headers": headers,
        "commonHeaders": common,
        "tags": tags,
    }


def _envelope(record: dict[str, Any]) -> dict[str, Any]:
    kind = record["eventType"]
    body = record.get(_field(kind), {})
    when = body.get("timestamp") if isinstance(body, dict) else None
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": DETAIL_TYPES[kind],
        "source": "aws.ses",
        "account": LOCAL_ACCOUNT,
        "time": (when or record["mail"]["timestamp"])[:19] + "Z",
        "region": LOCAL_REGION,
        "resources": [],
        "detail": record,
    }


def _field(kind: str) -> str:
    return {"DeliveryDelay": "deliveryDelay"}.get(kind, kind[:1].lower() + kind[1:])


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
