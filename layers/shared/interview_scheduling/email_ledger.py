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

from interview_scheduling.conditional_writes import update_if
from interview_scheduling.enums import EmailStatus, MessageKind
from interview_scheduling.models import EmailEntry, InterviewSession

# Once one of these is in a message's entry, nothing more happens to it.
FINAL_STATUSES = frozenset({EmailStatus.SENT, EmailStatus.FAILED, EmailStatus.SUPERSEDED})
# What tells the candidate the interview exists: after one of these was sent, later changes are news.
ANNOUNCING_KINDS = frozenset({MessageKind.INVITATION, MessageKind.RESCHEDULE})


@dataclass(frozen=True)
class Outcome:
    status: EmailStatus
    message_id: str | None = None
    failure_reason: str | None = None


def message_key(kind: MessageKind, revision: int) -> str:
    return f"{kind}-{revision}"


def kind_of(key: str) -> MessageKind:
    return MessageKind(key.rpartition("-")[0])


def request(key: str, now: datetime) -> Any:
    """The update action that asks for a message: a PENDING entry (written with the change it announces)."""
    return InterviewSession.emails[key].set(EmailEntry(status=EmailStatus.PENDING, updated_at=now))


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


def record(session: InterviewSession, key: str, revision: int, outcome: Outcome, now: datetime) -> None:
    """Writes the message's outcome; its count of attempts stays.

    Once a message carrying the current key is sent, only the key's hash is kept; unless a newer
    change arrived while sending, whose message still needs the key.
    """
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
    carried_current_key = outcome.status == EmailStatus.SENT and int(session.revision) == revision
    key_dropped = carried_current_key and update_if(
        InterviewSession(session.interview_id),
        [*actions, InterviewSession.undelivered_key.remove()],
        condition=InterviewSession.revision == revision,
    )
    if not key_dropped:
        InterviewSession(session.interview_id).update(actions=actions)


def current_status(interview_id: str, key: str) -> EmailStatus | None:
    """The message's status as stored now (a consistent read); None if it was never requested."""
    session = InterviewSession.get(interview_id, consistent_read=True)
    entry = session.emails.get(key)
    return entry.status if entry is not None else None
