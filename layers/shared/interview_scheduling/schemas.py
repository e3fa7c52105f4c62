"""Request and response bodies of the HTTP API. The OpenAPI document is generated from these.

Every input is bounded (lengths, counts) and unknown fields are refused.
"""

from datetime import date, datetime
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from interview_scheduling.enums import (
    DEFAULT_CANDIDATE_CUTOFF_MINUTES,
    DEFAULT_CANDIDATE_RESCHEDULES,
    DEFAULT_CODING_LANGUAGE,
    DEFAULT_REMINDERS,
    CodingLanguage,
    EmailStatus,
    InterviewStatus,
    InterviewType,
    ReasonRule,
    SlotStatus,
)
from interview_scheduling.time_rules import InvalidLocalTime, zone

ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
SESSION_KEY_PATTERN = r"^[A-Za-z0-9_-]{20,128}$"

EntityId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
LongText = Annotated[str, StringConstraints(max_length=20_000)]
Notes = Annotated[str, StringConstraints(max_length=2_000)]
# A wall-clock time in the slot's zone, HH:MM: not an instant, so it has no UTC offset.
WallClock = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
# Reminders before the start, in minutes (5 minutes to 2 weeks); an empty list sends none.
ReminderOffsets = Annotated[
    list[Annotated[int, Field(strict=True, ge=5, le=20_160)]],
    Field(max_length=5, description="Minutes before the start to remind the candidate; [] for none"),
]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9 ()./-]{3,32}$")]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FieldError(BaseModel):
    loc: list[str | int] = Field(description="Where: e.g. ['body', 'email'] or ['query', 'limit']")
    type: str = Field(description="What kind of problem, e.g. missing, string_too_long")


class ErrorBody(BaseModel):
    reason: str = Field(description="Stable machine-readable code, e.g. slot_full or invalid_request")
    message: str
    errors: list[FieldError] | None = Field(default=None, description="For invalid_request: each problem")


# ---------------------------------------------------------------- jobs
class CandidateSelfService(_Input):
    """What the candidate may change through the reschedule and cancel links in their emails."""

    enabled: bool = Field(default=True, strict=True)
    cutoff_minutes: int = Field(
        default=DEFAULT_CANDIDATE_CUTOFF_MINUTES,
        strict=True,
        ge=0,
        le=20_160,
        description="No candidate change within this many minutes of the start; the recruiter is not bound",
    )
    max_reschedules: int = Field(default=DEFAULT_CANDIDATE_RESCHEDULES, strict=True, ge=0, le=10)
    cancellation_reason: ReasonRule = Field(
        default=ReasonRule.OPTIONAL, description="Whether a candidate who cancels must say why"
    )


class JobIn(_Input):
    job_title: ShortText
    company_name: ShortText
    job_description: LongText | None = None
    domain: Label | None = None
    coding_language: CodingLanguage = DEFAULT_CODING_LANGUAGE
    reminder_offsets_minutes: ReminderOffsets = list(DEFAULT_REMINDERS)
    candidate_self_service: CandidateSelfService = Field(default_factory=CandidateSelfService)
    tech_stack_details: Annotated[str, StringConstraints(max_length=5_000)] | None = Field(
        default=None, description="Kept for the records; not used to describe the job to the interviewer."
    )


class JobOut(BaseModel):
    job_id: str
    job_title: str
    company_name: str
    job_description: str | None = None
    domain: str | None = None
    coding_language: CodingLanguage
    reminder_offsets_minutes: list[int]
    candidate_self_service: CandidateSelfService
    tech_stack_details: str | None = None
    created_at: datetime


# ---------------------------------------------------------------- candidates
class CandidateIn(_Input):
    # Built on first use: only the catalog takes candidates, and email validation is costly to load.
    model_config = ConfigDict(extra="forbid", defer_build=True)

    full_name: ShortText
    email: Annotated[EmailStr, Field(max_length=254)]
    phone: Phone | None = None
    work_experience: Annotated[str, StringConstraints(max_length=2_000)] | None = None
    domain: Label | None = None
    status: Label | None = None
    resume_text: Annotated[str, StringConstraints(max_length=100_000)] | None = Field(
        default=None, description="Resume text, if already parsed; otherwise upload a PDF."
    )

    @field_validator("email")
    @classmethod
    def _mailable(cls, email: str) -> str:
        # SES and the invitation need plain ASCII addresses; refuse now, not at the first email.
        if not email.isascii():
            raise ValueError("the address must be plain ASCII")
        return email


class CandidateOut(BaseModel):
    candidate_id: str
    job_id: str
    full_name: str
    email: str
    phone: str | None = None
    work_experience: str | None = None
    domain: str | None = None
    status: str | None = None
    has_resume_pdf: bool
    has_resume_text: bool
    created_at: datetime


class ResumeUploadIn(_Input):
    pass


class PresignedPost(BaseModel):
    url: str
    fields: dict[str, str]


class ResumeUploadOut(BaseModel):
    upload: PresignedPost = Field(
        description="POST these fields, then the PDF as `file`, as multipart form data."
    )
    resume_key: str
    max_bytes: int
    expires_in: int


# ---------------------------------------------------------------- slots
class SlotIn(_Input):
    interview_date: date
    start_time: WallClock
    end_time: WallClock
    timezone: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        description="IANA time zone name, e.g. Asia/Kolkata"
    )
    ai_interview_type: InterviewType
    # Strict: "3" and true are not numbers (pydantic would otherwise read them as 3 and 1).
    capacity: Annotated[int, Field(strict=True, ge=1, le=100)] = 1

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zone(value)
        except InvalidLocalTime as error:
            raise ValueError(str(error)) from error
        return value

    @field_validator("end_time")
    @classmethod
    def _after_start(cls, end: str, info: ValidationInfo) -> str:
        start = info.data.get("start_time")
        if start is not None and end <= start:
            raise ValueError("end_time must be after start_time")
        return end


class SlotOut(BaseModel):
    slot_id: str
    job_id: str
    interview_date: date
    start_time: WallClock
    end_time: WallClock
    timezone: str
    starts_at: datetime
    ends_at: datetime
    ai_interview_type: InterviewType
    capacity: int
    booked_count: int
    status: SlotStatus
    available: bool


class SlotPage(BaseModel):
    items: list[SlotOut]
    next_token: str | None = Field(description="Pass as `next_token` to get the next page.")


# ---------------------------------------------------------------- interviews
class BookingIn(_Input):
    candidate_id: EntityId
    slot_id: EntityId
    booking_notes: Notes | None = None


class RescheduleIn(_Input):
    slot_id: EntityId


class BookingOut(BaseModel):
    """What a booking answers with, from what the booking itself wrote: no further reads."""

    interview_id: str
    job_id: str
    candidate_id: str
    slot_id: str
    status: InterviewStatus
    booking_notes: str | None = None
    revision: int
    created_at: datetime


class EmailOut(BaseModel):
    kind: str
    status: EmailStatus
    message_id: str | None = None
    failure_reason: str | None = None


class SessionSummary(BaseModel):
    status: str
    scheduled_at: datetime
    resume_extraction: str | None = None


class InterviewOut(BaseModel):
    interview_id: str
    job_id: str
    candidate_id: str
    slot_id: str
    status: InterviewStatus
    scheduled_at: datetime
    booking_notes: str | None = None
    revision: int
    created_at: datetime
    updated_at: datetime
    session: SessionSummary | None = Field(
        description="Present once the session exists; never holds the key."
    )
    emails: list[EmailOut]


# ---------------------------------------------------------------- the candidate's side
class SessionProgress(BaseModel):
    """Where the interview stands once the interview app said it started or finished."""

    status: InterviewStatus
    started_at: datetime | None = None
    ended_at: datetime | None = None


class SessionView(BaseModel):
    candidate_name: str
    job_description: str
    resume_text: str
    coding_language: CodingLanguage
    interview_type: InterviewType
    scheduled_at: datetime
    ends_at: datetime
    language_code: str
    accent_tld: str
