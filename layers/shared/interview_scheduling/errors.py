"""Errors the rules raise; the HTTP layer maps each class to a status in one place."""

from typing import Any, ClassVar


class DomainError(Exception):
    """A request the rules refuse. `reason` is a stable, machine-readable code."""

    status_code: ClassVar[int] = 400

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message

    def details(self) -> dict[str, Any]:
        """Fields the error body carries besides the reason and the message."""
        return {}


class BadRequest(DomainError):
    """The request cannot be read at all (its encoding, its shape)."""

    status_code = 400


class NotFound(DomainError):
    """Unknown, or owned by another organisation: the two must look the same."""

    status_code = 404


class Forbidden(DomainError):
    status_code = 403


class Conflict(DomainError):
    """The request clashes with current state (slot full, already booked)."""

    status_code = 409


class SlotHasBookings(Conflict):
    def __init__(self, active_bookings: int) -> None:
        super().__init__(
            "slot_has_bookings",
            f"the slot holds {active_bookings} booking(s); delete it with cancel_bookings=true to "
            "cancel them",
        )
        self.active_bookings = active_bookings

    def details(self) -> dict[str, Any]:
        return {"active_bookings": self.active_bookings}


class StaleRevision(Conflict):
    """The change was asked of the interview at a revision it has since left."""


class RuleViolation(DomainError):
    """Well-formed, but the rules forbid it now (slot in the past, slot closed)."""

    status_code = 422


class PayloadTooLarge(DomainError):
    status_code = 413


class UnprocessableRequest(DomainError):
    """Well-formed, but it cannot be processed as sent (an Idempotency-Key reused with another body)."""

    status_code = 422
