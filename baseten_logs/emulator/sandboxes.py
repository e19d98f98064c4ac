"""Sandboxes: `GET /v1/sandboxes/instances[/{name}[/logs]]` and `/v1/sandboxes/images/{name}/logs`.

As the SDK's models say: a list in cursor pages (limit 1..100), a sandbox's logs in an RFC 3339
window (`start_time`, `end_time` required; limit 1..1000) paged by `next_cursor`, and an image's
build logs paged by `offset` (0..10000) with a `total_count`. Refusals are 400 with an `error`
naming the parameter; unknown names 404.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .deployments import DAY_MS, HOUR_MS, MINUTE_MS, Deployment, iso
from .deployments import deployment as _deployment
from .lines import NS_PER_MS, Line
from .replies import Query, Response, decode_cursor, encode_cursor, error_reply, json_reply, last
from .sandbox_logs import build_lines, entry, rfc3339

SANDBOX_KEY = "sandboxes"  # the sandboxes' "model" in the log store's keys
TRACED_SANDBOX = "agent-sbx-7f3k"  # live, its commands' lines share traces
ENDED_SANDBOX = "ci-runner-02"
IMAGE = "agent-base"
FAILED_IMAGE = "ci-runner-image"
STATUSES = (
    "DEPLOYING",
    "DEPLOYED",
    "FAILED",
    "DEACTIVATING",
    "DEACTIVATED",
    "DELETING",
    "TERMINATED",
    "ARCHIVING",
    "ARCHIVED",
    "UNARCHIVING",
    "BUILDING",
    "UPLOADING",
)
MAX_LIST = 100
MAX_LOGS = 1000
MAX_OFFSET = 10_000


@dataclass(frozen=True)
class Sandbox:
    dep: Deployment  # its log stream; dep.id is the sandbox's name
    status: str
    image: str
    labels: dict[str, str]
    external_id: str | None

    @property
    def name(self) -> str:
        return self.dep.id

    def to_api(self) -> dict[str, Any]:
        ended = self.dep.logs_until_ms
        return {
            "name": self.name,
            "url": f"https://sbx-{self.name}-esb1qo.us-pdx-1.b10.run",
            "status": self.status,
            "image": self.image,
            "memory": 4096,
            "region": "us-pdx-1",
            "labels": self.labels,
            "external_id": self.external_id,
            "ports": [{"name": "http", "protocol": "HTTP", "target": 3000}],
            "created_at": iso(self.dep.created_at_ms),
            "updated_at": iso(ended if ended is not None else self.dep.created_at_ms),
            "created_by": "sandbox-automation",
            "expires_in": None if ended is not None else 86_400,
        }


@dataclass(frozen=True)
class Image:
    name: str
    built_ms: int
    failed: bool


def build_sandboxes(anchor_ms: int) -> tuple[Sandbox, ...]:
    a = anchor_ms

    def stream(name: str, created: int, until: int | None = None) -> Deployment:
        return _deployment(SANDBOX_KEY, name, name, created=created, until=until)

    return (
        Sandbox(
            stream(TRACED_SANDBOX, a - 3 * HOUR_MS), "DEPLOYED", IMAGE, {"team": "agents"}, None
        ),
        Sandbox(
            stream(ENDED_SANDBOX, a - 2 * DAY_MS, a - 2 * DAY_MS + 40 * MINUTE_MS),
            "TERMINATED",
            FAILED_IMAGE,
            {"team": "ci"},
            "ci-run-1187",
        ),
        Sandbox(
            stream("notebook-alice", a - 5 * HOUR_MS), "DEPLOYED", IMAGE, {"owner": "alice"}, None
        ),
    )


def build_images(anchor_ms: int) -> tuple[Image, ...]:
    return (
        Image(IMAGE, anchor_ms - 4 * HOUR_MS, False),
        Image(FAILED_IMAGE, anchor_ms - 2 * DAY_MS - 30 * MINUTE_MS, True),
    )


class SandboxRoutes:
    """`/v1/sandboxes/...`. `select(sandbox, lo_ms, hi_ms, limit)`: its visible lines, oldest
    first (the log store's); `form`: the timestamps' RFC 3339 form."""

    def __init__(
        self,
        sandboxes: tuple[Sandbox, ...],
        images: tuple[Image, ...],
        now_ms: Callable[[], int],
        select: Callable[[Sandbox, int, int, int | None], list[Line]],
        form: str,
    ) -> None:
        self.sandboxes = sandboxes
        self.images = images
        self.now_ms = now_ms
        self.select = select
        self.form = form

    def route(self, rest: list[str], query: Query) -> Response:
        try:
            if rest == ["instances"]:
                return self._list(query)
            if len(rest) in (2, 3) and rest[0] == "instances":
                sandbox = next((s for s in self.sandboxes if s.name == rest[1]), None)
                if sandbox is None:
                    return error_reply(404, "Sandbox not found")
                if len(rest) == 2:
                    return json_reply(200, sandbox.to_api())
                if rest[2] == "logs":
                    return self._logs(sandbox, query)
            if len(rest) == 3 and rest[0] == "images" and rest[2] == "logs":
                image = next((i for i in self.images if i.name == rest[1]), None)
                if image is None:
                    return error_reply(404, "Image not found")
                return self._build_logs(image, query)
        except ValueError as exc:
            return error_reply(400, str(exc))
        return error_reply(404, "Not found")

    def _list(self, query: Query) -> Response:
        limit = _bounded(query, "limit", 1, MAX_LIST, 20)
        offset = _offset_cursor(query)
        statuses, external = query.get("status"), last(query, "external_id")
        if statuses is not None and external is not None:
            raise ValueError("status: cannot be combined with external_id")
        for status in statuses or ():
            if status not in STATUSES:
                raise ValueError(f"status: unknown value {status[:40]!r}")
        q = (last(query, "q") or "").lower()
        chosen = [
            s
            for s in self.sandboxes
            if (not statuses or s.status in statuses)
            and (external is None or s.external_id == external)
            and (q in s.name or any(q in f"{k}={v}" for k, v in s.labels.items()))
        ]
        page, more = chosen[offset : offset + limit], offset + limit < len(chosen)
        cursor = encode_cursor({"v": 1, "o": offset + limit}) if more else None
        items = [s.to_api() for s in page]
        return json_reply(200, {"items": items, "pagination": {"has_more": more, "cursor": cursor}})

    def _logs(self, sandbox: Sandbox, query: Query) -> Response:
        start, end = _time(query, "start_time"), _time(query, "end_time")
        if start is None or end is None:
            raise ValueError(f"{'start_time' if start is None else 'end_time'}: required")
        if end < start:
            raise ValueError("end_time: must not be before start_time")
        limit = _bounded(query, "limit", 1, MAX_LOGS, 100)
        after, skip = start, 0  # the first line's time, and how many at that time were sent
        cursor = last(query, "cursor")
        if cursor is not None:
            payload = decode_cursor(cursor, ("t", "n")) if 1 <= len(cursor) <= 4096 else None
            if payload is None:
                raise ValueError("cursor: not a next_cursor this endpoint returned")
            after, skip = max(start, payload["t"]), payload["n"]
        lines = self._after(sandbox, after, skip, end, limit + 1)
        page, more = lines[:limit], len(lines) > limit
        next_cursor = None
        if more:
            t = page[-1].ts
            same = sum(1 for line in page if line.ts == t) + (skip if t == after else 0)
            next_cursor = encode_cursor({"v": 1, "t": t, "n": same})
        payload = {
            "sandbox_name": sandbox.name,
            "start_time": rfc3339(start),
            "end_time": rfc3339(end),
            "logs": [entry(line, self.form) for line in page],
            "next_cursor": next_cursor,
        }
        return json_reply(200, payload)

    def _after(self, sandbox: Sandbox, after: int, skip: int, end: int, count: int) -> list[Line]:
        """Up to `count` lines with after <= ns < end, less the first `skip` at `after`."""
        want = count + skip + 64
        while True:
            got = self.select(sandbox, after // NS_PER_MS, (end - 1) // NS_PER_MS, want)
            kept = [line for line in got if after <= line.ts < end]
            at_after = [line for line in kept if line.ts == after]
            kept = at_after[skip:] + [line for line in kept if line.ts != after]
            if len(kept) >= count or len(got) < want:
                return kept[:count]
            want *= 4

    def _build_logs(self, image: Image, query: Query) -> Response:
        now_ns = self.now_ms() * NS_PER_MS
        end = _time(query, "end_time")
        end = end if end is not None else now_ns
        start = _time(query, "start_time")
        start = start if start is not None else end - DAY_MS * NS_PER_MS
        limit = _bounded(query, "limit", 1, MAX_LOGS, 100)
        offset = _bounded(query, "offset", 0, MAX_OFFSET, 0)
        lines = [
            (t, text, severity)
            for t, text, severity in build_lines(image.name, image.built_ms, image.failed)
            if start <= t < end and t <= now_ns
        ]
        logs = [
            {"timestamp": rfc3339(t, self.form), "message": text, "severity": severity}
            for t, text, severity in lines[offset : offset + limit]
        ]
        return json_reply(200, {"logs": logs, "total_count": len(lines)})


def _bounded(query: Query, name: str, low: int, high: int, default: int) -> int:
    value = last(query, name)
    if value is None:
        return default
    if not value.lstrip("-").isdigit() or not low <= int(value) <= high:
        raise ValueError(f"{name}: must be an integer between {low} and {high}, got {value[:40]!r}")
    return int(value)


def _offset_cursor(query: Query) -> int:
    cursor = last(query, "cursor")
    if cursor is None:
        return 0
    payload = decode_cursor(cursor, ("o",))
    if payload is None:
        raise ValueError("cursor: not a cursor this endpoint returned")
    return int(payload["o"])


def _time(query: Query, name: str) -> int | None:
    """An RFC 3339 time with its offset, as epoch nanoseconds (fractions to the nanosecond)."""
    value = last(query, name)
    if value is None:
        return None
    text = value.strip().replace("z", "Z")
    fraction = 0
    if "." in text:
        head, _, tail = text.partition(".")
        digits = len(tail) - len(tail.lstrip("0123456789"))
        if digits:
            fraction = int(tail[:digits][:9].ljust(9, "0"))
        text = head + tail[digits:]
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None or "T" not in text.upper():
        raise ValueError(f"{name}: must be an RFC 3339 time with an offset, got {value[:40]!r}")
    return int(moment.timestamp()) * 1_000_000_000 + fraction
