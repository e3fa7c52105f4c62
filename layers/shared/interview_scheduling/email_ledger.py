"""The email ledger: one entry per message a candidate is sent about an interview, on its session.

A message is named by its kind and the interview revision it announces ("invitation-0",
"cancellation-2"), so it is sent once however often it is requested, and every later change
makes a new one. Its entry moves by conditional writes only:

    PENDING ──claim──> SENDING ──> SENT | FAILED | SUPERSEDED
       ^                  │          │
       └────release───────┘          └── SES's events ──> DELAYED ─> DELIVERED ─> BOUNCED | REJECTED
                                                                          └───────────────> COMPLAINED

SENDING is a lease that ends when the invocation holding it must have ended, so a retry after a
crash takes the message over. What SES reports afterwards arrives late, twice and out of order:
each status has a rank and an entry only ever moves to a higher one, so a delay reported after
the bounce changes nothing, and neither does a repeated event. Every read and write of an entry
is here.
"""

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from enum import StrEnum
from typing import Any

from pynamodb.expressions.condition import Condition

from interview_scheduling.conditional_writes import update_if
from interview_scheduling.enums import EmailStatus, MessageKind
from interview_scheduling.models import EmailEntry, InterviewSession

# How far along a message is. An entry only moves to a higher rank; statuses of one rank exclude
# each other (a message is sent, failed or superseded; it bounced or was rejected).
RANK: Mapping[EmailStatus, int] = {
    EmailStatus.PENDING: 0,
    EmailStatus.SENDING: 1,
    EmailStatus.SENT: 2,
    EmailStatus.FAILED: 2,
    EmailStatus.SUPERSEDED: 2,
    EmailStatus.DELAYED: 3,
    EmailStatus.DELIVERED: 4,
    # A server may take a message and bounce it later; never the other way round.
    EmailStatus.BOUNCED: 5,
    EmailStatus.REJECTED: 5,
    # A complaint comes from the candidate's mailbox, so it follows everything else.
    EmailStatus.COMPLAINED: 6,
}
# Once one of these is in a message's entry, sending it is over (SES may still report on it).
FINAL_STATUSES = frozenset(status for status, rank in RANK.items() if rank >= RANK[EmailStatus.SENT])
# What SES's events can report about a message it accepted.
REPORTED_STATUSES = frozenset(
    {
        EmailStatus.SENT,
        EmailStatus.DELAYED,
        EmailStatus.DELIVERED,
        EmailStatus.BOUNCED,
        EmailStatus.REJECTED,
        EmailStatus.COMPLAINED,
    }
)
# The message reached the candidate, or may yet (SES still tries a delayed one).
REACHING_STATUSES = frozenset(
    {EmailStatus.SENT, EmailStatus.DELAYED, EmailStatus.DELIVERED, EmailStatus.COMPLAINED}
)
# What tells the candidate the interview exists: after one of these reached them, later changes are news.
ANNOUNCING_KINDS = frozenset({MessageKind.INVITATION, MessageKind.RESCHEDULE, MessageKind.RESEND})
# Why no message is sent about an erased candidate (interview_scheduling.erasure): the ledger says so.
CANDIDATE_ERASED = "candidate erased"


@dataclass(frozen=True)
class Outcome:
    status: EmailStatus
    message_id: str | None = None
    failure_reason: str | None = None


@dataclass(frozen=True)
class DeliveryReport:
    """What SES reported about a message it accepted (one of its events, as the ledger keeps it)."""

    status: EmailStatus  # one of REPORTED_STATUSES
    at: datetime  # SES's time for it
    message_id: str
    bounce_type: str | None = None
    bounce_subtype: str | None = None
    diagnostic_code: str | None = None
    delay_type: str | None = None
    complaint_type: str | None = None
    failure_reason: str | None = None


class Reported(StrEnum):
    """What recording a report did."""

    MOVED = "moved"  # the entry moved on to the report's status
    KNOWN = "known"  # the entry was there already, or further: only details it lacked were added
    UNKNOWN = "unknown"  # no such message: not this system's, or its interview is gone


# Where each reported status keeps SES's time for it.
_REPORTED_AT = {
    EmailStatus.DELAYED: "delayed_at",
    EmailStatus.DELIVERED: "delivered_at",
    EmailStatus.BOUNCED: "bounced_at",
    EmailStatus.REJECTED: "rejected_at",
    EmailStatus.COMPLAINED: "complained_at",
}


def message_key(kind: MessageKind, revision: int, which: int | str | None = None) -> str:
    """ "invitation-0", "cancellation-2"; a reminder also names which ("reminder-0-1440"), and a
    resend the request that asked for it ("resend-0-3f2a9c01d4e5")."""
    key = f"{kind}-{revision}"
    return f"{key}-{which}" if which is not None else key


def kind_of(key: str) -> MessageKind:
    return MessageKind(key.partition("-")[0])


def request(key: str, now: datetime) -> Any:
    """The update action that asks for a message: a PENDING entry (written with the change it announces)."""
    return InterviewSession.emails[key].set(EmailEntry(status=EmailStatus.PENDING, updated_at=now))


def request_once(interview_id: str, key: str, now: datetime, superseded_because: str | None = None) -> bool:
    """Asks for a message unless it was asked for before (a schedule that fires twice); an entry
    that is born SUPERSEDED says why it will not be sent. False if the entry was there already."""
    entry = EmailEntry(status=EmailStatus.PENDING, updated_at=now)
    if superseded_because is not None:
        entry = EmailEntry(status=EmailStatus.SUPERSEDED, updated_at=now, failure_reason=superseded_because)
    return update_if(
        InterviewSession(interview_id),
        [InterviewSession.emails[key].set(entry)],
        condition=InterviewSession.interview_id.exists() & InterviewSession.emails[key].does_not_exist(),
    )


def request_superseded(key: str, now: datetime, because: str) -> Any:
    """The update action that records a message as asked for and moot at once, saying why."""
    entry = EmailEntry(status=EmailStatus.SUPERSEDED, updated_at=now, failure_reason=because)
    return InterviewSession.emails[key].set(entry)


def pending(session: InterviewSession) -> list[str]:
    """The keys of the messages no attempt has taken yet."""
    return [key for key, entry in entries(session) if entry.status == EmailStatus.PENDING]


def supersede(keys: list[str], now: datetime, because: str) -> tuple[list[Any], Condition]:
    """Update actions that make these PENDING messages SUPERSEDED, and the condition that they
    are still PENDING (one taken meanwhile is being sent: it is not overwritten)."""
    actions: list[Any] = []
    still_pending: Condition = InterviewSession.interview_id.exists()
    for key in keys:
        actions += [
            _field(key, "status").set(_value("status", EmailStatus.SUPERSEDED)),
            _field(key, "failure_reason").set(because),
            _field(key, "updated_at").set(_value("updated_at", now)),
        ]
        still_pending &= _field(key, "status") == _value("status", EmailStatus.PENDING)
    return actions, still_pending


def without_diagnostics(session: InterviewSession) -> list[Any]:
    """Update actions that drop what a receiving server said of each message: a bounce's
    diagnostic code often quotes the address. The statuses and times stay."""
    return [
        _field(key, "diagnostic_code").remove() for key, entry in entries(session) if entry.diagnostic_code
    ]


def first_request(key: str, now: datetime) -> dict[str, EmailEntry]:
    """A new session's ledger, holding the request for its first message."""
    return {key: EmailEntry(status=EmailStatus.PENDING, updated_at=now)}


def entries(session: InterviewSession | None) -> list[tuple[str, EmailEntry]]:
    """Every message of the session, by key."""
    return sorted(session.emails.items()) if session is not None else []


def was_announced(session: InterviewSession) -> bool:
    """Whether the candidate has been told of the interview: an invitation or a new time was sent
    and did not bounce."""
    return any(
        kind_of(key) in ANNOUNCING_KINDS and entry.status in REACHING_STATUSES
        for key, entry in entries(session)
    )


def announcement_in_flight(session: InterviewSession, besides: str) -> bool:
    """Whether an invitation or new time other than `besides` is being sent right now (it may
    reach the candidate)."""
    return any(
        key != besides and kind_of(key) in ANNOUNCING_KINDS and entry.status == EmailStatus.SENDING
        for key, entry in entries(session)
    )


def _field(key: str, name: str) -> Any:
    return InterviewSession.emails[key][name]


def _value(name: str, value: Any) -> Any:
    """A field's value as the entry type stores it (paths into a map carry no attribute type)."""
    return EmailEntry.get_attributes()[name].serialize(value)


def claim(interview_id: str, key: str, now: datetime, lease_expires_at: datetime) -> InterviewSession | None:
    """Takes the message for this invocation until `lease_expires_at`; None if another holds it or
    it was finished. The session as the claim left it comes back with it (one request)."""
    status, lease = _field(key, "status"), _field(key, "lease_expires_at")
    abandoned = (status == _value("status", EmailStatus.SENDING)) & (lease < _value("lease_expires_at", now))
    session = InterviewSession(interview_id)
    # Field by field, so the entry keeps its count of attempts.
    claimed = update_if(
        session,
        [
            status.set(_value("status", EmailStatus.SENDING)),
            lease.set(_value("lease_expires_at", lease_expires_at)),
            _field(key, "updated_at").set(_value("updated_at", now)),
        ],
        condition=(status == _value("status", EmailStatus.PENDING)) | abandoned,
    )
    return session if claimed else None


def release(interview_id: str, key: str, now: datetime, reason: str, attempts: int) -> None:
    """Gives the claim back, so the next attempt can take it at once, and says why for the recruiter.

    Unless SES reported on the message meanwhile (it took it after all): then it stays as reported.
    """
    status = _field(key, "status")
    update_if(
        InterviewSession(interview_id),
        [
            status.set(_value("status", EmailStatus.PENDING)),
            _field(key, "failure_reason").set(reason),
            _field(key, "attempts").set(attempts),
            _field(key, "lease_expires_at").remove(),
            _field(key, "updated_at").set(_value("updated_at", now)),
        ],
        condition=status == _value("status", EmailStatus.SENDING),
    )


def record(session: InterviewSession, key: str, outcome: Outcome, now: datetime) -> bool:
    """Writes the message's outcome; its count of attempts stays. False if SES's events got there
    first (they move the entry past SENT, and it never goes back)."""
    actions = [
        _field(key, "status").set(_value("status", outcome.status)),
        _field(key, "updated_at").set(_value("updated_at", now)),
        _field(key, "lease_expires_at").remove(),
    ]
    if outcome.message_id is not None:
        actions.append(_field(key, "message_id").set(outcome.message_id))
    if outcome.failure_reason is not None:
        actions.append(_field(key, "failure_reason").set(outcome.failure_reason))
    else:
        actions.append(_field(key, "failure_reason").remove())
    return update_if(
        InterviewSession(session.interview_id), actions, condition=_status_below(key, outcome.status)
    )


def _status_below(key: str, status: EmailStatus) -> Any:
    """The condition that the entry exists and its status ranks below `status`."""
    lower = sorted(s for s, rank in RANK.items() if rank < RANK[status])
    return _field(key, "status").is_in(*(_value("status", s) for s in lower))


def record_report(
    interview_id: str, key: str, report: DeliveryReport, now: datetime
) -> tuple[Reported, InterviewSession | None]:
    """Records what SES reported, once: the entry moves to the report's status if that ranks
    higher than its own, else it only gains the report's details it lacked (the time of a delivery
    reported after the complaint). The session comes back as the write left it, unless UNKNOWN."""
    session = InterviewSession(interview_id)
    details = _report_details(report)
    actions = [
        _field(key, "status").set(_value("status", report.status)),
        _field(key, "updated_at").set(_value("updated_at", now)),
        _field(key, "lease_expires_at").remove(),
        _if_absent(key, "message_id", report.message_id),
        *(_field(key, name).set(value) for name, value in details.items()),
    ]
    if report.failure_reason is None:
        # SES took it: a reason left by an earlier attempt ("will retry after ...") is over.
        actions.append(_field(key, "failure_reason").remove())
    below = _status_below(key, report.status)
    known_actions = [
        _if_absent(key, "message_id", report.message_id),
        *(_if_absent(key, name, value) for name, value in details.items()),
    ]

    def known(condition: Any) -> bool:
        return update_if(session, known_actions, condition=condition)

    # SES's Send event nearly always follows send_email's own record of SENT: one write, not two.
    if report.status is EmailStatus.SENT and known(_field(key, "status").exists() & ~below):
        return Reported.KNOWN, session
    if update_if(session, actions, condition=below):
        return Reported.MOVED, session
    # Statuses only go up, so an entry not below the report's status now is at or past it.
    return (Reported.KNOWN, session) if known(_field(key, "status").exists()) else (Reported.UNKNOWN, None)


def _report_details(report: DeliveryReport) -> dict[str, Any]:
    """The entry's fields the report fills, as the entry type stores them."""
    given = {
        field.name: getattr(report, field.name)
        for field in fields(report)
        if field.name not in {"status", "at", "message_id"} and getattr(report, field.name) is not None
    }
    if report.status in _REPORTED_AT:
        given[_REPORTED_AT[report.status]] = report.at
    return {name: _value(name, value) for name, value in given.items()}


def _if_absent(key: str, name: str, value: Any) -> Any:
    field = _field(key, name)
    return field.set(field | value)


def current_status(interview_id: str, key: str) -> EmailStatus | None:
    """The message's status as stored now (a consistent read); None if it was never requested."""
    session = InterviewSession.get(interview_id, consistent_read=True)
    entry = session.emails.get(key)
    return entry.status if entry is not None else None
