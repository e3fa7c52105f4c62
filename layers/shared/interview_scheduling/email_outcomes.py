"""What SES reported about each email, applied once: to the message's entry in the email ledger,
and, for a permanent bounce or a complaint, to the candidate's address
(interview_scheduling.candidate_address).

An event names its message by the tags every send carries (email_delivery), so no lookup is
needed. Events arrive late, twice and out of order; the ledger's ranks make each count once. One
that names no message of this system, or comes through another configuration set, changes
nothing and is not retried: it would never succeed.
"""

import re
from dataclasses import dataclass
from enum import StrEnum

from aws_lambda_powertools import Logger

from interview_scheduling import candidate_address, clock, email_ledger
from interview_scheduling.candidate_address import Unreachable
from interview_scheduling.email_ledger import DeliveryReport, Reported
from interview_scheduling.enums import BounceType, EmailStatus, UnreachableReason
from interview_scheduling.schemas import ID_PATTERN
from interview_scheduling.ses_events import (
    CONFIGURATION_SET_TAG,
    INTERVIEW_TAG,
    MESSAGE_TAG,
    BounceEvent,
    ComplaintEvent,
    DeliveryDelayEvent,
    DeliveryEvent,
    Recipient,
    RejectEvent,
    SendEvent,
    SesEvent,
    SesEventBridgeEvent,
)

# A message key as email_ledger.message_key makes them.
_MESSAGE_KEY = re.compile(r"[a-z]{1,20}-[0-9]{1,9}(-[0-9a-f]{1,32})?")
_INTERVIEW_ID = re.compile(ID_PATTERN)

logger = Logger()


class Effect(StrEnum):
    MOVED = "moved"  # the message's entry took the reported status
    KNOWN = "known"  # repeated, or overtaken by a later status: nothing went back
    IGNORED = "ignored"  # not about a message of this system


@dataclass(frozen=True)
class Applied:
    effect: Effect
    status: EmailStatus | None = None  # what SES reported
    candidate_marked: bool = False


def apply(event: SesEventBridgeEvent, configuration_set: str) -> Applied:
    """Records the event's report on its message; marks the address for a hard bounce or complaint."""
    detail = event.detail
    mail = detail.mail
    if mail.tag(CONFIGURATION_SET_TAG) != configuration_set:
        return _ignored(event, "sent through another configuration set")
    interview_id, key = mail.tag(INTERVIEW_TAG), mail.tag(MESSAGE_TAG)
    if interview_id is None or key is None:
        return _ignored(event, "it carries no message tags")
    if not _INTERVIEW_ID.fullmatch(interview_id) or not _MESSAGE_KEY.fullmatch(key):
        return _ignored(event, "its message tags are not this system's")
    report = report_of(detail)
    now = clock.now()
    reported, session = email_ledger.record_report(interview_id, key, report, now)
    if reported is Reported.UNKNOWN or session is None:
        return _ignored(event, "no such message (its interview may be gone)")
    marked = False
    unreachable = _unreachable(detail, key)
    if unreachable is not None:
        # Also when the report was known: an earlier attempt may have stopped before this step.
        marked = candidate_address.mark_unreachable(session, unreachable, now)
    effect = Effect.MOVED if reported is Reported.MOVED else Effect.KNOWN
    logger.info(
        "email outcome reported",
        extra={
            "interview_id": interview_id,
            "email_message": key,
            "reported": report.status,
            "effect": effect,
            "candidate_marked": marked,
        },
    )
    return Applied(effect, report.status, marked)


def report_of(detail: SesEvent) -> DeliveryReport:
    """The event as the ledger keeps it: the status it reports, SES's time for it, and details."""
    message_id = detail.mail.message_id
    match detail:
        case SendEvent():
            return DeliveryReport(EmailStatus.SENT, detail.mail.timestamp, message_id)
        case DeliveryEvent():
            return DeliveryReport(EmailStatus.DELIVERED, detail.delivery.timestamp, message_id)
        case DeliveryDelayEvent():
            delay = detail.delivery_delay
            return DeliveryReport(
                EmailStatus.DELAYED,
                delay.timestamp,
                message_id,
                delay_type=delay.delay_type,
                diagnostic_code=_diagnostic(delay.delayed_recipients),
            )
        case BounceEvent():
            bounce = detail.bounce
            return DeliveryReport(
                EmailStatus.BOUNCED,
                bounce.timestamp,
                message_id,
                bounce_type=bounce.bounce_type.value,
                bounce_subtype=bounce.bounce_sub_type,
                diagnostic_code=_diagnostic(bounce.bounced_recipients),
            )
        case ComplaintEvent():
            complaint = detail.complaint
            return DeliveryReport(
                EmailStatus.COMPLAINED,
                complaint.timestamp,
                message_id,
                complaint_type=complaint.complaint_feedback_type or complaint.complaint_sub_type,
            )
        case RejectEvent():
            return DeliveryReport(
                EmailStatus.REJECTED,
                detail.mail.timestamp,
                message_id,
                failure_reason=f"SES rejected it: {detail.reject.reason}",
            )


def _diagnostic(recipients: list[Recipient]) -> str | None:
    """The receiving server's answer for the candidate (each email has the one recipient)."""
    first = recipients[0] if recipients else None
    return (first.diagnostic_code or first.status) if first is not None else None


def _unreachable(detail: SesEvent, key: str) -> Unreachable | None:
    """A permanent bounce or a complaint: the address takes no more mail from this system."""
    if isinstance(detail, BounceEvent) and detail.bounce.bounce_type == BounceType.PERMANENT:
        bounce = detail.bounce
        code = _diagnostic(bounce.bounced_recipients)
        said = f"{bounce.bounce_type}/{bounce.bounce_sub_type}" + (f": {code}" if code else "")
        address = bounce.bounced_recipients[0].email_address
        return Unreachable(address, UnreachableReason.HARD_BOUNCE, said, key)
    if isinstance(detail, ComplaintEvent):
        complaint = detail.complaint
        kind = complaint.complaint_feedback_type or complaint.complaint_sub_type
        address = complaint.complained_recipients[0].email_address
        return Unreachable(address, UnreachableReason.COMPLAINT, kind, key)
    return None


def _ignored(event: SesEventBridgeEvent, why: str) -> Applied:
    # Ids and types only: an event's addresses and headers stay out of the logs.
    logger.warning(
        "SES event dropped",
        extra={"why": why, "event_id": event.id, "event_type": event.detail.event_type},
    )
    return Applied(Effect.IGNORED)
