"""Console output of a local run: one short line per event, tagged with what produced it."""

from __future__ import annotations

import logging
import sys
from typing import TextIO

_PREFIX = "local_runtime."


class _ConsoleFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        name = record.name.removeprefix(_PREFIX)
        tag = name.removeprefix("fn.") if name.startswith("fn.") else name
        time_of_day = self.formatTime(record, "%H:%M:%S") + f".{int(record.msecs):03d}"
        line = f"{time_of_day} {tag:<8} {record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure_console(stream: TextIO = sys.stdout, level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_ConsoleFormatter())
    logger = logging.getLogger("local_runtime")
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False
