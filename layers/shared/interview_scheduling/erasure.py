"""Erasure of a candidate's personal data, everywhere it is kept, in one call.

Erased: every stored version of every resume PDF the candidate uploaded (S3), the parsed
resume text, the candidate's name, email, phone, work experience and what SES said of the
address; from the session of each of their interviews the name, email, resume text and key hash
(the key stops opening it at once) and what receiving servers said of its emails, with every
email not yet taken superseded; each interview's booking notes and the reasons given for its
changes; its reminders and no-show check. An interview still active is cancelled first by the usual cancel
transaction (interview_scheduling.booking), so its seat is released, and its cancellation is
not emailed: the session is marked erased before the cancel, and an erased session's messages
are superseded, not sent (interview_scheduling.email_delivery, interview_scheduling.sessions).

Kept: ids, statuses, times and the email ledger's statuses, so seats, counts and the
recruiter's history stay right; the candidate item as a tombstone holding the receipt.

Every step is idempotent, so a retry after a crash at any point finishes the job:

1. begin: the candidate item records the erasure (id, reason, start). From then on no booking
   (booking.py) and no session (sessions.py) is made for the candidate, and none is moved.
2. count: what there is to erase is counted once; a retry keeps the first counts.
3. each interview: its session is erased, the interview cancelled if still scheduled, its notes
   removed, its schedules deleted.
4. the resume's stored versions are deleted.
5. finish: the candidate's personal fields go and the erasure is marked done.

Retention reaches the same end (`expire_interview`): when DynamoDB's TTL deletes an interview,
its session goes, and once no other interview of the candidate is stored, so does the
candidate's personal data.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger
from pynamodb.exceptions import DoesNotExist

from interview_scheduling import (
    booking,
    clock,
    domain_events,
    email_ledger,
    event_bus,
    resume_objects,
    schedules,
)
from interview_scheduling.candidate_interviews import CandidateInterview, interviews_of, others_remain
from interview_scheduling.conditional_writes import update_if
from interview_scheduling.enums import Actor, ErasureReason, InterviewStatus
from interview_scheduling.errors import Conflict, NotFound
from interview_scheduling.ids import new_id
from interview_scheduling.models import (
    Candidate,
    CandidateErasure,
    ErasureCounts,
    Interview,
    InterviewSession,
)
from interview_scheduling.retention import expires_after
from interview_scheduling.schemas import CancelIn, ErasureCountsOut, ErasureReceipt

# A session whose PENDING messages keep being taken meanwhile is read and written again this often.
SESSION_ATTEMPTS = 3

ERASED = [
    "resume PDF in S3: every stored version of every upload",
    "candidate: full_name, email, phone, work_experience, resume_key, resume_text",
    "each session: candidate_name, candidate_email, resume_text, key_hash (the key no longer opens it)",
    "each interview: booking_notes",
    "emails not yet sent, reminders and no-show checks",
]
KEPT = [
    "ids (candidate, job, interviews, slots): what the counts and the other records refer to",
    "statuses and times of interviews and sessions, and each email's status: seats and history stay right",
    "this receipt, on the candidate item, until retention deletes it",
]

logger = Logger()
# Paths into the candidate's erasure map (pynamodb types a map's fields as values, not paths).
_ERASURE: Any = Candidate.erasure


def erase_candidate(org: str, job_id: str, candidate_id: str) -> ErasureReceipt:
    """Erases the candidate's personal data; a repeat returns the first erasure's receipt."""
    candidate = _candidate(job_id, candidate_id)
    if candidate is None or candidate.org_id != org:
        raise NotFound("candidate_not_found", "no candidate with that id")
    if not is_done(candidate):
        if not _erase(candidate, ErasureReason.REQUEST):
            raise NotFound("candidate_not_found", "no candidate with that id")  # deleted meanwhile
    else:
        # Only what arrived since: an upload link handed out before the erasure lives 15 minutes.
        resume_objects.delete(resume_objects.stored_versions(_resume_prefix(candidate)))
    _announce(candidate)
    return receipt(candidate)


def expire_interview(interview: Interview) -> None:
    """DynamoDB's TTL deleted the interview: its session goes, and the candidate's personal data
    too once no other interview of theirs is stored."""
    InterviewSession(interview.interview_id).delete()  # deleting a session that is gone is fine
    if others_remain(interview):
        logger.info("interview expired", extra={"interview_id": interview.interview_id})
        return
    candidate = _candidate(interview.job_id, interview.candidate_id)
    if candidate is None or candidate.org_id != interview.org_id:
        # The candidate item expired first: only the resume, kept in S3, is left.
        key_prefix = resume_objects.prefix(interview.org_id, interview.job_id, interview.candidate_id)
        resume_objects.delete(resume_objects.stored_versions(key_prefix))
    else:
        if not is_done(candidate):
            _erase(candidate, ErasureReason.RETENTION, expired=interview.interview_id)
        if is_done(candidate):
            _announce(candidate)
    logger.info(
        "interview expired, the candidate's last",
        extra={"interview_id": interview.interview_id, "candidate_id": interview.candidate_id},
    )


def _announce(candidate: Candidate) -> None:
    """candidate.erased on the bus, each time an erasure is found done: a repeat after a failed
    put sends it again, with the same id (at least once)."""
    event_bus.put([domain_events.candidate_erased(candidate)])


def is_begun(candidate: Candidate | None) -> bool:
    """Whether the candidate is gone or an erasure of them has begun: nothing new is made for them."""
    return candidate is None or candidate.erasure is not None


def is_done(candidate: Candidate) -> bool:
    return candidate.erasure is not None and candidate.erasure.erased_at is not None


def erase_session(interview_id: str, now: datetime) -> bool:
    """Erases the candidate's data from the session and supersedes every message no attempt has
    taken; False if there is no session. A message being sent right now is left to finish."""
    for _ in range(SESSION_ATTEMPTS):
        try:
            session = InterviewSession.get(interview_id, consistent_read=True)
        except DoesNotExist:
            return False
        actions, still_pending = email_ledger.supersede(
            email_ledger.pending(session), now, email_ledger.CANDIDATE_ERASED
        )
        actions += email_ledger.without_diagnostics(session)
        actions += [
            InterviewSession.erased_at.set(InterviewSession.erased_at | now),
            InterviewSession.key_hash.remove(),
            InterviewSession.candidate_name.remove(),
            InterviewSession.candidate_email.remove(),
            InterviewSession.resume_text.remove(),
            InterviewSession.updated_at.set(now),
        ]
        if update_if(InterviewSession(interview_id), actions, condition=still_pending):
            return True
    raise Conflict("busy", "the candidate's emails kept changing meanwhile; try again")


def receipt(candidate: Candidate) -> ErasureReceipt:
    erasure = candidate.erasure
    if erasure is None or erasure.erased_at is None:
        raise RuntimeError("the candidate's erasure is not done")
    counts = erasure.counts or ErasureCounts()
    return ErasureReceipt(
        erasure_id=erasure.erasure_id,
        job_id=candidate.job_id,
        candidate_id=candidate.candidate_id,
        reason=erasure.reason,
        started_at=erasure.started_at,
        erased_at=erasure.erased_at,
        counts=ErasureCountsOut.model_validate(counts.as_dict()),
        erased=ERASED,
        kept=KEPT,
    )


# ---------------------------------------------------------------- the steps
@dataclass(frozen=True)
class _Found:
    interviews: list[CandidateInterview]
    schedules: dict[str, list[str]]
    resume_versions: list[resume_objects.StoredVersion]


def _erase(candidate: Candidate, reason: ErasureReason, expired: str | None = None) -> bool:
    """Runs every step; a step a crashed attempt finished finds nothing left to do. False if the
    erasure could not begin: the candidate was booked again (retention) or is gone."""
    now = clock.now()
    if not _begin(candidate, reason, now, expired):
        logger.info("not erased: booked again or gone", extra={"candidate_id": candidate.candidate_id})
        return False
    found = _find(candidate)
    _count(candidate, found)
    for each in found.interviews:
        _erase_interview(each.interview, now)
    resume_objects.delete(found.resume_versions)
    _finish(candidate, now)
    logger.info(
        "candidate erased",
        extra={
            "candidate_id": candidate.candidate_id,
            "erasure_id": _erasure_id(candidate),
            "reason": reason,
        },
    )
    return True


def _begin(candidate: Candidate, reason: ErasureReason, now: datetime, expired: str | None) -> bool:
    """Records the erasure, unless a crashed attempt did: then that one goes on (same id).

    Retention erases only a candidate whose guard names no interview but the `expired` one:
    False if they were booked again since (they are kept, to expire after that interview).
    """
    begun = CandidateErasure(erasure_id=new_id(), reason=reason, started_at=now)
    condition = Candidate.org_id == candidate.org_id
    if reason == ErasureReason.RETENTION:
        unbooked = Candidate.active_interview_id.does_not_exist() | (Candidate.active_interview_id == expired)
        condition &= unbooked | Candidate.erasure.exists()
    # The update reads the item back, so the candidate seen from here on is the one just marked.
    return update_if(candidate, [Candidate.erasure.set(Candidate.erasure | begun)], condition=condition)


def _find(candidate: Candidate) -> _Found:
    interviews = interviews_of(candidate)
    return _Found(
        interviews=interviews,
        schedules={
            each.interview.interview_id: schedules.existing(each.interview.interview_id)
            for each in interviews
        },
        resume_versions=resume_objects.stored_versions(_resume_prefix(candidate)),
    )


def _count(candidate: Candidate, found: _Found) -> None:
    """The receipt's counts, as this attempt found things; a retry after a crash keeps the first's."""
    counts = ErasureCounts(
        interviews=len(found.interviews),
        interviews_cancelled=sum(
            each.interview.status == InterviewStatus.SCHEDULED for each in found.interviews
        ),
        sessions=sum(each.session is not None for each in found.interviews),
        emails_superseded=sum(
            len(email_ledger.pending(each.session)) for each in found.interviews if each.session is not None
        ),
        schedules=sum(len(names) for names in found.schedules.values()),
        resume_versions=len(found.resume_versions),
    )
    candidate.update(
        actions=[_ERASURE.counts.set(_ERASURE.counts | counts)],
        condition=_ERASURE.erasure_id == _erasure_id(candidate),
    )


def _erase_interview(interview: Interview, now: datetime) -> None:
    erase_session(interview.interview_id, now)
    if interview.status == InterviewStatus.SCHEDULED:
        # The usual cancel: the seat is released; the session is marked, so no email goes out.
        booking.cancel_interview(
            interview.org_id,
            interview.job_id,
            interview.interview_id,
            CancelIn(reason="the candidate's data was erased"),
            Actor.SYSTEM,
        )
    _erase_notes(interview.interview_id)
    schedules.cancel(interview.interview_id)


def _erase_notes(interview_id: str) -> None:
    """Removes the booking notes and the reasons given for its changes: free text that may say
    anything about the candidate. The history keeps its kinds, times and slots."""
    for _ in range(SESSION_ATTEMPTS):
        try:
            interview = Interview.get(interview_id, consistent_read=True)
        except DoesNotExist:
            return
        history = interview.history or []
        if interview.booking_notes is None and all(entry.reason is None for entry in history):
            return
        for entry in history:
            entry.reason = None
        actions = [Interview.booking_notes.remove(), Interview.history.set(history)]
        if update_if(interview, actions, condition=Interview.revision == interview.revision):
            return
    raise Conflict("busy", "the candidate's interview kept changing meanwhile; try again")


def _finish(candidate: Candidate, now: datetime) -> None:
    candidate.update(
        actions=[
            Candidate.full_name.remove(),
            Candidate.email.remove(),
            Candidate.phone.remove(),
            Candidate.work_experience.remove(),
            Candidate.resume_key.remove(),
            Candidate.resume_text.remove(),
            Candidate.resume_extraction.remove(),
            Candidate.active_interview_id.remove(),
            # What SES said of the address (a bounce's diagnostic may quote it).
            Candidate.email_unreachable.remove(),
            _ERASURE.erased_at.set(_ERASURE.erased_at | now),
            # The tombstone holds ids and the receipt only, and goes after the retention period.
            Candidate.expires_at.set(expires_after(now)),
        ],
        condition=_ERASURE.erasure_id == _erasure_id(candidate),
    )


def _erasure_id(candidate: Candidate) -> str:
    if candidate.erasure is None:
        raise RuntimeError("the candidate's erasure has not begun")
    return str(candidate.erasure.erasure_id)


def _resume_prefix(candidate: Candidate) -> str:
    return resume_objects.prefix(candidate.org_id, candidate.job_id, candidate.candidate_id)


def _candidate(job_id: str, candidate_id: str) -> Candidate | None:
    try:
        return Candidate.get(job_id, candidate_id, consistent_read=True)
    except DoesNotExist:
        return None
