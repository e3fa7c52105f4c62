"""Exactly one email per message of the ledger, however often it is requested, through SES v2.

Only a crash between SES accepting the email and the outcome being written can send it twice
(the resend has the same calendar UID and SEQUENCE, so calendars merge it); nothing can make a
message be lost: a transient failure is retried by Lambda, and the last attempt records FAILED.

What the candidate receives follows what they already know: a message for a revision that a
later change replaced is not sent; a cancellation of an interview they were never told of is
not sent; a new time for an interview they were never told of is sent as the invitation; a
resend is the current invitation again.

Every send goes through the configuration set and carries the interview and the message key as
tags, so each event SES publishes about it finds its ledger entry (email_outcomes). Nothing is
sent to an address SES said takes no mail (candidate_address): the message is FAILED with why.
No message at all is sent about a session whose candidate was erased: not even the cancellation
the erasure itself causes.
"""

from datetime import timedelta

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import DoesNotExist

from interview_scheduling import aws_clients, candidate_address, clock, email_ledger
from interview_scheduling.candidate_links import LinkPurpose, link_url
from interview_scheduling.email_ledger import Outcome
from interview_scheduling.enums import EmailStatus, MessageKind
from interview_scheduling.invitation import InvitationDetails, UnsendableMessage, build_message
from interview_scheduling.models import InterviewSession
from interview_scheduling.notifications import EmailRequest
from interview_scheduling.ses_events import INTERVIEW_TAG, MESSAGE_TAG
from interview_scheduling.session_keys import session_key
from interview_scheduling.settings import EmailSettings, email_settings

# A claim outlives the invocation that made it by this much, for clock skew between hosts.
LEASE_MARGIN = timedelta(seconds=5)
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


class RetryLater(Exception):
    """Raised so that Lambda's asynchronous retries try again later."""


def deliver(request: EmailRequest, time_left: timedelta) -> Outcome | None:
    """Sends the message unless an earlier delivery did (None then).

    `time_left` is what remains of this invocation: the claim lapses once it must have ended.
    """
    # Read before claiming: a misconfigured function fails here, having taken nothing.
    settings = email_settings()
    now = clock.now()
    session = email_ledger.claim(
        request.interview_id, request.message_key, now, now + time_left + LEASE_MARGIN
    )
    if session is None:
        _retry_if_unfinished(request)
        return None
    wording = _wording(request, session)
    if isinstance(wording, Outcome):
        return _record(request, session, wording)
    if wording != MessageKind.CANCELLATION and session.key_hash is None:
        return _record(
            request, session, Outcome(EmailStatus.SUPERSEDED, failure_reason="the link was revoked")
        )
    address = candidate_address.address_for(session)
    if address.unreachable is not None:
        reason = f"not attempted: {address.unreachable}; give the candidate another address, then resend"
        return _record(request, session, Outcome(EmailStatus.FAILED, failure_reason=reason))
    details = _details(session, request, settings)
    try:
        message = build_message(wording, details)
    except UnsendableMessage as error:
        return _record(request, session, Outcome(EmailStatus.FAILED, failure_reason=f"not sendable: {error}"))
    return _send(request, session, message.as_bytes(), settings)


def _wording(request: EmailRequest, session: InterviewSession) -> MessageKind | Outcome:
    """Which email this message is, given what the candidate was already sent; or why none is due."""
    overtaken = _overtaken(request, session)
    if overtaken is not None:
        return Outcome(EmailStatus.SUPERSEDED, failure_reason=overtaken)
    if request.kind == MessageKind.RESEND:
        return MessageKind.INVITATION
    if request.kind == MessageKind.INVITATION or email_ledger.was_announced(session):
        return request.kind
    if email_ledger.announcement_in_flight(session, besides=request.message_key):
        # The invitation is being sent this moment; what follows depends on whether it arrives.
        return _wait_for_announcement(request, session)
    if request.kind == MessageKind.CANCELLATION:
        return Outcome(EmailStatus.SUPERSEDED, failure_reason="cancelled before the candidate was invited")
    return MessageKind.INVITATION  # a new time for an interview never announced: the invitation


def _overtaken(request: EmailRequest, session: InterviewSession) -> str | None:
    """Why the message is no longer to be sent at all, whatever its kind."""
    if session.erased_at is not None:
        return email_ledger.CANDIDATE_ERASED
    if request.revision < int(session.revision):
        return "a later change replaced it"
    return None


def _wait_for_announcement(request: EmailRequest, session: InterviewSession) -> MessageKind:
    attempts = _attempts(request, session) + 1
    if attempts >= email_settings().max_send_attempts:
        return request.kind  # it may have arrived: better a redundant update than a silent change
    email_ledger.release(
        request.interview_id,
        request.message_key,
        clock.now(),
        "waiting for the invitation being sent",
        attempts,
    )
    raise RetryLater("an earlier message to the candidate is being sent")


def _attempts(request: EmailRequest, session: InterviewSession) -> int:
    entry = session.emails.get(request.message_key)
    return int(entry.attempts) if entry is not None else 0


def _send(request: EmailRequest, session: InterviewSession, raw: bytes, settings: EmailSettings) -> Outcome:
    try:
        sent = aws_clients.sesv2().send_email(
            FromEmailAddress=settings.sender_email,
            Destination={"ToAddresses": [session.candidate_email]},
            Content={"Raw": {"Data": raw}},
            ConfigurationSetName=settings.ses_configuration_set,
            # Tag values allow only [A-Za-z0-9_-]: interview ids and message keys are made of those.
            EmailTags=[
                {"Name": INTERVIEW_TAG, "Value": request.interview_id},
                {"Name": MESSAGE_TAG, "Value": request.message_key},
            ],
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
    attempts = _attempts(request, session) + 1
    if attempts >= email_settings().max_send_attempts:
        reason = f"SES kept failing ({code}); gave up after {attempts} attempts"
        return _record(request, session, Outcome(EmailStatus.FAILED, failure_reason=reason))
    email_ledger.release(
        request.interview_id, request.message_key, clock.now(), f"will retry after {code}", attempts
    )
    raise RetryLater(code) from error


def _details(session: InterviewSession, request: EmailRequest, settings: EmailSettings) -> InvitationDetails:
    key = session_key(session.interview_id, int(session.key_generation))
    link = f"{str(settings.interview_base_url).rstrip('/')}/?session_key={key}"
    announces = request.kind != MessageKind.CANCELLATION

    def candidate_link(purpose: LinkPurpose) -> str | None:
        # Signed for the revision this message announces: the next change makes it dead.
        pages = str(settings.candidate_pages_url)
        return link_url(pages, purpose, session.interview_id, request.revision) if announces else None

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
        interview_link=link if announces else None,
        sender=settings.sender_email,
        reschedule_link=candidate_link(LinkPurpose.RESCHEDULE),
        cancel_link=candidate_link(LinkPurpose.CANCEL),
    )


def _retry_if_unfinished(request: EmailRequest) -> None:
    """The claim failed: fine if the message reached an outcome, else Lambda must try again."""
    try:
        status = email_ledger.current_status(request.interview_id, request.message_key)
    except DoesNotExist as error:
        raise RetryLater("no session yet for this interview") from error
    if status not in email_ledger.FINAL_STATUSES:
        raise RetryLater(f"the message is {status or 'not yet requested'}; not finished")
    logger.info("message already handled", extra={"email_message": request.message_key, "status": status})


def _record(request: EmailRequest, session: InterviewSession, outcome: Outcome) -> Outcome:
    recorded = email_ledger.record(session, request.message_key, outcome, clock.now())
    logger.info(
        "email outcome",
        extra={
            "email_message": request.message_key,
            "status": outcome.status,
            # False: SES reported on it first (delivered, bounced, ...); that stays.
            "recorded": recorded,
        },
    )
    return outcome
