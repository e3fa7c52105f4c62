"""Webhook secrets, signatures (Standard Webhooks, checked with its own library) and the
addresses a webhook may be sent to."""

from __future__ import annotations

import base64
import hashlib
import hmac
import socket
from datetime import UTC, datetime
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from interview_scheduling import session_keys, webhooks
from interview_scheduling.settings import reset_settings


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session_keys, "_secret", lambda: b"link-signing-secret-of-the-test")


def test_the_secret_is_derived_per_subscription_in_whsec_form():
    secret = webhooks.secret_of("wh_1")
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert webhooks.secret_of("wh_1") == secret
    assert webhooks.secret_of("wh_2") != secret


def test_a_signature_verifies_with_the_standard_webhooks_library_and_is_the_specs_hmac():
    secret = webhooks.secret_of("wh_1")
    body = '{"id":"evt_1","type":"interview.booked"}'
    now = datetime.now(UTC)
    headers = webhooks.signed_headers(secret, "evt_1", now, body)
    assert Webhook(secret).verify(body, headers) == {"id": "evt_1", "type": "interview.booked"}
    # v1,base64(HMAC-SHA256(secret, "{id}.{timestamp}.{body}"))
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = hmac.new(key, f"evt_1.{int(now.timestamp())}.{body}".encode(), hashlib.sha256).digest()
    assert headers["webhook-signature"] == "v1," + base64.b64encode(expected).decode()
    assert headers["webhook-timestamp"] == str(int(now.timestamp()))


def test_a_changed_body_or_another_secret_does_not_verify():
    secret = webhooks.secret_of("wh_1")
    headers = webhooks.signed_headers(secret, "evt_1", datetime.now(UTC), '{"a":1}')
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify('{"a":2}', headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(webhooks.secret_of("wh_2")).verify('{"a":1}', headers)


def resolving_to(monkeypatch: pytest.MonkeyPatch, *addresses: str) -> None:
    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        family = socket.AF_INET6 if ":" in addresses[0] else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, port)) for address in addresses]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.mark.parametrize(
    "addresses",
    [
        ("127.0.0.1",),
        ("10.0.0.5",),
        ("169.254.169.254",),  # the instance metadata endpoint
        ("192.168.1.1",),
        ("::1",),
        ("fd00::1",),
        ("::ffff:10.0.0.1",),
        ("93.184.216.34", "10.0.0.1"),  # one private address among public ones is enough
    ],
)
def test_in_aws_a_host_with_any_address_that_is_not_public_is_refused(monkeypatch, addresses):
    resolving_to(monkeypatch, *addresses)
    with pytest.raises(webhooks.UrlNotAllowed):
        webhooks.resolve("https://receiver.example/hook")


def test_in_aws_only_https_is_allowed_and_a_public_host_goes_to_the_address_checked(monkeypatch):
    resolving_to(monkeypatch, "93.184.216.34")
    with pytest.raises(webhooks.UrlNotAllowed):
        webhooks.resolve("http://receiver.example/hook")
    target = webhooks.resolve("https://receiver.example/hook?x=1")
    assert (target.host, target.port, target.path, target.address) == (
        "receiver.example",
        443,
        "/hook?x=1",
        "93.184.216.34",
    )


def test_locally_http_and_loopback_are_allowed_but_still_not_private_networks(monkeypatch):
    monkeypatch.setenv("WEBHOOK_ALLOW_LOOPBACK", "true")
    reset_settings()
    resolving_to(monkeypatch, "127.0.0.1")
    assert webhooks.resolve("http://localhost:8080/hook").address == "127.0.0.1"
    resolving_to(monkeypatch, "10.0.0.5")
    with pytest.raises(webhooks.UrlNotAllowed):
        webhooks.resolve("http://intranet.example/hook")


def test_a_refused_address_is_an_answer_of_no_status_not_a_request(monkeypatch):
    resolving_to(monkeypatch, "10.0.0.5")
    answer = webhooks.send("https://receiver.example/hook", {}, "{}")
    assert answer.status is None and not answer.delivered
    assert "not public" in answer.describe()


@pytest.mark.parametrize("url", ["https://[::1/hook", "https://receiver.example:port/hook", "https:///hook"])
def test_a_url_that_does_not_parse_is_refused_not_an_error(url):
    with pytest.raises(webhooks.UrlNotAllowed):
        webhooks.resolve(url)
