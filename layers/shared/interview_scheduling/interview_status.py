"""What a recruiter sees of an interview: its state, its session's, its emails' outcomes as SES
reported them, whether the candidate's address still takes mail, and its timeline."""

from pynamodb.exceptions import DoesNotExist

from interview_scheduling import email_ledger, interview_history
from interview_scheduling.booking import find_interview
from interview_scheduling.candidate_address import unreachable_out
from interview_scheduling.models import Candidate, EmailEntry, Interview, InterviewSession
from interview_scheduling.schemas import (
    DeliveryOut,
    EmailOut,
    InterviewOut,
    InterviewSummary,
    SessionSummary,
    UnreachableOut,
)
from interview_scheduling.time_rules import scheduled_at


def describe_interview(org: str, job_id: str, interview_id: str) -> InterviewOut:
    return interview_out(find_interview(org, job_id, interview_id))


def interview_out(interview: Interview) -> InterviewOut:
    try:
        session: InterviewSession | None = InterviewSession.get(interview.interview_id)
    except DoesNotExist:
        session = None
    return InterviewOut(
        interview_id=interview.interview_id,
        job_id=interview.job_id,
        candidate_id=interview.candidate_id,
        slot_id=interview.slot_id,
        status=interview.status,
        scheduled_at=scheduled_at(interview),
        booking_notes=interview.booking_notes,
        revision=int(interview.revision),
        created_at=interview.created_at,
        updated_at=interview.updated_at,
        session=_session_summary(session),
        emails=email_outcomes(session),
        candidate_email_unreachable=_unreachable(interview),
        timeline=interview_history.timeline(interview, session),
    )


def interview_summary(interview: Interview) -> InterviewSummary:
    """The interview as a list shows it, from what its indexes hold."""
    return InterviewSummary(
        interview_id=interview.interview_id,
        job_id=interview.job_id,
        candidate_id=interview.candidate_id,
        slot_id=interview.slot_id,
        status=interview.status,
        scheduled_at=scheduled_at(interview),
        revision=int(interview.revision),
        created_at=interview.created_at,
        updated_at=interview.updated_at,
    )


def _unreachable(interview: Interview) -> UnreachableOut | None:
    try:
        candidate = Candidate.get(interview.job_id, interview.candidate_id)
    except DoesNotExist:
        return None
    return unreachable_out(candidate.email_unreachable)


def _session_summary(session: InterviewSession | None) -> SessionSummary | None:
    if session is None:
        return None
    return SessionSummary(
        status=session.status,
        scheduled_at=session.scheduled_at,
        resume_extraction=session.resume_extraction,
    )


def email_outcomes(session: InterviewSession | None) -> list[EmailOut]:
    """Each email about the interview, with what SES reported of it (the recruiter's view, the export)."""
    return [
        EmailOut(
            kind=key,
            status=entry.status,
            message_id=entry.message_id,
            failure_reason=entry.failure_reason,
            delivery=_delivery(entry),
        )
        for key, entry in email_ledger.entries(session)
    ]


def _delivery(entry: EmailEntry) -> DeliveryOut | None:
    reported = DeliveryOut.model_validate({name: getattr(entry, name) for name in DeliveryOut.model_fields})
    return reported if reported.model_dump(exclude_none=True) else None
