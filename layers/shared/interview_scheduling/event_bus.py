"""Puts domain events on the stack's EventBridge bus, in order, ten at a time (PutEvents' limit).

An entry EventBridge refuses fails the whole call: the stream record is retried, and the events
it had already put go again with the same ids, which consumers drop as repeats.
"""

from collections.abc import Sequence

from interview_scheduling import aws_clients
from interview_scheduling.domain_events import SOURCE, DomainEvent
from interview_scheduling.settings import event_bus_settings

MAX_ENTRIES_PER_REQUEST = 10


class EventsNotPut(Exception):
    """EventBridge refused some entries; the record that made them is retried."""


def put(events: Sequence[DomainEvent]) -> None:
    bus = event_bus_settings().event_bus_name
    for start in range(0, len(events), MAX_ENTRIES_PER_REQUEST):
        chunk = events[start : start + MAX_ENTRIES_PER_REQUEST]
        response = aws_clients.events().put_events(
            Entries=[
                {
                    "EventBusName": bus,
                    "Source": SOURCE,
                    "DetailType": str(event.type),
                    "Time": event.timestamp,
                    "Resources": [],
                    "Detail": event.body(),
                }
                for event in chunk
            ]
        )
        if response.get("FailedEntryCount"):
            codes = sorted(
                {entry.get("ErrorCode", "") for entry in response["Entries"] if entry.get("ErrorCode")}
            )
            raise EventsNotPut(f"{response['FailedEntryCount']} event(s) not put: {', '.join(codes)}")
