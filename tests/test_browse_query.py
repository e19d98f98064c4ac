"""`browse`'s filter said to the API where it can be (browse/server_filter.py): a look back with
errors only asks `min_level` and reaches older errors a page at a time, exactly as `get --level
error` reads them; widening the view past what a span was read with shows the marker, and `g`
reads that span again, wide; a search the API is not given stays local."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

import pytest

from baseten_logs.base.timestamps import record_ms
from baseten_logs.browse.lines import LevelToggles, LoadedLines, ViewFilter
from baseten_logs.browse.picker import Picks
from baseten_logs.browse.server_filter import (
    EVERYTHING,
    Reads,
    ServerAsk,
    api_takes,
    ask_of,
    asking,
    fitted,
)
from baseten_logs.emulator import Emulator
from baseten_logs.reading.feed import Feed
from baseten_logs.reading.filtering import matcher
from baseten_logs.reading.pager import record_key
from baseten_logs.reading.query import Filters, LogQuery, build_filters
from baseten_logs.reading.run import Run
from tests.browse_plans import steady_emulator
from tests.test_browse import SIZE, browser, until
from tests.test_browse_older import get_window

T0 = 1_796_000_000_000


def line(message: str, ms: int, level: str | None = "INFO") -> dict[str, object]:
    return {"timestamp": str(ms * 1_000_000), "message": message, "level": level}


def keys(records: list[Mapping[str, Any]]) -> Counter[object]:
    return Counter(record_key(r) for r in records)


# --- what the view's filter says to the API -----------------------------------------------


def test_the_toggles_ask_the_lowest_level_shown_and_all_four_ask_nothing() -> None:
    assert ask_of(ViewFilter(), Picks()) == EVERYTHING
    errors = ViewFilter(LevelToggles.at_least("ERROR"))
    assert ask_of(errors, Picks()) == ServerAsk(min_level="ERROR")
    # DEBUG and ERROR shown: DEBUG and above asked, WARNING and INFO hidden here as ever.
    assert ask_of(ViewFilter(LevelToggles({"DEBUG", "ERROR"})), Picks()).min_level == "DEBUG"


def test_a_kept_search_is_sent_as_grep_sends_it_one_typed_or_highlighted_is_not() -> None:
    kept = ViewFilter(search="time[d]? out")
    assert ask_of(kept, Picks()).search == "time[d]? out"
    assert build_filters(grep="time[d]? out").search_pattern == "time[d]? out"  # get's own
    assert ask_of(kept, Picks(), kept_search=False).search is None  # still being typed
    highlighted = ViewFilter(search="out", only_matches=False)  # `&`: every line shows
    assert ask_of(highlighted, Picks()).search is None


def test_a_pattern_the_api_cannot_take_is_not_sent() -> None:
    assert api_takes("a" * 256)
    assert not api_takes("a" * 257)  # the schema's 256 characters
    assert not api_takes("(?=x)y")  # look-around: RE2 lacks it
    assert not api_takes("")
    assert ask_of(ViewFilter(search="a" * 300), Picks()).search is None


def test_exactly_one_replica_picked_is_sent_several_are_not() -> None:
    assert ask_of(ViewFilter(), Picks(replica=frozenset({"abcde"}))).replica == "abcde"
    assert ask_of(ViewFilter(), Picks(replica=frozenset({"abcde", "fghij"}))).replica is None
    assert ask_of(ViewFilter(), Picks(chainlet=frozenset({"Retriever"}))) == EVERYTHING


def test_a_training_job_is_asked_only_min_level_the_rest_stays_local() -> None:
    query = LogQuery("/v1/training_projects/p/jobs/j/logs", T0, T0 + 1)
    training = Feed.single(query)
    training = replace(training, local=Filters(), by_replica=False)
    ask = ServerAsk(min_level="WARNING", search="boom", replica="abcde")
    assert fitted(ask, training) == ServerAsk(min_level="WARNING")
    assert fitted(ask, Feed.single(query)) == ask


def test_asking_sets_the_filters_on_every_source() -> None:
    query = LogQuery("/v1/x/logs", T0, T0 + 1)
    run = Run(Feed.single(query), query, credentials=None)  # type: ignore[arg-type]
    asked = asking(run, ServerAsk(min_level="ERROR", search="boom", replica="abcde"))
    sent = asked.feed.parts[0].query.filters.params()
    assert sent == [("min_level", "ERROR"), ("replica", "abcde"), ("search_pattern", "boom")]
    assert asking(run, EVERYTHING) is run


def test_covers_means_every_line_the_view_asks_for_was_read() -> None:
    errors, warnings = ServerAsk(min_level="ERROR"), ServerAsk(min_level="WARNING")
    assert warnings.covers(errors) and not errors.covers(warnings)
    assert not errors.covers(EVERYTHING) and EVERYTHING.covers(errors)
    assert ServerAsk(search="x").covers(ServerAsk(min_level="ERROR", search="x"))
    assert not ServerAsk(search="x").covers(ServerAsk(search="y"))
    assert not ServerAsk(replica="a").covers(EVERYTHING)


def test_the_hole_is_the_newest_span_narrower_than_the_view() -> None:
    lines = LoadedLines()
    lines.add([line("new", T0 + 100)])  # the opening: read wide
    reads = Reads()
    lines.prepend([line("e1", T0 + 50, "ERROR")])
    reads.add(lines.first, lines.first + 1, ServerAsk(min_level="ERROR"))
    assert reads.hole(lines, ServerAsk(min_level="ERROR")) is None
    hole = reads.hole(lines, EVERYTHING)
    assert hole is not None and hole.edge == 0 and hole.edge_ms == T0 + 100
    assert "--level error" in hole.words() and "g reads" in hole.words()
    lines.forget_before(hole.edge)
    reads.forget_before(hole.edge)
    assert [r["message"] for r in lines.records()] == ["new"]
    assert lines.dropped == 0 and reads.hole(lines, EVERYTHING) is None


# --- against the emulator ------------------------------------------------------------------


@pytest.fixture(scope="module")
def steady() -> Iterator[Emulator]:
    with steady_emulator(seed=11) as emulator:
        yield emulator


def get_level_error(run: Run, since_ms: int, until_ms: int) -> list[Mapping[str, Any]]:
    """What `get --level error --since --until` prints for the window: its plan's filters."""
    window = replace(run.window, filters=build_filters(level="error"))
    return get_window(replace(run, feed=Feed.single(window), window=window), since_ms, until_ms)


def sent(emu: Emulator, key: str) -> list[str]:
    return [value for r in emu.requests for value in r.query.get(key, [])]


def test_errors_only_scrolling_back_reaches_older_errors_in_one_look_then_g_fills_the_hole(
    steady: Emulator,
) -> None:
    async def scenario() -> None:
        app = browser(steady, "-n", "50", "--level", "error")
        async with app.run_test(size=SIZE) as pilot:
            await until(lambda: len(app.lines) >= 50 and app.older is not None)
            older = app.older
            assert older is not None
            opening = app.lines.records()
            edge_ms = min(record_ms(r) or 0 for r in opening)
            steady.clear_requests()
            await pilot.press("g")  # at the top: the look back, with min_level=ERROR
            await until(lambda: len(app.lines) >= len(opening) + 1000 and not older.busy)
            await pilot.pause()
            assert sent(steady, "min_level") and set(sent(steady, "min_level")) == {"ERROR"}
            lines = app.lines
            found = [lines[p] for p in range(lines.first, 0)]  # put before the opening's
            assert len(found) == 1000
            errors = matcher(Filters(min_level="ERROR"))  # shown at ERROR, as get --level
            assert all(errors(r) for r in found)
            # Far older than the loaded span, in one look: a page of errors, not every line.
            stamps = [record_ms(r) or 0 for r in found]
            assert min(stamps) < edge_ms - 10 * 60_000
            # Exact at the seam: what is held of [oldest + 1ms, the opening's oldest ms] at
            # ERROR is what `get --level error` prints for that window.
            low, high = min(stamps) + 1, edge_ms
            truth = get_level_error(older.run, low, high)
            mine = [
                r for r in app.lines.records() if low <= (record_ms(r) or 0) <= high and errors(r)
            ]
            assert keys(mine) == keys(truth)
            assert not app.hole_marker.display
            # Widening the view (d i w: every level) past what the span was read with: the
            # marker at its edge; scrolling back stops there (no narrow look on top of it).
            await pilot.press("d", "i", "w")
            await pilot.pause()
            assert app.view_filter.levels.everything
            assert app.hole_marker.display
            said = str(app.hole_marker.render())
            assert "were read with --level error" in said and "g reads" in said
            # g: the narrow lines let go, the span read back anew from the edge, unfiltered.
            steady.clear_requests()
            await pilot.press("g")
            await until(lambda: not older.busy and len(app.lines) >= len(opening) + 1000)
            await pilot.pause()
            assert not app.hole_marker.display
            assert not sent(steady, "min_level")
            held = app.lines.records()
            stamps = [record_ms(r) or 0 for r in held]
            low = min(stamps) + 1  # the oldest millisecond read may be cut by the page of 1000
            truth = get_window(older.run, low, edge_ms)
            mine = [r for r in held if low <= (record_ms(r) or 0) <= edge_ms]
            assert keys(mine) == keys(truth)
            assert not all(errors(r) for r in mine)  # read wide this time
            await pilot.press("q")

    asyncio.run(scenario())


def test_a_search_being_typed_stays_local_a_kept_one_is_sent(steady: Emulator) -> None:
    async def scenario() -> None:
        app = browser(steady, "-n", "50")
        async with app.run_test(size=SIZE) as pilot:
            await until(lambda: len(app.lines) >= 50 and app.older is not None)
            older = app.older
            assert older is not None
            await pilot.press("slash", *"timed")
            await until(lambda: app.view_filter.search == "timed")
            steady.clear_requests()
            app.move_cursor_to(0)  # a click on the top row, the prompt still open
            await until(lambda: not older.busy and len(app.lines) > 50)
            assert not sent(steady, "search_pattern")  # typed, not kept: searched here
            await pilot.press("enter")  # kept: the next look asks the API for it
            await pilot.pause()
            steady.clear_requests()
            app.move_cursor_to(0)
            await until(lambda: not older.busy and bool(sent(steady, "search_pattern")))
            await until(lambda: not older.busy)
            assert set(sent(steady, "search_pattern")) == {"timed"}
            await pilot.press("q")

    asyncio.run(scenario())


def test_one_replica_picked_is_asked_of_the_api_reading_back(steady: Emulator) -> None:
    async def scenario() -> None:
        app = browser(steady, "-n", "50")
        async with app.run_test(size=SIZE) as pilot:
            await until(lambda: len(app.lines) >= 50 and app.older is not None)
            older = app.older
            assert older is not None
            edge_ms = min(record_ms(r) or 0 for r in app.lines.records())
            name = str(app.lines.records()[0]["replica"])
            app.filtering.pick("replica", frozenset({name}))  # as the picker ticks it alone
            steady.clear_requests()
            app.move_cursor_to(0)
            await until(lambda: not older.busy and app.lines.first < 0)
            await pilot.pause()
            assert set(sent(steady, "replica")) == {name}
            lines = app.lines
            found = [lines[p] for p in range(lines.first, 0)]
            assert found and all(r.get("replica") == name for r in found)
            # As `get --replica NAME` reads the window (the seam exact: its millisecond whole).
            low = min(record_ms(r) or 0 for r in found) + 1
            window = replace(older.run.window, filters=build_filters(replica=name))
            run = replace(older.run, feed=Feed.single(window), window=window)
            truth = get_window(run, low, edge_ms)
            held = [
                r
                for r in lines.records()
                if low <= (record_ms(r) or 0) <= edge_ms and r.get("replica") == name
            ]
            assert keys(held) == keys(truth)
            await pilot.press("q")

    asyncio.run(scenario())
