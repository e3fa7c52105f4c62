"""The end-to-end tests drive the local runtime (tests/conftest.py) only over HTTP."""

import pytest

from local_runtime.demo.http_client import ApiClient
from local_runtime.launcher import RuntimeProcess


@pytest.fixture(scope="session")
def api(runtime: RuntimeProcess) -> ApiClient:
    return ApiClient(runtime.info.api_url, runtime.info.dev_token)
