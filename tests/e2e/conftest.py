"""One local runtime for every end-to-end test: started once, driven only over HTTP."""

from collections.abc import Iterator

import pytest

from local_runtime.http_client import ApiClient
from local_runtime.launcher import RuntimeProcess


@pytest.fixture(scope="session")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RuntimeProcess]:
    process = RuntimeProcess(tmp_path_factory.mktemp("e2e"))
    process.start()
    try:
        yield process
    finally:
        process.stop()
        print(process.log_text())


@pytest.fixture(scope="session")
def api(runtime: RuntimeProcess) -> ApiClient:
    return ApiClient(runtime.info.api_url, runtime.info.dev_token)
