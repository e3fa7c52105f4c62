"""The domain's closed vocabularies, stored in DynamoDB by value."""

from enum import StrEnum


class InterviewStatus(StrEnum):
    SCHEDULED = "SCHEDULED"
    IN_PROGRESS = "IN_PROGRESS"  # the candidate started the session
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    NO_SHOW = "NO_SHOW"  # the session window closed and it never started


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


# Reminders a job sends unless it says otherwise: a day and an hour before the start, in minutes.
DEFAULT_REMINDERS = (24 * 60, 60)


# What a job lets a candidate change through the links in their emails, unless it says otherwise:
# no change within a day of the start, and at most two reschedules.
DEFAULT_CANDIDATE_CUTOFF_MINUTES = 24 * 60
DEFAULT_CANDIDATE_RESCHEDULES = 2


class Actor(StrEnum):
    """Who changed an interview."""

    RECRUITER = "recruiter"
    CANDIDATE = "candidate"


class ReasonRule(StrEnum):
    """Whether a candidate who cancels must say why."""

    OPTIONAL = "optional"
    REQUIRED = "required"


class SlotStatus(StrEnum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"


class SessionStatus(StrEnum):
    SCHEDULED = "SCHEDULED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
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
    REMINDER = "reminder"
