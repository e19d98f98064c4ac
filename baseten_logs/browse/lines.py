"""What `browse` has loaded: the lines in time order, capped, and the view of them that the
filters keep.

Kept apart from the screen so that the rules (the cap, the filters' meaning, what a line shows)
are plain functions a test can check without a terminal. The filters mean what `get`'s do: a
line's level is `levels.effective_level` (the level the text output shows), the search is
`--grep`'s (reading/filtering: RE2, the API's engine, searched in the message).
"""

from __future__ import annotations

import bisect
from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from baseten_logs.base.levels import LEVELS, effective_level
from baseten_logs.base.timestamps import record_ms
from baseten_logs.reading.filtering import Matcher, matcher
from baseten_logs.reading.query import Filters, build_filters

Record = Mapping[str, Any]

DEFAULT_MAX_LINES = 100_000  # ~100 MB at a kilobyte a line: a day of a busy deployment's tail
UNLEVELLED = "none"  # the toggle of lines that show no level
MINUTE_MS = 60_000


@dataclass
class LevelToggles:
    """Which levels are shown: a key each. With all four on, every line shows (as `get` with no
    --level, which shows lines without a level too); with any off, a line without a level is
    hidden, as `get --level` hides it."""

    shown: set[str] = field(default_factory=lambda: set(LEVELS))

    @classmethod
    def at_least(cls, min_level: str | None) -> LevelToggles:
        """The toggles `get --level L` stands for: L and the levels above it."""
        if min_level is None:
            return cls()
        return cls(set(LEVELS[LEVELS.index(min_level) :]))

    def toggle(self, level: str) -> None:
        self.shown ^= {level}

    @property
    def everything(self) -> bool:
        return len(self.shown) == len(LEVELS)

    def levels(self) -> frozenset[str | None] | None:
        """The levels a line may show to be kept (None: every line, levelled or not)."""
        return None if self.everything else frozenset(self.shown)

    def keeps(self, record: Record) -> bool:
        wanted = self.levels()
        return wanted is None or effective_level(record) in wanted


@dataclass
class ViewFilter:
    """The level toggles and the search, as what LoadedLines.refilter takes.

    The search keeps only the lines it finds, as --grep does; with `only_matches` off (`&`)
    every line shows and the matches are only highlighted, for n and N to jump between."""

    levels: LevelToggles = field(default_factory=LevelToggles)
    search: str = ""  # a --grep pattern; "" is none
    only_matches: bool = True

    def finds(self) -> Matcher | None:
        """The search as a predicate (None: no search). Raises UsageError (naming --grep) for a
        pattern RE2 refuses."""
        return matcher(searching(self.search)) if self.search else None

    def keeping(self) -> Keeping:
        """What the view keeps. Raises UsageError (naming --grep) for a pattern RE2 refuses."""
        return Keeping(self.levels.levels(), self.finds() if self.only_matches else None)

    def predicate(self) -> Matcher:
        """The same as one predicate on a record."""
        return self.keeping().predicate()


@dataclass(frozen=True)
class Keeping:
    """A view's filter: the levels shown (None: all, unlevelled lines too) and a search (None:
    none). Levels are compared with each line's level, worked out once when it is loaded."""

    levels: frozenset[str | None] | None = None
    search: Matcher | None = None

    def predicate(self) -> Matcher:
        levels, search = self.levels, self.search
        return lambda record: (
            (levels is None or effective_level(record) in levels)
            and (search is None or search(record))
        )

    def predicate_of_level(self) -> Callable[[Record, str | None], bool]:
        """The same on a line whose level is already worked out (as lines are loaded)."""
        levels, search = self.levels, self.search
        return lambda record, level: (
            (levels is None or level in levels) and (search is None or search(record))
        )


def searching(pattern: str) -> Filters:
    """`--grep PATTERN`'s filters: checked as the flag checks it (RE2 syntax, no look-around)."""
    return build_filters(grep=pattern)


class LoadedLines:
    """The lines loaded, oldest first, at most `max_lines`, and the positions of those the
    filter keeps. Newer lines come at the end (`add`), older ones at the front (`prepend`, when
    the view scrolls back); past the cap the lines at the other end go: the oldest while new
    ones come, the newest while older ones do (then newer lines are refused until `clear`: a
    hole in the middle would read as lines that never were).

    Positions are absolute (the n-th line from where loading began, older ones negative), so a
    view's positions stay valid while lines come and go at either end: line n is `self[n]` as
    long as `first <= n < first + len(self)`. Lines and errors are counted per minute as they
    come and go, for the strip (browse/strip.py), so drawing it never walks the lines."""

    def __init__(self, *, max_lines: int = DEFAULT_MAX_LINES) -> None:
        self.max_lines = max_lines
        self._keeping = Keeping()
        self.clear()

    def clear(self) -> None:
        """Nothing loaded (End after the newest were dropped: the newest are read anew)."""
        self._lines: deque[Record] = deque()
        self._levels: deque[str | None] = deque()  # each line's level, worked out once
        self._ms: deque[int | None] = deque()  # each line's millisecond, read once
        self.first = 0  # the absolute position of the oldest line held
        self.dropped = 0  # oldest lines let go to keep within max_lines
        self.dropped_newest = 0  # newest lines let go to hold older ones; newer ones refused
        self.visible: list[int] = []  # absolute positions the filter keeps, ascending
        self.per_minute: Counter[int] = Counter()  # lines per minute (its start, in ms)
        self.errors_per_minute: Counter[int] = Counter()

    def __len__(self) -> int:
        return len(self._lines)

    def __getitem__(self, position: int) -> Record:
        return self._lines[position - self.first]

    def records(self) -> list[Record]:
        """Every line held, oldest first (what `s` saves)."""
        return list(self._lines)

    def ms_at(self, position: int) -> int | None:
        """The millisecond of the line at `position` (None: it has no readable time)."""
        return self._ms[position - self.first]

    def add(self, records: Sequence[Record], *, keep_oldest: bool = False) -> int:
        """Append lines; how many of them the filter keeps. Past the cap the oldest go, or,
        with `keep_oldest` (the reader is among the oldest), the new lines past it are refused
        as dropped newest. Refused (0) once the newest were dropped: these would not join
        what is held."""
        if self.dropped_newest:
            return 0
        if keep_oldest and len(self._lines) + len(records) > self.max_lines:
            room = max(0, self.max_lines - len(self._lines))
            self.dropped_newest += len(records) - room
            records = records[:room]
        keeps = self._keeping.predicate_of_level()
        kept = 0
        for record in records:
            position = self.first + len(self._lines)
            level = effective_level(record)
            self._hold(record, level, at_end=True)
            if keeps(record, level):
                self.visible.append(position)
                kept += 1
        self._drop_oldest()
        return kept

    def prepend(self, records: Sequence[Record]) -> int:
        """Older lines (oldest first) put before the oldest held; how many the filter keeps.
        Past the cap the newest go (the reader is among the oldest)."""
        keeps = self._keeping.predicate_of_level()
        kept: list[int] = []
        start = self.first - len(records)
        for offset, record in enumerate(records):
            level = effective_level(record)
            if keeps(record, level):
                kept.append(start + offset)
        for record in reversed(records):
            self._hold(record, effective_level(record), at_end=False)
        self.first = start
        self.visible[:0] = kept
        self._drop_newest()
        return len(kept)

    def _hold(self, record: Record, level: str | None, *, at_end: bool) -> None:
        ms = record_ms(record)
        if at_end:
            self._lines.append(record)
            self._levels.append(level)
            self._ms.append(ms)
        else:
            self._lines.appendleft(record)
            self._levels.appendleft(level)
            self._ms.appendleft(ms)
        self._count(ms, level, 1)

    def _count(self, ms: int | None, level: str | None, step: int) -> None:
        if ms is None:
            return
        minute = ms - ms % MINUTE_MS
        self.per_minute[minute] += step
        if level == "ERROR":
            self.errors_per_minute[minute] += step
        if step < 0:
            for counter in (self.per_minute, self.errors_per_minute):
                if counter.get(minute, 1) <= 0:
                    del counter[minute]

    def _drop_oldest(self) -> None:
        excess = len(self._lines) - self.max_lines
        if excess <= 0:
            return
        for _ in range(excess):
            self._lines.popleft()
            self._count(self._ms.popleft(), self._levels.popleft(), -1)
        self.first += excess
        self.dropped += excess
        cut = bisect.bisect_left(self.visible, self.first)
        if cut:
            del self.visible[:cut]

    def forget_before(self, position: int) -> None:
        """The lines before `position` let go, not counted as dropped: they are read again with
        a wider filter (browse/server_filter's holes)."""
        dropped, cap = self.dropped, self.max_lines
        self.max_lines = self.first + len(self._lines) - position
        self._drop_oldest()
        self.dropped, self.max_lines = dropped, cap

    def _drop_newest(self) -> None:
        excess = len(self._lines) - self.max_lines
        if excess <= 0:
            return
        for _ in range(excess):
            self._lines.pop()
            self._count(self._ms.pop(), self._levels.pop(), -1)
        self.dropped_newest += excess
        end = self.first + len(self._lines)
        del self.visible[bisect.bisect_left(self.visible, end) :]

    def refilter(self, keeping: Keeping) -> None:
        """Apply a new filter to every line held: the levels by the levels worked out when the
        lines came (a set look-up each), the search only on the lines of those levels."""
        self._keeping = keeping
        self.visible = kept_positions(self.first, self._lines, self._levels, keeping)

    def held(self) -> tuple[int, list[Record], list[str | None]]:
        """The lines held as they are now (the first's position, the lines, their levels): a
        copy a search off the UI thread reads while lines keep coming (browse/search_worker)."""
        return self.first, list(self._lines), list(self._levels)

    def adopt(self, keeping: Keeping, first: int, count: int, visible: list[int]) -> None:
        """A filter worked out off the UI thread over the `count` lines held from `first`:
        the lines dropped since are cut, those added since are filtered here."""
        self._keeping = keeping
        end = self.first + len(self._lines)
        keep = keeping.predicate()
        since = [p for p in range(max(first + count, self.first), end) if keep(self[p])]
        self.visible = visible[bisect.bisect_left(visible, self.first) :] + since

    def row_of(self, position: int) -> int:
        """The row in the view of the nearest kept line at or before `position` (0 if none)."""
        return max(0, bisect.bisect_right(self.visible, position) - 1)

    def row_at_time(self, ms: int) -> int:
        """The row of the first kept line at or after `ms` (lines are held in time order; one
        without a time is taken as one at or after `ms`), the last row if none is."""
        visible = self.visible
        low, high = 0, len(visible)
        while low < high:  # bisect by time (bisect's key= is Python 3.10's; this reads as one)
            middle = (low + high) // 2
            at = self.ms_at(visible[middle])
            if at is not None and at < ms:
                low = middle + 1
            else:
                high = middle
        return min(low, max(0, len(visible) - 1))


def kept_positions(
    first: int, records: Sequence[Record], levels: Sequence[str | None], keeping: Keeping
) -> list[int]:
    """The positions (from `first`) of the lines `keeping` keeps, each line's level given."""
    levels_kept, search = keeping.levels, keeping.search
    pairs = enumerate(zip(records, levels, strict=True))  # a deque is read in order
    if search is None:
        if levels_kept is None:
            return list(range(first, first + len(records)))
        return [first + i for i, (_, level) in pairs if level in levels_kept]
    if levels_kept is None:
        return [first + i for i, (record, _) in pairs if search(record)]
    return [first + i for i, (record, level) in pairs if level in levels_kept and search(record)]


def next_row(rows: Sequence[int], current: int, matches: Callable[[int], bool], step: int) -> int:
    """The next row after (step 1) or before (step -1) `current` whose line `matches`, or
    `current` when there is none (n and N at the last match stay put)."""
    row = current + step
    while 0 <= row < len(rows):
        if matches(rows[row]):
            return row
        row += step
    return current


MAX_SPANS = 100  # highlights in one shown line: a row is a screen wide


def finder(pattern: str) -> Callable[[str], list[tuple[int, int]]]:
    """Where `pattern` is found in a text (start, end), to highlight it: the --grep pattern, by
    RE2 as the search itself (the pattern was checked when the search was built)."""
    import re2  # type: ignore[import-untyped]  # google-re2 ships no type hints

    options = re2.Options()
    options.log_errors = False
    compiled = re2.compile(pattern, options)

    def spans(text: str) -> list[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        for match in compiled.finditer(text):
            start, end = match.span()
            if end > start:
                found.append((start, end))
            if len(found) >= MAX_SPANS:
                break
        return found

    return spans
