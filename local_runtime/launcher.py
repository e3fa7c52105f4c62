"""Starts the local runtime as a subprocess and waits until it is ready: for tests and benchmarks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from local_runtime.apigw.tokens import TokenIssuer, load_or_create_key
from local_runtime.runtime import RuntimeInfo, read_ready_file
from local_runtime.template import REPO_ROOT

STARTUP_TIMEOUT_SECONDS = 60.0
# Longer than the runtime's default drain, so a stop never cuts the drain short.
STOP_TIMEOUT_SECONDS = 45.0


class RuntimeStartError(RuntimeError):
    pass


class RuntimeProcess:
    """`python -m local_runtime` in a subprocess, on free ports, with its own outbox and key.

    Use as a context manager; `info` says where everything is, `tokens` mints JWTs it accepts.
    Failed async invokes are retried after a fraction of a second (`--fast-retries`), not after
    Lambda's minutes, unless `fast_retries` is False.
    """

    def __init__(
        self,
        work_dir: Path | None = None,
        *,
        template: Path | None = None,
        demo: bool = False,
        extra_args: Sequence[str] = (),
        environment: dict[str, str] | None = None,
        fast_retries: bool = True,
    ) -> None:
        self.work_dir = work_dir or Path(tempfile.mkdtemp(prefix="local-runtime-"))
        self.outbox_dir = self.work_dir / "outbox"
        self.state_dir = self.work_dir / "state"
        self.log_path = self.work_dir / "runtime.log"
        self._ready_file = self.work_dir / "ready.json"
        self._template = template
        self._demo = demo
        self._extra_args = [*(["--fast-retries"] if fast_retries else []), *extra_args]
        self._environment = environment
        self._process: subprocess.Popen[bytes] | None = None
        self._info: RuntimeInfo | None = None

    @property
    def info(self) -> RuntimeInfo:
        if self._info is None:
            raise RuntimeError("the runtime is not started")
        return self._info

    @property
    def tokens(self) -> TokenIssuer:
        info = self.info
        return TokenIssuer(load_or_create_key(Path(info.state_dir)), info.jwt_issuer, info.jwt_audience)

    @property
    def returncode(self) -> int | None:
        return None if self._process is None else self._process.poll()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def __enter__(self) -> RuntimeProcess:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def start(self, timeout: float = STARTUP_TIMEOUT_SECONDS) -> RuntimeInfo:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self._ready_file.unlink(missing_ok=True)
        command = [
            sys.executable,
            "-m",
            "local_runtime",
            "--port=0",
            "--outbox",
            str(self.outbox_dir),
            "--state-dir",
            str(self.state_dir),
            "--ready-file",
            str(self._ready_file),
            *([] if self._demo else ["--no-demo"]),
            *(["--template", str(self._template)] if self._template else []),
            *self._extra_args,
        ]
        environment = dict(self._environment if self._environment is not None else os.environ)
        # An inherited endpoint would make the runtime use it instead of its own embedded AWS.
        environment.pop("AWS_ENDPOINT_URL", None)
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                command, cwd=REPO_ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while not self._ready_file.exists():
            if self._process.poll() is not None:
                raise RuntimeStartError(
                    f"the runtime exited with {self._process.returncode}:\n{self.log_text()}"
                )
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeStartError(f"the runtime was not ready in {timeout:.0f} s:\n{self.log_text()}")
            time.sleep(0.05)
        self._info = read_ready_file(self._ready_file)
        return self._info

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS, signum: int = signal.SIGTERM) -> int | None:
        """SIGTERM, as a process manager would send (or SIGINT, as Ctrl-C does); the runtime
        finishes the work it has accepted, then stops its workers and servers."""
        if self._process is None or self._process.poll() is not None:
            return self.returncode
        self._process.send_signal(signum)
        try:
            return self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._process.kill()
            return self._process.wait()
