"""Identifiers: random for new entities, derived for retried requests."""

import hashlib
import secrets
import uuid


def new_id() -> str:
    return uuid.uuid4().hex


def derived_id(*parts: str) -> str:
    """The same parts always give the same id, so a retried request finds its first result."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return digest[:32]


def new_session_key() -> str:
    """256 random bits, URL-safe: the candidate's credential for the interview link."""
    return secrets.token_urlsafe(32)


def key_hash(session_key: str) -> str:
    return hashlib.sha256(session_key.encode()).hexdigest()
