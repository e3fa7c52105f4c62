"""Publishes SES's events for each email the embedded SES accepted, as the template's
configuration sets say: through each enabled EventBridge destination on the default bus, the
event types it matches (local_runtime.ses.event_publishing builds them)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from local_runtime.aws.outbox import SentEmail
from local_runtime.ses.event_publishing import event_type, events_for
from local_runtime.template import Resolver, StackTemplate

log = logging.getLogger("local_runtime.ses")

PutEvents = Callable[[Iterable[Mapping[str, Any]]], object]


def published_event_types(template: StackTemplate, resolver: Resolver) -> dict[str, frozenset[str]]:
    """Each configuration set's name (as created locally) → the eventTypes it publishes to the
    default bus."""
    published: dict[str, set[str]] = {}
    for destination in template.ses_event_destinations():
        if not (destination.enabled and destination.default_event_bus and destination.configuration_set_id):
            continue
        name = resolver.ref(destination.configuration_set_id)
        published.setdefault(name, set()).update(event_type(t) for t in destination.event_types)
    return {name: frozenset(types) for name, types in published.items()}


class SesEventPublisher:
    def __init__(
        self,
        published: Mapping[str, frozenset[str]],
        put_events: PutEvents,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.published = dict(published)
        self._put_events = put_events
        self._clock = clock

    def __call__(self, sent: SentEmail) -> None:
        types = self.published.get(sent.configuration_set or "")
        if not types:
            return  # no configuration set, or one that publishes nothing to EventBridge
        events = events_for(sent, types, self._clock())
        self._put_events(events)
        log.info(
            "SES events for %s: %s",
            sent.message_id[:12],
            ", ".join(event["detail"]["eventType"] for event in events) or "none",
        )

    def describe(self) -> str:
        sets = "; ".join(f"{name}: {', '.join(sorted(types))}" for name, types in self.published.items())
        return sets or "no configuration set publishes to EventBridge"
