"""Reading a saved file for `view`: JSON lines or one JSON array, from a file or a pipe, record by
record, and the records of a window.

Bad input is a UsageError naming the file and the line, never a traceback; no line may be longer
than the line cap, so memory stays bounded by it (view.py draws what is read here).
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import IO, Any, cast

from baseten_logs.api.limits import ENV_MAX_LINE_BYTES, MAX_LINE_BYTES, describe_bytes
from baseten_logs.base.errors import UsageError
from baseten_logs.base.timestamps import record_ns
from baseten_logs.reading.filtering import Matcher

__all__ = ["LineTooLong", "LiveLines", "RecordReader", "live_fd", "opened", "select_records"]

Record = dict[str, Any]

_HINT = "give a file written by -o jsonl, -o json or --save: one log record per line"
_WHITESPACE = re.compile(r"[ \t\r\n]*")


@contextmanager
def opened(path: str) -> Iterator[tuple[Iterable[bytes | str], str]]:
    if path == "-":
        # Bytes when stdin has them (the file's own encoding errors get a line number); stdin
        # stays open, it is not ours.
        yield getattr(sys.stdin, "buffer", sys.stdin), "stdin"
        return
    try:
        file = open(path, "rb")  # closed by the with below
    except FileNotFoundError:
        raise UsageError("FILE", f"{path}: no such file", hint=_HINT) from None
    except IsADirectoryError:
        raise UsageError("FILE", f"{path} is a directory", hint=_HINT) from None
    except OSError as error:
        raise UsageError(
            "FILE", f"{path}: cannot read it ({error.strerror or error})", hint=_HINT
        ) from None
    with file:
        yield file, path


def live_fd(source: object) -> int | None:
    """The file descriptor of `source` if it is a pipe, terminal or socket: more lines may be a
    while coming."""
    try:
        fd = cast(IO[bytes], source).fileno()
        mode = os.fstat(fd).st_mode
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError
        return None
    # Reading the descriptor skips Python's buffer: fine, since nothing has read stdin yet.
    return None if stat.S_ISREG(mode) else fd


class LineTooLong(Exception):
    """A line longer than the cap: read no further (a 1 GB line must not take 2 GB)."""


def capped_lines(source: Iterable[bytes | str], cap: int) -> Iterator[bytes | str]:
    """The lines of `source`, each read whole only if it is at most `cap` bytes (plus newline)."""
    readline = getattr(source, "readline", None)
    if not callable(readline):
        for line in source:
            if len(line) > cap + 1:
                raise LineTooLong
            yield line
        return
    while line := readline(cap + 1):
        if len(line) > cap and line[-1:] not in ("\n", b"\n"):
            raise LineTooLong
        yield line


class RecordReader:
    """The records of a JSON-lines file, or of a file holding one JSON array, one at a time.

    `lineno` is the line the last record started on, for error messages. Bad input raises
    UsageError naming the file and the line: never a traceback. No line (and no JSON value
    spread over lines) may be longer than `max_line_bytes`: memory stays bounded by it.
    """

    def __init__(
        self,
        source: Iterable[bytes | str],
        *,
        name: str,
        max_line_bytes: int = MAX_LINE_BYTES,
    ) -> None:
        self._source = source
        self.name = name
        self.lineno = 0
        self.max_line_bytes = max_line_bytes

    def __iter__(self) -> Iterator[Record]:
        lines = self._lines()
        for lineno, line in lines:
            if lineno == 1:
                line = line.removeprefix("\ufeff")  # a byte-order mark from a Windows editor
            text = line.lstrip()
            if not text:
                continue
            if text.startswith("["):
                yield from self._array(lineno, text[1:], lines)
            else:
                yield from self._json_lines([(lineno, line)], lines)
            return

    def error(self, lineno: int, problem: str) -> UsageError:
        return UsageError("FILE", f"{self.name} line {lineno} {problem}", hint=_HINT)

    def too_long(self, lineno: int) -> UsageError:
        cap = describe_bytes(self.max_line_bytes)
        return UsageError(
            "FILE",
            f"{self.name} line {lineno} is longer than {cap}, the line cap of view",
            hint=f"a log record is far smaller; {ENV_MAX_LINE_BYTES} raises the cap",
        )

    def _lines(self) -> Iterator[tuple[int, str]]:
        lineno = 0
        try:
            for lineno, raw in enumerate(capped_lines(self._source, self.max_line_bytes), 1):
                if isinstance(raw, bytes):
                    try:
                        yield lineno, raw.decode("utf-8")
                    except UnicodeDecodeError as error:
                        problem = f"is not UTF-8 text (byte {error.start + 1})"
                        raise self.error(lineno, problem) from None
                else:
                    yield lineno, raw
        except LineTooLong:
            raise self.too_long(lineno + 1) from None
        except OSError as error:
            raise UsageError(
                "FILE",
                f"{self.name}: reading failed after line {lineno} ({error.strerror or error})",
            ) from None

    def _json_lines(
        self, first: Iterable[tuple[int, str]], lines: Iterator[tuple[int, str]]
    ) -> Iterator[Record]:
        loads = json.loads
        for source in (first, lines):
            for lineno, line in source:
                try:
                    record = loads(line)
                except (ValueError, RecursionError) as error:
                    if not line.strip():  # blank lines are allowed, and rare enough to test late
                        continue
                    raise self.error(lineno, f"is not valid JSON ({_reason(error)})") from None
                if record.__class__ is not dict:
                    raise self.error(lineno, "is not a log record (a JSON object)")
                self.lineno = lineno
                yield record

    def _array(
        self, lineno: int, buffer: str, lines: Iterator[tuple[int, str]]
    ) -> Iterator[Record]:
        """The objects of a JSON array, decoded as its lines arrive: `-o json` puts one object
        per line, `jq` one value over several; both stream, and only one object is held.

        Linear in the input: line numbers are counted on from the last record, not from the
        start of the buffer (one line may hold a whole array), and a value spread over lines
        is retried only each time its text has doubled, not at each line.
        """
        decode = json.JSONDecoder().raw_decode
        skip = _WHITESPACE.match
        first_line = lineno  # the line buffer[0] is on
        counted_pos, counted_line = 0, lineno  # the line at buffer[counted_pos]

        def line_at(pos: int) -> int:
            nonlocal counted_pos, counted_line
            if pos < counted_pos:
                return first_line + buffer.count("\n", 0, pos)
            counted_line += buffer.count("\n", counted_pos, pos)
            counted_pos = pos
            return counted_line

        position = 0
        state = "first"  # first: a value or `]`; value: a value; next: `,` or `]`; done
        while True:
            position = skip(buffer, position).end()  # type: ignore[union-attr]
            if position == len(buffer):
                more = next(lines, None)
                if more is None:
                    break
                first_line = line_at(position)
                buffer, position = more[1], 0
                counted_pos, counted_line = 0, first_line
                continue
            char = buffer[position]
            at = line_at(position)
            if state == "done":
                raise self.error(at, "has text after the end of the JSON array")
            if state == "next":
                if char not in ",]":
                    raise self.error(at, f"has {char!r} where ',' or ']' belongs in the array")
                state = "value" if char == "," else "done"
                position += 1
                continue
            if char == "]" and state == "first":
                state = "done"
                position += 1
                continue
            try:
                record, position = decode(buffer, position)
            except (ValueError, RecursionError) as error:
                failed_at = getattr(error, "pos", position)
                if not buffer[failed_at:].strip():
                    # The value goes on past this line (JSON strings hold no raw newline, so
                    # whole lines always end between tokens): read on until its text has
                    # doubled (or the input ends), then retry.
                    value = buffer[position:]
                    parts, size = [value], len(value)
                    while size < 2 * len(value) and (more := next(lines, None)) is not None:
                        parts.append(more[1])
                        size += len(more[1])
                        if size > self.max_line_bytes:
                            raise self.too_long(at) from None
                    if len(parts) > 1:
                        first_line = at
                        buffer, position = "".join(parts), 0
                        counted_pos, counted_line = 0, first_line
                        continue
                at = line_at(failed_at)
                raise self.error(at, f"is not valid JSON ({_reason(error)})") from None
            if record.__class__ is not dict:
                raise self.error(at, "is not a log record (a JSON object)")
            self.lineno = at
            yield record
            state = "next"
        if state != "done":
            last = first_line + buffer.count("\n", 0, len(buffer.rstrip()))
            raise self.error(last, "ends before the JSON array does")


def _reason(error: ValueError | RecursionError) -> str:
    if isinstance(error, RecursionError):
        return "nested too deep to read"
    if isinstance(error, json.JSONDecodeError):
        # Some messages end in "at" already ("Unterminated string starting at").
        joiner = " " if error.msg.endswith(" at") else " at "
        return f"{error.msg}{joiner}column {error.colno}"
    return str(error)


def select_records(
    reader: RecordReader,
    keep: Matcher,
    *,
    since_ms: int | None,
    until_ms: int | None,
) -> Iterator[Record]:
    """The records in the window (inclusive, to the millisecond) that pass the filters."""
    if since_ms is None and until_ms is None:
        return filter(keep, reader)
    # Compared in nanoseconds, the unit of the API's documented timestamps.
    low = -1 if since_ms is None else since_ms * 1_000_000
    high = None if until_ms is None else until_ms * 1_000_000 + 999_999
    return filter(keep, filter(_in_window(reader, low, high), reader))


def _in_window(
    reader: RecordReader, low: int, high: int | None
) -> Callable[[Mapping[str, Any]], bool]:
    def in_window(record: Mapping[str, Any]) -> bool:
        nanoseconds = record_ns(record)
        if nanoseconds is None:
            raise reader.error(reader.lineno, "has no usable timestamp (epoch time or RFC 3339)")
        return low <= nanoseconds and (high is None or nanoseconds <= high)

    return in_window


class LiveLines:
    """The lines of a pipe as they arrive, calling `before_wait` whenever the input is used up
    and the next read may block, so that what has been read is shown without waiting for more.
    A fast writer fills each read (64 KiB, hundreds of lines); a slow one shows line by line."""

    def __init__(
        self, fd: int, *, before_wait: Callable[[], None], max_line_bytes: int = MAX_LINE_BYTES
    ) -> None:
        self._fd = fd
        self._before_wait = before_wait
        self._cap = max_line_bytes

    def __iter__(self) -> Iterator[bytes]:
        # The start of a line still being written, in pieces: joined once when its end comes,
        # so a long line costs its length, not its length times the reads it took.
        pending: list[bytes] = []
        pending_size = 0
        while True:
            chunk = os.read(self._fd, 1 << 16)
            if not chunk:
                break
            lines = chunk.split(b"\n")
            rest = lines.pop()
            if lines and pending:
                pending.append(lines[0])
                lines[0] = b"".join(pending)  # one copy of the long line, not two
                pending, pending_size = [], 0
            for line in lines:
                if len(line) > self._cap:
                    raise LineTooLong
                yield line
            if rest:
                pending.append(rest)
                pending_size += len(rest)
                if pending_size > self._cap:
                    raise LineTooLong
            self._before_wait()
        if pending:
            yield b"".join(pending)
