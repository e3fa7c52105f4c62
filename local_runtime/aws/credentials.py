"""The credentials of the embedded AWS: given to every local function, and the only ones whose
signatures it accepts where it checks them (presigned POST uploads). They match nothing real."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import boto3

DUMMY_CREDENTIALS: Final[Mapping[str, str]] = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
# Secret access key by access key id.
SECRET_KEYS: Final[Mapping[str, str]] = {
    DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"]: DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"]
}


def local_session(region_name: str) -> boto3.Session:
    """A session whose clients sign with these credentials, for talking to the embedded AWS."""
    return boto3.Session(
        aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        region_name=region_name,
    )
