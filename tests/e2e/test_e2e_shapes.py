"""Real ids and answers: every id shape, every timestamp form, through the installed CLI.

Baseten promises no length or case for ids and marks the logs endpoint beta, so the window,
tail and follow scenarios run against emulators that vary both (and both readings of `end`).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from baseten_logs.base.timestamps import record_ns
from baseten_logs.emulator import DEMO_DEPLOYMENT_ID, DEMO_MODEL_ID, Emulator, EmulatorConfig
from baseten_logs.emulator.catalogue import (
    IDLIKE_DEPLOYMENT_ID,
    IDLIKE_DEPLOYMENT_NAME,
    IDLIKE_MODEL_ID,
    IDLIKE_MODEL_NAME,
)
from baseten_logs.reading.pager import record_key
from tests.e2e.conftest import DAY_MS, cli, settled_now_ms

Shape = tuple[str, str, bool]
# (id style, timestamp form, `end` includes its millisecond): each style and form at least once,
# ms and ISO under both readings of `end` (ns is the rest of the suite's).
SHAPES: list[Shape] = [
    ("8", "ms", True),
    ("mixed", "ms", False),
    ("long", "iso", True),
    ("7", "iso", False),
]


_RUNNING: dict[Shape, Emulator] = {}


@pytest.fixture(scope="module", autouse=True)
def _close_emulators() -> Iterator[None]:
    yield
    while _RUNNING:
        _RUNNING.popitem()[1].close()


def shaped(shape: Shape) -> Emulator:
    """One emulator per shape for the whole module (a test of a few shapes shares them)."""
    emu = _RUNNING.get(shape)
    if emu is None:
        style, form, end_inclusive = shape
        config = EmulatorConfig(
            seed=13,
            end_inclusive=end_inclusive,
            rates={DEMO_DEPLOYMENT_ID: 0.04},  # 10k lines in 3 days: 11 pages and their seams
            rate_limit_per_s=None,
            id_style=style,  # type: ignore[arg-type]
            timestamp_form=form,  # type: ignore[arg-type]
        )
        emu = _RUNNING[shape] = Emulator(config)
    emu.clear_requests()
    return emu


def _ids(shape: Shape) -> str:
    return f"ids-{shape[0]}-{shape[1]}-end-{'inclusive' if shape[2] else 'exclusive'}"


def _env(tmp_path: Path) -> dict[str, str]:
    return {"XDG_CACHE_HOME": str(tmp_path)}


@pytest.mark.parametrize("shape", SHAPES, ids=_ids)
def test_a_three_day_window_is_exact(shape: Shape, tmp_path: Path) -> None:
    emu = shaped(shape)
    model, deployment = emu.id(DEMO_MODEL_ID), emu.id(DEMO_DEPLOYMENT_ID)
    until = settled_now_ms()
    since = until - 3 * DAY_MS
    window = ("--since", str(since), "--until", str(until))
    run = cli(emu, "get", model, deployment, "--all", *window, "-o", "jsonl", env=_env(tmp_path))
    assert run.status == 0, run.stderr
    assert run.stderr == ""
    truth = emu.ground_truth(model, deployment, since, until)
    assert len(truth) > 8_000
    # Nothing lost or doubled, in order, and each timestamp as the API sent it.
    assert run.jsonl() == truth
    logs = [r for r in emu.requests if r.path.endswith("/logs")]
    assert len(logs) == len(emu.requests)  # the ids were used as typed: no lookups


@pytest.mark.parametrize("shape", SHAPES, ids=_ids)
def test_the_newest_lines_by_ids_cost_one_request(shape: Shape, tmp_path: Path) -> None:
    emu = shaped(shape)
    model, deployment = emu.id(DEMO_MODEL_ID), emu.id(DEMO_DEPLOYMENT_ID)
    until = settled_now_ms()
    since = until - DAY_MS
    window = ("--since", str(since), "--until", str(until))
    run = cli(emu, "get", model, deployment, "-n", "40", *window, "-o", "jsonl", env=_env(tmp_path))
    assert run.status == 0, run.stderr
    assert [r.path for r in emu.requests] == [f"/v1/models/{model}/deployments/{deployment}/logs"]
    truth = emu.ground_truth(model, deployment, since, until)[-40:]
    got = run.jsonl()
    assert Counter(record_key(r) for r in got) == Counter(record_key(r) for r in truth)
    times = [ns for r in got if (ns := record_ns(r)) is not None]
    assert len(times) == len(got) and times == sorted(times)


@pytest.mark.parametrize("shape", SHAPES[1::2], ids=_ids)  # one per timestamp form
def test_text_output_shows_every_form_as_a_time(shape: Shape, tmp_path: Path) -> None:
    emu = shaped(shape)
    model, deployment = emu.id(DEMO_MODEL_ID), emu.id(DEMO_DEPLOYMENT_ID)
    until = settled_now_ms()
    run = cli(
        emu, "get", model, deployment, "-n", "3", "--until", str(until), "--utc",
        env=_env(tmp_path),
    )  # fmt: skip
    assert run.status == 0, run.stderr
    day = time.strftime("%Y-%m-%d", time.gmtime(until / 1000 - 1800))
    # Each line's first row carries its time; a message of several lines (a traceback among the
    # newest three, which depends on the clock) goes on in indented rows that carry none.
    lines = [row for row in run.stdout.splitlines() if not row.startswith(" ")]
    assert len(lines) == 3, run.stdout
    assert all(line[:10] in (day, time.strftime("%Y-%m-%d", time.gmtime(until / 1000)))
               for line in lines), lines  # fmt: skip
    assert all(line[23] == "Z" for line in lines), lines


def test_names_that_look_like_ids(tmp_path: Path) -> None:
    emu = shaped(SHAPES[2])  # names do not depend on the forms: one emulator is enough
    until = settled_now_ms()
    window = ("--until", str(until), "-n", "5", "-o", "jsonl")
    model, deployment = emu.id(IDLIKE_MODEL_ID), emu.id(IDLIKE_DEPLOYMENT_ID)
    logs = f"/v1/models/{model}/deployments/{deployment}/logs"

    run = cli(emu, "get", IDLIKE_MODEL_NAME, *window, env=_env(tmp_path))
    assert run.status == 0, run.stderr
    assert [r.path for r in emu.requests] == ["/v1/models", logs]
    assert len(run.jsonl()) == 5

    emu.clear_requests()
    run = cli(emu, "get", IDLIKE_MODEL_NAME, IDLIKE_DEPLOYMENT_NAME, *window, "--no-cache")
    assert run.status == 0, run.stderr
    paths = [r.path for r in emu.requests]
    assert paths == [
        f"/v1/models/{IDLIKE_MODEL_NAME}/deployments/{IDLIKE_DEPLOYMENT_NAME}/logs",  # the probe
        "/v1/models",
        f"/v1/models/{model}/deployments",
        logs,
    ]

    emu.clear_requests()  # warm: the cache answers, only the logs are asked for
    run = cli(emu, "get", IDLIKE_MODEL_NAME, *window, env=_env(tmp_path))
    assert run.status == 0, run.stderr
    assert [r.path for r in emu.requests] == [logs]

    emu.clear_requests()  # a deployment id under a model name
    run = cli(emu, "get", IDLIKE_MODEL_NAME, deployment, *window, "--no-cache")
    assert run.status == 0, run.stderr
    assert len(emu.requests) == 4


def test_follow_shows_every_line_once_whatever_the_shapes(tmp_path: Path) -> None:
    config = EmulatorConfig(
        seed=5,
        rates={DEMO_DEPLOYMENT_ID: 60.0},
        late_share=0.2,
        max_late_s=0.8,
        rate_limit_per_s=None,
        id_style="mixed",
        timestamp_form="iso",
    )
    with Emulator(config) as live:
        model, deployment = live.id(DEMO_MODEL_ID), live.id(DEMO_DEPLOYMENT_ID)
        now_ms = int(time.time() * 1000)
        since, until = now_ms - 2_000, now_ms + 500
        run = cli(
            live, "get", model, deployment, "-f", "--since", str(since), "--until", str(until),
            "--overlap", "2s", "-o", "jsonl", env=_env(tmp_path), timeout=40,
        )  # fmt: skip
        assert run.status == 0, run.stderr
        truth = live.ground_truth(model, deployment, since, until)
    got = run.jsonl()
    assert len(truth) > 60
    assert Counter(record_key(r) for r in got) == Counter(record_key(r) for r in truth)


@pytest.mark.parametrize("shape", SHAPES, ids=_ids)
@pytest.mark.parametrize("level", ["error", "warning"])
def test_the_newest_line_at_a_level_costs_two_requests(
    shape: Shape, level: str, tmp_path: Path
) -> None:
    """`get MODEL --level error -n 1` once paged one line at a time, for ever (issue #22)."""
    emu = shaped(shape)
    model, deployment = emu.id(DEMO_MODEL_ID), emu.id(DEMO_DEPLOYMENT_ID)
    until = settled_now_ms()
    window = ("--since", str(until - DAY_MS), "--until", str(until))
    run = cli(
        emu,
        *("get", model, deployment, "--level", level, "-n", "1", *window, "-o", "jsonl"),
        env=_env(tmp_path),
        timeout=30,
    )
    assert run.status == 0, run.stderr
    assert run.stderr == ""
    assert len(run.jsonl()) == 1
    assert len([r for r in emu.requests if r.path.endswith("/logs")]) <= 2
