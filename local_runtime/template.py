"""template.yaml read as data: the one description that local runs and tests build from.

Resources are created under their logical ids, so a table the template does not declare
cannot exist locally either.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from samcli.yamlhelper import yaml_parse

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = REPO_ROOT / "template.yaml"
LOCAL_REGION = "us-east-1"
LOCAL_ACCOUNT = "123456789012"
MAX_PARALLELIZATION_FACTOR = 10  # Lambda's limit for a stream event source


@dataclass(frozen=True)
class HttpRoute:
    method: str
    path: str
    function_id: str
    authorizer: str | None  # None: the route is public
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class StreamSource:
    function_id: str
    event_id: str  # the event's name under the function's Events
    table_id: str
    starting_position: str
    batch_size: int
    batching_window_seconds: float
    bisect_on_error: bool
    maximum_retry_attempts: int
    maximum_record_age_seconds: int
    report_batch_item_failures: bool
    filter_patterns: tuple[dict[str, Any], ...]
    on_failure_queue_id: str | None
    # Concurrent batches per shard, and the table's partition key that keeps each key in order.
    parallelization_factor: int = 1
    partition_key: str | None = None  # None: the record's whole Keys


@dataclass(frozen=True)
class AsyncInvokeConfig:
    maximum_retry_attempts: int = 2
    maximum_event_age_seconds: int = 21600
    on_failure_queue_id: str | None = None


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    code_dir: Path
    handler: str  # dotted module path and attribute, as Lambda reads it
    timeout_seconds: int
    environment: Mapping[str, Any]  # unresolved: may hold Ref / GetAtt
    async_config: AsyncInvokeConfig = field(default_factory=AsyncInvokeConfig)
    memory_mb: int = 128
    layer_dirs: tuple[Path, ...] = ()  # each layer's content folder, in the template's order
    reserved_concurrency: Any = None  # ReservedConcurrentExecutions, unresolved: may hold Fn::If
    runtime: str = "python3.12"  # the Lambda runtime's identifier


@dataclass(frozen=True)
class RuleTarget:
    """One target of an EventBridge rule, with what EventBridge does when it cannot deliver."""

    target_id: str
    function_id: str | None  # the template's Lambda function it invokes, if it is one
    maximum_retry_attempts: int = 185  # EventBridge's defaults
    maximum_event_age_seconds: int = 86400
    dead_letter_queue_id: str | None = None


@dataclass(frozen=True)
class EventRule:
    rule_id: str
    event_bus: str
    pattern: Mapping[str, Any]  # unresolved: may hold Ref
    enabled: bool
    targets: tuple[RuleTarget, ...]


@dataclass(frozen=True)
class SesEventDestination:
    """Where a configuration set publishes its sending events (AWS::SES::ConfigurationSetEventDestination)."""

    destination_id: str
    configuration_set_id: str | None  # the template's configuration set it belongs to
    name: str
    enabled: bool
    event_types: tuple[str, ...]  # as the template spells them: send, delivery, deliveryDelay, ...
    default_event_bus: bool  # an EventBridge destination on the default bus (the only one SES allows)


class StackTemplate:
    def __init__(self, path: Path = TEMPLATE_PATH) -> None:
        self.path = path
        self.document: dict[str, Any] = json.loads(json.dumps(yaml_parse(path.read_text())))

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.document["Resources"]  # type: ignore[no-any-return]

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {rid: r for rid, r in self.resources.items() if r["Type"] == resource_type}

    def parameter_defaults(self) -> dict[str, str]:
        return {
            name: str(p["Default"])
            for name, p in self.document.get("Parameters", {}).items()
            if "Default" in p
        }

    # ------------------------------------------------------------------ data resources
    def table_definitions(self) -> dict[str, dict[str, Any]]:
        """boto3 `create_table` arguments for each table, named by logical id."""
        tables = {}
        for table_id, resource in self.of_type("AWS::DynamoDB::Table").items():
            props = resource["Properties"]
            definition: dict[str, Any] = {
                "TableName": table_id,
                "AttributeDefinitions": props["AttributeDefinitions"],
                "KeySchema": props["KeySchema"],
                "BillingMode": props.get("BillingMode", "PROVISIONED"),
            }
            if "GlobalSecondaryIndexes" in props:
                definition["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
            if "StreamSpecification" in props:
                definition["StreamSpecification"] = {
                    "StreamEnabled": True,
                    "StreamViewType": props["StreamSpecification"]["StreamViewType"],
                }
            tables[table_id] = definition
        return tables

    def buckets(self) -> dict[str, dict[str, Any]]:
        """Bucket properties that matter to the code (encryption, public access, CORS)."""
        return {rid: r.get("Properties", {}) for rid, r in self.of_type("AWS::S3::Bucket").items()}

    def queue_ids(self) -> list[str]:
        return list(self.of_type("AWS::SQS::Queue"))

    # ------------------------------------------------------------------ functions
    @cached_property
    def functions(self) -> dict[str, FunctionSpec]:
        globals_ = self.document.get("Globals", {}).get("Function", {})
        specs = {}
        for function_id, resource in self.of_type("AWS::Serverless::Function").items():
            props = resource["Properties"]
            environment = {
                **globals_.get("Environment", {}).get("Variables", {}),
                **props.get("Environment", {}).get("Variables", {}),
            }
            specs[function_id] = FunctionSpec(
                logical_id=function_id,
                code_dir=(self.path.parent / props["CodeUri"]).resolve(),
                handler=props["Handler"],
                timeout_seconds=int(props.get("Timeout", globals_.get("Timeout", 3))),
                environment=environment,
                async_config=_async_config(props.get("EventInvokeConfig")),
                memory_mb=int(props.get("MemorySize", globals_.get("MemorySize", 128))),
                # SAM appends a function's own layers to the global ones.
                layer_dirs=self._layer_dirs([*globals_.get("Layers", []), *props.get("Layers", [])]),
                reserved_concurrency=props.get("ReservedConcurrentExecutions"),
                runtime=str(props.get("Runtime", globals_.get("Runtime", FunctionSpec.runtime))),
            )
        return specs

    def _layer_dirs(self, layers: list[Any]) -> tuple[Path, ...]:
        """Content folders of the template's own layers; layers given by ARN are not local."""
        dirs = []
        for layer in layers:
            layer_id = _referenced_id(layer)
            resource = self.resources.get(layer_id or "")
            if resource and resource["Type"] == "AWS::Serverless::LayerVersion":
                dirs.append((self.path.parent / resource["Properties"]["ContentUri"]).resolve())
        return tuple(dirs)

    def _events(self, event_type: str) -> list[tuple[str, str, dict[str, Any]]]:
        """(function id, event id, properties) of every event of one type."""
        found = []
        for function_id, resource in self.of_type("AWS::Serverless::Function").items():
            for event_id, event in resource["Properties"].get("Events", {}).items():
                if event["Type"] == event_type:
                    found.append((function_id, event_id, event["Properties"]))
        return found

    def http_routes(self) -> list[HttpRoute]:
        """Every HttpApi event's route; one without an Auth of its own takes its API's default
        authorizer (routes of all the template's HTTP APIs are served together locally)."""
        routes = []
        for function_id, _, props in self._events("HttpApi"):
            auth = props.get("Auth", {})
            authorizer = auth.get(
                "Authorizer", self._default_http_authorizer(_referenced_id(props.get("ApiId")))
            )
            routes.append(
                HttpRoute(
                    method=props["Method"].upper(),
                    path=props["Path"],
                    function_id=function_id,
                    authorizer=None if authorizer == "NONE" else authorizer,
                    scopes=tuple(auth.get("AuthorizationScopes", ())),
                )
            )
        return routes

    def _default_http_authorizer(self, api_id: str | None) -> str | None:
        """The DefaultAuthorizer of the route's API (of the implicit one, when no ApiId is given)."""
        apis = self.of_type("AWS::Serverless::HttpApi")
        api = apis.get(api_id) if api_id is not None else next(iter(apis.values()), None)
        default = (api or {}).get("Properties", {}).get("Auth", {}).get("DefaultAuthorizer")
        return str(default) if default else None

    def http_jwt_authorizers(self) -> dict[str, dict[str, Any]]:
        """Every JWT authorizer of the HTTP APIs by name, its JwtConfiguration still as expressions."""
        found = {}
        for api in self.of_type("AWS::Serverless::HttpApi").values():
            for name, authorizer in api["Properties"].get("Auth", {}).get("Authorizers", {}).items():
                if "JwtConfiguration" in authorizer:
                    found[name] = authorizer["JwtConfiguration"]
        return found

    def stream_sources(self, parameters: Mapping[str, str] | None = None) -> list[StreamSource]:
        """Each DynamoDB event source; a setting given by a parameter (ParallelizationFactor) takes
        its value from `parameters`, else the parameter's default."""
        resolver = Resolver(self, parameters)
        sources = []
        for function_id, event_id, props in self._events("DynamoDB"):
            on_failure = props.get("DestinationConfig", {}).get("OnFailure", {})
            table_id = props["Stream"]["Fn::GetAtt"][0]
            factor = int(resolver.resolve(props.get("ParallelizationFactor", 1)))
            if not 1 <= factor <= MAX_PARALLELIZATION_FACTOR:
                raise ValueError(f"{function_id}.{event_id}: ParallelizationFactor {factor} is not 1 to 10")
            sources.append(
                StreamSource(
                    function_id=function_id,
                    event_id=event_id,
                    table_id=table_id,
                    starting_position=props.get("StartingPosition", "LATEST"),
                    batch_size=int(props.get("BatchSize", 100)),
                    batching_window_seconds=float(props.get("MaximumBatchingWindowInSeconds", 0)),
                    bisect_on_error=bool(props.get("BisectBatchOnFunctionError", False)),
                    maximum_retry_attempts=int(props.get("MaximumRetryAttempts", -1)),
                    maximum_record_age_seconds=int(props.get("MaximumRecordAgeInSeconds", -1)),
                    report_batch_item_failures="ReportBatchItemFailures"
                    in props.get("FunctionResponseTypes", []),
                    filter_patterns=tuple(
                        json.loads(f["Pattern"]) for f in props.get("FilterCriteria", {}).get("Filters", [])
                    ),
                    on_failure_queue_id=_referenced_id(on_failure.get("Destination")),
                    parallelization_factor=factor,
                    partition_key=self._partition_key(table_id),
                )
            )
        return sources

    def _partition_key(self, table_id: str) -> str | None:
        schema = self.resources[table_id]["Properties"].get("KeySchema", [])
        return next((str(k["AttributeName"]) for k in schema if k["KeyType"] == "HASH"), None)

    # ------------------------------------------------------------------ events
    def event_rules(self) -> list[EventRule]:
        rules = []
        for rule_id, resource in self.of_type("AWS::Events::Rule").items():
            props = resource["Properties"]
            targets = []
            for target in props.get("Targets", []):
                function_id = _referenced_id(target.get("Arn"))
                retry = target.get("RetryPolicy", {})
                targets.append(
                    RuleTarget(
                        target_id=str(target["Id"]),
                        function_id=function_id if function_id in self.functions else None,
                        maximum_retry_attempts=int(retry.get("MaximumRetryAttempts", 185)),
                        maximum_event_age_seconds=int(retry.get("MaximumEventAgeInSeconds", 86400)),
                        dead_letter_queue_id=_referenced_id(target.get("DeadLetterConfig", {}).get("Arn")),
                    )
                )
            rules.append(
                EventRule(
                    rule_id=rule_id,
                    # A bus of the template is named by its logical id (locally its name too).
                    event_bus=_referenced_id(props.get("EventBusName"))
                    or str(props.get("EventBusName", "default")),
                    pattern=props.get("EventPattern", {}),
                    enabled=props.get("State", "ENABLED") == "ENABLED",
                    targets=tuple(targets),
                )
            )
        return rules

    def event_buses(self) -> list[str]:
        """The template's own buses, by logical id (the local name of each)."""
        return list(self.of_type("AWS::Events::EventBus"))

    def event_archives(self) -> dict[str, str | None]:
        """Each archive's logical id → the template bus it archives (None: another bus)."""
        return {
            archive_id: _referenced_id(resource["Properties"].get("SourceArn"))
            for archive_id, resource in self.of_type("AWS::Events::Archive").items()
        }

    def ses_event_destinations(self) -> list[SesEventDestination]:
        destinations = []
        for destination_id, resource in self.of_type("AWS::SES::ConfigurationSetEventDestination").items():
            props = resource["Properties"]
            destination = props["EventDestination"]
            bus = destination.get("EventBridgeDestination", {}).get("EventBusArn")
            bus_text = bus.get("Fn::Sub", "") if isinstance(bus, dict) else str(bus or "")
            destinations.append(
                SesEventDestination(
                    destination_id=destination_id,
                    configuration_set_id=_referenced_id(props.get("ConfigurationSetName")),
                    name=str(destination.get("Name", destination_id)),
                    enabled=bool(destination.get("Enabled", False)),
                    event_types=tuple(destination.get("MatchingEventTypes", [])),
                    default_event_bus=bus_text.endswith(":event-bus/default"),
                )
            )
        return destinations


def _referenced_id(expression: Any) -> str | None:
    """The logical id that a Ref or GetAtt points at."""
    if isinstance(expression, dict):
        if "Ref" in expression:
            return str(expression["Ref"])
        if "Fn::GetAtt" in expression:
            return str(expression["Fn::GetAtt"][0])
    return None


def _async_config(config: dict[str, Any] | None) -> AsyncInvokeConfig:
    if not config:
        return AsyncInvokeConfig()
    on_failure = config.get("DestinationConfig", {}).get("OnFailure", {})
    return AsyncInvokeConfig(
        maximum_retry_attempts=int(config.get("MaximumRetryAttempts", 2)),
        maximum_event_age_seconds=int(config.get("MaximumEventAgeInSeconds", 21600)),
        on_failure_queue_id=_referenced_id(on_failure.get("Destination")),
    )


NO_VALUE = "AWS::NoValue"  # a property given as this is left out


class Resolver:
    """Evaluates the template's Ref and GetAtt for resources created locally under logical ids."""

    def __init__(
        self,
        template: StackTemplate,
        parameters: Mapping[str, str] | None = None,
        attributes: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self._template = template
        self._parameters = {**template.parameter_defaults(), **(parameters or {})}
        # Attributes only known once a resource exists (a stream's ARN), by logical id.
        self._attributes = attributes or {}

    def resolve(self, value: Any) -> Any:
        if isinstance(value, dict):
            functions = {"Ref", "Fn::GetAtt", "Fn::If", "Fn::Join"} & value.keys()
            if functions:
                return self._intrinsic(functions.pop(), value)
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value

    def _intrinsic(self, function: str, value: dict[str, Any]) -> Any:
        argument = value[function]
        if function == "Ref":
            return None if argument == NO_VALUE else self.ref(argument)
        if function == "Fn::GetAtt":
            resource_id, attribute = argument
            return self.get_att(resource_id, attribute)
        if function == "Fn::If":
            condition, if_true, if_false = argument
            return self.resolve(if_true if self.condition(condition) else if_false)
        return self._join(*argument)

    def _join(self, separator: str, parts: Any) -> str:
        return separator.join(str(item) for item in as_list(self.resolve(parts)))

    def condition(self, name: str) -> bool:
        """A condition of the template's Conditions, with the parameters' values."""
        return self._true(self._template.document.get("Conditions", {})[name])

    def _true(self, expression: Any) -> bool:
        if isinstance(expression, dict) and "Fn::Not" in expression:
            return not self._true(expression["Fn::Not"][0])
        if isinstance(expression, dict) and "Fn::Equals" in expression:
            left, right = expression["Fn::Equals"]
            return str(self.resolve(left)) == str(self.resolve(right))
        if isinstance(expression, dict) and "Condition" in expression:
            return self.condition(expression["Condition"])
        raise ValueError(f"a condition this runtime cannot evaluate: {expression}")

    def ref(self, name: str) -> str:
        if name in self._parameters:
            return self._parameters[name]
        if "Ref" in self._attributes.get(name, {}):
            return self._attributes[name]["Ref"]
        resource = self._template.resources.get(name)
        if resource is None:
            raise KeyError(f"template has no parameter value or resource named {name}")
        if resource["Type"] == "AWS::S3::Bucket":
            return bucket_name(name)
        return name

    def get_att(self, resource_id: str, attribute: str) -> str:
        known = self._attributes.get(resource_id, {})
        if attribute in known:
            return known[attribute]
        resource_type = self._template.resources[resource_id]["Type"]
        if attribute == "Arn":
            return _arn(resource_type, resource_id)
        if attribute == "ApiEndpoint" and resource_type == "AWS::Serverless::HttpApi":
            # As AWS names it; a local run that serves the API gives its own URL as an attribute.
            return f"https://{resource_id.lower()}.execute-api.{LOCAL_REGION}.amazonaws.com"
        raise KeyError(f"{resource_id}.{attribute} is not known until the resource exists")

    def environment(self, function_id: str) -> dict[str, str]:
        spec = self._template.functions[function_id]
        return {name: str(self.resolve(value)) for name, value in spec.environment.items()}


def import_environment(template: StackTemplate, parameters: Mapping[str, str]) -> dict[str, str]:
    """Every function's template environment in one: what a process needs to import any handler
    module outside Lambda, since handler modules check their settings at import."""
    resolver = Resolver(template, parameters, {})
    return {name: value for fid in template.functions for name, value in resolver.environment(fid).items()}


def as_list(resolved: Any) -> list[Any]:
    """A resolved list: a CommaDelimitedList parameter's value is given to the runtime as its text."""
    return resolved.split(",") if isinstance(resolved, str) else list(resolved)


def bucket_name(bucket_id: str) -> str:
    """S3 names are lower case; the local bucket is its logical id in lower case."""
    return bucket_id.lower()


def _arn(resource_type: str, name: str) -> str:
    service_arns = {
        "AWS::DynamoDB::Table": f"arn:aws:dynamodb:{LOCAL_REGION}:{LOCAL_ACCOUNT}:table/{name}",
        "AWS::SQS::Queue": f"arn:aws:sqs:{LOCAL_REGION}:{LOCAL_ACCOUNT}:{name}",
        "AWS::S3::Bucket": f"arn:aws:s3:::{bucket_name(name)}",
        "AWS::Serverless::Function": f"arn:aws:lambda:{LOCAL_REGION}:{LOCAL_ACCOUNT}:function:{name}",
        "AWS::IAM::Role": f"arn:aws:iam::{LOCAL_ACCOUNT}:role/{name}",
        "AWS::Events::Rule": f"arn:aws:events:{LOCAL_REGION}:{LOCAL_ACCOUNT}:rule/{name}",
        "AWS::Events::EventBus": f"arn:aws:events:{LOCAL_REGION}:{LOCAL_ACCOUNT}:event-bus/{name}",
        "AWS::Scheduler::ScheduleGroup": (
            f"arn:aws:scheduler:{LOCAL_REGION}:{LOCAL_ACCOUNT}:schedule-group/{name}"
        ),
    }
    return service_arns[resource_type]
