"""events/ and env.json, which people with Docker give `sam local`, kept true: every function
runs in-process on its event file, in the order the files were captured, against moto with the
template's resources, and each does what it did when the file was made; env.json reaches each
function through SAM CLI's own handling of `--env-vars`.

The events follow the Lambda developer guide's pages on what each source sends: "Using Lambda
with API Gateway" HTTP API payload format 2.0 (http-api-develop-integrations-lambda in the API
Gateway developer guide), "Using Lambda with DynamoDB" (with-ddb, the stream event), and the
asynchronous invoke payloads, which are the JSON the caller sent (invocation-async).
"""

import json
from typing import Any

import pytest
from samcli.commands.local.lib.local_lambda import LocalLambdaRunner
from samcli.lib.providers.sam_function_provider import SamFunctionProvider
from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider

from interview_scheduling.models import InterviewSession
from interview_scheduling.settings import reset_settings, schedule_settings
from local_runtime.config import LOCAL_PARAMETERS
from local_runtime.template import TEMPLATE_PATH, StackTemplate
from scripts.capture_events import (
    ENV_FILE,
    LOCAL_ENDPOINTS,
    LOCAL_OVERRIDES,
    STEPS,
    LocalContext,
    deterministic,
    handler_of,
    local_environment,
    reminder_input,
)
from scripts.sam_local_template import write_local_template
from tests.support.pipeline import sent_emails


def event_of(name: str) -> dict[str, Any]:
    (step,) = [step for step in STEPS if step.name == name]
    document: dict[str, Any] = json.loads(step.path.read_text())
    return document


def body_of(answer: dict[str, Any]) -> Any:
    return json.loads(answer["body"])


def test_every_function_has_an_event_file(stack_template: StackTemplate):
    assert {step.function_id for step in STEPS} == set(stack_template.functions)
    assert all(step.path.exists() for step in STEPS)


def test_every_handler_takes_its_event_file_and_makes_the_next_ones(aws, pipeline, monkeypatch):
    """Replayed in order in an empty stack, each file gives what the next file holds: the ids in
    the paths, the stream record's interview, the invoke create_session makes (invocation-async:
    the payload is the caller's JSON) and the reminder schedule's input."""
    answers: dict[str, Any] = {}
    with deterministic(aws.session) as clock:
        for step in STEPS:
            clock.moment = step.at
            aws.use_function_environment(monkeypatch, step.function_id)
            for name, value in LOCAL_OVERRIDES.items():  # as the local runtime gives them
                monkeypatch.setenv(name, value)
            reset_settings()
            event = json.loads(step.path.read_text())
            handler = handler_of(aws.template, step.function_id)
            answers[step.name] = handler(event, LocalContext(step.function_id))
            if step.name == "interview-booked":
                assert pipeline.invokes == [event_of("invitation")]
                interview_id = event_of("invitation")["interview_id"]
                assert reminder_input(aws.session, schedule_settings().schedule_group, interview_id) == (
                    event_of("reminder")
                )
                pipeline.invokes.clear()

    job, candidate, slot, booking = (
        answers[name] for name in ("create-job", "create-candidate", "create-slot", "book-interview")
    )
    assert [answer["statusCode"] for answer in (job, candidate, slot, booking)] == [201, 201, 201, 201]
    assert event_of("book-interview")["pathParameters"]["job_id"] == body_of(job)["job_id"]
    assert json.loads(event_of("book-interview")["body"]) == {
        "candidate_id": body_of(candidate)["candidate_id"],
        "slot_id": body_of(slot)["slot_id"],
    }
    (record,) = event_of("interview-booked")["Records"]
    assert record["dynamodb"]["NewImage"]["interview_id"]["S"] == body_of(booking)["interview_id"]

    assert answers["interview-booked"] == {"batchItemFailures": []}
    # The booking's domain event, to the webhook registered before it: its receiver is not
    # there, so the delivery is retried by schedule.
    assert answers["create-webhook"]["statusCode"] == 201
    assert answers["booking-events"] == {"batchItemFailures": []}
    (record,) = event_of("booking-events")["Records"]
    assert record["dynamodb"]["NewImage"]["interview_id"]["S"] == body_of(booking)["interview_id"]
    webhook_event = event_of("webhook-delivered")
    assert webhook_event["detail"]["data"]["interview_id"] == body_of(booking)["interview_id"]
    assert webhook_event["detail"]["type"] == "interview.booked"
    webhook_id = body_of(answers["create-webhook"])["webhook_id"]
    assert answers["webhook-delivered"] == {"attempted": [{"webhook_id": webhook_id, "result": "retrying"}]}
    assert InterviewSession.count() == 1
    assert answers["invitation"] == {"email_message": "invitation-0", "status": "SENT"}
    assert len(sent_emails()) == 1
    assert answers["reminder"] == {"action": "reminder", "requested": True}
    assert [request["kind"] for request in pipeline.invokes] == ["reminder"]
    session = answers["get-session"]
    assert session["statusCode"] == 200
    assert body_of(session)["candidate_name"] == "Ada Lovelace"
    page = answers["reschedule-page"]
    assert page["statusCode"] == 200, page
    assert "Platform Engineer" in page["body"] and "no other open times" in page["body"]
    export = answers["export-candidate"]
    assert export["statusCode"] == 200
    assert [each["interview_id"] for each in body_of(export)["interviews"]] == [
        body_of(booking)["interview_id"]
    ]


def test_env_json_is_what_the_template_and_the_local_runtime_make_it(stack_template: StackTemplate):
    """Regenerated with `python -m scripts.capture_events` when the template's variables change."""
    assert json.loads(ENV_FILE.read_text()) == local_environment(stack_template)


@pytest.fixture(scope="module")
def sam_functions(tmp_path_factory: pytest.TempPathFactory) -> SamFunctionProvider:
    """The functions as SAM CLI reads them from the local copy of the template."""
    local_template = write_local_template(
        TEMPLATE_PATH, tmp_path_factory.mktemp("sam") / "template.local.yaml"
    )
    parameters = {**LOCAL_PARAMETERS, "SenderDomain": LOCAL_PARAMETERS["SenderEmail"].split("@")[1]}
    stacks, _ = SamLocalStackProvider.get_stacks(str(local_template), parameter_overrides=parameters)
    return SamFunctionProvider(stacks)


def test_env_json_reaches_every_function_through_sam_cli(sam_functions: SamFunctionProvider, tmp_path):
    """serverless-sam-cli-using-invoke (AWS SAM developer guide), "Environment variable file":
    --env-vars overrides values defined in the template, so every name env.json sets must be
    one the function declares, or SAM drops it without a word; resolved here by SAM CLI itself."""
    overrides = json.loads(ENV_FILE.read_text())
    runner = LocalLambdaRunner(
        local_runtime=None,  # resolving variables runs nothing
        function_provider=sam_functions,
        cwd=str(tmp_path),
        real_path=str(tmp_path),
        env_vars_values=overrides,
    )
    for function_id, expected in overrides.items():
        function = sam_functions.get(function_id)
        assert function is not None, function_id
        declared = set(function.environment["Variables"])
        assert set(expected) <= declared, f"{function_id}: SAM would drop {set(expected) - declared}"
        resolved = runner._make_env_vars(function).resolve()
        assert {name: resolved[name] for name in expected} == expected
        assert {name: resolved[name] for name in LOCAL_ENDPOINTS} == LOCAL_ENDPOINTS
