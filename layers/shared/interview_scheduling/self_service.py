"""The candidate's own changes, through the links in their emails: what the job allows, until
when and how often, and the slots they may move to.

A change is the recruiter's own transaction (interview_scheduling.booking), made by the
candidate and pinned to the revision their link names, so a link the interview has moved on
from changes nothing, whoever changed it in between. The job's rules bind the candidate only:
self-service on or off, no change within the cutoff before the start, at most so many
reschedules (counted on the interview), and whether a cancel needs a reason.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from pynamodb.exceptions import DoesNotExist

from interview_scheduling import bookable_slot, booking, clock
from interview_scheduling.batch_context import load_batch_context
from interview_scheduling.candidate_links import InvalidLink, LinkClaim, LinkPurpose
from interview_scheduling.enums import Actor, InterviewStatus, ReasonRule
from interview_scheduling.listing_keys import instant, job_scope
from interview_scheduling.models import Interview, InterviewSlot, Job, SelfServiceRules
from interview_scheduling.schemas import ID_PATTERN, CancelIn, RescheduleIn

# The most slots a reschedule page offers, soonest first.
MAX_CHOICES = 50
MAX_REASON_CHARS = 500
_ID = re.compile(ID_PATTERN)


class Refusal(StrEnum):
    """Why the candidate cannot make a change now (the page says it in words)."""

    NOT_SCHEDULED = "not_scheduled"  # started, finished, missed or cancelled
    SELF_SERVICE_OFF = "self_service_off"
    PAST_CUTOFF = "past_cutoff"
    RESCHEDULE_LIMIT = "reschedule_limit"


@dataclass(frozen=True)
class LinkedInterview:
    """The interview a valid link names, as it is now, with its job and slot."""

    interview: Interview
    job: Job
    slot: InterviewSlot

    @property
    def rules(self) -> SelfServiceRules:
        return self.job.candidate_self_service

    @property
    def cutoff(self) -> timedelta:
        return timedelta(minutes=int(self.rules.cutoff_minutes))


class LinkOutdated(Exception):
    """The interview changed after the link was made: the link is dead. Carries the interview now."""

    def __init__(self, current: LinkedInterview) -> None:
        super().__init__("the interview changed since the link was sent")
        self.current = current


class ChangeRefused(Exception):
    def __init__(self, refusal: Refusal, current: LinkedInterview) -> None:
        super().__init__(str(refusal))
        self.refusal = refusal
        self.current = current


class SlotUnavailable(Exception):
    """The slot asked for is not one the candidate may move to (any more)."""


class InvalidReason(Exception):
    """The reason given for a cancel is missing where the job requires one, or too long."""


def linked_interview(claim: LinkClaim) -> LinkedInterview:
    """The interview a verified link names, as it is now; one the link no longer fits raises.
    The interview is read first, then its job, slot and candidate in one batched read."""
    try:
        interview = Interview.get(claim.interview_id, consistent_read=True)
        context = load_batch_context([interview])
        job, slot, candidate = context.job(interview), context.slot(interview), context.candidate(interview)
    except (DoesNotExist, KeyError) as error:
        raise InvalidLink("interview") from error  # expired since: as if it never existed
    if job.org_id != interview.org_id or slot.org_id != interview.org_id:
        raise InvalidLink("interview")
    if candidate.erasure is not None:
        raise InvalidLink("interview")  # the candidate's data was erased: their links die with it
    return LinkedInterview(interview, job, slot)


def current_for(claim: LinkClaim) -> LinkedInterview:
    """The interview, if the link still fits it: LinkOutdated once any change raised its revision."""
    linked = linked_interview(claim)
    if int(linked.interview.revision) != claim.revision:
        raise LinkOutdated(linked)
    return linked


def refusal(linked: LinkedInterview, purpose: LinkPurpose, now: datetime) -> Refusal | None:
    """Why the candidate may not `purpose` the interview now; None if they may."""
    if linked.interview.status != InterviewStatus.SCHEDULED:
        return Refusal.NOT_SCHEDULED
    if not linked.rules.enabled:
        return Refusal.SELF_SERVICE_OFF
    if now >= linked.slot.starts_at - linked.cutoff:
        return Refusal.PAST_CUTOFF
    if purpose == LinkPurpose.RESCHEDULE and int(linked.interview.candidate_reschedules) >= int(
        linked.rules.max_reschedules
    ):
        return Refusal.RESCHEDULE_LIMIT
    return None


def _may_move_to(linked: LinkedInterview, slot: InterviewSlot, now: datetime) -> bool:
    """A slot of the same job and kind, bookable now, that starts after the cutoff."""
    return (
        slot.slot_id != linked.slot.slot_id
        and slot.org_id == linked.interview.org_id
        and slot.ai_interview_type == linked.slot.ai_interview_type
        and slot.starts_at > now + linked.cutoff
        and bookable_slot.is_bookable(slot, now)
    )


def open_slots(linked: LinkedInterview, now: datetime) -> list[InterviewSlot]:
    """The slots the candidate may move to, soonest first, read from the index of slots with a
    seat free (interview_scheduling.bookable_slot keeps it so), from the cutoff on. Its partition
    is the interview's organisation and job, so nothing of another organisation is read."""
    interview = linked.interview
    found = InterviewSlot.by_job_free_seat.query(
        job_scope(interview.org_id, interview.job_id),
        InterviewSlot.free_seat_key > instant(now + linked.cutoff),
        filter_condition=bookable_slot.bookable(now)
        & (InterviewSlot.ai_interview_type == linked.slot.ai_interview_type),
        limit=MAX_CHOICES + 1,  # the slot it holds may be among them
    )
    return [slot for slot in found if slot.slot_id != linked.slot.slot_id][:MAX_CHOICES]


def slot_to_move_to(linked: LinkedInterview, slot_id: str | None, now: datetime) -> InterviewSlot:
    if slot_id is None or not _ID.fullmatch(slot_id):
        raise SlotUnavailable
    try:
        slot = InterviewSlot.get(linked.interview.job_id, slot_id, consistent_read=True)
    except DoesNotExist as error:
        raise SlotUnavailable from error
    if not _may_move_to(linked, slot, now):
        raise SlotUnavailable
    return slot


def _refuse_unless_allowed(linked: LinkedInterview, purpose: LinkPurpose, now: datetime) -> None:
    why = refusal(linked, purpose, now)
    if why is not None:
        raise ChangeRefused(why, linked)


def reschedule(claim: LinkClaim, slot_id: str | None) -> Interview:
    """Moves the interview to the slot, as the candidate: the recruiter's transaction, pinned to
    the link's revision (booking raises StaleRevision if a change got there first)."""
    now = clock.now()
    linked = current_for(claim)
    _refuse_unless_allowed(linked, LinkPurpose.RESCHEDULE, now)
    slot = slot_to_move_to(linked, slot_id, now)
    interview = linked.interview
    return booking.reschedule_interview(
        interview.org_id,
        interview.job_id,
        interview.interview_id,
        RescheduleIn(slot_id=slot.slot_id),
        Actor.CANDIDATE,
        at_revision=claim.revision,
    )


def cancel(claim: LinkClaim, reason: str | None) -> Interview:
    """Cancels the interview, as the candidate, with their reason: pinned like a reschedule."""
    now = clock.now()
    linked = current_for(claim)
    _refuse_unless_allowed(linked, LinkPurpose.CANCEL, now)
    given = cancellation_reason(linked.rules, reason)
    interview = linked.interview
    return booking.cancel_interview(
        interview.org_id,
        interview.job_id,
        interview.interview_id,
        CancelIn(reason=given),
        Actor.CANDIDATE,
        at_revision=claim.revision,
    )


def cancellation_reason(rules: SelfServiceRules, reason: str | None) -> str | None:
    """The reason as it is kept: printable text on one line; InvalidReason if the job's rule fails."""
    text = " ".join("".join(c if c.isprintable() else " " for c in reason or "").split())
    if len(text) > MAX_REASON_CHARS:
        raise InvalidReason(f"a reason can be at most {MAX_REASON_CHARS} characters")
    if not text and rules.cancellation_reason == ReasonRule.REQUIRED:
        raise InvalidReason("please say why you cancel")
    return text or None
