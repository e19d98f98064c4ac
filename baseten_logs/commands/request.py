"""`baseten-logs request REQUEST_ID MODEL [DEPLOYMENT]`: one request's lines, with no window given.

The search and the merging are request.py's; this renders them as `get` does (same renderers,
--save, --summary, --fail-on), with a header on a terminal's stderr and context lines marked.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import cast

from baseten_logs import messages
from baseten_logs.client import RetryPolicy
from baseten_logs.commands.get import Extras, Sink
from baseten_logs.config import Credentials
from baseten_logs.errors import ExitStatus
from baseten_logs.fetch import open_client, page_fetcher
from baseten_logs.inert import inert
from baseten_logs.levels import LEVELS, effective_level
from baseten_logs.pager import FetchPage, Record
from baseten_logs.pipes import as_stream, stdout_guard
from baseten_logs.query import LogQuery
from baseten_logs.render import OutputFormat, make_renderer
from baseten_logs.request import RequestSource, Story, StoryLine, find_request, story_pages
from baseten_logs.summary import Tally
from baseten_logs.terminal import ColorMode, is_terminal, use_color
from baseten_logs.timeparse import format_ms

# Where text output shows a context line: before its message, so `grep -v` can drop them.
CONTEXT_MARK = "(context) "


def run_request(
    *,
    request_id: str,
    sources: Sequence[RequestSource],
    since_ms: int,
    until_ms: int,
    context_ms: int | None,
    credentials: Credentials,
    output: str,  # already checked against render.OUTPUT_FORMATS / COLOR_MODES
    color: str,
    utc: bool,
    header: bool,  # on a terminal's stderr, and not -q
    verbose: bool = False,
    attempts: int = RetryPolicy.attempts,
    extras: Extras | None = None,
) -> ExitStatus:
    extras = extras or Extras()
    stream = sys.stdout
    colored = use_color(cast(ColorMode, color), stream, os.environ)
    screen = make_renderer(
        stream,
        output=cast(OutputFormat, output),
        color=colored,
        utc=utc,
        terminal=is_terminal(stream, os.environ),
    )
    shown = _SHOWN.get(output, StoryLine.as_json)
    # Everything but the screen gets the JSON form: --save is an artefact `view` reads back.
    others: list[Sink] = []
    if extras.save_file is not None:
        save_stream = as_stream(extras.save_file)
        others.append(make_renderer(save_stream, output="jsonl", color=False, utc=True))
    tally = Tally() if extras.summary or extras.fail_on else None
    if tally is not None:
        others.append(tally)

    gaps: list[int] = []

    def on_gap(ms: int) -> None:
        gaps.append(ms)
        messages.warn(
            f"more lines share the millisecond {format_ms(ms)} than one page holds; "
            "some of them are not shown"
        )

    log = messages.info if verbose else None
    requests = 0
    completed = False
    try:
        with open_client(credentials, log=log, retry=RetryPolicy(attempts=attempts)) as client:
            try:

                def fetch_for(query: LogQuery) -> FetchPage:
                    return page_fetcher(client, query)

                story = find_request(
                    fetch_for,
                    request_id=request_id,
                    sources=sources,
                    since_ms=since_ms,
                    until_ms=until_ms,
                    on_gap=on_gap,
                )
                if header:
                    _write_header(describe(story, utc=utc, context_ms=context_ms))
                if context_ms is not None and not story.replicas():
                    messages.warn("no line of the request names its replica: no context to add")
                pages = story_pages(fetch_for, story, context_ms=context_ms, on_gap=on_gap)
                with stdout_guard():
                    try:
                        for page in pages:
                            screen.write_page([shown(line) for line in page])
                            if others:
                                records = [line.as_json() for line in page]
                                for sink in others:
                                    sink.write_page(records)
                    finally:
                        # On failure or Ctrl-C too: -o json closes its array, -o github its groups.
                        for sink in (screen, *others):
                            sink.close()
            finally:
                requests = client.requests_made
        completed = True
    finally:
        if extras.save_file is not None:
            # Renamed into place if the run completed or wrote a line, as for `get`.
            extras.save_file.finish(complete=completed)
        if verbose:
            messages.info(f"{requests} request{'' if requests == 1 else 's'}")
        if tally is not None and extras.summary:
            messages.report(tally.describe(requests=requests))
    if tally is not None and extras.fail_on and tally.count_at_or_above(extras.fail_on):
        return ExitStatus.MATCHED
    return ExitStatus.INCOMPLETE if gaps else ExitStatus.OK


def _marked(line: StoryLine) -> Record:
    """A context line for text output: the mark before its message, its level as it was."""
    if not line.context:
        return line.record
    record = line.record
    message = record.get("message")
    text = message if isinstance(message, str) else "" if message is None else str(message)
    # The level is kept as the unmarked message gives it: the mark must not hide "Traceback".
    return {**record, "level": effective_level(record), "message": CONTEXT_MARK + text}


def _unchanged(line: StoryLine) -> Record:
    return line.record


# What each output format shows of a line; the JSON formats take StoryLine.as_json.
_SHOWN: dict[str, Callable[[StoryLine], Record]] = {
    "text": _marked,
    "github": _marked,
    "raw": _unchanged,  # messages exactly as logged: -o jsonl tells context apart
}


def describe(story: Story, *, utc: bool, context_ms: int | None) -> list[str]:
    """The header: the request, when it ran and for how long, its lines per level, its replicas."""
    first_ns, last_ns = story.first_ns, story.last_ns
    first, last = _clock(first_ns, utc), _clock(last_ns, utc)
    if last[:10] == first[:10]:
        last = last[11:]  # the same day: the time alone
    where = ", ".join(source.label for source in {line.source: None for line in story.lines})
    levels = Counter(effective_level(line.record) for line in story.lines)
    counts = [f"{levels[level]} {level}" for level in reversed(LEVELS) if levels[level]]
    if levels[None]:
        counts.append(f"{levels[None]} without a level")
    lines = [
        f"request {story.request_id} in {where}",
        f"  from {first} to {last} ({_duration((last_ns - first_ns) // 1_000_000)})",
        f"  {_lines(len(story.lines))}: {', '.join(counts)}",
        f"  {_replicas(story)}",
    ]
    if context_ms is not None:
        margin = _duration(context_ms)
        lines.append(f"  and as context, its replicas' untagged lines {margin} around it")
    return [inert(line) for line in lines]


def _replicas(story: Story) -> str:
    per_replica = Counter((line.source, line.record.get("replica")) for line in story.lines)
    pairs = story.replicas()
    several = len({source for source, _ in pairs}) > 1  # a chain: say whose replica it is
    named = []
    for source, replica in pairs:
        owner = f"{source.label}: " if several else ""
        named.append(f"{owner}{replica} ({_lines(per_replica[(source, replica)])})")
    if not named:
        return "no replica named"
    return f"{len(named)} replica{'' if len(named) == 1 else 's'}: {', '.join(named)}"


def _lines(count: int) -> str:
    return f"{count} line{'' if count == 1 else 's'}"


def _clock(ns: int, utc: bool) -> str:
    """`2026-11-27 10:00:01.112` in local time (or UTC, marked Z), as the text lines show it."""
    seconds, rest = divmod(ns, 1_000_000_000)
    moment = (time.gmtime if utc else time.localtime)(seconds)
    return (
        time.strftime("%Y-%m-%d %H:%M:%S", moment)
        + f".{rest // 1_000_000:03d}"
        + ("Z" if utc else "")
    )


def _duration(ms: int) -> str:
    """`481 ms`, `2.758 s`, `3 min 12 s`, `2 h 5 min`: a span as people say it."""
    if ms < 1000:
        return f"{ms} ms"
    if ms < 60_000:
        return f"{ms // 1000} s" if ms % 1000 == 0 else f"{ms / 1000:.3f} s"
    seconds = ms // 1000
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


def _write_header(lines: list[str]) -> None:
    try:
        sys.stderr.write("".join(line + "\n" for line in lines))
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):  # stderr gone: the lines still go to stdout
        pass
