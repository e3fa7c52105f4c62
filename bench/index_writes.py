"""Write units the tables' global secondary indexes consume, counted from each write's old and new
item, for the cost figure of bench/aws_requests.py.

DynamoDB ("Provisioned throughput considerations for Global Secondary Indexes",
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations.Writes):
a write to a table costs an index write only if it puts an item into the index, changes a
projected attribute of an item in it, or takes one out; the write is one unit per KB of the index
entry, and a write that changes the index's key costs two (the old entry deleted, the new put).

moto keeps no index entries, so the old and new item of every write are read where moto hands
them to the table's stream (`StreamShard.add`, which every put, update, transaction write and
delete calls); tables without a stream in the template are given a shard for the count only.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.table import StreamShard

from local_runtime.template import StackTemplate

KB = 1024


@dataclass(frozen=True)
class Index:
    table: str
    name: str
    keys: tuple[str, ...]  # the index's hash and range key attributes
    table_keys: tuple[str, ...]  # every entry carries the table's keys too
    projection: str  # ALL, KEYS_ONLY or INCLUDE
    included: tuple[str, ...] = ()

    def entry(self, item: Mapping[str, Any] | None) -> dict[str, Any] | None:
        """The item as the index keeps it; None if the item lacks a key of the index (sparse)."""
        if item is None or any(key not in item for key in self.keys):
            return None
        if self.projection == "ALL":
            return dict(item)
        kept = {*self.keys, *self.table_keys, *self.included}
        return {name: value for name, value in item.items() if name in kept}

    def write_units(self, old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> int:
        before, after = self.entry(old), self.entry(new)
        if before == after:
            return 0
        if before is not None and after is not None and all(before[k] == after[k] for k in self.keys):
            return units(after)
        return (units(before) if before is not None else 0) + (units(after) if after is not None else 0)


def units(item: Mapping[str, Any]) -> int:
    """Write units of an item: one per KB, at least one."""
    return max(1, math.ceil(item_size(item) / KB))


def item_size(item: Mapping[str, Any]) -> int:
    """An item's size as DynamoDB counts it, closely enough: attribute names and values in UTF-8,
    numbers at about a byte per two digits (DynamoDB JSON: {"S": ...}, {"N": ...}, ...)."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value: Mapping[str, Any]) -> int:
    ((kind, content),) = value.items()
    if kind in ("S", "B"):
        return len(content.encode() if isinstance(content, str) else content)
    if kind == "N":
        return math.ceil(len(content) / 2) + 1
    if kind in ("SS", "BS", "NS"):
        return sum(_value_size({kind[0]: member}) for member in content)
    if kind == "M":
        return 3 + item_size(content)
    if kind == "L":
        return 3 + sum(1 + _value_size(member) for member in content)
    return 1  # BOOL, NULL


def indexes_of(template: StackTemplate) -> dict[str, list[Index]]:
    """Each table's global secondary indexes, by table name (locally, the logical id)."""
    found: dict[str, list[Index]] = {}
    for table_id, resource in template.of_type("AWS::DynamoDB::Table").items():
        properties = resource["Properties"]
        table_keys = tuple(key["AttributeName"] for key in properties["KeySchema"])
        for index in properties.get("GlobalSecondaryIndexes", []):
            projection = index.get("Projection", {})
            found.setdefault(table_id, []).append(
                Index(
                    table=table_id,
                    name=index["IndexName"],
                    keys=tuple(key["AttributeName"] for key in index["KeySchema"]),
                    table_keys=table_keys,
                    projection=projection.get("ProjectionType", "ALL"),
                    included=tuple(projection.get("NonKeyAttributes", [])),
                )
            )
    return found


@contextmanager
def counting(template: StackTemplate) -> Iterator[Counter[str]]:
    """Counts index write units, by `table.index`, of every write in moto (in-process) meanwhile."""
    indexes = indexes_of(template)
    counted: Counter[str] = Counter()
    original = StreamShard.add

    def add(shard: StreamShard, old: Any, new: Any) -> None:
        before = old.to_json()["Attributes"] if old is not None else None
        after = new.to_json()["Attributes"] if new is not None else None
        for index in indexes.get(shard.table.name, []):
            counted[f"{index.table}.{index.name}"] += index.write_units(before, after)
        if (shard.table.stream_specification or {}).get("StreamEnabled"):  # the template's own stream
            original(shard, old, new)

    for regions in dynamodb_backends.values():
        for backend in regions.values():
            for table in backend.tables.values():
                if table.stream_shard is None and table.name in indexes:
                    table.stream_shard = StreamShard(backend.account_id, table)
    StreamShard.add = add  # type: ignore[method-assign,assignment]
    try:
        yield counted
    finally:
        StreamShard.add = original  # type: ignore[method-assign]
