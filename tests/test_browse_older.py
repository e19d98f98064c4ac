"""`browse` scrolling back past the oldest line loaded (browse/older.py): the page before it read
as `get` reads it, exact at the seam (a crowded millisecond too), back past 7 days; the cap
dropping from the far end; and the screen keeping its line while older lines come."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

import pytest

from baseten_logs.base.timestamps import record_ms
from baseten_logs.browse.lines import Keeping, LoadedLines
from baseten_logs.browse.older import Found, Older, oldest_held, read_before
from baseten_logs.browse.reader import Stop
from baseten_logs.emulator import DEMO_DEPLOYMENT_ID, Emulator, EmulatorConfig
from baseten_logs.reading.outcome import Outcome
from baseten_logs.reading.pager import record_key
from baseten_logs.reading.run import Run, execute
from tests.browse_plans import browse_plan, steady_emulator
from tests.test_browse import SIZE, browser, status, until

MINUTE = 60_000
DAY = 86_400_000
T0 = 1_796_000_000_000 // MINUTE * MINUTE


def line(message: str, ms: int, level: str | None = "INFO") -> dict[str, object]:
    return {"timestamp": str(ms * 1_000_000), "message": message, "level": level}


def keys(records: Sequence[Mapping[str, Any]]) -> Counter[object]:
    return Counter(record_key(r) for r in records)


# --- the lines held: older ones at the front, the cap from the far end ---------------------


def test_older_lines_go_before_and_keep_the_views_positions() -> None:
    lines = LoadedLines()
    lines.refilter(Keeping(levels=frozenset({"ERROR"})))
    lines.add([line("c", T0 + 3, "ERROR"), line("d", T0 + 4)])
    held = lines.visible[0]
    kept = lines.prepend([line("a", T0 + 1, "ERROR"), line("b", T0 + 2)])
    assert kept == 1
    assert [r["message"] for r in lines.records()] == ["a", "b", "c", "d"]
    assert [lines[p]["message"] for p in lines.visible] == ["a", "c"]
    assert lines[held]["message"] == "c"  # a position taken before still names its line
    assert lines.row_of(held) == 1


def test_past_the_cap_older_lines_drop_the_newest_and_newer_ones_are_refused() -> None:
    lines = LoadedLines(max_lines=4)
    lines.add([line(m, T0 + 10 + i) for i, m in enumerate("cdef")])
    lines.prepend([line("a", T0 + 1), line("b", T0 + 2)])
    assert [r["message"] for r in lines.records()] == ["a", "b", "c", "d"]
    assert lines.dropped_newest == 2 and lines.dropped == 0
    assert lines.visible == [lines.first + i for i in range(4)]
    assert lines.add([line("g", T0 + 20)]) == 0  # would leave a hole where e and f were
    assert len(lines) == 4
    lines.clear()
    assert not len(lines) and not lines.dropped_newest and not lines.per_minute
    assert lines.add([line("g", T0 + 20)]) == 1


def test_reading_the_oldest_new_lines_past_the_cap_are_refused_as_newest_dropped() -> None:
    lines = LoadedLines(max_lines=4)
    lines.add([line("a", T0 + 1), line("b", T0 + 2)])
    assert lines.add([line(m, T0 + 3 + i) for i, m in enumerate("cde")], keep_oldest=True) == 2
    assert [r["message"] for r in lines.records()] == ["a", "b", "c", "d"]
    assert lines.dropped_newest == 1 and lines.dropped == 0
    assert lines.add([line("f", T0 + 9)]) == 0


def test_lines_and_errors_per_minute_follow_lines_in_and_out() -> None:
    t = T0
    lines = LoadedLines(max_lines=3)
    lines.add([line("a", t, "ERROR"), line("b", t + 30_000), line("c", t + MINUTE)])
    assert lines.per_minute == Counter({t: 2, t + MINUTE: 1})
    assert lines.errors_per_minute == Counter({t: 1})
    lines.add([line("d", t + MINUTE + 1)])  # a goes past the cap
    assert lines.per_minute == Counter({t: 1, t + MINUTE: 2})
    assert not lines.errors_per_minute
    lines.prepend([line("z", t - MINUTE, "ERROR")])  # d goes
    assert lines.per_minute == Counter({t - MINUTE: 1, t: 1, t + MINUTE: 1})
    assert lines.errors_per_minute == Counter({t - MINUTE: 1})


def test_the_oldest_millisecond_held_and_its_lines() -> None:
    lines = LoadedLines()
    lines.add([{"message": "no time"}, line("a", T0 + 5), line("b", T0 + 5), line("c", T0 + 6)])
    at = oldest_held(lines)
    assert at is not None and at[0] == T0 + 5
    assert [r["message"] for r in at[1]] == ["a", "b"]
    assert oldest_held(LoadedLines()) is None


def test_the_status_bar_says_loading_older_and_what_a_short_look_found() -> None:
    older = Older(run=None)  # type: ignore[arg-type]  # no read here
    older.busy = True
    assert older.words() == ["loading older..."]
    older.settle(10 * DAY, Found([], looked_to_ms=DAY), count=5)
    assert not older.busy
    assert "no older lines" in older.words()[0] and "g looks further" in older.words()[0]
    # The next look goes on from where this one stopped, not from the oldest line again.
    assert older._reached == (10 * DAY, DAY)


# --- read from the API, exact at the seam ---------------------------------------------------


def run_of(emu: Emulator) -> Run:
    planned = browse_plan(emu, max_rps="1000")
    return planned.run_of(Stop())


class Kept:
    def __init__(self) -> None:
        self.records: list[Mapping[str, Any]] = []

    def write(self, records: Sequence[Mapping[str, Any]], late: int = 0) -> None:
        self.records.extend(records)

    def close(self) -> None:
        pass


def get_window(run: Run, since_ms: int, until_ms: int) -> list[Mapping[str, Any]]:
    """What `get --since --until` prints for the window (its pipeline, no follow)."""
    window = replace(run.window, since_ms=since_ms, until_ms=until_ms, limit=None)
    sink = Kept()
    execute(replace(run, window=window, follow=None, look_back=False), sink, Outcome())
    return sink.records


def test_the_page_before_is_exact_at_a_crowded_seam() -> None:
    # The oldest millisecond held is one of 1500 lines, of which the newest 1200 are held: the
    # rest of it and the lines before come, none lost or doubled (compare get's window).
    burst = int(time.time() * 1000) - 20 * MINUTE
    config = EmulatorConfig(
        seed=5,
        rates={DEMO_DEPLOYMENT_ID: 5.0},
        rate_limit_per_s=None,
        giant_burst_at_ms=burst,
        giant_burst_lines=1500,
        giant_burst_replicas=3,
    )
    with Emulator(config) as emu:
        run = run_of(emu)
        since = burst - 10 * MINUTE
        truth = get_window(run, since, burst)
        at_burst = [r for r in truth if record_ms(r) == burst]
        assert len(at_burst) >= 1500
        held = at_burst[-1200:]
        found = read_before(run, burst, held, 1000)
        assert len(found.lines) == 1000 and not found.gaps
        assert keys(found.lines + held) == keys(truth[-2200:])
        stamps = [record_ms(r) or 0 for r in found.lines]
        assert stamps == sorted(stamps)  # oldest first, to go before what is held


def test_a_look_back_reaches_past_seven_days_as_far_as_the_api_answers() -> None:
    # A line every two days or so, over the deployment's 30 days: asked for more lines than
    # there are, the look goes back a week at a time to the first, and stops after an empty
    # month (no request loop back to 2015).
    config = EmulatorConfig(seed=7, rates={DEMO_DEPLOYMENT_ID: 1 / (2 * 86_400)})
    with Emulator(config) as emu:
        run = run_of(emu)
        now = int(time.time() * 1000)
        truth = get_window(run, now - 60 * DAY, now - 1)
        assert len(truth) >= 3
        newest = truth[-1]
        oldest_ms = record_ms(newest)
        assert oldest_ms is not None
        found = read_before(run, oldest_ms, [newest], len(truth))
        assert keys(found.lines) == keys(truth[:-1])
        first = record_ms(truth[0])
        assert first is not None and oldest_ms - first > 7 * DAY
        assert found.looked_to_ms < first - 27 * DAY


# --- the screen ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def steady() -> Iterator[Emulator]:
    with steady_emulator(seed=3) as emulator:
        yield emulator


def test_g_at_the_top_reads_older_lines_and_the_cursor_keeps_its_line(steady: Emulator) -> None:
    async def scenario() -> None:
        app = browser(steady, "-n", "50")
        async with app.run_test(size=SIZE) as pilot:
            await until(lambda: len(app.lines) >= 50)
            await pilot.press("g")
            view = app.view
            on = app.lines[app.lines.visible[view.cursor]]
            await until(lambda: len(app.lines) >= 1050 and not app.older.busy)  # type: ignore[union-attr]
            await pilot.pause()
            assert app.lines[app.lines.visible[view.cursor]] is on  # still under the cursor
            assert view.cursor >= 1000 and view.scroll_offset.y >= 1000 - SIZE[1]
            assert not app.following
            app.stop_reading()
            loaded = app.lines.records()
            stamps = [record_ms(r) or 0 for r in loaded]
            assert stamps[:1001] == sorted(stamps[:1001])  # the older page before, in order
            # Exact: the span read back holds what get's window of it holds, once each (the
            # seam at the cursor's millisecond included; the oldest millisecond read back is
            # where the page of 1000 ended, cut as the newest N are).
            low, high = min(stamps) + 1, record_ms(on) or 0
            truth = get_window(app.older.run, low, high)  # type: ignore[union-attr]
            mine = [r for r in loaded if low <= (record_ms(r) or 0) <= high]
            assert keys(mine) == keys(truth)
            # Again at the top: the page before that.
            await pilot.press("g")
            await until(lambda: len(app.lines) >= 2050 and not app.older.busy)  # type: ignore[union-attr]
            await pilot.press("q")

    asyncio.run(scenario())


def test_past_the_cap_the_newest_go_following_stops_and_end_reads_them_anew(
    steady: Emulator,
) -> None:
    async def scenario() -> None:
        app = browser(steady, "-n", "50", max_lines="80")
        async with app.run_test(size=SIZE) as pilot:
            await until(lambda: len(app.lines) >= 50)
            await pilot.press("home")
            on = app.lines[app.lines.visible[app.view.cursor]]
            await until(lambda: app.lines.dropped_newest > 0)
            await pilot.pause()
            assert len(app.lines) == 80
            assert app.lines[app.lines.visible[app.view.cursor]] is on
            assert not app.following
            assert "newest dropped" in status(app) and "End reads the newest" in status(app)
            assert app._stop is None  # the follower stopped: its lines would not join these
            await pilot.press("end")
            await until(lambda: len(app.lines) >= 50 and app.following)
            await pilot.pause()
            assert not app.lines.dropped_newest
            newest = max(record_ms(r) or 0 for r in app.lines.records())
            assert newest > (record_ms(on) or 0)
            assert app.view.cursor == app.view.rows - 1
            await pilot.press("q")

    asyncio.run(scenario())


def test_a_short_look_that_found_lines_goes_on_before_the_oldest_it_found() -> None:
    older = Older(run=None)  # type: ignore[arg-type]  # no read here
    found = Found([line("a", T0 - 3 * DAY), line("b", T0 - DAY)], looked_to_ms=T0 - 30 * DAY)
    older.settle(T0, found, count=5)
    assert older._reached == (T0 - 3 * DAY, T0 - 30 * DAY)
    assert "(27d looked back)" in older.note
    older.settle(T0, Found([line("a", T0 - 1)] * 5, looked_to_ms=T0 - DAY, gaps=[T0]), count=5)
    assert older._reached is None and older.note == "1 crowded milliseconds not read whole"


def test_paused_among_the_oldest_new_lines_past_the_cap_go_not_the_ones_read(
    steady: Emulator,
) -> None:
    async def scenario() -> None:
        app = browser(steady, "-n", "50", max_lines="60")
        async with app.run_test(size=SIZE) as pilot:
            await until(lambda: len(app.lines) >= 50)
            await pilot.press(*["up"] * 40)
            view = app.view
            on = app.lines[app.lines.visible[view.cursor]]
            oldest, dropped = app.lines.records()[0], app.lines.dropped
            await until(lambda: app.lines.dropped_newest > 0)
            await pilot.pause()
            assert app.lines[app.lines.visible[view.cursor]] is on
            assert app.lines.records()[0] is oldest and app.lines.dropped == dropped
            assert len(app.lines) == 60
            assert app._stop is None and "newest dropped" in status(app)
            await pilot.press("end")
            await until(lambda: app.following and len(app.lines) >= 50)
            await pilot.press("q")

    asyncio.run(scenario())
