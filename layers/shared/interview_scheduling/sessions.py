"""A session for each booking, changed with the booking; each step is safe to repeat.

A session is written in one transaction with a check that the interview is still at the
revision the change announced: a session is never made from a stale record (the later record
for the newer revision makes it), and there is never a second session for one interview. The
same transaction sets when the interview expires (interview_scheduling.retention) and checks
that no erasure of the candidate has begun: an erased candidate gets no session, no new key
and no email (interview_scheduling.erasure).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from aws_lambda_powertools import Logger

from interview_scheduling import clock, email_ledger, erasure, schedules
from interview_scheduling.batch_context import BatchContext
from interview_scheduling.conditional_writes import Refused, Transaction, transact, update_if
from interview_scheduling.enums import MessageKind, SessionStatus
from interview_scheduling.interview_changes import ChangeKind, InterviewChange
from interview_scheduling.models import Candidate, Interview, InterviewSession, Job
from interview_scheduling.notifications import EmailRequest
from interview_scheduling.resumes import resume_text
from interview_scheduling.retention import expires_after
from interview_scheduling.session_keys import key_hash, session_key
from interview_scheduling.settings import session_settings
from interview_scheduling.time_rules import session_times

logger = Logger()


@dataclass(frozen=True)
class SessionStep:
    """What handling one change did: the email it asks for, and what the function counts."""

    email: EmailRequest | None
    session_created: bool = False
    resume_extraction: str | None = None


def job_description(job: Job) -> str:
    """What the interviewer is told about the job; the legacy tech-stack field is never used."""
    lines = (
        [job.job_description.strip()]
        if job.job_description
        else [
            f"Job Title: {job.job_title}",
            f"Company: {job.company_name}",
        ]
    )
    if job.domain:
        lines.append(f"Domain: {job.domain}")
    lines.append(f"Coding language: {job.coding_language}")
    return "\n".join(lines)


def apply_change(change: InterviewChange, context: BatchContext) -> SessionStep:
    """Brings the interview's session in line with one change to the interview."""
    interview = change.interview
    if change.kind == ChangeKind.EXPIRED:
        erasure.expire_interview(interview)
        return SessionStep(None)
    candidate_erased = erasure.is_begun(context.candidates.get((interview.job_id, interview.candidate_id)))
    if candidate_erased and context.session(interview) is not None:
        # The erasure erases the sessions it finds; this keeps one it could not see yet erased too.
        erasure.erase_session(interview.interview_id, clock.now())
    if change.kind == ChangeKind.CANCELLED:
        return cancel_session(interview, context, candidate_erased=candidate_erased)
    if candidate_erased:
        logger.info("candidate erased: no session", extra={"interview_id": interview.interview_id})
        schedules.cancel(interview.interview_id)
        return SessionStep(None)
    if change.kind == ChangeKind.BOOKED:
        return create_session(interview, context)
    return reschedule_session(interview, context)


def _still_at(transaction: Transaction, interview: Interview, expires_at: datetime) -> None:
    """The guard: the interview has not changed since the record being handled was written.
    It expires with its session (a change of its expiry alone is ignored on the stream)."""
    transaction.update(
        "interview",
        Interview(interview.interview_id),
        actions=[Interview.expires_at.set(expires_at)],
        condition=Interview.revision == interview.revision,
    )


def _candidate_kept(
    transaction: Transaction, interview: Interview, expires_at: datetime, *, extend: bool
) -> None:
    """The candidate is not being erased; with `extend`, they expire no sooner than this session."""
    candidate = Candidate(interview.job_id, interview.candidate_id)
    not_erased = Candidate.erasure.does_not_exist()
    if not extend:
        transaction.check(
            "candidate", Candidate, interview.job_id, interview.candidate_id, condition=not_erased
        )
        return
    later = Candidate.expires_at.does_not_exist() | (Candidate.expires_at < expires_at)
    transaction.update(
        "candidate",
        candidate,
        actions=[Candidate.expires_at.set(expires_at)],
        condition=not_erased & later,
        return_old=True,
    )


def _transact_for_candidate(
    build: Callable[[Transaction], None], interview: Interview, context: BatchContext, expires_at: datetime
) -> None:
    """Runs the session's transaction with the candidate's check (and expiry, if this one is later).

    Refused for the candidate only because another session moved their expiry further meanwhile,
    it runs again with the check alone.
    """
    known = context.candidate(interview).expires_at
    extend = known is None or known < expires_at
    for attempt_extends in (True, False) if extend else (False,):

        def with_candidate(transaction: Transaction, extending: bool = attempt_extends) -> None:
            build(transaction)
            _candidate_kept(transaction, interview, expires_at, extend=extending)

        try:
            transact(with_candidate)
        except Refused as refusal:
            old = refusal.item("candidate")
            if attempt_extends and refusal.refused("candidate") and old is not None and "erasure" not in old:
                continue
            raise
        return


def create_session(interview: Interview, context: BatchContext) -> SessionStep:
    """Creates the session unless an earlier delivery did; either way the invitation is due."""
    request = EmailRequest(
        interview_id=interview.interview_id, kind=MessageKind.INVITATION, revision=int(interview.revision)
    )
    existing = context.session(interview)
    if existing is not None:
        _keep_schedules(interview, context, existing.scheduled_at, existing.ends_at, existing_possible=True)
        return SessionStep(request)
    now = clock.now()
    session, extraction = _new_session(interview, context, now)
    session.emails = email_ledger.first_request(request.message_key, now)
    expires_at = expires_after(session.ends_at)
    session.expires_at = expires_at

    def build(transaction: Transaction) -> None:
        transaction.put("session", session, condition=InterviewSession.interview_id.does_not_exist())
        _still_at(transaction, interview, expires_at)

    try:
        _transact_for_candidate(build, interview, context, expires_at)
    except Refused as refusal:
        if refusal.refused("candidate"):
            logger.info("candidate erased: no session", extra={"interview_id": interview.interview_id})
            return SessionStep(None, resume_extraction=extraction)
        if refusal.refused("interview"):
            logger.info("superseded by a later change", extra={"interview_id": interview.interview_id})
            return SessionStep(None, resume_extraction=extraction)
        logger.info("session already exists", extra={"interview_id": interview.interview_id})
        return SessionStep(request, resume_extraction=extraction)
    context.sessions[interview.interview_id] = session
    _keep_schedules(interview, context, session.scheduled_at, session.ends_at, existing_possible=False)
    logger.info("session created", extra={"interview_id": interview.interview_id})
    return SessionStep(request, session_created=True, resume_extraction=extraction)


def _keep_schedules(
    interview: Interview, context: BatchContext, starts: datetime, ends: datetime, *, existing_possible: bool
) -> None:
    """The reminders and the no-show check for the interview's current time."""
    firings = schedules.plan(
        interview.interview_id,
        int(interview.revision),
        starts=starts,
        ends=ends,
        job=context.job(interview),
        now=clock.now(),
    )
    schedules.keep(interview.interview_id, firings, existing_possible=existing_possible)


def _new_session(interview: Interview, context: BatchContext, now: datetime) -> tuple[InterviewSession, str]:
    job = context.job(interview)
    candidate = context.candidate(interview)
    slot = context.slot(interview)
    text, extraction = resume_text(candidate)
    settings = session_settings()
    starts, ends = session_times(interview, slot)
    generation = int(interview.revision)
    session = InterviewSession(
        interview_id=interview.interview_id,
        key_hash=key_hash(session_key(interview.interview_id, generation)),
        key_generation=generation,
        org_id=interview.org_id,
        job_id=interview.job_id,
        candidate_id=interview.candidate_id,
        candidate_name=candidate.full_name,
        candidate_email=candidate.email,
        job_title=job.job_title,
        company_name=job.company_name,
        job_description=job_description(job),
        resume_text=text,
        resume_extraction=extraction,
        coding_language=job.coding_language,
        interview_type=slot.ai_interview_type,
        scheduled_at=starts,
        ends_at=ends,
        time_zone=slot.time_zone,
        language_code=settings.session_language_code,
        accent_tld=settings.session_accent_tld,
        status=SessionStatus.SCHEDULED,
        revision=int(interview.revision),
        created_at=now,
        updated_at=now,
    )
    return session, extraction


def cancel_session(
    interview: Interview, context: BatchContext, *, candidate_erased: bool = False
) -> SessionStep:
    """Cancels the session and revokes its key; no email when there was never a session, nor when
    the candidate is erased (the ledger records the cancellation as superseded)."""
    session = context.session(interview)
    if session is None:
        logger.info("cancelled before any session existed", extra={"interview_id": interview.interview_id})
        # Without a session to expire with, it expires after the slot it was booked in.
        update_if(
            Interview(interview.interview_id),
            [Interview.expires_at.set(expires_after(context.slot(interview).ends_at))],
            condition=Interview.interview_id.exists() & Interview.expires_at.does_not_exist(),
        )
        return SessionStep(None)
    revision = int(interview.revision)
    request = EmailRequest(
        interview_id=interview.interview_id, kind=MessageKind.CANCELLATION, revision=revision
    )
    now = clock.now()
    asked = (
        email_ledger.request_superseded(request.message_key, now, email_ledger.CANDIDATE_ERASED)
        if candidate_erased
        else email_ledger.request(request.message_key, now)
    )
    # Unless an earlier delivery of this record (or a later change) got there first.
    update_if(
        session,
        [
            InterviewSession.status.set(SessionStatus.CANCELLED),
            InterviewSession.key_hash.remove(),
            InterviewSession.revision.set(revision),
            InterviewSession.updated_at.set(now),
            asked,
        ],
        condition=InterviewSession.revision < revision,
    )
    schedules.cancel(interview.interview_id)
    return SessionStep(None if candidate_erased else request)


def reschedule_session(interview: Interview, context: BatchContext) -> SessionStep:
    """Moves the session to the new slot and rotates its key: the old link stops working."""
    session = context.session(interview)
    if session is None:
        return create_session(interview, context)
    revision = int(interview.revision)
    request = EmailRequest(
        interview_id=interview.interview_id, kind=MessageKind.RESCHEDULE, revision=revision
    )
    slot = context.slot(interview)
    starts, ends = session_times(interview, slot)
    new_key = session_key(interview.interview_id, revision)
    now = clock.now()
    expires_at = expires_after(ends)

    def build(transaction: Transaction) -> None:
        transaction.update(
            "session",
            session,
            actions=[
                InterviewSession.scheduled_at.set(starts),
                InterviewSession.ends_at.set(ends),
                InterviewSession.time_zone.set(slot.time_zone),
                InterviewSession.interview_type.set(slot.ai_interview_type),
                InterviewSession.key_hash.set(key_hash(new_key)),
                InterviewSession.key_generation.set(revision),
                InterviewSession.revision.set(revision),
                InterviewSession.updated_at.set(now),
                InterviewSession.expires_at.set(expires_at),
                email_ledger.request(request.message_key, now),
            ],
            # An erased session never gets a key again.
            condition=(InterviewSession.revision < revision) & InterviewSession.erased_at.does_not_exist(),
        )
        _still_at(transaction, interview, expires_at)

    try:
        _transact_for_candidate(build, interview, context, expires_at)
    except Refused as refusal:
        if refusal.refused("candidate"):
            logger.info("candidate erased: session not moved", extra={"interview_id": interview.interview_id})
            return SessionStep(None)
        if refusal.refused("interview"):
            logger.info("superseded by a later change", extra={"interview_id": interview.interview_id})
            return SessionStep(None)
        # An earlier delivery of this record already moved the session.
    _keep_schedules(interview, context, starts, ends, existing_possible=True)
    return SessionStep(request)
