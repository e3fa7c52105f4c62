"""The embedded AWS's request log, and the benchmark floor's replay of it to another embedded AWS."""

import time
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from bench.pipeline_throughput import Replay
from local_runtime.aws.credentials import local_session
from local_runtime.aws.process import AwsProcess
from local_runtime.aws.request_log import (
    IncompleteRequestLog,
    RecordedRequest,
    RequestLog,
    read_closed_request_log,
    read_request_log,
)
from local_runtime.template import LOCAL_REGION

TABLE = "things"


def create_table(endpoint: str) -> None:
    local_session(LOCAL_REGION).client("dynamodb", endpoint_url=endpoint).create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def put_once(client, thing: str) -> None:
    client.put_item(
        TableName=TABLE, Item={"id": {"S": thing}}, ConditionExpression="attribute_not_exists(id)"
    )


@pytest.fixture
def recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """An embedded AWS (in a process of its own, so its state is its own) logging its requests: a
    table made by the runtime's own client, then requests from a client with Lambda's
    AWS_EXECUTION_ENV, one refused."""
    log = tmp_path / "requests.jsonl"
    aws = AwsProcess(request_log=log)
    endpoint = aws.start()
    try:
        create_table(endpoint)
        monkeypatch.setenv("AWS_EXECUTION_ENV", "AWS_Lambda_python3.12")  # read when a session is made
        function = local_session(LOCAL_REGION).client("dynamodb", endpoint_url=endpoint)
        put_once(function, "a")
        with pytest.raises(ClientError, match="ConditionalCheckFailed"):
            put_once(function, "a")
        put_once(function, "b")
        secrets = local_session(LOCAL_REGION).client("secretsmanager", endpoint_url=endpoint)
        arn = secrets.create_secret(Name="LinkSigningSecret", SecretString="s")["ARN"]
        secrets.get_secret_value(SecretId=arn)
    finally:
        aws.stop()
    return read_closed_request_log(log)


def test_the_log_has_each_request_in_order_with_its_answer_and_who_sent_it(recorded):
    assert [(r.action, r.status, r.from_function) for r in recorded] == [
        ("dynamodb.CreateTable", 200, False),
        ("dynamodb.PutItem", 200, True),
        ("dynamodb.PutItem", 400, True),
        ("dynamodb.PutItem", 200, True),
        ("secretsmanager.CreateSecret", 200, True),
        ("secretsmanager.GetSecretValue", 200, True),
    ]
    assert b'"S": "b"' in recorded[3].body or b'"S":"b"' in recorded[3].body
    assert all(r.connection.startswith("127.0.0.1:") for r in recorded)  # the client's address and port
    assert all(earlier.at <= later.at for earlier, later in pairwise(recorded))
    assert [RecordedRequest.from_json(r.to_json()) for r in recorded] == recorded


def test_a_replay_to_a_fresh_embedded_aws_gets_the_same_answers_and_leaves_the_same_items(recorded):
    aws = AwsProcess()
    endpoint = aws.start()
    try:
        create_table(endpoint)
        # The secret exists here under another ARN: Secrets Manager adds six random characters.
        secrets = local_session(LOCAL_REGION).client("secretsmanager", endpoint_url=endpoint)
        arn = secrets.create_secret(Name="LinkSigningSecret", SecretString="s")["ARN"]
        replay = Replay(endpoint, {"LinkSigningSecret": arn})
        functions = [r for r in recorded if r.from_function and r.action != "secretsmanager.CreateSecret"]
        with ThreadPoolExecutor(4) as pool:
            mismatched = replay.run(functions, pool)
        dynamodb = local_session(LOCAL_REGION).client("dynamodb", endpoint_url=endpoint)
        items = dynamodb.scan(TableName=TABLE)["Items"]
    finally:
        aws.stop()
    assert mismatched == {}
    assert sorted(item["id"]["S"] for item in items) == ["a", "b"]


REQUESTS = [
    RecordedRequest(float(n), float(n), "127.0.0.1:1", "POST", "/", {}, f"request {n}".encode(), 200)
    for n in range(3)
]


def wait_until_on_file(path: Path, count: int) -> None:
    """The writer runs on its own interval, so a reader (another process, in the benchmark) waits."""
    deadline = time.monotonic() + 40 * RequestLog.WRITE_INTERVAL_SECONDS
    while len(list(read_request_log(path))) < count and time.monotonic() < deadline:
        time.sleep(RequestLog.WRITE_INTERVAL_SECONDS / 5)


def test_the_log_writes_requests_in_the_order_handed_over_while_open_and_the_rest_on_close(tmp_path: Path):
    path = tmp_path / "requests.jsonl"
    log = RequestLog(path)
    log(REQUESTS[0])
    wait_until_on_file(path, 1)
    assert list(read_request_log(path)) == REQUESTS[:1]
    with pytest.raises(IncompleteRequestLog, match="no end line"):
        read_closed_request_log(path)  # still open
    log(REQUESTS[1])
    log(REQUESTS[2])
    log.close()
    assert read_closed_request_log(path) == REQUESTS
    assert path.read_text().splitlines()[-1] == '{"end": {"requests": 3}}'


def test_after_a_failed_write_the_log_has_no_end_line_and_says_so(tmp_path: Path, caplog):
    path = tmp_path / "requests.jsonl"
    log = RequestLog(path)
    log(REQUESTS[0])
    wait_until_on_file(path, 1)
    on_file = log._file
    # Every flush to /dev/full fails with ENOSPC, as on a full disk; the log closes it.
    log._file = Path("/dev/full").open("w")  # noqa: SIM115
    log(REQUESTS[1])
    log(REQUESTS[2])
    log.close()
    on_file.close()
    assert list(read_request_log(path)) == REQUESTS[:1]
    with pytest.raises(IncompleteRequestLog, match="1 requests and no end line"):
        read_closed_request_log(path)
    assert "the request log stopped after 1 requests" in caplog.text
