"""`browse` with 100,000 lines loaded: how long a keystroke's work takes, and the memory the
lines take (issue 29's targets: under 50 ms, under 200 MB).

Over in-memory lines shaped like the API's (render_bench.make_records), each key's action is
called as its binding calls it, then every row of the view is drawn as a repaint draws it
(LogView.render_line): the work a keystroke costs this code. Textual's own compositing and the
terminal come on top; the headless pilot's round trip for one key on a screen of 1,000 lines is
printed as that overhead's measure (it includes the pilot's own waits). A report, not a test.

    .venv/bin/python benchmarks/browse_bench.py [--lines N]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import time
from collections.abc import Callable

from render_bench import make_records

from baseten_logs.browse.lines import LoadedLines
from baseten_logs.browse.screen import BrowseApp

TARGET_MS = 50
TARGET_MB = 200


def cases(app: BrowseApp) -> list[tuple[str, Callable[[], object], int]]:
    """(what, the key's action, how many times)."""

    def search(pattern: str) -> Callable[[], object]:
        return lambda: app._search_for(pattern)

    return [
        ("up: a line", lambda: app.action_move(-1), 20),
        ("PgUp: a page", lambda: app.action_page(-1), 10),
        ("e: hide or show ERROR lines", lambda: app.action_level("ERROR"), 10),
        ("d: hide or show DEBUG lines", lambda: app.action_level("DEBUG"), 10),
        ("/timeout: a word", search("timeout"), 1),
        ("n: the next line found", app.action_next_match, 10),
        ("&: every line, matches highlighted", app.action_only_matches, 2),
        ("/time(d|out): a pattern", search("time(d|out)"), 1),
        ("Esc: no search", search(""), 1),
        ("End: the newest, following", app.action_follow, 5),
    ]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def repaint(app: BrowseApp) -> None:
    view = app.view
    for y in range(view.size.height):
        view.render_line(y)


async def measure(lines: int) -> None:
    before = rss_mb()
    loaded = LoadedLines(max_lines=lines)
    loaded.add(make_records(lines))
    print(f"{lines:,} lines loaded: {rss_mb() - before:.0f} MB more (target under {TARGET_MB})")
    app = BrowseApp(title="bench", lines=loaded, utc=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for what, action, times in cases(app):
            took = []
            for _ in range(times):
                start = time.perf_counter()
                action()
                repaint(app)
                took.append((time.perf_counter() - start) * 1000)
            worst, median = max(took), statistics.median(took)
            mark = "ok" if worst <= TARGET_MS else "SLOW"
            print(f"  {what:38} median {median:7.1f} ms, worst {worst:7.1f} ms  {mark}")
        await pilot.press("q")


async def pilot_round_trip() -> float:
    loaded = LoadedLines()
    loaded.add(make_records(1000))
    app = BrowseApp(title="bench", lines=loaded, utc=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        took = []
        for _ in range(10):
            start = time.perf_counter()
            await pilot.press("up")
            await pilot.pause()
            took.append((time.perf_counter() - start) * 1000)
        await pilot.press("q")
    return statistics.median(took)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=100_000)
    asyncio.run(measure(parser.parse_args().lines))
    round_trip = asyncio.run(pilot_round_trip())
    print(f"  (the pilot's round trip for one key, 1,000 lines: {round_trip:.0f} ms)")


if __name__ == "__main__":
    main()
