"""A `browse` session: the app, the reader feeding it, and how it ends.

The command (cli/browse.py) plans the run as `get -f` would and hands it here; the reader's
thread calls into the app only through `call_from_thread` (Textual is not thread-safe), and a
window that has closed turns those calls into WindowClosed, which ends the thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from baseten_logs.base.timeparse import Zone
from baseten_logs.browse.lines import LoadedLines, ViewFilter
from baseten_logs.browse.older import Older
from baseten_logs.browse.reader import Stop, WindowClosed, start
from baseten_logs.browse.screen import BrowseApp
from baseten_logs.browse.story import lookups_of
from baseten_logs.reading.run import Run

RunOf = Callable[[Stop], Run]  # the run, its follower waiting with the stop's sleep


def reader_starter(run_of: RunOf) -> Callable[[BrowseApp], Callable[[], None]]:
    """What the app calls once mounted: the reader started; what stops it."""

    def begin(app: BrowseApp) -> Callable[[], None]:
        stop = Stop()

        def into_app(method: Callable[..., object]) -> Callable[[Any], None]:
            def call(argument: Any) -> None:
                if stop.is_set():
                    raise WindowClosed
                try:  # stopped meanwhile (End re-reading the newest): the call is dropped
                    app.call_from_thread(lambda: None if stop.is_set() else method(argument))
                except RuntimeError:  # the app has gone: nothing to show it on
                    raise WindowClosed from None

            return call

        deliver = into_app(app.add_lines)
        run = run_of(stop)
        app.older = app.older or Older(run)  # scrolling back reads as this run does
        app.lookups = lookups_of(run)  # a line's request and replica, asked as the run asks
        start(run, deliver, into_app(app.tell), into_app(app.reader_failed), stop)
        return stop.set

    return begin


def make_app(
    run_of: RunOf,
    *,
    title: str,
    max_lines: int,
    utc: bool | Zone,
    save_name: str,
    view_filter: ViewFilter | None = None,
) -> BrowseApp:
    return BrowseApp(
        title=title,
        lines=LoadedLines(max_lines=max_lines),
        utc=utc,
        save_name=save_name,
        start=reader_starter(run_of),
        view_filter=view_filter,
    )


def browse(
    run_of: RunOf,
    *,
    title: str,
    max_lines: int,
    utc: bool | Zone,
    save_name: str,
    view_filter: ViewFilter | None = None,
) -> None:
    """Runs the browser until it is closed. A failure before any line (a wrong key, an unknown
    model) is raised once the terminal is back, so the command reports it as `get` would."""
    app = make_app(
        run_of,
        title=title,
        max_lines=max_lines,
        utc=utc,
        save_name=save_name,
        view_filter=view_filter,
    )
    try:
        app.run()  # stderr is the app's meanwhile: what is said shows in its status bar
    finally:
        app.stop_reading()
    if app.failure is not None:
        raise app.failure
