"""The real runtime, started as `python -m local_runtime` on free ports with a probe template:
HTTP API with JWT checks, the Lambda Invoke API, async retries to the destination, timeouts and
the stream poller with its filter."""

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from local_runtime.demo.http_client import ApiClient
from local_runtime.launcher import RuntimeProcess, RuntimeStartError
from local_runtime.template import LOCAL_REGION

FIXTURES = Path(__file__).parent / "fixtures"


def eventually(probe: Callable[[], Any], timeout: float = 20.0) -> Any:
    """Polls until `probe` returns something truthy; bounded so a broken runtime fails the test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"nothing after {timeout} s")


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RuntimeProcess]:
    process = RuntimeProcess(tmp_path_factory.mktemp("runtime"), template=FIXTURES / "template.yaml")
    process.start()
    try:
        yield process
    finally:
        code = process.stop()
        print(process.log_text())
        assert code == 0, "the runtime did not stop cleanly on SIGTERM"


@pytest.fixture(scope="module")
def session() -> boto3.Session:
    return boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=LOCAL_REGION
    )


@pytest.fixture(scope="module")
def lambda_client(runtime: RuntimeProcess, session: boto3.Session) -> Any:
    config = Config(retries={"max_attempts": 1}, read_timeout=30)
    return session.client("lambda", endpoint_url=runtime.info.invoke_url, config=config)


def aws(runtime: RuntimeProcess, session: boto3.Session, service: str) -> Any:
    return session.client(service, endpoint_url=runtime.info.aws_endpoint)  # type: ignore[call-overload]


class TestHttpApi:
    def test_health(self, runtime):
        assert ApiClient(runtime.info.api_url).get("/_local/health").json() == {"status": "ready"}

    def test_unknown_route_is_404(self, runtime):
        response = ApiClient(runtime.info.api_url).get("/no/such/route")
        assert response.status == 404
        assert response.json() == {"message": "Not Found"}

    def test_route_without_token_is_401(self, runtime):
        response = ApiClient(runtime.info.api_url).get("/echo/ada")
        assert response.status == 401
        assert response.json() == {"message": "Unauthorized"}

    def test_badly_signed_token_is_401(self, runtime):
        token = runtime.tokens.mint_badly_signed(scopes=("probe/read",))
        assert ApiClient(runtime.info.api_url, token).get("/echo/ada").status == 401

    def test_a_401_carries_api_gateways_www_authenticate_header(self, runtime):
        """http-api-troubleshooting-jwt (API Gateway developer guide): the 401 for a token of
        another audience names it in `www-authenticate`."""
        token = runtime.tokens.mint(audience="someone-else", scopes=("probe/read",))
        response = ApiClient(runtime.info.api_url, token).get("/echo/ada")
        headers = {name.lower(): value for name, value in response.headers.items()}
        assert response.status == 401
        assert headers["www-authenticate"] == (
            'Bearer scope="" error="invalid_token" '
            'error_description="the token does not have a valid audience"'
        )

    def test_token_without_the_scope_is_403(self, runtime):
        token = runtime.tokens.mint(scopes=("something/else",))
        response = ApiClient(runtime.info.api_url, token).get("/echo/ada")
        assert response.status == 403
        assert response.json() == {"message": "Forbidden"}

    def test_authorized_request_reaches_the_function_as_a_v2_event(self, runtime):
        token = runtime.tokens.mint(org_id="org-7", scopes=("probe/read",))
        response = ApiClient(runtime.info.api_url, token).get("/echo/ada%20lovelace?x=1&x=2")
        assert response.status == 200
        event = response.json()
        assert event["routeKey"] == "GET /echo/{name}"
        assert event["pathParameters"] == {"name": "ada lovelace"}
        assert event["queryStringParameters"] == {"x": "1,2"}
        assert event["requestContext"]["authorizer"]["jwt"]["claims"]["org_id"] == "org-7"
        assert event["requestContext"]["authorizer"]["jwt"]["scopes"] == ["probe/read"]
        assert event["headers"]["authorization"] == f"Bearer {token}"
        assert response.headers["apigw-requestid"] == event["requestContext"]["requestId"]

    def test_public_route_needs_no_token(self, runtime):
        response = ApiClient(runtime.info.api_url).post("/public", {"hello": "world"})
        assert response.status == 200
        assert json.loads(response.json()["body"]) == {"hello": "world"}


class TestInvokeApi:
    def test_request_response_runs_the_function_with_a_lambda_context(self, lambda_client):
        response = lambda_client.invoke(FunctionName="ProbeFunction", Payload=json.dumps({"hello": "world"}))
        assert response["StatusCode"] == 200
        assert "FunctionError" not in response
        answer = json.loads(response["Payload"].read())
        assert answer["event"] == {"hello": "world"}
        assert answer["function_name"] == "ProbeFunction"
        assert answer["memory_limit_in_mb"] == "256"
        assert (
            answer["invoked_function_arn"] == "arn:aws:lambda:us-east-1:123456789012:function:ProbeFunction"
        )
        assert answer["aws_request_id"] == response["ResponseMetadata"]["RequestId"]
        assert 0 < answer["remaining_ms"] <= 2000

    def test_function_gets_the_template_environment_and_local_endpoints(self, runtime, lambda_client):
        """Lambda's defined runtime environment variables (Lambda developer guide,
        configuration-envvars) include AWS_EXECUTION_ENV, AWS_Lambda_ and the runtime's id."""
        names = [
            "RECORDS_BUCKET",
            "AWS_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_LAMBDA",
            "AWS_REGION",
            "AWS_EXECUTION_ENV",
            "PYTHONPATH",
        ]
        response = lambda_client.invoke(
            FunctionName="ProbeFunction", Payload=json.dumps({"action": "environment", "names": names})
        )
        environment = json.loads(response["Payload"].read())
        assert environment == {
            "RECORDS_BUCKET": "recordsbucket",
            "AWS_ENDPOINT_URL": runtime.info.aws_endpoint,
            "AWS_ENDPOINT_URL_LAMBDA": runtime.info.invoke_url,
            "AWS_REGION": "us-east-1",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",  # the fixture template's Globals Runtime
            "PYTHONPATH": None,
        }

    def test_a_function_imports_from_site_packages_only_what_its_build_on_lambda_would_have(
        self, lambda_client
    ):
        """The Lambda developer guide (lambda-python, "Runtime-included SDK versions"): the Python
        runtime brings boto3 and its dependencies. The probe has no layer and no requirements, so
        the tools installed beside the runtime (moto, awscrt, which botocore would use if found)
        are not there for it, while the standard library is."""
        names = ["boto3", "s3transfer", "json", "moto", "awscrt", "OpenSSL"]
        response = lambda_client.invoke(
            FunctionName="ProbeFunction", Payload=json.dumps({"action": "import", "names": names})
        )
        assert json.loads(response["Payload"].read()) == {
            "boto3": "imported",
            "s3transfer": "imported",
            "json": "imported",
            "moto": "ModuleNotFoundError: No module named 'moto'",
            "awscrt": "ModuleNotFoundError: No module named 'awscrt'",
            "OpenSSL": "ModuleNotFoundError: No module named 'OpenSSL'",
        }

    def test_function_error_is_reported_like_lambda_and_the_worker_survives(self, lambda_client):
        response = lambda_client.invoke(FunctionName="ProbeFunction", Payload=json.dumps({"action": "fail"}))
        assert response["FunctionError"] == "Unhandled"
        error = json.loads(response["Payload"].read())
        assert (error["errorType"], error["errorMessage"]) == ("ValueError", "asked to fail")
        assert error["stackTrace"]
        again = lambda_client.invoke(FunctionName="ProbeFunction", Payload=b"{}")
        assert "FunctionError" not in again

    def test_timeout_kills_the_invocation_and_a_fresh_worker_takes_over(self, lambda_client):
        response = lambda_client.invoke(
            FunctionName="ProbeFunction", Payload=json.dumps({"action": "sleep", "seconds": 30})
        )
        assert response["FunctionError"] == "Unhandled"
        error = json.loads(response["Payload"].read())
        assert error["errorType"] == "Sandbox.Timedout"
        assert "Task timed out after 2.00 seconds" in error["errorMessage"]
        again = lambda_client.invoke(FunctionName="ProbeFunction", Payload=b"{}")
        assert "FunctionError" not in again

    def test_unknown_function_is_resource_not_found(self, lambda_client):
        with pytest.raises(lambda_client.exceptions.ResourceNotFoundException):
            lambda_client.invoke(FunctionName="NoSuchFunction", Payload=b"{}")

    def test_the_launcher_asks_for_short_retries_and_the_runtime_says_so(self, runtime):
        """invocation-async-error-handling (Lambda developer guide): Lambda waits one minute,
        then two; a test's runtime waits as many times, briefly, and its banner names the waits."""
        assert "Retries    failed async invokes again after 0.5 s and 1 s" in runtime.log_text()

    def test_failing_event_is_retried_then_sent_to_the_on_failure_queue(
        self, runtime, session, lambda_client
    ):
        response = lambda_client.invoke(
            FunctionName="arn:aws:lambda:us-east-1:123456789012:function:ProbeFunction",
            InvocationType="Event",
            Payload=json.dumps({"action": "fail", "id": "event-1"}),
        )
        assert response["StatusCode"] == 202
        sqs = aws(runtime, session, "sqs")
        queue_url = sqs.get_queue_url(QueueName="FailuresQueue")["QueueUrl"]

        def failure_record() -> dict[str, Any] | None:
            for message in sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get(
                "Messages", []
            ):
                document = json.loads(message["Body"])
                if document.get("requestPayload", {}).get("id") == "event-1":
                    return document  # type: ignore[no-any-return]
            return None

        record = eventually(failure_record)
        assert record["requestContext"]["condition"] == "RetriesExhausted"
        assert record["requestContext"]["approximateInvokeCount"] == 2
        assert record["requestContext"]["requestId"] == response["ResponseMetadata"]["RequestId"]
        assert record["responseContext"]["functionError"] == "Unhandled"
        assert record["responsePayload"]["errorType"] == "ValueError"


def test_stream_records_reach_the_function_through_the_filter(runtime, session):
    dynamodb = aws(runtime, session, "dynamodb")
    s3 = aws(runtime, session, "s3")
    dynamodb.put_item(TableName="ThingsTable", Item={"thing_id": {"S": "a"}, "size": {"N": "1"}})
    dynamodb.put_item(TableName="ThingsTable", Item={"thing_id": {"S": "a"}, "size": {"N": "2"}})  # MODIFY
    dynamodb.put_item(TableName="ThingsTable", Item={"thing_id": {"S": "b"}, "size": {"N": "3"}})

    def delivered() -> list[str]:
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="recordsbucket").get("Contents", [])]
        return sorted(keys) if len(keys) >= 2 else []

    keys = eventually(delivered)
    # The shard is read in order, so the MODIFY between them was seen and filtered out.
    assert [key.rsplit("-", 1)[1] for key in keys] == ["INSERT.json", "INSERT.json"]
    record = json.loads(s3.get_object(Bucket="recordsbucket", Key=keys[1])["Body"].read())
    assert record["eventSource"] == "aws:dynamodb"
    assert record["eventSourceARN"].startswith(
        "arn:aws:dynamodb:us-east-1:123456789012:table/ThingsTable/stream/"
    )
    assert record["dynamodb"]["Keys"] == {"thing_id": {"S": "b"}}
    assert record["dynamodb"]["NewImage"] == {"thing_id": {"S": "b"}, "size": {"N": "3"}}
    assert record["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], float)


def test_a_filter_lambda_would_refuse_stops_the_runtime_at_start(tmp_path):
    template = (FIXTURES / "template.yaml").read_text()
    pattern = """{"S": [{"exists": false}]}"""
    assert pattern in template
    bad = tmp_path / "template.yaml"
    bad.write_text(template.replace(pattern, """{"S": [{"wildcard": "th*"}]}"""))
    process = RuntimeProcess(tmp_path / "run", template=bad)
    with pytest.raises(RuntimeStartError) as refused:
        process.start()
    assert process.returncode == 2
    assert "event source mapping ProbeFunction.ThingChanges (ThingsTable stream), filter 1" in str(
        refused.value
    )
    assert "unsupported matcher 'wildcard' under dynamodb.OldImage.thing_id.S" in str(refused.value)
