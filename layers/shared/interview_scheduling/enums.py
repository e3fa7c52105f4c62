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


class ReasonRule(StrEnum):
    """Whether a candidate who cancels must say why."""

    OPTIONAL = "optional"
    REQUIRED = "required"


class SlotStatus(StrEnum):
    OPEN = "OPEN"
    # Takes no new bookings; the ones it has stay.
    CLOSED = "CLOSED"
    # Gone for the recruiter and for bookings; kept for the interviews that were booked in it.
    DELETED = "DELETED"


class SessionStatus(StrEnum):
    SCHEDULED = "SCHEDULED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class EmailStatus(StrEnum):
    PENDING = "PENDING"
    SENDING = "SENDING"
    SENT = "SENT"  # SES accepted it
    FAILED = "FAILED"
    # Not sent: a later change made it moot (an invitation still queued when the interview was cancelled).
    SUPERSEDED = "SUPERSEDED"
    # What SES reported afterwards (its events through the configuration set).
    DELAYED = "DELAYED"  # the recipient's server has not taken it yet; SES keeps trying
    DELIVERED = "DELIVERED"  # the recipient's server took it
    BOUNCED = "BOUNCED"  # the recipient's server refused it: it did not reach the candidate
    REJECTED = "REJECTED"  # SES found a virus in it and did not try to deliver it
    COMPLAINED = "COMPLAINED"  # delivered, then marked as spam by the recipient


class MessageKind(StrEnum):
    """The emails a candidate can receive about an interview."""

    INVITATION = "invitation"
    RESCHEDULE = "reschedule"
    CANCELLATION = "cancellation"
    REMINDER = "reminder"
    # The current invitation again, asked for by the recruiter (after the address was corrected).
    RESEND = "resend"


class BounceType(StrEnum):
    """SES's bounceType: only a Permanent bounce says the address will never take mail."""

    PERMANENT = "Permanent"
    TRANSIENT = "Transient"
    UNDETERMINED = "Undetermined"


class UnreachableReason(StrEnum):
    """Why a candidate's address is not sent to any more."""

    HARD_BOUNCE = "hard_bounce"
    COMPLAINT = "complaint"


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
    # The interview app said the candidate began, or finished.
    STARTED = "started"
    COMPLETED = "completed"
    # The session's window closed and it never began.
    NO_SHOW = "no_show"
    # From the session, not the history:
    SESSION_CREATED = "session_created"
    EMAIL = "email"


class ErasureReason(StrEnum):
    """Why a candidate's personal data was erased."""

    REQUEST = "request"  # the recruiter erased the candidate (a data-subject request)
    RETENTION = "retention"  # the candidate's last interview reached the end of its retention


class EventType(StrEnum):
    """The domain events (interview_scheduling.domain_events makes them, schemas/events/ describes them)."""

    INTERVIEW_BOOKED = "interview.booked"
    INTERVIEW_RESCHEDULED = "interview.rescheduled"
    INTERVIEW_CANCELLED = "interview.cancelled"
    INTERVIEW_NO_SHOW = "interview.no_show"
    SESSION_CREATED = "session.created"
    SESSION_STARTED = "session.started"
    SESSION_COMPLETED = "session.completed"
    EMAIL_SENT = "email.sent"
    EMAIL_DELIVERED = "email.delivered"
    EMAIL_BOUNCED = "email.bounced"
    EMAIL_COMPLAINED = "email.complained"
    REMINDER_SENT = "reminder.sent"
    CANDIDATE_ERASED = "candidate.erased"
    # Sent only to one webhook, when its owner asks for a test (never on the bus).
    WEBHOOK_TEST = "webhook.test"
