"""Session keys, derived rather than stored: HMAC-SHA256 of the interview and its key generation
under a secret kept in Secrets Manager.

Any email can then carry the interview link (the invitation, each reminder) without the plain
key being stored anywhere: the session holds only the key's SHA-256 hash, for lookups, and the
generation it was issued at. A reschedule issues a new generation (the old link stops working);
a cancel removes the hash (no key opens the session). Rotating the secret ends every link at once.
"""

import base64
import hashlib
import hmac
from functools import lru_cache
from typing import TYPE_CHECKING

from interview_scheduling import aws_clients
from interview_scheduling.settings import secret_settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

# Labels keep keys made from the one secret for different purposes apart.
SESSION_KEY_LABEL = b"session-key"


@lru_cache(maxsize=1)
def _secrets() -> "SecretsProvider":
    # Through the process's own client: Powertools' default provider builds a boto3 session of its
    # own, and its first client reads botocore's data files again (see aws_clients).
    from aws_lambda_powertools.utilities import parameters  # noqa: PLC0415 - only functions that derive keys

    return parameters.SecretsProvider(boto3_client=aws_clients.secretsmanager())


@lru_cache(maxsize=1)
def _secret() -> bytes:
    # Kept for the life of the execution environment.
    value = _secrets().get(secret_settings().link_signing_secret, max_age=300)
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, bytes):
        return value
    raise TypeError("the link-signing secret is neither a string nor binary")


def derive(purpose: bytes, *parts: str) -> bytes:
    """HMAC-SHA256 of `parts` for `purpose` under the link-signing secret."""
    message = b"\x1f".join([purpose, *(part.encode() for part in parts)])
    return hmac.new(_secret(), message, hashlib.sha256).digest()


def session_key(interview_id: str, generation: int) -> str:
    """The candidate's key for the interview's session at this generation: 256 bits, URL-safe."""
    digest = derive(SESSION_KEY_LABEL, interview_id, str(generation))
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def key_hash(session_key: str) -> str:
    """What the session stores and is looked up by: the key itself is never stored."""
    return hashlib.sha256(session_key.encode()).hexdigest()


def reset() -> None:
    """Forget the cached secret and the provider that read it (tests, local runs)."""
    _secrets.cache_clear()
    _secret.cache_clear()
