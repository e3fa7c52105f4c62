"""An event bus (the default one, or one of the template's), as EventBridge runs the template's
rules on it.

An event that matches a rule's EventPattern goes to each of the rule's targets; a Lambda target
is invoked asynchronously, so the function's own retries and on-failure destination apply. A
target that cannot take the event is retried by the target's RetryPolicy, then sent to its
DeadLetterConfig queue with the event as the body and EventBridge's attributes RULE_ARN,
TARGET_ARN, ERROR_CODE and ERROR_MESSAGE
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html). Locally a target can
only be unavailable while the runtime stops, which no retry would outlast: it is dead-lettered
at once.

Patterns are matched by local_runtime.streams.event_filter, written for Lambda's filter rules,
which are EventBridge's pattern syntax; any part of it that is not implemented there is refused
when the rules are bound, before any event is read.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from local_runtime.streams.event_filter import InvalidPatternError, check_pattern, matches
from local_runtime.template import Resolver, RuleTarget, StackTemplate

log = logging.getLogger("local_runtime.eventbridge")


class TargetUnavailable(Exception):
    """The target could not take the event (no such function, or the runtime is stopping)."""


@dataclass(frozen=True)
class BoundRule:
    """A rule of the default bus with its pattern resolved (Refs replaced by local names)."""

    rule_id: str
    arn: str
    pattern: Mapping[str, Any]
    targets: tuple[RuleTarget, ...]


def bind_rules(template: StackTemplate, resolver: Resolver, bus: str = "default") -> list[BoundRule]:
    """The template's enabled rules on `bus` ("default", or a bus's logical id); refuses a pattern
    EventBridge would take but this bus cannot match."""
    rules = []
    for rule in template.event_rules():
        if not rule.enabled or rule.event_bus != bus:
            continue
        pattern = resolver.resolve(rule.pattern)
        try:
            check_pattern(pattern)
        except InvalidPatternError as error:
            raise InvalidPatternError(f"rule {rule.rule_id}: {error}") from error
        rules.append(BoundRule(rule.rule_id, resolver.get_att(rule.rule_id, "Arn"), pattern, rule.targets))
    return rules


Deliver = Callable[[str, bytes, str], None]  # function id, payload, request id
DeadLetter = Callable[[str, str, Mapping[str, str]], None]  # queue id, body, message attributes


class EventBus:
    def __init__(
        self, rules: Iterable[BoundRule], deliver: Deliver, dead_letter: DeadLetter | None = None
    ) -> None:
        self.rules = list(rules)
        self._deliver = deliver
        self._dead_letter = dead_letter
        self.delivered = 0

    def put_events(self, events: Iterable[Mapping[str, Any]]) -> int:
        """Routes each event to the targets of every rule it matches; returns how many it reached."""
        reached = 0
        for event in events:
            for rule in self.rules:
                if matches(rule.pattern, event):
                    reached += sum(self._to_target(rule, target, event) for target in rule.targets)
        self.delivered += reached
        return reached

    def _to_target(self, rule: BoundRule, target: RuleTarget, event: Mapping[str, Any]) -> bool:
        body = json.dumps(event)
        try:
            if target.function_id is None:
                raise TargetUnavailable(f"target {target.target_id} is not a function of the template")
            self._deliver(target.function_id, body.encode(), str(event.get("id", "")))
        except TargetUnavailable as error:
            log.warning(
                "rule %s: target %s unavailable (%s)%s",
                rule.rule_id,
                target.target_id,
                error,
                " -> dead-letter queue" if target.dead_letter_queue_id else "",
            )
            if target.dead_letter_queue_id and self._dead_letter is not None:
                attributes = {
                    "RULE_ARN": rule.arn,
                    "TARGET_ARN": target.function_id or target.target_id,
                    "ERROR_CODE": "TargetUnavailable",
                    "ERROR_MESSAGE": str(error),
                }
                self._dead_letter(target.dead_letter_queue_id, body, attributes)
            return False
        return True


# The default bus is one bus among others; the name stays for what routes SES's events.
DefaultEventBus = EventBus
