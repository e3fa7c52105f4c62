"""The embedded AWS runs ahead of the functions where Linux permits real-time scheduling, says so
at start either way, and its process is scheduled as it says."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from local_runtime.aws import priority
from local_runtime.aws.credentials import local_session
from local_runtime.aws.embedded import MOTO_THREAD_NAME
from local_runtime.aws.process import AwsProcess
from local_runtime.launcher import RuntimeProcess
from local_runtime.template import LOCAL_REGION

linux_only = pytest.mark.skipif(not hasattr(os, "sched_getscheduler"), reason="Linux's scheduling policies")


def policies(pid: int) -> dict[str, set[int]]:
    """The scheduling policies of the process's threads, by the thread's name."""
    found: dict[str, set[int]] = {}
    for task in Path(f"/proc/{pid}/task").glob("[0-9]*"):
        name = (task / "comm").read_text().strip()
        found.setdefault(name, set()).add(os.sched_getscheduler(int(task.name)))
    return found


@linux_only
def test_every_thread_of_the_embedded_aws_is_scheduled_as_its_line_says():
    """moto's thread and the server's threads start after the policy is set, so all inherit it."""
    process = AwsProcess()
    process.start()
    try:
        pid = process._process.pid
        assert pid is not None
        sqs = local_session(LOCAL_REGION).client("sqs", endpoint_url=process.endpoint)
        sqs.list_queues()  # moto's thread starts with the first request
        ahead = "ahead of the functions (SCHED_FIFO, priority 1)" in process.scheduling
        not_permitted = "real-time scheduling is not permitted" in process.scheduling
        assert ahead != not_permitted, process.scheduling
        threads = policies(pid)
        assert MOTO_THREAD_NAME in threads
        assert set().union(*threads.values()) == ({os.SCHED_FIFO} if ahead else {os.SCHED_OTHER})
    finally:
        process.stop()


@linux_only
def test_without_the_permission_it_says_so_and_stays_as_it_was(monkeypatch):
    def refused(*_args: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "sched_setscheduler", refused)
    line = priority.schedule_ahead_of_functions()
    assert "shares the CPU with the functions" in line
    assert "CAP_SYS_NICE" in line


@linux_only
def test_it_asks_for_the_lowest_real_time_priority(monkeypatch):
    asked: list[tuple[int, int, int]] = []
    monkeypatch.setattr(
        os, "sched_setscheduler", lambda pid, policy, param: asked.append((pid, policy, param.sched_priority))
    )
    assert "ahead of the functions" in priority.schedule_ahead_of_functions()
    assert asked == [(0, os.SCHED_FIFO, os.sched_get_priority_min(os.SCHED_FIFO))]


def test_the_runtime_says_at_start_how_the_embedded_aws_is_scheduled(runtime: RuntimeProcess):
    lines = [text for text in runtime.log_text().splitlines() if "the embedded AWS " in text]
    assert any("ahead of the functions" in line or "shares the CPU" in line for line in lines), lines
