"""The credentials of the embedded AWS: given to every local function, and the only ones whose
signatures it accepts where it checks them (presigned POST uploads). They match nothing real."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

DUMMY_CREDENTIALS: Final[Mapping[str, str]] = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
# Secret access key by access key id.
SECRET_KEYS: Final[Mapping[str, str]] = {
    DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"]: DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"]
}
