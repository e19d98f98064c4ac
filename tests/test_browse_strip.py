"""`browse`'s strip (browse/strip.py): the loaded lines per bucket as `stats` counts them, one
bar a column, and choosing a bar (a click, or Tab, arrows and Enter) moves the cursor there."""

from __future__ import annotations

import asyncio

import pytest

from baseten_logs.base.timeparse import parse_zone
from baseten_logs.base.timestamps import record_ms
from baseten_logs.browse.lines import LoadedLines
from baseten_logs.browse.screen import BrowseApp
from baseten_logs.browse.strip import BLOCKS, HistogramStrip, bars_of, drawn
from baseten_logs.output.stats import WindowStats
from baseten_logs.output.time_axis import choose_bucket_ms

MINUTE = 60_000
T0 = 1_796_000_000_000 // MINUTE * MINUTE + 17_000  # not on a minute: buckets start on one


def records(minutes: int, every_s: int) -> list[dict[str, object]]:
    """A line every `every_s` seconds for `minutes` minutes, every seventh an error, and a
    busier stretch in the middle."""
    out: list[dict[str, object]] = []
    for i in range(minutes * 60 // every_s):
        ms = T0 + i * every_s * 1000
        for copy in range(3 if minutes // 3 <= (ms - T0) // MINUTE < minutes // 2 else 1):
            out.append(
                {
                    "timestamp": str(ms * 1_000_000 + copy),
                    "message": f"line {i}",
                    "level": "ERROR" if i % 7 == 0 else "INFO",
                }
            )
    return out


@pytest.mark.parametrize(("minutes", "columns"), [(30, 100), (180, 60), (3 * 1440, 100)])
def test_the_strips_counts_are_stats_counts_for_the_same_span(minutes: int, columns: int) -> None:
    loaded = records(minutes, 20)
    lines = LoadedLines()
    lines.add(loaded)
    bars = bars_of(lines, columns, utc=True)
    assert bars is not None
    span = max(map(record_ms, loaded)) - T0  # type: ignore[type-var, operator]
    assert bars.bucket_ms == max(MINUTE, choose_bucket_ms(span, columns))
    assert len(bars.totals) <= columns
    stats = WindowStats(
        since_ms=T0,
        until_ms=T0 + span,
        bucket_ms=bars.bucket_ms,
        origin_ms=bars.origin_ms,
    )
    stats.add_page(loaded)
    summary = stats.summary()
    assert bars.totals == [b.total for b in summary.buckets]
    assert bars.errors == [b.counts["ERROR"] for b in summary.buckets]


def test_half_an_hour_is_a_bar_a_minute() -> None:
    lines = LoadedLines()
    lines.add(records(30, 20))
    bars = bars_of(lines, 100, utc=True)
    assert bars is not None and bars.bucket_ms == MINUTE and len(bars.totals) == 30
    assert bars_of(LoadedLines(), 100, utc=True) is None


def test_bars_are_drawn_by_height_with_errors_apart() -> None:
    lines = LoadedLines()
    lines.add(records(30, 20))
    bars = bars_of(lines, 100, utc=True)
    assert bars is not None
    text = drawn(bars, chosen=3)
    assert len(text.plain) == 30
    assert set(text.plain) <= set(BLOCKS) and BLOCKS[-1] in text.plain
    assert " " not in text.plain  # a bar with a line is never blank
    styles = {span.style for span in text.spans}
    assert len(styles) >= 2  # errors' bars and others' differ (colour; NO_COLOR drops it)


def test_a_click_on_a_bar_and_enter_on_one_move_the_cursor_there() -> None:
    async def scenario() -> None:
        lines = LoadedLines()
        lines.add(records(30, 20))
        app = BrowseApp(title="t", lines=lines, utc=True)
        async with app.run_test(size=(60, 20)) as pilot:  # narrow: 60 columns
            strip = app.query_one(HistogramStrip)
            assert strip.region.y == 0 and strip.region.height == 1
            bars = strip.bars()
            assert bars is not None
            await pilot.click("#strip", offset=(10, 0))
            await pilot.pause()

            def cursor_ms() -> int | None:
                return record_ms(lines[lines.visible[app.view.cursor]])

            first = next(r for r in records(30, 20) if record_ms(r) >= bars.start_of(10))  # type: ignore[operator]
            assert cursor_ms() == record_ms(first)
            assert not app.following  # moved off the newest line: paused, as a click on it
            # By keys: Tab to the strip, one bar left, Enter.
            await pilot.press("tab")
            assert strip.has_focus
            await pilot.press("left", "enter")
            await pilot.pause()
            assert cursor_ms() is not None and bars.start_of(9) <= cursor_ms() < bars.start_of(10)  # type: ignore[operator]
            assert app.view.has_focus  # the view's keys again
            await pilot.press("q")

    asyncio.run(scenario())


def test_bars_start_on_round_times_of_the_zone_shown() -> None:
    """`--tz` moves the buckets' edges to round times there, as `stats --tz` draws them."""
    lines = LoadedLines()
    lines.add(records(3 * 1440, 20))
    kolkata = parse_zone("+05:30")
    bars = bars_of(lines, 100, utc=kolkata)
    assert bars is not None and bars.bucket_ms >= 60 * MINUTE
    offset = 330 * MINUTE
    assert (bars.origin_ms + offset) % bars.bucket_ms == 0
    in_utc = bars_of(lines, 100, utc=True)
    assert in_utc is not None and in_utc.origin_ms % in_utc.bucket_ms == 0
    assert in_utc.origin_ms != bars.origin_ms
