"""`baseten-logs view FILE --browse`: a saved file (JSON lines or a JSON array, read as `view`
reads it: cli/saved_file.py) in `browse`'s full-screen view. Nothing is followed and nothing is
sent: the lines are the file's.

The flags mean what they mean for `view`, except where they mean what they mean for `browse`:
--level and --grep (with -i) set where the view's filter starts, so the keys can show the other
lines again; the window, -n and the other filters choose the lines loaded. The flags that shape
printed output (-o, --reverse, --prefix, ...) have nothing to shape here: typed, they are bad
input (exit 2), as is stdin (the keys come from it). The file is read whole before the screen
is up, so a bad line is told as `view` tells it; at most --max-lines (browse's 100,000) lines are
kept, the newest.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from baseten_logs.base.errors import UsageError

if TYPE_CHECKING:
    from baseten_logs.base.timeparse import Zone
    from baseten_logs.browse.lines import LoadedLines, ViewFilter
    from baseten_logs.browse.screen import BrowseApp
    from baseten_logs.cli.saved_file import Record
    from baseten_logs.cli.tool_plans import ViewPlan

PAGE = 1000  # records handed to the loaded lines at a time: the cap applies as they come
MAX_LINES = 100_000  # as browse's --max-lines default

# view's flags that shape printed output, with their defaults: typed, they have no meaning here.
_PRINTING_FLAGS = (
    ("output", "-o/--output", "text"),
    ("reverse", "--reverse", False),
    ("color", "--color", "auto"),
    ("no_color", "--no-color", False),
    ("prefix", "--prefix", None),
    ("no_wrap", "--no-wrap", False),
    ("message_only", "--message-only", False),
    ("verbatim", "--verbatim", False),
    ("template", "--template", None),
    ("timestamps", "--no-timestamps", True),
)


def browse_saved(flags: Mapping[str, Any]) -> NoReturn:
    """`view`'s flags (its parameters by name) checked, the file read, then the browser until
    it is closed (exit 0)."""
    import typer

    from baseten_logs.cli.browse import needs_terminal
    from baseten_logs.cli.defaults import zone_of

    check_browsing_flags(flags)
    zone = zone_of(flags["tz"], flags["utc"])
    plan, view_filter = saved_plan(flags, zone)
    needs_terminal()
    app = saved_app(flags["file"], plan, view_filter, zone=zone)
    app.run()
    raise typer.Exit(0)


def check_browsing_flags(flags: Mapping[str, Any]) -> None:
    """Bad input for --browse (exit 2, the file unread): a printing flag, or stdin."""
    for name, flag, default in _PRINTING_FLAGS:
        if flags[name] != default:
            raise UsageError(
                flag,
                "has nothing to shape with --browse (the lines are shown full-screen)",
                hint=f"drop {flag}, or drop --browse to print the file",
            )
    if flags["file"] == "-":
        raise UsageError(
            "--browse",
            "cannot read stdin: the browser's keys come from it",
            hint="save the lines to a file first (get ... --save FILE), then view FILE --browse",
        )


def saved_plan(flags: Mapping[str, Any], zone: Zone | None) -> tuple[ViewPlan, ViewFilter]:
    """`view`'s plan of the lines to load; --level and --grep (-i) as the view's first filter."""
    from baseten_logs.browse.lines import LevelToggles, ViewFilter
    from baseten_logs.cli.plan import filters_of
    from baseten_logs.cli.tool_plans import view_plan

    filters = filters_of(
        flags["level"], flags["replica"], flags["request_id"], flags["component"],
        flags["grep"], flags["include"], flags["exclude"], flags["ignore_case"],
    )  # fmt: skip
    view_filter = ViewFilter(LevelToggles.at_least(filters.min_level), filters.search_pattern or "")
    plan = view_plan(
        output="text",
        color="auto",
        limit=flags["limit"],
        filters=replace(filters, min_level=None, search_pattern=None),
        since=flags["since"],
        until=flags["until"],
        chainlet=flags["chainlet"],
        zone=zone,
    )
    return plan, view_filter


def saved_app(
    path: str, plan: ViewPlan, view_filter: ViewFilter, *, zone: Zone | None
) -> BrowseApp:
    """The browser over the file's lines, read now (a bad file is bad input, told before the
    screen is up); it says that nothing follows them."""
    from baseten_logs.browse.lines import LoadedLines
    from baseten_logs.browse.screen import BrowseApp
    from baseten_logs.cli.browse import zone_note

    lines = LoadedLines(max_lines=MAX_LINES)
    load(lines, saved_records(path, plan))

    def start(app: BrowseApp) -> Callable[[], None]:
        app.tell("not following: a saved file")
        return _nothing

    return BrowseApp(
        title=f"{Path(path).name} (saved){zone_note(zone)}",
        lines=lines,
        utc=zone or False,
        save_name=f"{Path(path).stem}-browsed.jsonl",
        start=start,
        view_filter=view_filter,
    )


def _nothing() -> None:
    """Nothing to stop: no reader runs."""


def load(lines: LoadedLines, records: Iterable[Record]) -> None:
    """A page at a time, so the cap lets the oldest go as the file is read."""
    iterator = iter(records)
    while page := list(islice(iterator, PAGE)):
        lines.add(page)


def saved_records(path: str, plan: ViewPlan) -> Iterator[Record]:
    """The file's lines in the window that pass the filters, as `view` selects them (with -n N
    the last N)."""
    import os

    from baseten_logs.api.limits import limits_from
    from baseten_logs.cli.saved_file import RecordReader, opened, select_records
    from baseten_logs.reading.filtering import matcher
    from baseten_logs.reading.merge import LABEL_FIELD

    keep = matcher(plan.filters)  # a bad --include is refused before the file is opened
    names, matches = frozenset(plan.chainlets), keep

    def wanted(record: Mapping[str, Any]) -> bool:  # --chainlet: as chain labelled the lines
        return (not names or record.get(LABEL_FIELD) in names) and matches(record)

    cap = limits_from(os.environ).max_line_bytes
    with opened(path) as (source, name):
        reader = RecordReader(source, name=name, max_line_bytes=cap)
        selected = select_records(reader, wanted, since_ms=plan.since_ms, until_ms=plan.until_ms)
        if plan.count is not None:
            yield from deque(selected, maxlen=plan.count)
        else:
            yield from selected
