"""The email ledger: one entry per message a candidate is sent about an interview, on its session.

A message is named by its kind and the interview revision it announces ("invitation-0",
"cancellation-2"), so it is sent once however often it is requested, and every later change
makes a new one. Its entry moves by conditional writes only:

    PENDING ──claim──> SENDING ──> SENT | FAILED | SUPERSEDED
       ^                  │
       └────release───────┘   (a transient failure: the next attempt claims it again)

SENDING is a lease that ends when the invocation holding it must have ended, so a retry after a
crash takes the message over. Every read and write of an entry is here.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.expressions.condition import Condition

from interview_scheduling.conditional_writes import update_if
from interview_scheduling.enums import EmailStatus, MessageKind
from interview_scheduling.models import EmailEntry, InterviewSession

# Once one of these is in a message's entry, nothing more happens to it.
FINAL_STATUSES = frozenset({EmailStatus.SENT, EmailStatus.FAILED, EmailStatus.SUPERSEDED})
# Why no message is sent about an erased candidate (interview_scheduling.erasure): the ledger says so.
CANDIDATE_ERASED = "candidate erased"
# What tells the candidate the interview exists: after one of these was sent, later changes are news.
ANNOUNCING_KINDS = frozenset({MessageKind.INVITATION, MessageKind.RESCHEDULE})


@dataclass(frozen=True)
class Outcome:
    status: EmailStatus
    message_id: str | None = None
    failure_reason: str | None = None


def message_key(kind: MessageKind, revision: int, reminder_minutes: int | None = None) -> str:
    """ "invitation-0", "cancellation-2"; a reminder also names which: "reminder-0-1440"."""
    key = f"{kind}-{revision}"
    return f"{key}-{reminder_minutes}" if reminder_minutes is not None else key


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


def first_request(key: str, now: datetime) -> dict[str, EmailEntry]:
    """A new session's ledger, holding the request for its first message."""
    return {key: EmailEntry(status=EmailStatus.PENDING, updated_at=now)}


def entries(session: InterviewSession | None) -> list[tuple[str, EmailEntry]]:
    """Every message of the session, by key."""
    return sorted(session.emails.items()) if session is not None else []


def was_announced(session: InterviewSession) -> bool:
    """Whether the candidate has been told of the interview: an invitation or a new time was sent."""
    return any(
        kind_of(key) in ANNOUNCING_KINDS and entry.status == EmailStatus.SENT
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
    """Gives the claim back, so the next attempt can take it at once, and says why for the recruiter."""
    InterviewSession(interview_id).update(
        actions=[
            _field(key, "status").set(_value("status", EmailStatus.PENDING)),
            _field(key, "failure_reason").set(reason),
            _field(key, "attempts").set(attempts),
            _field(key, "lease_expires_at").remove(),
            _field(key, "updated_at").set(_value("updated_at", now)),
        ]
    )


def record(session: InterviewSession, key: str, outcome: Outcome, now: datetime) -> None:
    """Writes the message's outcome; its count of attempts stays."""
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
    InterviewSession(session.interview_id).update(actions=actions)


def current_status(interview_id: str, key: str) -> EmailStatus | None:
    """The message's status as stored now (a consistent read); None if it was never requested."""
    session = InterviewSession.get(interview_id, consistent_read=True)
    entry = session.emails.get(key)
    return entry.status if entry is not None else None
