"""The local outbox: every email the embedded SES accepts, as an .eml file and a console line.

The watcher that finds each accepted email also hands it to the local SES's event publishing
(local_runtime.ses).
"""

from __future__ import annotations

import email
import email.errors
import email.header
import email.policy
import html
import itertools
import logging
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage, Message
from email.utils import formatdate
from pathlib import Path
from typing import Any

from moto.ses.models import ses_backends

from local_runtime.aws.moto_sesv2 import sent_with

log = logging.getLogger("local_runtime.outbox")

_LINK = re.compile(r"https?://[^\s\"'<>]*session_key=[^\s\"'<>]+")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class SentEmail:
    message_id: str
    source: str
    recipients: tuple[str, ...]
    raw: bytes  # the MIME message exactly as the function sent it
    configuration_set: str | None = None  # as the send named it (SES v2)
    tags: dict[str, str] = field(default_factory=dict)  # the send's EmailTags


class Outbox:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def deliver(self, sent: SentEmail) -> Path:
        with self._lock:
            self.directory.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
            # Time first so a plain listing sorts the mail in the order it was sent.
            name = f"{stamp}-{next(self._counter):04d}-{_UNSAFE.sub('_', sent.message_id)[:60]}.eml"
            path = self.directory / name
            path.write_bytes(sent.raw)
        message = _parsed(sent.raw)
        link = _interview_link(message)
        log.info(
            "✉ to %s  %r%s  → %s",
            ", ".join(sent.recipients) or "(no recipient)",
            _subject(message),
            f"  link {link}" if link else "",
            _display(path),
        )
        return path


def find_interview_link(raw: bytes) -> str | None:
    """The first interview link (`…session_key=…`) in any text part of the message."""
    return _interview_link(_parsed(raw))


def _parsed(raw: bytes) -> Message:
    # compat32 leaves headers as sent and decodes only what is asked for: the outbox reads a subject
    # and the text parts. email.policy.default parsed every header into objects: 6 ms a message
    # with an invitation's parts, against 0.4 ms, and nearly half of the runtime's own time in the
    # 500-booking benchmark.
    return email.message_from_bytes(raw, policy=email.policy.compat32)


def _subject(message: Message) -> str:
    subject = message.get("subject", "")
    try:
        return str(email.header.make_header(email.header.decode_header(subject)))
    except (email.errors.HeaderParseError, LookupError, UnicodeDecodeError):
        return str(subject)  # shown as sent


def _interview_link(message: Message) -> str | None:
    for part in message.walk():
        if part.get_content_maintype() != "text":
            continue
        payload = part.get_payload(decode=True)  # the transfer encoding undone
        if not isinstance(payload, bytes):
            continue
        try:
            text = payload.decode(part.get_content_charset() or "us-ascii", errors="replace")
        except LookupError:  # a charset Python does not know
            continue
        found = _LINK.search(html.unescape(text))
        if found:
            return found.group(0)
    return None


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


SentListener = Callable[[SentEmail], object]


class MailHandOff:
    """Hands each accepted email to the listeners on a thread of its own, in the order sent.

    Writing the .eml file, reading the message and publishing SES's events take a while; on the
    thread that hands on what the embedded AWS reports (local_runtime.aws.process), they would
    hold up the bus events reported after the mail.
    """

    def __init__(self, listeners: Sequence[SentListener]) -> None:
        self._listeners = list(listeners)
        self._waiting: list[SentEmail] = []
        self._changed = threading.Condition()
        self._busy = False
        self._stopped = False
        self.accepted = 0
        self._thread = threading.Thread(target=self._run, name="ses-mail", daemon=True)
        self._thread.start()

    def __call__(self, sent: SentEmail) -> None:
        with self._changed:
            self._waiting.append(sent)
            self.accepted += 1
            self._changed.notify_all()

    @property
    def pending(self) -> int:
        with self._changed:
            return len(self._waiting) + self._busy

    def wait_idle(self, timeout: float) -> bool:
        """Waits until every email handed over has been through every listener."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._waiting and not self._busy, max(0.0, timeout))

    def stop(self, timeout: float = 2.0) -> None:
        """Hands over what is waiting (within `timeout`), then ends the thread."""
        self.wait_idle(timeout)
        with self._changed:
            self._stopped = True
            self._changed.notify_all()
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._waiting or self._stopped)
                if not self._waiting:
                    return
                sent = self._waiting.pop(0)
                self._busy = True
            for listener in self._listeners:
                try:
                    listener(sent)
                except Exception:
                    log.exception("could not hand message %s on", sent.message_id)
            with self._changed:
                self._busy = False
                self._changed.notify_all()


class MotoSesWatcher:
    """Picks up mail moto's SES stored since the last look (in the process moto runs in) and hands
    each to every listener: the outbox and the SES event publisher, or the report to the runtime
    when moto runs in a process of its own (local_runtime.aws.process)."""

    def __init__(self, listeners: Sequence[SentListener]) -> None:
        self._listeners = list(listeners)
        self._seen: dict[tuple[str, str], int] = {}

    def __call__(self) -> None:
        for account_id, regions in list(ses_backends.items()):
            for region, backend in list(regions.items()):
                key = (account_id, region)
                messages = backend.sent_messages
                for message in messages[self._seen.get(key, 0) :]:
                    self._deliver(message)
                self._seen[key] = len(messages)

    def _deliver(self, message: Any) -> None:
        try:
            sent = _sent_email(message)
        except Exception:
            log.exception("could not read message %s", getattr(message, "id", "?"))
            return
        for listener in self._listeners:
            try:
                listener(sent)
            except Exception:
                log.exception("could not hand message %s on", sent.message_id)


def _sent_email(message: Any) -> SentEmail:
    """moto keeps raw mail as text (it decodes the bytes as UTF-8) and simple mail as fields."""
    if hasattr(message, "raw_data"):
        raw = message.raw_data.encode("utf-8")
        recipients = _unique(message.destinations)
    else:
        raw = _simple_message(message)
        destinations = getattr(message, "destinations", {}) or {}
        recipients = _unique(
            [*destinations.get("ToAddresses", []), *destinations.get("CcAddresses", [])]
            if isinstance(destinations, dict)
            else destinations
        )
    named = sent_with(message)
    return SentEmail(message.id, str(message.source), recipients, raw, named.configuration_set, named.tags)


def _simple_message(message: Any) -> bytes:
    """SES builds the MIME for a Simple send; rebuild it so the outbox holds a readable file."""
    built = EmailMessage()
    built["From"] = message.source
    destinations = getattr(message, "destinations", {}) or {}
    if destinations.get("ToAddresses"):
        built["To"] = ", ".join(destinations["ToAddresses"])
    if destinations.get("CcAddresses"):
        built["Cc"] = ", ".join(destinations["CcAddresses"])
    built["Subject"] = getattr(message, "subject", "")
    built["Date"] = formatdate(localtime=False)
    built["Message-ID"] = f"<{message.id}@email.amazonses.com>"
    body = str(getattr(message, "body", getattr(message, "template_data", "")))
    built.set_content(body, subtype="html" if body.lstrip().startswith("<") else "plain")
    return bytes(built)


def _unique(addresses: Iterable[str]) -> tuple[str, ...]:
    # moto appends the To/Cc header addresses to the API's Destination, repeating them.
    return tuple(dict.fromkeys(email.utils.parseaddr(a)[1] or a for a in addresses))
