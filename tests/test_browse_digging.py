"""`browse`'s digging keys, driven headless (Textual's pilot): the replica and chainlet pickers
filter as `get --replica` does, a line's request story is what `request` prints, the lines
around a line are its replica's (from what is loaded, then from the API), and a search over
many lines runs off the UI thread, a stale one never shown."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest

from baseten_logs.browse import search_worker
from baseten_logs.browse.lines import Keeping, LoadedLines
from baseten_logs.browse.picker import PickerScreen, Picks, seen
from baseten_logs.browse.screen import BrowseApp
from baseten_logs.browse.session import make_app
from baseten_logs.browse.story import AROUND, Lookups, StoryScreen, neighbours, request_id_of
from baseten_logs.emulator import DEMO_DEPLOYMENT_ID, DEMO_MODEL_ID, Emulator, EmulatorConfig
from baseten_logs.output.render_json import SHOWN_LEVEL_FIELD
from baseten_logs.reading.filtering import matcher
from baseten_logs.reading.pager import MAX_WINDOW_MS, record_key
from baseten_logs.reading.query import Filters
from tests.browse_plans import browse_plan
from tests.conftest import invoke

SIZE = (100, 30)
T0_NS = 1_796_000_000_000 * 1_000_000
REPLICAS = ("a1b2c", "d4e5f", "g7h8i")


def line(i: int, **extra: Any) -> dict[str, Any]:
    return {
        "timestamp": str(T0_NS + i * 1_000_000),
        "message": f"line {i} " + ("boom" if i % 7 == 0 else "fine"),
        "level": "INFO",
        "replica": REPLICAS[i % 3 if i % 5 else 0],
        **extra,
    }


def app_with(records: list[dict[str, Any]]) -> BrowseApp:
    lines = LoadedLines()
    lines.add(records)
    return BrowseApp(title="m production", lines=lines, utc=True)


async def until(check: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def status(app: BrowseApp) -> str:
    return str(app.query_one("#status").render())


def shown(app: BrowseApp) -> list[Any]:
    return [app.lines[p] for p in app.lines.visible]


# --- 1. the pickers ------------------------------------------------------------------------


def test_the_replica_picker_lists_what_is_loaded_and_filters_as_get_replica() -> None:
    records = [line(i) for i in range(60)]

    async def scenario() -> None:
        app = app_with(records)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r")
            picker = app.screen
            assert isinstance(picker, PickerScreen)
            assert picker.names == seen(records, "replica")  # most lines first, with counts
            top = picker.names[0][0]
            await pilot.press("space")  # unticks the first (the busiest replica)
            wanted = set(REPLICAS) - {top}
            keep = matcher(Filters(replicas=tuple(sorted(wanted))))
            assert shown(app) == [r for r in records if keep(r)]
            await pilot.press("escape")
            assert not isinstance(app.screen, PickerScreen)
            assert "replica " in status(app) and top not in status(app).split("replica ")[1]
            # Lines that come later are filtered alike.
            app.add_lines([line(100, replica=top), line(101, replica=sorted(wanted)[0])])
            assert shown(app)[-1]["timestamp"] == line(101)["timestamp"]
            assert all(r["replica"] in wanted for r in shown(app))
            await pilot.press("r", "space")  # ticked again: every replica, no filter
            assert len(shown(app)) == len(app.lines)
            await pilot.press("q")

    asyncio.run(scenario())


def test_the_chainlet_picker_filters_by_the_field_a_chains_lines_carry() -> None:
    records = [line(i, chainlet="Decoder" if i % 2 else "Encoder") for i in range(20)]

    async def scenario() -> None:
        app = app_with(records)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("c")
            assert isinstance(app.screen, PickerScreen)
            names = [name for name, _ in app.screen.names]
            assert sorted(names) == ["Decoder", "Encoder"]
            await pilot.press("space", "escape")
            assert shown(app) and all(r["chainlet"] == names[1] for r in shown(app))
            await pilot.press("q")

    asyncio.run(scenario())


def test_no_chainlets_is_said_and_no_picker_opens() -> None:
    async def scenario() -> None:
        app = app_with([line(i) for i in range(5)])
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("c")
            assert not isinstance(app.screen, PickerScreen)
            assert "no chainlets named" in status(app)
            await pilot.press("q")

    asyncio.run(scenario())


def test_picks_mean_get_replica_and_none_ticked_shows_nothing() -> None:
    unnamed = {"timestamp": "1", "message": "x"}
    picked = Picks(replica=frozenset({"a1b2c"})).narrowed(Keeping()).predicate()
    assert picked(line(0)) and not picked(line(1)) and not picked(unnamed)
    assert not Picks(replica=frozenset()).narrowed(Keeping()).predicate()(line(0))
    assert Picks().narrowed(Keeping()) == Keeping()
    # With a search too: both must hold.
    both = Picks(replica=frozenset({"a1b2c"})).narrowed(
        Keeping(search=lambda r: "boom" in r["message"])
    )
    assert both.predicate()(line(0)) and not both.predicate()(line(5))


def test_a_hostile_replica_name_is_inert_in_the_picker() -> None:
    async def scenario() -> None:
        app = app_with([line(0, replica="[bold]x\x1b[31m")])
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r")
            await pilot.pause()
            text = app.export_screenshot()
            assert "[bold]x" in text and "\x1b[31m" not in text
            await pilot.press("escape", "q")

    asyncio.run(scenario())


# --- 2. a line's request story and its neighbours ------------------------------------------


@pytest.fixture(scope="module")
def still() -> Iterator[Emulator]:
    """An emulator whose clock stands still: the lines `request` finds do not change between
    the browser's look and the command's."""
    now = time.time()
    config = EmulatorConfig(seed=11, clock=lambda: now, rate_limit_per_s=None)
    with Emulator(config) as emulator:
        yield emulator


def browser(emu: Emulator, *, limit: str) -> BrowseApp:
    planned = browse_plan(emu, limit=limit)
    return make_app(
        planned.run_of, title=planned.title, max_lines=planned.max_lines, utc=True, save_name="x"
    )


def test_r_in_the_detail_pane_shows_what_request_prints_asked_off_the_ui_thread(
    still: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[str] = []
    asked = Lookups.story

    def story(self: Lookups, request_id: str) -> tuple[str, list[Any]]:
        threads.append(threading.current_thread().name)
        return asked(self, request_id)

    monkeypatch.setattr(Lookups, "story", story)

    async def scenario() -> list[Any]:
        app = browser(still, limit="200")
        async with app.run_test(size=SIZE) as pilot:
            await until(lambda: len(app.lines) >= 200)
            await pilot.press("home")
            view = app.view
            while request_id_of(app.lines[app.lines.visible[view.cursor]]) is None:
                await pilot.press("down")
            cursor = view.cursor
            record = app.lines[app.lines.visible[cursor]]
            await pilot.press("enter", "r")
            overlay = app.screen
            assert isinstance(overlay, StoryScreen)
            await until(lambda: bool(overlay.records))
            told = str(overlay.query_one("#story").render())
            assert str(record["request_id"]) in told
            await pilot.press("escape", "escape")  # the story, then the pane: back to the line
            assert app.screen is app.screen_stack[0] and view.cursor == cursor
            await pilot.press("q")
            return [record["request_id"], overlay.records]

    request_id, story_lines = asyncio.run(scenario())
    assert threads and threads[0] != threading.main_thread().name
    env = {"BASETEN_API_KEY": still.api_key, "BASETEN_API_URL": still.url}
    result = invoke(
        "request", request_id, DEMO_MODEL_ID, DEMO_DEPLOYMENT_ID, "-o", "jsonl", env=env
    )
    assert result.status == 0, result.stderr
    printed = [json.loads(text) for text in result.stdout.splitlines()]
    # -o jsonl adds the level it shows; every field the API sent is the same.
    assert story_lines == [{k: v for k, v in r.items() if k != SHOWN_LEVEL_FIELD} for r in printed]


def test_esc_while_the_api_is_asked_goes_back_and_its_late_answer_is_harmless(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answer = threading.Event()

    def story(self: Lookups, request_id: str) -> tuple[str, list[Any]]:
        answer.wait(10)
        return "late", [line(0)]

    monkeypatch.setattr(Lookups, "story", story)

    async def scenario() -> None:
        app = app_with([line(i, request_id="req-1") for i in range(3)])
        app.lookups = Lookups(None, (), 1, 1.0)  # type: ignore[arg-type]  # never asked
        async with app.run_test(size=SIZE) as pilot:
            cursor = app.view.cursor
            await pilot.press("enter", "r")
            assert isinstance(app.screen, StoryScreen)
            await pilot.press("escape", "escape")  # not waiting for the answer
            assert app.screen is app.screen_stack[0] and app.view.cursor == cursor
            answer.set()
            await app.workers.wait_for_complete()
            await pilot.press("up")
            assert app.view.cursor == cursor - 1
            await pilot.press("q")

    asyncio.run(scenario())


def test_a_line_without_a_request_id_says_so() -> None:
    async def scenario() -> None:
        app = app_with([line(i) for i in range(3)])
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("enter", "r")
            assert isinstance(app.screen, StoryScreen)
            assert "no request id" in str(app.screen.query_one("#story").render())
            await pilot.press("escape", "escape", "q")

    asyncio.run(scenario())


def test_a_shows_the_lines_around_on_that_replica_from_what_is_loaded() -> None:
    records = [line(i) for i in range(200)]

    async def scenario() -> None:
        app = app_with(records)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("home", *["down"] * 100)
            record = app.lines[app.lines.visible[100]]
            await pilot.press("enter", "a")
            overlay = app.screen
            assert isinstance(overlay, StoryScreen)
            same = [r for r in records if r["replica"] == record["replica"]]
            at = [r is record for r in same].index(True)
            assert overlay.records == same[at - AROUND : at + AROUND + 1]
            await pilot.press("escape", "escape")
            assert app.view.cursor == 100
            await pilot.press("q")

    asyncio.run(scenario())


def test_neighbours_of_a_line_with_no_replica_are_none() -> None:
    lines = LoadedLines()
    lines.add([{"timestamp": "1", "message": "x"}])
    assert neighbours(lines, 0) is None


def test_older_neighbours_than_those_loaded_are_asked_of_the_api_and_are_that_replicas(
    still: Emulator,
) -> None:
    async def scenario() -> tuple[Any, list[Any], list[Any]]:
        app = browser(still, limit="30")
        async with app.run_test(size=SIZE) as pilot:
            await until(lambda: len(app.lines) >= 30)
            # Home at the top would read the page before (browse/older.py): held off here, so
            # the line under the cursor stays the oldest loaded, with nothing loaded before it.
            app.older = None
            await pilot.press("home")
            record = app.lines[app.lines.visible[0]]  # the oldest loaded: nothing before it
            await pilot.press("enter", "a")
            overlay = app.screen
            assert isinstance(overlay, StoryScreen)
            await until(lambda: "asked of the API" in str(overlay.query_one("#story").render()))
            loaded = app.lines.records()
            await pilot.press("escape", "escape", "q")
            return record, overlay.records, loaded

    record, around, loaded = asyncio.run(scenario())
    before = around[: [r is record for r in around].index(True)]
    assert all(r["replica"] == record["replica"] for r in around)
    # The newest lines `get --replica R` shows up to the oldest loaded, less those loaded.
    env = {"BASETEN_API_KEY": still.api_key, "BASETEN_API_URL": still.url}
    until_ms = int(loaded[0]["timestamp"]) // 1_000_000
    result = invoke(
        "get", DEMO_MODEL_ID, DEMO_DEPLOYMENT_ID, "--replica", str(record["replica"]),
        "--since", str(until_ms - MAX_WINDOW_MS + 1), "--until", str(until_ms),
        "-n", str(AROUND + len(loaded)), "-o", "jsonl", env=env,
    )  # fmt: skip
    assert result.status == 0, result.stderr
    held = {record_key(r) for r in loaded}
    got = [key for text in result.stdout.splitlines() if (key := record_key(json.loads(text)))]
    expected = [key for key in got if key not in held][-AROUND:]
    assert [record_key(r) for r in before] == expected
    assert len(expected) == AROUND or len(got) < AROUND + len(loaded)  # all there were


# --- 3. search in a worker -----------------------------------------------------------------


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[threading.Event, list[str]]]:
    """Every search off the UI thread waits for the gate, so the test decides when it ends."""
    opened = threading.Event()
    started: list[str] = []
    search = search_worker.search_held

    def held_back(*args: Any) -> list[int] | None:
        started.append(threading.current_thread().name)
        opened.wait(10)
        return search(*args)

    monkeypatch.setattr(search_worker, "search_held", held_back)
    yield opened, started
    opened.set()


def test_a_long_search_leaves_the_keys_answered_and_a_stale_one_is_never_shown(
    gate: tuple[threading.Event, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    opened, started = gate
    count = search_worker.OFF_THREAD_FROM * 5
    records = [line(i) for i in range(count)]
    adopted: list[Any] = []
    adopt = LoadedLines.adopt

    def spy(self: LoadedLines, keeping: Keeping, *args: Any) -> None:
        adopted.append(keeping)
        adopt(self, keeping, *args)

    monkeypatch.setattr(LoadedLines, "adopt", spy)

    async def scenario() -> None:
        app = app_with(records)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("slash", *"fine", "enter")
            await until(lambda: len(started) == 1)  # searching, held at the gate
            assert app.filtering.searching == "fine"
            assert "searching /fine" in status(app)
            before = app.view.cursor
            await pilot.press("up")  # the UI answers while the search runs
            assert app.view.cursor == before - 1
            await pilot.press("slash", "ctrl+u", *"boom", "enter")  # a new pattern
            await until(lambda: len(started) == 2)
            # Lines that come meanwhile are filtered too once the answer comes.
            app.add_lines([line(count + 7), line(count + 8)])  # a boom, a fine
            opened.set()
            await until(lambda: not app.filtering.busy)
            await pilot.pause()
            assert len(adopted) == 1  # "fine" was cancelled (or dropped): only "boom" shown
            assert all("boom" in r["message"] for r in shown(app))
            expected = [r for r in [*records, line(count + 7)] if "boom" in r["message"]]
            assert shown(app) == expected
            assert "/boom (only found)" in status(app)
            await pilot.press("q")

    asyncio.run(scenario())


def test_a_search_over_few_lines_is_applied_at_once() -> None:
    async def scenario() -> None:
        app = app_with([line(i) for i in range(50)])
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("slash", *"boom", "enter")
            assert not app.filtering.busy
            assert shown(app) and all("boom" in r["message"] for r in shown(app))
            await pilot.press("q")

    asyncio.run(scenario())


def test_search_held_stops_when_cancelled() -> None:
    records = [line(i) for i in range(search_worker.CHUNK * 3)]
    loaded = LoadedLines()
    loaded.add(records)
    held = loaded.held()
    keeping = Keeping(search=lambda r: True)
    calls = iter([False, True])
    assert search_worker.search_held(held, keeping, lambda: next(calls)) is None
    assert search_worker.search_held(replace(held, first=5), keeping, lambda: False) == list(
        range(5, 5 + len(records))
    )
