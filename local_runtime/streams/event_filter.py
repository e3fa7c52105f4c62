"""Lambda event filtering: the EventBridge content-filter patterns of an event source mapping.

A pattern mirrors the event's structure. A leaf is a list of matchers; the leaf matches when
any matcher matches the event's value (or, for an array value, any of its elements). Every key
of the pattern must match. Supported matchers: literal values (string, number, boolean, null),
`prefix`, `suffix`, `equals-ignore-case`, `wildcard`, `exists`, `anything-but` (values, or a
prefix/suffix/equals-ignore-case), `numeric` ranges, `cidr`, and `$or` between sub-patterns.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

_MISSING: Final = object()
_NUMERIC_OPERATORS: Final = {
    "=": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
_OPERATORS: Final = {
    "prefix",
    "suffix",
    "equals-ignore-case",
    "wildcard",
    "exists",
    "anything-but",
    "numeric",
    "cidr",
}


class InvalidPatternError(ValueError):
    """The pattern uses a matcher this filter does not know; Lambda would reject the mapping."""


def matches_any(patterns: Sequence[Mapping[str, Any]], event: Mapping[str, Any]) -> bool:
    """Lambda's rule for FilterCriteria: no filters pass everything, else any filter must match."""
    return not patterns or any(matches(pattern, event) for pattern in patterns)


def matches(pattern: Mapping[str, Any], event: Any) -> bool:
    """Whether `event` (a JSON-like value) matches one pattern."""
    for key, expected in pattern.items():
        if key == "$or":
            if not any(matches(sub_pattern, event) for sub_pattern in expected):
                return False
            continue
        actual = event.get(key, _MISSING) if isinstance(event, Mapping) else _MISSING
        if isinstance(expected, Mapping):
            if not matches(expected, actual if isinstance(actual, Mapping) else {}):
                return False
        elif isinstance(expected, list):
            if not _leaf_matches(expected, actual):
                return False
        else:
            raise InvalidPatternError(f"pattern value for {key!r} must be an object or a list")
    return True


def check_pattern(pattern: Mapping[str, Any]) -> None:
    """Raises InvalidPatternError for a matcher the filter does not support (fail at start)."""
    for key, expected in pattern.items():
        if key == "$or":
            for sub_pattern in expected:
                check_pattern(sub_pattern)
        elif isinstance(expected, Mapping):
            check_pattern(expected)
        elif isinstance(expected, list):
            for matcher in expected:
                if isinstance(matcher, Mapping) and (set(matcher) - _OPERATORS or len(matcher) != 1):
                    raise InvalidPatternError(f"unsupported matcher {matcher!r} under {key!r}")
        else:
            raise InvalidPatternError(f"pattern value for {key!r} must be an object or a list")


def _leaf_matches(matchers: list[Any], actual: Any) -> bool:
    if not matchers:
        raise InvalidPatternError("a pattern leaf needs at least one matcher")
    values: Iterable[Any] = actual if isinstance(actual, list) else [actual]
    for matcher in matchers:
        if isinstance(matcher, Mapping) and "exists" in matcher:
            if (actual is not _MISSING) == bool(matcher["exists"]):
                return True
            continue
        if actual is _MISSING or isinstance(actual, Mapping):
            continue
        if any(_value_matches(matcher, value) for value in values):
            return True
    return False


def _value_matches(matcher: Any, value: Any) -> bool:
    if not isinstance(matcher, Mapping):
        return _equal(matcher, value)
    ((operator, argument),) = matcher.items()
    if operator == "anything-but":
        return not _anything_but_excludes(argument, value)
    if operator == "numeric":
        return _is_number(value) and _numeric(argument, value)
    if operator == "cidr":
        return isinstance(value, str) and _in_network(argument, value)
    return isinstance(value, str) and _string_matches(operator, argument, value)


def _string_matches(operator: str, argument: Any, value: str) -> bool:
    if isinstance(argument, Mapping):  # {"prefix": {"equals-ignore-case": "x"}}
        ((inner, text),) = argument.items()
        if inner != "equals-ignore-case":
            raise InvalidPatternError(f"{operator} does not take {inner}")
        value, argument = value.casefold(), str(text).casefold()
    if operator == "prefix":
        return value.startswith(argument)
    if operator == "suffix":
        return value.endswith(argument)
    if operator == "equals-ignore-case":
        return value.casefold() == str(argument).casefold()
    if operator == "wildcard":
        regex = ".*".join(re.escape(part) for part in str(argument).split("*"))
        return re.fullmatch(regex, value, flags=re.DOTALL) is not None
    raise InvalidPatternError(f"unknown matcher {operator}")


def _anything_but_excludes(argument: Any, value: Any) -> bool:
    """True when `value` is among what `anything-but` names."""
    if isinstance(argument, Mapping):
        ((operator, inner),) = argument.items()
        return isinstance(value, str) and _string_matches(operator, inner, value)
    excluded = argument if isinstance(argument, list) else [argument]
    return any(_equal(item, value) for item in excluded)


def _numeric(conditions: list[Any], value: float) -> bool:
    if len(conditions) % 2:
        raise InvalidPatternError(f"numeric matcher needs operator/number pairs: {conditions!r}")
    for operator, bound in zip(conditions[::2], conditions[1::2], strict=True):
        compare = _NUMERIC_OPERATORS.get(operator)
        if compare is None:
            raise InvalidPatternError(f"unknown numeric operator {operator!r}")
        if not compare(value, bound):
            return False
    return True


def _in_network(network: str, address: str) -> bool:
    try:
        return ipaddress.ip_address(address) in ipaddress.ip_network(network, strict=False)
    except ValueError:
        return False


def _equal(expected: Any, actual: Any) -> bool:
    # Numbers match numerically (5 == 5.0) but never strings or booleans (EventBridge semantics).
    if _is_number(expected) and _is_number(actual):
        return bool(float(expected) == float(actual))
    if type(expected) is not type(actual) and not (expected is None or actual is None):
        return False
    return bool(expected == actual)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
