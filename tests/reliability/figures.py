"""What the reliability suite measures, and at which size.

Each check runs at two sizes: `quick` (part of `make test`, which leaves out `slow`) and `full`
(marked `slow`; `make reliability` runs everything here but the `quick` sizes). Checks that have
one size only run in both. Checks record the counts they measured as figures, printed together
at the end of the run, so one run gives the numbers docs/RELIABILITY.md quotes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest


def scales(quick: Any, full: Any) -> list[Any]:
    """Parameters for one check at both sizes."""
    return [quick_param(quick, "quick"), full_param(full, "full")]


def quick_param(value: Any, test_id: str) -> Any:
    return pytest.param(value, id=test_id, marks=pytest.mark.quick)


def full_param(value: Any, test_id: str) -> Any:
    return pytest.param(value, id=test_id, marks=pytest.mark.slow)


@dataclass
class Figures:
    """`name: value` lines, kept in the order they were recorded."""

    lines: list[str] = field(default_factory=list)

    def record(self, name: str, value: object) -> None:
        self.lines.append(f"{name}: {value}")


FIGURES_KEY = pytest.StashKey[Figures]()
