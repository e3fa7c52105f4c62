"""The local JWT authorizer answers as API Gateway's: 401 for any bad token, 403 for a good token
without the route's scope. As documented in the API Gateway developer guide, "Control access to
HTTP APIs with JWT authorizers" (http-api-jwt-authorizer) and "Troubleshooting issues with HTTP
API JWT authorizers" (http-api-troubleshooting-jwt)."""

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from local_runtime.apigw.jwt_authorizer import WRONG_AUDIENCE, JwtAuthorizer, token_scopes
from local_runtime.apigw.tokens import DEMO_ORG_ID, TokenIssuer, generate_key, load_or_create_key

ISSUER = "https://auth.test/local"
AUDIENCE = "interview-scheduling-test"
WRITE = ("interviews/write",)


@pytest.fixture(scope="module")
def issuer() -> TokenIssuer:
    return TokenIssuer(generate_key(), ISSUER, AUDIENCE)


@pytest.fixture(scope="module")
def authorizer(issuer: TokenIssuer) -> JwtAuthorizer:
    return JwtAuthorizer(issuer.key_set, ISSUER, [AUDIENCE])


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
        ({"scope": "", "scp": ["a"]}, ("a",)),
        ({"scope": "b", "scp": ["a"]}, ("b",)),
        ({}, ()),
    ],
)
def test_scopes_come_from_scope_or_scp(claims, scopes):
    """http-api-jwt-authorizer: "scope or scp - The token must include at least one of the
    scopes in the route's authorizationScopes"; an empty `scope` leaves `scp` to say."""
    assert token_scopes(claims) == scopes


def test_a_token_with_an_empty_scope_is_judged_by_its_scp(issuer, authorizer):
    """http-api-jwt-authorizer: scope or scp."""
    token = issuer.mint(scopes=(), extra={"scp": ["interviews/write"]})
    assert authorizer.authorize(token, WRITE).status == 200


@pytest.mark.parametrize("algorithm", ["RS256", "RS384", "RS512"])
def test_every_rsa_algorithm_is_accepted(issuer, authorizer, algorithm):
    """http-api-jwt-authorizer: "Currently, only RSA-based algorithms are supported"."""
    token = issuer.sign(issuer.claims(), algorithm=algorithm)
    assert authorizer.authorize(token, WRITE).status == 200


def test_a_token_signed_with_a_shared_secret_is_unauthorized(issuer, authorizer):
    """http-api-jwt-authorizer: only RSA-based algorithms; HS256 is not one."""
    token = jwt.encode(
        issuer.claims(),
        "a-shared-secret-of-thirty-two-bytes!",
        algorithm="HS256",
        headers={"kid": issuer.key_id},
    )
    assert authorizer.authorize(token, WRITE).status == 401


def test_a_token_whose_kid_names_no_key_of_the_issuer_is_unauthorized(issuer, authorizer):
    """http-api-jwt-authorizer: "kid - The token must have a header claim that matches the key in
    the jwks_uri that signed the token"."""
    decision = authorizer.authorize(issuer.sign(issuer.claims(), key_id="rotated-away"), WRITE)
    assert decision.status == 401
    assert "key id" in str(decision.www_authenticate)


def test_a_token_without_a_kid_is_unauthorized(issuer, authorizer):
    """http-api-jwt-authorizer: the kid header claim must match one of the issuer's keys."""
    token = jwt.encode(issuer.claims(), issuer.private_key, algorithm="RS256")
    assert authorizer.authorize(token, WRITE).status == 401


def test_the_right_kid_with_another_keys_signature_is_unauthorized(issuer):
    """http-api-jwt-authorizer: the key the kid names must be the one that signed the token."""
    other = TokenIssuer(generate_key(), ISSUER, AUDIENCE, key_id="second")
    keys = {**issuer.key_set, **other.key_set}
    authorizer = JwtAuthorizer(keys, ISSUER, [AUDIENCE])
    assert authorizer.authorize(other.mint(), WRITE).status == 200
    assert authorizer.authorize(other.sign(other.claims(), key_id=issuer.key_id), WRITE).status == 401


def test_a_401_says_why_in_the_www_authenticate_header_api_gateway_sends(issuer, authorizer):
    """http-api-troubleshooting-jwt: the 401's `www-authenticate` header, exactly as documented
    for a token issued for another audience."""
    decision = authorizer.authorize(issuer.mint(audience="someone-else"), WRITE)
    assert decision.status == 401
    assert decision.www_authenticate == (
        f'Bearer scope="" error="invalid_token" error_description="{WRONG_AUDIENCE}"'
    )
    assert WRONG_AUDIENCE == "the token does not have a valid audience"


@pytest.mark.parametrize(
    "header",
    [None, "Bearer not.a.jwt", "expired", "wrong issuer", "no expiry"],
)
def test_every_401_carries_the_header(issuer, authorizer, header):
    """http-api-troubleshooting-jwt: "Check the www-authenticate header in the response"."""
    old = datetime.now(UTC) - timedelta(hours=2)
    claims = issuer.claims()
    del claims["exp"]
    tokens = {
        "expired": issuer.mint(issued_at=old, expires_in=timedelta(hours=1)),
        "wrong issuer": issuer.mint(issuer="https://evil.test"),
        "no expiry": issuer.sign(claims),
    }
    decision = authorizer.authorize(tokens.get(str(header), header), WRITE)
    assert decision.status == 401
    assert str(decision.www_authenticate).startswith(
        'Bearer scope="" error="invalid_token" error_description="'
    )


def test_a_403_has_no_www_authenticate_header_of_the_401_kind(issuer, authorizer):
    decision = authorizer.authorize(issuer.mint(scopes=("interviews/read",)), WRITE)
    assert (decision.status, decision.www_authenticate) == (403, None)


def test_signing_key_is_kept_between_runs(tmp_path):
    first = load_or_create_key(tmp_path)
    second = load_or_create_key(tmp_path)
    assert first.private_numbers() == second.private_numbers()
    assert (tmp_path / "jwt-signing-key.pem").stat().st_mode & 0o777 == 0o600
