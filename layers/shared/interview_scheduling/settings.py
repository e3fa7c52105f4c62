"""Configuration, read from the environment once per process and checked as a whole.

Each function asks for the settings it needs through a cached loader, so a missing variable
fails the first invocation loudly, and tests can reset the cache instead of depending on
import order.
"""

import os
from functools import lru_cache
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, HttpUrl


class FromEnvironment(BaseModel):
    """Settings read from the environment variable named like each field, in upper case.

    Plain pydantic rather than pydantic-settings, whose import costs every cold start.
    """

    model_config = ConfigDict(frozen=True)

    @classmethod
    def from_environment(cls) -> Self:
        given = {name: os.environ[name.upper()] for name in cls.model_fields if name.upper() in os.environ}
        return cls.model_validate(given)


class DataSettings(FromEnvironment):
    """Where the data lives: every function has these (template Globals)."""

    jobs_table: str = Field(min_length=1)
    candidates_table: str = Field(min_length=1)
    slots_table: str = Field(min_length=1)
    interviews_table: str = Field(min_length=1)
    sessions_table: str = Field(min_length=1)
    webhooks_table: str = Field(min_length=1)
    resumes_bucket: str = Field(min_length=1)


class ApiSettings(FromEnvironment):
    organisation_claim: str = "org_id"
    max_resume_bytes: int = 10 * 1024 * 1024
    resume_upload_expiry_seconds: int = 900
    # A booking repeated with the same body within this window is the same booking.
    booking_replay_window_seconds: int = 600
    # How far ahead a slot may be offered; also keeps every instant inside datetime's range.
    booking_horizon_days: int = Field(default=730, ge=1, le=3650)


class SessionSettings(FromEnvironment):
    send_email_function: str = Field(min_length=1)
    # Records of different interviews handled at once in one batch (threads; the I/O is boto3).
    session_workers: int = Field(default=8, ge=1, le=64)
    session_language_code: str = "en-IN"
    session_accent_tld: str = "co.in"


class ScheduleGroupSettings(FromEnvironment):
    """Where one-time schedules are kept: all that finding and deleting them needs."""

    schedule_group: str = Field(min_length=1)


class ScheduleSettings(ScheduleGroupSettings):
    """What one-time schedules invoke (EventBridge Scheduler), for the function that makes them."""

    schedule_target_arn: str = Field(min_length=1)
    scheduler_role_arn: str = Field(min_length=1)
    schedule_dead_letter_arn: str = Field(min_length=1)
    # The target's retry policy: a firing the target cannot take is retried, then dead-lettered.
    schedule_retry_attempts: int = Field(default=10, ge=0, le=185)
    schedule_max_event_age_seconds: int = Field(default=3600, ge=60, le=86400)


class RetentionSettings(FromEnvironment):
    # Days personal data is kept after the interview it was collected for (template RetentionDays).
    retention_days: int = Field(ge=1, le=3650)


class SecretSettings(FromEnvironment):
    # The Secrets Manager secret that session keys (and signed links) are derived from.
    link_signing_secret: str = Field(min_length=1)


class SessionWindowSettings(FromEnvironment):
    session_opens_before_minutes: int = Field(default=30, ge=0)
    session_closes_after_minutes: int = Field(default=180, ge=0)


class EmailSettings(FromEnvironment):
    sender_email: str = Field(min_length=3)
    interview_base_url: HttpUrl
    # Every send names it, so SES publishes what becomes of the email (email_events reads it).
    ses_configuration_set: str = Field(min_length=1, max_length=64)
    # Where the candidate's reschedule and cancel pages are served: the HTTP API's own endpoint.
    candidate_pages_url: HttpUrl
    # Lambda's asynchronous attempts (1 + MaximumRetryAttempts): the last one records FAILED.
    max_send_attempts: int = Field(default=3, ge=1)


class EmailEventSettings(FromEnvironment):
    # Only events of mail sent through this configuration set are this system's.
    ses_configuration_set: str = Field(min_length=1, max_length=64)


class EventBusSettings(FromEnvironment):
    # The stack's own EventBridge bus, where the domain events go.
    event_bus_name: str = Field(min_length=1)


class WebhookSettings(FromEnvironment):
    """Which addresses webhooks may be sent to, and how long a receiver may take."""

    # The local runtime sets it: http and loopback addresses allowed. Never set in AWS.
    webhook_allow_loopback: bool = False
    webhook_timeout_seconds: float = Field(default=10, gt=0, le=30)


class WebhookRetrySettings(FromEnvironment):
    """Where webhook retries are scheduled, and where deliveries that ran out of them go."""

    webhook_retry_group: str = Field(min_length=1)
    webhook_scheduler_role_arn: str = Field(min_length=1)
    # Its URL (the function sends to it) and its ARN (the scheduler's dead-letter queue).
    webhook_failures_queue: str = Field(min_length=1)
    webhook_failures_queue_arn: str = Field(min_length=1)


@lru_cache(maxsize=1)
def data_settings() -> DataSettings:
    return DataSettings.from_environment()


@lru_cache(maxsize=1)
def api_settings() -> ApiSettings:
    return ApiSettings.from_environment()


@lru_cache(maxsize=1)
def session_settings() -> SessionSettings:
    return SessionSettings.from_environment()


@lru_cache(maxsize=1)
def schedule_settings() -> ScheduleSettings:
    return ScheduleSettings.from_environment()


@lru_cache(maxsize=1)
def schedule_group_settings() -> ScheduleGroupSettings:
    return ScheduleGroupSettings.from_environment()


@lru_cache(maxsize=1)
def retention_settings() -> RetentionSettings:
    return RetentionSettings.from_environment()


@lru_cache(maxsize=1)
def secret_settings() -> SecretSettings:
    return SecretSettings.from_environment()


@lru_cache(maxsize=1)
def session_window_settings() -> SessionWindowSettings:
    return SessionWindowSettings.from_environment()


@lru_cache(maxsize=1)
def email_settings() -> EmailSettings:
    return EmailSettings.from_environment()


@lru_cache(maxsize=1)
def email_event_settings() -> EmailEventSettings:
    return EmailEventSettings.from_environment()


@lru_cache(maxsize=1)
def event_bus_settings() -> EventBusSettings:
    return EventBusSettings.from_environment()


@lru_cache(maxsize=1)
def webhook_settings() -> WebhookSettings:
    return WebhookSettings.from_environment()


@lru_cache(maxsize=1)
def webhook_retry_settings() -> WebhookRetrySettings:
    return WebhookRetrySettings.from_environment()


def reset_settings() -> None:
    """Forget what was read, so the next call reads the environment again (tests, local runs)."""
    for loader in (
        data_settings,
        api_settings,
        session_settings,
        secret_settings,
        schedule_settings,
        schedule_group_settings,
        retention_settings,
        session_window_settings,
        email_settings,
        email_event_settings,
        event_bus_settings,
        webhook_settings,
        webhook_retry_settings,
    ):
        loader.cache_clear()
