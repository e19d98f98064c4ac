"""`browse` with 100,000 lines loaded: keystroke-to-screen latency and peak memory, against
issue 29's targets (under 50 ms a key, under 200 MB).

The app runs under Textual's headless pilot, over in-memory lines shaped like the API's
(render_bench.make_records). Each keystroke is sent as the terminal driver sends one (a Key
event, not the pilot's `press`, whose idle waits would be timed too), and timed until the
screen's next frame is composed and turned into the bytes a terminal would be sent (the
headless driver discards them; this bench renders them, as a real driver does). So a figure is
all a user waits for: the key's handler, the rows redrawn, Textual's compositing and its frame
timer. The bench waits for each frame on an event, never spinning: a spinning loop would hold
the GIL that browse's search thread needs, and time the bench's own work. Median and p95 over N
keystrokes of each kind:

  level    d i w e, each toggling a level (every line's visibility worked out again)
  scroll   up, PgUp, down, PgDn from the newest line (paused, rows redrawn)
  search   a character typed in the search prompt: `echo` is the frame that shows it; `filter`
           is the frame that shows the lines found, timed from the end of the pause browse takes
           once typing stops (0.15 s, on purpose: a regular expression over every line is not
           run for each key), so it is the work, not the wait

Peak memory is the process's peak resident size (Python, Textual and the lines): run alone, as
`make bench` runs it (benchmarks/run.py, section `browse`). A report, not a test.

    .venv/bin/python benchmarks/browse_bench.py [--lines N] [--keys N]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from harness import table, verdict
from render_bench import make_records
from textual import events
from textual._compositor import CompositorUpdate

from baseten_logs.browse.lines import LoadedLines
from baseten_logs.browse.screen import SEARCH_PAUSE_S, BrowseApp

TARGET_MS = 50.0
TARGET_MB = 200.0
FRAME_TIMEOUT_S = 5.0
SIZE = (120, 40)


def rss_mb() -> float:
    """The process's peak resident size so far (ru_maxrss: KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


@dataclass
class Frames:
    """The frames the app composes, each rendered to a terminal's bytes, and when."""

    app: BrowseApp
    count: int = 0
    last_at: float = 0.0
    searched_at: list[float] = field(default_factory=list)
    # Set at each frame or search: the bench waits on it, never spinning (a spinning loop would
    # hold the GIL the search thread needs, and time the bench's own work).
    news: asyncio.Event = field(default_factory=asyncio.Event)

    def install(self) -> None:
        display = self.app._display
        search_for = self.app._search_for

        def displayed(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            if isinstance(renderable, CompositorUpdate):
                renderable.render_segments(self.app.console)  # what a driver writes
                self.count += 1
                self.last_at = time.perf_counter()
                self.news.set()

        def searching(pattern: str) -> None:
            self.searched_at.append(time.perf_counter())  # the pause is over: the work starts
            self.news.set()
            search_for(pattern)

        self.app._display = displayed  # type: ignore[method-assign]  # instance hooks
        self.app._search_for = searching  # type: ignore[method-assign]

    async def until(self, done: Callable[[], bool], timeout_s: float, what: str) -> None:
        """Waits (without spinning) until `done()`."""
        deadline = time.perf_counter() + timeout_s
        while not done():
            self.news.clear()
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(what)
            try:
                await asyncio.wait_for(self.news.wait(), left)
            except asyncio.TimeoutError:
                raise TimeoutError(what) from None

    async def next_frame(self, seen: int) -> float:
        """When the first frame after frame number `seen` was ready."""
        await self.until(lambda: self.count != seen, FRAME_TIMEOUT_S, "no frame came")
        return self.last_at


def key_event(key: str) -> events.Key:
    char = key if len(key) == 1 else ("\x7f" if key == "backspace" else None)
    return events.Key(key, char)


async def keystroke(app: BrowseApp, frames: Frames, key: str) -> float:
    """Milliseconds from the key sent to its frame ready."""
    await settle()
    seen = frames.count
    start = time.perf_counter()
    assert app._driver is not None
    app._driver.send_message(key_event(key))
    return (await frames.next_frame(seen) - start) * 1000


async def settle() -> None:
    """Until a frame timer's period has passed with nothing pending: keys come one at a time."""
    await asyncio.sleep(0.03)


async def typed(app: BrowseApp, frames: Frames, key: str) -> tuple[float, float]:
    """A search character: (its echo, the lines found) in milliseconds (see the module)."""
    searches = len(frames.searched_at)
    echo = await keystroke(app, frames, key)

    def ran() -> bool:
        return len(frames.searched_at) != searches

    await frames.until(ran, FRAME_TIMEOUT_S + SEARCH_PAUSE_S, "the search did not run")
    began, seen = frames.searched_at[-1], frames.count
    done = frames.last_at if frames.last_at > began else await frames.next_frame(seen)
    return echo, (done - began) * 1000


def cycle(keys: list[str], n: int) -> list[str]:
    return [keys[i % len(keys)] for i in range(n)]


async def measure(lines: int, keys: int) -> dict[str, list[float]]:
    loaded = LoadedLines(max_lines=lines)
    loaded.add(make_records(lines))
    app = BrowseApp(title="bench", lines=loaded, utc=True)
    took: dict[str, list[float]] = {}
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        frames = Frames(app)
        frames.install()

        async def run(kind: str, sequence: list[str], before: Callable[[], object]) -> None:
            before()
            await pilot.pause()
            took[kind] = [await keystroke(app, frames, key) for key in sequence]

        await run("level (d i w e)", cycle(["d", "i", "w", "e"], keys), lambda: None)
        scrolls = cycle(["up", "pageup", "up", "pageup", "down", "pagedown"], keys)
        await run("scroll (up, PgUp, down, PgDn)", scrolls, app.action_follow)
        app.action_follow()
        app.action_search()
        await pilot.pause()
        word = "timeout"
        sequence = cycle([*word, *["backspace"] * len(word)], keys)
        echoes, filters = [], []
        for key in sequence:
            echo, found = await typed(app, frames, key)
            echoes.append(echo)
            filters.append(found)
        took["search: echo of a character"] = echoes
        took["search: the lines found"] = filters
        await pilot.press("escape", "q")
    return took


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def report(lines: int, keys: int) -> bool:
    """Prints the figures; whether every one met its target."""
    took = asyncio.run(measure(lines, keys))
    peak = rss_mb()
    print(f"browse, {lines:,} lines loaded, {SIZE[0]}x{SIZE[1]}, {keys} keystrokes of each kind")
    rows: list[list[object]] = []
    ok = True
    for kind, values in took.items():
        met = p95(values) <= TARGET_MS
        ok &= met
        rows.append([kind, *(f"{v:.1f} ms" for v in (statistics.median(values), p95(values),
                     max(values))), f"{TARGET_MS:.0f} ms", verdict(met)])  # fmt: skip
    met = peak <= TARGET_MB
    rows.append(["peak memory (the process)", f"{peak:.0f} MB", "", "", f"{TARGET_MB:.0f} MB",
                 verdict(met)])  # fmt: skip
    print(table(["keystroke to screen", "median", "p95", "worst", "target", ""], rows))
    return ok and met


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--keys", type=int, default=40, help="keystrokes of each kind")
    args = parser.parse_args()
    report(args.lines, args.keys)


if __name__ == "__main__":
    main()
