"""Conditional writes: the one place that knows how DynamoDB says a condition did not hold."""

from typing import Any, TypeGuard

from pynamodb.exceptions import CancellationReason, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model


def condition_failed(reason: CancellationReason | None) -> TypeGuard[CancellationReason]:
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
