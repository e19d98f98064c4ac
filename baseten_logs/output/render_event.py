"""A replica start-up event (`--events`) in words, for the text-like outputs.

`── start: FAILED after 25.6 s (READINESS FAILED)`: the outcome, how long the attempt took and,
when it did not succeed, the phases that did not complete (or, when it did, its slowest phase),
so the line beside a crash says at once whether the replica came back and what held it up.
Every value is the server's: each is made inert here, so no caller can forget to.
The record's shape is reading/events.py's: `{"event": <the API's attempt>, "time": ...}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from baseten_logs.output.inert import inert
from baseten_logs.output.page_writer import as_text

EVENT_FIELD = "event"
EVENT_MARK = "──"
_MAX_FIELD = 40  # a server's 5,000-character phase name must not fill the screen


def is_event(record: Mapping[str, Any]) -> bool:
    return EVENT_FIELD in record


def _field(value: object) -> str:
    text = inert(as_text(value))
    return text if len(text) <= _MAX_FIELD else text[:_MAX_FIELD] + "…"


def _seconds(ms: object) -> str | None:
    if type(ms) is not int or ms < 0:
        return None
    return f"{ms / 1000:.1f} s"


def event_replica(record: Mapping[str, Any]) -> str | None:
    """The event's replica id as it came (None: none given), for the replica column."""
    event = record.get(EVENT_FIELD)
    replica = event.get("replica_id") if isinstance(event, Mapping) else None
    return None if replica is None else as_text(replica)


def event_text(record: Mapping[str, Any]) -> str:
    """The words of one start attempt (without time or replica), inert."""
    event = record.get(EVENT_FIELD)
    if not isinstance(event, Mapping):
        return f"{EVENT_MARK} start: {_field(event)}"
    outcome = _field(event.get("outcome") or "UNKNOWN")
    took = _seconds(event.get("duration_ms"))
    phases = [p for p in event.get("phase_summary") or () if isinstance(p, Mapping)]
    if outcome == "SUCCESS":
        text = f"{EVENT_MARK} start: SUCCESS" + (f", ready in {took}" if took else "")
        timed = [p for p in phases if type(p.get("duration_ms")) is int]
        if timed:
            slowest = max(timed, key=lambda p: int(p["duration_ms"]))
            text += f" (slowest {_field(slowest.get('phase'))} {_seconds(slowest['duration_ms'])})"
        return text
    text = f"{EVENT_MARK} start: {outcome}" + (f" after {took}" if took else "")
    stuck = [
        f"{_field(p.get('phase'))} {_field(p.get('status'))}"
        for p in phases
        if p.get("status") != "COMPLETED"
    ]
    return text + (f" ({', '.join(stuck)})" if stuck else "")


def plain_event_line(record: Mapping[str, Any]) -> str:
    """An event as one plain line for outputs with no columns (-o raw, -o github)."""
    replica = event_replica(record)
    who = f"replica {inert(replica)} " if replica is not None else ""
    return event_text(record).replace(f"{EVENT_MARK} ", f"{EVENT_MARK} {who}", 1)
