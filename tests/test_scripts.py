"""What scripts and CI steps rely on: --fail-on, --save, --summary, -q."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_httpx import HTTPXMock

from baseten_logs.base.errors import ExitStatus
from tests.conftest import invoke
from tests.fakeapi import FakeLogs, record
from tests.shown import all_written
from tests.test_cli import GET, MS, SINCE_MS


def mixed() -> list[dict[str, object]]:
    return [
        record((SINCE_MS + 1) * MS, "starting", level="INFO", replica="aaaaa"),
        record((SINCE_MS + 2) * MS, "disk low", level="WARNING", replica="bbbbb"),
        record((SINCE_MS + 3) * MS, "[ERROR] boom", level=None, replica="aaaaa"),
        record((SINCE_MS + 4) * MS, "progress 10%", level=None, replica=None),
    ]


@pytest.mark.parametrize(
    ("level", "status"),
    [
        ("ERROR", ExitStatus.MATCHED),  # found by detection: the API gave no level
        ("warning", ExitStatus.MATCHED),
        ("ANY", ExitStatus.MATCHED),
        ("any", ExitStatus.MATCHED),
    ],
)
def test_fail_on_finds_lines_at_or_above(logs_api: FakeLogs, level: str, status: int) -> None:
    logs_api.records = mixed()
    result = invoke(*GET, "--fail-on", level)
    assert result.status == status
    assert len(result.stdout.splitlines()) == 4  # the lines are still shown


def test_fail_on_passes_when_nothing_matches(logs_api: FakeLogs) -> None:
    logs_api.records = mixed()[:1]
    assert invoke(*GET, "--fail-on", "warning").status == ExitStatus.OK
    logs_api.records = []
    assert invoke(*GET, "--fail-on", "any").status == ExitStatus.OK


def test_fail_on_rejects_unknown_levels(httpx_mock: HTTPXMock, api_env: None) -> None:
    result = invoke(*GET, "--fail-on", "SEVERE")
    assert result.status == ExitStatus.USAGE and "--fail-on" in result.stderr


def test_save_writes_full_json_lines_beside_the_normal_output(
    logs_api: FakeLogs, tmp_path: Path
) -> None:
    logs_api.records = mixed()
    target = tmp_path / "artefact.jsonl"
    result = invoke(*GET, "--save", str(target), "-o", "raw")
    assert result.stdout.splitlines()[0] == "starting"
    assert [json.loads(line) for line in target.read_text().splitlines()] == all_written(
        logs_api.records
    )


def test_save_to_an_unwritable_place_is_bad_input(
    httpx_mock: HTTPXMock, api_env: None, tmp_path: Path
) -> None:
    result = invoke(*GET, "--save", str(tmp_path / "missing-dir" / "x.jsonl"))
    assert result.status == ExitStatus.USAGE
    assert result.stderr.startswith("baseten-logs: error: --save: ")
    assert httpx_mock.get_requests() == []


def test_summary_on_stderr(logs_api: FakeLogs) -> None:
    logs_api.records = mixed()
    result = invoke(*GET, "--summary", "-o", "raw")
    assert result.stdout.count("\n") == 4
    assert result.stderr == (
        "baseten-logs: summary: 4 lines (ERROR 1, WARNING 1, INFO 1, no level 1), "
        "2 replicas (aaaaa, bbbbb), 2025-11-26T09:00:00.001Z to 2025-11-26T09:00:00.004Z, "
        "1 request\n"
    )


def test_quiet_drops_warnings_but_keeps_lines_summary_and_errors(
    logs_api: FakeLogs,
) -> None:
    # One replica's lines in one millisecond past two pages: a gap, and its warning.
    logs_api.records = [record(SINCE_MS * MS + i, f"b{i}") for i in range(2001)]
    loud = invoke(*GET, "--all", "-o", "raw", "--concurrency", "1")
    quiet = invoke(*GET, "--all", "-o", "raw", "--concurrency", "1", "-q", "--summary")
    assert "warning" in loud.stderr
    assert "warning" not in quiet.stderr and "summary: 2000 lines" in quiet.stderr
    assert quiet.stdout == loud.stdout and quiet.status == ExitStatus.INCOMPLETE
