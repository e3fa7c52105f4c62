"""Puts domain events on the stack's EventBridge bus, ten at a time (PutEvents' limit).

Several records' events share calls: a stream batch puts its events in a few calls, not one per
record. EventBridge answers each entry of a call on its own, so a refused entry fails only the
group it belongs to, and that group's entries are left out of the calls after it. A failed
record is retried, and the events it had already put go again with the same ids, which
consumers drop as repeats.
"""

from collections.abc import Sequence
from typing import TYPE_CHECKING

from interview_scheduling import aws_clients
from interview_scheduling.domain_events import SOURCE, DomainEvent
from interview_scheduling.settings import event_bus_settings

if TYPE_CHECKING:
    from mypy_boto3_events.type_defs import PutEventsRequestEntryTypeDef

MAX_ENTRIES_PER_REQUEST = 10


class EventsNotPut(Exception):
    """EventBridge refused some entries; the record that made them is retried."""

    @classmethod
    def of(cls, codes: Sequence[str]) -> "EventsNotPut":
        return cls(f"{len(codes)} event(s) not put: {', '.join(sorted(set(codes)))}")


def put(events: Sequence[DomainEvent]) -> None:
    """Puts the events in order; raises EventsNotPut if EventBridge refused any."""
    (refused,) = put_groups([events])
    if refused:
        raise EventsNotPut.of(refused)


def put_groups(groups: Sequence[Sequence[DomainEvent]]) -> list[list[str]]:
    """Puts every group's events, each group's in order, in as few calls as the limit allows.
    Returns the error codes of each group's refused entries (none: all of it was put); once an
    entry of a group is refused, the group's entries of later calls are not sent. A call that
    fails as a whole raises, whatever the calls before it put."""
    bus = event_bus_settings().event_bus_name
    waiting = [(group, event) for group, events in enumerate(groups) for event in events]
    refused: list[list[str]] = [[] for _ in groups]
    while waiting:
        chunk, waiting = waiting[:MAX_ENTRIES_PER_REQUEST], waiting[MAX_ENTRIES_PER_REQUEST:]
        response = aws_clients.events().put_events(Entries=[_entry(bus, event) for _, event in chunk])
        if response.get("FailedEntryCount"):
            for (group, _), answer in zip(chunk, response["Entries"], strict=True):
                if answer.get("ErrorCode"):
                    refused[group].append(answer["ErrorCode"])
            waiting = [(group, event) for group, event in waiting if not refused[group]]
    return refused


def _entry(bus: str, event: DomainEvent) -> "PutEventsRequestEntryTypeDef":
    return {
        "EventBusName": bus,
        "Source": SOURCE,
        "DetailType": str(event.type),
        "Time": event.timestamp,
        "Resources": [],
        "Detail": event.body(),
    }
