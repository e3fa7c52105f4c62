"""A session for each booking, changed with the booking; each step is safe to repeat.

The session and the interview's key hash are written in one transaction, so there is never a
session the interview does not point at, nor a second session for one interview.
"""

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from create_session.batch_context import BatchContext
from create_session.resumes import resume_text
from interview_scheduling import aws_clients
from interview_scheduling.conditional_writes import condition_failed, update_if
from interview_scheduling.enums import CodingLanguage, EmailStatus, MessageKind, SessionStatus
from interview_scheduling.ids import key_hash, new_session_key
from interview_scheduling.models import Candidate, Interview, InterviewSession, InterviewSlot, Job
from interview_scheduling.notifications import EmailRequest
from interview_scheduling.scheduling import scheduled_at
from interview_scheduling.settings import session_settings

logger = Logger()
metrics = Metrics()


def _now() -> datetime:
    return datetime.now(UTC)


def _times(interview: Interview, slot: InterviewSlot) -> tuple[datetime, datetime]:
    """When the session starts and ends: it lasts as long as its slot."""
    starts = scheduled_at(interview, slot)
    return starts, starts + (slot.ends_at - slot.starts_at)


def _pending(now: datetime) -> dict[str, Any]:
    return {"status": EmailStatus.PENDING.value, "updated_at": now.isoformat()}


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
    lines.append(f"Coding language: {job.coding_language or CodingLanguage.PYTHON.value}")
    return "\n".join(lines)


def create_session(interview: Interview, context: BatchContext) -> EmailRequest:
    """Creates the session unless an earlier delivery did; either way the invitation is due."""
    request = EmailRequest(
        interview_id=interview.interview_id, kind=MessageKind.INVITATION, revision=int(interview.revision)
    )
    if context.session(interview) is not None:
        return request
    now = _now()
    session_key = new_session_key()
    session = _new_session(interview, context, session_key, now)
    session.emails = {request.message_key: _pending(now)}
    try:
        with TransactWrite(connection=aws_clients.transactions()) as transaction:
            transaction.save(session, condition=InterviewSession.interview_id.does_not_exist())
            transaction.update(
                interview,
                actions=[Interview.session_key_hash.set(session.key_hash)],
                condition=Interview.session_key_hash.does_not_exist(),
            )
    except TransactWriteError as error:
        if not condition_failed(error.cancellation_reasons[0]):
            raise
        logger.info("session already exists", extra={"interview_id": interview.interview_id})
        return request
    context.sessions[interview.interview_id] = session
    metrics.add_metric(name="SessionsCreated", unit=MetricUnit.Count, value=1)
    logger.info("session created", extra={"interview_id": interview.interview_id})
    return request


def _new_session(
    interview: Interview, context: BatchContext, session_key: str, now: datetime
) -> InterviewSession:
    job: Job = context.job(interview)
    candidate: Candidate = context.candidate(interview)
    slot: InterviewSlot = context.slot(interview)
    text, extraction = resume_text(candidate)
    metrics.add_metric(name=f"ResumeExtraction_{extraction}", unit=MetricUnit.Count, value=1)
    settings = session_settings()
    starts, ends = _times(interview, slot)
    return InterviewSession(
        interview_id=interview.interview_id,
        key_hash=key_hash(session_key),
        undelivered_key=session_key,
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
        coding_language=job.coding_language or CodingLanguage.PYTHON.value,
        interview_type=slot.ai_interview_type,
        scheduled_at=starts,
        ends_at=ends,
        time_zone=slot.time_zone,
        language_code=settings.session_language_code,
        accent_tld=settings.session_accent_tld,
        status=SessionStatus.SCHEDULED.value,
        revision=int(interview.revision),
        created_at=now,
        updated_at=now,
    )


def cancel_session(interview: Interview, context: BatchContext) -> EmailRequest | None:
    """Cancels the session and revokes its key; None when there was never a session to cancel."""
    session = context.session(interview)
    if session is None:
        logger.warning("cancelled before any session existed", extra={"interview_id": interview.interview_id})
        return None
    revision = int(interview.revision)
    request = EmailRequest(
        interview_id=interview.interview_id, kind=MessageKind.CANCELLATION, revision=revision
    )
    now = _now()
    # Unless an earlier delivery of this record (or a later change) got there first.
    update_if(
        session,
        [
            InterviewSession.status.set(SessionStatus.CANCELLED.value),
            InterviewSession.key_hash.remove(),
            InterviewSession.undelivered_key.remove(),
            InterviewSession.revision.set(revision),
            InterviewSession.updated_at.set(now),
            InterviewSession.emails[request.message_key].set(_pending(now)),
        ],
        condition=InterviewSession.revision < revision,
    )
    return request


def reschedule_session(interview: Interview, context: BatchContext) -> EmailRequest | None:
    """Moves the session to the new slot and rotates its key: the old link stops working."""
    session = context.session(interview)
    if session is None:
        return create_session(interview, context)
    revision = int(interview.revision)
    request = EmailRequest(
        interview_id=interview.interview_id, kind=MessageKind.RESCHEDULE, revision=revision
    )
    slot = context.slot(interview)
    starts, ends = _times(interview, slot)
    session_key = new_session_key()
    now = _now()
    try:
        with TransactWrite(connection=aws_clients.transactions()) as transaction:
            transaction.update(
                session,
                actions=[
                    InterviewSession.scheduled_at.set(starts),
                    InterviewSession.ends_at.set(ends),
                    InterviewSession.time_zone.set(slot.time_zone),
                    InterviewSession.interview_type.set(slot.ai_interview_type),
                    InterviewSession.key_hash.set(key_hash(session_key)),
                    InterviewSession.undelivered_key.set(session_key),
                    InterviewSession.revision.set(revision),
                    InterviewSession.updated_at.set(now),
                    InterviewSession.emails[request.message_key].set(_pending(now)),
                ],
                condition=InterviewSession.revision < revision,
            )
            transaction.update(
                interview,
                actions=[Interview.session_key_hash.set(key_hash(session_key))],
                condition=Interview.revision == revision,
            )
    except TransactWriteError as error:
        session_reason, interview_reason = error.cancellation_reasons
        if condition_failed(interview_reason):
            logger.info("superseded by a later change", extra={"interview_id": interview.interview_id})
            return None
        if not condition_failed(session_reason):
            raise
        # An earlier delivery of this record already moved the session.
    return request
