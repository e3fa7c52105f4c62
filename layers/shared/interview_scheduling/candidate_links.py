"""The candidate's links to reschedule or cancel an interview: capabilities, stored nowhere.

A link token names one purpose, one interview and the interview's revision, and is signed with
an HMAC under the link-signing secret (interview_scheduling.session_keys, with a label of its
own, so no session key or other derived value can pass for a signature):

    base64url("v1.{purpose}.{interview_id}.{revision}") + "." + base64url(HMAC-SHA256(...)[:16])

The signature covers the encoded text, so a token has one spelling. Nothing is stored: every
change to an interview raises its revision, so each token made before the change no longer
matches it (interview_scheduling.self_service checks that), and rotating the secret ends them all.

A token's length and shape are checked first, then its signature with `hmac.compare_digest`;
only a token that passes both names anything to look up. Whatever failed, the caller learns
only that the link is not valid (`InvalidLink.check` is for counting, never for the answer).

A form a link's page posts carries a form token: the HMAC of the link token under another
label, so a post is accepted only with a form this service rendered for that very link.
"""

import base64
import binascii
import hmac
import re
from dataclasses import dataclass
from enum import StrEnum

from interview_scheduling.session_keys import derive

LINK_TOKEN_LABEL = b"candidate-link-v1"
FORM_TOKEN_LABEL = b"candidate-link-form-v1"
# The path of a link's page under the HTTP API (template.yaml routes it to candidate_pages).
LINK_PATH = "/candidate/"

_VERSION = "v1"
_SIGNATURE_BYTES = 16  # 128 bits: out of reach of guessing, and a short enough link for an email
_SIGNATURE_CHARS = 22
# The longest payload: "v1.reschedule." + a 64-character id + "." + a 9-digit revision.
_MAX_PAYLOAD_CHARS = 118
MAX_TOKEN_CHARS = _MAX_PAYLOAD_CHARS + 1 + _SIGNATURE_CHARS
_TOKEN_SHAPE = re.compile(rf"[A-Za-z0-9_-]{{16,{_MAX_PAYLOAD_CHARS}}}\.[A-Za-z0-9_-]{{{_SIGNATURE_CHARS}}}")
_PAYLOAD_SHAPE = re.compile(r"v1\.(reschedule|cancel)\.([A-Za-z0-9_-]{1,64})\.(0|[1-9][0-9]{0,8})")
_FORM_TOKEN_CHARS = 43


class LinkPurpose(StrEnum):
    RESCHEDULE = "reschedule"
    CANCEL = "cancel"


@dataclass(frozen=True)
class LinkClaim:
    """What a valid token says: do `purpose` to the interview as it was at `revision`."""

    purpose: LinkPurpose
    interview_id: str
    revision: int


class InvalidLink(Exception):
    """Not a link this service made, or not for this page. `check` names what failed, for metrics."""

    def __init__(self, check: str) -> None:
        super().__init__(check)
        self.check = check


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _signature(payload: str) -> str:
    return _encode(derive(LINK_TOKEN_LABEL, payload)[:_SIGNATURE_BYTES])


def link_token(purpose: LinkPurpose, interview_id: str, revision: int) -> str:
    payload = _encode(f"{_VERSION}.{LinkPurpose(purpose)}.{interview_id}.{int(revision)}".encode())
    token = f"{payload}.{_signature(payload)}"
    if not _TOKEN_SHAPE.fullmatch(token):
        raise ValueError("the interview id cannot be carried by a link")
    return token


def link_url(base_url: str, purpose: LinkPurpose, interview_id: str, revision: int) -> str:
    return f"{base_url.rstrip('/')}{LINK_PATH}{link_token(purpose, interview_id, revision)}"


def verify(token: str, purpose: LinkPurpose | None = None) -> LinkClaim:
    """What a token claims, once its shape and signature hold; InvalidLink otherwise.

    `purpose`: the page's own; a token for the other purpose is not valid there."""
    if len(token) > MAX_TOKEN_CHARS or not _TOKEN_SHAPE.fullmatch(token):
        raise InvalidLink("format")
    payload, signature = token.split(".")
    if not hmac.compare_digest(_signature(payload), signature):
        raise InvalidLink("signature")
    claim = _claim(payload)
    if purpose is not None and claim.purpose != purpose:
        raise InvalidLink("purpose")
    return claim


def _claim(payload: str) -> LinkClaim:
    try:
        text = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError) as error:
        raise InvalidLink("format") from error
    parts = _PAYLOAD_SHAPE.fullmatch(text)
    if parts is None:  # signed by this service, so only a token of a later version could be here
        raise InvalidLink("format")
    return LinkClaim(LinkPurpose(parts[1]), parts[2], int(parts[3]))


def form_token(token: str) -> str:
    """The hidden field of every form a link's page renders: bound to that link, and to it alone."""
    return _encode(derive(FORM_TOKEN_LABEL, token))


def form_token_matches(token: str, given: str | None) -> bool:
    if given is None or len(given) != _FORM_TOKEN_CHARS:
        return False
    return hmac.compare_digest(form_token(token), given)
