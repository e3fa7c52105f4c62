"""Which stream records mean something for a session, and what."""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from interview_scheduling.enums import InterviewStatus
from interview_scheduling.models import Interview

# What reading a malformed record raises: such a record fails alone, into the failure queue.
UNREADABLE_RECORD = (KeyError, TypeError, ValueError, AttributeError)


# Who a stream record says deleted an item when DynamoDB's TTL did
# (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-streams.html).
TTL_DELETION = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}


class ChangeKind(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"
    RESCHEDULED = "rescheduled"
    EXPIRED = "expired"  # DynamoDB's TTL deleted the interview: its retention ran out


@dataclass(frozen=True)
class InterviewChange:
    kind: ChangeKind
    interview: Interview  # as it is after the change; as it was before an expiry


def interview_change(record: dict[str, Any]) -> InterviewChange | None:
    """None for records that change nothing a session reflects (a user's deletion, a field it
    does not copy)."""
    images = record["dynamodb"]
    if record["eventName"] == "REMOVE":
        if deleted_by_ttl(record):
            return InterviewChange(ChangeKind.EXPIRED, Interview.from_raw_data(images["OldImage"]))
        return None
    new = Interview.from_raw_data(images["NewImage"])
    scheduled = new.status == InterviewStatus.SCHEDULED
    if record["eventName"] == "INSERT":
        return InterviewChange(ChangeKind.BOOKED, new) if scheduled else None
    old = Interview.from_raw_data(images["OldImage"])
    if new.status == InterviewStatus.CANCELLED and old.status != InterviewStatus.CANCELLED:
        return InterviewChange(ChangeKind.CANCELLED, new)
    if scheduled and (new.slot_id, new.started_at) != (old.slot_id, old.started_at):
        return InterviewChange(ChangeKind.RESCHEDULED, new)
    return None


def deleted_by_ttl(record: dict[str, Any]) -> bool:
    """Whether DynamoDB's Time to Live deleted the item, not a request (which has no userIdentity)."""
    identity = record.get("userIdentity") or {}
    return all(identity.get(name) == value for name, value in TTL_DELETION.items())
