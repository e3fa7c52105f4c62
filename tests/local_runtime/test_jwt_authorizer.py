"""The local JWT authorizer answers as API Gateway's: 401 for any bad token, 403 for a good token
without the route's scope."""

from datetime import UTC, datetime, timedelta

import pytest

from local_runtime.apigw.jwt_authorizer import JwtAuthorizer, token_scopes
from local_runtime.apigw.tokens import DEMO_ORG_ID, TokenIssuer, generate_key, load_or_create_key

ISSUER = "https://auth.test/local"
AUDIENCE = "interview-scheduling-test"
WRITE = ("interviews/write",)


@pytest.fixture(scope="module")
def issuer() -> TokenIssuer:
    return TokenIssuer(generate_key(), ISSUER, AUDIENCE)


@pytest.fixture(scope="module")
def authorizer(issuer: TokenIssuer) -> JwtAuthorizer:
    return JwtAuthorizer(issuer.public_key, ISSUER, [AUDIENCE])


def test_valid_token_passes_with_its_claims_and_scopes(issuer, authorizer):
    decision = authorizer.authorize(f"Bearer {issuer.mint()}", WRITE)
    assert decision.status == 200
    assert decision.claims["org_id"] == DEMO_ORG_ID
    assert decision.claims["iss"] == ISSUER
    assert decision.scopes == ("interviews/read", "interviews/write")


def test_bearer_prefix_is_optional(issuer, authorizer):
    assert authorizer.authorize(issuer.mint(), WRITE).status == 200


@pytest.mark.parametrize("header", [None, "", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer not.a.jwt"])
def test_missing_or_garbled_token_is_unauthorized(authorizer, header):
    assert authorizer.authorize(header, WRITE).status == 401


def test_token_signed_by_another_key_is_unauthorized(issuer, authorizer):
    assert authorizer.authorize(f"Bearer {issuer.mint_badly_signed()}", WRITE).status == 401


def test_expired_token_is_unauthorized(issuer, authorizer):
    token = issuer.mint(issued_at=datetime.now(UTC) - timedelta(hours=2), expires_in=timedelta(hours=1))
    assert authorizer.authorize(f"Bearer {token}", WRITE).status == 401


def test_token_for_another_audience_is_unauthorized(issuer, authorizer):
    assert authorizer.authorize(f"Bearer {issuer.mint(audience='someone-else')}", WRITE).status == 401


def test_token_from_another_issuer_is_unauthorized(issuer, authorizer):
    assert authorizer.authorize(f"Bearer {issuer.mint(issuer='https://evil.test')}", WRITE).status == 401


def test_token_without_expiry_is_unauthorized(issuer, authorizer):
    claims = issuer.claims()
    del claims["exp"]
    assert authorizer.authorize(f"Bearer {issuer.sign(claims)}", WRITE).status == 401


def test_token_not_yet_valid_is_unauthorized(issuer, authorizer):
    claims = issuer.claims(extra={"nbf": int((datetime.now(UTC) + timedelta(hours=1)).timestamp())})
    assert authorizer.authorize(f"Bearer {issuer.sign(claims)}", WRITE).status == 401


def test_valid_token_without_the_routes_scope_is_forbidden(issuer, authorizer):
    token = issuer.mint(scopes=("interviews/read",))
    decision = authorizer.authorize(f"Bearer {token}", WRITE)
    assert decision.status == 403


def test_any_one_of_the_routes_scopes_is_enough(issuer, authorizer):
    token = issuer.mint(scopes=("interviews/read",))
    assert authorizer.authorize(token, ("interviews/write", "interviews/read")).status == 200


def test_route_without_scopes_accepts_any_valid_token(issuer, authorizer):
    assert authorizer.authorize(issuer.mint(scopes=()), ()).status == 200


def test_cognito_access_token_is_checked_by_client_id(issuer, authorizer):
    claims = issuer.claims(extra={"client_id": AUDIENCE})
    del claims["aud"]
    assert authorizer.authorize(issuer.sign(claims), WRITE).status == 200
    claims["client_id"] = "other-client"
    assert authorizer.authorize(issuer.sign(claims), WRITE).status == 401


@pytest.mark.parametrize(
    ("claims", "scopes"),
    [
        ({"scope": "a b"}, ("a", "b")),
        ({"scp": ["a", "b"]}, ("a", "b")),
        ({"scp": "a"}, ("a",)),
        ({}, ()),
    ],
)
def test_scopes_come_from_scope_or_scp(claims, scopes):
    assert token_scopes(claims) == scopes


def test_signing_key_is_kept_between_runs(tmp_path):
    first = load_or_create_key(tmp_path)
    second = load_or_create_key(tmp_path)
    assert first.private_numbers() == second.private_numbers()
    assert (tmp_path / "jwt-signing-key.pem").stat().st_mode & 0o777 == 0o600
