"""Settings of one local run, and the local values of the template's parameters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from local_runtime.aws.state import STATE_FILE_NAME
from local_runtime.lambda_.async_invoke import LAMBDA_RETRY_DELAYS
from local_runtime.shutdown import DEFAULT_DRAIN_SECONDS
from local_runtime.streams.poller import POLL_INTERVAL_SECONDS
from local_runtime.template import REPO_ROOT, TEMPLATE_PATH

# Parameters that have no default in the template, given values that work on one machine.
LOCAL_PARAMETERS: Final[Mapping[str, str]] = {
    "JwtIssuer": "https://auth.interview-scheduling.localhost",
    "JwtAudience": "interview-scheduling-local",
    "SenderEmail": "interviews@hiring.example.com",
    "InterviewBaseUrl": "http://localhost:5173",
}


@dataclass(frozen=True)
class RuntimeConfig:
    template_path: Path = TEMPLATE_PATH
    host: str = "127.0.0.1"
    api_port: int = 3000  # 0: any free port
    invoke_port: int = 0
    aws_port: int = 0
    control_port: int = 0  # the scheduler's clock (local only)
    schedule_poll_interval: float = 0.5
    aws_endpoint: str | None = None  # an AWS endpoint to use instead of the embedded one
    outbox_dir: Path = REPO_ROOT / "outbox"
    state_dir: Path = REPO_ROOT / ".local"  # the JWT signing key and the saved state live here
    http_workers: int = 4  # pool size of each function behind HTTP routes
    other_workers: int = 2  # pool size of stream and async-only functions
    prewarm: bool = False  # start every pool full, not one warm worker per function
    demo: bool = True
    parameters: Mapping[str, str] = field(default_factory=dict)  # overrides of LOCAL_PARAMETERS
    async_retry_delays: tuple[float, ...] = LAMBDA_RETRY_DELAYS  # FAST_RETRY_DELAYS with --fast-retries
    stream_poll_interval: float = POLL_INTERVAL_SECONDS
    stream_retry_delay: float = 0.2
    ready_file: Path | None = None  # written as JSON once the runtime is ready
    drain_seconds: float = DEFAULT_DRAIN_SECONDS  # on Ctrl-C, how long accepted work may take
    persist: bool = False  # keep tables and buckets in state_dir across restarts
    aws_request_log: Path | None = None  # every request the embedded AWS serves, for a replay

    @property
    def state_file(self) -> Path:
        return self.state_dir / STATE_FILE_NAME

    def template_parameters(self) -> dict[str, str]:
        return {**LOCAL_PARAMETERS, **self.parameters}
