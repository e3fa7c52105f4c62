"""The bookable slot: open, in the future, with a seat free. The one statement of that rule, as
the condition a booking writes under, the filter a listing reads with, the flag a slot shows
and the reason a refused booking is given.
"""

from datetime import datetime

from pynamodb.expressions.condition import Condition

from interview_scheduling.enums import SlotStatus
from interview_scheduling.errors import Conflict, DomainError, RuleViolation
from interview_scheduling.models import InterviewSlot


def bookable(now: datetime) -> Condition:
    """The slot item's condition for taking one more seat (or for being listed as available)."""
    condition: Condition = (
        (InterviewSlot.status == SlotStatus.OPEN)
        & (InterviewSlot.booked_count < InterviewSlot.capacity)
        & (InterviewSlot.starts_at > now)
    )
    return condition


def is_bookable(slot: InterviewSlot, now: datetime) -> bool:
    return refusal(slot, now) is None


def refusal(slot: InterviewSlot, now: datetime) -> DomainError | None:
    """Why a slot that exists and is the caller's cannot take a booking; None if it can."""
    if slot.status != SlotStatus.OPEN:
        return RuleViolation("slot_closed", "the slot is closed")
    if slot.starts_at <= now:
        return RuleViolation("slot_in_past", "the slot has already started")
    if slot.booked_count >= slot.capacity:
        return Conflict("slot_full", "the slot is fully booked")
    return None
