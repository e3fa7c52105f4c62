"""Lambda event filtering: the FilterCriteria patterns of an event source mapping.

Exactly the filter rule syntax the Lambda developer guide documents ("Control which events
Lambda sends to your function"), and nothing more, so a pattern that works here works there:

    null              "UserID": [null]
    empty             "LastName": [""]
    equals            "Name": ["Alice"]           (a string, number or boolean)
    equals-ignore-case "Name": [{"equals-ignore-case": "alice"}]
    and               several keys in one pattern
    or                several matchers in one list, or "$or": [pattern, ...]
    not               "Weather": [{"anything-but": ["Raining", ...]}]
    numeric           "Price": [{"numeric": ["=", 100]}], [{"numeric": [">", 10, "<=", 20]}]
    exists            "ProductName": [{"exists": true}]
    does not exist    "ProductName": [{"exists": false}]
    begins with       "Region": [{"prefix": "us-"}]
    ends with         "FileName": [{"suffix": ".png"}]

A pattern mirrors the event's structure. A leaf is a list of matchers; the leaf matches when
any matcher matches the event's value (or, for an array value, any of its elements). Every key
of the pattern must match. `check_pattern` refuses anything else (wildcard, cidr, the prefix or
suffix forms of anything-but, ...) before any record is read; `matches` assumes a checked
pattern.

For DynamoDB streams the guide adds: "DynamoDB event source mappings only support filtering on
the `dynamodb` key" (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb-filtering.html).
A pattern on another key (`eventName`) is matched here as written, with a warning at start,
since AWS does not promise to.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final

from local_runtime.template import StreamSource

DYNAMODB_FILTER_KEY: Final = "dynamodb"
_MISSING: Final = object()
_NUMERIC_OPERATORS: Final[Mapping[str, Callable[[float, float], bool]]] = {
    "=": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
_STRING_MATCHERS: Final[Mapping[str, Callable[[str, str], bool]]] = {
    "prefix": str.startswith,
    "suffix": str.endswith,
    "equals-ignore-case": lambda value, text: value.casefold() == text.casefold(),
}
_LOWER_BOUNDS: Final = {">", ">="}
_UPPER_BOUNDS: Final = {"<", "<="}

log = logging.getLogger("local_runtime.stream")


class InvalidPatternError(ValueError):
    """The pattern is not in Lambda's filter rule syntax; Lambda would reject the mapping."""


def check_filter_criteria(sources: Iterable[StreamSource]) -> None:
    """Refuses, before anything starts, a mapping whose FilterCriteria Lambda would not accept."""
    for source in sources:
        for index, pattern in enumerate(source.filter_patterns):
            try:
                check_pattern(pattern)
            except InvalidPatternError as error:
                raise InvalidPatternError(
                    f"event source mapping {source.function_id}.{source.event_id} "
                    f"({source.table_id} stream), filter {index + 1}: {error}"
                ) from error
            outside = undocumented_keys(pattern)
            if outside:
                log.warning(
                    "event source mapping %s.%s, filter %d filters on %s: DynamoDB mappings only "
                    "support filtering on the `%s` key (Lambda developer guide, with-ddb-filtering)",
                    source.function_id,
                    source.event_id,
                    index + 1,
                    ", ".join(outside),
                    DYNAMODB_FILTER_KEY,
                )


def undocumented_keys(pattern: Mapping[str, Any]) -> list[str]:
    """The top-level keys of a DynamoDB stream filter other than `dynamodb`, `$or` branches included."""
    keys: list[str] = []
    for key, expected in pattern.items():
        if key == "$or":
            keys += [k for branch in expected for k in undocumented_keys(branch) if k not in keys]
        elif key != DYNAMODB_FILTER_KEY and key not in keys:
            keys.append(str(key))
    return keys


def matches_any(patterns: Sequence[Mapping[str, Any]], event: Mapping[str, Any]) -> bool:
    """Lambda's rule for FilterCriteria: no filters pass everything, else any filter must match."""
    return not patterns or any(matches(pattern, event) for pattern in patterns)


def matches(pattern: Mapping[str, Any], event: Any) -> bool:
    """Whether `event` (a JSON-like value) matches one checked pattern."""
    for key, expected in pattern.items():
        if key == "$or":
            if not any(matches(sub_pattern, event) for sub_pattern in expected):
                return False
            continue
        actual = event.get(key, _MISSING) if isinstance(event, Mapping) else _MISSING
        if isinstance(expected, Mapping):
            if not matches(expected, actual if isinstance(actual, Mapping) else {}):
                return False
        elif not _leaf_matches(expected, actual):
            return False
    return True


def check_pattern(pattern: Any, path: str = "") -> None:
    """Raises InvalidPatternError, naming where, for anything outside the filter rule syntax."""
    if not isinstance(pattern, Mapping):
        raise InvalidPatternError(f"{path or 'the pattern'} must be an object")
    for key, expected in pattern.items():
        where = f"{path}.{key}" if path else str(key)
        if key == "$or":
            if not isinstance(expected, list) or not expected:
                raise InvalidPatternError(f"{where} needs a list of patterns")
            for index, sub_pattern in enumerate(expected):
                check_pattern(sub_pattern, f"{where}[{index}]")
        elif isinstance(expected, Mapping):
            check_pattern(expected, where)
        elif isinstance(expected, list):
            if not expected:
                raise InvalidPatternError(f"{where} needs at least one matcher")
            for matcher in expected:
                _check_matcher(matcher, where)
        else:
            raise InvalidPatternError(f"{where} must be an object or a list of matchers")


def _check_matcher(matcher: Any, where: str) -> None:
    if _is_literal(matcher):
        return
    if not isinstance(matcher, Mapping) or len(matcher) != 1:
        raise InvalidPatternError(f"unsupported matcher {matcher!r} under {where}")
    ((operator, argument),) = matcher.items()
    valid = {
        "equals-ignore-case": isinstance(argument, str),
        "prefix": isinstance(argument, str),
        "suffix": isinstance(argument, str),
        "exists": isinstance(argument, bool),
        "anything-but": isinstance(argument, list)
        and bool(argument)
        and all(isinstance(item, str) or _is_number(item) for item in argument),
        "numeric": _valid_numeric(argument),
    }.get(str(operator))
    if valid is None:
        raise InvalidPatternError(f"unsupported matcher {operator!r} under {where}")
    if not valid:
        raise InvalidPatternError(f"{operator} under {where} does not take {argument!r}")


def _valid_numeric(conditions: Any) -> bool:
    """One comparison, or a range: a lower and an upper bound."""
    if not isinstance(conditions, list) or len(conditions) not in (2, 4):
        return False
    operators, bounds = conditions[::2], conditions[1::2]
    if not all(op in _NUMERIC_OPERATORS for op in operators) or not all(map(_is_number, bounds)):
        return False
    if len(operators) == 1:
        return True
    lower = [op for op in operators if op in _LOWER_BOUNDS]
    upper = [op for op in operators if op in _UPPER_BOUNDS]
    return len(lower) == 1 and len(upper) == 1


def _leaf_matches(matchers: list[Any], actual: Any) -> bool:
    values: Iterable[Any] = actual if isinstance(actual, list) else [actual]
    for matcher in matchers:
        if isinstance(matcher, Mapping) and "exists" in matcher:
            if (actual is not _MISSING) == matcher["exists"]:
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
        return not any(_equal(item, value) for item in argument)
    if operator == "numeric":
        return _is_number(value) and _numeric(argument, value)
    return isinstance(value, str) and _STRING_MATCHERS[operator](value, argument)


def _numeric(conditions: list[Any], value: float) -> bool:
    pairs = zip(conditions[::2], conditions[1::2], strict=True)
    return all(_NUMERIC_OPERATORS[operator](value, bound) for operator, bound in pairs)


def _equal(expected: Any, actual: Any) -> bool:
    # Numbers match numerically (5 == 5.0) but never strings or booleans (EventBridge semantics).
    if _is_number(expected) and _is_number(actual):
        return bool(float(expected) == float(actual))
    if type(expected) is not type(actual) and not (expected is None or actual is None):
        return False
    return bool(expected == actual)


def _is_literal(value: Any) -> bool:
    return value is None or isinstance(value, str | bool | int | float)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
