"""Sending the current invitation again, when the recruiter asks (typically after correcting an
address that bounced).

Each request is one new message of the email ledger ("resend-<revision>-<id>"), sent by
send_email like every other: exactly once however often it is asked for. With an
Idempotency-Key the message is named after the key, so a repeated request finds its first
message and sends nothing more. The session's copy of the address is brought up to the
candidate's in the same write.
"""

from dataclasses import dataclass

from aws_lambda_powertools import Logger
from pynamodb.exceptions import DoesNotExist

from interview_scheduling import clock, email_ledger
from interview_scheduling.booking import find_interview
from interview_scheduling.candidate_address import describe
from interview_scheduling.conditional_writes import update_if
from interview_scheduling.enums import EmailStatus, InterviewStatus, MessageKind
from interview_scheduling.errors import Conflict, RuleViolation
from interview_scheduling.ids import derived_id, new_id
from interview_scheduling.models import Candidate, EmailEntry, Interview, InterviewSession
from interview_scheduling.notifications import EmailRequest, request_email

# Enough to tell one request's resend from another's, short enough for a readable message key.
RESEND_ID_LENGTH = 12

logger = Logger()


@dataclass(frozen=True)
class Resend:
    interview: Interview
    message_key: str
    replayed: bool  # the Idempotency-Key was used before: nothing more was sent


def resend_invitation(org: str, job_id: str, interview_id: str, idempotency_key: str | None) -> Resend:
    interview = find_interview(org, job_id, interview_id)
    if interview.status != InterviewStatus.SCHEDULED:
        raise RuleViolation("not_resendable", f"an interview that is {interview.status} has no invitation")
    candidate = Candidate.get(job_id, interview.candidate_id, consistent_read=True)
    if candidate.email_unreachable is not None:
        raise Conflict(
            "email_unreachable",
            f"{describe(candidate.email_unreachable)}: give the candidate another address first",
        )
    named = derived_id(org, interview_id, idempotency_key) if idempotency_key else new_id()
    which = named[:RESEND_ID_LENGTH]
    request = EmailRequest(
        interview_id=interview_id, kind=MessageKind.RESEND, revision=int(interview.revision), resend=which
    )
    key = request.message_key
    now = clock.now()
    requested = update_if(
        InterviewSession(interview_id),
        [
            InterviewSession.candidate_email.set(candidate.email),
            InterviewSession.candidate_name.set(candidate.full_name),
            email_ledger.request(key, now),
        ],
        # The session is at the interview's revision (its invitation is the current one).
        condition=(InterviewSession.revision == interview.revision)
        & InterviewSession.emails[key].does_not_exist(),
    )
    if requested:
        request_email(request)
        logger.info("invitation resend requested", extra={"interview_id": interview_id, "email_message": key})
        return Resend(interview, key, replayed=False)
    return _replay(interview, request)


def _replay(interview: Interview, request: EmailRequest) -> Resend:
    """The request was made before (or the session is not at this revision yet)."""
    try:
        session = InterviewSession.get(interview.interview_id, consistent_read=True)
    except DoesNotExist as error:
        raise Conflict("session_pending", "the interview's session is still being made; try again") from error
    entry: EmailEntry | None = session.emails.get(request.message_key)
    if entry is None:
        raise Conflict("busy", "the interview changed meanwhile; try again")
    if entry.status == EmailStatus.PENDING:
        # The first request may have stopped before asking send_email: asking twice sends once.
        request_email(request)
    return Resend(interview, request.message_key, replayed=True)
