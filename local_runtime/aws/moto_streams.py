"""DynamoDB Streams GetRecords in moto, answered as the JSON it is, not through moto's generic
serializer.

moto (5.x) builds every DynamoDB Streams answer by walking the service model shape by shape. For
GetRecords that walk goes through each attribute value of each record's old and new image: about
200 ms for 100 records of 25 attributes, where the records are already DynamoDB JSON (moto's
`StreamRecord.to_json()`) and need only `json.dumps`. The answer is the same document, with the
values that are not JSON as the JSON protocol sends them: a record's `ApproximateCreationDateTime`
as epoch seconds to the millisecond, binary attributes as base64. An unknown iterator goes the way
moto takes it; tests/local_runtime/test_moto_streams.py compares both answers.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

_ORIGINAL = "_original_get_records"
DEFAULT_LIMIT = 1000  # moto's, when the request names none


def install() -> None:
    """Replaces moto's GetRecords answer for this process; safe to call more than once."""
    if not hasattr(DynamoDBStreamsHandler, _ORIGINAL):
        setattr(DynamoDBStreamsHandler, _ORIGINAL, DynamoDBStreamsHandler.get_records)
        DynamoDBStreamsHandler.get_records = _get_records  # type: ignore[method-assign,assignment]


def _get_records(self: DynamoDBStreamsHandler) -> str:
    limit = self._get_param("Limit")
    iterator = self._get_param("ShardIterator")
    result = self.backend.get_records(iterator, DEFAULT_LIMIT if limit is None else limit)
    return json.dumps(result, default=_as_json)


def _as_json(value: Any) -> float | str:
    """The JSON protocol's form of the values moto keeps that JSON has no type for."""
    if isinstance(value, datetime):
        # A timestamp: epoch seconds, to the millisecond as moto's serializer sends it (moto keeps
        # naive UTC times).
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.replace(microsecond=moment.microsecond // 1000 * 1000).timestamp()
    if isinstance(value, bytes):  # a binary attribute: base64
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"{type(value).__name__} is not JSON")
