"""`python -m local_runtime` (`make run`): the whole system on this machine until Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from local_runtime.apigw.tokens import DEMO_ORG_ID, DEV_TOKEN_LIFETIME, RECRUITER_SCOPES
from local_runtime.config import RuntimeConfig
from local_runtime.console import configure_console
from local_runtime.demo.data import BOUNCING_ADDRESS, DemoData, DemoError, create_demo_data
from local_runtime.demo.http_client import ApiClient
from local_runtime.demo.webhook_receiver import DemoReceiver
from local_runtime.lambda_.async_invoke import FAST_RETRY_DELAYS
from local_runtime.runtime import LocalRuntime, RuntimeInfo
from local_runtime.streams.event_filter import InvalidPatternError
from local_runtime.template import TEMPLATE_PATH

log = logging.getLogger("local_runtime.runtime")


def parse_args(argv: Sequence[str] | None = None) -> RuntimeConfig:
    defaults = RuntimeConfig()
    parser = argparse.ArgumentParser(prog="python -m local_runtime", description=__doc__)
    parser.add_argument(
        "--port", type=int, default=defaults.api_port, help="HTTP API port (0: any free port)"
    )
    parser.add_argument("--aws-port", type=int, default=defaults.aws_port, help="embedded AWS port (0: any)")
    parser.add_argument(
        "--lambda-port", type=int, default=defaults.invoke_port, help="Invoke API port (0: any)"
    )
    parser.add_argument("--host", default=defaults.host, help="loopback address to serve on")
    parser.add_argument(
        "--outbox", type=Path, default=defaults.outbox_dir, help="folder for sent mail (.eml)"
    )
    parser.add_argument(
        "--state-dir", type=Path, default=defaults.state_dir, help="folder for the JWT key and saved state"
    )
    parser.add_argument("--template", type=Path, default=TEMPLATE_PATH, help="the SAM template to run")
    parser.add_argument(
        "--workers", type=int, default=defaults.http_workers, help="workers per HTTP function"
    )
    parser.add_argument("--prewarm", action="store_true", help="start every worker now, not on demand")
    parser.add_argument("--no-demo", action="store_true", help="do not create demo data")
    parser.add_argument(
        "--persist",
        action=argparse.BooleanOptionalAction,
        default=defaults.persist,
        help="keep tables and bucket objects in the state folder across restarts (make run: on)",
    )
    parser.add_argument(
        "--drain-seconds",
        type=float,
        default=defaults.drain_seconds,
        help="on Ctrl-C, how long to finish accepted requests, stream batches and async events",
    )
    parser.add_argument(
        "--fast-retries",
        action="store_true",
        help=f"retry failed async invokes after {_seconds(FAST_RETRY_DELAYS)} "
        f"instead of Lambda's {_seconds(defaults.async_retry_delays)} (tests, benchmarks)",
    )
    parser.add_argument(
        "--param", action="append", default=[], metavar="NAME=VALUE", help="template parameter value"
    )
    parser.add_argument("--ready-file", type=Path, help="write where everything is, as JSON, once ready")
    parser.add_argument(
        "--aws-request-log",
        type=Path,
        help="write every request the embedded AWS serves, bodies and all (personal data too), "
        "to this file, a JSON line each: for benchmarks on made-up data",
    )
    args = parser.parse_args(argv)
    parameters = {}
    for item in args.param:
        name, separator, value = item.partition("=")
        if not separator:
            parser.error(f"--param needs NAME=VALUE, not {item!r}")
        parameters[name] = value
    return RuntimeConfig(
        template_path=args.template.resolve(),
        host=args.host,
        api_port=args.port,
        invoke_port=args.lambda_port,
        aws_port=args.aws_port,
        outbox_dir=args.outbox.resolve(),
        state_dir=args.state_dir.resolve(),
        http_workers=args.workers,
        prewarm=args.prewarm,
        demo=not args.no_demo,
        parameters=parameters,
        ready_file=args.ready_file.resolve() if args.ready_file else None,
        aws_request_log=args.aws_request_log.resolve() if args.aws_request_log else None,
        drain_seconds=max(0.0, args.drain_seconds),
        persist=args.persist,
        async_retry_delays=FAST_RETRY_DELAYS if args.fast_retries else defaults.async_retry_delays,
    )


def _seconds(delays: Sequence[float]) -> str:
    return " and ".join(f"{delay:g} s" for delay in delays)


def banner(runtime: LocalRuntime, info: RuntimeInfo) -> str:
    pools = ", ".join(f"{name} x{f.pool.size}" for name, f in runtime.functions.items())
    streams = "; ".join(
        f"{p.label} ({p.source.starting_position}, batch {p.source.batch_size}, "
        f"window {p.source.batching_window_seconds:g} s, "
        f"concurrent batches per shard {p.source.parallelization_factor})"
        for p in runtime.pollers
    )
    aws = f"{info.aws_endpoint}  ({'embedded moto' if info.embedded_aws else 'from AWS_ENDPOINT_URL'})"
    hours = DEV_TOKEN_LIFETIME.total_seconds() / 3600
    lines = [
        "",
        f"  Interview scheduling, local runtime ({runtime.config.template_path.name})",
        "",
        f"  API        {info.api_url}",
        f"  AWS        {aws}",
        f"  Lambda     {info.invoke_url}  (Invoke API)",
        f"  Outbox     {info.outbox_dir}",
        f"  State      {_state_line(runtime)}",
        f"  Functions  {pools}",
        f"  Streams    {streams or 'none'}",
        f"  Retries    failed async invokes again after {_seconds(runtime.config.async_retry_delays)}",
        "",
        f"  Dev token (org {DEMO_ORG_ID}, scopes {' '.join(RECRUITER_SCOPES)}, valid {hours:g} h):",
        f"  export TOKEN={info.dev_token}",
        "",
    ]
    return "\n".join(lines)


def _state_line(runtime: LocalRuntime) -> str:
    if not runtime.config.persist:
        return "not kept (--no-persist): tables and buckets start empty and end with the run"
    restored = runtime.restored
    loaded = f"loaded ({restored.summary()})" if restored is not None else "none saved yet"
    return f"{runtime.config.state_file}: {loaded}; saved again on Ctrl-C"


def run_demo(info: RuntimeInfo) -> None:
    receiver = DemoReceiver()
    receiver.start()
    try:
        webhook_id = receiver.register(ApiClient(info.api_url, info.dev_token))
    except (OSError, RuntimeError) as error:
        log.warning("demo webhook not registered: %s", error)
    else:
        log.info("demo webhook %s: every domain event goes to %s, printed here (⚑)", webhook_id, receiver.url)
    try:
        demo = create_demo_data(info.api_url, info.dev_token, Path(info.outbox_dir))
    except DemoError as error:
        log.warning("demo data not created: %s", error)
        return
    except OSError as error:
        log.warning("demo data not created: %s", error)
        return
    command = demo.book_command.replace("\n", "\n  ")
    interview = f"{info.api_url}/jobs/{demo.job_id}/interviews/{demo.reminded_interview_id}"
    print(
        f"\n  Demo: job {demo.job_id}, candidate {demo.candidate_id} (resume uploaded), "
        f"{len(demo.slot_ids)} slots.\n  Book an interview:\n\n    {command}\n"
        f"\n  Booked: candidate {demo.bounced_candidate_id} at {BOUNCING_ADDRESS}, whose invitation"
        f" bounces;\n  a few seconds on, GET {demo.bounced_interview_path} shows it BOUNCED"
        " with SES's reason.\n"
        f"\n  Arjun Mehta is booked for tomorrow; his reminders and no-show check are scheduled."
        f"\n  Move this runtime's clock a day on and his reminder lands in the outbox:\n\n"
        f"    curl -sS -X POST {info.control_url}/clock -d '{{\"advance_seconds\": 86400}}'\n"
        f'    curl -sS -H "Authorization: Bearer $TOKEN" {interview}\n'
        f"{_candidate_link_lines(demo.reschedule_link)}"
        f"{_recruiter_lines(info.api_url, demo)}",
        flush=True,
    )


def _recruiter_lines(api_url: str, demo: DemoData) -> str:
    """What the recruiter sees and can do: lists by cursor, the timeline, an erasure and export."""
    auth = 'curl -sS -H "Authorization: Bearer $TOKEN"'
    candidate = f"{api_url}/jobs/{demo.job_id}/candidates/{demo.bounced_candidate_id}"
    return (
        "\n  The recruiter's lists page by cursor (next_cursor); an interview's timeline is on its GET:\n\n"
        f"    {auth} '{api_url}/interviews?limit=2'\n"
        f"    {auth} '{api_url}/jobs/{demo.job_id}/interviews?status=SCHEDULED'\n"
        f"    {auth} '{api_url}/jobs/{demo.job_id}/slots?available=true'\n"
        "\n  Export the bouncing candidate's data, then erase it (a receipt; candidate.erased goes out):\n\n"
        f"    {auth} {candidate}/export\n"
        f"    {auth} -X DELETE {candidate}\n"
    )


def _candidate_link_lines(link: str | None) -> str:
    if link is None:
        return "\n  (His invitation was not in the outbox yet: its reschedule and cancel links are there.)\n"
    return (
        "\n  His invitation in the outbox carries his own reschedule and cancel links. Open this one in a"
        "\n  browser to move his interview as he would (the cancel link is in the same email):"
        f"\n\n    {link}\n"
    )


def main(argv: Sequence[str] | None = None) -> int:
    config = parse_args(argv)
    configure_console()
    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        if stopping.is_set():
            os._exit(130)  # a second Ctrl-C: leave at once
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    try:
        runtime = LocalRuntime(config)
    except InvalidPatternError as error:
        log.error("the template cannot run: %s", error)
        return 2
    try:
        info = runtime.start()
    except OSError as error:
        log.error("could not start: %s", error)
        return 1
    print(banner(runtime, info), flush=True)
    log.info("ready in %.1f s; Ctrl-C to stop", info.startup_seconds)
    if config.demo and runtime.restored is not None and not runtime.restored.empty:
        log.info("demo data not created again: the saved state is loaded")
    elif config.demo:
        threading.Thread(target=run_demo, args=(info,), name="demo", daemon=True).start()
    while not stopping.wait(0.5):
        pass
    log.info(
        "stopping: no new requests; finishing accepted work for up to %g s (Ctrl-C again to leave now)",
        config.drain_seconds,
    )
    runtime.shutdown(config.drain_seconds)
    log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
