"""`baseten-logs view FILE`: show saved log records (JSON lines or a JSON array) with get's filters.

Reads what `-o jsonl`, `--save` and `-o json` write (one API record per line, or one JSON array),
from a file or from stdin (saved_file.py reads it), and streams it: memory stays bounded by the
page size, by `-n`, or (for `--reverse` of a whole file) by a spool that moves to a temporary file.

Signals as `get` takes them (cli/interrupts.py, cli/sinks.py): each page is written whole, a
Ctrl-C, SIGTERM or SIGHUP meanwhile waiting until it is, and however the run ends the output
is closed (-o json's `]`, -o github's groups), so what was shown stays valid and complete.
"""

from __future__ import annotations

import marshal
import os
import sys
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any, cast

from baseten_logs.api.limits import limits_from
from baseten_logs.base.errors import ExitStatus
from baseten_logs.base.timeparse import Zone
from baseten_logs.cli.saved_file import (
    LiveLines,
    Record,
    RecordReader,
    live_fd,
    opened,
    select_records,
)
from baseten_logs.cli.sinks import SinkSet
from baseten_logs.output import messages
from baseten_logs.output.inert import inert
from baseten_logs.output.layout import LayoutFlags
from baseten_logs.output.pipes import stdout_guard
from baseten_logs.output.render import OutputFormat, Renderer, make_renderer
from baseten_logs.output.terminal import ColorMode, is_terminal, screen_layout, use_color
from baseten_logs.reading.filtering import Matcher, matcher
from baseten_logs.reading.merge import LABEL_FIELD
from baseten_logs.reading.query import Filters
from baseten_logs.reading.request import marked_context

__all__ = ["run_view"]

PAGE = 1000  # records per renderer page: one write() each
SPOOL_MEMORY_LIMIT = 16 * 1024 * 1024  # bytes of --reverse spool kept in memory


def run_view(
    *,
    path: str,
    query_filters: Filters,
    since_ms: int | None,
    until_ms: int | None,
    limit: int | None,
    output: str,  # already checked against render.OUTPUT_FORMATS / COLOR_MODES
    color: str,
    zone: Zone | None,
    reverse: bool,
    chainlets: Sequence[str] = (),
    layout: LayoutFlags | None = None,
    timestamps: bool = True,
) -> ExitStatus:
    """Print the records of `path` ("-": stdin) that are in the window and pass the filters
    (`chainlets`: only lines labelled with one of them, as `chain` labels its lines).

    limit=None: every such record, in file order (oldest first, as saved), or newest first with
    `reverse`. limit=N: the last N of them in the file, i.e. the newest N, oldest first.
    """
    keep = matcher(query_filters)  # a bad --grep is refused before the file is opened
    labels = _ChainletSeen(keep, chainlets) if chainlets else None
    if labels is not None:
        keep = labels
    components = None if query_filters.component is None else _ComponentSeen(keep)
    if components is not None:
        keep = components
    stream = sys.stdout
    colored = use_color(cast(ColorMode, color), stream, os.environ)

    def make(label_width: int) -> Renderer:
        return make_renderer(
            stream,
            output=cast(OutputFormat, output),
            color=colored,
            zone=zone,
            terminal=is_terminal(stream, os.environ),
            label_width=label_width,
            layout=screen_layout(layout, stream, os.environ),
            timestamps=timestamps,
        )

    sinks = SinkSet([_SavedLines(make, mark_context=output in ("text", "github"))])
    page: list[Record] = []

    def show() -> None:
        if page:
            batch = page[:]
            page.clear()
            sinks.write(batch)

    cap = limits_from(os.environ).max_line_bytes
    with opened(path) as (source, name):
        # A live pipe (`get -f -o jsonl | baseten-logs view -`) shows lines as they come, as
        # much as each read of the pipe brings; a file (or stdin from a file) a page at a time.
        fd = live_fd(source) if path == "-" and limit is None and not reverse else None
        live = None if fd is None else LiveLines(fd, before_wait=show, max_line_bytes=cap)
        reader = RecordReader(source if live is None else live, name=name, max_line_bytes=cap)
        selected = select_records(reader, keep, since_ms=since_ms, until_ms=until_ms)
        with stdout_guard():
            try:
                if limit is not None:
                    newest = list(deque(selected, maxlen=limit))
                    _write(sinks, newest[::-1] if reverse else newest)
                elif reverse:
                    _write_reversed(sinks, selected)
                elif live is not None:
                    for record in selected:
                        page.append(record)
                        if len(page) >= PAGE:
                            show()
                    show()
                else:
                    while batch := list(islice(selected, PAGE)):
                        sinks.write(batch)
            finally:
                # On Ctrl-C, SIGTERM or a bad line too: what was shown stays whole and closed.
                sinks.close()
    if labels is not None:
        windowed = since_ms is not None or until_ms is not None
        labels.warn_unseen(f"{name} between --since and --until" if windowed else name)
    if components is not None and components.lines and not components.carried:
        messages.warn(
            f"--component: none of the {components.lines:,} lines of {name} has a component "
            "field (the logs API's answers do not carry one), so nothing matched; filter when "
            "fetching instead: `baseten-logs get ... --component NAME --save FILE`"
        )
    return ExitStatus.OK


class _SavedLines:
    """The renderer as `get`, `chain` and `request` showed the lines: a chain's saved lines with
    their chainlet column, context lines (`"context": true`) with their mark in text output.

    A file lists no chainlets up front, so the renderer is made at the first page, its column
    as wide as that page's widest name (a wider one later still gets its two spaces)."""

    def __init__(self, make: Callable[[int], Renderer], *, mark_context: bool) -> None:
        self._make = make
        self._mark = mark_context
        self._renderer: Renderer | None = None

    def write_page(self, records: Sequence[Mapping[str, Any]]) -> None:
        if not records:
            return
        if self._renderer is None:
            self._renderer = self._make(_label_width(records))
        if self._mark:
            records = [marked_context(cast(Record, record)) for record in records]
        self._renderer.write_page(records)

    def close(self) -> None:
        if self._renderer is None:
            self._renderer = self._make(0)
        self._renderer.close()


def _label_width(records: Iterable[Mapping[str, Any]]) -> int:
    """The widest chainlet name among `records` (0: none is a chain's line)."""
    names = (record.get(LABEL_FIELD) for record in records)
    return max((len(name) for name in names if isinstance(name, str)), default=0)


class _ChainletSeen:
    """--chainlet: keeps the lines of those chainlets (by the name `chain` labelled them with),
    and notes which chainlets the file's lines come from, so that a name no line has is said
    rather than shown as an empty result."""

    MAX_NAMES = 100  # remembered for the warning; a file of more chainlets is not a chain's

    def __init__(self, keep: Matcher, names: Sequence[str]) -> None:
        self._keep = keep
        self._names = frozenset(names)
        self._wanted = tuple(dict.fromkeys(names))
        self.seen: set[str] = set()

    def __call__(self, record: Mapping[str, Any]) -> bool:
        label = record.get(LABEL_FIELD)
        if label.__class__ is not str:
            return False
        if label not in self.seen and len(self.seen) < self.MAX_NAMES:
            self.seen.add(label)
        return label in self._names and self._keep(record)

    def warn_unseen(self, file: str) -> None:
        """`file`: how messages name what was read (the window too, when one was given)."""
        for name in self._wanted:
            if name not in self.seen:
                messages.warn(f"--chainlet {inert(name)!r}: {self._unseen(name, file)}")

    def _unseen(self, name: str, file: str) -> str:
        if not self.seen:
            return (
                f"no line of {file} has a chainlet (files saved by `chain` or "
                "`request --chain` have one)"
            )
        folded = [seen for seen in sorted(self.seen) if seen.casefold() == name.casefold()]
        if folded:
            return (
                f"no line of {file} is from it; did you mean {inert(folded[0])!r}? "
                "chainlet names match exactly"
            )
        names = ", ".join(inert(seen) for seen in sorted(self.seen)[:8])
        more = ", …" if len(self.seen) > 8 else ""
        return f"no line of {file} is from it; its lines are from {names}{more}"


class _ComponentSeen:
    """A matcher that also notes whether any line carries a `component` at all: lines saved from
    the API usually do not, and --component would silently drop every one of them."""

    def __init__(self, keep: Matcher) -> None:
        self._keep = keep
        self.lines = 0
        self.carried = False

    def __call__(self, record: Mapping[str, Any]) -> bool:
        self.lines += 1
        if not self.carried and record.get("component") is not None:
            self.carried = True
        return self._keep(record)


def _write(sinks: SinkSet, records: list[Record]) -> None:
    for start in range(0, len(records), PAGE):
        sinks.write(records[start : start + PAGE])


def _write_reversed(sinks: SinkSet, records: Iterator[Record]) -> None:
    """Every record newest first. Pages are spooled (to disk past SPOOL_MEMORY_LIMIT) with
    marshal, which stores the decoded records at C speed, then read back last page first."""
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_LIMIT, mode="w+b") as spool:
        pages: list[tuple[int, int]] = []  # (offset, size): two numbers per thousand records
        while page := list(islice(records, PAGE)):
            blob = marshal.dumps(page)
            pages.append((spool.tell(), len(blob)))
            spool.write(blob)
        for offset, size in reversed(pages):
            spool.seek(offset)
            page = marshal.loads(spool.read(size))
            page.reverse()
            sinks.write(page)
