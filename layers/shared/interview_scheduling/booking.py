"""Booking, cancelling and rescheduling interviews: each is one DynamoDB transaction.

Double booking is impossible by construction: the slot's count rises only under the condition
that it is below capacity, and the candidate item holds the id of the one active interview
(the guard) under the condition that it held none. When the transaction is refused, the
reasons DynamoDB gives for each item decide the answer; nothing is read before writing.
"""

import hashlib
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.constants import ALL_OLD
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from interview_scheduling import aws_clients
from interview_scheduling.conditional_writes import condition_failed
from interview_scheduling.enums import InterviewStatus, SlotStatus
from interview_scheduling.errors import Conflict, DomainError, NotFound, RuleViolation
from interview_scheduling.ids import derived_id, new_id
from interview_scheduling.models import Candidate, Interview, InterviewSlot
from interview_scheduling.schemas import BookingIn, RescheduleIn
from interview_scheduling.settings import api_settings

# Another transaction held one of the items; DynamoDB asks the caller to try again.
TRANSACTION_CONFLICT = "TransactionConflict"
TRANSACTION_ATTEMPTS = 3


@dataclass(frozen=True)
class Booking:
    interview: Interview
    replayed: bool  # True when this request repeated an earlier one and got its interview


def _now() -> datetime:
    return datetime.now(UTC)


def _take_seat(transaction: TransactWrite, org: str, job_id: str, slot_id: str, now: datetime) -> None:
    """One more seat, only in an open future slot of the caller's with a seat free."""
    bookable = (
        (InterviewSlot.org_id == org)
        & (InterviewSlot.status == SlotStatus.OPEN.value)
        & (InterviewSlot.booked_count < InterviewSlot.capacity)
        & (InterviewSlot.starts_at > now)
    )
    transaction.update(
        InterviewSlot(job_id, slot_id),
        actions=[InterviewSlot.booked_count.add(1)],
        condition=bookable,
        return_values=ALL_OLD,
    )


def _free_seat(transaction: TransactWrite, job_id: str, slot_id: str) -> None:
    transaction.update(
        InterviewSlot(job_id, slot_id),
        actions=[InterviewSlot.booked_count.add(-1)],
        condition=InterviewSlot.booked_count > 0,
    )


def _revise(transaction: TransactWrite, interview: Interview, now: datetime, change: Any) -> None:
    """Applies `change` if nobody changed the interview since it was read; its revision rises."""
    transaction.update(
        interview,
        actions=[change, Interview.revision.add(1), Interview.updated_at.set(now)],
        condition=Interview.revision == interview.revision,
    )


def _run(build: Callable[[TransactWrite], None]) -> None:
    """Runs a transaction, trying again while DynamoDB reports a conflicting transaction."""
    for attempt in range(1, TRANSACTION_ATTEMPTS + 1):
        try:
            with TransactWrite(connection=aws_clients.transactions()) as transaction:
                build(transaction)
            return
        except TransactWriteError as error:
            conflicting = any(
                r is not None and r.code == TRANSACTION_CONFLICT for r in error.cancellation_reasons
            )
            if not conflicting:
                raise
            if attempt == TRANSACTION_ATTEMPTS:
                raise Conflict(
                    "busy", "a concurrent change held the same slot or candidate; try again"
                ) from error
            time.sleep(random.uniform(0.01, 0.05) * attempt)  # noqa: S311 - jitter, not a secret


# ---------------------------------------------------------------- booking
def book_interview(org: str, job_id: str, request: BookingIn, idempotency_key: str | None) -> Booking:
    now = _now()
    fingerprint = _fingerprint(job_id, request)
    interview_id = derived_id(org, job_id, idempotency_key) if idempotency_key else new_id()
    interview = Interview(
        interview_id=interview_id,
        org_id=org,
        job_id=job_id,
        candidate_id=request.candidate_id,
        slot_id=request.slot_id,
        status=InterviewStatus.SCHEDULED.value,
        booking_notes=request.booking_notes,
        request_fingerprint=fingerprint,
        revision=0,
        created_at=now,
        updated_at=now,
    )

    def build(transaction: TransactWrite) -> None:
        transaction.save(interview, condition=Interview.interview_id.does_not_exist(), return_values=ALL_OLD)
        transaction.update(
            Candidate(job_id, request.candidate_id),
            actions=[Candidate.active_interview_id.set(interview_id)],
            condition=(Candidate.org_id == org) & Candidate.active_interview_id.does_not_exist(),
            return_values=ALL_OLD,
        )
        _take_seat(transaction, org, job_id, request.slot_id, now)

    try:
        _run(build)
    except TransactWriteError as error:
        return _replay_or_refuse(error, org, fingerprint, now)
    return Booking(interview, replayed=False)


def _fingerprint(job_id: str, request: BookingIn) -> str:
    canonical = json.dumps([job_id, request.model_dump(mode="json")], sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay_or_refuse(error: TransactWriteError, org: str, fingerprint: str, now: datetime) -> Booking:
    # pynamodb sends puts before updates, whatever order they were added in; reasons follow that order.
    interview_reason, candidate_reason, slot_reason = error.cancellation_reasons

    if condition_failed(interview_reason):
        # The Idempotency-Key was used before: same request → same interview.
        earlier = Interview.from_raw_data(interview_reason.raw_item or {})
        if earlier.org_id == org and earlier.request_fingerprint == fingerprint:
            return Booking(earlier, replayed=True)
        raise Conflict("idempotency_key_reused", "this Idempotency-Key was used for a different booking")

    candidate_item = candidate_reason.raw_item if condition_failed(candidate_reason) else None
    if condition_failed(candidate_reason) and not _owned_by(candidate_item, org):
        raise NotFound("candidate_not_found", "no candidate with that id for this job")
    if condition_failed(slot_reason) and not _owned_by(slot_reason.raw_item, org):
        raise NotFound("slot_not_found", "no slot with that id for this job")

    if candidate_item is not None:
        active = _interview_or_none(Candidate.from_raw_data(candidate_item).active_interview_id)
        window = timedelta(seconds=api_settings().booking_replay_window_seconds)
        if active and active.request_fingerprint == fingerprint and now - active.created_at <= window:
            return Booking(active, replayed=True)
        raise Conflict("already_booked", "the candidate already has an active interview for this job")

    if condition_failed(slot_reason):
        raise _slot_refusal(InterviewSlot.from_raw_data(slot_reason.raw_item), now)  # type: ignore[arg-type]
    raise error


def _owned_by(raw_item: dict[str, Any] | None, org: str) -> bool:
    return raw_item is not None and raw_item.get("org_id") == {"S": org}


def _interview_or_none(interview_id: str | None) -> Interview | None:
    if interview_id is None:
        return None
    try:
        return Interview.get(interview_id, consistent_read=True)
    except DoesNotExist:
        return None


def _slot_refusal(slot: InterviewSlot, now: datetime) -> DomainError:
    """Why a slot that exists and is the caller's cannot take this booking."""
    if slot.status != SlotStatus.OPEN.value:
        return RuleViolation("slot_closed", "the slot is closed")
    if slot.starts_at <= now:
        return RuleViolation("slot_in_past", "the slot has already started")
    return Conflict("slot_full", "the slot is fully booked")


# ---------------------------------------------------------------- changes to a booking
def find_interview(org: str, job_id: str, interview_id: str) -> Interview:
    interview = _interview_or_none(interview_id)
    if interview is None or interview.org_id != org or interview.job_id != job_id:
        raise NotFound("interview_not_found", "no interview with that id for this job")
    return interview


def cancel_interview(org: str, job_id: str, interview_id: str) -> Interview:
    interview = find_interview(org, job_id, interview_id)
    if interview.status == InterviewStatus.CANCELLED.value:
        return interview  # a repeated cancel changes nothing
    if interview.status != InterviewStatus.SCHEDULED.value:
        raise RuleViolation("not_cancellable", f"an interview that is {interview.status} cannot be cancelled")
    now = _now()

    def build(transaction: TransactWrite) -> None:
        _revise(transaction, interview, now, Interview.status.set(InterviewStatus.CANCELLED.value))
        _free_seat(transaction, job_id, interview.slot_id)
        transaction.update(
            Candidate(job_id, interview.candidate_id),
            actions=[Candidate.active_interview_id.remove()],
            condition=Candidate.active_interview_id == interview_id,
        )

    try:
        _run(build)
    except TransactWriteError as error:
        _refuse_if_changed_meanwhile(error)
        raise
    return find_interview(org, job_id, interview_id)


def reschedule_interview(org: str, job_id: str, interview_id: str, request: RescheduleIn) -> Interview:
    interview = find_interview(org, job_id, interview_id)
    if interview.slot_id == request.slot_id:
        return interview  # already there: a repeated reschedule changes nothing
    if interview.status != InterviewStatus.SCHEDULED.value:
        raise RuleViolation("not_reschedulable", f"an interview that is {interview.status} cannot be moved")
    now = _now()

    def build(transaction: TransactWrite) -> None:
        _revise(transaction, interview, now, Interview.slot_id.set(request.slot_id))
        _free_seat(transaction, job_id, interview.slot_id)
        _take_seat(transaction, org, job_id, request.slot_id, now)

    try:
        _run(build)
    except TransactWriteError as error:
        new_slot_reason = error.cancellation_reasons[2]
        if condition_failed(new_slot_reason):
            raw_slot = new_slot_reason.raw_item
            if not _owned_by(raw_slot, org):
                raise NotFound("slot_not_found", "no slot with that id for this job") from error
            raise _slot_refusal(InterviewSlot.from_raw_data(raw_slot), now) from error  # type: ignore[arg-type]
        _refuse_if_changed_meanwhile(error)
        raise
    return find_interview(org, job_id, interview_id)


def _refuse_if_changed_meanwhile(error: TransactWriteError) -> None:
    """A condition on the interview, the old slot or the guard failed: a concurrent change won."""
    if any(condition_failed(reason) for reason in error.cancellation_reasons):
        raise Conflict(
            "interview_changed", "the interview changed meanwhile; read it and try again"
        ) from error
