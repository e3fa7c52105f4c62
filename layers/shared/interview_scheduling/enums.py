"""The domain's closed vocabularies, stored in DynamoDB by value."""

from enum import StrEnum


class InterviewStatus(StrEnum):
    SCHEDULED = "SCHEDULED"
    CANCELLED = "CANCELLED"
    COMPLETED = "COMPLETED"


class InterviewType(StrEnum):
    TECHNICAL = "technical"
    CODING = "coding"


class CodingLanguage(StrEnum):
    PYTHON = "PYTHON"
    JAVA = "JAVA"
    JAVASCRIPT = "JAVASCRIPT"
    TYPESCRIPT = "TYPESCRIPT"
    GO = "GO"
    CPP = "CPP"
    CSHARP = "CSHARP"
    KOTLIN = "KOTLIN"
    RUBY = "RUBY"
    SQL = "SQL"


# What a job is interviewed in unless it says otherwise (the system it replaces did the same).
DEFAULT_CODING_LANGUAGE = CodingLanguage.PYTHON


class SlotStatus(StrEnum):
    OPEN = "OPEN"
    # Takes no new bookings; the ones it has stay.
    CLOSED = "CLOSED"
    # Gone for the recruiter and for bookings; kept for the interviews that were booked in it.
    DELETED = "DELETED"


class SessionStatus(StrEnum):
    SCHEDULED = "SCHEDULED"
    CANCELLED = "CANCELLED"


class EmailStatus(StrEnum):
    PENDING = "PENDING"
    SENDING = "SENDING"
    SENT = "SENT"
    FAILED = "FAILED"
    # Not sent: a later change made it moot (an invitation still queued when the interview was cancelled).
    SUPERSEDED = "SUPERSEDED"


class MessageKind(StrEnum):
    """The emails a candidate can receive about an interview."""

    INVITATION = "invitation"
    RESCHEDULE = "reschedule"
    CANCELLATION = "cancellation"


class Actor(StrEnum):
    """Who made a change to an interview."""

    RECRUITER = "recruiter"
    CANDIDATE = "candidate"
    SYSTEM = "system"


class TimelineKind(StrEnum):
    """What an interview's timeline shows.

    Changes to the interview are written to its history in the transaction that makes them
    (interview_scheduling.interview_history.append); the session's facts are read from the
    session. A new kind of entry is a new member here and one `append` where it happens.
    """

    BOOKED = "booked"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"
    # From the session, not the history:
    SESSION_CREATED = "session_created"
    EMAIL = "email"
