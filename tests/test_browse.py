"""`browse` driven headless (Textual's pilot) against the emulator, started in-process on port 0:
it opens on the newest lines and follows, pauses when moved up, filters, opens a line, saves,
quits."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.widgets import Footer

from baseten_logs.browse.detail import pretty
from baseten_logs.browse.log_view import LogView
from baseten_logs.browse.screen import BrowseApp
from baseten_logs.browse.session import make_app
from baseten_logs.emulator import DEMO_DEPLOYMENT_ID, DEMO_MODEL_ID, Emulator, EmulatorConfig
from baseten_logs.reading.pager import record_key
from tests.browse_plans import browse_plan

SIZE = (100, 30)


@pytest.fixture(scope="module")
def live() -> Iterator[Emulator]:
    config = EmulatorConfig(seed=3, rates={DEMO_DEPLOYMENT_ID: 20.0}, rate_limit_per_s=None)
    with Emulator(config) as emulator:
        yield emulator


def browser(emu: Emulator, *flags: str, max_lines: str = "100000") -> BrowseApp:
    """The app as the command builds it (plan_browse: get -f's plan and source resolution)."""
    args = dict(zip(flags[::2], flags[1::2], strict=True))
    planned = browse_plan(
        emu,
        since=args.get("--since"),
        limit=args.get("-n"),
        max_lines=max_lines,
        level=args.get("--level"),
        grep=args.get("--grep"),
    )
    return make_app(
        planned.run_of,
        title=planned.title,
        max_lines=planned.max_lines,
        utc=True,
        save_name=planned.save_name,
        view_filter=planned.view_filter,
    )


async def until(check: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


def status(app: BrowseApp) -> str:
    return str(app.query_one("#status").render())


def test_opens_on_the_newest_lines_and_follows_new_ones(live: Emulator) -> None:
    async def scenario() -> None:
        app = browser(live, "-n", "50")
        async with app.run_test(size=SIZE) as pilot:
            await until(lambda: len(app.lines) >= 50)
            opened = len(app.lines)
            await until(lambda: len(app.lines) > opened + 5)  # live lines keep coming
            await pilot.pause()
            view = app.query_one(LogView)
            assert app.following and view.cursor == view.rows - 1
            # Nothing came twice (late lines may come after later ones, as with get -f): no
            # line more often than the emulator wrote it.
            app.stop_reading()
            loaded = Counter(record_key(r) for r in app.lines.records())
            stamps = [int(str(r["timestamp"])) // 1_000_000 for r in app.lines.records()]
            truth = live.ground_truth(DEMO_MODEL_ID, DEMO_DEPLOYMENT_ID, min(stamps), max(stamps))
            assert not loaded - Counter(record_key(r) for r in truth)
            await pilot.press("q")
        assert app.return_code in (0, None)

    asyncio.run(scenario())


def test_the_followers_heartbeat_shows_in_the_status_bar() -> None:
    # get -f's status line on stderr ("following… last poll", "reconnecting…"): here, the bar.
    config = EmulatorConfig(seed=3, rates={DEMO_DEPLOYMENT_ID: 0.01}, rate_limit_per_s=None)

    async def scenario(emu: Emulator) -> None:
        app = browser(emu, "-n", "5")
        async with app.run_test(size=SIZE) as pilot:
            await until(lambda: "following… last poll" in status(app))
            assert "\x1b" not in status(app)
            # The status bar is on the screen, above the footer (not covered by it).
            bar, footer = app.query_one("#status").region, app.query_one(Footer).region
            assert bar.height == 1 and bar.bottom <= footer.y
            await pilot.press("q")

    with Emulator(config) as emu:
        asyncio.run(scenario(emu))


def test_moving_up_pauses_and_counts_new_lines_until_end(live: Emulator) -> None:
    async def scenario() -> None:
        app = browser(live, "-n", "50")
        async with app.run_test(size=SIZE) as pilot:
            await until(lambda: len(app.lines) >= 50)
            await pilot.press("up", "up")
            assert not app.following
            cursor = app.query_one(LogView).cursor
            await until(lambda: app.new_while_paused > 0)
            await pilot.pause()
            assert app.query_one(LogView).cursor == cursor  # the view stays put
            assert "paused" in status(app) and "new" in status(app)
            await pilot.press("end")
            view = app.query_one(LogView)
            assert app.following and view.cursor == view.rows - 1
            await pilot.press("q")

    asyncio.run(scenario())


def test_a_click_opens_on_that_line_and_pauses(live: Emulator) -> None:
    async def scenario() -> None:
        app = browser(live, "-n", "100")
        async with app.run_test(size=SIZE) as pilot:
            await until(lambda: len(app.lines) >= 100)
            view = app.query_one(LogView)
            await pilot.click(LogView, offset=(20, 3))
            assert view.cursor == view.scroll_offset.y + 3 and not app.following
            record = app.lines[app.lines.visible[view.cursor]]
            await pilot.press("enter")
            assert pretty(str(record["message"])) in str(app.screen.query_one("#detail").render())
            await pilot.press("escape", "q")

    asyncio.run(scenario())


def test_level_toggles_and_search_filter_as_get_does(live: Emulator) -> None:
    from baseten_logs.base.levels import effective_level

    async def scenario() -> None:
        app = browser(live, "-n", "300")
        async with app.run_test(size=SIZE) as pilot:
            await until(lambda: len(app.lines) >= 300)
            await pilot.press("d", "i")  # hide DEBUG and INFO
            shown = [app.lines[p] for p in app.lines.visible]
            assert shown and all(effective_level(r) in {"WARNING", "ERROR"} for r in shown)
            assert "hiding DEBUG,INFO" in status(app)
            await pilot.press("d", "i")
            word = str(app.lines.records()[-1]["message"]).split()[0]
            await pilot.press("slash", *word)
            await until(lambda: app.view_filter.search == word)  # once typing paused
            found = [app.lines[p] for p in app.lines.visible]
            assert found and all(word in str(r["message"]) for r in found)
            assert len(found) < len(app.lines) or all(word in str(r["message"]) for r in found)
            await pilot.press("enter")  # keeps the search, closes the prompt
            await pilot.press("escape")  # clears it
            await until(lambda: len(app.lines.visible) == len(app.lines))
            await pilot.press("q")

    asyncio.run(scenario())


def test_level_and_grep_set_where_the_filter_starts(live: Emulator) -> None:
    from baseten_logs.base.levels import effective_level

    async def scenario() -> None:
        app = browser(live, "-n", "300", "--level", "warning", "--grep", "e")
        async with app.run_test(size=SIZE) as pilot:
            await until(lambda: len(app.lines) >= 300)
            shown = [app.lines[p] for p in app.lines.visible]
            assert shown and len(shown) < len(app.lines)
            assert all(effective_level(r) in {"WARNING", "ERROR"} for r in shown)
            assert all("e" in str(r["message"]) for r in shown)
            assert "hiding DEBUG,INFO" in status(app) and "/e (only found)" in status(app)
            await pilot.press("d", "i", "escape")  # every line was read: the keys show the rest
            await until(lambda: len(app.lines.visible) == len(app.lines))
            await pilot.press("q")

    asyncio.run(scenario())


def test_n_jumps_between_matches_with_every_line_shown(live: Emulator) -> None:
    async def scenario() -> None:
        app = browser(live, "-n", "300")
        async with app.run_test(size=SIZE) as pilot:
            await until(lambda: len(app.lines) >= 300)
            await pilot.press("slash", *"ERROR|WARN", "enter", "ampersand", "home")
            assert len(app.lines.visible) == len(app.lines)  # & shows every line again
            view = app.query_one(LogView)
            await pilot.press("n")
            first = view.cursor
            message = str(app.lines[app.lines.visible[first]]["message"])
            assert "ERROR" in message or "WARN" in message
            await pilot.press("n")
            assert view.cursor > first
            await pilot.press("N")
            assert view.cursor == first
            await pilot.press("q")

    asyncio.run(scenario())


def test_a_bad_pattern_is_said_in_the_status_bar_and_filters_nothing(live: Emulator) -> None:
    async def scenario() -> None:
        app = browser(live, "-n", "20")
        async with app.run_test(size=SIZE) as pilot:
            await until(lambda: len(app.lines) >= 20)
            await pilot.press("slash", *"a(?=b)")
            await until(lambda: "--grep" in status(app))
            assert app.view_filter.search == ""  # the last good search (none) still applies
            assert len(app.lines.visible) == len(app.lines)
            assert "--grep" in status(app) and "look-around" in status(app)
            await pilot.press("q")

    asyncio.run(scenario())


def test_detail_pane_shows_the_whole_line_and_its_fields(live: Emulator) -> None:
    async def scenario() -> None:
        app = browser(live, "-n", "20")
        async with app.run_test(size=SIZE) as pilot:
            await until(lambda: len(app.lines) >= 20)
            await pilot.press("up")
            view = app.query_one(LogView)
            record = app.lines[app.lines.visible[view.cursor]]
            await pilot.press("enter")
            shown = str(app.screen.query_one("#detail").render())
            assert pretty(str(record["message"])) in shown  # JSON indented, else as it came
            assert f"replica: {record['replica']}" in shown
            # Lines keep coming while the pane is open, and after.
            loaded = len(app.lines)
            await until(lambda: len(app.lines) > loaded)
            assert app.screen.query_one("#detail")
            await pilot.press("escape")
            assert isinstance(app.screen.query_one(LogView), LogView)
            loaded = len(app.lines)
            await until(lambda: len(app.lines) > loaded)
            assert "stopped reading" not in status(app)
            await pilot.press("q")

    asyncio.run(scenario())


def test_s_saves_the_lines_loaded_as_save_does(live: Emulator, tmp_path: Path) -> None:
    target = tmp_path / "saved.jsonl"

    async def scenario() -> None:
        app = browser(live, "-n", "40")
        async with app.run_test(size=SIZE) as pilot:
            await until(lambda: len(app.lines) >= 40)
            await pilot.press("up")  # paused: what is loaded stays what it is meanwhile
            app.stop_reading()
            await pilot.press("s", "ctrl+a", "ctrl+k", *str(target), "enter")
            await until(target.exists)
            saved = [json.loads(line) for line in target.read_text().splitlines()]
            loaded = app.lines.records()
            assert [r["timestamp"] for r in saved] == [r["timestamp"] for r in loaded]
            assert all("shown_level" in r for r in saved)  # --save's JSON lines
            assert f"saved {len(saved)} lines" in status(app)
            await pilot.press("q")

    asyncio.run(scenario())


def test_the_oldest_lines_go_past_the_cap_and_the_status_bar_says_so(live: Emulator) -> None:
    async def scenario() -> None:
        app = browser(live, "-n", "100", max_lines="60")
        async with app.run_test(size=SIZE) as pilot:
            await until(lambda: app.lines.dropped >= 40)
            assert len(app.lines) == 60
            assert "oldest dropped (cap 60)" in status(app)
            await pilot.press("q")

    asyncio.run(scenario())


def test_a_paused_view_keeps_its_line_while_the_oldest_go(live: Emulator) -> None:
    async def scenario() -> None:
        app = browser(live, "-n", "50", max_lines="60")
        async with app.run_test(size=SIZE) as pilot:
            await until(lambda: len(app.lines) >= 50)
            await pilot.press("up", "up")
            view = app.query_one(LogView)
            record = app.lines[app.lines.visible[view.cursor]]
            await until(lambda: app.lines.dropped >= 5)
            await pilot.pause()
            assert app.lines[app.lines.visible[view.cursor]] is record
            await pilot.press("q")

    asyncio.run(scenario())


def test_quitting_stops_the_reader_at_once(live: Emulator) -> None:
    async def scenario() -> None:
        app = browser(live, "-n", "10")
        async with app.run_test(size=SIZE) as pilot:
            await until(lambda: len(app.lines) >= 10)
            await pilot.press("ctrl+c")
        assert app._stop is None

    asyncio.run(scenario())
