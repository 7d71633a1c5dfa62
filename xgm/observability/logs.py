"""One JSON line per web request (logger `xgm.requests`), for a log shipper to read."""

from __future__ import annotations

import json
import logging
import math
import sys
from datetime import UTC, datetime

from xgm.observability.requestid import current_request_id

REQUEST_LOGGER = "xgm.requests"


_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode


#: (second, its ISO text up to the seconds): one slot, replaced whole (threads share it).
_second: list[tuple[int | None, str]] = [(None, "")]


def _timestamp(created: float) -> str:
    """ISO 8601 UTC with milliseconds; the part up to the second is made once per second."""
    fraction, whole = math.modf(created)
    micros = round(fraction * 1e6)  # as datetime.fromtimestamp() rounds
    second = int(whole) + micros // 1_000_000
    memo_second, prefix = _second[0]
    if memo_second != second:
        prefix = datetime.fromtimestamp(second, UTC).isoformat(timespec="seconds")[:-6]
        _second[0] = (second, prefix)  # without "+00:00"
    return f"{prefix}.{micros % 1_000_000 // 1000:03d}+00:00"


class JsonLines(logging.Formatter):
    """A record as one JSON object: time, level, logger, message, request id, and its `fields`."""

    def format(self, record: logging.LogRecord) -> str:
        """The JSON line (no newline)."""
        line = {
            "ts": _timestamp(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
        }
        line.update(getattr(record, "fields", {}) or {})
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return _ENCODE(line)


def request_logger(enabled: bool = True) -> logging.Logger:
    """The request logger, writing JSON lines to stderr once (not through the root logger)."""
    logger = logging.getLogger(REQUEST_LOGGER)
    logger.propagate = False
    logger.disabled = not enabled  # migrations' fileConfig() may have disabled it; we decide
    if not any(getattr(h, "_xgm_json", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonLines())
        handler._xgm_json = True
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return logger


def log_request(logger: logging.Logger, fields: dict) -> None:
    """Write one request's line: `fields` holds method, route, status, duration, ids.

    Made and handed to the handlers directly (Logger.makeRecord, Logger.handle): what
    logger.info() adds is the caller's file and line, which the line does not show, at the
    cost of a stack walk on every request."""
    if logger.disabled or not logger.isEnabledFor(logging.INFO):
        return
    record = logger.makeRecord(
        logger.name,
        logging.INFO,
        "(request)",
        0,
        "request",
        (),
        None,
        extra={"fields": fields, "request_id": fields.get("request_id")},
    )
    logger.handle(record)
