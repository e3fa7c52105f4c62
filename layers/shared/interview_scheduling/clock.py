"""The current time, from one place: every rule asks here, so a test can move it for all of them."""

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
