"""`browse`'s reading: the very pipeline `get -f` runs (reading/run.execute: the newest lines,
then the follower, nothing lost or doubled), in a thread, its pages handed to the screen.

The screen is one more sink. What the pipeline would say on stderr (a crowded millisecond, a
hint) is told to the status bar instead: a full-screen app owns the terminal. Closing the window
sets `Stop`, which the follower's wait and the sink both obey, so the thread ends at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from baseten_logs.base.errors import BasetenLogsError
from baseten_logs.base.timeparse import Zone, format_ms
from baseten_logs.reading.outcome import Outcome
from baseten_logs.reading.query import LogQuery
from baseten_logs.reading.run import Run, execute

Deliver = Callable[[list[Mapping[str, Any]]], None]
Tell = Callable[[str], None]


class WindowClosed(Exception):
    """The browser was closed: the reading stops where it is."""


class Stop:
    """Set when the window closes; the follower's wait between polls ends then."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()

    def sleep(self, seconds: float) -> None:
        """The follower's pause: cut short, with WindowClosed, when the window closes."""
        if self._event.wait(seconds):
            raise WindowClosed


@dataclass
class ScreenSink:
    """The pipeline's Sinks (reading/run.Sinks): each page handed to the screen whole."""

    deliver: Deliver
    stop: Stop

    def write(self, records: Sequence[Mapping[str, Any]], late: int = 0) -> None:
        if self.stop.is_set():
            raise WindowClosed
        if records:
            self.deliver(list(records))

    def close(self) -> None:
        pass


@dataclass
class StatusOutcome(Outcome):
    """The run's outcome, its words told to the status bar instead of stderr."""

    tell: Tell = field(default=lambda text: None)

    def on_gap(self, ms: int) -> None:
        self.gaps.append(ms)
        self.tell(f"more lines share the millisecond {format_ms(ms)} than a page holds")

    def nothing_matched(self, query: LogQuery, *, zone: Zone | None) -> None:
        self.tell("no lines in the window yet")

    def hint(self, hints: Sequence[str]) -> None:
        for hint in hints:
            self.tell(hint)


def read(
    run: Run, deliver: Deliver, tell: Tell, failed: Callable[[BasetenLogsError], None], stop: Stop
) -> None:
    """The run into `deliver`, until it ends or the window closes (the body of the thread)."""
    try:
        execute(run, ScreenSink(deliver, stop), StatusOutcome(tell=tell))
    except WindowClosed:
        return
    except BasetenLogsError as exc:
        if not stop.is_set():
            failed(exc)
        return
    except Exception as exc:  # a bug must not die silently in a thread, nor print a traceback
        if not stop.is_set():
            failed(BasetenLogsError(f"reading stopped: {type(exc).__name__}: {exc}"))
        return
    if not stop.is_set():
        tell("not following: the run ended")


def start(
    run: Run, deliver: Deliver, tell: Tell, failed: Callable[[BasetenLogsError], None], stop: Stop
) -> None:
    """The reader started in a daemon thread (a request in flight must not hold the exit);
    `run` waits between polls with `stop.sleep`."""
    thread = threading.Thread(
        target=read, args=(run, deliver, tell, failed, stop), name="browse-reader", daemon=True
    )
    thread.start()
