"""Booking, cancelling and rescheduling interviews: each is one DynamoDB transaction.

Double booking is impossible by construction: the slot's count rises only under the condition
that it is bookable (interview_scheduling.bookable_slot), and the candidate item holds the id of
the one active interview (the guard) under the condition that it held none. When the transaction
is refused, the items that refused decide the answer; nothing is read before writing.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist

from interview_scheduling import bookable_slot, clock
from interview_scheduling.conditional_writes import Refused, Transaction, transact
from interview_scheduling.enums import Actor, InterviewStatus
from interview_scheduling.errors import Conflict, NotFound, RuleViolation, StaleRevision, UnprocessableRequest
from interview_scheduling.ids import derived_id, new_id
from interview_scheduling.models import Candidate, Interview, InterviewSlot
from interview_scheduling.schemas import BookingIn, RescheduleIn
from interview_scheduling.settings import api_settings

# A change that met a concurrent change of the same interview is worked out again this often.
CHANGE_ATTEMPTS = 3


@dataclass(frozen=True)
class Booking:
    interview: Interview
    replayed: bool  # True when this request repeated an earlier one and got its interview


def _take_seat(transaction: Transaction, org: str, job_id: str, slot_id: str, now: datetime) -> None:
    transaction.update(
        "slot",
        InterviewSlot(job_id, slot_id),
        actions=[InterviewSlot.booked_count.add(1)],
        condition=(InterviewSlot.org_id == org) & bookable_slot.bookable(now),
        return_old=True,
    )


def _free_seat(transaction: Transaction, job_id: str, slot_id: str) -> None:
    transaction.update(
        "old_slot",
        InterviewSlot(job_id, slot_id),
        actions=[InterviewSlot.booked_count.add(-1)],
        condition=InterviewSlot.booked_count > 0,
    )


def _revise(transaction: Transaction, interview: Interview, now: datetime, *changes: Any) -> None:
    """Applies `changes` if nobody changed the interview since it was read; its revision rises."""
    transaction.update(
        "interview",
        interview,
        actions=[*changes, Interview.revision.add(1), Interview.updated_at.set(now)],
        condition=Interview.revision == interview.revision,
    )


def _made_by(by: Actor, reason: str | None) -> list[Any]:
    """Who made the change, and why if they said; a change without a reason clears the last one."""
    why = Interview.change_reason.set(reason) if reason else Interview.change_reason.remove()
    return [Interview.changed_by.set(by), why]


def _slot_refusal(refusal: Refused, org: str, now: datetime) -> Exception:
    raw_slot = refusal.item("slot")
    if not _owned_by(raw_slot, org):
        return NotFound("slot_not_found", "no slot with that id for this job")
    slot = InterviewSlot.from_raw_data(raw_slot or {})
    # The condition failed on the slot as it was then, so it was not bookable.
    return bookable_slot.refusal(slot, now) or Conflict("busy", "the slot changed meanwhile; try again")


# ---------------------------------------------------------------- booking
def book_interview(org: str, job_id: str, request: BookingIn, idempotency_key: str | None) -> Booking:
    fingerprint = _fingerprint(job_id, request)
    # The booking guard may name an interview that is being cancelled: then book anew.
    for _ in range(CHANGE_ATTEMPTS):
        booking = _try_booking(org, job_id, request, idempotency_key, fingerprint)
        if booking is not None:
            return booking
    raise Conflict("busy", "the candidate's interview was changing meanwhile; try again")


def _try_booking(
    org: str, job_id: str, request: BookingIn, idempotency_key: str | None, fingerprint: str
) -> Booking | None:
    now = clock.now()
    interview_id = derived_id(org, job_id, idempotency_key) if idempotency_key else new_id()
    interview = Interview(
        interview_id=interview_id,
        org_id=org,
        job_id=job_id,
        candidate_id=request.candidate_id,
        slot_id=request.slot_id,
        status=InterviewStatus.SCHEDULED,
        booking_notes=request.booking_notes,
        request_fingerprint=fingerprint,
        revision=0,
        created_at=now,
        updated_at=now,
    )

    def build(transaction: Transaction) -> None:
        transaction.put(
            "interview", interview, condition=Interview.interview_id.does_not_exist(), return_old=True
        )
        transaction.update(
            "candidate",
            Candidate(job_id, request.candidate_id),
            actions=[Candidate.active_interview_id.set(interview_id)],
            condition=(Candidate.org_id == org) & Candidate.active_interview_id.does_not_exist(),
            return_old=True,
        )
        _take_seat(transaction, org, job_id, request.slot_id, now)

    try:
        transact(build)
    except Refused as refusal:
        if refusal.refused("interview"):
            return _replay_by_key(Interview.from_raw_data(refusal.item("interview") or {}), org, fingerprint)
        if refusal.refused("candidate") and not _owned_by(refusal.item("candidate"), org):
            raise NotFound("candidate_not_found", "no candidate with that id for this job") from refusal
        if refusal.refused("slot") and not _owned_by(refusal.item("slot"), org):
            raise NotFound("slot_not_found", "no slot with that id for this job") from refusal
        if refusal.refused("candidate"):
            active_id = Candidate.from_raw_data(refusal.item("candidate") or {}).active_interview_id
            return _replay_by_body(active_id, fingerprint, now)
        raise _slot_refusal(refusal, org, now) from refusal
    return Booking(interview, replayed=False)


def _fingerprint(job_id: str, request: BookingIn) -> str:
    canonical = json.dumps([job_id, request.model_dump(mode="json")], sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay_by_key(earlier: Interview, org: str, fingerprint: str) -> Booking:
    """The Idempotency-Key was used before: the same request gets the same interview, as it is now."""
    if earlier.org_id != org or earlier.request_fingerprint != fingerprint:
        # As the IETF Idempotency-Key draft answers a key reused with another request.
        raise UnprocessableRequest(
            "idempotency_key_reused", "this Idempotency-Key was used for a different booking"
        )
    return Booking(_interview_or_none(earlier.interview_id) or earlier, replayed=True)


def _replay_by_body(active_id: str | None, fingerprint: str, now: datetime) -> Booking | None:
    """The candidate already has an active interview. The same request made moments ago is the
    same booking, if that interview still is what the request asked for; None: book anew."""
    active = _interview_or_none(active_id)
    if active is None or active.status != InterviewStatus.SCHEDULED:
        return None  # cancelled since the guard was read: the seat and the guard are free now
    window = timedelta(seconds=api_settings().booking_replay_window_seconds)
    if (
        active.request_fingerprint == fingerprint
        and active.revision == 0
        and now - active.created_at <= window
    ):
        return Booking(active, replayed=True)
    raise Conflict("already_booked", "the candidate already has an active interview for this job")


def _owned_by(raw_item: dict[str, Any] | None, org: str) -> bool:
    return raw_item is not None and raw_item.get("org_id") == {"S": org}


def _interview_or_none(interview_id: str | None) -> Interview | None:
    if interview_id is None:
        return None
    try:
        return Interview.get(interview_id, consistent_read=True)
    except DoesNotExist:
        return None


# ---------------------------------------------------------------- changes to a booking
def find_interview(org: str, job_id: str, interview_id: str) -> Interview:
    interview = _interview_or_none(interview_id)
    if interview is None or interview.org_id != org or interview.job_id != job_id:
        raise NotFound("interview_not_found", "no interview with that id for this job")
    return interview


def _change(
    org: str,
    job_id: str,
    interview_id: str,
    attempt: Callable[[Interview], Interview],
    at_revision: int | None = None,
) -> Interview:
    """Reads the interview and applies a change to it; a concurrent change of the same interview
    makes it read and decide again, so the answer is about this request, not a clash.

    With `at_revision` the change holds only for the interview at that revision (a candidate's
    link): once it has moved on, nothing is decided again and StaleRevision says so."""
    for _ in range(CHANGE_ATTEMPTS):
        interview = find_interview(org, job_id, interview_id)
        if at_revision is not None and int(interview.revision) != at_revision:
            raise StaleRevision("interview_changed", "the interview changed since this change was asked for")
        try:
            return attempt(interview)
        except Refused:
            continue  # the interview, its seat or its guard changed since it was read
    raise Conflict("busy", "the interview kept changing meanwhile; try again")


def cancel_interview(
    org: str,
    job_id: str,
    interview_id: str,
    *,
    by: Actor = Actor.RECRUITER,
    reason: str | None = None,
    at_revision: int | None = None,
) -> Interview:
    def attempt(interview: Interview) -> Interview:
        if interview.status == InterviewStatus.CANCELLED:
            return interview  # a repeated cancel changes nothing
        if interview.status != InterviewStatus.SCHEDULED:
            raise RuleViolation(
                "not_cancellable", f"an interview that is {interview.status} cannot be cancelled"
            )
        now = clock.now()

        def build(transaction: Transaction) -> None:
            _revise(
                transaction,
                interview,
                now,
                Interview.status.set(InterviewStatus.CANCELLED),
                *_made_by(by, reason),
            )
            _free_seat(transaction, job_id, interview.slot_id)
            transaction.update(
                "candidate",
                Candidate(job_id, interview.candidate_id),
                actions=[Candidate.active_interview_id.remove()],
                condition=Candidate.active_interview_id == interview_id,
            )

        transact(build)
        return find_interview(org, job_id, interview_id)

    return _change(org, job_id, interview_id, attempt, at_revision)


def reschedule_interview(
    org: str,
    job_id: str,
    interview_id: str,
    request: RescheduleIn,
    *,
    by: Actor = Actor.RECRUITER,
    reason: str | None = None,
    at_revision: int | None = None,
) -> Interview:
    def attempt(interview: Interview) -> Interview:
        if interview.slot_id == request.slot_id and interview.status == InterviewStatus.SCHEDULED:
            return interview  # already there: a repeated reschedule changes nothing
        if interview.status != InterviewStatus.SCHEDULED:
            raise RuleViolation(
                "not_reschedulable", f"an interview that is {interview.status} cannot be moved"
            )
        now = clock.now()

        def build(transaction: Transaction) -> None:
            moved = [Interview.slot_id.set(request.slot_id), *_made_by(by, reason)]
            if by == Actor.CANDIDATE:
                moved.append(Interview.candidate_reschedules.add(1))  # the job caps these
            _revise(transaction, interview, now, *moved)
            _free_seat(transaction, job_id, interview.slot_id)
            _take_seat(transaction, org, job_id, request.slot_id, now)

        try:
            transact(build)
        except Refused as refusal:
            if refusal.refused("slot"):
                raise _slot_refusal(refusal, org, now) from refusal
            raise
        return find_interview(org, job_id, interview_id)

    return _change(org, job_id, interview_id, attempt, at_revision)
