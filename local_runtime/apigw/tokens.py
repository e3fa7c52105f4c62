"""Local identity provider: an RSA signing key and recruiter JWTs signed with it.

The runtime's JWT authorizer trusts this key only, with the template's issuer and audience
given local values. Tests mint tokens here for any organisation, scopes or expiry, and
badly-signed ones to check they are refused.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

KEY_FILE_NAME: Final = "jwt-signing-key.pem"
KEY_ID: Final = "local-runtime"
DEMO_ORG_ID: Final = "demo-org"
RECRUITER_SCOPES: Final = ("interviews/read", "interviews/write")
DEV_TOKEN_LIFETIME: Final = timedelta(hours=12)


def generate_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def load_or_create_key(state_dir: Path) -> rsa.RSAPrivateKey:
    """The runtime's signing key, kept so that tokens stay valid across restarts."""
    path = state_dir / KEY_FILE_NAME
    existing = _read_key(path)
    if existing is not None:
        return existing
    key = generate_key()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    state_dir.mkdir(parents=True, exist_ok=True)
    # Written whole then renamed, so two runs starting together never read half a key.
    descriptor, temporary = tempfile.mkstemp(dir=state_dir, prefix=".key-")
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    Path(temporary).chmod(0o600)
    Path(temporary).replace(path)
    return _read_key(path) or key


def _read_key(path: Path) -> rsa.RSAPrivateKey | None:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (FileNotFoundError, ValueError):
        return None
    return key if isinstance(key, rsa.RSAPrivateKey) else None


@dataclass(frozen=True)
class TokenIssuer:
    private_key: rsa.RSAPrivateKey
    issuer: str
    audience: str
    key_id: str = KEY_ID

    @classmethod
    def from_state_dir(cls, state_dir: Path, issuer: str, audience: str) -> TokenIssuer:
        return cls(load_or_create_key(state_dir), issuer, audience)

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.private_key.public_key()

    @property
    def key_set(self) -> dict[str, rsa.RSAPublicKey]:
        """The issuer's public keys by key id, as its JWKS would list them."""
        return {self.key_id: self.public_key}

    def claims(
        self,
        *,
        org_id: str | None = DEMO_ORG_ID,
        scopes: Sequence[str] = RECRUITER_SCOPES,
        subject: str = "recruiter@demo-org",
        expires_in: timedelta = DEV_TOKEN_LIFETIME,
        issued_at: datetime | None = None,
        audience: str | None = None,
        issuer: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        issued = issued_at or datetime.now(UTC)
        claims: dict[str, Any] = {
            "iss": issuer or self.issuer,
            "aud": audience or self.audience,
            "sub": subject,
            "iat": int(issued.timestamp()),
            "exp": int((issued + expires_in).timestamp()),
            "jti": str(uuid.uuid4()),
            "scope": " ".join(scopes),
        }
        if org_id is not None:
            claims["org_id"] = org_id
        claims.update(extra or {})
        return claims

    def mint(self, **claims: Any) -> str:
        """A token this runtime accepts; keyword arguments as for `claims`."""
        return self.sign(self.claims(**claims))

    def mint_badly_signed(self, **claims: Any) -> str:
        """A well-formed token with the right key id, signed by a key the runtime does not trust."""
        return self.sign(self.claims(**claims), key=generate_key())

    def sign(
        self,
        claims: Mapping[str, Any],
        key: rsa.RSAPrivateKey | None = None,
        *,
        algorithm: str = "RS256",
        key_id: str | None = None,
    ) -> str:
        return jwt.encode(
            dict(claims), key or self.private_key, algorithm=algorithm, headers={"kid": key_id or self.key_id}
        )
