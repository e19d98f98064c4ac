"""`-o github`: GitHub Actions workflow commands, a collapsible group per replica and
annotations for the first errors and warnings.

Log text must never be read as a workflow command (`::` or `##[` at a line's start), and every
title and message is escaped as the runner's own code does, so nothing a server sends can
steer the workflow. Groups need the whole stream, so lines are spooled, to disk past a limit.
"""

from __future__ import annotations

import io
import re
import tempfile
import time
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

from baseten_logs.base.levels import effective_level
from baseten_logs.base.timestamps import timestamp_ns
from baseten_logs.output.inert import inert
from baseten_logs.output.line_prefix import cut
from baseten_logs.output.page_writer import as_text, write_whole
from baseten_logs.output.palette import ColorSystemName
from baseten_logs.output.render_event import EVENT_FIELD, event_replica
from baseten_logs.output.render_text import SGR, TextRenderer

# GitHub shows at most this many error and this many warning annotations per step (more are
# dropped from the job summary), so only the first ones are worth sending as annotations.
MAX_ANNOTATIONS = 10
# Characters of grouped output kept in memory, across all replicas, before every replica's spool
# moves to a temporary file: grouping a time-ordered stream means holding all of it until close().
SPOOL_MEMORY_LIMIT = 8 * 1024 * 1024

# Workflow-command escaping (the runner's ActionCommand.EscapeData / EscapeProperty): `%` first,
# which str.translate guarantees since it maps every character once.
_DATA_ESCAPES = str.maketrans({"%": "%25", "\r": "%0D", "\n": "%0A"})
_PROPERTY_ESCAPES = str.maketrans({"%": "%25", "\r": "%0D", "\n": "%0A", ":": "%3A", ",": "%2C"})

# A log line must never be read as a workflow command. The runner takes a line as one when it
# starts with `::` (v2) or `##[` (v1) after leading whitespace is trimmed, and the log viewer
# formats `##[group]`, `##[error]`... lines itself. A backslash goes in front of such a line's
# first non-blank character. This beats `::stop-commands::TOKEN`: stopping commands would also
# stop our own groups and annotations (so it would have to be toggled around every risky line
# with an unguessable token), and it does not keep the viewer from formatting a `##[` line.
# Only continuation lines of multi-line messages and odd records (no timestamp) can start
# with message text: every other line starts with its timestamp.
_COMMAND_LIKE = re.compile(r"^([^\S\n]*)(?=::|##\[)", re.MULTILINE)


def escape_data(text: str) -> str:
    """`text` as the data (message) of a workflow command."""
    return text.translate(_DATA_ESCAPES)


def escape_property(text: str) -> str:
    """`text` as a property value (`title=...`) of a workflow command."""
    return text.translate(_PROPERTY_ESCAPES)


def neutralize_commands(text: str) -> str:
    """`text` with every line that the runner would take for a workflow command defused."""
    if "::" not in text and "##[" not in text:  # C-speed tests: almost every page stops here
        return text
    return _COMMAND_LIKE.sub(r"\1\\", text)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _single_line(text: str) -> str:
    """Message text for an annotation or group title: no colours, no control codes, one line once
    escaped (its newlines become %0A, which GitHub shows as line breaks)."""
    text = SGR.sub("", text).rstrip()
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return inert(text, multiline=True)


def _utc_time(timestamp: object) -> str:
    """`2025-11-27 10:00:01.123Z` for a line's time in any form it came in; else as it came."""
    text = as_text(timestamp)
    ns = timestamp_ns(timestamp)
    if ns is None:
        return cut(text)
    try:
        moment = time.gmtime(ns // 1_000_000_000)
    except (OverflowError, OSError, ValueError):
        return cut(text)
    return time.strftime("%Y-%m-%d %H:%M:%S.", moment) + f"{ns // 1_000_000 % 1000:03d}Z"


def _take(capture: io.StringIO) -> str:
    """What the text renderer wrote to `capture` since the last take."""
    text = capture.getvalue()
    capture.seek(0)
    capture.truncate()
    return text


class _Spool:
    """One replica's rendered lines, in memory until the renderer's memory limit is reached."""

    def __init__(self) -> None:
        # surrogatepass: a lone surrogate in a message (JSON allows "\ud800") must survive the
        # round trip through the file; whether stdout can show it is the stream's business.
        self.file = tempfile.SpooledTemporaryFile(  # closed by GithubRenderer.close
            mode="w+", encoding="utf-8", errors="surrogatepass", newline=""
        )
        self.lines = 0


class GithubRenderer:
    """GitHub Actions output: the lines in one collapsible group per replica, the first errors and
    warnings as annotations, and a count of them, all written by `close()`.

    ```
    ::notice title=baseten-logs::1 error and 1 warning in 5 lines from 3 replicas
    ::warning title=no replica at 2025-11-27 10%3A00%3A00.999Z::WARNING:root:low memory
    ::error title=replica zz9zz at 2025-11-27 10%3A00%3A01.000Z::Traceback ...%0A  File ...
    ::group::replica a1b2c (2 lines)
    2025-11-27 10:00:00.123Z INFO    a1b2c  hello "world"
    ...
    ::endgroup::
    ```

    Annotations come first, in stream order, since GitHub links them from the job summary and
    shows only the first ten of each kind: those are the earliest problems, usually the cause.
    The error and warning lines stay in their groups too, so every group reads as the whole
    story of its replica. Group lines are the text format in UTC (coloured when `color` is on:
    the Actions log viewer shows ANSI colours); annotations carry no colour codes.

    Groups need the whole stream, so each replica's rendered lines go to a spool
    (`SpooledTemporaryFile`) that moves to disk once all spools together pass `memory_limit`
    characters: memory stays bounded however many lines come through.
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        color: bool,
        color_system: ColorSystemName | None = None,
        memory_limit: int = SPOOL_MEMORY_LIMIT,
    ) -> None:
        self._stream = stream
        # The text renderer writes each page here, and write_page sends it on to the spools.
        self._capture = io.StringIO()
        self._text = TextRenderer(self._capture, color=color, utc=True, color_system=color_system)
        self._spools: dict[str | None, _Spool] = {}
        self._memory_limit = memory_limit
        self._in_memory = 0  # characters held by spools not yet on disk
        self._on_disk = False
        self._annotations: list[str] = []
        self._errors = 0
        self._warnings = 0
        self._closed = False

    @property
    def on_disk(self) -> bool:
        """Whether the spools have moved to temporary files (for tests and the curious)."""
        return self._on_disk

    def write_page(self, records: Sequence[Mapping[str, Any]]) -> None:
        if not records:
            return
        buckets: dict[str | None, list[Mapping[str, Any]]] = {}
        for record in records:
            replica: Any = record.get("replica")
            if replica is not None and replica.__class__ is not str:
                replica = as_text(replica)
            elif replica is None and EVENT_FIELD in record:
                replica = event_replica(record)  # a start-up (--events): in its replica's group
            bucket = buckets.get(replica)
            if bucket is None:
                bucket = buckets[replica] = []
            bucket.append(record)
            level: Any = record.get("level")
            if level == "INFO" or level == "DEBUG":  # most lines: nothing more to do
                continue
            if level != "ERROR" and level != "WARNING":
                level = effective_level(record)
            if level == "ERROR":
                self._errors += 1
                if self._errors <= MAX_ANNOTATIONS:
                    self._annotate("error", record, replica)
            elif level == "WARNING":
                self._warnings += 1
                if self._warnings <= MAX_ANNOTATIONS:
                    self._annotate("warning", record, replica)
        for replica, bucket in buckets.items():
            self._text.write_page(bucket)
            self._spool(replica, neutralize_commands(_take(self._capture)), len(bucket))

    def _annotate(self, kind: str, record: Mapping[str, Any], replica: str | None) -> None:
        who = "no replica" if replica is None else f"replica {replica}"
        when = _utc_time(record.get("timestamp"))
        title = escape_property(_single_line(f"{who} at {when}" if when else who))
        message = escape_data(_single_line(as_text(record.get("message"))))
        self._annotations.append(f"::{kind} title={title}::{message}\n")

    def _spool(self, replica: str | None, text: str, lines: int) -> None:
        spool = self._spools.get(replica)
        if spool is None:
            spool = self._spools[replica] = _Spool()
            if self._on_disk:
                spool.file.rollover()
        spool.file.write(text)
        spool.lines += lines
        if not self._on_disk:
            self._in_memory += len(text)
            if self._in_memory > self._memory_limit:
                for each in self._spools.values():
                    each.file.rollover()
                self._on_disk = True

    def _summary(self) -> str:
        lines = sum(spool.lines for spool in self._spools.values())
        if not lines:
            return "baseten-logs: no log lines\n"
        replicas = sum(1 for replica in self._spools if replica is not None)
        where = _plural(lines, "line") + (
            f" from {_plural(replicas, 'replica')}" if replicas else ""
        )
        if not self._errors and not self._warnings:
            return f"baseten-logs: {where}, no errors or warnings\n"
        counts = f"{_plural(self._errors, 'error')} and {_plural(self._warnings, 'warning')}"
        # A notice, so that the totals sit next to the annotations on the job summary, where
        # GitHub would otherwise suggest there were only ten of each.
        text = f"{counts} in {where}"
        if self._errors > MAX_ANNOTATIONS or self._warnings > MAX_ANNOTATIONS:
            text += (
                f" (only the first {MAX_ANNOTATIONS} of each are annotated;"
                " every line is in the replica groups)"
            )
        return f"::notice title=baseten-logs::{escape_data(text)}\n"

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        stream = self._stream
        try:
            write_whole(stream, self._summary() + "".join(self._annotations))
            for replica, spool in self._spools.items():
                name = "no replica" if replica is None else f"replica {replica}"
                title = escape_data(_single_line(name))
                stream.write(f"::group::{title} ({_plural(spool.lines, 'line')})\n")
                spool.file.seek(0)
                while chunk := spool.file.read(1 << 20):
                    write_whole(stream, chunk)
                stream.write("::endgroup::\n")
            stream.flush()
        finally:
            for spool in self._spools.values():
                spool.file.close()
            self._spools.clear()
