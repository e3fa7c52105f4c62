"""Pages of a list: one DynamoDB Query on one index per page, and the cursor that continues it.

A cursor is opaque to clients: the position after the last item of its page, with a digest of
the query that made it (the list, the organisation and every filter). It continues only that
query: with another organisation, list or filter it is refused. It is not a secret and need
not be: the partition a page reads comes from the caller's token and the path, never from the
cursor, so no cursor can reach another organisation's items.

A page asks DynamoDB for one item more than `limit`, so the last page says it is the last
(`next_cursor` null) instead of leaving an empty page to fetch. A page holds fewer than `limit`
items while more follow only when DynamoDB stops at 1 MB, or when a filter dropped what the page
read (lists filter only what their index makes rare: bookable_slot's closed slots).
"""

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from pynamodb.attributes import Attribute
from pynamodb.expressions.condition import Condition
from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.models import Model

from interview_scheduling.errors import BadRequest, RuleViolation
from interview_scheduling.listing_keys import instant

DEFAULT_LIMIT = 25
MAX_LIMIT = 100
# Far above any cursor this API makes (a few key values), so a flood is refused before decoding.
MAX_CURSOR_LENGTH = 1024

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Page(Generic[M]):
    items: list[M]
    next_cursor: str | None


@dataclass(frozen=True)
class TimeRange:
    """From `start` (included) to `end` (left out); either may be open."""

    start: datetime | None = None
    end: datetime | None = None

    def __post_init__(self) -> None:
        for bound in (self.start, self.end):
            _bound(bound)  # each must be an instant this API can order by
        if self.start is not None and self.end is not None and self.start > self.end:
            raise RuleViolation("invalid_time_range", "`from` must not be after `to`")

    def condition(self, sort_key: Attribute[str]) -> Condition | None:
        """The range as a key condition on a sort key of "{instant}#{id}" values."""
        start, end = _bound(self.start), _bound(self.end)
        if start is not None and end is not None:
            # "{end}#id" sorts after "{end}", so BETWEEN leaves out items at `end` itself.
            return sort_key.between(start, end)
        if start is not None:
            return sort_key >= start
        if end is not None:
            return sort_key < end
        return None


def _bound(at: datetime | None) -> str | None:
    if at is None:
        return None
    try:
        return instant(at)
    except OverflowError as error:  # an offset that moves the year past 9999 or before 1
        raise RuleViolation("invalid_time", "that time is outside the range this API takes") from error


@dataclass(frozen=True)
class Query:
    """What a page answers: the list, the caller's organisation and every filter, as given."""

    name: str
    org: str
    filters: Mapping[str, object]

    def digest(self) -> str:
        parts = {"list": self.name, "org": self.org, **{k: _text(v) for k, v in self.filters.items()}}
        canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def _text(value: object) -> str | None:
    if value is None:
        return None
    return instant(value) if isinstance(value, datetime) else str(value)


def page(
    index: GlobalSecondaryIndex[M],
    partition: str,
    *,
    query: Query,
    limit: int,
    cursor: str | None,
    range_condition: Condition | None = None,
    filter_condition: Condition | None = None,
) -> Page[M]:
    """One page: one Query on `index` in `partition`, from where `cursor` left off."""
    key_names = _key_names(index)
    start = None
    if cursor is not None:
        start = {**_position(cursor, query.digest(), key_names), key_names.hash: {"S": partition}}
    results = index.query(
        partition,
        range_key_condition=range_condition,
        filter_condition=filter_condition,
        page_size=limit + 1,
        last_evaluated_key=start,
    )
    response = next(results.page_iter)  # exactly one request, whatever it returns
    raw_items: list[dict[str, Any]] = response.get("Items", [])
    model = index._model
    if len(raw_items) > limit:
        raw_items = raw_items[:limit]
        after: dict[str, Any] | None = {name: raw_items[-1][name] for name in key_names.all}
    else:
        after = response.get("LastEvaluatedKey")
    items = [model.from_raw_data(item) for item in raw_items]
    return Page(items, _cursor(query.digest(), after, key_names) if after else None)


@dataclass(frozen=True)
class _KeyNames:
    hash: str
    all: tuple[str, ...]  # the index's keys and the table's: what a position is made of

    @property
    def position(self) -> frozenset[str]:
        return frozenset(self.all) - {self.hash}


def _key_names(index: GlobalSecondaryIndex[Any]) -> _KeyNames:
    attributes = index.Meta.attributes.values()
    hash_key = next(a.attr_name for a in attributes if a.is_hash_key)
    range_keys = [a.attr_name for a in attributes if a.is_range_key]
    model = index._model
    table_keys = [model._hash_keyname, *([model._range_keyname] if model._range_keyname else [])]
    return _KeyNames(hash=hash_key, all=tuple(dict.fromkeys([hash_key, *range_keys, *table_keys])))


def _cursor(digest: str, after: dict[str, Any], key_names: _KeyNames) -> str:
    position = {name: after[name]["S"] for name in sorted(key_names.position)}
    body = json.dumps({"q": digest, "p": position}, sort_keys=True, separators=(",", ":")).encode()
    return f"{_b64(body)}.{_b64(_checksum(body))}"


def _position(cursor: str, digest: str, key_names: _KeyNames) -> dict[str, dict[str, str]]:
    """The start key `cursor` holds for this query; BadRequest for any other cursor."""
    invalid = BadRequest("invalid_cursor", "the cursor is not one this list gave for these filters")
    try:
        encoded_body, _, encoded_sum = cursor.partition(".")
        body = _unb64(encoded_body)
        if _unb64(encoded_sum) != _checksum(body):
            raise invalid
        decoded = json.loads(body)
        position = decoded["p"]
        valid = (
            decoded["q"] == digest
            and isinstance(position, dict)
            and set(position) == key_names.position
            and all(isinstance(value, str) and 0 < len(value) <= 256 for value in position.values())
        )
    except (binascii.Error, ValueError, KeyError, TypeError) as error:
        raise invalid from error
    if not valid:
        raise invalid
    return {name: {"S": value} for name, value in position.items()}


def _checksum(body: bytes) -> bytes:
    """Catches a cursor changed or cut on its way back (not a signature: see the module's note)."""
    return hashlib.sha256(b"cursor\x1f" + body).digest()[:12]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
