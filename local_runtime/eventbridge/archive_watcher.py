"""What the functions put on the template's own buses, handed to the local bus that routes it.

moto's PutEvents stores nothing and invokes no Lambda target: it sends an event only to the
targets it supports (queues, log groups, archives). Its archive of a bus, though, keeps every
event put on that bus, so after each request of the embedded AWS this watcher takes the events
each of the template's archives gained and gives them to the bus's rules, as EventBridge would
("Amazon EventBridge events" and "EventBridge archives", https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events.html,
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-archive.html). The event is shaped as
EventBridge delivers it to a target: `time` as RFC 3339 text, not moto's epoch number.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from moto.events.models import events_backends

log = logging.getLogger("local_runtime.eventbridge")

PutEvents = Callable[[Iterable[Mapping[str, Any]]], object]


def as_delivered(stored: Mapping[str, Any]) -> dict[str, Any]:
    event = copy.deepcopy(dict(stored))
    moment = event.get("time")
    if isinstance(moment, int | float):
        event["time"] = datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    event.pop("ingestion-time", None)
    return event


class ArchiveWatcher:
    def __init__(self, buses: Mapping[str, PutEvents] | None = None) -> None:
        """`buses`: archive name → the put_events of the local bus whose events it keeps (in the
        runtime, a report to it: local_runtime.aws.process, which waits for the bus to run)."""
        self._buses = dict(buses or {})
        self._seen: dict[tuple[str, str, str], int] = {}

    def new_events(self) -> dict[str, list[dict[str, Any]]]:
        """Each archive's events since the last call, as EventBridge delivers them."""
        found: dict[str, list[dict[str, Any]]] = {}
        for account_id, regions in list(events_backends.items()):
            for region, backend in list(regions.items()):
                for name, archive in list(backend.archives.items()):
                    if name not in self._buses:
                        continue
                    key = (account_id, region, name)
                    stored = archive.events
                    found.setdefault(name, []).extend(
                        as_delivered(e) for e in stored[self._seen.get(key, 0) :]
                    )
                    self._seen[key] = len(stored)
        return found

    def __call__(self) -> None:
        for name, events in self.new_events().items():
            if events:
                self._buses[name](events)
                log.info("%d event(s) on the bus archived by %s routed", len(events), name)
