"""`-o text`: aligned, optionally coloured lines, at the speed logs arrive.

Speed comes from doing per-page and per-style work once, never per line: each page becomes one
string and one `write()`, styles are ANSI prefixes made once (`palette`), the columns before a
message are built once per second, level and replica (`line_prefix`), and rich is never called
per line. A record the fast path cannot take (a missing field, a number where text belongs)
takes a careful path instead of ending the stream.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

from baseten_logs.base.levels import effective_level
from baseten_logs.base.timeparse import Zone
from baseten_logs.base.timestamps import timestamp_ns
from baseten_logs.output.inert import inert
from baseten_logs.output.line_prefix import LinePrefix
from baseten_logs.output.page_writer import PageWriter, as_text
from baseten_logs.output.palette import LATE_STYLE, ColorSystemName, Palette

LATE_MARK = "  (late: arrived after the lines above)"
# A program's own colours would clash with ours and must not leak out when colour is off.
SGR = re.compile(r"\x1b\[[0-9;:]*m")


class TextRenderer(PageWriter):
    """`2026-11-27 10:00:00.123 INFO    a1b2c  message`, optionally coloured."""

    def __init__(
        self,
        stream: TextIO,
        *,
        color: bool,
        utc: bool = False,
        zone: Zone | None = None,
        color_system: ColorSystemName | None = None,
        label_width: int = 0,
        timestamps: bool = True,
    ) -> None:
        super().__init__(stream)
        self._palette = Palette(stream, color=color, color_system=color_system)
        self._prefix = LinePrefix(
            self._palette, utc=utc, zone=zone, label_width=label_width, timestamps=timestamps
        )
        # None, not "": a timestamp too short to hold a second slices to "", which must not
        # match the empty prefix the renderer starts with.
        self._last_second: str | None = None
        self._second_prefix = ""

    def write_page(self, records: Sequence[Mapping[str, Any]]) -> None:
        if not records:
            return
        # Everything the loop touches is a local: attribute look-ups per line add up at 500k/s.
        lines: list[str] = []
        append = lines.append
        prefix = self._prefix
        api_levels = prefix.api_level_columns
        all_levels = prefix.level_columns
        replicas = prefix.replica_columns
        timestamp_end = prefix.timestamp_end
        last_second = self._last_second
        second_prefix = self._second_prefix
        labels = prefix.label_columns if prefix.label_width else None
        label_column = ""
        timed = prefix.timestamps
        for record in records:
            try:
                timestamp = record["timestamp"]
                second = timestamp[:-9]
                # Every line's time is checked, not only a new second's: 19 characters that
                # repeat the second may carry anything after it. isascii is O(1).
                if second != last_second or not (timestamp.isascii() and timestamp.isdigit()):
                    second_prefix = prefix.format_second(timestamp)
                    timestamp_end = prefix.timestamp_end  # a zone's offset may change
                    last_second = second
                level_column = api_levels.get(record.get("level"))
                if level_column is None:
                    level_column = all_levels[effective_level(record)]
                replica: Any = record.get("replica")
                replica_column = replicas.get(replica)
                if replica_column is None:
                    # Not None (that is in the cache); a non-string fails here and is handled below.
                    replica_column = prefix.replica_column(replica)
                if labels is not None:
                    label = record.get("chainlet")
                    label_column = labels.get(label) or prefix.label_column(label)
                message = record["message"]
                if not message.isprintable():
                    message = self._clean(message)
                if timed:
                    append(
                        f"{second_prefix}{timestamp[-9:-6]}{timestamp_end}"
                        f"{level_column}{label_column}{replica_column}{message}\n"
                    )
                else:  # --no-timestamps
                    append(f"{level_column}{label_column}{replica_column}{message}\n")
            except Exception:
                # An odd record (a missing field, a number where a string belongs) must not end
                # the stream: it takes the careful path instead.
                append(self._odd_line(record))
        self._last_second = last_second
        self._second_prefix = second_prefix
        self._emit("".join(lines))

    def write_late(self, records: Sequence[Mapping[str, Any]]) -> None:
        """Lines that arrived after later lines were shown (follow mode): each marked at its end,
        so a break in time order is visible rather than silent."""
        on, off = self._palette.style(LATE_STYLE)
        mark = f"{on}{LATE_MARK}{off}\n"
        stream = self._stream
        lines: list[str] = []
        try:
            for record in records:
                self._stream = buffer = io.StringIO()
                self.write_page([record])
                lines.append(buffer.getvalue().removesuffix("\n") + mark)
        finally:
            self._stream = stream
        self._emit("".join(lines))

    def _clean(self, message: str) -> str:
        """A message made safe and aligned: control codes shown as escapes, continuation lines
        indented under the message column, trailing blank lines dropped."""
        message = SGR.sub("", message).rstrip()
        if "\r" in message:
            # Progress bars redraw with a bare \r: every state becomes a line of its own.
            message = message.replace("\r\n", "\n").replace("\r", "\n")
        message = inert(message, multiline=True)
        if "\n" in message:
            message = message.replace("\n", self._prefix.indent)
        return message

    def _odd_line(self, record: Mapping[str, Any]) -> str:
        """The line for a record the fast path could not take (missing fields, unusual types)."""
        prefix = self._prefix
        raw = record.get("timestamp")
        timestamp = as_text(raw)
        try:
            ns = timestamp_ns(raw)  # any other form the API may send, read as nanoseconds
            if ns is None:
                raise ValueError(f"not a time: {timestamp!r}")
            digits = str(ns)
            current_end = prefix.timestamp_end  # the fast path's second keeps its marker
            second = prefix.format_second(digits)
            timestamp_column = f"{second}{digits[-9:-6]}{prefix.timestamp_end}"
            prefix.timestamp_end = current_end
        except (ValueError, OverflowError, OSError):  # shown as it came, in the same column
            timestamp_column = prefix.untimed_column(timestamp)
        replica = record.get("replica")
        if replica is None:
            replica_column = prefix.replica_columns[None]
        else:
            text = as_text(replica)
            replica_column = prefix.replica_columns.get(text) or prefix.replica_column(text)
        level_column = prefix.level_columns[effective_level(record)]
        label_column = ""
        if prefix.label_width:
            label = record.get("chainlet")
            label_column = prefix.label_columns.get(label) or prefix.label_column(label)
        if not prefix.timestamps:
            timestamp_column = ""
        message = self._clean(as_text(record.get("message")))
        return f"{timestamp_column}{level_column}{label_column}{replica_column}{message}\n"
