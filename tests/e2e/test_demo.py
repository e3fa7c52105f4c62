"""The demo data over HTTP: `make run` books a candidate whose address is the SES mailbox
simulator's bounce address ("Using the mailbox simulator manually",
https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html#send-email-simulator),
and a few seconds later its interview shows the invitation BOUNCED with SES's reason."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from local_runtime.demo.data import BOUNCING_ADDRESS
from local_runtime.demo.http_client import ApiClient
from local_runtime.launcher import RuntimeProcess
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def demo_runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RuntimeProcess]:
    process = RuntimeProcess(tmp_path_factory.mktemp("demo-runtime"), demo=True)
    process.start()
    try:
        yield process
    finally:
        process.stop()


def test_the_demo_shows_a_bounced_candidate(demo_runtime: RuntimeProcess) -> None:
    printed = eventually(
        lambda: re.search(r"GET (/jobs/\w+/interviews/\w+) shows it BOUNCED", demo_runtime.log_text()),
        "the demo's bounced interview",
    )
    api = ApiClient(demo_runtime.info.api_url, demo_runtime.info.dev_token)

    def bounced() -> dict[str, Any] | None:
        view = api.get(printed.group(1)).json()
        invitation = next((e for e in view["emails"] if e["kind"] == "invitation-0"), None)
        marked = view["candidate_email_unreachable"]
        return view if invitation and invitation["status"] == "BOUNCED" and marked else None

    view = eventually(bounced, "the demo's invitation bounced", timeout=20.0)
    (invitation,) = view["emails"]
    assert invitation["delivery"]["diagnostic_code"] == "smtp; 550 5.1.1 user unknown"
    assert view["candidate_email_unreachable"]["reason"] == "hard_bounce"
    candidate = api.get(f"/jobs/{view['job_id']}/candidates/{view['candidate_id']}").json()
    assert candidate["email"] == BOUNCING_ADDRESS


def test_the_demo_registers_a_webhook_and_prints_the_signed_events_it_gets(
    demo_runtime: RuntimeProcess,
) -> None:
    """The demo's own bookings reach its loopback receiver through the bus, each signature valid."""
    eventually(
        lambda: re.search(r"⚑ webhook interview\.booked evt_\w+ .* signature valid", demo_runtime.log_text()),
        "the demo's webhook receiving interview.booked",
        timeout=30.0,
    )
    assert "SIGNATURE NOT VALID" not in demo_runtime.log_text()


def test_the_recruiter_commands_the_demo_prints_answer(demo_runtime: RuntimeProcess) -> None:
    base = re.escape(demo_runtime.info.api_url)
    printed = eventually(
        lambda: re.findall(rf"Bearer \$TOKEN\" '?{base}(/[^' \n]+)'?", demo_runtime.log_text()) or None,
        "the demo's recruiter commands",
    )
    lists = [path for path in printed if "?" in path]
    exports = [path for path in printed if path.endswith("/export")]
    assert len(lists) == 3 and len(exports) == 1, printed
    api = ApiClient(demo_runtime.info.api_url, demo_runtime.info.dev_token)
    for path in lists:
        page = api.get(path)
        assert page.status == 200, (path, page.text())
        assert page.json()["items"], path
    exported = api.get(exports[0])
    assert exported.status == 200 and exported.json()["candidate"]["email"] == BOUNCING_ADDRESS
