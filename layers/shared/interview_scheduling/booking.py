"""Booking, cancelling and rescheduling interviews: each is one DynamoDB transaction.

Double booking is impossible by construction: the slot's count rises only under the condition
that it is bookable (interview_scheduling.bookable_slot), and the candidate item holds the id of
the one active interview (the guard) under the condition that it held none. When the transaction
is refused, the items that refused decide the answer.

The one read before writing is the slot's (consistent), for the start time the interview
carries; the seat is taken only if the slot still starts then, so that time can't be stale.
Each change appends its entry to the interview's history in the same transaction.
"""

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist

from interview_scheduling import bookable_slot, clock, interview_history, listing_keys
from interview_scheduling.conditional_writes import Refused, Transaction, transact
from interview_scheduling.enums import Actor, InterviewStatus, TimelineKind
from interview_scheduling.errors import Conflict, NotFound, RuleViolation, StaleRevision, UnprocessableRequest
from interview_scheduling.ids import derived_id, new_id
from interview_scheduling.models import Candidate, Interview, InterviewSlot
from interview_scheduling.schemas import BookingIn, CancelIn, RescheduleIn
from interview_scheduling.settings import api_settings

# A change that met a concurrent change of the same interview is worked out again this often.
CHANGE_ATTEMPTS = 3


@dataclass(frozen=True)
class Booking:
    interview: Interview
    replayed: bool  # True when this request repeated an earlier one and got its interview


def _slot_of(org: str, job_id: str, slot_id: str) -> InterviewSlot | None:
    """The slot as it is now (a consistent read); None unless it is the caller's."""
    try:
        slot = InterviewSlot.get(job_id, slot_id, consistent_read=True)
    except DoesNotExist:
        return None
    return slot if slot.org_id == org else None


def _take_seat(
    transaction: Transaction, org: str, slot: InterviewSlot, interview_id: str, now: datetime
) -> None:
    actions, condition = bookable_slot.take_seat(slot, now)
    transaction.update(
        "slot",
        InterviewSlot(slot.job_id, slot.slot_id),
        actions=[*actions, InterviewSlot.booked_interview_ids.add({interview_id})],
        condition=(InterviewSlot.org_id == org) & condition,
        return_old=True,
    )


def _free_seat(transaction: Transaction, interview: Interview) -> None:
    """Gives back the seat the interview holds (its slot started when the interview did)."""
    transaction.update(
        "old_slot",
        InterviewSlot(interview.job_id, interview.slot_id),
        actions=[
            *bookable_slot.give_seat_back(interview.slot_id, interview.scheduled_at),
            InterviewSlot.booked_interview_ids.delete({interview.interview_id}),
        ],
        condition=InterviewSlot.booked_count > 0,
    )


def _revise(
    transaction: Transaction,
    interview: Interview,
    now: datetime,
    history_entry: Any,
    *,
    status: InterviewStatus | None = None,
    slot: InterviewSlot | None = None,
    counts: Sequence[Any] = (),
) -> None:
    """Applies the change if nobody changed the interview since it was read: its status or its
    slot and time, its index keys, its history and any `counts` it adds to; its revision rises."""
    status = status or interview.status
    scheduled_at = slot.starts_at if slot is not None else interview.scheduled_at
    actions = [
        Interview.status.set(status),
        Interview.scheduled_at.set(scheduled_at),
        Interview.revision.add(1),
        Interview.updated_at.set(now),
        history_entry,
        *counts,
    ]
    if slot is not None:
        actions.append(Interview.slot_id.set(slot.slot_id))
    keys = listing_keys.interview_keys(
        interview_id=interview.interview_id,
        org_id=interview.org_id,
        job_id=interview.job_id,
        candidate_id=interview.candidate_id,
        status=status,
        scheduled_at=scheduled_at,
        updated_at=now,
    )
    actions += [getattr(Interview, name).set(value) for name, value in keys.items()]
    transaction.update(
        "interview", interview, actions=actions, condition=Interview.revision == interview.revision
    )


def _slot_refusal(refusal: Refused, org: str, now: datetime) -> Exception | None:
    """Why the slot refused the seat; None if it was bookable all the same (its start or its
    count moved since it was read: read it again)."""
    raw_slot = refusal.item("slot")
    if not _owned_by(raw_slot, org):
        return NotFound("slot_not_found", "no slot with that id for this job")
    return bookable_slot.refusal(InterviewSlot.from_raw_data(raw_slot or {}), now)


def new_interview(
    *,
    interview_id: str,
    org: str,
    job_id: str,
    candidate_id: str,
    slot: InterviewSlot,
    booking_notes: str | None,
    request_fingerprint: str,
    now: datetime,
    by: Actor,
) -> Interview:
    """The interview a booking writes: at its slot's start, with its history's first entry."""
    interview = Interview(
        interview_id=interview_id,
        org_id=org,
        job_id=job_id,
        candidate_id=candidate_id,
        slot_id=slot.slot_id,
        status=InterviewStatus.SCHEDULED,
        scheduled_at=slot.starts_at,
        booking_notes=booking_notes,
        request_fingerprint=request_fingerprint,
        revision=0,
        created_at=now,
        updated_at=now,
        history=[
            interview_history.entry(
                TimelineKind.BOOKED, now, by, slot_id=slot.slot_id, scheduled_at=slot.starts_at
            )
        ],
    )
    keys = listing_keys.interview_keys(
        interview_id=interview_id,
        org_id=org,
        job_id=job_id,
        candidate_id=candidate_id,
        status=InterviewStatus.SCHEDULED,
        scheduled_at=slot.starts_at,
        updated_at=now,
    )
    for name, value in keys.items():
        setattr(interview, name, value)
    return interview


# ---------------------------------------------------------------- booking
def book_interview(
    org: str, job_id: str, request: BookingIn, idempotency_key: str | None, by: Actor
) -> Booking:
    fingerprint = _fingerprint(job_id, request)
    # The booking guard may name an interview that is being cancelled: then book anew.
    for _ in range(CHANGE_ATTEMPTS):
        booking = _try_booking(org, job_id, request, idempotency_key, fingerprint=fingerprint, by=by)
        if booking is not None:
            return booking
    raise Conflict("busy", "the slot or the candidate's interview kept changing meanwhile; try again")


def _try_booking(
    org: str, job_id: str, request: BookingIn, idempotency_key: str | None, *, fingerprint: str, by: Actor
) -> Booking | None:
    now = clock.now()
    interview_id = derived_id(org, job_id, idempotency_key) if idempotency_key else new_id()
    slot = _slot_of(org, job_id, request.slot_id)
    if slot is None:
        return _without_slot(org, interview_id if idempotency_key else None, fingerprint)
    interview = new_interview(
        interview_id=interview_id,
        org=org,
        job_id=job_id,
        candidate_id=request.candidate_id,
        slot=slot,
        booking_notes=request.booking_notes,
        request_fingerprint=fingerprint,
        now=now,
        by=by,
    )

    def build(transaction: Transaction) -> None:
        transaction.put(
            "interview", interview, condition=Interview.interview_id.does_not_exist(), return_old=True
        )
        transaction.update(
            "candidate",
            Candidate(job_id, request.candidate_id),
            actions=[Candidate.active_interview_id.set(interview_id)],
            # An erased candidate (or one being erased) is never booked again.
            condition=(Candidate.org_id == org)
            & Candidate.active_interview_id.does_not_exist()
            & Candidate.erasure.does_not_exist(),
            return_old=True,
        )
        _take_seat(transaction, org, slot, interview_id, now)

    try:
        transact(build)
    except Refused as refusal:
        if refusal.refused("interview"):
            return _replay_by_key(Interview.from_raw_data(refusal.item("interview") or {}), org, fingerprint)
        if refusal.refused("candidate") and not _owned_by(refusal.item("candidate"), org):
            raise NotFound("candidate_not_found", "no candidate with that id for this job") from refusal
        if refusal.refused("slot") and not _owned_by(refusal.item("slot"), org):
            raise NotFound("slot_not_found", "no slot with that id for this job") from refusal
        if refusal.refused("candidate") and "erasure" in (refusal.item("candidate") or {}):
            raise NotFound("candidate_erased", "the candidate's personal data was erased") from refusal
        if refusal.refused("candidate"):
            active_id = Candidate.from_raw_data(refusal.item("candidate") or {}).active_interview_id
            return _replay_by_body(active_id, fingerprint, now)
        refused_seat = _slot_refusal(refusal, org, now)
        if refused_seat is None:
            return None  # the slot changed since it was read
        raise refused_seat from refusal
    return Booking(interview, replayed=False)


def _without_slot(org: str, key_interview_id: str | None, fingerprint: str) -> Booking:
    """No slot of the caller's has that id, so nothing can be booked; a booking retried with its
    Idempotency-Key still gets its interview."""
    earlier = _interview_or_none(key_interview_id)
    if earlier is not None:
        return _replay_by_key(earlier, org, fingerprint)
    raise NotFound("slot_not_found", "no slot with that id for this job")


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
    org: str, job_id: str, interview_id: str, request: CancelIn, by: Actor, *, at_revision: int | None = None
) -> Interview:
    def attempt(interview: Interview) -> Interview:
        if interview.status == InterviewStatus.CANCELLED:
            return interview  # a repeated cancel changes nothing
        if interview.status != InterviewStatus.SCHEDULED:
            raise RuleViolation(
                "not_cancellable", f"an interview that is {interview.status} cannot be cancelled"
            )
        now = clock.now()
        cancelled = interview_history.append(TimelineKind.CANCELLED, now, by, request.reason)

        def build(transaction: Transaction) -> None:
            _revise(transaction, interview, now, cancelled, status=InterviewStatus.CANCELLED)
            _free_seat(transaction, interview)
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
    by: Actor,
    *,
    at_revision: int | None = None,
) -> Interview:
    def attempt(interview: Interview) -> Interview:
        if interview.slot_id == request.slot_id and interview.status == InterviewStatus.SCHEDULED:
            return interview  # already there: a repeated reschedule changes nothing
        if interview.status != InterviewStatus.SCHEDULED:
            raise RuleViolation(
                "not_reschedulable", f"an interview that is {interview.status} cannot be moved"
            )
        slot = _slot_of(org, job_id, request.slot_id)
        if slot is None:
            raise NotFound("slot_not_found", "no slot with that id for this job")
        now = clock.now()
        moved = interview_history.append(
            TimelineKind.RESCHEDULED,
            now,
            by,
            request.reason,
            from_slot_id=interview.slot_id,
            from_scheduled_at=interview.scheduled_at,
            to_slot_id=slot.slot_id,
            to_scheduled_at=slot.starts_at,
        )

        def build(transaction: Transaction) -> None:
            # The job caps the candidate's own reschedules (interview_scheduling.self_service).
            counts = [Interview.candidate_reschedules.add(1)] if by == Actor.CANDIDATE else []
            _revise(transaction, interview, now, moved, slot=slot, counts=counts)
            _free_seat(transaction, interview)
            _take_seat(transaction, org, slot, interview_id, now)

        try:
            transact(build)
        except Refused as refusal:
            refused_seat = _slot_refusal(refusal, org, now) if refusal.refused("slot") else None
            if refused_seat is not None:
                raise refused_seat from refusal
            raise  # read it all again
        return find_interview(org, job_id, interview_id)

    return _change(org, job_id, interview_id, attempt, at_revision)
