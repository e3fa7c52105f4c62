"""API Gateway's JWT authorizer: which requests reach a route, and with which claims.

As API Gateway checks it: the token comes from the Authorization header (a `Bearer ` prefix is
optional); it must be an RS256 JWT signed by a trusted key, with `iss` equal to the issuer,
`aud` (or, without `aud`, `client_id`) among the audiences, `exp` in the future and `nbf`/`iat`
not in the future. Any failure answers 401. A route with authorization scopes also needs one
of them in the token's `scope` (space-separated) or `scp` claim, else 403.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

UNAUTHORIZED = 401
FORBIDDEN = 403


@dataclass(frozen=True)
class AuthDecision:
    status: int  # 200 to let the request through, else API Gateway's 401 or 403
    claims: Mapping[str, Any] = field(default_factory=dict)
    scopes: tuple[str, ...] = ()
    reason: str = ""  # for the console; API Gateway tells the caller nothing more


class JwtAuthorizer:
    def __init__(self, public_key: RSAPublicKey, issuer: str, audiences: Sequence[str]) -> None:
        self._public_key = public_key
        self._issuer = issuer
        self._audiences = tuple(audiences)

    def authorize(self, authorization: str | None, required_scopes: Sequence[str]) -> AuthDecision:
        token = _token_from_header(authorization)
        if not token:
            return AuthDecision(UNAUTHORIZED, reason="no token")
        try:
            claims = jwt.decode(
                token,
                self._public_key,
                algorithms=["RS256"],
                issuer=self._issuer,
                options={"require": ["exp", "iss"], "verify_aud": False},
            )
        except jwt.PyJWTError as error:
            return AuthDecision(UNAUTHORIZED, reason=f"{type(error).__name__}: {error}")
        if not self._audience_accepted(claims):
            return AuthDecision(UNAUTHORIZED, reason="audience not accepted")
        scopes = token_scopes(claims)
        if required_scopes and not set(required_scopes) & set(scopes):
            return AuthDecision(
                FORBIDDEN, claims, scopes, reason=f"needs one of {', '.join(required_scopes)}"
            )
        return AuthDecision(200, claims, scopes)

    def _audience_accepted(self, claims: Mapping[str, Any]) -> bool:
        if "aud" in claims:
            audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
            return any(audience in self._audiences for audience in audiences)
        # Cognito access tokens carry the app client in client_id instead of aud.
        return claims.get("client_id") in self._audiences


def token_scopes(claims: Mapping[str, Any]) -> tuple[str, ...]:
    raw = claims.get("scope", claims.get("scp", ""))
    if isinstance(raw, list):
        return tuple(str(scope) for scope in raw)
    return tuple(str(raw).split())


def _token_from_header(authorization: str | None) -> str:
    if not authorization:
        return ""
    value = authorization.strip()
    if value[:7].lower() == "bearer ":
        value = value[7:].strip()
    return value
