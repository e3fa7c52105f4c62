"""moto's TransactWriteItems made to answer as DynamoDB's (local_runtime/aws/moto_transactions.py).

Each test follows the TransactWriteItems API reference
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html)
and its TransactionCanceledException: the actions "are completed atomically so that either all
of them succeed, or all of them fail", a cancelled transaction names one reason per item
("None" where the item was fine), and a request that is invalid in itself is a
ValidationException.
"""

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from local_runtime.aws import moto_transactions
from local_runtime.template import LOCAL_REGION

TABLE = "Things"
INCORRECT_DATA_TYPE = "An operand in the update expression has an incorrect data type"


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    moto_transactions.install()
    with mock_aws():
        client = boto3.client("dynamodb", region_name=LOCAL_REGION)
        client.create_table(
            TableName=TABLE,
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        client.put_item(
            TableName=TABLE, Item={"pk": {"S": "job"}, "sk": {"S": "titled"}, "title": {"S": "Engineer"}}
        )
        yield client


def key(sk: str) -> dict[str, Any]:
    return {"pk": {"S": "job"}, "sk": {"S": sk}}


def items(client: Any) -> dict[str, dict[str, Any]]:
    return {item["sk"]["S"]: item for item in client.scan(TableName=TABLE)["Items"]}


def stream_events(client: Any) -> list[tuple[str, str]]:
    """(eventName, sort key) of every record on the table's stream, in order."""
    streams = boto3.client("dynamodbstreams", region_name=LOCAL_REGION)
    arn = client.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    events: list[tuple[str, str]] = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        for record in streams.get_records(ShardIterator=iterator)["Records"]:
            events.append((record["eventName"], record["dynamodb"]["Keys"]["sk"]["S"]))
    return events


def add_one_to_the_title() -> dict[str, Any]:
    """An update that parses and names its values, but cannot apply: `title` is a string."""
    return {
        "Update": {
            "TableName": TABLE,
            "Key": key("titled"),
            "UpdateExpression": "ADD title :one",
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        }
    }


def error_of(raised: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return raised.value.response["Error"]["Code"], raised.value.response["Error"]["Message"]


def test_an_update_that_cannot_apply_cancels_the_writes_before_it(dynamodb):
    """API_TransactWriteItems / TransactionCanceledException: all or nothing, and the failing
    item's reason is ValidationError "An operand in the update expression has an incorrect data
    type"; the item before it, which was fine, has the reason None."""
    before = stream_events(dynamodb)
    with pytest.raises(ClientError) as raised:
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": TABLE, "Item": {**key("new"), "n": {"N": "1"}}}},
                add_one_to_the_title(),
            ]
        )

    assert raised.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert raised.value.response["CancellationReasons"] == [
        {"Code": "None"},
        {"Code": "ValidationError", "Message": INCORRECT_DATA_TYPE},
    ]
    assert set(items(dynamodb)) == {"titled"}
    assert items(dynamodb)["titled"]["title"] == {"S": "Engineer"}
    assert stream_events(dynamodb) == before


def test_a_put_without_its_key_is_a_validation_exception_and_writes_nothing(dynamodb):
    """API_TransactWriteItems: a request whose item lacks the table's key is invalid in itself
    (ValidationException, HTTP 400), not a server error, and nothing of it is written."""
    with pytest.raises(ClientError) as raised:
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": TABLE, "Item": {**key("first")}}},
                {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "job"}, "title": {"S": "no sort key"}}}},
            ]
        )

    assert error_of(raised) == (
        "ValidationException",
        "One or more parameter values were invalid: Missing the key sk in the item",
    )
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert set(items(dynamodb)) == {"titled"}


@pytest.mark.parametrize(
    "action",
    [
        {"Update": {"UpdateExpression": "SET n = :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}},
        {"Delete": {}},
        {"ConditionCheck": {"ConditionExpression": "attribute_exists(pk)"}},
    ],
    ids=["Update", "Delete", "ConditionCheck"],
)
def test_a_key_that_does_not_match_the_schema_is_a_validation_exception(dynamodb, action):
    """API_TransactWriteItems: a Key must name exactly the table's key attributes."""
    ((op_type, op),) = action.items()
    partial_key = {"TableName": TABLE, "Key": {"pk": {"S": "job"}}, **op}
    with pytest.raises(ClientError) as raised:
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": TABLE, "Item": {**key("first")}}},
                {op_type: partial_key},
            ]
        )

    assert error_of(raised) == ("ValidationException", "The provided key element does not match the schema")
    assert set(items(dynamodb)) == {"titled"}


def test_an_undefined_expression_value_is_a_validation_exception(dynamodb):
    """API_TransactWriteItems: an expression naming a value it was not given is invalid whatever
    the item holds, so the request is refused as a whole (ValidationException)."""
    with pytest.raises(ClientError) as raised:
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": TABLE, "Item": {**key("first")}}},
                {"Update": {"TableName": TABLE, "Key": key("titled"), "UpdateExpression": "SET n = :nil"}},
            ]
        )

    assert error_of(raised)[0] == "ValidationException"
    assert set(items(dynamodb)) == {"titled"}


def test_a_failed_condition_cancels_everything_and_can_return_the_item(dynamodb):
    """API_TransactWriteItems / TransactionCanceledException: ConditionalCheckFailed, and with
    ReturnValuesOnConditionCheckFailure ALL_OLD the item as it was."""
    with pytest.raises(ClientError) as raised:
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": TABLE, "Item": {**key("first")}}},
                {
                    "ConditionCheck": {
                        "TableName": TABLE,
                        "Key": key("titled"),
                        "ConditionExpression": "attribute_not_exists(pk)",
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                },
            ]
        )

    reasons: Any = raised.value.response["CancellationReasons"]
    assert [reason["Code"] for reason in reasons] == ["None", "ConditionalCheckFailed"]
    assert reasons[1]["Item"]["title"] == {"S": "Engineer"}
    assert set(items(dynamodb)) == {"titled"}


def test_a_transaction_that_succeeds_writes_each_item_once(dynamodb):
    """API_TransactWriteItems and the DynamoDB Streams record model: every action takes effect,
    each item changed gives one stream record (an Update of a missing item is one INSERT)."""
    dynamodb.put_item(TableName=TABLE, Item={**key("old")})
    before = stream_events(dynamodb)

    dynamodb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": TABLE, "Item": {**key("put"), "n": {"N": "1"}}}},
            {
                "Update": {
                    "TableName": TABLE,
                    "Key": key("titled"),
                    "UpdateExpression": "SET title = :t ADD n :one",
                    "ExpressionAttributeValues": {":t": {"S": "Lead"}, ":one": {"N": "1"}},
                }
            },
            {
                "Update": {
                    "TableName": TABLE,
                    "Key": key("created"),
                    "UpdateExpression": "SET n = :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            },
            {"Delete": {"TableName": TABLE, "Key": key("old")}},
            {
                "ConditionCheck": {
                    "TableName": TABLE,
                    "Key": key("none"),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
        ]
    )

    found = items(dynamodb)
    assert set(found) == {"titled", "put", "created"}
    assert found["titled"]["title"] == {"S": "Lead"}
    assert found["titled"]["n"] == {"N": "1"}
    assert found["created"] == {**key("created"), "n": {"N": "1"}}
    assert stream_events(dynamodb)[len(before) :] == [
        ("INSERT", "put"),
        ("MODIFY", "titled"),
        ("INSERT", "created"),
        ("REMOVE", "old"),
    ]


def test_two_actions_on_one_item_are_refused(dynamodb):
    """API_TransactWriteItems: "You can't target the same item with multiple operations within
    the same transaction" (ValidationException)."""
    with pytest.raises(ClientError) as raised:
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": TABLE, "Item": {**key("titled")}}},
                {"Delete": {"TableName": TABLE, "Key": key("titled")}},
            ]
        )

    assert error_of(raised)[0] == "ValidationException"
    assert items(dynamodb)["titled"]["title"] == {"S": "Engineer"}
