"""Lambda's FilterCriteria patterns, as the stream pollers apply them to DynamoDB records."""

import pytest

from local_runtime.streams.event_filter import InvalidPatternError, check_pattern, matches, matches_any

RECORD = {
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
        ({"dynamodb": {"NewImage": {"status": {"S": [{"wildcard": "SCH*LED"}]}}}}, True),
        ({"dynamodb": {"NewImage": {"session_key": [{"exists": False}]}}}, True),
        ({"dynamodb": {"NewImage": {"session_key": [{"exists": True}]}}}, False),
        ({"dynamodb": {"OldImage": {"status": [{"exists": True}]}}}, True),
        ({"dynamodb": {"NewImage": {"status": {"S": [{"anything-but": ["CANCELLED"]}]}}}}, True),
        ({"dynamodb": {"NewImage": {"status": {"S": [{"anything-but": "SCHEDULED"}]}}}}, False),
        ({"dynamodb": {"NewImage": {"status": {"S": [{"anything-but": {"prefix": "SCH"}}]}}}}, False),
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


def test_cidr_matches_addresses_in_the_network():
    event = {"sourceIp": "10.0.1.7"}
    assert matches({"sourceIp": [{"cidr": "10.0.0.0/16"}]}, event)
    assert not matches({"sourceIp": [{"cidr": "192.168.0.0/16"}]}, event)


@pytest.mark.parametrize(
    "pattern",
    [
        {"eventName": "INSERT"},
        {"eventName": [{"regex": ".*"}]},
        {"eventName": [{"prefix": "I", "suffix": "T"}]},
        {"$or": [{"eventName": [{"unknown": 1}]}]},
    ],
)
def test_unsupported_patterns_are_refused_at_start(pattern):
    with pytest.raises(InvalidPatternError):
        check_pattern(pattern)


def test_template_pattern_is_supported(stack_template):
    for source in stack_template.stream_sources():
        for pattern in source.filter_patterns:
            check_pattern(pattern)
