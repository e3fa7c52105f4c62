"""Which of the template's resource types the local runtime stands in for, and which it leaves
out, so that nothing in the template is dropped without a word; and where what it emulates
works otherwise than AWS does.

A type is emulated when the runtime creates it in the embedded AWS or serves what it does;
everything else (alarms, dashboards, log groups, topics, roles, the SES identity and
configuration set, bucket policies) is named once at start.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Final

from local_runtime.streams.parallelization import HELD_BATCHES_PER_CONSUMER
from local_runtime.template import StackTemplate, StreamSource

EMULATED_TYPES: Final = frozenset(
    {
        "AWS::Serverless::Function",  # worker processes, with their Events
        "AWS::Serverless::HttpApi",  # routes and the JWT authorizer
        "AWS::Serverless::LayerVersion",  # on each function's import path
        "AWS::DynamoDB::Table",
        "AWS::S3::Bucket",
        "AWS::SQS::Queue",
        "AWS::SecretsManager::Secret",
        "AWS::Scheduler::ScheduleGroup",  # and the schedules in it, fired by the runtime
        "AWS::SES::ConfigurationSet",  # created, so sends may name it
        "AWS::SES::ConfigurationSetEventDestination",  # SES's events, as the mailbox simulator answers
        "AWS::Events::Rule",  # the default bus routes matching events to the rule's targets
        "AWS::Events::EventBus",  # created; what is put on it is routed to its rules' targets
        "AWS::Events::Archive",  # created in moto, which keeps the bus's events in it
    }
)


def not_emulated(template: StackTemplate) -> Counter[str]:
    """How many resources of each type the template declares that the runtime does not emulate."""
    return Counter(
        str(resource["Type"])
        for resource in template.resources.values()
        if resource["Type"] not in EMULATED_TYPES
    )


def describe_not_emulated(template: StackTemplate) -> str:
    """One line naming them, for the log at start."""
    left_out = not_emulated(template)
    if not left_out:
        return "every resource type of the template is emulated"
    listed = ", ".join(
        f"{resource_type} x{count}" if count > 1 else resource_type
        for resource_type, count in sorted(left_out.items())
    )
    return f"in the template, not emulated here: {listed}"


def stream_differences(sources: Sequence[StreamSource]) -> list[str]:
    """A line for each stream mapping whose ParallelizationFactor the runtime splits its own way."""
    return [
        f"{source.table_id} → {source.function_id}: ParallelizationFactor {source.parallelization_factor} "
        f"as {source.parallelization_factor} consumers per shard, each taking the records of its "
        f"{source.partition_key or 'key'} values (a CRC-32 of the value picks the consumer; Lambda's "
        "assignment is its own) one batch at a time, in order; a consumer that holds "
        f"{HELD_BATCHES_PER_CONSUMER} batches not yet through stops the shard's reading until it "
        "catches up (Lambda keeps a checkpoint per concurrent batch)"
        for source in sources
        if source.parallelization_factor > 1
    ]
