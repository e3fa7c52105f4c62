"""Link tokens: one spelling each, checked for shape and signature before anything is looked up,
signed under a label of their own, and dead once the secret is rotated."""

from __future__ import annotations

import base64
import hmac

import pytest

from interview_scheduling import candidate_links, session_keys
from interview_scheduling.candidate_links import (
    MAX_TOKEN_CHARS,
    InvalidLink,
    LinkClaim,
    LinkPurpose,
    form_token,
    form_token_matches,
    link_token,
    link_url,
    verify,
)
from interview_scheduling.settings import secret_settings

INTERVIEW = "3f2c0d6b9a8e4f1c8b7a6d5e4f3a2b1c"


@pytest.fixture(autouse=True)
def _secret(aws, monkeypatch):
    aws.use_function_environment(monkeypatch, "SendEmailFunction")
    session_keys.reset()


def test_a_token_says_what_it_is_for_and_nothing_else_opens_it():
    token = link_token(LinkPurpose.RESCHEDULE, INTERVIEW, 7)

    assert verify(token) == LinkClaim(LinkPurpose.RESCHEDULE, INTERVIEW, 7)
    assert verify(token, LinkPurpose.RESCHEDULE).revision == 7
    with pytest.raises(InvalidLink) as wrong_page:
        verify(token, LinkPurpose.CANCEL)
    assert wrong_page.value.check == "purpose"


def test_a_token_is_url_safe_and_bounded_even_for_the_longest_id_and_revision():
    token = link_token(LinkPurpose.RESCHEDULE, "x" * 64, 999_999_999)

    assert len(token) <= MAX_TOKEN_CHARS
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    assert link_url("https://api.example.com/", LinkPurpose.CANCEL, INTERVIEW, 0).startswith(
        "https://api.example.com/candidate/"
    )


def test_every_single_character_changed_makes_the_token_invalid():
    token = link_token(LinkPurpose.CANCEL, INTERVIEW, 3)
    alphabet = "Aa0-_."
    for position, char in enumerate(token):
        for replacement in alphabet:
            if replacement == char:
                continue
            changed = token[:position] + replacement + token[position + 1 :]
            with pytest.raises(InvalidLink):
                verify(changed)


def test_another_spelling_of_the_same_payload_is_not_valid():
    token = link_token(LinkPurpose.CANCEL, INTERVIEW, 3)
    payload, signature = token.split(".")
    padded = base64.urlsafe_b64encode(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))).decode()

    with pytest.raises(InvalidLink):
        verify(f"{padded}.{signature}")


@pytest.mark.parametrize(
    "token",
    ["", ".", "a.b", "x" * (MAX_TOKEN_CHARS + 1), "djEuY2FuY2VsLmEuMA.", "ü" * 40, "a/b.c", "\x00" * 60],
)
def test_malformed_tokens_fail_the_format_check(token):
    with pytest.raises(InvalidLink) as invalid:
        verify(token)
    assert invalid.value.check == "format"


def test_the_signature_is_compared_in_constant_time_and_checked_before_the_payload_is_read(monkeypatch):
    token = link_token(LinkPurpose.RESCHEDULE, INTERVIEW, 0)
    compared: list[tuple[str, str]] = []
    real = hmac.compare_digest

    def recording(a: str, b: str) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", recording)
    monkeypatch.setattr(candidate_links, "_claim", lambda payload: pytest.fail("read before verified"))
    payload, signature = token.split(".")
    forged = f"{payload}.{'A' * len(signature)}"

    with pytest.raises(InvalidLink):
        verify(forged)
    assert compared == [(signature, "A" * len(signature))]


def test_links_are_signed_under_their_own_label():
    token = link_token(LinkPurpose.RESCHEDULE, INTERVIEW, 0)
    payload, signature = token.split(".")
    as_session_key = session_keys.derive(session_keys.SESSION_KEY_LABEL, payload)[:16]

    assert base64.urlsafe_b64encode(as_session_key).rstrip(b"=").decode() != signature
    assert form_token(token) != signature


def test_a_form_token_fits_its_own_link_only():
    reschedule = link_token(LinkPurpose.RESCHEDULE, INTERVIEW, 0)
    cancel = link_token(LinkPurpose.CANCEL, INTERVIEW, 0)

    assert form_token_matches(reschedule, form_token(reschedule))
    assert not form_token_matches(cancel, form_token(reschedule))
    assert not form_token_matches(link_token(LinkPurpose.RESCHEDULE, INTERVIEW, 1), form_token(reschedule))
    assert not form_token_matches(reschedule, None)
    assert not form_token_matches(reschedule, form_token(reschedule)[:-1])


def test_rotating_the_secret_ends_every_link(aws):
    token = link_token(LinkPurpose.CANCEL, INTERVIEW, 0)
    secrets = aws.session.client("secretsmanager")
    secrets.put_secret_value(SecretId=secret_settings().link_signing_secret, SecretString="rotated" * 8)
    session_keys.reset()  # as each function's cached value expires

    with pytest.raises(InvalidLink) as invalid:
        verify(token)
    assert invalid.value.check == "signature"
    assert verify(link_token(LinkPurpose.CANCEL, INTERVIEW, 0)).purpose == LinkPurpose.CANCEL
