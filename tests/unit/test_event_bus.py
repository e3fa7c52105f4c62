"""Several records' events share PutEvents calls of at most ten entries; EventBridge answers each
entry on its own (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html:
"a successful response ... can have partial failures", one result per entry, in order). With a
fake EventBridge client: the integration tests put through the embedded AWS."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from interview_scheduling import aws_clients, event_bus, settings
from interview_scheduling.domain_events import DomainEvent
from interview_scheduling.enums import EventType


class FakeEvents:
    """Takes every entry but those whose detail names an interview in `refusing`."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.refusing: set[str] = set()

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803 - boto3's name
        ids = [json.loads(entry["Detail"])["id"] for entry in Entries]
        self.calls.append(ids)
        failed = {"ErrorCode": "InternalFailure"}
        answers = [failed if i.split("-")[0] in self.refusing else {"EventId": i} for i in ids]
        return {"FailedEntryCount": sum("ErrorCode" in a for a in answers), "Entries": answers}


def event(interview: str, n: int) -> DomainEvent:
    return DomainEvent(
        id=f"{interview}-{n}",
        type=EventType.INTERVIEW_BOOKED,
        timestamp=datetime(2030, 1, 1, tzinfo=UTC),
        org_id="org-a",
        data={"interview_id": interview},
    )


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEvents]:
    monkeypatch.setenv("EVENT_BUS_NAME", "Domain")
    settings.event_bus_settings.cache_clear()
    client = FakeEvents()
    monkeypatch.setattr(aws_clients, "events", lambda: client)
    yield client
    settings.event_bus_settings.cache_clear()


def test_groups_share_calls_of_at_most_ten_entries_each_groups_events_in_order(fake: FakeEvents) -> None:
    groups = [[event(f"i{g}", n) for n in range(g % 3 + 1)] for g in range(12)]  # 24 events

    refused = event_bus.put_groups(groups)

    assert refused == [[] for _ in groups]
    assert [len(call) for call in fake.calls] == [10, 10, 4]
    assert [event_id for call in fake.calls for event_id in call] == [e.id for g in groups for e in g]


def test_a_refused_entry_fails_its_group_only_and_its_later_entries_are_not_sent(fake: FakeEvents) -> None:
    fake.refusing = {"bad"}
    groups = [[event("good", n) for n in range(8)], [event("bad", n) for n in range(5)], [event("late", 0)]]

    refused = event_bus.put_groups(groups)

    assert refused == [[], ["InternalFailure", "InternalFailure"], []]
    # The first call held bad-0 and bad-1; bad-2 to bad-4 were left out of the next one.
    assert fake.calls == [[*(f"good-{n}" for n in range(8)), "bad-0", "bad-1"], ["late-0"]]


def test_put_raises_if_any_event_was_refused(fake: FakeEvents) -> None:
    fake.refusing = {"bad"}

    with pytest.raises(event_bus.EventsNotPut, match="1 event"):
        event_bus.put([event("bad", 0)])
