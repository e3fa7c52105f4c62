"""Identifiers: random for new entities, derived for retried requests."""

import hashlib
import uuid


def new_id() -> str:
    return uuid.uuid4().hex


def derived_id(*parts: str) -> str:
    """The same parts always give the same id, so a retried request finds its first result."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return digest[:32]
