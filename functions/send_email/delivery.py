"""Exactly one email per (session, message), however often the request is delivered.

A message moves PENDING → SENDING → SENT or FAILED by conditional writes. SENDING is a claim
that lapses after CLAIM_LEASE, longer than the function can run, so a retry after a crash takes
the message over; only a crash between SES accepting the email and the write-back can send it
twice, and nothing can make it be lost.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import DoesNotExist

from interview_scheduling import aws_clients
from interview_scheduling.conditional_writes import update_if
from interview_scheduling.enums import EmailStatus, MessageKind
from interview_scheduling.invitation import InvitationDetails, build_message
from interview_scheduling.models import InterviewSession
from interview_scheduling.notifications import EmailRequest
from interview_scheduling.settings import email_settings

CLAIM_LEASE = timedelta(seconds=60)
FINAL_STATUSES = frozenset({EmailStatus.SENT.value, EmailStatus.FAILED.value, EmailStatus.SUPERSEDED.value})
# SES answers that retrying will not help: the address, the sender or the account is refused.
PERMANENT_SES_ERRORS = frozenset(
    {
        "MessageRejected",
        "MailFromDomainNotVerifiedException",
        "AccountSuspendedException",
        "SendingPausedException",
        "BadRequestException",
        "NotFoundException",
    }
)

logger = Logger()
metrics = Metrics()


class RetryLater(Exception):
    """Raised so that Lambda's asynchronous retries try again later."""


@dataclass(frozen=True)
class Outcome:
    status: EmailStatus
    message_id: str | None = None
    failure_reason: str | None = None


def _now() -> datetime:
    return datetime.now(UTC)


def deliver(request: EmailRequest) -> Outcome | None:
    """Sends the message unless an earlier delivery did (None then)."""
    session = _claim(request)
    if session is None:
        return None
    key = session.undelivered_key
    if request.kind != MessageKind.CANCELLATION and key is None:
        return _record(request, session, Outcome(EmailStatus.SUPERSEDED))
    try:
        message = build_message(request.kind, _details(session, request, key))
    except ValueError as error:
        return _record(request, session, Outcome(EmailStatus.FAILED, failure_reason=f"not sendable: {error}"))
    return _send(request, session, message)


def _send(request: EmailRequest, session: InterviewSession, message: EmailMessage) -> Outcome:
    try:
        sent = aws_clients.sesv2().send_email(
            FromEmailAddress=email_settings().sender_email,
            Destination={"ToAddresses": [session.candidate_email]},
            Content={"Raw": {"Data": message.as_bytes()}},
        )
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "Unknown")
        if code in PERMANENT_SES_ERRORS:
            return _record(
                request, session, Outcome(EmailStatus.FAILED, failure_reason=f"SES refused: {code}")
            )
        return _failed_for_now(request, session, code, error)
    except BotoCoreError as error:
        return _failed_for_now(request, session, type(error).__name__, error)
    return _record(request, session, Outcome(EmailStatus.SENT, message_id=sent["MessageId"]))


def _failed_for_now(request: EmailRequest, session: InterviewSession, code: str, error: Exception) -> Outcome:
    """A transient failure: Lambda retries the event, and the last attempt records FAILED."""
    attempts = int(session.emails.as_dict()[request.message_key].get("attempts", 0)) + 1
    if attempts >= email_settings().max_send_attempts:
        reason = f"SES kept failing ({code}); gave up after {attempts} attempts"
        return _record(request, session, Outcome(EmailStatus.FAILED, failure_reason=reason))
    _release(request, f"will retry after {code}", attempts)
    raise RetryLater(code) from error


def _details(session: InterviewSession, request: EmailRequest, key: str | None) -> InvitationDetails:
    settings = email_settings()
    sender = settings.sender_email
    link = f"{str(settings.interview_base_url).rstrip('/')}/?session_key={key}" if key else None
    return InvitationDetails(
        interview_id=session.interview_id,
        sequence=request.revision,
        candidate_name=session.candidate_name,
        candidate_email=session.candidate_email,
        job_title=session.job_title,
        company_name=session.company_name,
        scheduled_at=session.scheduled_at,
        duration=session.ends_at - session.scheduled_at,
        time_zone=session.time_zone,
        interview_link=None if request.kind == MessageKind.CANCELLATION else link,
        sender=sender,
        uid_domain=sender.rpartition("@")[2],
    )


def _entry(status: EmailStatus, now: datetime, **fields: Any) -> dict[str, Any]:
    return {"status": status.value, "updated_at": now.isoformat(), **{k: v for k, v in fields.items() if v}}


def _claim(request: EmailRequest) -> InterviewSession | None:
    """Takes the message for this delivery; None if it was sent or refused already."""
    now = _now()
    entry = InterviewSession.emails[request.message_key]
    session = InterviewSession(request.interview_id)
    abandoned = (entry["status"] == EmailStatus.SENDING.value) & (
        entry["claimed_at"] < (now - CLAIM_LEASE).isoformat()
    )
    # Field by field, so the entry keeps its count of attempts.
    claimed = update_if(
        session,
        [
            entry["status"].set(EmailStatus.SENDING.value),
            entry["claimed_at"].set(now.isoformat()),
            entry["updated_at"].set(now.isoformat()),
        ],
        condition=(entry["status"] == EmailStatus.PENDING.value) | abandoned,
    )
    if not claimed:
        _retry_if_unfinished(request)
        return None
    # The update read the session back (ALL_NEW): everything the email needs is here.
    return session


def _retry_if_unfinished(request: EmailRequest) -> None:
    """The claim failed: fine if the message reached an outcome, else Lambda must try again."""
    try:
        current = InterviewSession.get(request.interview_id, consistent_read=True)
    except DoesNotExist as error:
        raise RetryLater("no session yet for this interview") from error
    status = current.emails.as_dict().get(request.message_key, {}).get("status")
    if status not in FINAL_STATUSES:
        raise RetryLater(f"the message is {status or 'not yet requested'}; not finished")
    logger.info("message already handled", extra={"email_message": request.message_key, "status": status})


def _release(request: EmailRequest, reason: str, attempts: int) -> None:
    """Gives the claim back, so the retry can take it at once and the recruiter sees why."""
    now = _now()
    entry = InterviewSession.emails[request.message_key]
    InterviewSession(request.interview_id).update(
        actions=[
            entry["status"].set(EmailStatus.PENDING.value),
            entry["failure_reason"].set(reason),
            entry["attempts"].set(attempts),
            entry["updated_at"].set(now.isoformat()),
        ]
    )


def _record(request: EmailRequest, session: InterviewSession, outcome: Outcome) -> Outcome:
    now = _now()
    entry = _entry(outcome.status, now, message_id=outcome.message_id, failure_reason=outcome.failure_reason)
    actions = [InterviewSession.emails[request.message_key].set(entry)]
    delivered_current_key = outcome.status == EmailStatus.SENT and int(session.revision) == request.revision
    # Once the key has reached the candidate only its hash is kept; unless a newer change
    # arrived while sending, whose message still needs the key.
    key_dropped = delivered_current_key and update_if(
        InterviewSession(request.interview_id),
        [*actions, InterviewSession.undelivered_key.remove()],
        condition=InterviewSession.revision == request.revision,
    )
    if not key_dropped:
        InterviewSession(request.interview_id).update(actions=actions)
    metrics.add_metric(
        name="EmailsSent" if outcome.status == EmailStatus.SENT else f"Emails{outcome.status.value.title()}",
        unit=MetricUnit.Count,
        value=1,
    )
    logger.info("email outcome", extra={"email_message": request.message_key, "status": outcome.status.value})
    return outcome
