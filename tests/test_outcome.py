"""What a run leaves behind (reading/outcome.py): the exit status, gap warnings, -v's counts,
--summary and the --save file, as a user sees them on stderr and on disk."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from pytest_httpx import HTTPXMock

from baseten_logs.access.config import Credentials
from baseten_logs.base.errors import ExitStatus
from baseten_logs.base.timeparse import UTC
from baseten_logs.cli.sandbox import sandbox_feed
from baseten_logs.output.pipes import SaveFile
from baseten_logs.output.summary import Tally
from baseten_logs.reading.feed import Feed, Part, crowd_reach
from baseten_logs.reading.outcome import (
    REACH,
    Extras,
    Outcome,
    end_run,
    outcome,
    parallel_summary,
    warn_gap,
)
from baseten_logs.reading.parallel import ParallelWindow
from baseten_logs.reading.query import Filters, LogQuery
from baseten_logs.sources.sandboxes import SANDBOX_REACH
from tests.fakeapi import API_URL

T0_MS = 1_764_147_600_000  # 2025-11-26T09:00:00.000Z


def tally_of(*levels: str | None) -> Tally:
    tally = Tally()
    tally.write_page(
        [
            {"timestamp": str((T0_MS + i) * 1_000_000), "message": "m", "level": lvl}
            for i, lvl in enumerate(levels)
        ]
    )
    return tally


def test_a_crowded_millisecond_is_warned_with_the_filters_that_thin_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    warn_gap(T0_MS)
    assert capsys.readouterr().err == (
        "baseten-logs: warning: more lines share the millisecond 2025-11-26T09:00:00.000Z than"
        " the API can return (a page from each end, replica by replica); some of them are not shown"
        " (narrow with --replica, --request-id or --grep)\n"
    )


def test_a_crowded_millisecond_without_narrowing_filters_names_none(
    capsys: pytest.CaptureFixture[str],
) -> None:
    warn_gap(T0_MS, narrowing=False)
    err = capsys.readouterr().err
    assert err.endswith("some of them are not shown\n")
    assert "narrow" not in err


@pytest.mark.parametrize(
    ("fail_on", "levels", "gaps", "status"),
    [
        (None, ["ERROR"], [], ExitStatus.OK),
        ("ERROR", ["INFO", "WARNING"], [], ExitStatus.OK),
        ("ERROR", ["INFO", "ERROR"], [], ExitStatus.MATCHED),
        ("WARNING", ["ERROR"], [T0_MS], ExitStatus.MATCHED),  # --fail-on wins over a gap
        ("ERROR", ["INFO"], [T0_MS], ExitStatus.INCOMPLETE),
        (None, [], [T0_MS], ExitStatus.INCOMPLETE),
        ("ANY", [], [], ExitStatus.OK),
        ("ANY", ["DEBUG"], [], ExitStatus.MATCHED),
    ],
)
def test_exit_status_fail_on_then_gaps_then_ok(
    fail_on: str | None, levels: list[str], gaps: list[int], status: ExitStatus
) -> None:
    extras = Extras(fail_on=fail_on)
    assert outcome(extras, tally_of(*levels), gaps) == status
    assert Outcome(extras=extras, tally=tally_of(*levels), gaps=list(gaps)).status() == status


def test_fail_on_without_counts_cannot_match() -> None:
    assert outcome(Extras(fail_on="ANY"), None, []) == ExitStatus.OK
    assert outcome(Extras(fail_on="ANY"), None, [T0_MS]) == ExitStatus.INCOMPLETE


def test_a_gap_is_warned_at_once_and_makes_the_run_incomplete(
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = Outcome()
    assert run.status() == ExitStatus.OK
    run.on_gap(T0_MS)
    assert "millisecond 2025-11-26T09:00:00.000Z" in capsys.readouterr().err
    assert run.gaps == [T0_MS]
    assert run.status() == ExitStatus.INCOMPLETE


@pytest.mark.parametrize(
    ("requests", "said"), [(0, "0 requests"), (1, "1 request"), (2, "2 requests")]
)
def test_verbose_counts_the_requests(
    requests: int, said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    end_run(Extras(), None, completed=True, requests=requests, verbose=True)
    assert capsys.readouterr().err == f"baseten-logs: {said}\n"


def test_without_verbose_or_summary_nothing_is_said(capsys: pytest.CaptureFixture[str]) -> None:
    end_run(Extras(), tally_of("INFO"), completed=True, requests=3, verbose=False)
    Outcome(tally=tally_of("INFO"), requests=3, completed=True).finish()
    assert capsys.readouterr().err == ""


def test_summary_is_reported_with_the_request_count(capsys: pytest.CaptureFixture[str]) -> None:
    tally = tally_of("INFO", "ERROR")
    end_run(Extras(summary=True), tally, completed=True, requests=3, verbose=False)
    assert capsys.readouterr().err == f"baseten-logs: {tally.describe(requests=3)}\n"
    assert "3 requests" in tally.describe(requests=3)


def test_summary_needs_counts(capsys: pytest.CaptureFixture[str]) -> None:
    end_run(Extras(summary=True), None, completed=True, requests=3, verbose=False)
    assert capsys.readouterr().err == ""


def test_verbose_count_comes_before_the_summary(capsys: pytest.CaptureFixture[str]) -> None:
    tally = tally_of("INFO")
    Outcome(extras=Extras(summary=True), tally=tally, verbose=True, requests=1).finish()
    assert capsys.readouterr().err.splitlines() == [
        "baseten-logs: 1 request",
        f"baseten-logs: {tally.describe(requests=1)}",
    ]


def saved(path: Path) -> SaveFile:
    path.parent.mkdir()
    path.write_text("before\n")
    return SaveFile(str(path))


def test_a_completed_run_puts_its_save_file_in_place(tmp_path: Path) -> None:
    target = tmp_path / "saved" / "out.jsonl"
    save = saved(target)
    Outcome(extras=Extras(save_file=save), completed=True).finish()
    assert target.read_text() == ""  # the run completed with no line: FILE is that (empty)
    assert list(target.parent.iterdir()) == [target]  # no temporary file left


def test_a_run_that_failed_before_any_line_leaves_the_save_file_as_it_was(tmp_path: Path) -> None:
    target = tmp_path / "saved" / "out.jsonl"
    save = saved(target)
    Outcome(extras=Extras(save_file=save), completed=False).finish()
    assert target.read_text() == "before\n"
    assert list(target.parent.iterdir()) == [target]  # no temporary file left


def test_the_counts_are_said_even_when_the_save_file_fails(
    capsys: pytest.CaptureFixture[str],
) -> None:
    class Failing:
        def finish(self, *, complete: bool) -> None:
            raise OSError("disk full")

    extras = Extras(save_file=cast(SaveFile, Failing()), summary=True)
    with pytest.raises(OSError, match="disk full"):
        end_run(extras, tally_of("INFO"), completed=True, requests=2, verbose=True)
    assert capsys.readouterr().err.splitlines()[0] == "baseten-logs: 2 requests"


def test_nothing_matched_names_the_window_and_filters(capsys: pytest.CaptureFixture[str]) -> None:
    query = LogQuery("/p", T0_MS, T0_MS + 60_000, Filters(replica="r1"))
    Outcome().nothing_matched(query, zone=UTC)
    err = capsys.readouterr().err
    assert err.startswith("baseten-logs: no lines between ")
    assert err.endswith(" UTC matching --replica r1\n")


def test_every_hint_is_a_warning_of_its_own(capsys: pytest.CaptureFixture[str]) -> None:
    Outcome().hint(["first hint", "second hint"])
    assert capsys.readouterr().err.splitlines() == [
        "baseten-logs: warning: first hint",
        "baseten-logs: warning: second hint",
    ]


def window(slices: int, *, adaptive: bool, peak: int, allowed: int) -> ParallelWindow:
    controller = SimpleNamespace(adaptive=adaptive, peak=peak, allowed=allowed)
    fake: Any = SimpleNamespace(slices=slices, controller=controller)
    return cast(ParallelWindow, fake)


def test_parallel_summary_sums_every_window() -> None:
    windows = [
        window(3, adaptive=True, peak=4, allowed=2),
        window(5, adaptive=True, peak=6, allowed=1),
    ]
    assert parallel_summary(windows) == "8 slices, up to 10 requests in flight (auto), 3 at the end"
    fixed = [window(2, adaptive=False, peak=4, allowed=4)]
    assert parallel_summary(fixed) == "2 slices, up to 4 requests in flight (fixed), 4 at the end"


def test_verbose_finish_says_how_the_window_was_fetched_first(
    capsys: pytest.CaptureFixture[str],
) -> None:
    windows = [window(3, adaptive=False, peak=2, allowed=2)]
    Outcome(verbose=True, requests=4, windows=windows).finish()
    assert capsys.readouterr().err.splitlines() == [
        "baseten-logs: 3 slices, up to 2 requests in flight (fixed), 2 at the end",
        "baseten-logs: 4 requests",
    ]


def test_parallel_summary_only_with_verbose(capsys: pytest.CaptureFixture[str]) -> None:
    Outcome(verbose=False, windows=[window(3, adaptive=False, peak=2, allowed=2)]).finish()
    Outcome(verbose=True, requests=1).finish()
    assert capsys.readouterr().err == "baseten-logs: 1 request\n"


def test_a_crowded_millisecond_of_a_sandbox_says_its_endpoint_takes_no_direction(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The SDK's GetSandboxLogsParams: a window, `limit` and `cursor`, no `direction` and no
    # `replica`; the warning says what was possible rather than "replica by replica".
    outcome = Outcome(reach=SANDBOX_REACH)
    outcome.on_gap(T0_MS)
    err = capsys.readouterr().err
    assert "takes neither `direction` nor `replica`" in err
    assert "replica by replica" not in err
    assert outcome.gaps == [T0_MS]


def test_the_gap_warning_says_what_each_kind_of_endpoint_allowed() -> None:
    query = LogQuery("/v1/x/logs", T0_MS, T0_MS + 1)
    assert crowd_reach(Feed.single(query)) == REACH
    training = Feed((Part(query),), by_replica=False)
    assert crowd_reach(training) == "a page from each end; this endpoint takes no `replica`"
    assert crowd_reach(Feed((Part(query),), by_replica=False, reach="x")) == "x"


def test_a_sandbox_feed_words_its_crowded_milliseconds(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        url=f"{API_URL}/v1/sandboxes/instances/box", json={"name": "box", "status": "RUNNING"}
    )
    feed = sandbox_feed(
        name="box",
        build=False,
        trace_id=None,
        query=LogQuery("/v1/x/logs", T0_MS, T0_MS + 1),
        credentials=Credentials("test-key-0123456789abcdef", API_URL, "BASETEN_API_KEY", "x"),
        verbose=False,
    )
    assert crowd_reach(feed) == SANDBOX_REACH and not feed.by_replica
