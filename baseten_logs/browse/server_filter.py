"""`browse`'s filter said to the API where it can be: what a look back asks, and the holes that
asking leaves.

The follower reads every line (toggles on new lines stay instant, nothing is asked anew), but a
look back past the oldest line loaded asks the API only for what the view shows, so that `e`
over a busy day reaches a page of older errors in one look instead of reading every line before
them. What the view's filter says to the API (`ServerAsk`), with `get`'s meaning of each flag:

- the level toggles: `min_level` = the lowest level shown, when any is hidden (`get --level`:
  that level and above; the toggles above it are applied here as ever, and a line with no level
  is hidden by both);
- a kept search (Enter, or Esc after typing) that only keeps the lines found: `search_pattern`,
  sent as `get --grep` sends it, when the API can take it (checked as the flag is: RE2 without
  look-around, at most 256 characters); one still being typed, or one only highlighted (`&`),
  stays local;
- exactly one replica picked: `replica` (several are several queries: local).
Chainlet picks and anything an endpoint lacks (a training job takes only `min_level`) stay local.

Lines read with a narrower filter than the view now shows are not the whole story of their span:
`Reads` knows the positions read by each look and what it asked, and `hole` names the newest
span the view's filter is wider than, for a marker (and `g`, which reads it again, wider).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from baseten_logs.base.errors import BasetenLogsError
from baseten_logs.base.levels import LEVELS
from baseten_logs.base.timeparse import format_ms
from baseten_logs.browse.lines import LoadedLines, ViewFilter
from baseten_logs.browse.picker import Picks
from baseten_logs.output.inert import inert
from baseten_logs.reading.feed import Feed
from baseten_logs.reading.query import MAX_VALUE_LENGTH, Filters, build_filters
from baseten_logs.reading.run import Run

__all__ = ["Hole", "Reads", "ServerAsk", "api_takes", "ask_of", "asking", "fitted"]


@dataclass(frozen=True)
class ServerAsk:
    """The filters a look back sends (None each: not sent)."""

    min_level: str | None = None
    search: str | None = None
    replica: str | None = None

    def covers(self, wanted: ServerAsk) -> bool:
        """Whether lines read with this ask hold every line `wanted` would bring (then a view
        asking `wanted` sees the whole story of what this read)."""
        level_ok = self.min_level is None or (
            wanted.min_level is not None
            and LEVELS.index(wanted.min_level) >= LEVELS.index(self.min_level)
        )
        search_ok = self.search is None or self.search == wanted.search
        replica_ok = self.replica is None or self.replica == wanted.replica
        return level_ok and search_ok and replica_ok

    def onto(self, filters: Filters) -> Filters:
        """`filters` with this ask's set (a source's own filters kept)."""
        return replace(
            filters,
            min_level=self.min_level or filters.min_level,
            search_pattern=self.search or filters.search_pattern,
            replica=self.replica or filters.replica,
            replicas=() if self.replica else filters.replicas,
        )

    def flags(self) -> str:
        """The ask as `get`'s flags, for the marker ("--level error --grep 'x'")."""
        said = []
        if self.min_level is not None:
            said.append(f"--level {self.min_level.lower()}")
        if self.search is not None:
            said.append(f"--grep '{inert(self.search)[:40]}'")
        if self.replica is not None:
            said.append(f"--replica {inert(self.replica)[:20]}")
        return " ".join(said) or "no filter"


EVERYTHING = ServerAsk()


def api_takes(pattern: str) -> bool:
    """Whether `search_pattern` can carry `pattern` as `get --grep` sends it: the flag's own
    checks (RE2 syntax without look-around, at most 256 characters)."""
    if not pattern or len(pattern) > MAX_VALUE_LENGTH:
        return False
    try:
        build_filters(grep=pattern)
    except BasetenLogsError:
        return False
    return True


def ask_of(view_filter: ViewFilter, picks: Picks, *, kept_search: bool = True) -> ServerAsk:
    """What of the view's filter the API can apply (see the module's docstring)."""
    shown = view_filter.levels.shown
    min_level = None
    if shown and not view_filter.levels.everything:
        min_level = next(level for level in LEVELS if level in shown)
    search = view_filter.search
    sent = kept_search and view_filter.only_matches and api_takes(search)
    replica = next(iter(picks.replica)) if picks.replica and len(picks.replica) == 1 else None
    return ServerAsk(min_level, search if sent else None, replica)


def fitted(ask: ServerAsk, feed: Feed) -> ServerAsk:
    """What of `ask` the feed's endpoints take: a source with its own reader (cursor pages)
    nothing; one with filters applied locally (a training job's) only `min_level`."""
    if any(part.fetcher is not None for part in feed.parts):
        return EVERYTHING
    if feed.local is not None or not feed.by_replica:
        return ServerAsk(min_level=ask.min_level)
    return ask


def asking(run: Run, ask: ServerAsk) -> Run:
    """The run with `ask` sent by each of its sources (the window's filters named too)."""
    if ask == EVERYTHING:
        return run
    parts = tuple(
        replace(part, query=replace(part.query, filters=ask.onto(part.query.filters)))
        for part in run.feed.parts
    )
    window = replace(run.window, filters=ask.onto(run.window.filters))
    return replace(run, feed=replace(run.feed, parts=parts), window=window)


@dataclass(frozen=True)
class Span:
    """The lines one look back put in: absolute positions [start, end), and what it asked."""

    start: int
    end: int
    ask: ServerAsk


@dataclass(frozen=True)
class Hole:
    """The newest span read with a narrower filter than the view's: the lines before `edge`
    (an absolute position) are not the whole story; `edge_ms` its time, `ask` what it asked."""

    edge: int
    edge_ms: int | None
    ask: ServerAsk

    def words(self) -> str:
        when = "the marked line" if self.edge_ms is None else format_ms(self.edge_ms)
        return (
            f"lines before {when} were read with {self.ask.flags()}: "
            "g reads them with the view's filter"
        )


@dataclass
class Reads:
    """The spans read back, newest first (the opening and the follower read everything)."""

    spans: list[Span] = field(default_factory=list)

    def clear(self) -> None:
        self.spans.clear()

    def add(self, start: int, end: int, ask: ServerAsk) -> None:
        """A look back put in positions [start, end) asking `ask`."""
        if start < end and ask != EVERYTHING:
            self.spans.append(Span(start, end, ask))

    def hole(self, lines: LoadedLines, wanted: ServerAsk) -> Hole | None:
        """The newest span still held whose ask does not cover `wanted` (None: none)."""
        for span in self.spans:
            if span.end <= lines.first:
                return None  # this and the older ones were let go past the cap
            if not span.ask.covers(wanted):
                end = lines.first + len(lines)
                edge_ms = lines.ms_at(span.end) if span.end < end else None
                return Hole(span.end, edge_ms, span.ask)
        return None

    def forget_before(self, edge: int) -> None:
        """The spans before `edge` let go (read again with the view's filter)."""
        self.spans = [span for span in self.spans if span.start >= edge]
