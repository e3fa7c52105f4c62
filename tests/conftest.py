"""Fixtures shared by every suite: an in-process AWS (moto) built from template.yaml."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import pytest
from moto import mock_aws

from interview_scheduling import session_keys
from interview_scheduling.aws_clients import reset_clients
from interview_scheduling.settings import reset_settings
from local_runtime.aws import moto_sesv2, moto_streams, moto_transactions
from local_runtime.aws.resources import create_resources, verify_sender_identity
from local_runtime.launcher import RuntimeProcess
from local_runtime.template import LOCAL_REGION, Resolver, StackTemplate, import_environment
from tests.support.api import ApiClient
from tests.support.domain_events import DomainEvents
from tests.support.pipeline import Pipeline

# DynamoDB transactions are all-or-nothing, stream records included; moto's need this fix.
moto_transactions.install()
# SES v2 sends checked for their configuration set and tags, which are kept with the message.
moto_sesv2.install()
# GetRecords answered as JSON, not through moto's serializer: the same answer, many times faster.
moto_streams.install()

TEST_PARAMETERS = {
    "JwtIssuer": "https://issuer.test",
    "JwtAudience": "interview-scheduling",
    "SenderEmail": "interviews@hiring.test",
    "SenderDomain": "hiring.test",
    "InterviewBaseUrl": "https://interview.hiring.test",
}

# Handler modules check their settings at import, as Lambda's init does; give every import the
# environment the template gives the functions (each test then sets its function's own).
for _name, _value in import_environment(StackTemplate(), TEST_PARAMETERS).items():
    os.environ.setdefault(_name, _value)

# Powertools reads its service name when a handler module is imported, which for some tests is
# at collection; give every import the template's name, as Lambda's environment would.
SERVICE_NAME = StackTemplate().document["Globals"]["Function"]["Environment"]["Variables"][
    "POWERTOOLS_SERVICE_NAME"
]
os.environ["POWERTOOLS_SERVICE_NAME"] = SERVICE_NAME
# Metrics are disabled in tests, but Powertools still flushes every 100th value and needs a namespace.
os.environ["POWERTOOLS_METRICS_NAMESPACE"] = StackTemplate().document["Globals"]["Function"]["Environment"][
    "Variables"
]["POWERTOOLS_METRICS_NAMESPACE"]


@pytest.fixture(scope="session")
def stack_template() -> StackTemplate:
    return StackTemplate()


@dataclass
class LocalStack:
    """The template's resources inside moto, and how to reach them."""

    template: StackTemplate
    resolver: Resolver
    session: boto3.Session

    def use_function_environment(self, monkeypatch: pytest.MonkeyPatch, function_id: str) -> None:
        """Gives the process the environment the template gives `function_id`."""
        for name, value in self.resolver.environment(function_id).items():
            monkeypatch.setenv(name, value)
        reset_settings()


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test sees real credentials, real endpoints or another test's settings."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", LOCAL_REGION)
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    reset_settings()
    yield
    reset_settings()


@pytest.fixture(scope="session")
def boto_session() -> boto3.Session:
    """One session for all tests: each new one would load the service models again."""
    return boto3.Session(region_name=LOCAL_REGION)


@pytest.fixture
def aws(stack_template: StackTemplate, boto_session: boto3.Session) -> Iterator[LocalStack]:
    with mock_aws():
        reset_clients()
        session_keys.reset()
        session = boto_session
        attributes = create_resources(stack_template, session)
        resolver = Resolver(stack_template, TEST_PARAMETERS, attributes)
        yield LocalStack(stack_template, resolver, session)


@pytest.fixture
def api(aws: LocalStack, monkeypatch: pytest.MonkeyPatch) -> ApiClient:
    """The recruiter API of org-a, with every HTTP function's template environment."""
    for route in {r.function_id for r in aws.template.http_routes()}:
        aws.use_function_environment(monkeypatch, route)
    reset_clients()
    return ApiClient(aws.template)


@pytest.fixture
def pipeline(api: ApiClient, aws: LocalStack, monkeypatch: pytest.MonkeyPatch) -> Pipeline:
    """The stream, email and email-event functions, with their template environment, behind the
    recruiter API."""
    for function_id in ("CreateSessionFunction", "SendEmailFunction", "EmailEventsFunction"):
        aws.use_function_environment(monkeypatch, function_id)
    verify_sender_identity(TEST_PARAMETERS["SenderEmail"], aws.session)
    return Pipeline(aws.template, aws.resolver.get_att("InterviewsTable", "StreamArn"), aws.resolver)


@pytest.fixture
def domain_events(pipeline: Pipeline, aws: LocalStack, monkeypatch: pytest.MonkeyPatch) -> DomainEvents:
    """domain_events on both streams and webhook_delivery behind the bus, with their template
    environment; webhooks may go to loopback receivers, as in the local runtime."""
    for function_id in ("DomainEventsFunction", "WebhookDeliveryFunction"):
        aws.use_function_environment(monkeypatch, function_id)
    monkeypatch.setenv("WEBHOOK_ALLOW_LOOPBACK", "true")
    reset_settings()
    streams = {
        table_id: aws.resolver.get_att(table_id, "StreamArn")
        for table_id in ("InterviewsTable", "SessionsTable")
    }
    return DomainEvents(aws.template, aws.resolver, streams)


@pytest.fixture(scope="session")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RuntimeProcess]:
    """`python -m local_runtime` on free ports, started once for the tests that go over HTTP."""
    process = RuntimeProcess(tmp_path_factory.mktemp("runtime"))
    process.start()
    try:
        yield process
    finally:
        process.stop()
