"""The entities as DynamoDB items (pynamodb), one table each; names come from settings.

Every item carries the owning organisation's id (`org_id`); reads and writes check it.
"""

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from interview_scheduling.attributes import EnumAttribute, TypedMapAttribute
from interview_scheduling.enums import (
    DEFAULT_CANDIDATE_CUTOFF_MINUTES,
    DEFAULT_CANDIDATE_RESCHEDULES,
    DEFAULT_CODING_LANGUAGE,
    DEFAULT_REMINDERS,
    Actor,
    CodingLanguage,
    EmailStatus,
    InterviewStatus,
    InterviewType,
    ReasonRule,
    SessionStatus,
    SlotStatus,
)
from interview_scheduling.settings import data_settings


class _TableName:
    """Looks the table name up in settings when pynamodb asks, not when this module loads."""

    def __init__(self, setting: str) -> None:
        self._setting = setting

    def __get__(self, instance: object, owner: type | None = None) -> str:
        return str(getattr(data_settings(), self._setting))


class _Meta:
    # Retries of throttled or failed requests are botocore's (standard mode), not pynamodb's.
    max_retry_attempts = 3


class SelfServiceRules(MapAttribute[str, Any]):
    """What a job lets the candidate change through their links (interview_scheduling.self_service)."""

    enabled = BooleanAttribute(default=True)
    # No candidate change within this many minutes of the start; the recruiter's own are not bound.
    cutoff_minutes = NumberAttribute(default=DEFAULT_CANDIDATE_CUTOFF_MINUTES)
    max_reschedules = NumberAttribute(default=DEFAULT_CANDIDATE_RESCHEDULES)
    cancellation_reason = EnumAttribute(ReasonRule, default=ReasonRule.OPTIONAL)


class Job(Model):
    class Meta(_Meta):
        table_name: Any = _TableName("jobs_table")

    job_id = UnicodeAttribute(hash_key=True)
    org_id = UnicodeAttribute()
    job_title = UnicodeAttribute()
    company_name = UnicodeAttribute()
    job_description = UnicodeAttribute(null=True)
    domain = UnicodeAttribute(null=True)
    coding_language = EnumAttribute(CodingLanguage, default=DEFAULT_CODING_LANGUAGE)
    # Minutes before the start at which the candidate is reminded; empty for none.
    reminder_offsets_minutes = ListAttribute[int](default=lambda: list(DEFAULT_REMINDERS))
    candidate_self_service = SelfServiceRules(default=SelfServiceRules)
    # Kept from the system this replaces; never used to describe the job to the interviewer.
    tech_stack_details = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()


class Candidate(Model):
    class Meta(_Meta):
        table_name: Any = _TableName("candidates_table")

    job_id = UnicodeAttribute(hash_key=True)
    candidate_id = UnicodeAttribute(range_key=True)
    org_id = UnicodeAttribute()
    full_name = UnicodeAttribute()
    email = UnicodeAttribute()
    phone = UnicodeAttribute(null=True)
    work_experience = UnicodeAttribute(null=True)
    domain = UnicodeAttribute(null=True)
    status = UnicodeAttribute(null=True)
    resume_key = UnicodeAttribute(null=True)
    resume_text = UnicodeAttribute(null=True)
    resume_extraction = UnicodeAttribute(null=True)
    # The booking guard: set while the candidate has an active interview for this job.
    active_interview_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()


class InterviewSlot(Model):
    class Meta(_Meta):
        table_name: Any = _TableName("slots_table")

    job_id = UnicodeAttribute(hash_key=True)
    slot_id = UnicodeAttribute(range_key=True)
    org_id = UnicodeAttribute()
    interview_date = UnicodeAttribute()  # YYYY-MM-DD, local to time_zone
    start_time = UnicodeAttribute()  # HH:MM, local to time_zone
    end_time = UnicodeAttribute()
    time_zone = UnicodeAttribute()  # IANA name
    starts_at = UTCDateTimeAttribute()  # derived once, when the slot is created
    ends_at = UTCDateTimeAttribute()
    ai_interview_type = EnumAttribute(InterviewType)
    capacity = NumberAttribute(default=1)
    booked_count = NumberAttribute(default=0)
    status = EnumAttribute(SlotStatus, default=SlotStatus.OPEN)
    created_at = UTCDateTimeAttribute()


class Interview(Model):
    class Meta(_Meta):
        table_name: Any = _TableName("interviews_table")

    interview_id = UnicodeAttribute(hash_key=True)
    org_id = UnicodeAttribute()
    job_id = UnicodeAttribute()
    candidate_id = UnicodeAttribute()
    slot_id = UnicodeAttribute()
    status = EnumAttribute(InterviewStatus, default=InterviewStatus.SCHEDULED)
    started_at = UTCDateTimeAttribute(null=True)
    ended_at = UTCDateTimeAttribute(null=True)
    booking_notes = UnicodeAttribute(null=True)
    # Rises on every cancel or reschedule: the calendar invite's SEQUENCE.
    revision = NumberAttribute(default=0)
    # Who made the latest cancel or reschedule, and the reason they gave, if any.
    changed_by = EnumAttribute(Actor, null=True)
    change_reason = UnicodeAttribute(null=True)
    # Reschedules the candidate made through their link; the job caps them.
    candidate_reschedules = NumberAttribute(default=0)
    request_fingerprint = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()


class EmailEntry(MapAttribute[str, Any]):
    """One message of the email ledger (interview_scheduling.email_ledger moves it along)."""

    status = EnumAttribute(EmailStatus)
    updated_at = UTCDateTimeAttribute()
    # While SENDING: when the invocation that claimed it must have ended; then anyone may take over.
    lease_expires_at = UTCDateTimeAttribute(null=True)
    attempts = NumberAttribute(default=0)
    message_id = UnicodeAttribute(null=True)
    failure_reason = UnicodeAttribute(null=True)


class SessionsByKeyHash(GlobalSecondaryIndex["InterviewSession"]):
    class Meta:
        index_name = "by_key_hash"
        projection = AllProjection()

    key_hash = UnicodeAttribute(hash_key=True)


class InterviewSession(Model):
    class Meta(_Meta):
        table_name: Any = _TableName("sessions_table")

    interview_id = UnicodeAttribute(hash_key=True)
    # Removed on cancellation, so a revoked key finds nothing in the index.
    key_hash = UnicodeAttribute(null=True)
    by_key_hash = SessionsByKeyHash()
    org_id = UnicodeAttribute()
    job_id = UnicodeAttribute()
    candidate_id = UnicodeAttribute()
    candidate_name = UnicodeAttribute()
    candidate_email = UnicodeAttribute()
    job_title = UnicodeAttribute()
    company_name = UnicodeAttribute()
    job_description = UnicodeAttribute()
    resume_text = UnicodeAttribute(default="")
    resume_extraction = UnicodeAttribute(null=True)
    coding_language = EnumAttribute(CodingLanguage)
    interview_type = EnumAttribute(InterviewType)
    scheduled_at = UTCDateTimeAttribute()
    ends_at = UTCDateTimeAttribute()
    time_zone = UnicodeAttribute()
    language_code = UnicodeAttribute()
    accent_tld = UnicodeAttribute()
    status = EnumAttribute(SessionStatus, default=SessionStatus.SCHEDULED)
    revision = NumberAttribute(default=0)
    # The generation of the current session key (interview_scheduling.session_keys derives it).
    key_generation = NumberAttribute(default=0)
    # The email ledger: one entry per message, keyed "invitation-0", "cancellation-2", ...
    emails = TypedMapAttribute(EmailEntry, default=dict)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
