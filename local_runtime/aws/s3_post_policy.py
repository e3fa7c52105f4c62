"""S3's checks of a browser upload (presigned POST) against its signed policy, which moto skips.

Without them a local upload larger than the policy allows, or with a field the policy does
not cover, or whose signature was removed or forged, would succeed where S3 refuses it.
Checked as S3 does: the form is signed with Signature Version 4 (`x-amz-algorithm`
AWS4-HMAC-SHA256, and `x-amz-signature` the HMAC-SHA256 of the base64 policy under the signing
key of the `x-amz-credential`'s access key, date and region), the policy has not expired,
every condition holds (exact match, `eq`, `starts-with`, `content-length-range`), and every
form field other than the signature, the file, the policy and `x-ignore-*` fields is named
by a condition.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from werkzeug.formparser import parse_form_data

from local_runtime.aws.credentials import SECRET_KEYS
from local_runtime.servers import read_body

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

SIGV4_ALGORITHM = "AWS4-HMAC-SHA256"
# Fields S3 does not require a condition for.
_UNCONDITIONED = {"x-amz-signature", "file", "policy", "signature", "awsaccesskeyid"}


@dataclass(frozen=True)
class PolicyViolation:
    status: int
    code: str  # S3's error code
    message: str


def _denied(message: str) -> PolicyViolation:
    return PolicyViolation(403, "AccessDenied", f"Invalid according to Policy: {message}")


def check_post_policy(
    fields: Mapping[str, str],
    file_size: int,
    bucket: str,
    now: datetime | None = None,
    secret_keys: Mapping[str, str] = SECRET_KEYS,
) -> PolicyViolation | None:
    """None if S3 would accept the upload; otherwise S3's refusal."""
    values = {name.lower(): value for name, value in fields.items()}
    unsigned = _check_signature(values, secret_keys)
    if unsigned is not None:
        return unsigned
    try:
        policy = json.loads(base64.b64decode(values.get("policy", ""), validate=True))
        expiration = datetime.fromisoformat(str(policy["expiration"]).replace("Z", "+00:00"))
        conditions: list[Any] = list(policy.get("conditions", []))
    except (binascii.Error, ValueError, KeyError, TypeError):
        return _denied("Policy could not be decoded.")
    if (now or datetime.now(UTC)) > expiration:
        return _denied("Policy expired.")
    values["bucket"] = bucket
    covered: set[str] = set()
    for condition in conditions:
        violation = _check_condition(condition, values, file_size, covered)
        if violation is not None:
            return violation
    exempt = covered | _UNCONDITIONED | {"bucket"}
    extra = sorted(name for name in values if name not in exempt and not name.startswith("x-ignore-"))
    if extra:
        return _denied(f"Extra input fields: {', '.join(extra)}")
    return None


def _check_signature(values: Mapping[str, str], secret_keys: Mapping[str, str]) -> PolicyViolation | None:
    """S3's Signature Version 4 check of a POST form: the policy as sent, signed with the secret
    of the credential's access key for the credential's date and region."""
    for name in ("x-amz-algorithm", "x-amz-credential", "x-amz-signature"):
        if not values.get(name):
            return PolicyViolation(403, "AccessDenied", f"Bucket POST must contain a field named '{name}'.")
    algorithm = values["x-amz-algorithm"]
    if algorithm != SIGV4_ALGORITHM:
        return PolicyViolation(
            403, "AccessDenied", f"X-Amz-Algorithm only supports '{SIGV4_ALGORITHM}', not {algorithm!r}."
        )
    scope = values["x-amz-credential"].split("/")
    if len(scope) != 5 or scope[3] != "s3" or scope[4] != "aws4_request":
        return PolicyViolation(403, "AccessDenied", "Invalid credential scope in x-amz-credential.")
    access_key, date, region = scope[:3]
    secret = secret_keys.get(access_key)
    if secret is None:
        return PolicyViolation(
            403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."
        )
    policy = values.get("policy", "").encode()
    expected = hmac.new(_signing_key(secret, date, region), policy, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, values["x-amz-signature"].lower()):
        return PolicyViolation(
            403,
            "AccessDenied",
            "The request signature we calculated does not match the signature you provided. "
            "Check your key and signing method.",
        )
    return None


def _signing_key(secret: str, date: str, region: str) -> bytes:
    """SigV4's derived key: the secret, then the date, region, service and terminator, each by HMAC.
    Written out because botocore only signs requests; it has nothing that checks a signature."""
    key = ("AWS4" + secret).encode()
    for part in (date, region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _check_condition(
    condition: Any, values: Mapping[str, str], file_size: int, covered: set[str]
) -> PolicyViolation | None:
    if isinstance(condition, dict):
        for name, expected in condition.items():
            covered.add(name.lower())
            if values.get(name.lower()) != expected:
                return _denied(f"Policy Condition failed: {json.dumps(['eq', '$' + name, expected])}")
        return None
    operator = str(condition[0]).lower()
    if operator == "content-length-range":
        return _check_size(int(condition[1]), int(condition[2]), file_size)
    name, expected = str(condition[1]).removeprefix("$").lower(), str(condition[2])
    covered.add(name)
    actual = values.get(name, "")
    holds = actual == expected if operator == "eq" else actual.startswith(expected)
    return None if holds else _denied(f"Policy Condition failed: {json.dumps(list(condition))}")


def _check_size(low: int, high: int, file_size: int) -> PolicyViolation | None:
    if file_size > high:
        return PolicyViolation(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
    if file_size < low:
        return PolicyViolation(
            400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size"
        )
    return None


def error_document(violation: PolicyViolation) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{violation.code}</Code><Message>{escape(violation.message)}</Message>"
        f"<RequestId>{uuid.uuid4().hex[:16].upper()}</RequestId></Error>"
    ).encode()


class PostPolicyCheck:
    """WSGI middleware in front of moto: refuses presigned POST uploads that S3 would refuse."""

    def __init__(self, app: WSGIApplication) -> None:
        self._app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if not _is_form_upload(environ):
            return self._app(environ, start_response)
        body = read_body(environ)
        form_environ = {**environ, "wsgi.input": io.BytesIO(body)}
        _, form, files = parse_form_data(form_environ)
        upload = files.get("file")
        size = len(upload.read()) if upload is not None else 0
        bucket = environ.get("PATH_INFO", "/").strip("/").split("/")[0]
        violation = check_post_policy(dict(form.items()), size, bucket)
        if violation is not None:
            document = error_document(violation)
            start_response(
                f"{violation.status} {'Forbidden' if violation.status == 403 else 'Bad Request'}",
                [("content-type", "application/xml"), ("content-length", str(len(document)))],
            )
            return [document]
        environ["wsgi.input"] = io.BytesIO(body)
        return self._app(environ, start_response)


def _is_form_upload(environ: WSGIEnvironment) -> bool:
    """A browser-style upload: an unsigned multipart POST to a bucket (path-style on loopback)."""
    return (
        environ.get("REQUEST_METHOD") == "POST"
        and str(environ.get("CONTENT_TYPE", "")).startswith("multipart/form-data")
        and not environ.get("HTTP_AUTHORIZATION")
        and environ.get("PATH_INFO", "/").strip("/").count("/") == 0
    )
