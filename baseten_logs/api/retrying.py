"""What the client retries, and how long a server may make it wait.

GETs are safe to repeat, so the answers listed here are tried again; a server's own word on
when (a 429's `retry_after`, a `Retry-After` header) wins over our backoff, but within bounds:
a hostile or broken server asking for 1e9 s would otherwise stop every request of the run for
good. The backoff itself is `client.RetryPolicy`, which callers configure.
"""

from __future__ import annotations

import email.utils
import math
import time

from baseten_logs.api.body import loads

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# The longest wait a server's word (a 429's `retry_after`, `Retry-After`) can impose.
MAX_SERVER_WAIT_S = 60.0
REFUSED_SECONDS = 3.0  # a refused connection is retried this long: a server may be starting


def server_wait(content: bytes, retry_after_header: str | None) -> float | None:
    """Seconds the server asked us to wait: the body's `retry_after`, else the header; at most
    MAX_SERVER_WAIT_S (the one parser of a server's wait: every use of one goes through here).

    None, so our own backoff applies, when neither gives a positive finite wait: `soon`, `-5`,
    `nan`, `0` or a date in the past would otherwise make us retry at once, again and again.
    """
    try:
        body = loads(content)[0]
    except ValueError:
        body = None
    value = body.get("retry_after") if isinstance(body, dict) else None
    asked: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if math.isfinite(value) and value > 0:
            asked = float(value)
    if asked is None:
        asked = header_seconds(retry_after_header)
    return None if asked is None else min(asked, MAX_SERVER_WAIT_S)


def header_seconds(header: str | None) -> float | None:
    """A `Retry-After` header (seconds or an HTTP date) as a positive wait, else None."""
    if header is None:
        return None
    text = header.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(text)
            seconds = moment.timestamp() - time.time()
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    return seconds if math.isfinite(seconds) and seconds > 0 else None


def tries(count: int) -> str:
    """How a give-up message counts the tries: "1 attempt", "3 attempts"."""
    return f"{count} attempt{'' if count == 1 else 's'}"
