"""Lambda's FilterCriteria patterns, as the stream pollers apply them to DynamoDB records."""

import logging
from dataclasses import replace
from typing import Any

import pytest

from local_runtime.streams.event_filter import (
    InvalidPatternError,
    check_filter_criteria,
    check_pattern,
    matches,
    matches_any,
    undocumented_keys,
)

RECORD: dict[str, Any] = {
    "eventName": "MODIFY",
    "eventSource": "aws:dynamodb",
    "dynamodb": {
        "Keys": {"interview_id": {"S": "int-1"}},
        "NewImage": {
            "interview_id": {"S": "int-1"},
            "status": {"S": "SCHEDULED"},
            "revision": {"N": "3"},
            "tags": {"SS": ["urgent", "remote"]},
        },
        "OldImage": {"interview_id": {"S": "int-1"}, "status": {"S": "PENDING"}},
        "SizeBytes": 120,
    },
}


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"eventName": ["INSERT", "MODIFY"]}, True),
        ({"eventName": ["REMOVE"]}, False),
        ({"dynamodb": {"NewImage": {"status": {"S": ["SCHEDULED"]}}}}, True),
        ({"dynamodb": {"NewImage": {"status": {"S": ["CANCELLED"]}}}}, False),
        ({"dynamodb": {"NewImage": {"tags": {"SS": ["remote"]}}}}, True),
        ({"dynamodb": {"NewImage": {"status": {"S": [{"prefix": "SCHED"}]}}}}, True),
        ({"dynamodb": {"NewImage": {"status": {"S": [{"prefix": "CANC"}]}}}}, False),
        ({"dynamodb": {"NewImage": {"status": {"S": [{"suffix": "ULED"}]}}}}, True),
        ({"dynamodb": {"NewImage": {"status": {"S": [{"equals-ignore-case": "scheduled"}]}}}}, True),
        ({"dynamodb": {"NewImage": {"session_key": [{"exists": False}]}}}, True),
        ({"dynamodb": {"NewImage": {"session_key": [{"exists": True}]}}}, False),
        ({"dynamodb": {"OldImage": {"status": [{"exists": True}]}}}, True),
        ({"dynamodb": {"NewImage": {"status": {"S": [{"anything-but": ["CANCELLED"]}]}}}}, True),
        ({"dynamodb": {"NewImage": {"missing": {"S": [{"anything-but": ["x"]}]}}}}, False),
        ({"dynamodb": {"SizeBytes": [{"numeric": [">", 100, "<=", 120]}]}}, True),
        ({"dynamodb": {"SizeBytes": [{"numeric": ["<", 100]}]}}, False),
        ({"dynamodb": {"SizeBytes": [120.0]}}, True),
        ({"dynamodb": {"SizeBytes": ["120"]}}, False),
        ({"$or": [{"eventName": ["INSERT"]}, {"eventSource": ["aws:dynamodb"]}]}, True),
        ({"$or": [{"eventName": ["INSERT"]}, {"eventName": ["REMOVE"]}]}, False),
        ({"eventName": ["MODIFY"], "dynamodb": {"NewImage": {"status": {"S": ["CANCELLED"]}}}}, False),
        ({}, True),
    ],
)
def test_pattern_matches_like_lambda(pattern, expected):
    assert matches(pattern, RECORD) is expected


def test_leaf_pattern_does_not_match_an_object():
    assert not matches({"dynamodb": ["anything"]}, RECORD)


def test_no_filters_pass_everything_and_any_filter_may_match():
    assert matches_any([], RECORD)
    assert matches_any([{"eventName": ["INSERT"]}, {"eventName": ["MODIFY"]}], RECORD)
    assert not matches_any([{"eventName": ["INSERT"]}, {"eventName": ["REMOVE"]}], RECORD)


@pytest.mark.parametrize(
    "pattern",
    [
        {"eventName": "INSERT"},
        {"eventName": [{"regex": ".*"}]},
        {"eventName": [{"prefix": "I", "suffix": "T"}]},
        {"$or": [{"eventName": [{"unknown": 1}]}]},
        # Beyond Lambda's filter rule syntax, though EventBridge knows them.
        {"dynamodb": {"NewImage": {"status": {"S": [{"wildcard": "SCH*LED"}]}}}},
        {"sourceIp": [{"cidr": "10.0.0.0/16"}]},
        {"dynamodb": {"NewImage": {"status": {"S": [{"anything-but": "SCHEDULED"}]}}}},
        {"dynamodb": {"NewImage": {"status": {"S": [{"anything-but": {"prefix": "SCH"}}]}}}},
        {"dynamodb": {"NewImage": {"status": {"S": [{"anything-but": {"suffix": "LED"}}]}}}},
        {"dynamodb": {"NewImage": {"status": {"S": [{"anything-but": {"equals-ignore-case": "x"}}]}}}},
        {"dynamodb": {"NewImage": {"status": {"S": [{"prefix": {"equals-ignore-case": "sch"}}]}}}},
        {"dynamodb": {"NewImage": {"status": {"S": [{"suffix": {"equals-ignore-case": "led"}}]}}}},
        # Matchers given the wrong kind of argument.
        {"eventName": [{"exists": "yes"}]},
        {"eventName": [{"prefix": 1}]},
        {"eventName": [{"anything-but": []}]},
        {"eventName": [{"anything-but": [{"prefix": "I"}]}]},
        {"size": [{"numeric": [">", "10"]}]},
        {"size": [{"numeric": ["!=", 10]}]},
        {"size": [{"numeric": [">", 10, ">", 20]}]},
        {"size": [{"numeric": [">", 10, "<", 20, "<", 30]}]},
        {"eventName": []},
        {"$or": []},
        {"$or": {"eventName": ["INSERT"]}},
    ],
)
def test_unsupported_patterns_are_refused_at_start(pattern):
    with pytest.raises(InvalidPatternError):
        check_pattern(pattern)


@pytest.mark.parametrize(
    ("pattern", "event", "expected"),
    [
        ({"UserID": [None]}, {"UserID": None}, True),
        ({"UserID": [None]}, {"UserID": "u-1"}, False),
        ({"UserID": [None]}, {}, False),
        ({"LastName": [""]}, {"LastName": ""}, True),
        ({"LastName": [""]}, {"LastName": "Raman"}, False),
        ({"PaymentType": ["Credit", "Debit"]}, {"PaymentType": "Debit"}, True),
        ({"Location": ["New York"], "Day": ["Monday"]}, {"Location": "New York", "Day": "Monday"}, True),
        ({"Location": ["New York"], "Day": ["Monday"]}, {"Location": "New York", "Day": "Friday"}, False),
        ({"Weather": [{"anything-but": ["Raining", "Snowing"]}]}, {"Weather": "Sunny"}, True),
        ({"Weather": [{"anything-but": ["Raining", "Snowing"]}]}, {"Weather": "Snowing"}, False),
        ({"Price": [{"numeric": ["=", 100]}]}, {"Price": 100}, True),
        ({"Price": [{"numeric": ["=", 100]}]}, {"Price": "100"}, False),
        ({"Price": [{"numeric": [">", 10, "<=", 20]}]}, {"Price": 20}, True),
        ({"Price": [{"numeric": [">=", 10, "<", 20]}]}, {"Price": 20}, False),
        ({"ProductName": [{"exists": True}]}, {"ProductName": "x"}, True),
        ({"ProductName": [{"exists": False}]}, {"ProductName": "x"}, False),
        ({"Region": [{"prefix": "us-"}]}, {"Region": "us-east-1"}, True),
        ({"FileName": [{"suffix": ".png"}]}, {"FileName": "photo.png"}, True),
        ({"FileName": [{"suffix": ".png"}]}, {"FileName": "photo.jpg"}, False),
        ({"Name": [{"equals-ignore-case": "alice"}]}, {"Name": "ALICE"}, True),
        ({"Flag": [True]}, {"Flag": True}, True),
        ({"Flag": [True]}, {"Flag": "true"}, False),
    ],
)
def test_every_documented_rule_is_checked_and_matches(pattern, event, expected):
    check_pattern(pattern)
    assert matches(pattern, event) is expected


def test_a_refused_pattern_names_the_mapping(stack_template):
    source = replace(
        stack_template.stream_sources()[0],
        filter_patterns=({"eventName": ["INSERT"]}, {"eventName": [{"wildcard": "MOD*"}]}),
    )
    with pytest.raises(InvalidPatternError) as refused:
        check_filter_criteria([source])
    message = str(refused.value)
    assert f"{source.function_id}.{source.event_id}" in message
    assert "filter 2" in message
    assert "wildcard" in message


def test_template_pattern_is_supported(stack_template):
    for source in stack_template.stream_sources():
        for pattern in source.filter_patterns:
            check_pattern(pattern)


def test_the_templates_filter_is_on_the_dynamodb_key_only(stack_template):
    """with-ddb-filtering (Lambda developer guide): "DynamoDB event source mappings only support
    filtering on the `dynamodb` key"."""
    (source,) = [s for s in stack_template.stream_sources() if s.function_id == "CreateSessionFunction"]
    assert source.filter_patterns
    assert all(undocumented_keys(pattern) == [] for pattern in source.filter_patterns)


def test_the_templates_filter_passes_new_and_changed_interviews_but_not_deletions(stack_template):
    """with-ddb-filtering (Lambda developer guide): Exists on a leaf of NewImage; a REMOVE record
    carries only the OldImage, so it does not match."""
    (source,) = [s for s in stack_template.stream_sources() if s.function_id == "CreateSessionFunction"]
    images = RECORD["dynamodb"]
    removed = {
        **RECORD,
        "eventName": "REMOVE",
        "dynamodb": {key: value for key, value in images.items() if key != "NewImage"},
    }
    inserted = {
        **RECORD,
        "eventName": "INSERT",
        "dynamodb": {key: value for key, value in images.items() if key != "OldImage"},
    }
    assert matches_any(source.filter_patterns, inserted)
    assert matches_any(source.filter_patterns, RECORD)
    assert not matches_any(source.filter_patterns, removed)


def test_a_filter_on_another_key_is_matched_but_named_at_start(stack_template, caplog):
    """with-ddb-filtering (Lambda developer guide): only the `dynamodb` key is documented, so a
    pattern on `eventName` is one AWS does not promise to apply; the runtime says so."""
    source = replace(
        stack_template.stream_sources()[0],
        filter_patterns=({"dynamodb": {"Keys": {}}}, {"$or": [{"eventName": ["INSERT"]}, {"dynamodb": {}}]}),
    )
    with caplog.at_level(logging.WARNING, logger="local_runtime.stream"):
        check_filter_criteria([source])
    (warning,) = caplog.records
    assert f"{source.function_id}.{source.event_id}, filter 2 filters on eventName" in warning.getMessage()
    assert matches({"eventName": ["MODIFY"]}, RECORD)
