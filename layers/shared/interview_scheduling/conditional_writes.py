"""Conditional writes and transactions: the one place that knows how DynamoDB says a condition
did not hold, and in which order pynamodb sends a transaction's items.
"""

import random
import time
from collections.abc import Callable
from typing import Any

from pynamodb.exceptions import CancellationReason, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from interview_scheduling import aws_clients
from interview_scheduling.errors import Conflict

# Another transaction held one of the items; DynamoDB asks the caller to try again.
TRANSACTION_CONFLICT = "TransactionConflict"
TRANSACTION_ATTEMPTS = 3


def condition_failed(reason: CancellationReason | None) -> bool:
    """Whether a transaction item was refused by its own condition (not a conflict or an error)."""
    return reason is not None and reason.code == "ConditionalCheckFailed"


def update_if(item: Model, actions: list[Any], condition: Condition) -> bool:
    """Applies the update if `condition` holds; False, and nothing written, if it does not."""
    try:
        item.update(actions=actions, condition=condition)
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


class Refused(Exception):
    """DynamoDB cancelled the transaction because the conditions of these named items failed."""

    def __init__(self, reasons: dict[str, CancellationReason | None]) -> None:
        super().__init__(", ".join(name for name, reason in reasons.items() if condition_failed(reason)))
        self._reasons = reasons

    def refused(self, name: str) -> bool:
        return condition_failed(self._reasons.get(name))

    def item(self, name: str) -> dict[str, Any] | None:
        """The item as it was when `name` refused (items written with ALL_OLD), else None."""
        reason = self._reasons.get(name)
        return reason.raw_item if condition_failed(reason) and reason is not None else None


class Transaction:
    """A TransactWrite whose items have names, so a refusal says which item refused."""

    def __init__(self, write: TransactWrite) -> None:
        self._write = write
        # pynamodb sends condition checks, then deletes, puts and updates, whatever the order
        # they were added in; the cancellation reasons come back in that order.
        self._names: dict[str, list[str]] = {"check": [], "put": [], "update": []}

    def check(
        self, name: str, model: type[Model], hash_key: str, range_key: str | None, condition: Condition
    ) -> None:
        self._names["check"].append(name)
        self._write.condition_check(model, hash_key, range_key, condition=condition)

    def put(self, name: str, item: Model, condition: Condition, *, return_old: bool = False) -> None:
        self._names["put"].append(name)
        self._write.save(item, condition=condition, return_values=_old(return_old))

    def update(
        self, name: str, item: Model, actions: list[Any], condition: Condition, *, return_old: bool = False
    ) -> None:
        self._names["update"].append(name)
        self._write.update(item, actions=actions, condition=condition, return_values=_old(return_old))

    def reasons(self, error: TransactWriteError) -> dict[str, CancellationReason | None]:
        names = [*self._names["check"], *self._names["put"], *self._names["update"]]
        return dict(zip(names, error.cancellation_reasons, strict=True))


def _old(wanted: bool) -> str | None:
    return "ALL_OLD" if wanted else None


def transact(build: Callable[[Transaction], None]) -> None:
    """Runs the transaction `build` describes; raises Refused if a condition failed.

    Tries again while DynamoDB reports a conflicting transaction, then answers 409 busy.
    """
    for attempt in range(1, TRANSACTION_ATTEMPTS + 1):
        try:
            with TransactWrite(connection=aws_clients.transactions()) as write:
                transaction = Transaction(write)
                build(transaction)
            return
        except TransactWriteError as error:
            reasons = transaction.reasons(error)
            if any(condition_failed(reason) for reason in reasons.values()):
                raise Refused(reasons) from error
            if not any(r is not None and r.code == TRANSACTION_CONFLICT for r in reasons.values()):
                raise
            if attempt == TRANSACTION_ATTEMPTS:
                raise Conflict(
                    "busy", "a concurrent change held the same slot or candidate; try again"
                ) from error
            time.sleep(random.uniform(0.01, 0.05) * attempt)  # noqa: S311 - jitter, not a secret
