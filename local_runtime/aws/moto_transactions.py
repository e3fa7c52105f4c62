"""DynamoDB transactions in moto made all-or-nothing for streams too.

moto applies a transaction's writes one by one and, when a later condition fails, restores
deep copies of the tables. The writes already made have emitted stream records by then, and
the restored copies hold new stream shards, so a cancelled booking appeared on the stream as a
phantom INSERT and readers holding an iterator lost the shard. Here every condition is checked
first and nothing is written unless all hold, as in DynamoDB. Requests to the embedded AWS are
serialised, so nothing can change between the check and the writes.
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend

MAX_ITEMS = 100
_CONDITION_FAILED = ("ConditionalCheckFailed", "The conditional request failed")


def _key(backend: DynamoDBBackend, op_type: str, op: dict[str, Any]) -> dict[str, Any]:
    if op_type != "Put":
        return op["Key"]  # type: ignore[no-any-return]
    table = backend.get_table(op["TableName"])
    key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = op["Item"][table.range_key_attr]
    return key


def _reasons(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> list[tuple[Any, Any, Any]]:
    """Each item's cancellation reason, or (None, None, None) where its condition holds."""
    targets: set[str] = set()
    reasons: list[tuple[Any, Any, Any]] = []
    for item in transact_items:
        if len(item) > 1:
            raise TransactWriteSingleOpException
        op_type, op = next(iter(item.items()))
        key = _key(backend, op_type, op)
        target = f"{op['TableName']}/{sorted(key.items())}"
        if target in targets:
            raise MultipleTransactionsException()
        targets.add(target)
        current = backend.get_item(op["TableName"], key)
        condition = op.get("ConditionExpression")
        holds = condition is None or get_filter_expression(
            condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
        ).expr(current)
        if holds:
            reasons.append((None, None, None))
            continue
        wants_item = op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD"
        old_item = current.to_json()["Attributes"] if wants_item and current is not None else None
        reasons.append((*_CONDITION_FAILED, old_item))
    return reasons


def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    if len(transact_items) > MAX_ITEMS:
        raise TooManyTransactionsException()
    reasons = _reasons(self, transact_items)
    if any(code is not None for code, _, _ in reasons):
        raise TransactionCanceledException(reasons)
    for item in transact_items:
        op_type, op = next(iter(item.items()))
        names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
        if op_type == "Put":
            self.put_item(
                op["TableName"],
                op["Item"],
                expression_attribute_names=names,
                expression_attribute_values=values,
            )
        elif op_type == "Delete":
            self.delete_item(
                op["TableName"],
                op["Key"],
                expression_attribute_names=names,
                expression_attribute_values=values,
            )
        elif op_type == "Update":
            self.update_item(
                op["TableName"],
                op["Key"],
                update_expression=op["UpdateExpression"],
                expression_attribute_names=names,
                expression_attribute_values=values,
            )


def install() -> None:
    """Replaces moto's transact_write_items for this process; safe to call more than once."""
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
