"""With no --since: the newest lines even when they are older than the default window.

`kubectl logs` on a finished pod shows its last lines. A deployment scaled to zero, an inactive
one or a finished training job has nothing in the last 30 minutes, and an empty answer there
reads as "this has no logs". So when the default window brought no line at all from the API,
the window widens in a few steps (6 h, 1 d, 7 d back), each step one newest-first walk of only
the part not looked at yet: one request when it is empty, more only when it has lines to show.
The first step with lines is the last one. What was done is said on stderr: how far it looked,
and whether the deployment or job is running (the usual reason for the silence).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from baseten_logs.base.errors import BasetenLogsError
from baseten_logs.base.timeparse import EARLIEST_MS, Zone, span
from baseten_logs.reading.progress import describe_filters, nothing_matched
from baseten_logs.reading.query import LogQuery

if TYPE_CHECKING:
    from baseten_logs.api.client import ApiClient

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
# How far back each step reaches from the window's end; the last is how far the tool looks.
STEPS_MS = (6 * HOUR_MS, DAY_MS, 7 * DAY_MS)
FURTHER = "30d"  # what the final message suggests when 7 days held nothing
_NOW_SLACK_MS = 60_000  # a window ending this close to now ends "now" (no --until given)


def steps(query: LogQuery) -> Iterator[LogQuery]:
    """The windows after `query`'s: each from its reach back to just before the last began."""
    newer = query.since_ms
    for reach in STEPS_MS:
        since = max(query.until_ms - reach, EARLIEST_MS)
        if since < newer:
            yield replace(query, since_ms=since, until_ms=newer - 1)
            newer = since


def looked_back(first: LogQuery, step: LogQuery) -> str:
    """Said before the lines of a step: nothing was in the default window, so older lines."""
    return (
        f"no lines in {_the_last(first)}{_matching(first)}; "
        f"showing the newest of {_the_last(step, until_ms=first.until_ms)}"
    )


def nothing_found(first: LogQuery, last: LogQuery, *, zone: Zone | None, read_lines: bool) -> str:
    """Said when the widening ended with nothing shown; `read_lines`: the API sent lines, but
    none passed the filters applied here (then the last step is where it stopped looking)."""
    if read_lines:
        return nothing_matched(last.since_ms, last.until_ms, first.filters, zone=zone)
    reach = replace(first, since_ms=last.since_ms)
    return f"no lines in {_the_last(reach)}{_matching(first)}; try --since {FURTHER}"


def _the_last(query: LogQuery, *, until_ms: int | None = None) -> str:
    """`the last 30m`, or `the 30m before --until` when the window does not end now."""
    end = query.until_ms if until_ms is None else until_ms
    reach = span(end - query.since_ms)
    if abs(time.time() * 1000 - end) <= _NOW_SLACK_MS:
        return f"the last {reach}"
    return f"the {reach} before --until"


def _matching(query: LogQuery) -> str:
    flags = describe_filters(query.filters)
    return f" matching {flags}" if flags else ""


RUNNING_DEPLOYMENT = "ACTIVE"


def deployment_state(client: ApiClient, logs_path: str) -> str | None:
    """Whether a deployment's (or environment's current deployment's) status is not ACTIVE,
    in words; one read of the deployment or environment. None: running, or not known."""
    if not logs_path.endswith("/logs"):
        return None
    path = logs_path.removesuffix("/logs")
    try:
        body = client.get_json(path)
    except BasetenLogsError:
        return None  # a failed check changes nothing: the lines (or their absence) say enough
    if not isinstance(body, dict):
        return None
    what = "the deployment"
    if "/environments/" in path:
        current = body.get("current_deployment")
        body = current if isinstance(current, dict) else {}
        what = f"the deployment of {path.rsplit('/', 1)[-1]}"
    status = body.get("status")
    if not isinstance(status, str) or status == RUNNING_DEPLOYMENT:
        return None
    return f"{what} is {status}"
