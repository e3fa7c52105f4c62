"""Which stream records mean something for a session, and what."""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from interview_scheduling.enums import InterviewStatus
from interview_scheduling.models import Interview

# What reading a malformed record raises: such a record fails alone, into the failure queue.
UNREADABLE_RECORD = (KeyError, TypeError, ValueError, AttributeError)


class ChangeKind(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"
    RESCHEDULED = "rescheduled"


@dataclass(frozen=True)
class InterviewChange:
    kind: ChangeKind
    interview: Interview  # as it is after the change


def interview_change(record: dict[str, Any]) -> InterviewChange | None:
    """None for records that change nothing a session reflects (a deletion, a field it does not copy)."""
    if record["eventName"] == "REMOVE":
        return None
    images = record["dynamodb"]
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
