"""`baseten-logs request REQUEST_ID MODEL [DEPLOYMENT]`: one request's lines, with no window given.

The search and the merging are request.py's; this renders them as `get` does (same renderers,
--save, --summary, --fail-on), with a header on a terminal's stderr and context lines marked.
With `--chain`, the chain deployment and its chainlets are asked of the API first (chains.py),
on the same connection, and each chainlet is one more source.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from baseten_logs.access.config import Credentials
from baseten_logs.api.client import ApiClient, RetryPolicy
from baseten_logs.api.page import Record
from baseten_logs.base.errors import ExitStatus
from baseten_logs.base.levels import LEVELS
from baseten_logs.base.timeparse import UTC, Zone, format_in_zone
from baseten_logs.base.timestamps import record_ns
from baseten_logs.cli import interrupts
from baseten_logs.cli.sinks import close_all, extra_sinks, screen_sink, write_all
from baseten_logs.output import messages
from baseten_logs.output.inert import inert
from baseten_logs.output.layout import LayoutFlags
from baseten_logs.output.pipes import stdout_guard
from baseten_logs.output.terminal import shows_fetch_progress
from baseten_logs.reading.events import EventReader, merge_timed
from baseten_logs.reading.fetch import open_client, page_fetcher
from baseten_logs.reading.outcome import Extras, end_run, outcome, warn_gap
from baseten_logs.reading.pager import FetchPage
from baseten_logs.reading.progress import FetchProgress
from baseten_logs.reading.query import LogQuery
from baseten_logs.reading.request import (
    RequestSource,
    Story,
    StoryLine,
    chain_sources,
    find_request,
    marked_context,
    story_pages,
)
from baseten_logs.sources.cache import Cache
from baseten_logs.sources.chains import resolve_chain


@dataclass(frozen=True)
class ChainScope:
    """`--chain`: the chain, its deployment or environment and the chainlets, as typed (checked
    by chains.check_chain_input); which they are is asked of the API."""

    chain: str
    deployment: str | None = None
    environment: str | None = None
    chainlets: Sequence[str] = ()
    cache: Cache | None = None  # keeps a chain name's id for the next run


def run_request(
    *,
    request_id: str,
    sources: Sequence[RequestSource] = (),
    chain: ChainScope | None = None,  # instead of sources: every chainlet of a chain deployment
    since_ms: int,
    until_ms: int,
    context_ms: int | None,
    credentials: Credentials,
    output: str,  # already checked against render.OUTPUT_FORMATS / COLOR_MODES
    color: str,
    zone: Zone | None,
    header: bool,  # on a terminal's stderr, and not -q
    verbose: bool = False,
    attempts: int = RetryPolicy.attempts,
    extras: Extras | None = None,
    events: bool = False,  # --events: its replicas' start-ups among its lines
    timestamps: bool = True,
    layout: LayoutFlags | None = None,  # --prefix, --no-wrap, --message-only, --verbatim
) -> ExitStatus:
    extras = extras or Extras()
    shown = _SHOWN.get(output, StoryLine.as_json)
    # Everything but the screen gets the JSON form: --save is an artefact `view` reads back.
    others, tally = extra_sinks(extras, zone)

    gaps: list[int] = []

    def on_gap(ms: int) -> None:
        gaps.append(ms)
        warn_gap(ms, narrowing=False)  # a request's own lines: no filter thins them

    log = messages.info if verbose else None
    requests = 0
    completed = False
    try:
        with open_client(credentials, log=log, retry=RetryPolicy(attempts=attempts)) as client:
            progress = search_progress(until_ms - since_ms + 1, verbose=verbose)
            try:

                def fetch_for(query: LogQuery) -> FetchPage:
                    fetch = page_fetcher(client, query)
                    return fetch if progress is None else progress.wrap(fetch)

                where = None
                if chain is not None:
                    target = resolve_chain(
                        client,
                        chain.chain,
                        deployment=chain.deployment,
                        environment=chain.environment,
                        chainlets=chain.chainlets,
                        cache=chain.cache,
                    )
                    sources, where = chain_sources(target), f"chain {target.label}"
                    if verbose:
                        names = ", ".join(c.name for c in target.chainlets)
                        messages.info(f"{target.label}: chainlets {names}")
                if progress is not None:  # every source's window is searched
                    progress.extend((until_ms - since_ms + 1) * (len(sources) - 1))
                try:
                    story = find_request(
                        fetch_for,
                        request_id=request_id,
                        sources=sources,
                        since_ms=since_ms,
                        until_ms=until_ms,
                        on_gap=on_gap,
                        where=where,
                    )
                finally:
                    if progress is not None:
                        progress.stop()
                        progress = None  # context lines come as the lines are written
                # A chain's lines: a column of chainlet names as wide as `chain` makes it.
                width = max((len(s.chainlet or "") for s in story.searched), default=0)
                screen = screen_sink(
                    output,
                    color,
                    zone,
                    label_width=width,
                    layout=layout,
                    timestamps=timestamps,
                )
                if header:
                    _write_header(describe(story, zone=zone, context_ms=context_ms))
                if context_ms is not None and not story.replicas():
                    messages.warn("no line of the request names its replica: no context to add")
                pages: Iterable[Sequence[StoryLine | Record]]
                pages = story_pages(fetch_for, story, context_ms=context_ms, on_gap=on_gap)
                if events:
                    pages = _with_events(client, story, pages, context_ms or 0)
                with stdout_guard():
                    try:
                        for page in pages:
                            # One page to the screen and the others alike, whole (see write_all).
                            with interrupts.deferred():
                                write_all([screen], [_as(shown, line) for line in page])
                                if others:
                                    write_all(
                                        others, [_as(StoryLine.as_json, line) for line in page]
                                    )
                    finally:
                        # On failure or Ctrl-C too: -o json closes its array, -o github its groups.
                        close_all([screen, *others])
            finally:
                requests = client.requests_made
        completed = True
    finally:
        end_run(extras, tally, completed=completed, requests=requests, verbose=verbose)
    return outcome(extras, tally, gaps)


def _with_events(
    client: ApiClient, story: Story, pages: Iterable[list[StoryLine]], margin_ms: int
) -> Iterator[list[StoryLine | Record]]:
    """The story's pages with the start-ups of its replicas (from its first line, or its
    context's, to its last) among them (reading/events.py)."""
    replicas = [replica for _, replica in story.replicas()]
    reader = EventReader(
        client,
        lambda: [s.logs.path if s.logs is not None else s.path for s in story.searched],
        replicas=replicas,
        warn=messages.warn,
    )
    since_ms = story.first_ns // 1_000_000 - margin_ms
    until_ms = story.last_ns // 1_000_000 + margin_ms
    found = reader.window(since_ms, until_ms) if replicas else []
    return merge_timed(pages, lambda: found, lambda line: record_ns(line.record))


def _as(show: Callable[[StoryLine], Record], line: StoryLine | Record) -> Record:
    """A story line as this output shows it; a start-up event as it is."""
    return show(line) if isinstance(line, StoryLine) else line


def search_progress(window_ms: int, *, verbose: bool) -> FetchProgress | None:
    """The search's progress line (a week's scan for an id can take seconds in one request),
    on the terms of `get`'s: stderr a terminal, stdout a terminal or a file, and not -v."""
    if verbose or not shows_fetch_progress(sys.stdout, sys.stderr, os.environ):
        return None
    return FetchProgress(messages.StatusLine(enabled=True), window_ms=window_ms).start()


def _marked(line: StoryLine) -> Record:
    """A context line for text output: the mark before its message, its level as it was (the
    same marking `view` gives a saved context line)."""
    return marked_context(line.as_json()) if line.context else line.record


def _unchanged(line: StoryLine) -> Record:
    return line.record


# What each output format shows of a line; the JSON formats take StoryLine.as_json.
_SHOWN: dict[str, Callable[[StoryLine], Record]] = {
    "text": _marked,
    "github": _marked,
    "raw": _unchanged,  # messages exactly as logged: -o jsonl tells context apart
}


def describe(
    story: Story, *, context_ms: int | None, zone: Zone | None = None, utc: bool = False
) -> list[str]:
    """The header: the request, when it ran and for how long, its lines per level, its replicas
    (times in `zone`, marked, as the lines show them; `utc` is `zone=UTC`)."""
    first_ns, last_ns = story.first_ns, story.last_ns
    shown_zone = UTC if utc else zone
    first, last = _clock(first_ns, shown_zone), _clock(last_ns, shown_zone)
    if last[:10] == first[:10]:
        last = last[11:]  # the same day: the time alone
    counts = story.counts
    where = story.where or ", ".join(source.label for source in counts.per_source)
    levels = counts.levels
    shown = [f"{levels[level]} {level}" for level in reversed(LEVELS) if levels[level]]
    if levels[None]:
        shown.append(f"{levels[None]} without a level")
    lines = [
        f"request {story.request_id} in {where}",
        f"  from {first} to {last} ({_duration((last_ns - first_ns) // 1_000_000)})",
        f"  {_lines(counts.lines)}: {', '.join(shown)}",
        *_chainlets(story),
        f"  {_replicas(story)}",
    ]
    if context_ms is not None:
        margin = _duration(context_ms)
        lines.append(f"  and as context, its replicas' untagged lines {margin} around it")
    return [inert(line) for line in lines]


def _chainlets(story: Story) -> list[str]:
    """For a chain: the chainlets the request reached, of those searched, with their lines."""
    searched = [source for source in story.searched if source.chainlet is not None]
    if not searched:
        return []
    per_source = story.counts.per_source
    reached = [f"{s.label} ({_lines(per_source[s])})" for s in searched if s in per_source]
    of = f" of {len(searched)}" if len(reached) < len(searched) else ""
    return [
        f"  {len(reached)}{of} chainlet{'' if len(searched) == 1 else 's'}: {', '.join(reached)}"
    ]


def _replicas(story: Story) -> str:
    per_replica = story.counts.per_replica
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


def _clock(ns: int, zone: Zone | None) -> str:
    """`2026-11-27 10:00:01.112` in local time (or the zone chosen, marked: `Z`, `+01:00`), as
    the text lines show it."""
    if zone is not None:
        return format_in_zone(ns // 1_000_000, zone)
    seconds, rest = divmod(ns, 1_000_000_000)
    moment = time.localtime(seconds)
    return time.strftime("%Y-%m-%d %H:%M:%S", moment) + f".{rest // 1_000_000:03d}"


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
