"""`browse`'s other sources, driven headless (Textual's pilot) against the emulator: a chain's
chainlets (`--chain`, each line labelled as `chain` labels it), a training job (`--training`),
and the zone times are shown in (`--tz`, BASETEN_LOGS_TZ). Each source is the Feed `chain` and
`training` read, so its errors are theirs; bad input is refused with exit 2, nothing sent."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from baseten_logs.base.errors import ExitStatus, NotFoundError
from baseten_logs.base.levels import effective_level
from baseten_logs.base.timeparse import format_in_zone, parse_zone
from baseten_logs.base.timestamps import record_ms
from baseten_logs.browse.lines import ViewFilter
from baseten_logs.browse.log_view import LogView
from baseten_logs.browse.screen import BrowseApp
from baseten_logs.browse.session import make_app
from baseten_logs.cli.browse import BrowsePlan
from baseten_logs.cli.view_browse import saved_app, saved_plan
from baseten_logs.emulator import DEMO_DEPLOYMENT_ID, DEMO_MODEL_ID, Emulator, EmulatorConfig
from baseten_logs.emulator.chains import (
    CHAIN_NAME,
    CHAINLETS,
    TRAINING_OLD_JOB_ID,
    TRAINING_PROJECT_ID,
    TRAINING_PROJECT_NAME,
)
from tests.browse_plans import browse_plan
from tests.conftest import invoke

SIZE = (120, 30)
DAY_MS = 86_400_000


@pytest.fixture(scope="module")
def live() -> Iterator[Emulator]:
    config = EmulatorConfig(seed=5, rates={DEMO_DEPLOYMENT_ID: 20.0}, rate_limit_per_s=None)
    with Emulator(config) as emulator:
        yield emulator


def planned(emu: Emulator, model: str, deployment: str | None = None, **flags: Any) -> BrowsePlan:
    """The plan as the command makes it, its flags as typed (the rest at their defaults)."""
    return browse_plan(emu, model, deployment, **({"limit": "100", "utc": False} | flags))


def app_of(plan: BrowsePlan) -> BrowseApp:
    return make_app(
        plan.run_of,
        title=plan.title,
        max_lines=plan.max_lines,
        utc=plan.zone or False,
        save_name=plan.save_name,
        view_filter=plan.view_filter,
    )


async def until(check: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


def row_text(app: BrowseApp, row: int) -> str:
    view = app.query_one(LogView)
    return "".join(s.text for s in view.segments(app.lines[app.lines.visible[row]]))


def status(app: BrowseApp) -> str:
    return str(app.query_one("#status").render())


def test_chain_shows_every_chainlets_lines_each_with_its_chainlet(live: Emulator) -> None:
    plan = planned(live, CHAIN_NAME, chain=True)

    async def scenario() -> None:
        app = app_of(plan)
        async with app.run_test(size=SIZE) as pilot:
            await until(lambda: len(app.lines) >= 100)
            names = {r.get("chainlet") for r in app.lines.records()}
            assert names == {name for name, _ in CHAINLETS}  # every chainlet, merged
            for row in range(len(app.lines.visible)):
                record = app.lines[app.lines.visible[row]]
                assert f" {record['chainlet']} " in row_text(app, row)
            assert f"chain {CHAIN_NAME} production" in status(app)
            await pilot.press("q")

    asyncio.run(scenario())


def test_chainlet_keeps_only_the_chainlets_named(live: Emulator) -> None:
    plan = planned(live, CHAIN_NAME, chain=True, chainlet=["Generator"])

    async def scenario() -> None:
        app = app_of(plan)
        async with app.run_test(size=SIZE) as pilot:
            await until(lambda: len(app.lines) >= 20)
            assert {r.get("chainlet") for r in app.lines.records()} == {"Generator"}
            await pilot.press("q")

    asyncio.run(scenario())


def test_training_reads_the_job_and_stops_following_once_it_ended(live: Emulator) -> None:
    # The old job has finished: its lifetime's newest lines, then the follower's last sweep.
    plan = planned(live, TRAINING_PROJECT_NAME, TRAINING_OLD_JOB_ID, training=True)
    now = int(time.time() * 1000)
    truth = live.job_ground_truth(TRAINING_PROJECT_ID, TRAINING_OLD_JOB_ID, now - 8 * DAY_MS, now)
    truth_ms = [record_ms(r) or 0 for r in truth]

    async def scenario() -> None:
        app = app_of(plan)
        async with app.run_test(size=SIZE) as pilot:
            await until(lambda: "not following" in status(app) or "stopped" in status(app))
            loaded = [record_ms(r) or 0 for r in app.lines.records()]
            assert len(loaded) == min(100, len(truth_ms))
            assert sorted(loaded) == sorted(truth_ms)[-len(loaded) :]  # the job's newest
            assert all("chainlet" not in r for r in app.lines.records())
            await pilot.press("q")

    asyncio.run(scenario())


def test_an_unknown_chain_or_job_ends_as_chain_and_training_end(
    live: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The sources are found before the screen is up: the error and status are the commands'.
    monkeypatch.setattr("baseten_logs.cli.browse.needs_terminal", lambda: None)
    env = {"BASETEN_API_URL": live.url, "BASETEN_API_KEY": live.api_key}
    for browsed, read in (
        (["--chain", "no-such-chain"], ["chain", "no-such-chain"]),
        (["--training", TRAINING_PROJECT_NAME, "no-such-job"],
         ["training", TRAINING_PROJECT_NAME, "no-such-job"]),
    ):  # fmt: skip
        shown, printed = invoke("browse", *browsed, env=env), invoke(*read, env=env)
        assert shown.status == printed.status == ExitStatus.NOT_FOUND
        assert shown.stderr.splitlines()[0] == printed.stderr.splitlines()[0]
    with pytest.raises(NotFoundError):
        planned(live, "no-such-chain", chain=True).resolve()


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["--chainlet", "Generator", "m"], "--chainlet"),
        (["--chain", "--training", "m"], "--training"),
        (["--training", "--env", "production", "m"], "--env"),
        (["--chain", "--team", "t", "m"], "--team"),
        (["--chain", "m", "d", "--env", "production"], "--env"),
        (["--tz", "Mars/Olympus", "m"], "--tz"),
        (["--utc", "--tz", "+05:30", "m"], "--utc"),
    ],
)
def test_bad_source_flags_are_refused_before_any_request(args: list[str], flag: str) -> None:
    # Port 9 (discard): were a request sent, the status would be a connection's, not 2.
    result = invoke("browse", *args, env={"BASETEN_API_URL": "http://127.0.0.1:9"})
    assert result.status == ExitStatus.USAGE, result.stderr
    assert result.stderr.startswith(f"baseten-logs: error: {flag}"), result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2  # one line, maybe a hint; no traceback


def test_tz_shows_the_times_in_that_zone_and_names_it(live: Emulator) -> None:
    plan = planned(live, DEMO_MODEL_ID, DEMO_DEPLOYMENT_ID, tz="+05:30", limit="20")
    zone = parse_zone("+05:30", flag="--tz")
    assert plan.title.endswith("(times +05:30)")

    async def scenario() -> None:
        app = app_of(plan)
        async with app.run_test(size=SIZE) as pilot:
            await until(lambda: len(app.lines) >= 20)
            await pilot.press("up")  # paused: the cursor's line stays put
            row = app.query_one(LogView).cursor
            ms = record_ms(app.lines[app.lines.visible[row]])
            assert ms is not None
            assert row_text(app, row).startswith(format_in_zone(ms, zone)[11:23] + " ")
            await pilot.press("enter")  # the detail pane: the same time
            assert format_in_zone(ms, zone)[11:23] in str(app.screen.query_one("#detail").render())
            await pilot.press("escape", "q")

    asyncio.run(scenario())


def test_tz_reads_since_in_its_zone_as_get_does(live: Emulator) -> None:
    since = "2026-12-06T12:00:00"
    in_utc = planned(live, DEMO_MODEL_ID, since=since, tz="utc").plan.since_ms
    in_india = planned(live, DEMO_MODEL_ID, since=since, tz="+05:30").plan.since_ms
    assert in_utc - in_india == 5 * 3_600_000 + 30 * 60_000


def test_the_tz_setting_applies_when_no_flag_says(
    live: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BASETEN_LOGS_TZ", "Asia/Kolkata")
    plan = planned(live, DEMO_MODEL_ID)
    assert plan.zone is not None and plan.zone.name == "Asia/Kolkata"
    assert "(times Asia/Kolkata +05:30)" in plan.title
    assert planned(live, DEMO_MODEL_ID, utc=True).zone == parse_zone("utc", flag="--tz")


# --- view FILE --browse -------------------------------------------------------------------

VIEW_DEFAULTS: dict[str, Any] = {
    "since": None, "until": None, "limit": None, "level": None, "replica": None,
    "request_id": None, "component": None, "chainlet": None, "grep": None,
    "ignore_case": False, "include": None, "exclude": None, "output": "text", "reverse": False,
    "color": "auto", "no_color": False, "tz": None, "utc": False, "prefix": None,
    "no_wrap": False, "message_only": False, "verbatim": False, "template": None,
    "timestamps": True, "browse": True,
}  # fmt: skip


@pytest.fixture(scope="module")
def saved(live: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An hour of the demo deployment's lines and a chain's, as --save writes them."""
    now = int(time.time() * 1000)
    lines = live.ground_truth(DEMO_MODEL_ID, DEMO_DEPLOYMENT_ID, now - 3_600_000, now)[-3000:]
    lines += [{**r, "chainlet": "Generator"} for r in lines[-10:]]
    path = tmp_path_factory.mktemp("saved") / "llama.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in lines))
    return path


def saved_records_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_view_browse_shows_the_saved_lines_with_no_reader(saved: Path) -> None:
    flags = VIEW_DEFAULTS | {"file": str(saved), "level": "warning", "utc": True}
    zone = parse_zone("utc", flag="--tz")
    plan, view_filter = saved_plan(flags, zone)
    app = saved_app(str(saved), plan, view_filter, zone=zone)
    everything = saved_records_of(saved)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert app.lines.records() == everything  # every line loaded, in the file's order
            shown = [app.lines[p] for p in app.lines.visible]
            assert shown and all(effective_level(r) in ("WARNING", "ERROR") for r in shown)
            assert "not following: a saved file" in status(app)
            assert "llama.jsonl (saved) (times UTC)" in status(app)
            await pilot.press("d", "i")  # --level started the filter: the keys show the rest
            assert len(app.lines.visible) > len(shown)
            chained = next(row for row in range(app.query_one(LogView).rows)
                           if "chainlet" in app.lines[app.lines.visible[row]])  # fmt: skip
            assert " Generator " in row_text(app, chained)
            await pilot.press("q")

    asyncio.run(scenario())


def test_view_browse_loads_what_view_would_print(saved: Path) -> None:
    # The window, -n and the other filters choose the lines loaded, as view chooses them.
    everything = saved_records_of(saved)
    replica = str(everything[0]["replica"])
    flags = VIEW_DEFAULTS | {"file": str(saved), "replica": [replica], "limit": "7"}
    plan, _ = saved_plan(flags, None)
    loaded = saved_app(str(saved), plan, ViewFilter(), zone=None).lines.records()
    assert loaded == [r for r in everything if r["replica"] == replica][-7:]
    flags = VIEW_DEFAULTS | {"file": str(saved), "chainlet": ["Generator"]}
    plan, _ = saved_plan(flags, None)
    assert saved_app(str(saved), plan, ViewFilter(), zone=None).lines.records() == everything[-10:]


def test_view_browse_runs_the_browser_from_the_command_with_nothing_sent(
    saved: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[BrowseApp] = []
    monkeypatch.setattr("baseten_logs.cli.browse.needs_terminal", lambda: None)
    monkeypatch.setattr(BrowseApp, "run", lambda self, *a, **k: ran.append(self))
    # No API settings at all: a request would fail; none is made.
    result = invoke("view", str(saved), "--browse", "--grep", "batch", env={"BASETEN_API_KEY": ""})
    assert result.status == 0, result.stderr
    (app,) = ran
    assert app.lines.records() == saved_records_of(saved)
    assert app.view_filter.search == "batch"


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["-o", "jsonl"], "-o/--output"),
        (["--reverse"], "--reverse"),
        (["--no-timestamps"], "--no-timestamps"),
        (["--template", "{message}"], "--template"),
        (["--level", "nonsense"], "--level"),
    ],
)
def test_view_browse_refuses_what_has_no_meaning_there(
    saved: Path, args: list[str], flag: str
) -> None:
    result = invoke("view", str(saved), "--browse", *args)
    assert result.status == ExitStatus.USAGE, result.stderr
    assert result.stderr.startswith(f"baseten-logs: error: {flag}"), result.stderr


def test_view_browse_needs_a_file_and_a_terminal(saved: Path, tmp_path: Path) -> None:
    result = invoke("view", "-", "--browse")
    assert result.status == ExitStatus.USAGE
    assert result.stderr.startswith("baseten-logs: error: --browse: cannot read stdin")
    result = invoke("view", str(saved), "--browse")  # CliRunner's streams: no terminal
    assert result.status == ExitStatus.USAGE
    assert "needs a terminal" in result.stderr


def test_view_browse_tells_a_bad_file_as_view_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("baseten_logs.cli.browse.needs_terminal", lambda: None)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"message": "fine", "timestamp": "1"}\nnot json\n')
    browsed, printed = invoke("view", str(bad), "--browse"), invoke("view", str(bad))
    assert browsed.status == printed.status == ExitStatus.USAGE
    assert browsed.stderr == printed.stderr
