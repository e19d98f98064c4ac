"""Writing log records to a stream: aligned text (coloured or not), JSON lines, a JSON array, raw,
and GitHub Actions workflow commands (a collapsible group per replica, annotations for problems).

Speed comes from doing per-page and per-style work once, never per line: each page becomes one
string and one `write()`, styles are turned into ANSI prefixes once, the date-time prefix is
formatted once per second of log time, and rich is never called per line (a `Console.print` per
line, measured, costs 80-750x a plain write, piped too: markup is still parsed, then stripped; a
1000-line page through it is over half a second of CPU). rich still owns the
styles: every escape code written here is what rich renders for the same `Text`, and rich is
imported only when colour is on, so piped output never pays for importing it.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from json.encoder import encode_basestring_ascii
from typing import TYPE_CHECKING, Any, Literal, Protocol, TextIO

from baseten_logs.base.levels import LEVELS, effective_level
from baseten_logs.base.timestamps import timestamp_ns
from baseten_logs.output.inert import inert

if TYPE_CHECKING:
    from rich.color import ColorSystem

__all__ = [
    "OUTPUT_FORMATS",
    "ColorSystemName",
    "OutputFormat",
    "GithubRenderer",
    "Renderer",
    "encode_record",
    "make_renderer",
]

OutputFormat = Literal["text", "jsonl", "json", "raw", "github"]
OUTPUT_FORMATS: tuple[OutputFormat, ...] = ("text", "jsonl", "json", "raw", "github")
ColorSystemName = Literal["standard", "256", "truecolor"]


class Renderer(Protocol):
    """Writes pages of records to one stream: one `write()` and one `flush()` per page."""

    def write_page(self, records: Sequence[Mapping[str, Any]]) -> None:
        """Write the records (a page from the API, or one record when following)."""

    def close(self) -> None:
        """Finish the output (the closing `]` of a JSON array); the stream itself stays open."""


def make_renderer(
    stream: TextIO,
    *,
    output: OutputFormat,
    color: bool,
    utc: bool,
    color_system: ColorSystemName | None = None,
    terminal: bool = False,
    label_width: int = 0,
) -> Renderer:
    """The renderer for `output`. `color` comes from `terminal.use_color` and only affects text.

    `label_width` > 0: lines carry a `chainlet` label (a chain's lines), shown by text output in
    a coloured column that wide; the JSON outputs show the field as it is.

    `color_system` pins the palette depth for replica colours beyond the eight standard ones;
    None asks rich to detect it from the environment (only once more than eight replicas show up).
    `terminal` (from `terminal.is_terminal`) says whether `-o raw` goes to a terminal, where its
    messages are made inert like every other format's; into a pipe they stay byte-exact.
    """
    if output == "text":
        return TextRenderer(
            stream, color=color, utc=utc, color_system=color_system, label_width=label_width
        )
    if output == "jsonl":
        return JsonLinesRenderer(stream)
    if output == "json":
        return JsonArrayRenderer(stream)
    if output == "raw":
        return RawRenderer(stream, terminal=terminal)
    if output == "github":
        # Always UTC: the Actions log viewer puts its own (UTC) time on every line.
        return GithubRenderer(stream, color=color, color_system=color_system)
    raise ValueError(f"unknown output format {output!r}; expected one of {OUTPUT_FORMATS}")


# --- JSON -----------------------------------------------------------------------------------------

# Compact separators: smaller output and faster for jq. ensure_ascii (the default) keeps the output
# valid whatever the stream's encoding.
_JSON_ENCODER = json.JSONEncoder(separators=(",", ":"))
_KEY_PREFIXES: dict[str, str] = {}  # '"message":' per key: records share a handful of keys
_MAX_CACHED_KEYS = 1024


# The one field the JSON outputs add to every line: the level the text output shows (the API's
# `level`, else the one its text shows, see levels.effective_level), so that `jq` selects what
# `--level`, `--fail-on` and `stats` count. The API's `level` stays as it was sent (often null).
SHOWN_LEVEL_FIELD = "shown_level"
_SHOWN_LEVEL_PARTS: dict[str | None, str] = {
    level: f'"{SHOWN_LEVEL_FIELD}":' + ("null" if level is None else f'"{level}"')
    for level in (None, *LEVELS)
}
_API_LEVEL_PARTS = {level: part for level, part in _SHOWN_LEVEL_PARTS.items() if level}


def encode_record(record: Mapping[str, Any]) -> str:
    """One record as compact JSON, exactly `json.dumps(record, separators=(",", ":"))`."""
    return _encode_records([record])[0]


def _encode_records(
    records: Sequence[Mapping[str, Any]], *, shown_level: bool = False
) -> list[str]:
    """Each record as compact JSON, identical to `json.dumps(record, separators=(",", ":"))`;
    with `shown_level`, as if SHOWN_LEVEL_FIELD were set last (replacing one the record has,
    as in a saved file read back: its value is worked out afresh).

    json.dumps manages ~220k records/s; API records hold only strings and nulls, which the C
    string encoder handles at well over twice that. Any other value (a number, a nested object
    in an extra field) sends just that record through the general encoder. The shown level of
    a line the API gave a level costs two dict look-ups; only the others are detected.
    """
    encode = encode_basestring_ascii
    keys = _KEY_PREFIXES
    api_levels = _API_LEVEL_PARTS
    out: list[str] = []
    append = out.append
    for record in records:
        if shown_level and SHOWN_LEVEL_FIELD in record:
            record = {k: v for k, v in record.items() if k != SHOWN_LEVEL_FIELD}
        parts: list[str] = []
        add = parts.append
        for key, value in record.items():
            prefix = keys.get(key)
            if prefix is None:
                if key.__class__ is not str:
                    break  # json.dumps turns int/float/bool/None keys into strings: let it
                prefix = encode(key) + ":"
                if len(keys) < _MAX_CACHED_KEYS:
                    keys[key] = prefix
            if value.__class__ is str:
                add(prefix + encode(value))
            elif value is None:
                add(prefix + "null")
            else:
                break
        else:
            if shown_level:
                level = record.get("level")
                part = api_levels.get(level) if level.__class__ is str else None
                add(part or _SHOWN_LEVEL_PARTS[effective_level(record)])
            append("{" + ",".join(parts) + "}")
            continue
        if shown_level:
            record = {**record, SHOWN_LEVEL_FIELD: effective_level(record)}
        append(_JSON_ENCODER.encode(record))
    return out


# Text handed to a stream at most this many characters at a time (4 KiB of UTF-8 at most).
WRITE_SLICE = 1024


def write_whole(stream: TextIO, text: str) -> None:
    """`text` written whole, even if a signal comes while a slow reader holds the write up.

    CPython's text streams drop the rest of a big write that a signal interrupts after part of
    it went out (measured on 3.11: 1.4 of 2 MB lost, with a handler that returns normally), so
    a page is handed over in slices small enough for the stream's buffer, whose flush does
    resume after a signal. A signal's own exception is held meanwhile (interrupts.deferred)."""
    if len(text) <= WRITE_SLICE:
        stream.write(text)
        return
    for start in range(0, len(text), WRITE_SLICE):
        stream.write(text[start : start + WRITE_SLICE])


class _StreamRenderer:
    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def _emit(self, chunk: str) -> None:
        # A flush per page keeps a pipe reader (jq, grep --line-buffered) in step when following.
        write_whole(self._stream, chunk)
        self._stream.flush()

    def close(self) -> None:
        self._stream.flush()


# Records encoded at a time by the JSON renderers (a quarter page): a page of big lines (1000 of
# 20 KB) is not held a second and third time as text (its lines, then joined) while it is
# written; fewer at a time cost speed (64: a fifth slower), more cost memory.
ENCODE_BATCH = 256


def _batches(records: Sequence[Mapping[str, Any]]) -> Iterator[list[str]]:
    for start in range(0, len(records), ENCODE_BATCH):
        yield _encode_records(records[start : start + ENCODE_BATCH], shown_level=True)


class JsonLinesRenderer(_StreamRenderer):
    """One JSON object per line, every field as the API sent it, in the order it sent them,
    and `shown_level` last."""

    def write_page(self, records: Sequence[Mapping[str, Any]]) -> None:
        if not records:
            return
        for batch in _batches(records):
            write_whole(self._stream, "\n".join(batch) + "\n")
        self._stream.flush()


class JsonArrayRenderer(_StreamRenderer):
    """One JSON array, one object per line, streamed page by page; `[]` when there is nothing."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        self._opened = False
        self._closed = False

    def write_page(self, records: Sequence[Mapping[str, Any]]) -> None:
        if not records:
            return
        for batch in _batches(records):
            lead = ",\n" if self._opened else "[\n"
            self._opened = True
            write_whole(self._stream, lead + ",\n".join(batch))
        self._stream.flush()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._emit("\n]\n" if self._opened else "[]\n")


class RawRenderer(_StreamRenderer):
    """The message alone, one record per line (a message's own newlines are kept): unchanged
    into a pipe, with control characters made visible on a terminal (see inert.py)."""

    def __init__(self, stream: TextIO, *, terminal: bool = False) -> None:
        super().__init__(stream)
        self._terminal = terminal

    def write_page(self, records: Sequence[Mapping[str, Any]]) -> None:
        if not records:
            return
        try:
            text = "\n".join([record["message"] for record in records])
        except (KeyError, TypeError):  # a missing or non-string message: rare, so re-done slowly
            text = "\n".join([_as_text(record.get("message")) for record in records])
        if self._terminal:
            text = inert(text, multiline=True)  # one C-speed scan of the page when clean
        self._emit(text + "\n")


def _as_text(value: object) -> str:
    return "" if value is None else value if isinstance(value, str) else str(value)


# --- text -----------------------------------------------------------------------------------------

LEVEL_WIDTH = 7  # len("WARNING")
REPLICA_WIDTH = 5  # Baseten's short replica ids
TIMESTAMP_WIDTH = len("2026-11-27 10:00:00.123")
# A time that cannot be read is shown as it came, up to this many characters: a server's
# 5,000-digit "timestamp" must not push every message off the screen.
MAX_UNTIMED_CHARACTERS = 40

# Level colours: red and yellow are kept for what needs attention, and INFO, most lines, stays plain
# so those stand out (it also leaves green free for replicas).
LEVEL_STYLES: dict[str, str] = {
    "DEBUG": "dim",
    "INFO": "",
    "WARNING": "yellow",
    "ERROR": "bold red",
}
TIMESTAMP_STYLE = "dim"
LATE_STYLE = "yellow"
LATE_MARK = "  (late: arrived after the lines above)"
# Replica colours: the standard colours that read well on dark and light backgrounds and are not
# level colours, so every terminal shows them alike (their codes are the same in every colour
# system). Blue is last: it is the hardest to read on black.
REPLICA_STANDARD_PALETTE: tuple[str, ...] = (
    "cyan",
    "magenta",
    "green",
    "bright_blue",
    "bright_cyan",
    "bright_magenta",
    "bright_green",
    "blue",
)
# More replicas than that: 256-colour slots of medium lightness, with reds, oranges and yellows
# left out so that no replica looks like a level; then every other cube colour, so colours only
# repeat beyond ~200 replicas in one view.
_CURATED_256 = (
    33, 37, 41, 63, 69, 73, 75, 79, 98, 99, 105, 109, 111, 114, 115, 135, 140, 141,
    147, 151, 170, 171, 176, 177, 183, 207, 213, 38, 44, 35, 36, 42, 48, 72, 78, 80,
    81, 86, 104, 110, 116, 117, 120, 122, 128, 134, 139, 146, 152, 159, 165, 182,
)  # fmt: skip
REPLICA_EXTENDED_PALETTE: tuple[str, ...] = tuple(
    f"color({index})"
    for index in (*_CURATED_256, *(i for i in range(16, 232) if i not in _CURATED_256))
)

# On a 16-colour terminal the 256-colour slots would fall back onto the eight colours above, so
# replicas nine to sixteen get those colours underlined instead; past sixteen, looks repeat and
# the replica id (always printed) is what tells them apart.
REPLICA_UNDERLINED_PALETTE: tuple[str, ...] = tuple(
    f"underline {color}" for color in REPLICA_STANDARD_PALETTE
)

# A program's own colours would clash with ours and must not leak out when colour is off.
_SGR = re.compile(r"\x1b\[[0-9;:]*m")


class TextRenderer(_StreamRenderer):
    """`2026-11-27 10:00:00.123 INFO    a1b2c  message`, optionally coloured."""

    def __init__(
        self,
        stream: TextIO,
        *,
        color: bool,
        utc: bool,
        color_system: ColorSystemName | None = None,
        label_width: int = 0,
    ) -> None:
        super().__init__(stream)
        self._color = color
        self._label_width = label_width
        self._label_columns: dict[object, str] = {}
        self._color_system_name = color_system
        self._to_struct_time: Callable[[float], time.struct_time] = (
            time.gmtime if utc else time.localtime
        )
        self._style_cache: dict[str, tuple[str, str]] = {}
        timestamp_on, timestamp_off = self._style(TIMESTAMP_STYLE)
        self._timestamp_on = timestamp_on
        # Milliseconds end the timestamp span; the column separator follows unstyled.
        self._timestamp_end = ("Z" if utc else "") + timestamp_off + " "
        self._timestamp_width = TIMESTAMP_WIDTH + utc
        message_column = self._timestamp_width + 1 + LEVEL_WIDTH + 1 + REPLICA_WIDTH + 2
        if label_width:
            message_column += label_width + 2
        self._indent = "\n" + " " * message_column
        # Columns with their trailing separators, styled once.
        self._level_columns: dict[str | None, str] = {None: " " * (LEVEL_WIDTH + 1)}
        for level, style in LEVEL_STYLES.items():
            on, off = self._style(style)
            self._level_columns[level] = on + level + off + " " * (LEVEL_WIDTH + 1 - len(level))
        self._api_level_columns: dict[object, str] = {
            k: v for k, v in self._level_columns.items() if k is not None
        }
        self._replica_columns: dict[object, str] = {None: " " * (REPLICA_WIDTH + 2)}
        self._taken_slots: set[int] = set()
        self._detected: ColorSystem | None = None  # the terminal's, asked once past 8 replicas
        # None, not "": a timestamp too short to hold a second slices to "", which must not
        # match the empty prefix the renderer starts with.
        self._last_second: str | None = None
        self._second_prefix = ""

    # Styles --------------------------------------------------------------------------------------

    def _style(self, definition: str, *, extended: bool = False) -> tuple[str, str]:
        """The ANSI codes rich writes before and after text in this style ("" without colour)."""
        if not self._color or not definition:
            return "", ""
        cached = self._style_cache.get(definition)
        if cached is None:
            from rich.color import ColorSystem
            from rich.style import Style

            # Level, timestamp and the first eight replica colours are standard colours, whose
            # codes are the same in every colour system, so only the 256-colour slots need to know
            # what the terminal can show.
            system = self._detect_color_system() if extended else ColorSystem.STANDARD
            # A sentinel in place of the text: what surrounds it is exactly rich's rendering.
            rendered = Style.parse(definition).render("\x00", color_system=system)
            on, _, off = rendered.partition("\x00")
            cached = self._style_cache[definition] = (on, off)
        return cached

    def _detect_color_system(self) -> ColorSystem:
        from rich.color import ColorSystem

        name: str | None = self._color_system_name
        if name is None and self._detected is not None:
            return self._detected
        if name is None:
            # Only needed past eight replicas, so rich's console module is imported only then.
            from rich.console import Console

            name = Console(file=self._stream, force_terminal=True).color_system
        systems = {
            "standard": ColorSystem.STANDARD,
            "256": ColorSystem.EIGHT_BIT,
            "truecolor": ColorSystem.TRUECOLOR,
            "windows": ColorSystem.WINDOWS,
        }
        # None means rich thinks the terminal shows no colour at all (TERM=dumb with --color
        # always): standard colours are the safe choice, rich maps 256-colour slots onto them.
        self._detected = systems.get(name or "standard", ColorSystem.STANDARD)
        return self._detected

    def _replica_column(self, replica: str) -> str:
        """The replica padded to its column, in a colour no other replica in this view has.

        Made once per replica (and cached under the id as it came), so escaping what a hostile
        id holds costs nothing per line."""
        on, off = self._replica_style(replica) if self._color else ("", "")
        shown = inert(replica)
        column = on + shown + off + " " * max(2, REPLICA_WIDTH + 2 - len(shown))
        self._replica_columns[replica] = column
        return column

    def _label_column(self, label: object) -> str:
        """A chain's line: its chainlet's name, escaped like a message, padded, coloured."""
        text = "" if label is None else inert(_as_text(label))
        on, off = self._replica_style(text) if self._color and text else ("", "")
        column = on + text + off + " " * max(2, self._label_width + 2 - len(text))
        self._label_columns[label] = column
        return column

    def _replica_style(self, replica: str) -> tuple[str, str]:
        # A stable hash (not hash(), which changes per process) so a replica keeps its colour from
        # one run to the next unless another replica already holds that colour in this view.
        digest = zlib.crc32(replica.encode("utf-8", "surrogatepass"))
        standard = len(REPLICA_STANDARD_PALETTE)
        for offset in range(standard):
            slot = (digest + offset) % standard
            if slot not in self._taken_slots:
                self._taken_slots.add(slot)
                return self._style(REPLICA_STANDARD_PALETTE[slot])
        from rich.color import ColorSystem

        palette = REPLICA_EXTENDED_PALETTE
        if self._detect_color_system() in (ColorSystem.STANDARD, ColorSystem.WINDOWS):
            palette = REPLICA_UNDERLINED_PALETTE  # the same colours: another look, not another hue
        extended = len(palette)
        for offset in range(extended):
            slot = (digest + offset) % extended
            if standard + slot not in self._taken_slots:
                self._taken_slots.add(standard + slot)
                return self._style(palette[slot], extended=True)
        # More replicas than colours: sharing cannot be avoided, so keep the preferred one.
        return self._style(REPLICA_STANDARD_PALETTE[digest % standard])

    # Timestamps ----------------------------------------------------------------------------------

    def _format_second(self, timestamp: str) -> str:
        """`2026-11-27 10:00:00.` for the whole second of a nanosecond timestamp string.

        Only the documented form (19 ASCII digits) passes: the fast path slices the lines of a
        second it has formatted by position once each is checked to be 19 ASCII digits too, so
        any other form (milliseconds, RFC 3339, or anything else) takes the careful path."""
        if len(timestamp) != 19 or not (timestamp.isascii() and timestamp.isdigit()):
            raise ValueError(f"not an epoch-nanosecond timestamp: {timestamp!r}")
        moment = self._to_struct_time(int(timestamp[:-9]))
        return self._timestamp_on + time.strftime("%Y-%m-%d %H:%M:%S.", moment)

    # Lines ---------------------------------------------------------------------------------------

    def write_page(self, records: Sequence[Mapping[str, Any]]) -> None:
        if not records:
            return
        # Everything the loop touches is a local: attribute look-ups per line add up at 500k/s.
        lines: list[str] = []
        append = lines.append
        api_levels = self._api_level_columns
        all_levels = self._level_columns
        replicas = self._replica_columns
        timestamp_end = self._timestamp_end
        last_second = self._last_second
        second_prefix = self._second_prefix
        labels = self._label_columns if self._label_width else None
        label_column = ""
        for record in records:
            try:
                timestamp = record["timestamp"]
                second = timestamp[:-9]
                # Every line's time is checked, not only a new second's: 19 characters that
                # repeat the second may carry anything after it. isascii is O(1).
                if second != last_second or not (timestamp.isascii() and timestamp.isdigit()):
                    second_prefix = self._format_second(timestamp)
                    last_second = second
                level_column = api_levels.get(record.get("level"))
                if level_column is None:
                    level_column = all_levels[effective_level(record)]
                replica: Any = record.get("replica")
                replica_column = replicas.get(replica)
                if replica_column is None:
                    # Not None (that is in the cache); a non-string fails here and is handled below.
                    replica_column = self._replica_column(replica)
                if labels is not None:
                    label = record.get("chainlet")
                    label_column = labels.get(label) or self._label_column(label)
                message = record["message"]
                if not message.isprintable():
                    message = self._clean(message)
                append(
                    f"{second_prefix}{timestamp[-9:-6]}{timestamp_end}"
                    f"{level_column}{label_column}{replica_column}{message}\n"
                )
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
        on, off = self._style(LATE_STYLE)
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
        message = _SGR.sub("", message).rstrip()
        if "\r" in message:
            # Progress bars redraw with a bare \r: every state becomes a line of its own.
            message = message.replace("\r\n", "\n").replace("\r", "\n")
        message = inert(message, multiline=True)
        if "\n" in message:
            message = message.replace("\n", self._indent)
        return message

    def _odd_line(self, record: Mapping[str, Any]) -> str:
        """The line for a record the fast path could not take (missing fields, unusual types)."""
        raw = record.get("timestamp")
        timestamp = _as_text(raw)
        try:
            ns = timestamp_ns(raw)  # any other form the API may send, read as nanoseconds
            if ns is None:
                raise ValueError(f"not a time: {timestamp!r}")
            digits = str(ns)
            prefix = self._format_second(digits)
            timestamp_column = f"{prefix}{digits[-9:-6]}{self._timestamp_end}"
        except (ValueError, OverflowError, OSError):  # shown as it came, in the same column
            on, off = self._style(TIMESTAMP_STYLE)
            shown = inert(_cut(timestamp)).ljust(self._timestamp_width)
            timestamp_column = f"{on}{shown}{off} " if timestamp else f"{shown} "
        replica = record.get("replica")
        if replica is None:
            replica_column = self._replica_columns[None]
        else:
            text = _as_text(replica)
            replica_column = self._replica_columns.get(text) or self._replica_column(text)
        level_column = self._level_columns[effective_level(record)]
        label_column = ""
        if self._label_width:
            label = record.get("chainlet")
            label_column = self._label_columns.get(label) or self._label_column(label)
        message = self._clean(_as_text(record.get("message")))
        return f"{timestamp_column}{level_column}{label_column}{replica_column}{message}\n"


# --- GitHub Actions -------------------------------------------------------------------------------

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
    text = _SGR.sub("", text).rstrip()
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return inert(text, multiline=True)


def _cut(text: str) -> str:
    """An unreadable time as it came, cut to MAX_UNTIMED_CHARACTERS (and `…`) if longer."""
    return text if len(text) <= MAX_UNTIMED_CHARACTERS else text[:MAX_UNTIMED_CHARACTERS] + "…"


def _utc_time(timestamp: object) -> str:
    """`2025-11-27 10:00:01.123Z` for a line's time in any form it came in; else as it came."""
    text = _as_text(timestamp)
    ns = timestamp_ns(timestamp)
    if ns is None:
        return _cut(text)
    try:
        moment = time.gmtime(ns // 1_000_000_000)
    except (OverflowError, OSError, ValueError):
        return _cut(text)
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
                replica = _as_text(replica)
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
        message = escape_data(_single_line(_as_text(record.get("message"))))
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
