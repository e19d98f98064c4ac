"""The shape of a window of logs: counts per time bucket, level, replica, message and request.

Pure computation, fed page by page while the window is fetched, so that `baseten-logs stats` never
holds the lines themselves: memory is a few counters per bucket and replica plus bounded top-k
tables, whether the window has a thousand lines or ten million. Rendering lives in stats_view.py
(rich) and the JSON document in `Summary.to_json`; both read the same `Summary`, so a script and a
person see the same numbers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from typing import Any, cast

from baseten_logs.base.levels import effective_level
from baseten_logs.base.timestamps import record_ms
from baseten_logs.output.page_writer import as_text
from baseten_logs.output.render_event import EVENT_FIELD

__all__ = [
    "BUCKET_SIZES_MS",
    "LEVEL_KEYS",
    "NO_LEVEL",
    "Summary",
    "TopCounter",
    "WindowStats",
    "bucket_origin",
    "choose_bucket_ms",
    "signature",
    "utc_offset_ms",
]

NO_LEVEL = "NONE"  # lines whose level neither the API nor detection could tell
# Least to most severe, as levels.LEVELS, then the undetected: the order of every counts object.
LEVEL_KEYS: tuple[str, ...] = ("DEBUG", "INFO", "WARNING", "ERROR", NO_LEVEL)
_LEVEL_INDEX = {level: i for i, level in enumerate(LEVEL_KEYS)}
_ERROR = _LEVEL_INDEX["ERROR"]
_WARNING = _LEVEL_INDEX["WARNING"]

_S = 1000
_M = 60 * _S
_H = 60 * _M
_D = 24 * _H
# Round sizes only, so the axis reads 10:00, 10:05, ... and buckets of two runs line up.
BUCKET_SIZES_MS: tuple[int, ...] = (
    _S, 5 * _S, 10 * _S, 30 * _S,
    _M, 5 * _M, 10 * _M, 15 * _M, 30 * _M,
    _H, 3 * _H, 6 * _H, 12 * _H, _D,
)  # fmt: skip

# Bounds on memory, whatever the window holds. Past them, top lists become approximate (and say
# so): the distinct-key tables are pruned to their most frequent half.
MESSAGE_CAPACITY = 4096
REQUEST_CAPACITY = 4096
MAX_REPLICAS = 1000
OTHER_REPLICAS = "(other replicas)"
EXAMPLE_CHARS = 300  # one raw example per signature, cut: enough to recognise a traceback


# --- buckets ------------------------------------------------------------------------------------


def choose_bucket_ms(span_ms: int, max_buckets: int) -> int:
    """The smallest round bucket that fits the window into `max_buckets` columns.

    One more bucket than span/size is allowed for, since buckets are aligned to round times and
    the window rarely is. Windows too long even for daily buckets get whole multiples of a day.
    """
    max_buckets = max(2, max_buckets)
    for size in BUCKET_SIZES_MS:
        if span_ms // size + 2 <= max_buckets:
            return size
    days = -(-span_ms // (_D * (max_buckets - 2)))
    return max(1, days) * _D


def utc_offset_ms(at_ms: int, tz: tzinfo | None = None) -> int:
    """The offset from UTC at `at_ms` of `tz` (None: the local zone), so buckets can start on
    round times in the zone they are shown in."""
    offset = datetime.fromtimestamp(at_ms / 1000, tz=timezone.utc).astimezone(tz).utcoffset()
    return 0 if offset is None else int(offset.total_seconds() * 1000)


def bucket_origin(since_ms: int, bucket_ms: int, offset_ms: int = 0) -> int:
    """The start of the bucket holding `since_ms`, aligned to round times in the display zone."""
    return (since_ms + offset_ms) // bucket_ms * bucket_ms - offset_ms


# --- message signatures -------------------------------------------------------------------------

_SIGNATURE_SCAN = 400  # normalise only the head of a long message: cost stays flat per line
SIGNATURE_CHARS = 160
_TRACEBACK = "Traceback (most recent call last)"
_JSON_MESSAGE_KEYS = ("message", "msg", "event")
_HEX = "[0-9a-fA-F]"


def _hex_run(match: re.Match[str]) -> str:
    """A long run of hex digits is an id only if it mixes digits and letters; else it is a
    number (the number rule takes it) or a word."""
    run = match.group()
    return run if run.isdigit() or run.isalpha() else "<hex>"


# Applied in order: the specific shapes first, since each would otherwise be cut up by the
# number rule. Each runs only when its telltale substring is present, and each starts with a
# character class (the word-boundary test comes after the first character, as a look-behind)
# so that the regex engine can skip ahead to candidate characters: a line costs microseconds.
_PLACEHOLDERS: tuple[tuple[str, re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (
        ":",
        re.compile(
            r"\d\d(?:\d\d-\d\d-\d\d[T ]\d\d)?:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?(?!\d)"
        ),
        "<time>",
    ),
    (
        "-",
        re.compile(
            rf"{_HEX}(?<!\w{_HEX}){_HEX}{{7}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}\b"
        ),
        "<uuid>",
    ),
    (".", re.compile(r"\d(?<!\w\d)\d{0,2}(?:\.\d{1,3}){3}(?::\d{1,5})?\b"), "<ip>"),
    ("0x", re.compile(rf"0(?<!\w0)x{_HEX}+\b"), "<hex>"),
    ("", re.compile(rf"{_HEX}(?<!\w{_HEX}){_HEX}{{7,}}\b"), _hex_run),
    # Numbers not glued to a word before them (`v2`, `x86_64`, `utf8`, `worker-5` stay); units
    # after them stay (`<n>ms`, `<n>GiB`). An access log's `HTTP/1.1" 200` keeps its version and
    # status: a 200 and a 500 are different stories.
    (
        "",
        re.compile(r"\d(?<![\w.]\d)(?<!\w-\d)(?<!HTTP/\d)(?<!HTTP/\d\.\d\" \d)\d*(?:\.\d+)*"),
        "<n>",
    ),
)
_DIGIT = re.compile(r"\d")  # every placeholder above stands for something with a digit in it


def signature(message: str) -> str:
    """A message with its variable parts (numbers, ids, uuids, hex, times, IPs) as placeholders.

    Lines that differ only in those parts are one kind of event, so counting signatures shows
    what a deployment is saying, not that every request id is unique.
    """
    text = _headline(message)[:_SIGNATURE_SCAN]
    if _DIGIT.search(text) is not None:
        for telltale, pattern, placeholder in _PLACEHOLDERS:
            if telltale in text:
                text = pattern.sub(placeholder, text)
    text = " ".join(text.split())  # aligned columns (`INFO:     ...`) vary only in padding
    return text if len(text) <= SIGNATURE_CHARS else text[: SIGNATURE_CHARS - 1] + "…"


def _headline(message: str) -> str:
    """The part of a message that names the event: a JSON log's message, a traceback's exception,
    else the first line."""
    if message.startswith("{"):
        inner = _json_message(message)
        if inner is not None:
            message = inner
    if "\n" not in message:
        return message
    lines = [line for line in message.splitlines() if line.strip()]
    if not lines:
        return ""
    if _TRACEBACK in message:
        return f"Traceback: {lines[-1].strip()}"  # the exception line says what went wrong
    return lines[0] + " …"


def _json_message(message: str) -> str | None:
    """The human part of a structured log line: its keys and their order vary, its message not."""
    try:
        parsed = json.loads(message)
    except ValueError:
        return None
    if isinstance(parsed, dict):
        for key in _JSON_MESSAGE_KEYS:
            value = parsed.get(key)
            if isinstance(value, str):
                return value
    return None


# --- bounded top-k ------------------------------------------------------------------------------


class _Entry:
    """What is known about one key: how often, when first and last, and one example."""

    __slots__ = ("count", "example", "first_ms", "last_ms")

    def __init__(self, ms: int, example: str | None) -> None:
        self.count = 0
        self.first_ms = ms
        self.last_ms = ms
        self.example = example


class TopCounter:
    """Counts per key in bounded memory: exact up to `capacity` distinct keys, approximate past it.

    When the table is full it keeps its most frequent half (a batched form of the space-saving
    idea: sorting once per capacity/2 new keys keeps the cost amortised O(log capacity) a line).
    `floor` is the largest count ever dropped: a key reported with count c may really have up to
    c + floor, and a key missing from the top was seen at most floor times before being dropped.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = max(2, capacity)
        self.floor = 0
        self._entries: dict[Hashable, _Entry] = {}

    @property
    def exact(self) -> bool:
        return self.floor == 0

    def add(self, key: Hashable, ms: int, example: str | None = None) -> None:
        entry = self._entries.get(key)
        if entry is None:
            if len(self._entries) >= self.capacity:
                self._prune()
            if example is not None and len(example) > EXAMPLE_CHARS:
                example = example[: EXAMPLE_CHARS - 1] + "…"
            entry = self._entries[key] = _Entry(ms, example)
        entry.count += 1
        # Pages arrive oldest first, but slices of a parallel fetch and late lines need not.
        if ms < entry.first_ms:
            entry.first_ms = ms
        if ms > entry.last_ms:
            entry.last_ms = ms

    def top(self, n: int) -> list[tuple[Hashable, _Entry]]:
        """The n most frequent keys, most frequent first; ties by first appearance, so the
        order is the same however the pages happened to arrive."""
        ranked = sorted(self._entries.items(), key=lambda kv: (-kv[1].count, kv[1].first_ms))
        return ranked[:n]

    def _prune(self) -> None:
        ranked = sorted(self._entries.items(), key=lambda kv: -kv[1].count)
        keep = self.capacity // 2
        self.floor = max(self.floor, max(e.count for _, e in ranked[keep:]))
        self._entries = dict(ranked[:keep])


# --- the summary --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bucket:
    start_ms: int
    counts: dict[str, int]  # every key of LEVEL_KEYS, in that order

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class ReplicaSummary:
    replica: str | None  # None: lines the API gave no replica
    lines: int
    errors: int
    warnings: int
    first_ms: int
    last_ms: int
    activity: list[int]  # lines per bucket, aligned with Summary.buckets


@dataclass(frozen=True)
class MessageSummary:
    signature: str
    level: str
    count: int
    first_ms: int
    last_ms: int
    example: str


@dataclass(frozen=True)
class RequestSummary:
    request_id: str
    errors: int
    first_ms: int
    last_ms: int


@dataclass(frozen=True)
class Summary:
    """Everything `stats` shows, computed once; the view and the JSON document read only this."""

    since_ms: int
    until_ms: int
    bucket_ms: int
    totals: dict[str, int]
    buckets: list[Bucket]
    replicas: list[ReplicaSummary]
    top_errors: list[MessageSummary]
    top_messages: list[MessageSummary]
    top_error_requests: list[RequestSummary]
    exact: bool  # False once a top-k table had to be pruned: its counts are lower bounds
    complete: bool = True  # False when the fetch left a gap (exit status INCOMPLETE)
    # Replica start attempts in the window by outcome, per replica (startup_counts); None: not
    # read (a chain, a training job, or the start-ups request failed).
    startups: dict[str, dict[str, int]] | None = None

    @property
    def lines(self) -> int:
        return sum(self.totals.values())

    def to_json(self) -> dict[str, Any]:
        """The document `stats -o json` prints; its shape is a promise to scripts (see README)."""
        return {
            "window": {"since_ms": self.since_ms, "until_ms": self.until_ms},
            "bucket_ms": self.bucket_ms,
            "lines": self.lines,
            "totals": self.totals,
            "complete": self.complete,
            "exact": self.exact,
            "buckets": [
                {"start_ms": b.start_ms, "total": b.total, "counts": b.counts} for b in self.buckets
            ],
            "replicas": [
                {
                    "replica": r.replica,
                    "lines": r.lines,
                    "errors": r.errors,
                    "warnings": r.warnings,
                    "first_ms": r.first_ms,
                    "last_ms": r.last_ms,
                    "activity": r.activity,
                }
                for r in self.replicas
            ],
            "top_errors": [_message_json(m) for m in self.top_errors],
            "top_messages": [_message_json(m) for m in self.top_messages],
            "top_error_requests": [
                {
                    "request_id": r.request_id,
                    "errors": r.errors,
                    "first_ms": r.first_ms,
                    "last_ms": r.last_ms,
                }
                for r in self.top_error_requests
            ],
            "startups": self._startups_json(),
        }

    def starts(self, replica: str | None) -> int:
        """A replica's start attempts in the window (0 when none, or none were read)."""
        found = (self.startups or {}).get(replica or "")
        return sum(found.values()) if found else 0

    def _startups_json(self) -> dict[str, Any] | None:
        if self.startups is None:
            return None
        return {
            "attempts": sum(sum(c.values()) for c in self.startups.values()),
            "replicas": {
                replica: {"attempts": sum(counts.values()), "outcomes": dict(counts)}
                for replica, counts in self.startups.items()
            },
        }


def startup_counts(events: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, int]]:
    """Start attempts per replica by outcome, from start-up event records (render_event's shape),
    replicas in the order of their first attempt."""
    counts: dict[str, dict[str, int]] = {}
    for record in events:
        event = record.get(EVENT_FIELD)
        if not isinstance(event, Mapping):
            continue
        replica = as_text(event.get("replica_id"))
        outcome = as_text(event.get("outcome") or "UNKNOWN")
        per = counts.setdefault(replica, {})
        per[outcome] = per.get(outcome, 0) + 1
    return counts


def _message_json(m: MessageSummary) -> dict[str, Any]:
    return {
        "signature": m.signature,
        "level": m.level,
        "count": m.count,
        "first_ms": m.first_ms,
        "last_ms": m.last_ms,
        "example": m.example,
    }


# --- the collector ------------------------------------------------------------------------------


class _Replica:
    __slots__ = ("activity", "errors", "first_ms", "last_ms", "lines", "warnings")

    def __init__(self, ms: int, buckets: int) -> None:
        self.lines = 0
        self.errors = 0
        self.warnings = 0
        self.first_ms = ms
        self.last_ms = ms
        self.activity = [0] * buckets


class WindowStats:
    """Feed it pages of records (`add_page`), then ask for the `summary()`.

    Buckets are `bucket_ms` wide from `origin_ms` (see `bucket_origin`) and cover the window;
    a line outside it (a server that rounds its window edges) is counted in the nearest bucket
    rather than lost, so totals always equal the lines fed.
    """

    def __init__(
        self,
        *,
        since_ms: int,
        until_ms: int,
        bucket_ms: int,
        origin_ms: int | None = None,
        message_capacity: int = MESSAGE_CAPACITY,
        request_capacity: int = REQUEST_CAPACITY,
        max_replicas: int = MAX_REPLICAS,
    ) -> None:
        if bucket_ms <= 0:
            raise ValueError(f"bucket_ms must be positive, not {bucket_ms}")
        self.since_ms = since_ms
        self.until_ms = until_ms
        self.bucket_ms = bucket_ms
        self.origin_ms = bucket_origin(since_ms, bucket_ms) if origin_ms is None else origin_ms
        self._n = max(1, (until_ms - self.origin_ms) // bucket_ms + 1)
        self._counts = [[0] * len(LEVEL_KEYS) for _ in range(self._n)]
        self._replicas: dict[str | None, _Replica] = {}
        self._max_replicas = max_replicas
        self.messages = TopCounter(message_capacity)
        self.errors = TopCounter(message_capacity)
        self.requests = TopCounter(request_capacity)

    def add_page(self, records: Iterable[Mapping[str, Any]]) -> None:
        """Count a page and let it go: nothing of the lines themselves is kept but examples."""
        for record in records:
            self.add(record)

    def add(self, record: Mapping[str, Any]) -> None:
        """One line into every counter; the level is `get`'s (the API's, else detected), so the
        numbers agree with what `get --level` and the colours show."""
        ms = record_ms(record)
        if ms is None:  # no time to place it by (the fetch has warned about it)
            return
        level = effective_level(record) or NO_LEVEL
        index = _LEVEL_INDEX[level]
        slot = min(self._n - 1, max(0, (ms - self.origin_ms) // self.bucket_ms))
        self._counts[slot][index] += 1
        self._add_replica(record.get("replica"), ms, slot, index)
        message = record.get("message")
        text = message if isinstance(message, str) else ""
        sig = signature(text)
        self.messages.add((level, sig), ms, text)
        if index == _ERROR:
            self.errors.add(sig, ms, text)
            request_id = record.get("request_id")
            if isinstance(request_id, str) and request_id:
                self.requests.add(request_id, ms)

    def _add_replica(self, replica: object, ms: int, slot: int, index: int) -> None:
        key = replica if isinstance(replica, str) else None
        entry = self._replicas.get(key)
        if entry is None:
            if len(self._replicas) >= self._max_replicas:
                key = OTHER_REPLICAS  # an autoscaling storm must not grow memory without bound
                entry = self._replicas.get(key)
            if entry is None:
                entry = self._replicas[key] = _Replica(ms, self._n)
        entry.lines += 1
        entry.activity[slot] += 1
        if index == _ERROR:
            entry.errors += 1
        elif index == _WARNING:
            entry.warnings += 1
        entry.first_ms = min(entry.first_ms, ms)
        entry.last_ms = max(entry.last_ms, ms)

    def summary(self, *, top: int = 10, complete: bool = True) -> Summary:
        """The numbers so far; `top` bounds each of the top lists."""
        totals = [sum(row[i] for row in self._counts) for i in range(len(LEVEL_KEYS))]
        return Summary(
            since_ms=self.since_ms,
            until_ms=self.until_ms,
            bucket_ms=self.bucket_ms,
            totals=dict(zip(LEVEL_KEYS, totals, strict=True)),
            buckets=[
                Bucket(self.origin_ms + i * self.bucket_ms, dict(zip(LEVEL_KEYS, row, strict=True)))
                for i, row in enumerate(self._counts)
            ],
            replicas=self._replica_summaries(),
            top_errors=[_message("ERROR", k, e) for k, e in self.errors.top(top)],
            top_messages=[_message(*_pair(k), e) for k, e in self.messages.top(top)],
            top_error_requests=[
                RequestSummary(str(k), e.count, e.first_ms, e.last_ms)
                for k, e in self.requests.top(top)
            ],
            exact=self.messages.exact and self.errors.exact and self.requests.exact,
            complete=complete,
        )

    def _replica_summaries(self) -> list[ReplicaSummary]:
        """Replicas in order of first appearance: the story of a deployment scaling up and down."""
        ordered = sorted(self._replicas.items(), key=lambda kv: (kv[1].first_ms, kv[0] or ""))
        return [
            ReplicaSummary(
                key, r.lines, r.errors, r.warnings, r.first_ms, r.last_ms, list(r.activity)
            )
            for key, r in ordered
        ]


def _pair(key: Hashable) -> tuple[object, object]:
    """(level, signature) back from a `messages` key."""
    level, sig = cast(tuple[object, object], key)
    return level, sig


def _message(level: object, sig: object, entry: _Entry) -> MessageSummary:
    return MessageSummary(
        signature=str(sig),
        level=str(level),
        count=entry.count,
        first_ms=entry.first_ms,
        last_ms=entry.last_ms,
        example=entry.example or "",
    )
