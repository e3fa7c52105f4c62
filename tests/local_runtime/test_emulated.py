"""The local runtime names, at start, every resource type of the template it does not emulate."""

from pathlib import Path

from local_runtime.emulated import EMULATED_TYPES, describe_not_emulated, not_emulated
from local_runtime.launcher import RuntimeProcess
from local_runtime.template import Resolver, StackTemplate

LEFT_OUT = {
    "AWS::CloudWatch::Alarm",
    "AWS::CloudWatch::Dashboard",
    "AWS::IAM::Role",
    "AWS::Lambda::Permission",
    "AWS::Logs::LogGroup",
    "AWS::S3::BucketPolicy",
    "AWS::SES::EmailIdentity",
    "AWS::SNS::Subscription",
    "AWS::SNS::Topic",
    "AWS::SQS::QueuePolicy",
}


def test_every_type_of_the_template_is_either_emulated_or_named(stack_template: StackTemplate):
    """What the runtime leaves out is what the template's alarms, dashboard, logs, topic, role,
    SES resources and bucket policy are; everything else it creates or serves."""
    types = {resource["Type"] for resource in stack_template.resources.values()}
    assert set(not_emulated(stack_template)) == types - EMULATED_TYPES == LEFT_OUT


def test_the_line_counts_each_type(stack_template: StackTemplate):
    alarms = len(stack_template.of_type("AWS::CloudWatch::Alarm"))
    line = describe_not_emulated(stack_template)
    assert f"AWS::CloudWatch::Alarm x{alarms}" in line
    assert "AWS::DynamoDB::Table" not in line


def test_a_template_with_nothing_left_out_says_so():
    probe = StackTemplate(Path(__file__).parent / "fixtures" / "template.yaml")
    assert describe_not_emulated(probe) == "every resource type of the template is emulated"


def test_the_runtime_logs_the_line_at_start(runtime: RuntimeProcess):
    (line,) = [text for text in runtime.log_text().splitlines() if "not emulated here: " in text]
    named = {entry.split(" x")[0] for entry in line.split("not emulated here: ", 1)[1].split(", ")}
    assert named == LEFT_OUT


def test_the_runtime_says_how_it_splits_the_stream_over_concurrent_batches(runtime: RuntimeProcess):
    """ParallelizationFactor is emulated, but Lambda does not document how it assigns keys to its
    concurrent batches: the runtime says how it does, once, at start."""
    (line,) = [text for text in runtime.log_text().splitlines() if "ParallelizationFactor" in text]
    assert "InterviewsTable → CreateSessionFunction: ParallelizationFactor 2" in line
    assert "interview_id" in line


def test_a_functions_reserved_concurrency_is_read_through_the_templates_condition(stack_template):
    """send_email reserves EmailSendConcurrency executions unless it is 0 (then AWS::NoValue):
    the runtime runs that many at once, as Lambda would."""
    spec = stack_template.functions["SendEmailFunction"]

    assert Resolver(stack_template).resolve(spec.reserved_concurrency) == "5"  # the parameter's default
    assert Resolver(stack_template, {"EmailSendConcurrency": "12"}).resolve(spec.reserved_concurrency) == "12"
    assert Resolver(stack_template, {"EmailSendConcurrency": "0"}).resolve(spec.reserved_concurrency) is None
    assert stack_template.functions["CreateSessionFunction"].reserved_concurrency is None


def test_conditions_are_evaluated_with_the_parameters(stack_template):
    assert Resolver(stack_template, {"AlarmEmail": ""}).condition("HasAlarmEmail") is False
    assert Resolver(stack_template, {"AlarmEmail": "oncall@example.com"}).condition("HasAlarmEmail") is True
    assert Resolver(stack_template, {"CreateSenderIdentity": "true"}).condition("CreatesSenderIdentity")
    assert Resolver(stack_template, {"AllowedOrigins": ""}).condition("HasAllowedOrigins") is False
    assert Resolver(stack_template, {"AllowedOrigins": "https://a.test,https://b.test"}).condition(
        "HasAllowedOrigins"
    )
