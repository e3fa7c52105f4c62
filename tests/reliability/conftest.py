"""Fixtures of the reliability suite: one local runtime for the HTTP checks, and the figures."""

from __future__ import annotations

import pytest
from hypothesis.configuration import set_hypothesis_home_dir

from local_runtime.demo.http_client import ApiClient
from local_runtime.launcher import RuntimeProcess
from local_runtime.template import REPO_ROOT
from tests.reliability.figures import FIGURES_KEY, Figures

# Hypothesis (under Schemathesis) keeps a cache of its own; keep it with pytest's, out of the tree.
set_hypothesis_home_dir(REPO_ROOT / ".pytest_cache" / "hypothesis")


@pytest.fixture(scope="session")
def recruiter(runtime: RuntimeProcess) -> ApiClient:
    """The recruiter API over HTTP, with the runtime's dev token."""
    return ApiClient(runtime.info.api_url, runtime.info.dev_token)


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> Figures:
    return request.config.stash.setdefault(FIGURES_KEY, Figures())


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    found = config.stash.get(FIGURES_KEY, None)
    if found is None or not found.lines:
        return  # nothing measured here (e.g. under xdist, whose workers keep their own figures)
    terminalreporter.section("reliability figures")
    for line in found.lines:
        terminalreporter.write_line(line)
