"""On a terminal: a progress line during long fetches, one line when nothing matched."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path
from typing import Any

import pytest

from baseten_logs.base.timeparse import span
from baseten_logs.output import messages
from baseten_logs.output.terminal import shows_fetch_progress
from baseten_logs.reading.pager import Direction
from baseten_logs.reading.progress import FetchProgress, describe_filters, nothing_matched
from baseten_logs.reading.query import Filters
from tests.conftest import invoke
from tests.fakeapi import FakeLogs

MS = 1_000_000
HOUR = 3_600_000


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_progress_shows_window_covered_lines_and_requests_once_a_fetch_is_slow(
    capsys: pytest.CaptureFixture[str],
) -> None:
    clock = Clock()
    status = messages.StatusLine(enabled=True, width=lambda: 200)
    progress = FetchProgress(status, window_ms=20 * 24 * HOUR, clock=clock)

    def fetch(start: int, end: int, direction: Direction, limit: int) -> list[dict[str, Any]]:
        return []  # nothing matches: every request covers its whole window

    counted = progress.wrap(fetch)
    counted(0, 7 * 24 * HOUR, "desc", 500)
    assert capsys.readouterr().err == ""  # quick so far: nothing shown
    clock.now = 5.0
    counted(7 * 24 * HOUR, 14 * 24 * HOUR, "desc", 500)
    assert "fetching… 14d of 20d covered, 0 lines read, 2 requests" in capsys.readouterr().err
    status.clear()


def test_span_reads_like_speech() -> None:
    assert [span(ms) for ms in (450, 45_000, 11_400_000, 20 * 86_400_000 + HOUR)] == [
        "450ms",
        "45s",
        "3h 10m",
        "20d 1h",
    ]


def test_nothing_matched_names_the_window_and_the_filters() -> None:
    since = 1_764_237_600_000  # 2025-11-27 10:00 UTC
    filters = Filters(replica="nosuch", search_pattern="a b")
    assert nothing_matched(since, since + 30 * 60_000, filters, utc=True) == (
        "no lines between 2025-11-27 10:00:00 and 10:30:00 UTC"
        " matching --replica nosuch --grep 'a b'"
    )
    assert describe_filters(Filters()) == ""


GET = ("get", "mdl1234", "dep5678", "--since", "2025-11-26T09:00:00Z", "--until", "+1h")


@pytest.mark.parametrize(
    ("env", "flags", "said"),
    [
        ({"TTY_COMPATIBLE": "1"}, (), True),
        ({"TTY_COMPATIBLE": "1"}, ("-q",), False),
        ({}, (), False),  # piped
    ],
)
def test_an_empty_result_says_so_on_a_terminal_only(
    logs_api: FakeLogs, env: dict[str, str], flags: tuple[str, ...], said: bool
) -> None:
    logs_api.records = []  # what the API answers for a replica that does not exist
    result = invoke(*GET, "--replica", "nosuch", "--utc", *flags, env=env)
    assert result.status == 0
    assert result.stdout == ""
    expected = (
        "baseten-logs: no lines between 2025-11-26 09:00:00 and 10:00:00 UTC"
        " matching --replica nosuch\n"
    )
    assert (result.stderr == expected) is said
    assert (result.stderr == "") is not said


# --- Issue 22, item 4: never a blank screen for more than a second ------------------------------
def test_the_line_shows_within_a_second_while_no_answer_has_come(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """One request scanning a week server-side can take seconds: the line must not wait for it."""
    status = messages.StatusLine(enabled=True, width=lambda: 200)
    progress = FetchProgress(status, window_ms=7 * 24 * HOUR, after=0.05, every=0.02).start()
    try:
        deadline = time.monotonic() + 5
        while "fetching…" not in (seen := capsys.readouterr().err) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        progress.stop()
    assert "fetching… 0ms of 7d covered, 0 lines read, 0 requests, 0 lines/s" in seen
    assert capsys.readouterr().err.endswith("\r\x1b[2K")  # stopped: erased, nothing after


def test_the_line_gives_the_rate_of_lines_read(capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    status = messages.StatusLine(enabled=True, width=lambda: 200)
    progress = FetchProgress(status, window_ms=HOUR, clock=clock)

    def fetch(start: int, end: int, direction: Direction, limit: int) -> list[dict[str, Any]]:
        return [{"timestamp": str((start + i) * 1_000_000), "message": "x"} for i in range(limit)]

    clock.now = 2.0
    progress.wrap(fetch)(0, HOUR, "asc", 1000)
    assert "1,000 lines read, 1 request, 500 lines/s" in capsys.readouterr().err
    status.clear()


def test_pages_filtered_to_nothing_leave_the_line_up(capsys: pytest.CaptureFixture[str]) -> None:
    """A local filter that matches nothing makes empty pages; erasing the line for each of them
    blanked the screen for the whole scan (`training --all --since 7d --grep nosuch`)."""
    from baseten_logs.cli.sinks import SinkSet
    from baseten_logs.reading.run import _write

    status = messages.StatusLine(enabled=True, width=lambda: 200)
    progress = FetchProgress(status, window_ms=HOUR)
    status.show(progress.describe())
    capsys.readouterr()
    _write(SinkSet([]), [], progress)
    assert capsys.readouterr().err == ""  # not erased


def test_progress_shows_with_stdout_a_file_and_stderr_a_terminal(tmp_path: Path) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    with (tmp_path / "out").open("w") as file, open(os.devnull, "w") as null:
        assert shows_fetch_progress(file, Tty(), {})  # `--all > file`
        assert shows_fetch_progress(null, Tty(), {})  # `> /dev/null`
        assert not shows_fetch_progress(file, io.StringIO(), {})  # stderr no terminal
    read, write = os.pipe()
    with os.fdopen(read) as reader, os.fdopen(write, "w") as pipe:
        assert not shows_fetch_progress(pipe, Tty(), {})  # `| less`: its reader shares the screen
        assert reader.readable()
    # a stdout with no descriptor (a caller's buffer), or one closed: not known to be a file
    assert not shows_fetch_progress(io.StringIO(), Tty(), {})
    closed = (tmp_path / "closed").open("w")
    closed.close()
    assert not shows_fetch_progress(closed, Tty(), {})
