"""The entities as DynamoDB items (pynamodb), one table each; names come from settings.

Every item carries the owning organisation's id (`org_id`); reads and writes check it.
Candidates, interviews and sessions carry `expires_at`, the table's TTL attribute
(interview_scheduling.retention says when); personal fields are absent once erased
(interview_scheduling.erasure).
"""

from typing import Any

from pynamodb.attributes import (
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from interview_scheduling.attributes import EnumAttribute, TypedMapAttribute
from interview_scheduling.enums import (
    DEFAULT_CODING_LANGUAGE,
    DEFAULT_REMINDERS,
    CodingLanguage,
    EmailStatus,
    ErasureReason,
    InterviewStatus,
    InterviewType,
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
    # Kept from the system this replaces; never used to describe the job to the interviewer.
    tech_stack_details = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()


class ErasureCounts(MapAttribute[str, Any]):
    """What an erasure found and erased, per kind (the receipt's counts)."""

    interviews = NumberAttribute(default=0)
    interviews_cancelled = NumberAttribute(default=0)
    sessions = NumberAttribute(default=0)
    emails_superseded = NumberAttribute(default=0)
    schedules = NumberAttribute(default=0)
    resume_versions = NumberAttribute(default=0)


class CandidateErasure(MapAttribute[str, Any]):
    """The erasure of a candidate's personal data: begun, counted, then done (its receipt)."""

    erasure_id = UnicodeAttribute()
    reason = EnumAttribute(ErasureReason)
    started_at = UTCDateTimeAttribute()
    counts = ErasureCounts(null=True)
    erased_at = UTCDateTimeAttribute(null=True)


class Candidate(Model):
    class Meta(_Meta):
        table_name: Any = _TableName("candidates_table")

    job_id = UnicodeAttribute(hash_key=True)
    candidate_id = UnicodeAttribute(range_key=True)
    org_id = UnicodeAttribute()
    # Personal fields; gone once the candidate is erased.
    full_name = UnicodeAttribute(null=True)
    email = UnicodeAttribute(null=True)
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
    expires_at = TTLAttribute(null=True)
    # Present from the moment an erasure begins: no booking or session is made for the candidate.
    erasure = CandidateErasure(null=True)


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


class InterviewsByCandidate(GlobalSecondaryIndex["Interview"]):
    """Every interview of a candidate, past ones included (eventually consistent: read each again)."""

    class Meta:
        index_name = "by_candidate"
        projection = KeysOnlyProjection()

    candidate_id = UnicodeAttribute(hash_key=True)


class Interview(Model):
    class Meta(_Meta):
        table_name: Any = _TableName("interviews_table")

    interview_id = UnicodeAttribute(hash_key=True)
    org_id = UnicodeAttribute()
    job_id = UnicodeAttribute()
    candidate_id = UnicodeAttribute()
    by_candidate = InterviewsByCandidate()
    slot_id = UnicodeAttribute()
    status = EnumAttribute(InterviewStatus, default=InterviewStatus.SCHEDULED)
    started_at = UTCDateTimeAttribute(null=True)
    ended_at = UTCDateTimeAttribute(null=True)
    booking_notes = UnicodeAttribute(null=True)
    # Rises on every cancel or reschedule: the calendar invite's SEQUENCE.
    revision = NumberAttribute(default=0)
    request_fingerprint = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute(null=True)


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
    # Personal fields (with resume_text); gone once the candidate is erased.
    candidate_name = UnicodeAttribute(null=True)
    candidate_email = UnicodeAttribute(null=True)
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
    expires_at = TTLAttribute(null=True)
    # When the candidate's data was erased from it: no email is sent for it after that.
    erased_at = UTCDateTimeAttribute(null=True)
