"""Drawing a stats Summary on a terminal with rich: histogram, replicas, top messages and requests.

Everything here reads a finished `stats.Summary` and draws a few dozen rows, so rich's per-call
cost (a `Console.print` costs 80-750x a plain write) is paid per row, never per log line. The
histogram is built cell by cell as `Text` rather than with a plotting library: one column per time
bucket, eighth-block resolution, each cell coloured by the level that fills most of it.
Replica ids, messages and request ids come from the logs: each passes `inert` before it is drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from typing import TextIO

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from baseten_logs.base.timeparse import UTC, Zone, zone_marker
from baseten_logs.output.inert import inert
from baseten_logs.output.stats import MessageSummary, ReplicaSummary, RequestSummary, Summary
from baseten_logs.output.time_axis import BUCKET_SIZES_MS, utc_offset_ms

__all__ = ["chart_columns", "make_console", "render_summary"]

CHART_HEIGHT = 8
_MARGIN = 9  # y-axis labels (7) + space + the axis line
_MAX_COLUMN_WIDTH = 4  # a short window's few buckets get wider columns, up to this
_SPARK_WIDTH = 24
_MIN_SPARK = 10  # narrower, the activity column is left out (its header would be cut)
_MAX_REPLICA_ROWS = 15
_BLOCKS = " ▁▂▃▄▅▆▇█"
_SPARKS = "▁▂▃▄▅▆▇█"
_SHADES = "░▒▓█"
# Stacked bottom up: errors sit on the axis where the eye starts, undetected lines on top.
_STACK = ("ERROR", "WARNING", "INFO", "DEBUG", "NONE")
# Red and yellow mean what they mean in `get`; INFO needs a colour here, since a bar has no text.
LEVEL_STYLES = {
    "ERROR": "red",
    "WARNING": "yellow",
    "INFO": "blue",
    "DEBUG": "bright_black",
    "NONE": "white",
}
_LEVEL_NAMES = {"NONE": "no-level"}  # one word: the legend may wrap between entries
_SIZES = ((86_400_000, "d"), (3_600_000, "h"), (60_000, "m"), (1000, "s"))


def chart_columns(width: int) -> int:
    """How many bucket columns a terminal `width` wide has room for (the bucket size needs it
    before anything is fetched)."""
    return max(10, width - _MARGIN - 1)


def make_console(stream: TextIO, *, color: bool, width: int) -> Console:
    """A console that obeys our colour decision (terminal.use_color), not rich's own guess."""
    return Console(
        file=stream,
        width=width,
        color_system="auto" if color else None,
        force_terminal=color,
        no_color=not color,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=False,
    )


def render_summary(
    summary: Summary,
    *,
    console: Console,
    zone: Zone | None = None,
    utc: bool = False,
    subject: str | None = None,
) -> None:
    """Draw everything `stats` shows, top to bottom, in the order one reads a post-mortem; times
    in `zone`, marked (None: local, unmarked; `utc` is `zone=UTC`)."""
    zone = UTC if utc else zone
    columns = chart_columns(console.width)
    console.print(
        _header(summary, zone=zone, subject=subject, width=_column_width(summary, columns))
    )
    if summary.lines == 0:
        console.print("No log lines in this window.")
        return
    console.print(_legend(summary, width=console.width))
    for row in _histogram(summary, columns=columns, zone=zone):
        console.print(row, no_wrap=True, overflow="crop")
    daily = summary.until_ms - summary.since_ms > 86_400_000
    console.print(_replica_table(summary, zone=zone, daily=daily, width=console.width))
    if summary.top_errors:
        console.print(_message_table("Top error signatures", summary.top_errors, zone, daily))
    if summary.lines != summary.totals["ERROR"]:  # all errors (--level error): the same list
        console.print(_message_table("Most frequent messages", summary.top_messages, zone, daily))
    if summary.top_error_requests:
        console.print(
            _request_table(summary.top_error_requests, zone=zone, daily=daily, width=console.width)
        )
    if not summary.exact:
        console.print(
            Text("Too many distinct messages to count them all: counts are lower bounds.", "dim")
        )


# --- words and numbers --------------------------------------------------------------------------


def _moment(ms: int, zone: Zone | None) -> datetime:
    moment = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return moment.astimezone(None if zone is None else zone.tz)


def _when(ms: int, zone: Zone | None, fmt: str) -> str:
    """Local time as `get` shows it, or in the zone chosen, marked (`Z`, `+01:00`) as `get`
    marks it (--tz, --utc)."""
    moment = _moment(ms, zone)
    marker = "" if zone is None else zone_marker(moment.utcoffset(), utc=zone.is_utc)
    return moment.strftime(fmt) + marker


def _seen(ms: int, zone: Zone | None, daily: bool) -> str:
    """A time in a table: the date only when the window spans more than a day."""
    return _when(ms, zone, "%m-%d %H:%M:%S" if daily else "%H:%M:%S")


def _duration(ms: int) -> str:
    """`6h`, `1d12h`, `90s` → `1m30s`: the largest two units that are not zero."""
    parts = []
    for size, unit in _SIZES:
        if ms >= size:
            parts.append(f"{ms // size}{unit}")
            ms %= size
    return "".join(parts[:2]) or f"{ms}ms"


def _short(n: int) -> str:
    """A count in at most 7 characters, for the y axis."""
    if n < 100_000:
        return f"{n:,}"
    if n < 10_000_000:
        return f"{n / 1000:.0f}k"
    return f"{n / 1_000_000:.1f}M"


def _header(summary: Summary, *, zone: Zone | None, subject: str | None, width: int = 1) -> Text:
    fmt = "%Y-%m-%d %H:%M:%S"
    since = _when(summary.since_ms, zone, fmt)
    until = _when(summary.until_ms, zone, fmt)
    span = _duration(summary.until_ms - summary.since_ms + 1)
    text = Text()
    if subject:
        text.append(inert(subject) + "\n", "bold")
    text.append(f"{since} → {until} ({span})  ")
    text.append(f"{summary.lines:,} lines", "bold")
    per = "per column" if width == 1 else f"per {width} columns"
    text.append(f", {_duration(summary.bucket_ms)} {per}", "dim")
    if not summary.complete:
        text.append("  incomplete", "bold red")
    return text


def _legend(summary: Summary, *, width: int = 200) -> Text:
    """`■ ERROR 12   ■ INFO 400 ...`, wrapped between entries only: a `■` never ends a line."""
    text = Text()
    used = 0
    for level in _STACK:
        count = summary.totals[level]
        if not count:
            continue
        entry = f"{_level_name(level)} {count:,}"
        if used and used + len(entry) + 2 > width:
            text.append("\n")
            used = 0
        text.append("■ ", LEVEL_STYLES[level])
        text.append(entry + "   ")
        used += len(entry) + 5
    text.rstrip()
    return text


def _level_name(level: str) -> str:
    """A level as the legend and the tables both name it."""
    return _LEVEL_NAMES.get(level, level)


# --- the histogram ------------------------------------------------------------------------------


def _histogram(summary: Summary, *, columns: int, zone: Zone | None) -> list[Text]:
    """The chart rows, then the axis, the error strip and the time labels."""
    buckets = summary.buckets[:columns]
    width = _column_width(summary, columns)
    peak = max(b.total for b in buckets)
    cells = [_column(b.counts, peak) for b in buckets]
    rows = []
    for r in reversed(range(CHART_HEIGHT)):
        label = _short(peak) if r == CHART_HEIGHT - 1 else ""
        row = Text()
        row.append(f"{label:>7} │", "dim")  # a span, not the base style: bars must not dim
        for column in cells:
            char, style = column[r]
            row.append(char * width, style)
        rows.append(row)
    ticks = _ticks(summary, len(buckets), width, zone)
    axis = ["─"] * (len(buckets) * width)
    for pos, _ in ticks:
        axis[pos] = "┬"
    rows.append(Text(f"{0:>7} └" + "".join(axis), "dim"))
    rows.append(_error_strip(summary, len(buckets), width))
    rows.append(_labels(ticks, len(buckets) * width))
    return rows


def _column_width(summary: Summary, columns: int) -> int:
    """Characters per bucket: a short window's few buckets get wider columns."""
    count = len(summary.buckets[:columns])
    return max(1, min(_MAX_COLUMN_WIDTH, columns // max(1, count)))


def _column(counts: dict[str, int], peak: int) -> list[tuple[str, str]]:
    """One bucket's cells, bottom up: (block character, style) per row, in eighths of a row."""
    scale = CHART_HEIGHT * 8 / peak if peak else 0.0
    bounds = []  # (level, low, high) in eighths, stacked
    low = 0.0
    for level in _STACK:
        high = low + counts[level] * scale
        bounds.append((level, low, high))
        low = high
    total = round(low)
    if total == 0 and any(counts.values()):
        total = 1  # a bucket with lines is never drawn empty
    cells = []
    for r in range(CHART_HEIGHT):
        bottom = 8 * r
        fill = max(0, min(8, total - bottom))
        if fill == 0:
            cells.append((" ", ""))
            continue
        top = bottom + fill
        dominant = max(bounds, key=lambda b: min(b[2], top) - max(b[1], bottom))[0]
        cells.append((_BLOCKS[fill], LEVEL_STYLES[dominant]))
    return cells


def _error_strip(summary: Summary, count: int, width: int) -> Text:
    """A row marking buckets with errors, darker for more: small error counts vanish in bars."""
    errors = [b.counts["ERROR"] for b in summary.buckets[:count]]
    peak = max(errors)
    row = Text()
    row.append(f"{'errors':>7}  ", "dim")
    for n in errors:
        if n == 0:
            row.append(" " * width)
        else:
            shade = _SHADES[min(len(_SHADES) - 1, (len(_SHADES) * n - 1) // peak)]
            row.append(shade * width, LEVEL_STYLES["ERROR"])
    return row


def _label_format(bucket_ms: int, span_ms: int) -> str:
    """The shortest axis label that still tells the buckets apart."""
    if bucket_ms >= 86_400_000:
        return "%m-%d"
    if span_ms > 86_400_000:
        return "%m-%d %H:%M"
    return "%H:%M:%S" if bucket_ms < 60_000 else "%H:%M"


def _ticks(summary: Summary, count: int, width: int, zone: Zone | None) -> list[tuple[int, str]]:
    """(column, label) for buckets starting on a round time, spaced so that labels fit."""
    fmt = _label_format(summary.bucket_ms, summary.until_ms - summary.since_ms)
    room = len(_tick_label(summary.since_ms, zone, fmt)) + 2
    step = _tick_step(summary.bucket_ms, width, room)
    offset = _offset_ms(summary.since_ms, zone)
    ticks: list[tuple[int, str]] = []
    for i, bucket in enumerate(summary.buckets[:count]):
        if (bucket.start_ms + offset) % step == 0:
            ticks.append((i * width, _tick_label(bucket.start_ms, zone, fmt)))
    return ticks


def _tick_label(ms: int, zone: Zone | None, fmt: str) -> str:
    """A tick in the header's zone: an offset on every tick would crowd the axis, so only
    UTC's one-letter `Z` is repeated there (as before --tz); the header names any other."""
    if zone is not None and zone.is_utc:
        return _when(ms, zone, fmt)
    return _moment(ms, zone).strftime(fmt)


def _tick_step(bucket_ms: int, width: int, room: int) -> int:
    """The smallest round multiple of the bucket whose columns leave `room` for a label."""
    for size in BUCKET_SIZES_MS:
        if size % bucket_ms == 0 and size // bucket_ms * width >= room:
            return size
    return bucket_ms * -(-room // width)


def _offset_ms(at_ms: int, zone: Zone | None) -> int:
    return utc_offset_ms(at_ms, None if zone is None else zone.tz)


def _labels(ticks: Sequence[tuple[int, str]], length: int) -> Text:
    line = [" "] * (length + 16)
    free = 0
    for pos, label in ticks:
        if pos < free:
            continue
        line[pos : pos + len(label)] = label
        free = pos + len(label) + 2
    return Text(" " * _MARGIN + "".join(line).rstrip(), "dim")


# --- tables -------------------------------------------------------------------------------------


def _table(title: str) -> Table:
    """One look for every table: a title on the left, a rule under the header, no boxes."""
    return Table(
        title=title, title_justify="left", title_style="bold", box=box.SIMPLE_HEAD, padding=(0, 1)
    )


def _sparkline(activity: Sequence[int], width: int = _SPARK_WIDTH) -> str:
    """Activity over the window in `width` characters; blank where the replica said nothing."""
    n = len(activity)
    width = min(width, n)
    # Cells cover one or two more buckets than others when `n` is not a multiple of `width`:
    # lines per bucket, not per cell, so a cell of more buckets is not taller for that.
    cells = [activity[i * n // width : (i + 1) * n // width] for i in range(width)]
    rates = [sum(cell) / len(cell) for cell in cells]
    peak = max(rates, default=0)
    if peak == 0:
        return " " * width
    top = len(_SPARKS) - 1
    return "".join(" " if r == 0 else _SPARKS[min(top, int(r * top / peak))] for r in rates)


def _replica_table(summary: Summary, *, zone: Zone | None, daily: bool, width: int = 200) -> Table:
    table = _table("Replicas")
    replicas: Sequence[ReplicaSummary] = summary.replicas[:_MAX_REPLICA_ROWS]
    names = [inert(str(r.replica)) if r.replica is not None else "(none)" for r in replicas]
    seen = len(_seen(0, zone, daily))
    # Fixed columns keep their width on a narrow terminal; the sparkline is what gives way.
    name_width = max([7, *map(len, names)])
    table.add_column("replica", no_wrap=True, min_width=name_width)
    used = 1 + name_width + 3  # an edge, then each column's padding and separator: 3 characters
    counted = [
        ("lines", [r.lines for r in replicas]),
        ("errors", [r.errors for r in replicas]),
        ("warnings", [r.warnings for r in replicas]),
    ]
    if summary.startups is not None:  # start attempts in the window (the start-ups endpoint)
        counted.append(("starts", [summary.starts(r.replica) for r in replicas]))
    for name, values in counted:
        column = max([len(name), *(len(f"{v:,}") for v in values)])
        table.add_column(name, justify="right", no_wrap=True, min_width=column)
        used += column + 3
    # On a narrow terminal whole columns give way, the least needed first, rather than every
    # header and time being clipped: the activity, then the first-seen time.
    first_seen = used + max(10, seen) + max(9, seen) + 6 + _MIN_SPARK + 3 <= width
    if first_seen:
        table.add_column("first seen", no_wrap=True, min_width=max(10, seen))
        used += max(10, seen) + 3
    table.add_column("last seen", no_wrap=True, min_width=max(9, seen))
    used += max(9, seen) + 3
    activity = width - used - 3 >= _MIN_SPARK
    if activity:
        table.add_column("activity", ratio=1)
    for name, r in zip(names, replicas, strict=True):
        row: list[str | Text] = [
            name,
            f"{r.lines:,}",
            Text(f"{r.errors:,}", LEVEL_STYLES["ERROR"] if r.errors else ""),
            Text(f"{r.warnings:,}", LEVEL_STYLES["WARNING"] if r.warnings else ""),
        ]
        if summary.startups is not None:
            starts = summary.starts(r.replica)
            row.append(Text(f"{starts:,}", LEVEL_STYLES["WARNING"] if starts > 1 else ""))
        if first_seen:
            row.append(_seen(r.first_ms, zone, daily))
        row.append(_seen(r.last_ms, zone, daily))
        if activity:
            row.append(Text(_sparkline(r.activity), no_wrap=True, overflow="crop"))
        table.add_row(*row)
    if len(summary.replicas) > _MAX_REPLICA_ROWS:
        more = len(summary.replicas) - _MAX_REPLICA_ROWS
        table.caption = f"… and {more} more (see -o json)"
    return table


def _message_table(
    title: str, messages: Sequence[MessageSummary], zone: Zone | None, daily: bool
) -> Table:
    table = _table(title)
    # Fixed columns keep their width; only the message gives way (with an ellipsis).
    counts = max((len(f"{m.count:,}") for m in messages), default=5)
    seen = len(_seen(0, zone, daily))
    table.add_column("count", justify="right", no_wrap=True, min_width=max(5, counts))
    table.add_column("level", no_wrap=True, min_width=8)
    table.add_column("last seen", no_wrap=True, min_width=max(9, seen))
    # A wrappable column is the one rich narrows to fit; the Text's own no_wrap then cuts the
    # signature with an ellipsis instead of wrapping it.
    table.add_column("message", ratio=1)
    for m in messages:
        table.add_row(
            f"{m.count:,}",
            Text(_level_name(m.level), LEVEL_STYLES.get(m.level, "")),
            _seen(m.last_ms, zone, daily),
            Text(inert(m.signature), no_wrap=True, overflow="ellipsis"),
        )
    return table


def _request_table(
    requests: Sequence[RequestSummary], *, zone: Zone | None, daily: bool, width: int = 200
) -> Table:
    """Request ids are copied into `--request-id`: they stay whole, and times give way."""
    table = _table("Requests with the most errors")
    id_width = max(len("request id"), *(len(r.request_id) for r in requests))
    counts = max(len("errors"), *(len(f"{r.errors:,}") for r in requests))
    seen = max(len("first error"), len(_seen(0, zone, daily)))
    table.add_column("request id", no_wrap=True, min_width=id_width)
    table.add_column("errors", justify="right", no_wrap=True, min_width=counts)
    room = width - 1 - (id_width + 3) - (counts + 3)
    first = room >= 2 * (seen + 3)
    if first:
        table.add_column("first error", no_wrap=True, min_width=seen)
    last = room >= seen + 3
    if last:
        table.add_column("last error", no_wrap=True, min_width=seen)
    for r in requests:
        row = [inert(r.request_id), f"{r.errors:,}"]
        if first:
            row.append(_seen(r.first_ms, zone, daily))
        if last:
            row.append(_seen(r.last_ms, zone, daily))
        table.add_row(*row)
    return table
