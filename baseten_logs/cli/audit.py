"""`baseten-logs audit`: the audit trail (who deployed, promoted, scaled or deleted what).

Not log lines (no message, level or replica), so not the logs pipeline: an event is shown as a
row (time, who, what, target) on a terminal, and as the API's object, unchanged, in JSON lines
when piped, so `jq` sees what the SDK documents. The pages are read by
reading/audit_pages.CursorWalk: each once, a repeated cursor ends the walk (exit 6).

The window: -n N is the newest N events (asked newest first, shown oldest first), --all every
event of the window (asked oldest first, streamed), and with no --since the window starts at
the trail's beginning, as the endpoint's own default does: audit events are rare, and the
30 minutes `get` looks at would mostly show nothing.

-f polls for new events: each poll asks, oldest first, from the newest event seen less an
overlap (an event may be written a little after the time it records), and shows only the
events whose ids were not shown yet; ids older than the overlap are forgotten. So nothing is
shown twice and nothing that arrives within the overlap is lost.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO, cast

from baseten_logs.access.config import Credentials
from baseten_logs.api import clock
from baseten_logs.api.client import ApiClient, RetryPolicy
from baseten_logs.base.errors import ExitStatus
from baseten_logs.base.timeparse import LOCAL, Zone, format_in_zone, format_ms
from baseten_logs.base.timestamps import timestamp_ns
from baseten_logs.output import messages
from baseten_logs.output.inert import inert
from baseten_logs.output.pipes import stdout_guard
from baseten_logs.output.render_json import json_text
from baseten_logs.output.terminal import ColorMode, is_terminal, use_color
from baseten_logs.reading.audit_pages import CursorWalk
from baseten_logs.reading.fetch import open_client
from baseten_logs.sources.audit import AuditSource, audit_params, resolve_audit
from baseten_logs.sources.cache import Cache

__all__ = ["AuditAsk", "event_row", "run_audit"]

Event = dict[str, Any]
HEADERS = ("TIME", "WHO", "WHAT", "TARGET")
_MIN_WIDTHS = (19, 24, 30)  # the last column is never padded
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


@dataclass(frozen=True)
class AuditAsk:
    """What `audit` was asked for, every flag checked (audit_commands.py), nothing sent yet."""

    model: str | None = None
    team: str | None = None  # --team: of the models named --model, this team's
    chain: str | None = None
    since_ms: int | None = None  # None: from the trail's beginning
    until_ms: int | None = None  # None: now
    count: int | None = 100  # the newest N; None: every event of the window
    follow: bool = False
    follow_until_ms: int | None = None  # -f --until: stop following then
    overlap_ms: int = 60_000
    poll_s: float = 2.0
    output: str = "auto"  # auto, table (text), jsonl, json
    color: str = "auto"
    zone: Zone | None = None  # --tz/--utc/BASETEN_LOGS_TZ; None: local time


# --- rows ---------------------------------------------------------------------------------


def event_ms(event: Mapping[str, Any]) -> int | None:
    """The event's `created` in epoch ms (any time form a record may have), or None."""
    ns = timestamp_ns(event.get("created"))
    return None if ns is None else ns // 1_000_000


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def who(event: Mapping[str, Any]) -> str:
    """The actor in words: a user's email, an API key's name, Baseten itself; and the surface."""
    actor = event.get("actor")
    actor = actor if isinstance(actor, dict) else {}
    kind = _text(actor.get("type"))
    email = _text(actor.get("email"))
    if kind == "API_KEY":
        name, prefix = _text(actor.get("api_key_name")), _text(actor.get("api_key_prefix"))
        shown = "API key " + (name or "?") + (f" ({prefix}...)" if prefix else "")
    elif kind == "BASETEN_SYSTEM":
        shown = "Baseten"
    elif kind == "BASETEN_USER":
        shown = "Baseten staff" + (f" {email}" if email else "")
    elif kind == "TOMBSTONE_USER":
        shown = "a deleted user"
    else:
        shown = email or kind or "-"
    source = _text(event.get("source"))
    return shown + (f" via {source}" if source and kind != "BASETEN_SYSTEM" else "")


def target(event: Mapping[str, Any]) -> str:
    """What the event was about: `model/deployment`, `chain/deployment`, an environment, a
    replica, an API key; else the first name or id it holds."""
    data = event.get("event_data")
    data = data if isinstance(data, dict) else {}

    def named(*keys: str) -> str | None:
        return next((t for k in keys if (t := _text(data.get(k))) is not None), None)

    owner = named("model_name", "model_id") or named("chain_name", "chain_id")
    child = named("deployment_name", "deployment_id") or named(
        "chain_deployment_name", "chain_deployment_id"
    )
    parts = ["/".join(p for p in (owner, child, named("chainlet_name")) if p)]
    if (env := named("environment_name")) is not None:
        parts.append(f"({env})")
    if (replica := named("replica_id")) is not None:
        parts.append(f"replica {replica}")
    if (key := named("api_key_name", "prefix", "api_key_id")) is not None and not owner:
        parts.append(f"API key {key}")
    shown = " ".join(p for p in parts if p)
    if not shown:
        fallback = sorted(k for k in data if k.endswith(("_name", "_id")) and _text(data[k]))
        shown = str(data[fallback[0]]) if fallback else "-"
    return shown


def event_row(event: Mapping[str, Any], *, zone: Zone | None) -> tuple[str, str, str, str]:
    """(time, who, what, target), each made inert: every one of them came from the server.
    The time is in `zone` (None: local), which the table's header names."""
    ms = event_ms(event)
    wall = (zone or LOCAL).wall
    shown = "-" if ms is None else wall(ms).isoformat(sep=" ", timespec="seconds")
    what = _text(event.get("event_type")) or "-"
    return (inert(shown), inert(who(event)), inert(what), inert(target(event)))


# --- output -------------------------------------------------------------------------------


@dataclass
class AuditWriter:
    """Where events go: rows on a terminal, the events verbatim as JSON lines (or one array)."""

    form: str  # table, jsonl, json
    zone: Zone | None  # None: local time
    color: bool
    stream: TextIO = field(default_factory=lambda: sys.stdout)
    shown: int = 0
    _held: list[Event] = field(default_factory=list)  # -o json: one array at the end

    def write(self, events: Sequence[Event]) -> None:
        if not events:
            return
        self.shown += len(events)
        if self.form == "json":
            self._held.extend(events)
            return
        with stdout_guard():
            if self.form == "jsonl":
                self.stream.write("".join(_json(e) + "\n" for e in events))
            else:
                self.stream.write(self._rows(events))
            self.stream.flush()

    def finish(self) -> None:
        if self.form == "json":
            with stdout_guard():
                self.stream.write("[" + ",\n".join(_json(e) for e in self._held) + "]\n")
                self.stream.flush()

    def _rows(self, events: Sequence[Event]) -> str:
        rows = [event_row(e, zone=self.zone) for e in events]
        header = self.shown == len(events)  # the first rows of the run
        if header:
            rows.insert(0, (f"TIME ({zone_name(self.zone)})", *HEADERS[1:]))
        widths = [
            max(minimum, *(len(row[i]) for row in rows)) for i, minimum in enumerate(_MIN_WIDTHS)
        ]
        lines = []
        for n, row in enumerate(rows):
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            first = header and n == 0
            if self.color and not first:
                cells[0] = f"{_DIM}{cells[0]}{_RESET}"
            line = "  ".join([*cells, row[-1]]).rstrip(" ")
            if self.color and first:
                line = f"{_BOLD}{line}{_RESET}"
            lines.append(line + "\n")
        return "".join(lines)


def zone_name(zone: Zone | None) -> str:
    """The zone the TIME column is in, as its header names it (the listings' way: the zone's
    name, not an offset that changes with daylight saving between the rows)."""
    if zone is None:
        return "local"
    return "UTC" if zone.is_utc else zone.name


def _json(event: Mapping[str, Any]) -> str:
    return json_text(event)  # valid JSON whatever number the server sent (render_json)


def _form(output: str) -> str:
    if output == "auto":
        return "table" if is_terminal(sys.stdout, os.environ) else "jsonl"
    return "table" if output == "text" else output


# --- the run ------------------------------------------------------------------------------


def event_key(event: Mapping[str, Any]) -> str:
    """An event's identity for -f: its id, or (an id-less event) its whole content."""
    found = event.get("id")
    return found if isinstance(found, str) and found else _json(event)


def _in_order(events: Iterable[Event]) -> list[Event]:
    return sorted(events, key=lambda e: (event_ms(e) or 0, event_key(e)))


def run_audit(
    ask: AuditAsk,
    *,
    credentials: Credentials,
    cache: Cache | None = None,
    verbose: bool = False,
    attempts: int = RetryPolicy.attempts,
) -> ExitStatus:
    """Show the trail asked for; 6 when a page walk could not finish, else 0."""
    log = messages.info if verbose else None
    writer = AuditWriter(
        form=_form(ask.output),
        zone=ask.zone,
        color=use_color(cast(ColorMode, ask.color), sys.stdout, os.environ),
    )
    with open_client(credentials, log=log, retry=RetryPolicy(attempts=attempts)) as client:
        source = resolve_audit(client, model=ask.model, chain=ask.chain, cache=cache, team=ask.team)
        seen = Seen(ask.overlap_ms)
        incomplete = _opening(client, source, ask, writer, seen, log)
        if ask.follow and incomplete is None:
            incomplete = _follow(client, source, ask, writer, seen, log)
    writer.finish()
    if incomplete is not None:
        messages.warn(f"the audit trail may be incomplete: {incomplete}")
        return ExitStatus.INCOMPLETE
    if writer.shown == 0 and not ask.follow:
        messages.info(f"no audit events of {source.label} {_window_words(ask)}")
    return ExitStatus.OK


def _window_words(ask: AuditAsk) -> str:
    """The window in words, its times in the zone the user chose (marked), else local."""

    def shown(ms: int) -> str:
        return format_ms(ms) if ask.zone is None else format_in_zone(ms, ask.zone)

    since = "its beginning" if ask.since_ms is None else shown(ask.since_ms)
    until = "now" if ask.until_ms is None else shown(ask.until_ms)
    return f"from {since} to {until}"


def _opening(
    client: ApiClient,
    source: AuditSource,
    ask: AuditAsk,
    writer: AuditWriter,
    seen: Seen,
    log: Callable[[str], None] | None,
) -> str | None:
    """The window's events: the newest `count` (oldest first), or all of them, streamed."""
    if ask.count == 0:
        return None  # -f -n 0: only what arrives from now on
    newest = ask.count is not None
    params = audit_params(
        since_ms=ask.since_ms,
        until_ms=ask.until_ms,
        limit=ask.count if ask.count is not None else 200,
        direction="DESC" if newest else "ASC",
    )
    walk = CursorWalk(client, source.path, params, wanted=ask.count, log=log)
    held: list[Event] = []
    for page in walk:
        if newest:
            held.extend(page)
        else:
            writer.write(seen.fresh(page))
    if newest:
        writer.write(seen.fresh(list(reversed(held))))
    return walk.incomplete


@dataclass
class Seen:
    """The events shown, by key, within `overlap_ms` of the newest: what -f must not repeat."""

    overlap_ms: int
    newest_ms: int | None = None
    _keys: dict[str, int] = field(default_factory=dict)

    def fresh(self, events: Sequence[Event]) -> list[Event]:
        """`events` not shown yet (in the order given), now remembered as shown."""
        new = []
        for event in events:
            key = event_key(event)
            if key in self._keys:
                continue
            ms = event_ms(event) or 0
            self._keys[key] = ms
            self.newest_ms = ms if self.newest_ms is None else max(self.newest_ms, ms)
            new.append(event)
        if self.newest_ms is not None:
            horizon = self.newest_ms - self.overlap_ms
            self._keys = {k: ms for k, ms in self._keys.items() if ms >= horizon}
        return new


def _follow(
    client: ApiClient,
    source: AuditSource,
    ask: AuditAsk,
    writer: AuditWriter,
    seen: Seen,
    log: Callable[[str], None] | None,
) -> str | None:
    """Poll until Ctrl-C or --until: each poll reaches back the overlap from the newest seen."""
    start_ms = ask.until_ms if ask.until_ms is not None else _now_ms()
    while True:
        clock.sleep(ask.poll_s)
        last = ask.follow_until_ms is not None and _now_ms() >= ask.follow_until_ms
        anchor = seen.newest_ms if seen.newest_ms is not None else start_ms
        params = audit_params(
            since_ms=max(0, anchor - ask.overlap_ms),
            until_ms=ask.follow_until_ms,
            limit=200,
            direction="ASC",
        )
        walk = CursorWalk(client, source.path, params, log=log)
        arrived = [e for page in walk for e in page]
        writer.write(seen.fresh(_in_order(arrived)))
        if walk.incomplete is not None:
            return walk.incomplete
        if last:
            return None


def _now_ms() -> int:
    return int(time.time() * 1000)
