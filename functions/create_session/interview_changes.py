"""Which stream records mean something for a session, and what."""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from interview_scheduling.enums import InterviewStatus
from interview_scheduling.models import Interview


class ChangeKind(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"
    RESCHEDULED = "rescheduled"


@dataclass(frozen=True)
class InterviewChange:
    kind: ChangeKind
    interview: Interview  # as it is after the change


def interview_change(record: dict[str, Any]) -> InterviewChange | None:
    """None for records that change nothing a session reflects (e.g. the session-key write-back)."""
    images = record["dynamodb"]
    new = Interview.from_raw_data(images["NewImage"])
    scheduled = new.status == InterviewStatus.SCHEDULED.value
    if record["eventName"] == "INSERT":
        return InterviewChange(ChangeKind.BOOKED, new) if scheduled else None
    old = Interview.from_raw_data(images["OldImage"])
    if new.status == InterviewStatus.CANCELLED.value and old.status != InterviewStatus.CANCELLED.value:
        return InterviewChange(ChangeKind.CANCELLED, new)
    if scheduled and (new.slot_id, new.started_at) != (old.slot_id, old.started_at):
        return InterviewChange(ChangeKind.RESCHEDULED, new)
    return None
