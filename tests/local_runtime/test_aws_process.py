"""The embedded AWS in a process of its own: what it saw (mail SES accepted, events an archive
kept) comes back to the runtime in order, events wait for their bus, and the drain can tell
when everything reported has been handed on."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import boto3
import pytest

from local_runtime.aws.credentials import local_session
from local_runtime.aws.outbox import SentEmail
from local_runtime.aws.process import AwsProcess
from local_runtime.template import LOCAL_REGION

ARCHIVE = "KeptEvents"
SENDER = "scheduling@example.com"


class Received:
    def __init__(self) -> None:
        self.mail: list[SentEmail] = []
        self.events: list[dict[str, Any]] = []
        self.changed = threading.Condition()

    def on_mail(self, sent: SentEmail) -> None:
        with self.changed:
            self.mail.append(sent)
            self.changed.notify_all()

    def put_events(self, events: Iterable[Mapping[str, Any]]) -> None:
        with self.changed:
            self.events.extend(dict(event) for event in events)
            self.changed.notify_all()


@pytest.fixture
def received() -> Received:
    return Received()


@pytest.fixture
def aws(received: Received) -> Iterator[tuple[AwsProcess, boto3.Session]]:
    process = AwsProcess(archives=[ARCHIVE], on_mail=received.on_mail)
    process.start()
    session = local_session(LOCAL_REGION)
    try:
        yield process, session
    finally:
        process.stop()


def client(session: boto3.Session, process: AwsProcess, service: str) -> Any:
    return session.client(service, endpoint_url=process.endpoint)  # type: ignore[call-overload]


def put(events: Any, bus: str, numbers: Iterable[int]) -> None:
    for n in numbers:
        events.put_events(
            Entries=[
                {"EventBusName": bus, "Source": "test", "DetailType": "t", "Detail": json.dumps({"n": n})}
            ]
        )


def test_mail_the_embedded_ses_accepted_reaches_the_listener_here(aws, received):
    process, session = aws
    ses = client(session, process, "sesv2")
    ses.create_email_identity(EmailIdentity=SENDER)
    raw = b"From: scheduling@example.com\r\nTo: ada@example.com\r\nSubject: Hello\r\n\r\nHi\r\n"

    ses.send_email(
        FromEmailAddress=SENDER,
        Destination={"ToAddresses": ["ada@example.com"]},
        Content={"Raw": {"Data": raw}},
    )

    assert process.wait_idle(10)
    (sent,) = received.mail
    assert sent.recipients == ("ada@example.com",)
    assert sent.raw.replace(b"\r\n", b"\n") == raw.replace(b"\r\n", b"\n")


def test_an_archives_events_wait_for_their_bus_then_come_in_the_order_they_were_put(aws, received):
    process, session = aws
    events = client(session, process, "events")
    bus = events.create_event_bus(Name="Domain")["EventBusArn"]
    events.create_archive(ArchiveName=ARCHIVE, EventSourceArn=bus, RetentionDays=1)
    put(events, "Domain", range(3))
    assert process.wait_idle(10)
    assert received.events == []  # no bus bound yet: they wait, as they would in the archive

    process.bind(ARCHIVE, received.put_events)
    put(events, "Domain", range(3, 6))

    assert process.wait_idle(10)
    assert [e["detail"]["n"] for e in received.events] == list(range(6))


def test_a_port_in_use_is_said_at_start():
    with socket.create_server(("127.0.0.1", 0)) as taken:
        process = AwsProcess(port=taken.getsockname()[1])
        with pytest.raises(OSError, match="could not start"):
            process.start()
