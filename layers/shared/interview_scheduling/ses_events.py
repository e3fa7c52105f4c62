"""Amazon SES sending events, as EventBridge delivers them (`source: aws.ses`), read with pydantic.

The `detail` is SES's event record as "Contents of event data that Amazon SES publishes"
documents it (https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html;
examples: .../event-publishing-retrieving-sns-examples.html), inside EventBridge's event envelope
(https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-ses.html). Written here because
Powertools ships no model for them. Only what the system reads is declared: headers, the whole
recipient list and the rest of a record are ignored, so nothing else of it is ever kept.
"""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from interview_scheduling.enums import BounceType

# The tags each send carries (interview_scheduling.email_delivery), so an event finds its entry.
INTERVIEW_TAG = "interview_id"
MESSAGE_TAG = "message_key"
# The tag SES adds to every event of a message sent through a configuration set.
CONFIGURATION_SET_TAG = "ses:configuration-set"


class _Record(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, extra="ignore", frozen=True)


class Recipient(_Record):
    """One recipient in a bounce, complaint or delay (a DSN's fields when the ISP gave one)."""

    email_address: str = Field(min_length=3, max_length=320)
    status: str | None = Field(default=None, max_length=32)
    diagnostic_code: str | None = Field(default=None, max_length=2048)


class Mail(_Record):
    """The `mail` object: which message the event is about."""

    message_id: str = Field(min_length=1, max_length=256)
    timestamp: datetime
    tags: dict[str, list[str]] = Field(default_factory=dict)

    def tag(self, name: str) -> str | None:
        """The tag's value (SES publishes each as a list of one)."""
        values = self.tags.get(name) or []
        return values[0] if len(values) == 1 else None


class Delivery(_Record):
    timestamp: datetime


class Bounce(_Record):
    bounce_type: BounceType
    bounce_sub_type: str = Field(max_length=64)
    bounced_recipients: list[Recipient] = Field(min_length=1, max_length=50)
    timestamp: datetime


class Complaint(_Record):
    complained_recipients: list[Recipient] = Field(min_length=1, max_length=50)
    timestamp: datetime
    complaint_feedback_type: str | None = Field(default=None, max_length=64)
    complaint_sub_type: str | None = Field(default=None, max_length=64)


class DeliveryDelay(_Record):
    timestamp: datetime
    delay_type: str = Field(max_length=64)
    delayed_recipients: list[Recipient] = Field(default_factory=list, max_length=50)


class Reject(_Record):
    reason: str = Field(max_length=256)


class SendEvent(_Record):
    event_type: Literal["Send"]
    mail: Mail


class DeliveryEvent(_Record):
    event_type: Literal["Delivery"]
    mail: Mail
    delivery: Delivery


class BounceEvent(_Record):
    event_type: Literal["Bounce"]
    mail: Mail
    bounce: Bounce


class ComplaintEvent(_Record):
    event_type: Literal["Complaint"]
    mail: Mail
    complaint: Complaint


class DeliveryDelayEvent(_Record):
    event_type: Literal["DeliveryDelay"]
    mail: Mail
    delivery_delay: DeliveryDelay


class RejectEvent(_Record):
    event_type: Literal["Reject"]
    mail: Mail
    reject: Reject


SesEvent = Annotated[
    SendEvent | DeliveryEvent | BounceEvent | ComplaintEvent | DeliveryDelayEvent | RejectEvent,
    Field(discriminator="event_type"),
]


class SesEventBridgeEvent(BaseModel):
    """The EventBridge event: its envelope, and SES's record as `detail`."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str = Field(min_length=1, max_length=128)
    detail_type: str = Field(alias="detail-type", max_length=128)
    source: Literal["aws.ses"]
    time: datetime
    detail: SesEvent
