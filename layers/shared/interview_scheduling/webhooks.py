"""Webhook subscriptions: where an organisation wants its events, and how each request is signed
and sent (the Standard Webhooks specification, https://www.standardwebhooks.com/).

No secret is stored. A subscription's signing secret is derived when needed: HMAC-SHA256 of its
id under the stack's link-signing secret in Secrets Manager (interview_scheduling.session_keys),
given to the owner once, when the subscription is made, in Standard Webhooks' `whsec_` form.
Rotating the link-signing secret changes every subscription's secret at once.

Addresses: in AWS only https URLs, and every address the host resolves to must be public; this
is checked when the subscription is made and again on every request, which goes to the address
that was checked (no second lookup, so a DNS change in between cannot redirect it). The local
runtime allows http and loopback (WEBHOOK_ALLOW_LOOPBACK, which it sets and says at start).
"""

import base64
import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from pynamodb.exceptions import DeleteError
from standardwebhooks.webhooks import Webhook

from interview_scheduling import clock, session_keys
from interview_scheduling.enums import EventType
from interview_scheduling.errors import Conflict, NotFound, RuleViolation
from interview_scheduling.ids import new_id
from interview_scheduling.models import WebhookSubscription
from interview_scheduling.schemas import WebhookCreated, WebhookIn, WebhookOut, WebhookPage
from interview_scheduling.settings import webhook_settings

WEBHOOK_SECRET_LABEL = b"webhook-secret"
# Subscriptions an organisation may have: one Query lists them, and one event is sent to at most this many.
MAX_SUBSCRIPTIONS = 25
USER_AGENT = "interview-scheduling-webhooks/1"


class UrlNotAllowed(RuleViolation):
    def __init__(self, why: str) -> None:
        super().__init__("webhook_url_not_allowed", f"the webhook URL is not allowed: {why}")


# ---------------------------------------------------------------- secrets and signatures
def secret_of(subscription_id: str) -> str:
    """The subscription's signing secret, `whsec_` and 32 bytes in base64."""
    key = session_keys.derive(WEBHOOK_SECRET_LABEL, subscription_id)
    return "whsec_" + base64.b64encode(key).decode()


def signed_headers(secret: str, message_id: str, at: datetime, body: str) -> dict[str, str]:
    """The three Standard Webhooks headers, signed for this attempt: `v1,` and the base64
    HMAC-SHA256 of `{id}.{timestamp}.{body}`."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, at, body),
    }


# ---------------------------------------------------------------- addresses
@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the vetted address the request goes to


def _allowed(address: str, allow_loopback: bool) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if allow_loopback and ip.is_loopback:
        return True
    return ip.is_global and not ip.is_multicast


def resolve(url: str) -> Target:
    """The URL's host and the one address to send to, once every address it resolves to is allowed."""
    settings = webhook_settings()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError as error:
        raise UrlNotAllowed("it is not a URL") from error
    schemes = {"https", "http"} if settings.webhook_allow_loopback else {"https"}
    if parts.scheme not in schemes:
        raise UrlNotAllowed("only https URLs are allowed")
    if not parts.hostname or parts.username or parts.password:
        raise UrlNotAllowed("it needs a host and no credentials")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError) as error:
        raise UrlNotAllowed("its host does not resolve") from error
    addresses = [str(info[4][0]) for info in found]
    if not addresses or not all(_allowed(a, settings.webhook_allow_loopback) for a in addresses):
        raise UrlNotAllowed("its host resolves to an address that is not public")
    path = parts.path or "/"
    if parts.query:
        path += f"?{parts.query}"
    return Target(parts.scheme, parts.hostname, port, path, addresses[0])


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout, context=_tls())
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        # The certificate is checked against the URL's host, not the address.
        self.sock = _tls().wrap_socket(sock, server_hostname=self.host)


@lru_cache(maxsize=1)
def _tls() -> ssl.SSLContext:
    return ssl.create_default_context()


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no HTTP answer (refused address, timeout, connection error)
    problem: str | None = None

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def describe(self) -> str:
        return f"HTTP {self.status}" if self.status is not None else str(self.problem)


def send(url: str, headers: dict[str, str], body: str) -> Answer:
    """One POST, with the timeout the settings give; redirects are not followed (a 3xx fails)."""
    timeout = webhook_settings().webhook_timeout_seconds
    try:
        target = resolve(url)
    except UrlNotAllowed as error:
        return Answer(None, error.message)
    connection_type = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_type(target, timeout)
    try:
        connection.request(
            "POST",
            target.path,
            body=body.encode(),
            headers={**headers, "content-type": "application/json", "user-agent": USER_AGENT},
        )
        response = connection.getresponse()
        response.read(
            64 * 1024
        )  # the answer's body is not used; read a little so the connection ends cleanly
        return Answer(response.status)
    except (OSError, http.client.HTTPException) as error:
        return Answer(None, f"no answer ({type(error).__name__})")
    finally:
        connection.close()


# ---------------------------------------------------------------- subscriptions
def subscriptions(org: str) -> list[WebhookSubscription]:
    return list(WebhookSubscription.query(org, limit=MAX_SUBSCRIPTIONS + 1))


def create(org: str, request: WebhookIn) -> WebhookCreated:
    resolve(str(request.url))
    if len(subscriptions(org)) >= MAX_SUBSCRIPTIONS:
        raise Conflict("too_many_webhooks", f"an organisation may have at most {MAX_SUBSCRIPTIONS} webhooks")
    subscription = WebhookSubscription(
        org_id=org,
        subscription_id=f"wh_{new_id()}",
        url=str(request.url),
        event_types={str(t) for t in request.event_types},
        created_at=clock.now(),
    )
    subscription.save(condition=WebhookSubscription.subscription_id.does_not_exist())
    return WebhookCreated(**out(subscription).model_dump(), secret=secret_of(subscription.subscription_id))


def owned(org: str, subscription_id: str) -> WebhookSubscription:
    try:
        return WebhookSubscription.get(org, subscription_id)
    except WebhookSubscription.DoesNotExist as error:
        raise NotFound("webhook_not_found", "no such webhook") from error


def list_all(org: str) -> WebhookPage:
    return WebhookPage(items=[out(s) for s in sorted(subscriptions(org), key=lambda s: s.created_at)])


def delete(org: str, subscription_id: str) -> None:
    try:
        WebhookSubscription(org_id=org, subscription_id=subscription_id).delete(
            condition=WebhookSubscription.subscription_id.exists()
        )
    except DeleteError as error:
        raise NotFound("webhook_not_found", "no such webhook") from error


def out(subscription: WebhookSubscription) -> WebhookOut:
    return WebhookOut(
        webhook_id=subscription.subscription_id,
        url=subscription.url,
        event_types=sorted(EventType(t) for t in subscription.event_types),
        enabled=subscription.enabled,
        disabled_reason=subscription.disabled_reason,
        failing_since=subscription.failing_since,
        last_failure=subscription.last_failure,
        last_success_at=subscription.last_success_at,
        created_at=subscription.created_at,
    )


def describe(subscription: WebhookSubscription) -> dict[str, Any]:
    """For logs: ids only, never the URL (it may carry a token of the receiver's)."""
    return {"org_id": subscription.org_id, "webhook_id": subscription.subscription_id}
