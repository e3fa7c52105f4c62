"""Runs domain_events on both streams and webhook_delivery on what reaches the bus, in-process.

Stream records are read from moto's streams, shaped and filtered as the template's two event
source mappings of domain_events deliver them. What domain_events puts on the bus is read back
from the bus's archive in moto (local_runtime.eventbridge.archive_watcher, as `make run` does)
and handed to the bus's rules (local_runtime.eventbridge.bus); a test decides when
webhook_delivery receives each event and each scheduled retry.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import boto3

from interview_scheduling.settings import webhook_retry_settings
from local_runtime.eventbridge.archive_watcher import ArchiveWatcher
from local_runtime.eventbridge.bus import EventBus, bind_rules
from local_runtime.lambda_.invocation import InvocationResult
from local_runtime.streams.batches import DiscardedBatch, ShardBatchProcessor, StreamRetryPolicy
from local_runtime.streams.event_filter import matches_any
from local_runtime.streams.records import PolledRecord, polled_record, streams_client
from local_runtime.template import LOCAL_REGION, Resolver, StackTemplate
from tests.support.api import LambdaContextStub
from tests.support.pipeline import invoked

DOMAIN_EVENTS_FUNCTION = "DomainEventsFunction"
WEBHOOK_DELIVERY_FUNCTION = "WebhookDeliveryFunction"
BUS, ARCHIVE = "DomainEventBus", "DomainEventArchive"


@dataclass
class DomainEvents:
    template: StackTemplate
    resolver: Resolver
    stream_arns: dict[str, str]  # table id → stream ARN
    targets: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (function id, event)
    _iterators: dict[tuple[str, str], str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.sources = {
            source.table_id: source
            for source in self.template.stream_sources()
            if source.function_id == DOMAIN_EVENTS_FUNCTION
        }
        # Only the archive's new events are read here; `route` hands them to the rules.
        self._archive = ArchiveWatcher({ARCHIVE: lambda _events: None})

    def _to_target(self, function_id: str, payload: bytes, request_id: str) -> None:
        self.targets.append((function_id, json.loads(payload)))

    def new_records(self, table_id: str) -> list[dict[str, Any]]:
        """The table's stream records since the last call that its mapping's filter lets through."""
        return [record.event for record in self.new_polled_records(table_id)]

    def new_polled_records(self, table_id: str) -> list[PolledRecord]:
        streams = streams_client(boto3.Session(region_name=LOCAL_REGION))
        arn = self.stream_arns[table_id]
        records = []
        for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            key = (arn, shard["ShardId"])
            iterator = (
                self._iterators.get(key)
                or streams.get_shard_iterator(
                    StreamArn=arn, ShardId=key[1], ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            )
            response = streams.get_records(ShardIterator=iterator)
            self._iterators[key] = response["NextShardIterator"]
            records += [polled_record(r, arn) for r in response["Records"]]
        return [r for r in records if matches_any(self.sources[table_id].filter_patterns, r.event)]

    def process_as_lambda(self, table_id: str) -> list[DiscardedBatch]:
        """New records of the table through domain_events by its mapping's rules (bisected,
        retried, then discarded); returns the batches discarded to the on-failure queue."""
        discarded: list[DiscardedBatch] = []

        def invoke(records: Sequence[PolledRecord]) -> InvocationResult:
            return invoked(lambda: self.run([record.event for record in records]))

        source = self.sources[table_id]
        processor = ShardBatchProcessor(StreamRetryPolicy.of(source), invoke, discarded.append)
        records = self.new_polled_records(table_id)
        for start in range(0, len(records), source.batch_size):
            processor.process(records[start : start + source.batch_size])
        return discarded

    def run(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        from domain_events.app import handler

        result: dict[str, Any] = handler({"Records": records}, LambdaContextStub())
        return result

    def publish(self) -> list[dict[str, Any]]:
        """New records of the interviews stream, then of the sessions stream, through domain_events;
        returns the records each got, by table."""
        handled = []
        for table_id in ("InterviewsTable", "SessionsTable"):
            records = self.new_records(table_id)
            if records:
                assert self.run(records) == {"batchItemFailures": []}
            handled += records
        return handled

    def bus_events(self) -> list[dict[str, Any]]:
        """What was put on the bus since the last call, as EventBridge hands it to a rule's target."""
        return self._archive.new_events().get(ARCHIVE, [])

    def route(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The events through the bus's rules; returns what reached webhook_delivery."""
        self.targets.clear()
        bus = EventBus(bind_rules(self.template, self.resolver, BUS), self._to_target)
        bus.put_events(events)
        return [event for function_id, event in self.targets if function_id == WEBHOOK_DELIVERY_FUNCTION]

    def deliver(self, event: dict[str, Any]) -> dict[str, Any]:
        from webhook_delivery.app import handler

        result: dict[str, Any] = handler(event, LambdaContextStub())
        return result

    def retries(self) -> list[dict[str, Any]]:
        """The webhook retries EventBridge Scheduler holds (GetSchedule answers), oldest attempt first."""
        scheduler = boto3.client("scheduler", region_name=LOCAL_REGION)
        group = webhook_retry_settings().webhook_retry_group
        listed = scheduler.list_schedules(GroupName=group)["Schedules"]
        found = [dict(scheduler.get_schedule(Name=s["Name"], GroupName=group)) for s in listed]
        return sorted(found, key=lambda s: json.loads(s["Target"]["Input"])["attempt"])

    def fire(self, schedule: dict[str, Any]) -> dict[str, Any]:
        """What the scheduler does with a due retry: invoke its target with its input, then delete it."""
        result = self.deliver(json.loads(schedule["Target"]["Input"]))
        scheduler = boto3.client("scheduler", region_name=LOCAL_REGION)
        scheduler.delete_schedule(Name=schedule["Name"], GroupName=schedule["GroupName"])
        return result
