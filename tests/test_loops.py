"""Every loop that asks the API ends: `-n N --level L` against honest and adversarial servers.

Issue #22: `get MODEL --level error -n 1` paged one line at a time and looped for ever (92
requests a second), because the level merge walked its second query with the caller's `limit`
of 1 and took the seam from lines outside the asked window. These tests drive the same
composition `fetch.page_fetcher` builds (the API's `min_level` query merged with the unlevelled
lines detected locally, under the Pager) against servers that do what the docs leave open and
servers that misbehave, and count the requests each run costs.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from baseten_logs.api.page import Record
from baseten_logs.base.levels import LEVEL_RANK, LEVELS, effective_level
from baseten_logs.reading.level_filter import (
    detected_at_least,
    levelled_and_detected,
    marker_pattern,
)
from baseten_logs.reading.merge import _all_at_once, labelled, union_fetch
from baseten_logs.reading.pager import PAGE_SIZE, Direction, FetchPage, Pager, record_key
from tests.fakeapi import record
from tests.test_level_filter import MESSAGES

MS = 1_000_000
T0 = 1_764_150_000_000
SPAN = 40  # milliseconds in the window


class Server:
    """A logs endpoint in memory, honest unless told otherwise, counting its requests.

    `min_level` and `search_pattern` are applied as the API applies them (lines without a level
    dropped by `min_level`). Misbehaviours: `ignore_window` answers from every line whatever the
    window; `ignore_limit` answers twice the lines asked for; `repeat` answers its first page to
    every request. `budget` makes a runaway loop a failure, not a hang.
    """

    def __init__(
        self,
        records: list[Record],
        *,
        end_inclusive: bool = True,
        ignore_window: bool = False,
        ignore_limit: bool = False,
        repeat: bool = False,
        budget: int = 200,
    ) -> None:
        self.records = sorted(records, key=lambda r: int(r["timestamp"]))
        self.end_inclusive = end_inclusive
        self.ignore_window = ignore_window
        self.ignore_limit = ignore_limit
        self.repeat = repeat
        self.budget = budget
        self.requests = 0
        self._first: dict[tuple[str | None, str | None, Direction], list[Record]] = {}

    def fetcher(self, *, min_level: str | None = None, pattern: str | None = None) -> FetchPage:
        import re

        compiled = None if pattern is None else re.compile(pattern)

        def fetch(start: int, end: int, direction: Direction, limit: int) -> list[Record]:
            self.requests += 1
            assert self.requests <= self.budget, "a loop that never ends"
            assert 1 <= limit <= PAGE_SIZE and start <= end
            key = (min_level, pattern, direction)
            if self.repeat and key in self._first:
                return [dict(r) for r in self._first[key]]
            chosen = []
            for r in self.records:
                ms = int(r["timestamp"]) // MS
                inside = start <= ms and (ms <= end if self.end_inclusive else ms < end)
                if not (inside or self.ignore_window):
                    continue
                if (
                    min_level is not None
                    and LEVEL_RANK.get(r["level"] or "", -1) < LEVEL_RANK[min_level]
                ):
                    continue
                if compiled is not None and not compiled.search(r["message"]):
                    continue
                chosen.append(r)
            if direction == "desc":
                chosen.reverse()
            page = chosen[: limit * 2 if self.ignore_limit else limit]
            self._first.setdefault(key, page)
            return [dict(r) for r in page]

        return fetch


def level_fetch(server: Server, level: str, page_size: int = PAGE_SIZE) -> FetchPage:
    """What fetch.page_fetcher builds for a query with `--level level`."""
    return levelled_and_detected(
        server.fetcher(min_level=level),
        server.fetcher(pattern=marker_pattern(level)),
        detected_at_least(level),
        page_size=page_size,
    )


def shown_at(records: list[Record], level: str) -> list[Record]:
    floor = LEVEL_RANK[level]
    return [r for r in records if (f := effective_level(r)) is not None and LEVEL_RANK[f] >= floor]


def newest(
    fetch: FetchPage, count: int, *, page_size: int = PAGE_SIZE
) -> tuple[list[Record], Pager]:
    pager = Pager(fetch, page_size=page_size)
    got = [r for page in pager.newest(T0, T0 + SPAN, count) for r in page]
    return got, pager


lines = st.lists(
    st.tuples(
        st.integers(0, SPAN),  # millisecond
        st.integers(0, 3),  # nanosecond within it
        st.sampled_from(MESSAGES),
        st.sampled_from([None, None, "ERROR", "WARNING", "INFO", "DEBUG"]),
    ),
    max_size=50,
)


def build(picks: list[tuple[int, int, str, str | None]]) -> list[Record]:
    return [record((T0 + ms) * MS + ns, text, level=lv) for ms, ns, text, lv in picks]


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("count", range(1, 6))
@pytest.mark.parametrize("end_inclusive", [True, False])
def test_newest_n_at_a_level_is_two_requests_on_an_honest_server(
    level: str, count: int, end_inclusive: bool
) -> None:
    # Every line shares its millisecond with two others: the shape that made -n 1 loop.
    records = [
        record((T0 + ms) * MS + k, text, level=lv)
        for ms in range(SPAN)
        for k, (text, lv) in enumerate(
            [(MESSAGES[ms % len(MESSAGES)], None), ("stderr: x", "INFO"), ("ERROR: y", "ERROR")]
        )
    ]
    server = Server(records, end_inclusive=end_inclusive)
    got, pager = newest(level_fetch(server, level), count)
    want = shown_at([r for r in records if int(r["timestamp"]) // MS <= T0 + SPAN], level)[::-1][
        :count
    ]
    assert [record_key(r) for r in got] == [record_key(r) for r in want]
    assert server.requests <= 2
    assert not pager.gaps


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    picks=lines,
    level=st.sampled_from(LEVELS),
    count=st.integers(1, 5),
    page_size=st.integers(2, 6),
    end_inclusive=st.booleans(),
)
def test_newest_n_at_a_level_is_exact_and_bounded_with_small_pages(
    picks: list[tuple[int, int, str, str | None]],
    level: str,
    count: int,
    page_size: int,
    end_inclusive: bool,
) -> None:
    """Small pages put seams everywhere; no millisecond holds a whole page (that is a gap)."""
    assume(max(Counter(ms for ms, *_ in picks).values(), default=0) < page_size)
    records = build(picks)
    # The pager's requests: at most `count` that show lines, each after at most two that show
    # none (learning `end`, widening a small page; a third ends the walk). Each is one request of
    # the levelled query and a walk of the unlevelled one, a page at a time through the window's
    # lines, with one more for a short or repeated page: small pages make it quadratic, never
    # endless.
    bound = 3 * (count + 1) * (1 + len(records) // page_size + 3)
    server = Server(records, end_inclusive=end_inclusive, budget=bound + 1)
    got, pager = newest(level_fetch(server, level, page_size), count, page_size=page_size)
    want = shown_at(records, level)
    want.sort(key=lambda r: int(r["timestamp"]), reverse=True)
    assert Counter(record_key(r) for r in got) == Counter(record_key(r) for r in want[:count]) or (
        # lines of one nanosecond may be cut at either one; the count and times still agree
        len(got) == min(count, len(want))
        and sorted(int(r["timestamp"]) for r in got)
        == sorted(int(r["timestamp"]) for r in want[:count])
    )
    assert not pager.gaps
    assert server.requests <= bound


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    picks=lines,
    level=st.sampled_from(LEVELS),
    count=st.integers(1, 5),
    page_size=st.integers(1, 6),
    end_inclusive=st.booleans(),
    misbehaviour=st.sampled_from(["ignore_window", "ignore_limit", "repeat", "crowded"]),
)
def test_every_walk_ends_against_a_misbehaving_server(
    picks: list[tuple[int, int, str, str | None]],
    level: str,
    count: int,
    page_size: int,
    end_inclusive: bool,
    misbehaviour: str,
) -> None:
    records = build(picks)
    if misbehaviour == "crowded":  # a millisecond holding more lines than any page
        records += [record((T0 + 20) * MS + k, "ERROR: burst", level=None) for k in range(9)]
    flags = {misbehaviour: True} if misbehaviour != "crowded" else {}
    server = Server(records, end_inclusive=end_inclusive, budget=400, **flags)
    try:
        got, _ = newest(level_fetch(server, level, page_size), count, page_size=page_size)
    except Exception as exc:  # a server answering outside the window may be refused
        assert "outside the requested window" in str(exc)
        return
    assert len(got) <= count


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("count", [1, 2, 5])
def test_a_chain_at_a_level_ends_in_one_pair_of_requests_per_chainlet(
    level: str, count: int
) -> None:
    servers = [
        Server(
            [
                record((T0 + ms) * MS + k, f"ERROR: {name} {ms}", level=None)
                for ms in range(SPAN)
                for k in range(2)
            ]
        )
        for name in ("Retriever", "Ranker", "Generator")
    ]
    fetch = union_fetch(
        [
            labelled(level_fetch(server, level), name)
            for server, name in zip(servers, ("Retriever", "Ranker", "Generator"), strict=True)
        ]
    )
    got, pager = newest(fetch, count)
    assert len(got) == count and not pager.gaps
    assert [s.requests for s in servers] == [2, 2, 2]


def test_a_crowded_millisecond_at_a_level_is_reported_once_not_looped_on() -> None:
    burst = [record((T0 + 30) * MS + k, "ERROR: burst", level=None) for k in range(12)]
    server = Server(burst + [record((T0 + 10) * MS, "ERROR: older", level="ERROR")], budget=50)
    gaps: list[int] = []
    fetch = levelled_and_detected(
        server.fetcher(min_level="ERROR"),
        server.fetcher(pattern=marker_pattern("ERROR")),
        detected_at_least("ERROR"),
        page_size=5,
        on_gap=gaps.append,
    )
    got, pager = newest(fetch, 20, page_size=5)
    assert T0 + 30 in gaps + pager.gaps
    assert any(r["message"] == "ERROR: older" for r in got)  # walked past the burst
    assert server.requests < 50


def test_ctrl_c_in_the_callers_share_of_a_merge_is_raised_at_once() -> None:
    """The first Ctrl-C of `chain ... -n 2` was held until every chainlet's walk ended."""
    release = threading.Event()
    finished: list[str] = []

    def interrupted(start: int, end: int, direction: Direction, limit: int) -> list[Record]:
        raise KeyboardInterrupt

    def stuck(start: int, end: int, direction: Direction, limit: int) -> list[Record]:
        release.wait(10)
        finished.append("stuck")
        return []

    fetches: list[Callable[..., Any]] = [interrupted, stuck]
    try:
        with pytest.raises(KeyboardInterrupt):
            _all_at_once(fetches, T0, T0 + 1, "desc", 1)
        assert finished == []  # raised while the other chainlet's request was still out
    finally:
        release.set()


def test_a_level_query_whose_pages_keep_failing_is_asked_in_smaller_pages() -> None:
    """The unlevelled walk asks whole pages of its own: it halves them like the Pager does."""
    from baseten_logs.base.errors import PageFailing

    records = [
        record((T0 + ms) * MS, "ERROR: x" if ms % 3 else "stderr: fine", level=None)
        for ms in range(SPAN)
    ]
    server = Server(records)
    asked: list[int] = []
    plain = server.fetcher(pattern=marker_pattern("ERROR"))

    def failing(start: int, end: int, direction: Direction, limit: int) -> list[Record]:
        asked.append(limit)
        if limit > 250:
            raise PageFailing("giving up on /logs: HTTP 504", hint="try again")
        return plain(start, end, direction, limit)

    fetch = levelled_and_detected(
        server.fetcher(min_level="ERROR"), failing, detected_at_least("ERROR")
    )
    got, pager = newest(fetch, 5)
    assert [r["message"] for r in got] == ["ERROR: x"] * 5
    assert asked == [1000, 500, 250] and not pager.gaps
