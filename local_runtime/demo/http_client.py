"""A small HTTP client (standard library only) for the local API and S3 presigned POST uploads."""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ApiResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def http_request(
    method: str,
    url: str,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 30.0,
) -> ApiResponse:
    """Any status comes back as a response; only a network failure raises."""
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"not an HTTP URL: {url}")
    request = urllib.request.Request(url, data=body, headers=dict(headers or {}), method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return ApiResponse(response.status, dict(response.headers.items()), response.read())
    except urllib.error.HTTPError as error:
        with error:
            return ApiResponse(error.code, dict(error.headers.items()), error.read())


class ApiClient:
    """JSON over HTTP with an optional bearer token, as a recruiter's tool would call the API."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def request(self, method: str, path: str, document: Any = None, token: str | None = None) -> ApiResponse:
        headers = {"accept": "application/json"}
        bearer = token if token is not None else self.token
        if bearer:
            headers["authorization"] = f"Bearer {bearer}"
        body = None
        if document is not None:
            body = json.dumps(document).encode()
            headers["content-type"] = "application/json"
        return http_request(method, self.base_url + path, body, headers, self.timeout)

    def get(self, path: str, token: str | None = None) -> ApiResponse:
        return self.request("GET", path, token=token)

    def post(self, path: str, document: Any = None, token: str | None = None) -> ApiResponse:
        return self.request("POST", path, {} if document is None else document, token=token)


def upload_presigned_post(
    url: str,
    fields: Mapping[str, str],
    content: bytes,
    *,
    filename: str = "resume.pdf",
    content_type: str = "application/pdf",
    timeout: float = 30.0,
) -> ApiResponse:
    """Uploads to an S3 presigned POST: the policy's fields first, then the file, as S3 requires."""
    boundary = "----local-runtime-" + secrets.token_hex(12)
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    parts.append(
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    headers = {"content-type": f"multipart/form-data; boundary={boundary}"}
    return http_request("POST", url, b"".join(parts), headers, timeout)
