"""API Gateway's JWT authorizer: which requests reach a route, and with which claims.

As API Gateway checks it (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html):
the token comes from the Authorization header (a `Bearer ` prefix is optional); "only
RSA-based algorithms are supported" (RS256, RS384 and RS512 here); the header's `kid` must
name one of the issuer's keys, and that key must have signed it; `iss` must equal the issuer,
`aud` (or, without `aud`, `client_id`) must be among the audiences, `exp` in the future and
`nbf`/`iat` not. Any failure answers 401 with a `www-authenticate` header in the form the
troubleshooting page shows (http-api-troubleshooting-jwt.html):

    www-authenticate: Bearer scope="" error="invalid_token"
        error_description="the token does not have a valid audience"   (one line)

That description is the documented one; the others follow its wording. A route with
authorization scopes also needs one of them in the token's `scope` (space-separated) or, when
`scope` is absent or empty, `scp` claim, else 403.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

UNAUTHORIZED: Final = 401
FORBIDDEN: Final = 403
ALGORITHMS: Final = ("RS256", "RS384", "RS512")
WRONG_AUDIENCE: Final = "the token does not have a valid audience"
MALFORMED: Final = "the token is malformed"
_DESCRIPTIONS: Final[Mapping[type[jwt.PyJWTError], str]] = {
    jwt.ExpiredSignatureError: "the token has expired",
    jwt.ImmatureSignatureError: "the token is not valid yet",
    jwt.InvalidIssuerError: "the token does not have a valid issuer",
    jwt.MissingRequiredClaimError: "the token is missing a required claim",
    jwt.InvalidSignatureError: "the token does not have a valid signature",
    jwt.InvalidAlgorithmError: "the token is not signed with a supported algorithm",
}


@dataclass(frozen=True)
class AuthDecision:
    status: int  # 200 to let the request through, else API Gateway's 401 or 403
    claims: Mapping[str, Any] = field(default_factory=dict)
    scopes: tuple[str, ...] = ()
    reason: str = ""  # for the console; API Gateway tells the caller nothing more
    www_authenticate: str | None = None  # the header API Gateway adds to a 401


def unauthorized(description: str, reason: str = "") -> AuthDecision:
    header = f'Bearer scope="" error="invalid_token" error_description="{description}"'
    return AuthDecision(UNAUTHORIZED, reason=reason or description, www_authenticate=header)


class JwtAuthorizer:
    def __init__(self, keys: Mapping[str, RSAPublicKey], issuer: str, audiences: Sequence[str]) -> None:
        """`keys` by key id, as the issuer's JWKS publishes them."""
        self._keys = dict(keys)
        self._issuer = issuer
        self._audiences = tuple(audiences)

    def authorize(self, authorization: str | None, required_scopes: Sequence[str]) -> AuthDecision:
        token = _token_from_header(authorization)
        if not token:
            return unauthorized("no token was given")
        claims = self._verified_claims(token)
        if isinstance(claims, AuthDecision):
            return claims
        if not self._audience_accepted(claims):
            return unauthorized(WRONG_AUDIENCE)
        scopes = token_scopes(claims)
        if required_scopes and not set(required_scopes) & set(scopes):
            return AuthDecision(
                FORBIDDEN, claims, scopes, reason=f"needs one of {', '.join(required_scopes)}"
            )
        return AuthDecision(200, claims, scopes)

    def _verified_claims(self, token: str) -> dict[str, Any] | AuthDecision:
        """The token's claims once its key, signature, issuer and times hold; else the 401."""
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError as error:
            return unauthorized(MALFORMED, f"{type(error).__name__}: {error}")
        key = self._keys.get(str(kid))
        if key is None:
            return unauthorized("the token's key id is not one of the issuer's keys", f"kid {kid!r}")
        try:
            return jwt.decode(
                token,
                key,
                algorithms=list(ALGORITHMS),
                issuer=self._issuer,
                options={"require": ["exp", "iss"], "verify_aud": False},
            )
        except jwt.PyJWTError as error:
            description = next(
                (text for kind, text in _DESCRIPTIONS.items() if isinstance(error, kind)), MALFORMED
            )
            return unauthorized(description, f"{type(error).__name__}: {error}")

    def _audience_accepted(self, claims: Mapping[str, Any]) -> bool:
        if "aud" in claims:
            audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
            return any(audience in self._audiences for audience in audiences)
        # Cognito access tokens carry the app client in client_id instead of aud.
        return claims.get("client_id") in self._audiences


def _description(error: jwt.PyJWTError) -> str:
    return next((text for kind, text in _DESCRIPTIONS.items() if isinstance(error, kind)), MALFORMED)


def token_scopes(claims: Mapping[str, Any]) -> tuple[str, ...]:
    """The token's scopes: `scope`, or `scp` when `scope` is absent or empty."""
    raw = claims.get("scope") or claims.get("scp") or ""
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
