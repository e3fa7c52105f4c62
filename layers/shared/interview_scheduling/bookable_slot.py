"""The bookable slot: open, in the future, with a seat free. The one statement of that rule, as
the condition a booking writes under, the filter a listing reads with, the flag a slot shows
and the reason a refused booking is given.

A slot with a seat free carries `free_seat_key`, which puts it in the index the list of
available slots reads (models.SlotsWithFreeSeat): the seat that fills the slot removes it, a
seat given back puts it back, closing or deleting the slot removes it.
"""

from datetime import datetime
from typing import Any

from pynamodb.expressions.condition import Condition

from interview_scheduling.enums import SlotStatus
from interview_scheduling.errors import Conflict, DomainError, NotFound, RuleViolation
from interview_scheduling.listing_keys import ordered
from interview_scheduling.models import InterviewSlot


def bookable(now: datetime) -> Condition:
    """The slot item's condition for taking one more seat (or for being listed as available)."""
    condition: Condition = (
        (InterviewSlot.status == SlotStatus.OPEN)
        & (InterviewSlot.booked_count < InterviewSlot.capacity)
        & (InterviewSlot.starts_at > now)
    )
    return condition


def take_seat(slot: InterviewSlot, now: datetime) -> tuple[list[Any], Condition]:
    """The update that takes one seat of `slot`, as it was just read, and its condition: the slot
    is bookable and starts when it was read. Whether this seat is the last one the read says, and
    the condition holds the write to that; refused while seats remain, the slot changed: read it
    again."""
    capacity = int(slot.capacity)
    condition = (
        bookable(now) & (InterviewSlot.starts_at == slot.starts_at) & (InterviewSlot.capacity == capacity)
    )
    actions: list[Any] = [InterviewSlot.booked_count.add(1)]
    if int(slot.booked_count) + 1 >= capacity:
        actions.append(InterviewSlot.free_seat_key.remove())
        condition &= InterviewSlot.booked_count == capacity - 1
    else:
        condition &= InterviewSlot.booked_count < capacity - 1
    return actions, condition


def give_seat_back(slot_id: str, starts_at: datetime) -> list[Any]:
    """The update that frees one seat of the slot (starting at `starts_at`): it has one free now."""
    return [InterviewSlot.booked_count.add(-1), InterviewSlot.free_seat_key.set(ordered(starts_at, slot_id))]


def is_bookable(slot: InterviewSlot, now: datetime) -> bool:
    return refusal(slot, now) is None


def refusal(slot: InterviewSlot, now: datetime) -> DomainError | None:
    """Why a slot that exists and is the caller's cannot take a booking; None if it can."""
    if slot.status == SlotStatus.DELETED:
        return NotFound("slot_not_found", "no slot with that id for this job")
    if slot.status != SlotStatus.OPEN:
        return RuleViolation("slot_closed", "the slot is closed")
    if slot.starts_at <= now:
        return RuleViolation("slot_in_past", "the slot has already started")
    if slot.booked_count >= slot.capacity:
        return Conflict("slot_full", "the slot is fully booked")
    return None
