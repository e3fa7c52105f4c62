"""DynamoDB transactions in moto made all-or-nothing, as DynamoDB's are.

moto applies a transaction's writes one by one. When a later condition fails it restores deep
copies of the tables, but the writes already made have emitted stream records by then, and
the restored copies hold new stream shards, so a cancelled booking appeared on the stream as a
phantom INSERT and readers holding an iterator lost the shard. An error while writing (an
`ADD` on a string) was worse: it left the earlier writes in place. A missing key attribute
raised a bare KeyError, which moto answers with a 500.

Here a transaction runs in two passes, as the TransactWriteItems reference describes it
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html):

1. Every item is checked and its result computed on a copy, writing nothing. A request that is
   malformed whatever the data (a key that does not match the table's schema, an expression
   that does not parse or names an undefined value, two actions on one item) is refused with a
   ValidationException. A condition that does not hold, or an update that cannot apply to the
   item as it is (the ValidationError reason: "An operand in the update expression has an
   incorrect data type", ...), cancels the whole transaction with TransactionCanceledException
   and one reason per item, "None" where the item was fine.
2. Only when every item passed are the computed items written, each once.

Requests to the embedded AWS are serialised, so nothing changes between the two passes.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Final

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    AttributeIsReservedKeyword,
    DuplicateUpdateExpression,
    ExpressionAttributeNameNotDefined,
    ExpressionAttributeValueNotDefined,
    ExpressionAttributeValuesEmpty,
    InvalidExpressionAttributeNameKey,
    ItemSizeTooLarge,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
    UpdateExprSyntaxError,
    UpdateHashRangeKeyException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table
from moto.dynamodb.parsing.executors import UpdateExpressionExecutor
from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]
from moto.dynamodb.parsing.validators import UpdateExpressionValidator

MAX_ITEMS: Final = 100
OPERATIONS: Final = frozenset({"ConditionCheck", "Put", "Delete", "Update"})
KEY_MISMATCH: Final = "The provided key element does not match the schema"
_CONDITION_FAILED: Final = ("ConditionalCheckFailed", "The conditional request failed")
_TOO_LARGE: Final = "Item size to update has exceeded the maximum allowed size"
# What is wrong with the request itself, whatever the items hold: the whole request is refused.
_MALFORMED_EXPRESSION: Final = (
    AttributeIsReservedKeyword,
    DuplicateUpdateExpression,
    ExpressionAttributeNameNotDefined,
    ExpressionAttributeValueNotDefined,
    ExpressionAttributeValuesEmpty,
    InvalidExpressionAttributeNameKey,
    UpdateExprSyntaxError,
    UpdateHashRangeKeyException,
)

Reason = tuple[Any, Any, Any]  # (code, message, item) as moto's TransactionCanceledException takes them
_NO_REASON: Final[Reason] = (None, None, None)


@dataclass
class _Write:
    """One item of the transaction: what it will leave behind, or why it cancels the transaction."""

    table: Table
    op_type: str
    key: tuple[DynamoType, DynamoType | None]
    result: Item | None = None  # the item after a Put or Update; None for Delete and ConditionCheck
    reason: Reason = _NO_REASON


def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    if len(transact_items) > MAX_ITEMS:
        raise TooManyTransactionsException()
    writes = _plan(self, transact_items)
    if any(write.reason != _NO_REASON for write in writes):
        raise TransactionCanceledException([write.reason for write in writes])
    for write in writes:
        _commit(write)


def _plan(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> list[_Write]:
    """The first pass: every item checked and computed on a copy; nothing is written."""
    targets: set[tuple[str, DynamoType, DynamoType | None]] = set()
    writes = []
    for entry in transact_items:
        if len(entry) != 1:
            raise TransactWriteSingleOpException
        op_type, op = next(iter(entry.items()))
        if op_type not in OPERATIONS:
            raise MockValidationException(f"Unsupported transaction operation: {op_type}")
        table = backend.get_table(op["TableName"])
        key = _key(table, op_type, op)
        if (table.name, *key) in targets:
            raise MultipleTransactionsException()
        targets.add((table.name, *key))
        parsed = _parsed_update(op) if op_type == "Update" else None
        current = table.get_item(*key)
        write = _Write(table, op_type, key)
        writes.append(write)
        names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
        condition = op.get("ConditionExpression")
        if condition is not None and not get_filter_expression(condition, names, values).expr(current):
            wants_item = op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD"
            old_item = current.to_json()["Attributes"] if wants_item and current is not None else None
            write.reason = (*_CONDITION_FAILED, old_item)
            continue
        if op_type == "Put":
            table._validate_item_types(op["Item"])
            table._validate_key_sizes(op["Item"])
            write.result = _item(key, op["Item"])
        elif parsed is not None:
            write.result, write.reason = _updated(table, key, current, parsed, op)
    return writes


def _key(table: Table, op_type: str, op: dict[str, Any]) -> tuple[DynamoType, DynamoType | None]:
    """The item's primary key, checked against the table's schema (ValidationException if not)."""
    key_names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
    key_types = [table.hash_key_type] + ([table.range_key_type] if table.range_key_attr else [])
    if op_type == "Put":
        attributes = op.get("Item") or {}
        for name in key_names:
            if name not in attributes:
                raise MockValidationException(
                    f"One or more parameter values were invalid: Missing the key {name} in the item"
                )
    else:
        attributes = op.get("Key") or {}
        if set(attributes) != set(key_names):
            raise MockValidationException(KEY_MISMATCH)
    values = [DynamoType(attributes[name]) for name in key_names]
    for name, value, expected in zip(key_names, values, key_types, strict=True):
        if value.type != expected:
            raise MockValidationException(
                f"One or more parameter values were invalid: Type mismatch for key {name} "
                f"expected: {expected} actual: {value.type}"
            )
    return values[0], values[1] if len(values) > 1 else None


def _parsed_update(op: dict[str, Any]) -> Any:
    if not op.get("UpdateExpression"):
        raise MockValidationException("Invalid UpdateExpression: The expression can not be empty;")
    return UpdateExpressionParser.make(op["UpdateExpression"])


def _item(key: tuple[DynamoType, DynamoType | None], attributes: dict[str, Any]) -> Item:
    return Item(key[0], key[1], attributes)


def _updated(
    table: Table,
    key: tuple[DynamoType, DynamoType | None],
    current: Item | None,
    parsed: Any,
    op: dict[str, Any],
) -> tuple[Item | None, Reason]:
    """The item an Update leaves, computed on a copy; or the ValidationError reason it cancels with."""
    names = op.get("ExpressionAttributeNames") or {}
    if current is not None:
        draft = copy.deepcopy(current)
    else:
        # An update of a missing item creates it from its key.
        key_attributes = {table.hash_key_attr: key[0].to_json()}
        if table.range_key_attr is not None and key[1] is not None:
            key_attributes[table.range_key_attr] = key[1].to_json()
        draft = _item(key, key_attributes)
    try:
        validated = UpdateExpressionValidator(
            parsed,
            expression_attribute_names=names,
            expression_attribute_values=op.get("ExpressionAttributeValues") or {},
            item=draft,
            table=table,
        ).validate()
        validated.normalize()
        UpdateExpressionExecutor(validated, draft, names).execute()
    except _MALFORMED_EXPRESSION:
        raise
    except ItemSizeTooLarge:
        return None, ("ValidationError", _TOO_LARGE, None)
    except MockValidationException as error:
        return None, ("ValidationError", error.exception_msg, None)
    return draft, _NO_REASON


def _commit(write: _Write) -> None:
    """The second pass: one write per item, each with the stream record DynamoDB would emit."""
    if write.op_type in ("Put", "Update") and write.result is not None:
        write.table.put_item(write.result.to_json()["Attributes"])
    elif write.op_type == "Delete":
        write.table.delete_item(*write.key)


def install() -> None:
    """Replaces moto's transact_write_items for this process; safe to call more than once."""
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
