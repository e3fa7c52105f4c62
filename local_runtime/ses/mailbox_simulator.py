"""What becomes of an email, as Amazon SES's mailbox simulator answers (no I/O).

As AWS documents it in "Using the mailbox simulator manually"
(https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html#send-email-simulator):

    success@simulator.amazonses.com          delivered
    bounce@simulator.amazonses.com           bounced: SMTP 550 5.1.1 ("Unknown User"), a hard bounce
    ooto@simulator.amazonses.com             delivered; the recipient's server auto-replies
    complaint@simulator.amazonses.com        delivered, then marked as spam
    suppressionlist@simulator.amazonses.com  a hard bounce, as if on the global suppression list

Labels are allowed (`bounce+label1@simulator.amazonses.com`). The record fields follow "Contents
of event data that Amazon SES publishes"
(https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html): a
suppression-list bounce is Permanent/Suppressed ("Amazon SES has suppressed sending to this
address"). Every other address is taken as delivered, since nothing local can refuse it. A
message carrying the EICAR test file is rejected, as "Testing Reject events" on the same page
describes; the simulator has no address for that.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final

SIMULATOR_DOMAIN: Final = "simulator.amazonses.com"
EICAR: Final = b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE"
REPORTING_MTA: Final = "a8-21.smtp-out.amazonses.com"
# How long each step takes here: enough to keep the order, short enough for a local run.
STEP: Final = timedelta(milliseconds=250)


class Scenario(StrEnum):
    SUCCESS = "success"
    BOUNCE = "bounce"
    OOTO = "ooto"
    COMPLAINT = "complaint"
    SUPPRESSION_LIST = "suppressionlist"
    ORDINARY = "ordinary"  # any address that is not the simulator's


@dataclass(frozen=True)
class Reported:
    """One thing SES reports about the email to one recipient: its event type and its object."""

    event_type: str  # Delivery, Bounce, Complaint, Reject
    key: str  # the record's field for it: delivery, bounce, complaint, reject
    body: dict[str, Any]


def scenario(address: str) -> Scenario:
    local, _, domain = address.strip().rpartition("@")
    if domain.lower() != SIMULATOR_DOMAIN:
        return Scenario.ORDINARY
    name = local.split("+", 1)[0].lower()
    try:
        return Scenario(name)
    except ValueError:
        return Scenario.ORDINARY


def reports(address: str, sent_at: datetime, raw: bytes = b"") -> list[Reported]:
    """What SES reports about the email to `address`, in the order it reports it."""
    if EICAR in raw:
        return [Reported("Reject", "reject", {"reason": "Bad content"})]
    match scenario(address):
        case Scenario.BOUNCE:
            unknown_user = "smtp; 550 5.1.1 user unknown"
            return [_bounce(address, sent_at, "General", unknown_user, f"dsn; {REPORTING_MTA}")]
        case Scenario.SUPPRESSION_LIST:
            why = (
                "Amazon SES has suppressed sending to this address because it has a recent history "
                "of bouncing as an invalid address."
            )
            return [_bounce(address, sent_at, "Suppressed", why, "dns; amazonses.com")]
        case Scenario.COMPLAINT:
            return [_delivery(address, sent_at), _complaint(address, sent_at + 2 * STEP)]
        case _:  # success, ooto (its auto-reply goes to the sender, not into an event), ordinary
            return [_delivery(address, sent_at)]


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _delivery(address: str, sent_at: datetime) -> Reported:
    return Reported(
        "Delivery",
        "delivery",
        {
            "timestamp": _iso(sent_at + STEP),
            "processingTimeMillis": int(STEP.total_seconds() * 1000),
            "recipients": [address],
            "smtpResponse": "250 2.6.0 Message received",
            "reportingMTA": REPORTING_MTA,
        },
    )


def _bounce(address: str, sent_at: datetime, subtype: str, diagnostic: str, mta: str) -> Reported:
    return Reported(
        "Bounce",
        "bounce",
        {
            "bounceType": "Permanent",
            "bounceSubType": subtype,
            "bouncedRecipients": [
                {"emailAddress": address, "action": "failed", "status": "5.1.1", "diagnosticCode": diagnostic}
            ],
            "timestamp": _iso(sent_at + STEP),
            "feedbackId": _feedback_id(),
            "reportingMTA": mta,
        },
    )


def _complaint(address: str, at: datetime) -> Reported:
    return Reported(
        "Complaint",
        "complaint",
        {
            "complainedRecipients": [{"emailAddress": address}],
            "timestamp": _iso(at),
            "feedbackId": _feedback_id(),
            "complaintFeedbackType": "abuse",
            "arrivalDate": _iso(at),
        },
    )


def _feedback_id() -> str:
    return f"{uuid.uuid4().hex[:16]}-{uuid.uuid4()}-000000"
