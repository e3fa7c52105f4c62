"""An interview's history and the timeline a recruiter reads.

Every change to an interview appends one entry (models.HistoryEntry) to its `history`, in the
same write as the change itself, so the history can't miss a change or record one that did not
happen. The timeline merges that history with what its session says: when the session was
made, and each email's outcome from the email ledger.

A new kind of entry is a member of enums.TimelineKind and one `append` (or `progressed`) in the
write that makes the change; its details are fields of HistoryEntry.
"""

from datetime import datetime
from typing import Any

from interview_scheduling import email_ledger, listing_keys
from interview_scheduling.enums import Actor, InterviewStatus, TimelineKind
from interview_scheduling.models import HistoryEntry, Interview, InterviewSession
from interview_scheduling.schemas import TimelineEntry


def entry(
    kind: TimelineKind, at: datetime, by: Actor, reason: str | None = None, **details: Any
) -> HistoryEntry:
    """One entry; `details` are HistoryEntry fields (an unknown one raises)."""
    return HistoryEntry(kind=kind, at=at, by=by, reason=reason, **details)


def append(kind: TimelineKind, at: datetime, by: Actor, reason: str | None = None, **details: Any) -> Any:
    """The update action that adds the entry to the interview's history, for the change's own write."""
    # An interview written before it had a history starts one.
    return Interview.history.set((Interview.history | []).append([entry(kind, at, by, reason, **details)]))


def progressed(
    *,
    interview_id: str,
    org_id: str,
    job_id: str,
    status: InterviewStatus,
    kind: TimelineKind,
    at: datetime,
    by: Actor,
) -> list[Any]:
    """The update actions of a change of status alone (a start, a finish, a no-show): the status,
    the time of change, the index keys that follow them, and the history entry."""
    keys = listing_keys.status_keys(
        interview_id=interview_id, org_id=org_id, job_id=job_id, status=status, updated_at=at
    )
    return [
        Interview.status.set(status),
        Interview.updated_at.set(at),
        *(getattr(Interview, name).set(value) for name, value in keys.items()),
        append(kind, at, by),
    ]


def timeline(interview: Interview, session: InterviewSession | None) -> list[TimelineEntry]:
    """Everything that happened to the interview, oldest first; at the same instant, the history
    comes first in the order it was written, then the session, then its emails."""
    entries = [_from_history(item) for item in interview.history or []]
    if session is not None:
        entries.append(
            TimelineEntry(at=session.created_at, kind=TimelineKind.SESSION_CREATED, by=Actor.SYSTEM)
        )
    entries += [
        TimelineEntry(
            at=email.updated_at,
            kind=TimelineKind.EMAIL,
            by=Actor.SYSTEM,
            email=key,
            email_status=email.status,
            failure_reason=email.failure_reason,
        )
        for key, email in email_ledger.entries(session)
    ]
    return sorted(entries, key=lambda item: item.at)  # a stable sort keeps that order for ties


def _from_history(item: HistoryEntry) -> TimelineEntry:
    return TimelineEntry.model_validate(item.attribute_values)
