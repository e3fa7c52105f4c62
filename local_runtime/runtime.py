"""The whole system on one machine, from template.yaml: embedded AWS, the template's resources,
each function in its own worker processes, the HTTP API, the Lambda Invoke API, the stream
event source mappings, async invokes, an outbox for sent mail, and SES's events (the mailbox
simulator's) through the template's EventBridge rules.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from local_runtime.apigw.events import RouteTable
from local_runtime.apigw.http_api import HttpApiGateway
from local_runtime.apigw.jwt_authorizer import JwtAuthorizer
from local_runtime.apigw.tokens import TokenIssuer
from local_runtime.aws.credentials import DUMMY_CREDENTIALS, local_session
from local_runtime.aws.outbox import MailHandOff, Outbox, SentEmail
from local_runtime.aws.process import AwsProcess
from local_runtime.aws.resources import create_resources, verify_sender_identity
from local_runtime.aws.state import SavedState, load_state, save_state
from local_runtime.config import RuntimeConfig
from local_runtime.emulated import describe_not_emulated, stream_differences
from local_runtime.eventbridge import bus
from local_runtime.lambda_.async_invoke import AsyncInvoker
from local_runtime.lambda_.function_pool import FunctionPool, PoolStoppedError, Worker, WorkerSettings
from local_runtime.lambda_.invocation import InvocationResult
from local_runtime.lambda_.invoke_api import InvokeApi, LocalFunction
from local_runtime.scheduler.control import ControlApi
from local_runtime.scheduler.poller import SchedulePoller, TargetUnavailable
from local_runtime.scheduler.timing import SchedulerClock
from local_runtime.servers import BackgroundServer
from local_runtime.ses.mailbox_simulator import SIMULATOR_DOMAIN, Scenario
from local_runtime.ses.publisher import SesEventPublisher, published_event_types
from local_runtime.shutdown import EventQueue, PendingWork, drain
from local_runtime.streams.event_filter import check_filter_criteria
from local_runtime.streams.poller import PollerSettings, StreamPoller, sqs_destination
from local_runtime.streams.records import streams_client
from local_runtime.template import LOCAL_REGION, FunctionSpec, Resolver, StackTemplate

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

log = logging.getLogger("local_runtime.runtime")


@dataclass(frozen=True)
class RuntimeInfo:
    """Where everything is, once the runtime is ready (also written as the ready file)."""

    api_url: str
    aws_endpoint: str
    invoke_url: str
    outbox_dir: str
    state_dir: str
    jwt_issuer: str
    jwt_audience: str
    dev_token: str
    embedded_aws: bool
    startup_seconds: float
    control_url: str = ""  # POST {control_url}/clock {"advance_seconds": N}: local only

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> RuntimeInfo:
        return cls(**json.loads(text))


def worker_environment(
    spec: FunctionSpec, template_environment: dict[str, str], *, aws_endpoint: str, invoke_url: str
) -> dict[str, str]:
    """The environment Lambda gives a function, pointed at the local endpoints."""
    now = datetime.now(UTC)
    return {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "LANG": "en_US.UTF-8",
        "TZ": "UTC",  # Lambda runs in UTC whatever the laptop's zone
        **template_environment,
        "AWS_REGION": LOCAL_REGION,
        "AWS_DEFAULT_REGION": LOCAL_REGION,
        **DUMMY_CREDENTIALS,
        # No profile or config file of the developer's may redirect or authorise the functions.
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_ENDPOINT_URL": aws_endpoint,
        "AWS_ENDPOINT_URL_LAMBDA": invoke_url,
        # Lambda's runtime identifier: the SDKs and Powertools add it to each request's user agent,
        # which is how the embedded AWS's request log tells the functions' requests from the runtime's.
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
        "AWS_LAMBDA_FUNCTION_NAME": spec.logical_id,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.logical_id}",
        "AWS_LAMBDA_LOG_STREAM_NAME": f"{now:%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}",
        "LAMBDA_TASK_ROOT": str(spec.code_dir),
        "_HANDLER": spec.handler,
        # Local receivers listen on loopback over http; in AWS only public https addresses are called.
        "WEBHOOK_ALLOW_LOOPBACK": "true",
        # No X-Ray daemon and no CloudWatch locally: tracing off, metrics not flushed.
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
    }


class LocalRuntime:
    def __init__(self, config: RuntimeConfig | None = None) -> None:
        self.config = config or RuntimeConfig()
        self.template = StackTemplate(self.config.template_path)
        self.stream_sources = self.template.stream_sources(self.config.template_parameters())
        check_filter_criteria(self.stream_sources)
        log.info("%s", describe_not_emulated(self.template))
        log.info(
            "webhooks may be sent to http and loopback addresses here (WEBHOOK_ALLOW_LOOPBACK); "
            "in AWS only to https URLs whose addresses are all public"
        )
        for difference in stream_differences(self.stream_sources):
            log.info("%s", difference)
        # A rule's pattern this bus cannot match fails here, before anything starts.
        bus.bind_rules(self.template, Resolver(self.template, self.config.template_parameters()))
        self.outbox = Outbox(self.config.outbox_dir)
        self._embedded: AwsProcess | None = None
        self._mail: MailHandOff | None = None  # accepted mail on to the outbox and SES's events
        self._servers: list[BackgroundServer] = []
        self._functions: dict[str, LocalFunction] = {}
        self._pollers: list[StreamPoller] = []
        self._ready = threading.Event()
        self._session: boto3.Session | None = None
        self._endpoint: str | None = None
        self._gateway: HttpApiGateway | None = None
        self._api_server: BackgroundServer | None = None
        self._work_stopped = False
        self.restored: SavedState | None = None  # the state loaded at start (--persist)
        self._scheduler: SchedulePoller | None = None
        self._ses_events: SesEventPublisher | None = None
        self.event_bus: bus.DefaultEventBus | None = None
        # The template's own buses, by logical id; what functions put on them is seen in their archives.
        self.buses: dict[str, bus.EventBus] = {}
        self.token_issuer: TokenIssuer | None = None

    @property
    def functions(self) -> dict[str, LocalFunction]:
        return self._functions

    @property
    def pollers(self) -> list[StreamPoller]:
        return self._pollers

    def start(self) -> RuntimeInfo:
        started = time.monotonic()
        try:
            info = self._start(started)
        except BaseException:
            self.stop()
            raise
        if self.config.ready_file is not None:
            self.config.ready_file.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.config.ready_file.with_suffix(".tmp")
            temporary.write_text(info.to_json())
            temporary.replace(self.config.ready_file)
        return info

    def _start(self, started: float) -> RuntimeInfo:
        config = self.config
        endpoint = config.aws_endpoint or os.environ.get("AWS_ENDPOINT_URL")
        if endpoint is None:
            self._mail = MailHandOff([self.outbox.deliver, self._publish_ses_events])
            self._embedded = AwsProcess(
                config.host,
                config.aws_port,
                archives=self.template.event_archives(),
                on_mail=self._mail,
                request_log=config.aws_request_log,
            )
            endpoint = self._embedded.start()
            log.info("%s", self._embedded.scheduling)
        else:
            log.warning(
                "using the AWS endpoint %s; the outbox only sees mail sent to the embedded AWS", endpoint
            )
        session = local_session(LOCAL_REGION)
        self._session, self._endpoint = session, endpoint
        parameters = config.template_parameters()
        if config.persist:
            self.restored = load_state(config.state_file)
            if self.restored is None:
                log.info("no saved state at %s: starting empty", _display(config.state_file))
            else:
                log.info(
                    "loaded the state saved in %s: %s", _display(config.state_file), self.restored.summary()
                )
        attributes = create_resources(
            self.template,
            session,
            endpoint_url=endpoint,
            exist_ok=True,
            restore=self.restored,
            parameters=parameters,
        )
        sender = parameters.get("SenderEmail")
        if sender and "SenderEmail" in self.template.document.get("Parameters", {}):
            verify_sender_identity(sender, session, endpoint_url=endpoint)

        invoke_server = self._serve("lambda", InvokeApi(lambda: self._functions), config.invoke_port)
        authorizers = self._authorizers(Resolver(self.template, parameters, attributes))
        gateway = HttpApiGateway(
            RouteTable(self.template.http_routes()),
            authorizers,
            invoke=self._invoke_http_function,
            ready=self._ready.is_set,
        )
        # Bound before the functions start, so a function told the API's endpoint gets this one.
        api_server = self._serve("http", gateway, config.api_port)
        self._gateway, self._api_server = gateway, api_server
        for api_id in self.template.of_type("AWS::Serverless::HttpApi"):
            attributes.setdefault(api_id, {})["ApiEndpoint"] = api_server.url
        resolver = Resolver(self.template, parameters, attributes)
        self._create_functions(resolver, session, endpoint, invoke_server.url)
        self._wait_warm()
        self._start_pollers(resolver, session, endpoint, attributes)
        self._start_event_bus(resolver, session, endpoint)
        control_server = self._start_scheduler(session, endpoint)
        issuer = self.token_issuer
        self._ready.set()
        return RuntimeInfo(
            api_url=api_server.url,
            aws_endpoint=endpoint,
            invoke_url=invoke_server.url,
            outbox_dir=str(config.outbox_dir),
            state_dir=str(config.state_dir),
            jwt_issuer=issuer.issuer if issuer else "",
            jwt_audience=issuer.audience if issuer else "",
            dev_token=issuer.mint() if issuer else "",
            embedded_aws=self._embedded is not None,
            startup_seconds=round(time.monotonic() - started, 2),
            control_url=control_server.url,
        )

    def _invoke_http_function(self, function_id: str, event: dict[str, Any]) -> InvocationResult:
        function = self._functions.get(function_id)
        if function is None:  # a request in the moment before the functions exist
            raise PoolStoppedError(f"{function_id} is not started yet")
        return function.pool.invoke_json(event)

    def _serve(self, name: str, app: WSGIApplication, port: int) -> BackgroundServer:
        server = BackgroundServer(name, app, self.config.host, port)
        server.start()
        self._servers.append(server)
        return server

    def _create_functions(
        self, resolver: Resolver, session: boto3.Session, endpoint: str, invoke_url: str
    ) -> None:
        http_functions = {route.function_id for route in self.template.http_routes()}
        # A stream's concurrent batches each need a worker of their own, as in Lambda.
        stream_concurrency: dict[str, int] = {}
        for source in self.stream_sources:
            stream_concurrency[source.function_id] = (
                stream_concurrency.get(source.function_id, 0) + source.parallelization_factor
            )
        sqs = session.client("sqs", endpoint_url=endpoint)
        for function_id, spec in self.template.functions.items():
            arn = resolver.get_att(function_id, "Arn")
            environment = worker_environment(
                spec, resolver.environment(function_id), aws_endpoint=endpoint, invoke_url=invoke_url
            )
            size = self.config.http_workers if function_id in http_functions else self.config.other_workers
            reserved = resolver.resolve(spec.reserved_concurrency)
            if reserved is not None and int(reserved) > 0:
                # As in Lambda, as many at once as the function has reserved.
                size = int(reserved)
                log.info("%s runs up to %d at once (ReservedConcurrentExecutions)", function_id, size)
            size = max(size, stream_concurrency.get(function_id, 0))
            pool = FunctionPool(WorkerSettings(spec, environment, arn), size)
            queue_id = spec.async_config.on_failure_queue_id
            events = AsyncInvoker(
                function_id,
                arn,
                spec.async_config,
                invoke=pool.invoke,
                on_failure=sqs_destination(sqs, resolver.ref(queue_id)) if queue_id else None,
                retry_delays=self.config.async_retry_delays,
                concurrency=pool.size,
            )
            events.start()
            self._functions[function_id] = LocalFunction(pool, events)

    def _authorizers(self, resolver: Resolver) -> dict[str, JwtAuthorizer]:
        authorizers = {}
        for name, expression in self.template.http_jwt_authorizers().items():
            configuration = resolver.resolve(expression)
            audiences = [str(a) for a in configuration.get("audience", [])]
            if self.token_issuer is None:
                self.token_issuer = TokenIssuer.from_state_dir(
                    self.config.state_dir, str(configuration["issuer"]), audiences[0] if audiences else ""
                )
            authorizers[name] = JwtAuthorizer(
                self.token_issuer.key_set, str(configuration["issuer"]), audiences
            )
        return authorizers

    def _wait_warm(self) -> None:
        """Starts the warm workers together and waits until each has imported its handler."""
        warm: list[Worker] = []
        for function in self._functions.values():
            warm.extend(function.pool.prewarm(function.pool.size if self.config.prewarm else 1))
        for worker in warm:
            worker.wait_ready()

    def _start_pollers(
        self, resolver: Resolver, session: boto3.Session, endpoint: str, attributes: dict[str, dict[str, str]]
    ) -> None:
        streams = streams_client(session, endpoint)
        sqs = session.client("sqs", endpoint_url=endpoint)
        settings = PollerSettings(self.config.stream_poll_interval, self.config.stream_retry_delay)
        for source in self.stream_sources:
            pool = self._functions[source.function_id].pool
            queue_id = source.on_failure_queue_id
            poller = StreamPoller(
                source,
                stream_arn=attributes[source.table_id]["StreamArn"],
                function_arn=resolver.get_att(source.function_id, "Arn"),
                streams=streams,
                invoke=pool.invoke_json,
                send_to_destination=sqs_destination(sqs, resolver.ref(queue_id)) if queue_id else None,
                settings=settings,
            )
            poller.start()
            self._pollers.append(poller)

    def _start_event_bus(self, resolver: Resolver, session: boto3.Session, endpoint: str) -> None:
        """EventBridge's default bus with the template's rules, and SES publishing onto it."""
        sqs = session.client("sqs", endpoint_url=endpoint)

        def deliver(function_id: str, payload: bytes, request_id: str) -> None:
            function = self._functions.get(function_id)
            if function is None or self._work_stopped:
                raise bus.TargetUnavailable(f"no function {function_id} taking events")
            function.events.submit(payload, request_id or str(uuid.uuid4()))

        def dead_letter(queue_id: str, body: str, attributes: Mapping[str, str]) -> None:
            values = {name: {"DataType": "String", "StringValue": v} for name, v in attributes.items()}
            # From a thread of its own, so routing the events after it is not held up by the send.
            threading.Thread(
                target=sqs.send_message,
                kwargs={"QueueUrl": resolver.ref(queue_id), "MessageBody": body, "MessageAttributes": values},
                daemon=True,
            ).start()

        self.event_bus = bus.DefaultEventBus(bus.bind_rules(self.template, resolver), deliver, dead_letter)
        archives = self.template.event_archives()
        for bus_id in self.template.event_buses():
            self.buses[bus_id] = bus.EventBus(
                bus.bind_rules(self.template, resolver, bus_id), deliver, dead_letter
            )
            for archive_id in (a for a, archived in archives.items() if archived == bus_id):
                if self._embedded is not None:  # another endpoint's archives are not seen here
                    self._embedded.bind(archive_id, self.buses[bus_id].put_events)
            log.info(
                "events put on %s go through its archive to its rules (%s)",
                bus_id,
                "; ".join(
                    f"{rule.rule_id} -> {', '.join(t.function_id or t.target_id for t in rule.targets)}"
                    for rule in self.buses[bus_id].rules
                )
                or "none",
            )
        published = published_event_types(self.template, resolver)
        self._ses_events = SesEventPublisher(published, self.event_bus.put_events)
        routes = "; ".join(
            f"{rule.rule_id} -> {', '.join(t.function_id or t.target_id for t in rule.targets)}"
            for rule in self.event_bus.rules
        )
        simulated = ", ".join(f"{s}@" for s in Scenario if s is not Scenario.ORDINARY)
        log.info(
            "SES events (%s) go to the default event bus (rules: %s); recipients %s%s answer as "
            "the SES mailbox simulator does, every other address is delivered",
            self._ses_events.describe(),
            routes or "none",
            simulated,
            SIMULATOR_DOMAIN,
        )

    def _publish_ses_events(self, sent: SentEmail) -> None:
        publisher = self._ses_events
        if publisher is None or self._work_stopped:
            log.info("SES events for %s not published: the event bus is not running", sent.message_id[:12])
            return
        publisher(sent)

    def _start_scheduler(self, session: boto3.Session, endpoint: str) -> BackgroundServer:
        """EventBridge Scheduler: due schedules fire into their Lambda targets' event queues."""
        by_arn = {f"function:{function_id}": function for function_id, function in self._functions.items()}

        def deliver(function_arn: str, payload: bytes) -> None:
            function = by_arn.get(f"function:{function_arn.rsplit(':function:', 1)[-1]}")
            if function is None or self._work_stopped:
                raise TargetUnavailable(f"no function {function_arn}")
            function.events.submit(payload, str(uuid.uuid4()))

        self._scheduler = SchedulePoller(
            session.client("scheduler", endpoint_url=endpoint),
            session.client("sqs", endpoint_url=endpoint),
            SchedulerClock(),
            deliver,
            interval=self.config.schedule_poll_interval,
        )
        self._scheduler.start()
        server = self._serve("control", ControlApi(self._scheduler), self.config.control_port)
        log.info(
            "schedules fire on a clock of this runtime's own; move it with POST %s/clock "
            '{"advance_seconds": N} (AWS has no such thing)',
            server.url,
        )
        return server

    def shutdown(self, drain_seconds: float) -> PendingWork:
        """Ctrl-C: takes no new HTTP request, finishes accepted work for up to `drain_seconds`,
        says what was left, saves the state if asked to, then stops everything."""
        deadline = time.monotonic() + drain_seconds
        self._ready.clear()
        if self._api_server is not None:
            self._api_server.stop()
        pending = PendingWork(0, {}, {})
        try:
            if self._gateway is None:
                return pending  # never started
            queues: list[EventQueue] = [function.events for function in self._functions.values()]
            # What the embedded AWS saw (mail, archived events) is on its way to the mail and the buses.
            queues += [queue for queue in (self._embedded, self._mail) if queue is not None]
            drain(self._gateway, self._pollers, queues, deadline)
            unanswered = self._gateway.in_flight
            self._stop_work()
            pending = PendingWork(
                unanswered,
                {poller.label: self._backlog(poller) for poller in self._pollers},
                {function_id: f.events.pending for function_id, f in self._functions.items()},
            )
            (log.info if pending.empty else log.warning)("%s", pending.describe())
            if self.config.persist:
                self._save_state()
        finally:
            self.stop()
        return pending

    def _save_state(self) -> None:
        if self._session is None or self._endpoint is None:
            return
        path = self.config.state_file
        try:
            saved = save_state(self.template, self._session, self._endpoint, path)
        except (BotoCoreError, ClientError, OSError):
            log.exception("could not save the state to %s", _display(path))
            return
        log.info("saved state to %s: %s", _display(path), saved.summary())

    @staticmethod
    def _backlog(poller: StreamPoller) -> int:
        try:
            return poller.backlog()
        except (BotoCoreError, ClientError):
            log.exception("could not read what is left on %s", poller.label)
            return 0

    def stop(self) -> None:
        """Stops everything started; safe to call more than once, and after a failed start."""
        self._ready.clear()
        for step in (self._stop_servers, self._stop_work, self._stop_aws):
            try:
                step()
            except Exception:
                log.exception("while stopping")
        self._pollers.clear()
        self._functions.clear()

    def _stop_servers(self) -> None:
        while self._servers:
            self._servers.pop().stop()

    def _stop_work(self) -> None:
        """Pollers and event queues first take no more work, then workers stop, then all is joined."""
        if self._work_stopped:
            return
        self._work_stopped = True
        if self._scheduler is not None:
            self._scheduler.stop()
        for poller in self._pollers:
            poller.request_stop()
        for function in self._functions.values():
            function.events.request_stop()
        threads = [threading.Thread(target=f.pool.stop, daemon=True) for f in self._functions.values()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(5.0)
        for poller in self._pollers:
            poller.stop(timeout=3.0)
        for function in self._functions.values():
            function.events.stop(timeout=0.5)
        if self._mail is not None:
            self._mail.stop(timeout=1.0)

    def _stop_aws(self) -> None:
        if self._embedded is not None:
            self._embedded.stop()
            self._embedded = None


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def read_ready_file(path: Path) -> RuntimeInfo:
    return RuntimeInfo.from_json(path.read_text())
