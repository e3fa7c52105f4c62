"""Stopping the local runtime: Ctrl-C finishes the work it has accepted, and `--persist` keeps
the data across a restart without sending any email twice."""

import email
import email.policy
import email.utils
import re
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3

from local_runtime.demo.http_client import ApiClient
from local_runtime.launcher import RuntimeProcess
from local_runtime.template import LOCAL_REGION
from tests.support.booking_race import created, slot_body
from tests.support.waiting import eventually

BURST = 40
TABLES = ("JobsTable", "CandidatesTable", "SlotsTable", "InterviewsTable", "SessionsTable")


def recipients(outbox: Path) -> list[str]:
    """The To address of every .eml in the outbox, one per message."""
    messages = [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(outbox.glob("*.eml"))
    ]
    return [email.utils.parseaddr(str(message["To"]))[1] for message in messages]


def book_burst(api: ApiClient, size: int) -> list[dict[str, Any]]:
    """`size` candidates of one job booked into one slot, all at once; every answer a 201."""
    job_id = created(api.post("/jobs", {"job_title": "Burst", "company_name": "Acme"}))["job_id"]
    slot_id = created(api.post(f"/jobs/{job_id}/slots", slot_body(size, 7)))["slot_id"]
    candidates = [
        created(
            api.post(
                f"/jobs/{job_id}/candidates",
                {"full_name": f"Candidate {n}", "email": f"burst{n}@example.com"},
            )
        )["candidate_id"]
        for n in range(size)
    ]
    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(
            pool.map(
                lambda candidate_id: api.post(
                    f"/jobs/{job_id}/interviews", {"candidate_id": candidate_id, "slot_id": slot_id}
                ),
                candidates,
            )
        )
    return [created(response) for response in responses]


def test_ctrl_c_after_a_burst_of_bookings_still_sends_every_invitation(tmp_path):
    runtime = RuntimeProcess(tmp_path)
    runtime.start()
    try:
        api = ApiClient(runtime.info.api_url, runtime.info.dev_token)
        interviews = book_burst(api, BURST)
        code = runtime.stop(signum=signal.SIGINT)
    finally:
        runtime.stop()
    log = runtime.log_text()
    assert code == 0, log
    invited = recipients(runtime.outbox_dir)
    assert sorted(invited) == sorted(f"burst{n}@example.com" for n in range(BURST)), log
    assert len(interviews) == BURST
    assert "nothing was left pending" in log


def test_work_left_when_the_drain_time_runs_out_is_named_on_exit(tmp_path):
    runtime = RuntimeProcess(tmp_path, extra_args=["--drain-seconds=0"])
    runtime.start()
    try:
        book_burst(ApiClient(runtime.info.api_url, runtime.info.dev_token), 10)
        code = runtime.stop(signum=signal.SIGINT)
    finally:
        runtime.stop()
    log = runtime.log_text()
    assert code == 0, log
    [outcome] = re.findall(r"(nothing was left pending|still pending on exit: .*)", log)
    named = sum(int(n) for n in re.findall(r"(\d+) (?:stream record|async event)", outcome))
    # Each booking is one stream record, then one async event, then one email: none unaccounted for.
    assert len(recipients(runtime.outbox_dir)) + named >= 10, log
    if named:
        assert re.search(
            r"InterviewsTable → CreateSessionFunction: \d+ stream|SendEmailFunction: \d+ async", outcome
        )


def table_items(runtime: RuntimeProcess, table: str) -> list[dict[str, Any]]:
    dynamodb = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=LOCAL_REGION
    ).client("dynamodb", endpoint_url=runtime.info.aws_endpoint)
    return dynamodb.scan(TableName=table)["Items"]


def test_persisted_state_survives_a_restart_without_sending_anything_again(tmp_path):
    runtime = RuntimeProcess(tmp_path, demo=True, extra_args=["--persist"])
    runtime.start()
    try:
        eventually(lambda: "Demo: job" in runtime.log_text(), "demo data")
        api = ApiClient(runtime.info.api_url, runtime.info.dev_token)
        [booked] = book_burst(api, 1)
        path = f"/jobs/{booked['job_id']}/interviews/{booked['interview_id']}"

        def invited() -> dict[str, Any] | None:
            interview = api.get(path).json()
            # Sent, and what SES reported of it (the local SES delivers ordinary addresses).
            delivered = [e for e in interview["emails"] if e["status"].lower() == "delivered"]
            return interview if delivered and interview["session"] else None

        before = eventually(invited, "invitation delivered")
        tables_before = {table: len(table_items(runtime, table)) for table in TABLES}
        assert runtime.stop(signum=signal.SIGINT) == 0, runtime.log_text()
    finally:
        runtime.stop()
    assert "saved state to" in runtime.log_text(), runtime.log_text()
    mail_before = sorted(path.name for path in runtime.outbox_dir.glob("*.eml"))
    assert recipients(runtime.outbox_dir).count("burst0@example.com") == 1

    runtime.start()
    try:
        api = ApiClient(runtime.info.api_url, runtime.info.dev_token)
        after = api.get(path).json()
        tables_after = {table: len(table_items(runtime, table)) for table in TABLES}
        # Long enough for the stream mapping and the email function to act, were there anything new.
        time.sleep(4.0)
        second_log = runtime.log_text()
    finally:
        assert runtime.stop() == 0, runtime.log_text()
    assert "loaded the state saved in" in second_log, second_log
    assert "demo data not created again" in second_log, second_log
    assert "Demo: job" not in second_log
    assert "CreateSessionFunction" not in second_log.split("ready in")[-1], second_log
    assert sorted(path.name for path in runtime.outbox_dir.glob("*.eml")) == mail_before
    assert tables_after == tables_before
    assert (after["status"], after["emails"], after["session"]) == (
        before["status"],
        before["emails"],
        before["session"],
    )
