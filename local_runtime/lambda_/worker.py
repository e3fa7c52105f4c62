"""One execution environment of a Lambda function: a process that imports the handler once and
runs invocations one at a time, as the Lambda Python runtime does.

Started by `local_runtime.lambda_.function_pool` with `python -I`, so nothing of the parent's path or
environment leaks in: the import path is the function's task root and its layers, of site-packages
only what Lambda would have (`SiteModules`), and the environment is the one the template gives
the function. Uses the standard library only.

Protocol (one JSON document per message on the inherited connection):
  worker -> parent  {"ready": true}
  parent -> worker  {"request_id": str, "payload": str, "deadline_ms": int, "invoked_function_arn": str}
  worker -> parent  {"payload": str, "error": "Unhandled" | null, "retire"?: true}
"""

from __future__ import annotations

import argparse
import decimal
import importlib
import importlib.abc
import importlib.machinery
import json
import os
import site
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from types import ModuleType
from typing import Any

Handler = Callable[[Any, Any], Any]


class LambdaContext:
    """The context object of the Lambda Python runtime (awslambdaric), field for field."""

    def __init__(self, request_id: str, deadline_ms: int, invoked_function_arn: str) -> None:
        self.aws_request_id = request_id
        self.invoked_function_arn = invoked_function_arn
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ["AWS_LAMBDA_FUNCTION_VERSION"]
        # The real runtime reads this from the environment too, so it is a string there as well.
        self.memory_limit_in_mb = os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]
        self.log_group_name = os.environ["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name = os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


def _decimal_as_number(value: Any) -> Any:
    """The Lambda runtime serialises Decimal (what boto3 returns for numbers) as a JSON number."""
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _error_document(error: BaseException, request_id: str, error_type: str | None = None) -> str:
    frames = traceback.format_list(traceback.extract_tb(error.__traceback__))
    return json.dumps(
        {
            "errorMessage": str(error),
            "errorType": error_type or type(error).__name__,
            "requestId": request_id,
            "stackTrace": frames,
        }
    )


class SiteModules(importlib.abc.MetaPathFinder):
    """Keeps a function to the modules of site-packages its build on Lambda would have (chosen by
    the parent: local_runtime/lambda_/site_modules.py). Anything else that only site-packages holds
    is not found, as on Lambda; the standard library, the task root and the layers are as before."""

    def __init__(self, own_dirs: Sequence[str], modules: frozenset[str]) -> None:
        self._own_dirs = list(own_dirs)
        self._site_dirs = site.getsitepackages()
        self._modules = modules

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if path is not None or fullname in self._modules or fullname in sys.stdlib_module_names:
            return None  # a submodule, an allowed module or the standard library: found as usual
        own = importlib.machinery.PathFinder.find_spec(fullname, self._own_dirs)
        if own is None and importlib.machinery.PathFinder.find_spec(fullname, self._site_dirs):
            raise ModuleNotFoundError(f"No module named '{fullname}'", name=fullname)
        return own


def keep_to_site_modules(own_dirs: Sequence[str], modules: frozenset[str]) -> None:
    sys.meta_path.insert(0, SiteModules(own_dirs, modules))


def _load_handler(spec: str) -> Handler:
    module_name, _, attribute = spec.rpartition(".")
    module = importlib.import_module(module_name)
    handler = getattr(module, attribute, None)
    if not callable(handler):
        raise AttributeError(f"Handler '{attribute}' missing on module '{module_name}'")
    return handler  # type: ignore[no-any-return]


def _init_error(spec: str, error: BaseException) -> str:
    """Lambda's report for a handler that could not be loaded."""
    module_name = spec.rpartition(".")[0]
    if isinstance(error, SyntaxError):
        return _error_document(error, "", "Runtime.UserCodeSyntaxError")
    if isinstance(error, ImportError):
        wrapped = ImportError(f"Unable to import module '{module_name}': {error}")
        return _error_document(wrapped, "", "Runtime.ImportModuleError")
    if isinstance(error, AttributeError):
        return _error_document(error, "", "Runtime.HandlerNotFound")
    return _error_document(error, "")


def _invoke(handler: Handler, request: dict[str, Any]) -> dict[str, Any]:
    request_id = request["request_id"]
    context = LambdaContext(request_id, request["deadline_ms"], request["invoked_function_arn"])
    try:
        result = handler(json.loads(request["payload"]), context)
    except Exception as error:
        if error.__traceback__ is not None:
            # The stack trace starts in the handler, as Lambda's does, not in this loop.
            error.__traceback__ = error.__traceback__.tb_next
        print(f"[ERROR] {type(error).__name__}: {error}", file=sys.stderr)
        traceback.print_exception(error, file=sys.stderr)
        return {"payload": _error_document(error, request_id), "error": "Unhandled"}
    try:
        return {"payload": json.dumps(result, default=_decimal_as_number), "error": None}
    except (TypeError, ValueError) as error:
        marshal = TypeError(f"Unable to marshal response: {error}")
        return {"payload": _error_document(marshal, request_id, "Runtime.MarshalError"), "error": "Unhandled"}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--connection-fd", type=int, required=True)
    parser.add_argument("--handler", required=True)
    parser.add_argument("--task-root", required=True)
    parser.add_argument("--layer", action="append", default=[])
    parser.add_argument("--site-modules", required=True, help="comma-separated top-level names")
    args = parser.parse_args()

    connection = Connection(args.connection_fd)
    # Handlers print and log to stdout; the parent reads both streams from stderr.
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    # Lambda's import path: the task root first, then the layers (here, their content folders).
    own_dirs = [args.task_root, *args.layer]
    sys.path[:0] = own_dirs
    keep_to_site_modules(own_dirs, frozenset(args.site_modules.split(",")))
    os.chdir(args.task_root)

    try:
        handler: Handler | None = _load_handler(args.handler)
        init_error = None
    except Exception as error:
        handler, init_error = None, _init_error(args.handler, error)
        document = json.loads(init_error)
        print(f"[ERROR] {document['errorType']}: {document['errorMessage']}", file=sys.stderr)
    connection.send_bytes(json.dumps({"ready": True}).encode())

    while True:
        try:
            request = json.loads(connection.recv_bytes())
        except (EOFError, OSError):
            return 0
        if handler is None:
            # Lambda retries a failed init on the next invoke; the parent starts a fresh process.
            reply = {"payload": init_error, "error": "Unhandled", "retire": True}
            connection.send_bytes(json.dumps(reply).encode())
            return 1
        connection.send_bytes(json.dumps(_invoke(handler, request)).encode())


if __name__ == "__main__":
    sys.exit(main())
