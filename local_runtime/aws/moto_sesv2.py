"""SES v2 SendEmail in moto, made to honour the configuration set and the message tags.

moto (5.x) accepts `ConfigurationSetName` and `EmailTags` and ignores both. SES refuses a send
that names a configuration set it does not have (NotFoundException) and tags outside the
MessageTag rules (https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_MessageTag.html:
only ASCII letters, digits, `_` and `-`, at most 256 characters). Here both are checked as SES
checks them, and what the send named is kept with the message moto stores, so the local SES can
publish events that carry them (local_runtime.ses) and tests can see what a send asked for.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.ses.models import ses_backends
from moto.sesv2.responses import SESV2Response

_TAG_TEXT = re.compile(r"[A-Za-z0-9_-]{1,256}")
_SENT_WITH = "_sent_with"
_ORIGINAL = "_original_send_email"


@dataclass(frozen=True)
class SentWith:
    """What a SendEmail named besides the message: its configuration set and its tags."""

    configuration_set: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


def sent_with(message: Any) -> SentWith:
    """The configuration set and tags of a message moto's SES stored (none for other senders)."""
    found = getattr(message, _SENT_WITH, None)
    return found if isinstance(found, SentWith) else SentWith()


def _send_email(self: SESV2Response) -> str:
    params = json.loads(self.body)
    name = params.get("ConfigurationSetName")
    tags = {tag.get("Name", ""): tag.get("Value", "") for tag in params.get("EmailTags") or []}
    for tag_name, tag_value in tags.items():
        if not (_TAG_TEXT.fullmatch(tag_name) and _TAG_TEXT.fullmatch(tag_value)):
            raise JsonRESTError("BadRequestException", f"Invalid message tag {tag_name!r}")
    backend = ses_backends[self.current_account][self.region]
    if name is not None and name not in backend.config_sets:
        raise JsonRESTError("NotFoundException", f"Configuration set <{name}> does not exist.")
    original: Callable[[SESV2Response], str] = getattr(SESV2Response, _ORIGINAL)
    answer = original(self)
    message_id = json.loads(answer)["MessageId"]
    for message in reversed(backend.sent_messages):
        if message.id == message_id:
            setattr(message, _SENT_WITH, SentWith(name, tags))
            break
    return answer


def install() -> None:
    """Replaces moto's SES v2 SendEmail for this process; safe to call more than once."""
    if not hasattr(SESV2Response, _ORIGINAL):
        setattr(SESV2Response, _ORIGINAL, SESV2Response.send_email)
        SESV2Response.send_email = _send_email  # type: ignore[method-assign]
