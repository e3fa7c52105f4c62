"""S3's checks of a browser upload (presigned POST) against its signed policy, which moto skips.

Without them a local upload larger than the policy allows, or with a field the policy does
not cover, would succeed where S3 refuses it. Checked as S3 does: the policy has not expired,
every condition holds (exact match, `eq`, `starts-with`, `content-length-range`), and every
form field other than the signature, the file, the policy and `x-ignore-*` fields is named
by a condition.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from werkzeug.formparser import parse_form_data

from local_runtime.servers import read_body

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

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
    fields: Mapping[str, str], file_size: int, bucket: str, now: datetime | None = None
) -> PolicyViolation | None:
    """None if S3 would accept the upload; otherwise S3's refusal."""
    values = {name.lower(): value for name, value in fields.items()}
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
