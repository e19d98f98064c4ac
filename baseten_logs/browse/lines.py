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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import compress
from typing import Any

from baseten_logs.base.levels import LEVELS, effective_level
from baseten_logs.base.timestamps import record_ms
from baseten_logs.browse.grep import Grep, searched_text
from baseten_logs.reading.filtering import Matcher, matcher
from baseten_logs.reading.query import Filters, build_filters

Record = Mapping[str, Any]

DEFAULT_MAX_LINES = 100_000  # ~100 MB at a kilobyte a line: a day of a busy deployment's tail
UNLEVELLED = "none"  # the toggle of lines that show no level
MINUTE_MS = 60_000
# Each line's level as one byte (0: none), so a toggle reads a bytearray, not 100,000 strings.
LEVEL_CODES: tuple[str | None, ...] = (None, *LEVELS)
CODE_OF: dict[str | None, int] = {level: code for code, level in enumerate(LEVEL_CODES)}
ERROR_CODE = CODE_OF["ERROR"]


def level_table(levels: frozenset[str | None]) -> bytes:
    """A `bytes.translate` table: a line's level code to 1 if `levels` holds it, else 0."""
    return bytes(1 if code < len(LEVEL_CODES) and LEVEL_CODES[code] in levels else 0
                 for code in range(256))  # fmt: skip


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
        grep = Grep.of(self.search) if self.search and self.only_matches else None
        return Keeping(self.levels.levels(), grep=grep)

    def predicate(self) -> Matcher:
        """The same as one predicate on a record."""
        return self.keeping().predicate()


@dataclass(frozen=True)
class Keeping:
    """A view's filter: the levels shown (None: all, unlevelled lines too), the --grep search
    (None: none) and any other predicate on a line (None: none; the pickers narrow by it).
    Levels are compared with each line's level, worked out once when it is loaded; the search
    runs over the messages of many lines at once (browse/grep)."""

    levels: frozenset[str | None] | None = None
    search: Matcher | None = None
    grep: Grep | None = None

    def predicate(self) -> Matcher:
        test = self.predicate_of_level()
        return lambda record: test(record, effective_level(record))

    def predicate_of_level(self) -> Callable[[Record, str | None], bool]:
        """The same on a line whose level is already worked out (as lines are loaded)."""
        levels, search = self.levels, self.search
        grep = None if self.grep is None else self.grep.finds
        return lambda record, level: (
            (levels is None or level in levels)
            and (grep is None or grep(record))
            and (search is None or search(record))
        )

    @property
    def reads_lines(self) -> bool:
        """Whether it reads more than each line's level (a search: worth a worker thread)."""
        return self.search is not None or self.grep is not None


def searching(pattern: str) -> Filters:
    """`--grep PATTERN`'s filters: checked as the flag checks it (RE2 syntax, no look-around)."""
    return build_filters(grep=pattern)


@dataclass(frozen=True)
class Held:
    """A copy of the lines held (from position `first`): what a search off the UI thread reads
    while lines keep coming (browse/search_worker)."""

    first: int
    records: list[Record]
    texts: list[str]  # each line's searched text (browse/grep.searched_text)
    codes: bytes  # each line's level code (LEVEL_CODES)

    def __len__(self) -> int:
        return len(self.codes)

    def part(self, start: int, end: int) -> Held:
        """Lines `start` to `end` (indexes into this copy)."""
        records, texts = self.records[start:end], self.texts[start:end]
        return Held(self.first + start, records, texts, self.codes[start:end])


class LoadedLines:
    """The lines loaded, oldest first, at most `max_lines`, and the positions of those the
    filter keeps. Newer lines come at the end (`add`), older ones at the front (`prepend`, when
    the view scrolls back); past the cap the lines at the other end go: the oldest while new
    ones come, the newest while older ones do (then newer lines are refused until `clear`: a
    hole in the middle would read as lines that never were).

    Positions are absolute (the n-th line from where loading began, older ones negative), so a
    view's positions stay valid while lines come and go at either end: line n is `self[n]` as
    long as `first <= n < first + len(self)`. Lines and errors are counted per minute as they
    come and go, for the strip (browse/strip.py), so drawing it never walks the lines. Each
    line's level (a byte) and searched text are worked out once as it comes, so a filter
    applied anew reads them instead of the records (kept_positions)."""

    def __init__(self, *, max_lines: int = DEFAULT_MAX_LINES) -> None:
        self.max_lines = max_lines
        self._keeping = Keeping()
        self.clear()

    def clear(self) -> None:
        """Nothing loaded (End after the newest were dropped: the newest are read anew)."""
        self._lines: deque[Record] = deque()
        self._codes = bytearray()  # each line's level code (LEVEL_CODES), worked out once
        self._texts: deque[str] = deque()  # each line's searched text, worked out once
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

    def level_at(self, position: int) -> str | None:
        """The level the line at `position` shows (levels.effective_level, worked out once)."""
        return LEVEL_CODES[self._codes[position - self.first]]

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
        held = self._worked_out(self.first + len(self._lines), records, at_end=True)
        self._lines.extend(held.records)
        self._texts.extend(held.texts)
        self._codes += held.codes
        kept = kept_positions(held, self._keeping)
        self.visible += kept
        self._drop_oldest()
        return len(kept)

    def prepend(self, records: Sequence[Record]) -> int:
        """Older lines (oldest first) put before the oldest held; how many the filter keeps.
        Past the cap the newest go (the reader is among the oldest)."""
        held = self._worked_out(self.first - len(records), records, at_end=False)
        self._lines.extendleft(reversed(held.records))
        self._texts.extendleft(reversed(held.texts))
        self._codes[:0] = held.codes
        self.first = held.first
        kept = kept_positions(held, self._keeping)
        self.visible[:0] = kept
        self._drop_newest()
        return len(kept)

    def _worked_out(self, first: int, records: Sequence[Record], *, at_end: bool) -> Held:
        """New lines' levels, texts and milliseconds, worked out once; counted per minute (the
        milliseconds are held here, at the end they join)."""
        codes = bytes(CODE_OF[effective_level(record)] for record in records)
        stamps = [record_ms(record) for record in records]
        for ms, code in zip(stamps, codes, strict=True):
            self._count(ms, code, 1)
        if at_end:
            self._ms.extend(stamps)
        else:
            self._ms.extendleft(reversed(stamps))
        return Held(first, list(records), [searched_text(r) for r in records], codes)

    def _count(self, ms: int | None, code: int, step: int) -> None:
        if ms is None:
            return
        minute = ms - ms % MINUTE_MS
        self.per_minute[minute] += step
        if code == ERROR_CODE:
            self.errors_per_minute[minute] += step
        if step < 0:
            for counter in (self.per_minute, self.errors_per_minute):
                if counter.get(minute, 1) <= 0:
                    del counter[minute]

    def _drop_oldest(self) -> None:
        excess = len(self._lines) - self.max_lines
        if excess <= 0:
            return
        for code in self._codes[:excess]:
            self._lines.popleft()
            self._texts.popleft()
            self._count(self._ms.popleft(), code, -1)
        del self._codes[:excess]
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
        for code in reversed(self._codes[-excess:]):
            self._lines.pop()
            self._texts.pop()
            self._count(self._ms.pop(), code, -1)
        del self._codes[-excess:]
        self.dropped_newest += excess
        end = self.first + len(self._lines)
        del self.visible[bisect.bisect_left(self.visible, end) :]

    def refilter(self, keeping: Keeping) -> None:
        """Apply a new filter to every line held: the levels by the codes worked out when the
        lines came, the search only on the lines of those levels."""
        self._keeping = keeping
        self.visible = kept_positions(self.held(keeping), keeping)

    def held(self, keeping: Keeping | None = None) -> Held:
        """The lines held as they are now: a copy a search off the UI thread reads while lines
        keep coming (browse/search_worker). Only what `keeping` reads is copied (None: all)."""
        records = [] if keeping is not None and keeping.search is None else list(self._lines)
        texts = [] if keeping is not None and keeping.grep is None else list(self._texts)
        return Held(self.first, records, texts, bytes(self._codes))

    def adopt(self, keeping: Keeping, first: int, count: int, visible: list[int]) -> None:
        """A filter worked out off the UI thread over the `count` lines held from `first`:
        the lines dropped since are cut, those added since are filtered here."""
        self._keeping = keeping
        start = max(first + count, self.first) - self.first
        newer = range(start - len(self._lines), 0)  # from the newest end: a deque's quick one
        since = Held(
            self.first + start,
            [self._lines[i] for i in newer],
            [self._texts[i] for i in newer],
            bytes(self._codes[start:]),
        )
        cut = bisect.bisect_left(visible, self.first)
        self.visible = visible[cut:] if cut else visible
        self.visible += kept_positions(since, keeping)

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


def kept_positions(held: Held, keeping: Keeping) -> list[int]:
    """The positions of the lines of `held` that `keeping` keeps: the levels by a translate of
    the codes (C speed), then the search over the texts of those (browse/grep), then any
    other predicate over the records left."""
    count, first = len(held), held.first
    mask = None if keeping.levels is None else held.codes.translate(level_table(keeping.levels))
    if not keeping.reads_lines:  # the levels alone: no Python-level step per line
        positions = range(first, first + count)
        return list(positions) if mask is None else list(compress(positions, mask))
    rows: Iterable[int]
    if keeping.grep is not None:
        rows = keeping.grep.rows(held.texts, mask)
    else:
        rows = range(count) if mask is None else compress(range(count), mask)
    if keeping.search is not None:
        search, records = keeping.search, held.records
        rows = [i for i in rows if search(records[i])]
    return list(map(first.__add__, rows))


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
