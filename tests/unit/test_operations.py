"""What operations rely on is in template.yaml: alarms on every failure path, logs, the sender.

Every check reads the template (and samconfig.toml) as data, so removing an alarm, a log group
or a grant from the template fails a test here.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from typing import Any

import pytest

from interview_scheduling.enums import EmailStatus
from interview_scheduling.resume_text import ExtractionOutcome
from interview_scheduling.resumes import PROVIDED
from local_runtime.template import REPO_ROOT, StackTemplate
from tests.conftest import TEST_PARAMETERS

SAMCONFIG = REPO_ROOT / "samconfig.toml"
# Statuses an email ends in; each is counted as Emails<Status> (EmailsSent, EmailsFailed, ...).
FINAL_EMAIL_STATUSES = [s for s in EmailStatus if s not in (EmailStatus.PENDING, EmailStatus.SENDING)]


def _alarms(template: StackTemplate) -> dict[str, dict[str, Any]]:
    return {rid: r["Properties"] for rid, r in template.of_type("AWS::CloudWatch::Alarm").items()}


def _watched_metrics(alarm: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(namespace, metric name, dimensions) of each metric an alarm reads, plain or in metric math."""
    if "MetricName" in alarm:
        metrics = [alarm]
    else:
        metrics = [m["MetricStat"]["Metric"] for m in alarm.get("Metrics", []) if "MetricStat" in m]
    for metric in metrics:
        dimensions = {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}
        yield metric["Namespace"], metric["MetricName"], dimensions


def _alarms_on(template: StackTemplate, namespace: str, metric_name: str, **dimensions: Any) -> list[str]:
    return [
        alarm_id
        for alarm_id, alarm in _alarms(template).items()
        if (namespace, metric_name, dimensions) in list(_watched_metrics(alarm))
    ]


def _failure_queues(template: StackTemplate) -> set[str]:
    """Where what a function gave up on is parked: stream and async on-failure destinations, and
    the dead-letter queues of EventBridge rule targets."""
    queues = {source.on_failure_queue_id for source in template.stream_sources()}
    queues |= {spec.async_config.on_failure_queue_id for spec in template.functions.values()}
    queues |= {target.dead_letter_queue_id for rule in template.event_rules() for target in rule.targets}
    return {queue for queue in queues if queue is not None}


def test_every_failure_queue_has_a_depth_alarm(stack_template):
    queues = _failure_queues(stack_template)
    assert queues == {
        "SessionFailuresQueue",
        "EmailFailuresQueue",
        "ScheduleFailuresQueue",
        "EmailEventFailuresQueue",
        "DomainEventFailuresQueue",
        "WebhookFailuresQueue",
    }
    for queue_id in queues:
        dimension = {"Fn::GetAtt": [queue_id, "QueueName"]}
        (alarm_id,) = _alarms_on(
            stack_template, "AWS/SQS", "ApproximateNumberOfMessagesVisible", QueueName=dimension
        )
        alarm = _alarms(stack_template)[alarm_id]
        # One parked message is one booking without a session, or one candidate without an email.
        assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanThreshold", 0)


def test_the_stream_mapping_has_an_iterator_age_alarm(stack_template):
    sources = stack_template.stream_sources()
    assert sources
    for source in sources:
        function = {"Ref": source.function_id}
        assert _alarms_on(stack_template, "AWS/Lambda", "IteratorAge", FunctionName=function)


def test_the_iterator_age_alarm_compares_seconds_with_a_threshold_in_seconds(stack_template):
    function = {"Ref": "CreateSessionFunction"}
    (alarm_id,) = _alarms_on(stack_template, "AWS/Lambda", "IteratorAge", FunctionName=function)
    alarm = _alarms(stack_template)[alarm_id]
    (returned,) = [m for m in alarm["Metrics"] if m.get("ReturnData", True)]
    # IteratorAge is in milliseconds; the threshold parameter is in seconds.
    assert re.fullmatch(r"\w+ / 1000", returned["Expression"])
    assert alarm["Threshold"] == {"Ref": "IteratorAgeAlarmSeconds"}


@pytest.mark.parametrize("metric_name", ["Errors", "Throttles"])
@pytest.mark.parametrize("function_id", list(StackTemplate().functions))
def test_every_function_has_errors_and_throttles_alarms(function_id, metric_name, stack_template):
    function = {"Ref": function_id}
    assert _alarms_on(stack_template, "AWS/Lambda", metric_name, FunctionName=function)


@pytest.mark.parametrize("api_id", list(StackTemplate().of_type("AWS::Serverless::HttpApi")))
def test_each_api_has_a_5xx_rate_alarm(api_id, stack_template):
    api = {"Ref": api_id}
    (alarm_id,) = _alarms_on(stack_template, "AWS/ApiGateway", "5xx", ApiId=api)
    assert _alarms_on(stack_template, "AWS/ApiGateway", "Count", ApiId=api) == [alarm_id]


@pytest.mark.parametrize(
    ("metric_name", "threshold"), [("Reputation.BounceRate", 0.05), ("Reputation.ComplaintRate", 0.001)]
)
def test_ses_reputation_has_alarms_on_the_account(metric_name, threshold, stack_template):
    (alarm_id,) = _alarms_on(stack_template, "AWS/SES", metric_name)
    assert _alarms(stack_template)[alarm_id]["Threshold"] == threshold


def test_every_alarm_notifies_the_one_topic_when_raised_and_cleared(stack_template):
    (topic_id,) = stack_template.of_type("AWS::SNS::Topic")
    alarms = _alarms(stack_template)
    assert alarms
    for alarm_id, alarm in alarms.items():
        assert alarm["AlarmActions"] == [{"Ref": topic_id}], alarm_id
        assert alarm["OKActions"] == [{"Ref": topic_id}], alarm_id
        assert alarm["TreatMissingData"] in {"notBreaching", "ignore"}, alarm_id


def test_the_alarm_email_is_subscribed_only_when_one_is_given(stack_template):
    (subscription,) = stack_template.of_type("AWS::SNS::Subscription").values()
    condition = stack_template.document["Conditions"][subscription["Condition"]]
    assert condition == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]}
    assert subscription["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}
    assert stack_template.document["Parameters"]["AlarmEmail"]["Default"] == ""


@pytest.mark.parametrize("function_id", list(StackTemplate().functions))
def test_every_function_logs_json_to_its_own_log_group_with_retention(function_id, stack_template):
    props = stack_template.resources[function_id]["Properties"]
    logging = props["LoggingConfig"]
    assert logging["LogFormat"] == "JSON"
    log_group = stack_template.resources[logging["LogGroup"]["Ref"]]
    assert log_group["Type"] == "AWS::Logs::LogGroup"
    # Named as Lambda names a function's log group, so tools that assume the name find it.
    assert log_group["Properties"]["LogGroupName"] == {
        "Fn::Sub": f"/aws/lambda/{props['FunctionName']['Fn::Sub']}"
    }
    assert log_group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_log_retention_offers_only_what_cloudwatch_accepts(stack_template):
    parameter = stack_template.document["Parameters"]["LogRetentionDays"]
    accepted = {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922}
    accepted |= {3288, 3653}
    assert set(parameter["AllowedValues"]) <= accepted
    assert parameter["Default"] in parameter["AllowedValues"]


def _functions(template: StackTemplate) -> list[dict[str, Any]]:
    return list(template.of_type("AWS::Serverless::Function").values())


API_IDS = list(StackTemplate().of_type("AWS::Serverless::HttpApi"))


def _access_log(template: StackTemplate, api_id: str) -> tuple[dict[str, Any], dict[str, str]]:
    settings = template.resources[api_id]["Properties"]["AccessLogSettings"]
    return settings, json.loads(settings["Format"])


@pytest.mark.parametrize("api_id", API_IDS)
def test_access_logs_go_to_their_own_log_group_with_retention(api_id, stack_template):
    settings, _ = _access_log(stack_template, api_id)
    log_group_id, attribute = settings["DestinationArn"]["Fn::GetAtt"]
    assert attribute == "Arn"
    log_group = stack_template.resources[log_group_id]
    assert log_group["Type"] == "AWS::Logs::LogGroup"
    assert log_group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    function_log_groups = {
        f["Properties"]["LoggingConfig"]["LogGroup"]["Ref"] for f in _functions(stack_template)
    }
    assert log_group_id not in function_log_groups


@pytest.mark.parametrize("api_id", API_IDS)
def test_access_logs_name_the_route_and_never_the_path_body_or_credentials(api_id, stack_template):
    _, fields = _access_log(stack_template, api_id)
    variables = [re.fullmatch(r"\$context\.([\w.]+)", value) for value in fields.values()]
    assert all(variables), fields
    names = {match.group(1) for match in variables if match}
    # /sessions/{session_key} carries the key in the path: the route key names the route instead.
    assert {"requestId", "identity.sourceIp", "httpMethod", "routeKey", "status"} <= names
    assert "responseLatency" in names and "integrationErrorMessage" in names
    forbidden = re.compile(r"path|body|header|authoriz|query|token|claims|user", re.IGNORECASE)
    assert [name for name in names if forbidden.search(name)] == []


def test_cors_is_configured_only_when_origins_are_given(stack_template):
    # The recruiter's API, which browsers of other origins call; the candidate's pages post forms
    # to their own origin and need none.
    api = stack_template.resources["RecruiterApi"]
    condition, configured, otherwise = api["Properties"]["CorsConfiguration"]["Fn::If"]
    assert otherwise == {"Ref": "AWS::NoValue"}
    assert configured["AllowOrigins"] == {"Ref": "AllowedOrigins"}
    assert "*" not in json.dumps(configured)
    assert stack_template.document["Conditions"][condition] == {
        "Fn::Not": [{"Fn::Equals": [{"Fn::Join": ["", {"Ref": "AllowedOrigins"}]}, ""]}]
    }
    assert stack_template.document["Parameters"]["AllowedOrigins"]["Default"] == ""


def _ses_statements(template: StackTemplate, function_id: str) -> list[dict[str, Any]]:
    statements = template.resources[function_id]["Properties"]["Policies"][0]["Statement"]
    return [s for s in statements if any(a.startswith("ses:") for a in s["Action"])]


def test_only_send_email_may_send_and_only_as_the_sender_through_the_configuration_set(stack_template):
    assert [f for f in stack_template.functions if _ses_statements(stack_template, f)] == [
        "SendEmailFunction"
    ]
    (statement,) = _ses_statements(stack_template, "SendEmailFunction")
    resources = [r["Fn::Sub"] for r in statement["Resource"]]
    assert [r.rpartition(":")[2] for r in resources] == [
        "identity/${SenderDomain}",
        "identity/${SenderEmail}",
        "configuration-set/${EmailConfigurationSet}",
    ]
    assert not [r for r in resources if "*" in r]


def test_every_send_uses_a_tls_only_configuration_set_with_reputation_metrics(stack_template):
    environment = stack_template.functions["SendEmailFunction"].environment
    configuration_set = stack_template.resources[environment["SES_CONFIGURATION_SET"]["Ref"]]
    assert configuration_set["Type"] == "AWS::SES::ConfigurationSet"
    props = configuration_set["Properties"]
    assert props["DeliveryOptions"]["TlsPolicy"] == "REQUIRE"
    assert props["ReputationOptions"]["ReputationMetricsEnabled"] is True


def test_the_sender_identity_is_the_sender_domain_with_dkim_and_created_only_when_asked(stack_template):
    (identity,) = stack_template.of_type("AWS::SES::EmailIdentity").values()
    assert identity["Properties"]["EmailIdentity"] == {"Ref": "SenderDomain"}
    assert identity["Properties"]["DkimAttributes"]["SigningEnabled"] is True
    condition = stack_template.document["Conditions"][identity["Condition"]]
    assert condition == {"Fn::Equals": [{"Ref": "CreateSenderIdentity"}, "true"]}


def test_send_email_concurrency_is_reserved_from_its_parameter(stack_template):
    props = stack_template.resources["SendEmailFunction"]["Properties"]
    condition, reserved, otherwise = props["ReservedConcurrentExecutions"]["Fn::If"]
    assert reserved == {"Ref": "EmailSendConcurrency"}
    assert otherwise == {"Ref": "AWS::NoValue"}
    assert int(stack_template.document["Parameters"]["EmailSendConcurrency"]["Default"]) > 0
    assert condition in stack_template.document["Conditions"]


def _dashboard_metrics(template: StackTemplate) -> list[list[Any]]:
    (dashboard,) = template.of_type("AWS::CloudWatch::Dashboard").values()
    body = json.loads(dashboard["Properties"]["DashboardBody"]["Fn::Sub"])
    return [
        [part for part in row if not isinstance(part, dict)]
        for widget in body["widgets"]
        for row in widget["properties"].get("metrics", [])
    ]


def test_the_dashboard_shows_every_outcome_the_functions_count(stack_template):
    variables = stack_template.document["Globals"]["Function"]["Environment"]["Variables"]
    namespace, service = variables["POWERTOOLS_METRICS_NAMESPACE"], variables["POWERTOOLS_SERVICE_NAME"]
    counted = ["SessionsCreated", *(f"Emails{status.title()}" for status in FINAL_EMAIL_STATUSES)]
    counted += ["RemindersRequested", "NoShows"]
    counted += ["CandidatePagesServed", "CandidateRescheduled", "CandidateCancelled", "CandidateLinkRejected"]
    counted += [f"ResumeExtraction_{outcome}" for outcome in [*ExtractionOutcome, PROVIDED]]
    shown = _dashboard_metrics(stack_template)
    missing = [name for name in counted if [namespace, name, "service", service] not in shown]
    assert missing == []


def test_the_dashboard_shows_the_lag_the_queues_and_every_functions_errors(stack_template):
    shown = _dashboard_metrics(stack_template)
    assert ["AWS/Lambda", "IteratorAge", "FunctionName", "${CreateSessionFunction}"] in shown
    for queue_id in _failure_queues(stack_template):
        row = ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", f"${{{queue_id}.QueueName}}"]
        assert row in shown
    for function_id in stack_template.functions:
        assert ["AWS/Lambda", "Errors", "FunctionName", f"${{{function_id}}}"] in shown


def _overrides(environment: str) -> dict[str, str]:
    config = tomllib.loads(SAMCONFIG.read_text())
    pairs = config[environment]["deploy"]["parameters"]["parameter_overrides"]
    return dict(pair.split("=", 1) for pair in pairs)


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_samconfig_gives_each_parameter_without_a_default_and_only_template_parameters(
    environment, stack_template
):
    parameters = stack_template.document["Parameters"]
    overrides = _overrides(environment)
    assert set(overrides) <= set(parameters)
    without_default = {name for name, p in parameters.items() if "Default" not in p}
    assert without_default == {"JwtIssuer", "JwtAudience", "SenderEmail", "SenderDomain", "InterviewBaseUrl"}
    assert without_default <= set(overrides)


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_samconfig_placeholders_are_refused_until_replaced(environment, stack_template):
    parameters = stack_template.document["Parameters"]
    for name, value in _overrides(environment).items():
        pattern = parameters[name].get("AllowedPattern")
        if value.startswith("<"):
            assert pattern and not re.fullmatch(pattern, value), name
        elif "AllowedValues" in parameters[name]:
            assert value in map(str, parameters[name]["AllowedValues"]), name


def test_real_values_pass_the_parameter_patterns(stack_template):
    parameters = stack_template.document["Parameters"]
    examples = {**TEST_PARAMETERS, "AlarmEmail": "oncall@hiring.test"}
    for name, value in examples.items():
        pattern = parameters[name].get("AllowedPattern")
        assert pattern is None or re.fullmatch(pattern, value), name
    assert re.fullmatch(parameters["AlarmEmail"]["AllowedPattern"], "")
    assert re.fullmatch(
        parameters["JwtIssuer"]["AllowedPattern"], "https://cognito-idp.eu-west-1.amazonaws.com/x"
    )
