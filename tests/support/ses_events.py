"""SES's documented example events (tests/fixtures/ses_events), made about one of this system's
emails: the tags a send carries, the candidate's address and, if wanted, other times."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ses_events"
KINDS = ("send", "delivery", "delivery_delay", "bounce", "complaint", "reject")
# The part of the record that says what happened, by fixture.
_OUTCOME = {
    "delivery": "delivery",
    "delivery_delay": "deliveryDelay",
    "bounce": "bounce",
    "complaint": "complaint",
}
_RECIPIENTS = {
    "delivery_delay": "delayedRecipients",
    "bounce": "bouncedRecipients",
    "complaint": "complainedRecipients",
}


@cache
def _fixture(kind: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{kind}.json").read_text())  # type: ignore[no-any-return]


def documented(kind: str) -> dict[str, Any]:
    """The fixture as it is: AWS's example, in EventBridge's envelope."""
    return copy.deepcopy(_fixture(kind))


def about(
    kind: str,
    interview_id: str,
    message_key: str,
    *,
    configuration_set: str = "EmailConfigurationSet",
    address: str = "ada@example.com",
    at: datetime | None = None,
    **changes: Any,
) -> dict[str, Any]:
    """The documented event, as SES would publish it about one email of this system."""
    event = documented(kind)
    event["id"] = str(uuid.uuid4())
    detail = event["detail"]
    tags = detail["mail"]["tags"]
    tags["ses:configuration-set"] = [configuration_set]
    tags["interview_id"] = [interview_id]
    tags["message_key"] = [message_key]
    detail["mail"]["destination"] = [address]
    if kind in _RECIPIENTS:
        for recipient in detail[_OUTCOME[kind]][_RECIPIENTS[kind]]:
            recipient["emailAddress"] = address
    if at is not None:
        stamp = at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        detail[_OUTCOME.get(kind, "mail")]["timestamp"] = stamp
    if kind in _OUTCOME:
        detail[_OUTCOME[kind]].update(changes)
    return event
