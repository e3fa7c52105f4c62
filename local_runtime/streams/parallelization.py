"""ParallelizationFactor: which of a shard's concurrent consumers takes a record, with no I/O.

The Lambda developer guide ("Using AWS Lambda with Amazon DynamoDB", concurrent reading of a
shard, https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html): with a factor above 1,
Lambda processes up to that many batches of one shard at a time and "still ensures in-order
processing at the partition-key level". So records are split by partition key: every record of
one key goes to the same consumer, which takes its batches one at a time, in stream order.

Lambda does not document how it assigns keys to its concurrent batches; here it is a CRC-32 of
the key's value, so the same key always lands on the same consumer, in every run.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping
from typing import Any, Final

# A consumer holding this many batches not yet through stops its shard's reading until it catches
# up: a local bound on memory (Lambda keeps a checkpoint per concurrent batch instead).
HELD_BATCHES_PER_CONSUMER: Final = 10


def consumer_index(event: Mapping[str, Any], partition_key: str | None, factor: int) -> int:
    """The consumer (0 to factor - 1) whose key range holds the record's partition key."""
    if factor <= 1:
        return 0
    keys = event.get("dynamodb", {}).get("Keys", {})
    value = keys.get(partition_key) if partition_key is not None else None
    # Without the named key (a table read without its schema), the whole key keeps the order.
    identity = json.dumps(value if value is not None else keys, sort_keys=True)
    return zlib.crc32(identity.encode()) % factor
