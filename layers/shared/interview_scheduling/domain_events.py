"""Domain events: the facts other systems hear of, read from the changes themselves.

Each stream record's old and new images are mapped here to events, with no I/O: an interview's
new history entries (booked, rescheduled, cancelled, started, completed, no-show), a session's
creation, and each email ledger entry that reached a status others care about (sent, delivered,
bounced, complained). The candidates table has no stream: an erasure's event is made by the
erasure itself, once it is done, and again by any repeat of it (the same id). The event id is
derived from what the event is about (the interview, the history entry's position or the ledger
message, the type), so a redelivered record gives the same ids and a consumer drops the repeat.

An event carries ids, times, statuses and the reason a person gave for a change; never a name,
an address, resume text, a session key or a link (schemas/events/*.json say exactly what).
"""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from interview_scheduling import email_ledger, ids
from interview_scheduling.enums import EmailStatus, EventType, MessageKind, TimelineKind
from interview_scheduling.models import Candidate, EmailEntry, HistoryEntry, Interview, InterviewSession

# EventBridge's Source of every event this system puts on its bus.
SOURCE = "interview-scheduling"
# Raised by a breaking change to any event's data; each schema file names the version it describes.
SCHEMA_VERSION = 1


# Which history entry is which event.
HISTORY_EVENTS: Mapping[TimelineKind, EventType] = {
    TimelineKind.BOOKED: EventType.INTERVIEW_BOOKED,
    TimelineKind.RESCHEDULED: EventType.INTERVIEW_RESCHEDULED,
    TimelineKind.CANCELLED: EventType.INTERVIEW_CANCELLED,
    TimelineKind.STARTED: EventType.SESSION_STARTED,
    TimelineKind.COMPLETED: EventType.SESSION_COMPLETED,
    TimelineKind.NO_SHOW: EventType.INTERVIEW_NO_SHOW,
}
# Which ledger status is which event; a reminder's SENT is reminder.sent.
EMAIL_EVENTS: Mapping[EmailStatus, EventType] = {
    EmailStatus.SENT: EventType.EMAIL_SENT,
    EmailStatus.DELIVERED: EventType.EMAIL_DELIVERED,
    EmailStatus.BOUNCED: EventType.EMAIL_BOUNCED,
    EmailStatus.COMPLAINED: EventType.EMAIL_COMPLAINED,
}
# Every type that reaches the bus, and so may be subscribed to.
PUBLISHED_TYPES = frozenset(EventType) - {EventType.WEBHOOK_TEST}


class DomainEvent(BaseModel):
    """One event, as its EventBridge detail and as a webhook's body (Standard Webhooks' payload
    shape: type, timestamp, data)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    type: EventType
    timestamp: datetime
    schema_version: int = SCHEMA_VERSION
    org_id: str
    data: dict[str, Any]

    def body(self) -> str:
        return self.model_dump_json()


def event_id(*parts: str) -> str:
    return f"evt_{ids.derived_id(*parts)}"


def _instant(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value is not None else None


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value is not None}


# ---------------------------------------------------------------- interviews
def interview_events(old: Interview | None, new: Interview) -> list[DomainEvent]:
    """The history entries `new` holds beyond `old`'s, each as its event, in the order written."""
    before = len(old.history or []) if old is not None else 0
    entries = list(new.history or [])
    events = []
    for position in range(before, len(entries)):
        entry = entries[position]
        event_type = HISTORY_EVENTS.get(entry.kind)
        if event_type is not None:
            events.append(_history_event(new, entry, position, event_type))
    return events


def _history_event(
    interview: Interview, entry: HistoryEntry, position: int, event_type: EventType
) -> DomainEvent:
    data: dict[str, Any] = {
        "interview_id": interview.interview_id,
        "job_id": interview.job_id,
        "candidate_id": interview.candidate_id,
        "by": str(entry.by),
    }
    if event_type is EventType.INTERVIEW_BOOKED:
        data |= {
            "slot_id": entry.slot_id or interview.slot_id,
            "scheduled_at": _instant(entry.scheduled_at or interview.scheduled_at),
        }
    elif event_type is EventType.INTERVIEW_RESCHEDULED:
        data |= {
            "from_slot_id": entry.from_slot_id,
            "from_scheduled_at": _instant(entry.from_scheduled_at),
            "to_slot_id": entry.to_slot_id,
            "to_scheduled_at": _instant(entry.to_scheduled_at),
            "reason": entry.reason,
        }
    elif event_type is EventType.INTERVIEW_CANCELLED:
        data |= {"reason": entry.reason}
    else:
        data |= {"scheduled_at": _instant(interview.scheduled_at)}
    return DomainEvent(
        id=event_id(interview.interview_id, "history", str(position), event_type),
        type=event_type,
        timestamp=entry.at,
        org_id=interview.org_id,
        data=_compact(data),
    )


# ---------------------------------------------------------------- sessions
def session_events(old: InterviewSession | None, new: InterviewSession) -> list[DomainEvent]:
    """session.created for a new session, then each ledger entry whose status moved to one of
    EMAIL_EVENTS (by message key)."""
    events = []
    if old is None:
        events.append(
            DomainEvent(
                id=event_id(new.interview_id, "session", EventType.SESSION_CREATED),
                type=EventType.SESSION_CREATED,
                timestamp=new.created_at,
                org_id=new.org_id,
                data=_compact(
                    {
                        "interview_id": new.interview_id,
                        "job_id": new.job_id,
                        "candidate_id": new.candidate_id,
                        "scheduled_at": _instant(new.scheduled_at),
                        "ends_at": _instant(new.ends_at),
                        "interview_type": str(new.interview_type),
                        "coding_language": str(new.coding_language),
                    }
                ),
            )
        )
    before = dict(email_ledger.entries(old))
    for key, entry in email_ledger.entries(new):
        previous = before.get(key)
        if previous is not None and previous.status == entry.status:
            continue
        kind = email_ledger.kind_of(key)
        sent_event = EventType.REMINDER_SENT if kind is MessageKind.REMINDER else EventType.EMAIL_SENT
        was_sent = previous is not None and previous.status in email_ledger.REPORTED_STATUSES
        if entry.status in email_ledger.REPORTED_STATUSES and not was_sent:
            # SES took it: said once, also when its report came before send_email wrote SENT
            # (the entry then goes from SENDING straight to DELIVERED, say).
            events.append(_email_event(new, key, kind, entry, sent_event, sent=True))
        event_type = EMAIL_EVENTS.get(entry.status)
        if event_type is not None and event_type is not EventType.EMAIL_SENT:
            events.append(_email_event(new, key, kind, entry, event_type))
    return events


def _email_event(
    session: InterviewSession,
    key: str,
    kind: MessageKind,
    entry: EmailEntry,
    event_type: EventType,
    *,
    sent: bool = False,
) -> DomainEvent:
    reported_at = {
        EmailStatus.DELIVERED: entry.delivered_at,
        EmailStatus.BOUNCED: entry.bounced_at,
        EmailStatus.COMPLAINED: entry.complained_at,
    }
    at = (None if sent else reported_at.get(entry.status)) or entry.updated_at
    data = {
        "interview_id": session.interview_id,
        "job_id": session.job_id,
        "candidate_id": session.candidate_id,
        "message": key,
        "kind": str(kind),
        "bounce_type": entry.bounce_type if event_type is EventType.EMAIL_BOUNCED else None,
        "bounce_subtype": entry.bounce_subtype if event_type is EventType.EMAIL_BOUNCED else None,
    }
    return DomainEvent(
        id=event_id(session.interview_id, "email", key, event_type),
        type=event_type,
        timestamp=at,
        org_id=session.org_id,
        data=_compact(data),
    )


# ---------------------------------------------------------------- candidates
def candidate_erased(candidate: Candidate) -> DomainEvent:
    """The event of a finished erasure: which candidate, when and why; nothing of what was erased."""
    erasure = candidate.erasure
    if erasure is None or erasure.erased_at is None:
        raise ValueError("the candidate's erasure is not done")
    return DomainEvent(
        id=event_id(candidate.org_id, candidate.job_id, candidate.candidate_id, erasure.erasure_id),
        type=EventType.CANDIDATE_ERASED,
        timestamp=erasure.erased_at,
        org_id=candidate.org_id,
        data={
            "job_id": candidate.job_id,
            "candidate_id": candidate.candidate_id,
            "erasure_id": erasure.erasure_id,
            "reason": str(erasure.reason),
        },
    )


# ---------------------------------------------------------------- stream records
def record_events(
    record: Mapping[str, Any], *, interviews_table: str, sessions_table: str
) -> list[DomainEvent]:
    """The events of one DynamoDB stream record of either table; none for a deletion or a record
    of another table."""
    if record["eventName"] == "REMOVE":
        return []
    table = table_of(record)
    images = record["dynamodb"]
    old_image = images.get("OldImage")
    if table == interviews_table:
        old = Interview.from_raw_data(old_image) if old_image else None
        return interview_events(old, Interview.from_raw_data(images["NewImage"]))
    if table == sessions_table:
        previous = InterviewSession.from_raw_data(old_image) if old_image else None
        return session_events(previous, InterviewSession.from_raw_data(images["NewImage"]))
    return []


def table_of(record: Mapping[str, Any]) -> str:
    """The table a stream record is from: arn:aws:dynamodb:…:table/{name}/stream/{label}."""
    arn = str(record.get("eventSourceARN", ""))
    return arn.partition(":table/")[2].partition("/stream/")[0]
