"""Waiting for what the asynchronous half of the system does, with a bound."""

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(probe: Callable[[], T | None], what: str, timeout: float = 60.0) -> T:
    """Polls until `probe` returns something truthy; bounded, so a stuck pipeline fails the test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"no {what} after {timeout:.0f} s")
