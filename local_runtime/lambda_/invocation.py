"""What one Lambda invocation returned, in the shape the Invoke API reports it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# Lambda's X-Amz-Function-Error value for anything the function itself did wrong.
UNHANDLED = "Unhandled"


@dataclass(frozen=True)
class InvocationResult:
    payload: bytes  # the JSON the handler returned, or Lambda's error document
    function_error: str | None = None  # X-Amz-Function-Error; None when the handler returned normally
    duration_ms: float = 0.0

    @property
    def ok(self) -> bool:
        return self.function_error is None

    def json(self) -> Any:
        """The payload as data; a payload that is not JSON is returned as text."""
        try:
            return json.loads(self.payload) if self.payload else None
        except ValueError:
            return self.payload.decode("utf-8", errors="replace")

    def error_summary(self) -> str:
        """`errorType: errorMessage` of a failed invocation, for one console line."""
        document = self.json()
        if isinstance(document, dict):
            kind = document.get("errorType", "Error")
            message = str(document.get("errorMessage", "")).splitlines()[0:1]
            return f"{kind}: {message[0]}" if message else str(kind)
        return str(document)[:200]


def error_result(error_type: str, message: str, duration_ms: float = 0.0) -> InvocationResult:
    """A failure that happened around the handler (timeout, crash), reported as Lambda does."""
    document = {"errorMessage": message, "errorType": error_type}
    return InvocationResult(json.dumps(document).encode(), UNHANDLED, duration_ms)
