"""The `get` command through its real entry point: flags to parameters, errors to statuses."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from baseten_logs.api.pace import PACE_MARGIN
from baseten_logs.base.errors import ExitStatus
from tests.conftest import invoke
from tests.fakeapi import API_URL, DEPLOYMENT, LOGS_PATH, MODEL, FakeLogs, record
from tests.shown import all_written

MS = 1_000_000
SINCE = "2025-11-26T09:00:00Z"
SINCE_MS = 1_764_147_600_000
UNTIL = "2025-11-26T10:00:00Z"
UNTIL_MS = SINCE_MS + 3_600_000
GET = ("get", MODEL, DEPLOYMENT, "--since", SINCE, "--until", UNTIL)
KEY = "test-key-0123456789abcdef"


def sample(count: int = 5) -> list[dict[str, object]]:
    return [
        record((SINCE_MS + 1000 * i) * MS, f"line {i}", replica=f"r{i % 2}aaa", level=None)
        for i in range(count)
    ]


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ((), {"direction": ["desc"], "limit": ["500"]}),
        (("-n", "20"), {"limit": ["20"]}),
        (("--all", "--concurrency", "1"), {"direction": ["asc"], "limit": ["1000"]}),
        (("--level", "warn"), {"min_level": ["WARNING"]}),
        (("--replica", "a1b2c"), {"replica": ["a1b2c"]}),
        (("--request-id", "req-9"), {"request_id": ["req-9"]}),
        (("--component", "model"), {"component": ["model"]}),
        (("--grep", "time.?out"), {"search_pattern": ["time.?out"]}),
        (("--include", "GET", "--include", "/predict"), {"includes": ["GET", "/predict"]}),
        (("--exclude", "health", "--exclude", "ready"), {"excludes": ["health", "ready"]}),
        ((), {"start_epoch_millis": [str(SINCE_MS)], "end_epoch_millis": [str(UNTIL_MS + 1)]}),
    ],
)
def test_each_flag_reaches_the_wire(
    httpx_mock: HTTPXMock, api_env: None, flags: tuple[str, ...], expected: dict[str, list[str]]
) -> None:
    httpx_mock.add_response(
        url=re.compile(rf"{API_URL}{LOGS_PATH}.*"), json={"logs": []}, is_reusable=True
    )
    result = invoke(*GET, *flags)
    assert result.status == 0, result.stderr
    request = httpx_mock.get_requests()[0]  # --level asks a second time, for unlevelled lines
    params = {k: request.url.params.get_list(k) for k in request.url.params}
    for key, values in expected.items():
        assert params[key] == values
    assert request.headers["Authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize(
    ("flags", "flag"),
    [
        (("--since", "someday"), "--since"),  # yesterday is a time now (#27)
        (("--until", "soon"), "--until"),
        (("--since", "1h", "--until", "2h"), "--until"),
        (("-n", "0"), "-n/--limit"),
        (("-n", "-3"), "-n/--limit"),
        (("-n", "many"), "-n/--limit"),
        (("-n", "5", "--all"), "--all"),
        (("--level", "LOUD"), "--level"),
        (("-o", "yaml"), "--output"),
        (("--color", "sometimes"), "--color"),
        (("--replica", "r" * 257), "--replica"),
        (("--request-id", "q" * 257), "--request-id"),
        (("--component", "c" * 257), "--component"),
        (("--grep", "g" * 257), "--grep"),
        (("--grep", "(?=x)"), "--grep"),
        (tuple(a for i in range(9) for a in ("--include", f"i{i}")), "--include"),
        (tuple(a for i in range(9) for a in ("--exclude", f"e{i}")), "--exclude"),
        (("--include", ""), "--include"),  # of any length (the schema caps 8), but not empty
        (("--api-url", "ftp://nope"), "--api-url"),
        (("-f", "--reverse"), "-f/--follow"),
        (("--concurrency", "0"), "--concurrency"),
        (("--retries", "-1"), "--retries"),
        (("--retries", "lots"), "--retries"),
        (("--concurrency", "99"), "--concurrency"),
        (("-f", "--overlap", "soon"), "--overlap"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_no_request(
    httpx_mock: HTTPXMock, api_env: None, flags: tuple[str, ...], flag: str
) -> None:
    result = invoke("get", MODEL, DEPLOYMENT, *flags)
    assert result.status == ExitStatus.USAGE
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"baseten-logs: error: {flag}: ")
    assert "(" in lines[0]  # every message carries its fix
    assert httpx_mock.get_requests() == []


@pytest.mark.parametrize(
    "args",
    [
        ("get",),
        ("get", MODEL, DEPLOYMENT, "--no-such-flag"),
        ("get", MODEL, "../escape"),
        ("frobnicate",),
    ],
)
def test_usage_errors_from_the_parser_are_one_line_too(
    httpx_mock: HTTPXMock, api_env: None, args: tuple[str, ...]
) -> None:
    result = invoke(*args)
    assert result.status == ExitStatus.USAGE
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith("baseten-logs: error: ")


def test_missing_key_is_a_usage_error_naming_the_sources(httpx_mock: HTTPXMock) -> None:
    result = invoke(*GET)
    assert result.status == ExitStatus.USAGE
    assert "BASETEN_API_KEY" in result.stderr and "--api-key" in result.stderr


def test_text_output_oldest_first_without_colour_in_a_pipe(logs_api: FakeLogs) -> None:
    logs_api.records = sample()
    result = invoke(*GET, "--utc")
    assert result.status == 0
    lines = result.stdout.splitlines()
    assert [line.rsplit(" ", 1)[-1] for line in lines] == ["0", "1", "2", "3", "4"]
    assert lines[0].startswith("2025-11-26 09:00:00.000")
    assert "\x1b[" not in result.stdout


def test_newest_n_and_reverse(logs_api: FakeLogs) -> None:
    logs_api.records = sample(10)
    assert invoke(*GET, "-n", "3", "-o", "raw").stdout == "line 7\nline 8\nline 9\n"
    assert invoke(*GET, "-n", "3", "-o", "raw", "--reverse").stdout == "line 9\nline 8\nline 7\n"


def test_jsonl_keeps_every_api_field_unchanged(logs_api: FakeLogs) -> None:
    logs_api.records = [record(SINCE_MS * MS + 7, "hi", level=None, component="model", n=3)]
    result = invoke(*GET, "-o", "jsonl")
    assert [json.loads(line) for line in result.stdout.splitlines()] == all_written(
        logs_api.records
    )


def test_json_is_one_array(logs_api: FakeLogs) -> None:
    logs_api.records = sample(3)
    assert json.loads(invoke(*GET, "-o", "json").stdout) == all_written(logs_api.records)


@pytest.mark.parametrize("concurrency", ["1", "4", "16"])
def test_all_pages_through_the_window_oldest_first(logs_api: FakeLogs, concurrency: str) -> None:
    logs_api.records = [
        record((SINCE_MS + i * 1000) * MS + i % 2, f"m{i}", level="INFO") for i in range(2500)
    ]
    result = invoke(*GET, "--all", "-o", "raw", "--concurrency", concurrency)
    assert result.stdout.splitlines() == [f"m{i}" for i in range(2500)]
    if concurrency == "1":
        assert len(logs_api.calls) == 3


def test_all_in_parallel_slows_down_when_rate_limited(
    logs_api: FakeLogs, monkeypatch: pytest.MonkeyPatch
) -> None:
    from baseten_logs.reading import feed
    from baseten_logs.reading.parallel import ParallelWindow

    windows: list[ParallelWindow] = []

    class Watched(ParallelWindow):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            windows.append(self)

    monkeypatch.setattr(feed, "ParallelWindow", Watched)
    logs_api.records = sample(50)
    logs_api.throttle = 1  # one 429, then answers
    result = invoke(*GET, "--all", "-o", "raw", "--concurrency", "4")
    assert result.status == 0 and len(result.stdout.splitlines()) == 50
    # one request fewer in flight after a 429
    assert [w.controller.allowed for w in windows] == [3]


@pytest.mark.parametrize(
    ("env", "flags", "coloured"),
    [
        ({}, (), False),
        ({}, ("--color", "always"), True),
        ({"FORCE_COLOR": "1"}, (), True),
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, (), False),  # NO_COLOR wins
        ({"NO_COLOR": "1"}, ("--color", "always"), True),
        ({"FORCE_COLOR": "1"}, ("--color", "never"), False),
    ],
)
def test_colour_follows_flags_and_environment(
    logs_api: FakeLogs, env: dict[str, str], flags: tuple[str, ...], coloured: bool
) -> None:
    logs_api.records = [record(SINCE_MS * MS, "boom", level="ERROR")]
    result = invoke(*GET, *flags, env=env)
    assert ("\x1b[" in result.stdout) is coloured


@pytest.mark.parametrize(
    ("status", "exit_status", "words"),
    [
        (401, ExitStatus.AUTH, "refused the key from BASETEN_API_KEY"),
        (403, ExitStatus.AUTH, "refused the key"),
        (404, ExitStatus.NOT_FOUND, "not found"),
        (500, ExitStatus.API, "giving up"),
        (503, ExitStatus.API, "giving up"),
    ],
)
def test_api_failures_have_their_own_exit_status(
    httpx_mock: HTTPXMock, api_env: None, status: int, exit_status: int, words: str
) -> None:
    httpx_mock.add_response(
        url=re.compile(rf"{API_URL}{LOGS_PATH}.*"),
        status_code=status,
        json={"error": "nope"},
        is_reusable=True,
    )
    if status == 404:
        # The logs request was the probe: names are looked for, and the ids are what exists.
        httpx_mock.add_response(
            url=f"{API_URL}/v1/models", json={"models": [{"id": MODEL, "name": "m"}]}
        )
        httpx_mock.add_response(
            url=f"{API_URL}/v1/models/{MODEL}/deployments",
            json={"deployments": [{"id": DEPLOYMENT, "name": "d"}]},
        )
    result = invoke(*GET)
    assert result.status == exit_status
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert words in result.stderr
    assert KEY not in result.stderr


def test_a_proxy_page_is_an_api_error(httpx_mock: HTTPXMock, api_env: None) -> None:
    httpx_mock.add_response(url=re.compile(rf"{API_URL}{LOGS_PATH}.*"), text="<html>Sign in</html>")
    result = invoke(*GET)
    assert result.status == ExitStatus.API
    assert "not JSON" in result.stderr and "Traceback" not in result.stderr


def test_verbose_shows_requests_but_never_the_key(logs_api: FakeLogs) -> None:
    result = invoke(*GET, "-v")
    assert "GET /v1/models/" in result.stderr
    assert KEY not in result.stderr + result.stdout


def test_a_crowded_millisecond_exits_incomplete(logs_api: FakeLogs) -> None:
    # One replica's 2,500 lines in one millisecond: its first and last 1,000 are all the API
    # can return (from both ends, then for that replica alone: the same two pages).
    logs_api.records = [record(SINCE_MS * MS + i, f"b{i}") for i in range(2500)]
    result = invoke(*GET, "--all", "-o", "raw")
    assert result.status == ExitStatus.INCOMPLETE
    assert "more lines share the millisecond" in result.stderr
    assert len(result.stdout.splitlines()) == 2000


@pytest.mark.parametrize("how", [("--all",), ("-n", "5000")])
def test_a_crowded_millisecond_the_api_can_return_is_shown_whole(
    logs_api: FakeLogs, how: tuple[str, ...]
) -> None:
    """1,500 lines of one replica and 1,500 of another in one millisecond: both ends do not
    meet, each replica's do: every line once, exit 0."""
    logs_api.records = [
        record(SINCE_MS * MS + i, f"b{i}", replica="aaaaa" if i % 2 else "bbbbb")
        for i in range(3000)
    ]
    result = invoke(*GET, *how, "-o", "raw")
    assert result.status == ExitStatus.OK, result.stderr
    assert sorted(result.stdout.splitlines()) == sorted(f"b{i}" for i in range(3000))
    assert {call.get("replica") for call in logs_api.calls} == {None, "aaaaa", "bbbbb"}


def test_a_crowded_first_millisecond_exits_incomplete_not_as_a_refused_query(
    logs_api: FakeLogs,
) -> None:
    # A line just past --until shows the API's `end` includes its millisecond; the walk back
    # must still stop at --since instead of asking for start > end (the API's 400: exit 2).
    logs_api.records = [record(SINCE_MS * MS + i, f"b{i}") for i in range(2500)]
    logs_api.records += [record((UNTIL_MS + 1) * MS, "past --until")]
    result = invoke(*GET, "-n", "2000", "-o", "raw")
    assert result.status == ExitStatus.INCOMPLETE, result.stderr
    assert logs_api.rejected == []


def test_environment_url_beats_the_trussrc_url(
    httpx_mock: HTTPXMock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The environment's key must go to the environment's URL, never to the trussrc's host
    # (strict pytest-httpx fails on any request to app.example.test's API).
    rc = tmp_path / "trussrc"
    rc.write_text("[baseten]\napi_key = file-key-123456789\nremote_url = https://app.other.test\n")
    rc.chmod(0o600)
    monkeypatch.setenv("USER_TRUSSRC_PATH", str(rc))
    monkeypatch.setenv("BASETEN_API_KEY", KEY)
    monkeypatch.setenv("BASETEN_API_URL", API_URL)
    httpx_mock.add_response(url=re.compile(rf"{API_URL}{LOGS_PATH}.*"), json={"logs": []})
    assert invoke(*GET).status == 0
    request = httpx_mock.get_request()
    assert request is not None and request.headers["Authorization"] == f"Bearer {KEY}"


def test_a_key_pasted_with_a_trailing_newline_works(
    httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BASETEN_API_KEY", f" {KEY}\n")
    monkeypatch.setenv("BASETEN_API_URL", API_URL)
    httpx_mock.add_response(url=re.compile(rf"{API_URL}{LOGS_PATH}.*"), json={"logs": []})
    result = invoke(*GET)
    assert result.status == 0, result.stderr
    request = httpx_mock.get_request()
    assert request is not None and request.headers["Authorization"] == f"Bearer {KEY}"


def test_key_from_trussrc(httpx_mock: HTTPXMock, tmp_path: Path) -> None:
    rc = tmp_path / "trussrc"
    rc.write_text(
        "[baseten]\nremote_provider = baseten\napi_key = file-key-123456789\n"
        "remote_url = https://app.example.test\n"
    )
    rc.chmod(0o600)
    httpx_mock.add_response(url=re.compile(r"https://api\.example\.test/.*"), json={"logs": []})
    result = invoke(*GET, env={"USER_TRUSSRC_PATH": str(rc)})
    assert result.status == 0, result.stderr
    request = httpx_mock.get_request()
    assert request is not None and request.headers["Authorization"] == "Bearer file-key-123456789"
    assert result.stderr == ""


def test_world_readable_trussrc_warns(httpx_mock: HTTPXMock, tmp_path: Path) -> None:
    rc = tmp_path / "trussrc"
    rc.write_text("[baseten]\napi_key = file-key-123456789\n")
    rc.chmod(0o644)
    httpx_mock.add_response(url=re.compile(r"https://api\.baseten\.co/.*"), json={"logs": []})
    result = invoke(*GET, env={"USER_TRUSSRC_PATH": str(rc)})
    assert "readable by everyone" in result.stderr and "file-key" not in result.stderr


def test_flag_beats_environment_beats_file(httpx_mock: HTTPXMock, tmp_path: Path) -> None:
    rc = tmp_path / "trussrc"
    rc.write_text("[baseten]\napi_key = file-key-123456789\n")
    rc.chmod(0o600)
    env = {"USER_TRUSSRC_PATH": str(rc), "BASETEN_API_KEY": "env-key-123456789"}
    for _ in range(2):
        httpx_mock.add_response(url=re.compile(r"https://api\.baseten\.co/.*"), json={"logs": []})
    invoke(*GET, env=env)
    invoke(*GET, "--api-key", "flag-key-123456789", env=env)
    first, second = httpx_mock.get_requests()
    assert first.headers["Authorization"] == "Bearer env-key-123456789"
    assert second.headers["Authorization"] == "Bearer flag-key-123456789"


def test_version() -> None:
    from baseten_logs import __version__

    result = invoke("--version")
    assert result.status == 0 and result.stdout.strip() == f"baseten-logs {__version__}"


def test_a_bug_is_one_line_not_a_traceback(
    httpx_mock: HTTPXMock, api_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("baseten_logs.reading.feed.display_pages", broken)
    result = invoke(*GET)
    assert result.status == int(ExitStatus.INTERNAL) == 70
    assert result.stderr.count("\n") == 1 and "internal error: RuntimeError: boom" in result.stderr


@pytest.mark.parametrize("state", ["INACTIVE", "BUILD_FAILED"])
def test_follow_stops_when_the_deployment_has_ended(
    logs_api: FakeLogs, httpx_mock: HTTPXMock, state: str
) -> None:
    logs_api.records = sample(3)
    httpx_mock.add_response(
        url=f"{API_URL}/v1/models/{MODEL}/deployments/{DEPLOYMENT}",
        json={"id": DEPLOYMENT, "status": state},
    )
    result = invoke("get", MODEL, DEPLOYMENT, "-f", "--since", SINCE, "-o", "raw")
    assert result.status == 0
    assert result.stdout.splitlines() == ["line 0", "line 1", "line 2"]
    assert f"stopped following: the deployment is {state}" in result.stderr


@pytest.mark.parametrize("key", ["sécretkey123456", "secretkey123\nX", "secret key 12345"])
def test_a_key_that_cannot_be_sent_is_bad_input(httpx_mock: HTTPXMock, key: str) -> None:
    result = invoke(*GET, "--api-key", key)
    assert result.status == ExitStatus.USAGE
    assert "from --api-key" in result.stderr and key not in result.stderr
    assert httpx_mock.get_requests() == []


@pytest.mark.parametrize(
    ("flags", "flag"),
    [
        (("--since", "90"), "--since"),  # 1970: a bare small number is epoch seconds
        (("--since", "20261127"), "--since"),  # an ISO basic date read as epoch seconds
        (("--since", "99999999999w"), "--since"),
        (("--since", "9" * 300), "--since"),
        (("--until", "2062-01-01T00:00:00Z"), "--until"),  # a year typo
    ],
)
def test_times_no_log_can_have_are_refused(
    httpx_mock: HTTPXMock, api_env: None, flags: tuple[str, ...], flag: str
) -> None:
    result = invoke("get", MODEL, DEPLOYMENT, *flags)
    assert result.status == ExitStatus.USAGE
    assert result.stderr.startswith(f"baseten-logs: error: {flag}: ")
    assert result.stderr.count("\n") == 1
    assert httpx_mock.get_requests() == []


def test_save_path_is_checked_before_names_are_looked_up(
    httpx_mock: HTTPXMock, api_env: None, tmp_path: Path
) -> None:
    result = invoke("get", "some-model-name", "--save", str(tmp_path / "no" / "x.jsonl"))
    assert result.status == ExitStatus.USAGE and "--save" in result.stderr
    assert httpx_mock.get_requests() == []


def test_output_is_closed_even_when_the_fetch_fails(httpx_mock: HTTPXMock, api_env: None) -> None:
    url = re.compile(rf"{API_URL}{LOGS_PATH}.*")
    page = [record((SINCE_MS + i) * MS, f"m{i}") for i in range(1000)]
    httpx_mock.add_response(url=url, json={"logs": page})
    httpx_mock.add_response(url=url, status_code=500, json={"error": "down"})
    result = invoke(*GET, "--all", "--concurrency", "1", "--retries", "0", "-o", "json")
    assert result.status == ExitStatus.API
    assert len(json.loads(result.stdout)) == 1000  # the closing bracket was written


def test_follow_with_n_0_shows_only_new_lines(logs_api: FakeLogs, httpx_mock: HTTPXMock) -> None:
    import time

    now_ms = int(time.time() * 1000)
    logs_api.records = [record((now_ms - 1000 * i) * MS, f"old {i}") for i in range(1, 30)]

    def ended(request: httpx.Request) -> httpx.Response:
        # A line arrives once following has begun (after the opening window's end, within the
        # polls' reach), and the deployment ends at once: its last sweep must show that line.
        logs_api.records.append(record((int(time.time() * 1000) + 5) * MS, "new"))
        return httpx.Response(200, json={"id": DEPLOYMENT, "status": "INACTIVE"})

    httpx_mock.add_callback(ended, url=f"{API_URL}/v1/models/{MODEL}/deployments/{DEPLOYMENT}")
    result = invoke("get", MODEL, DEPLOYMENT, "-f", "-n", "0", "-o", "raw")
    assert result.status == 0, result.stderr
    # The last minute's lines were counted as seen, not shown; the new one was shown.
    assert result.stdout == "new\n"


def test_other_timestamp_forms_are_read_and_passed_on_unchanged(
    httpx_mock: HTTPXMock, api_env: None
) -> None:
    # Newest first, as the command asks for them: an ms integer, RFC 3339, and a time that is none.
    logs = [
        {"timestamp": SINCE_MS + 3000, "message": "ms integer", "level": "INFO"},
        {"timestamp": "soon", "message": "no time", "level": "INFO"},
        {"timestamp": "2025-11-26T09:00:01.5Z", "message": "iso", "level": "INFO"},
    ]
    httpx_mock.add_response(url=re.compile(rf"{API_URL}{LOGS_PATH}.*"), json={"logs": logs})
    result = invoke(*GET, "-o", "jsonl")
    assert result.status == 0, result.stderr
    got = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["timestamp"] for r in got] == ["2025-11-26T09:00:01.5Z", "soon", SINCE_MS + 3000]
    warning = result.stderr.strip()
    assert len(warning.splitlines()) == 1
    assert "line 2 of page 1" in warning and "'soon'" in warning

    httpx_mock.add_response(url=re.compile(rf"{API_URL}{LOGS_PATH}.*"), json={"logs": logs})
    result = invoke(*GET, "--utc", "--color", "never")
    assert result.stdout.splitlines()[0].startswith("2025-11-26 09:00:01.500Z INFO")
    assert result.stdout.splitlines()[2].startswith("2025-11-26 09:00:03.000Z INFO")


def errors_among_unlevelled(count: int) -> list[dict[str, object]]:
    """Lines the API levelled, and tracebacks it left without a level, interleaved."""
    lines = []
    for i in range(count):
        ns = (SINCE_MS + i * 100) * MS
        if i % 3 == 0:
            lines.append(record(ns, f"Traceback (most recent call last): {i}", level=None))
        elif i % 3 == 1:
            lines.append(record(ns, f"boom {i}", level="ERROR"))
        else:
            lines.append(record(ns, f"fine {i}", level="INFO"))
    return lines


@pytest.mark.parametrize(
    "flags", [("--all", "--concurrency", "1"), ("--all", "--concurrency", "4"), ("-n", "1500")]
)
def test_level_error_shows_the_lines_the_output_shows_as_errors(
    logs_api: FakeLogs, flags: tuple[str, ...]
) -> None:
    logs_api.records = errors_among_unlevelled(3000)
    result = invoke(*GET, "--level", "error", *flags, "-o", "jsonl", "--fail-on", "error")
    shown = [json.loads(line) for line in result.stdout.splitlines()]
    wanted = all_written(r for r in logs_api.records if "fine" not in str(r["message"]))
    assert shown == wanted[-1500:] if "-n" in flags else shown == wanted
    assert result.status == ExitStatus.MATCHED
    # -o jsonl keeps the API's level: null for a detected traceback
    assert {r["level"] for r in shown} == {None, "ERROR"}


def test_level_error_asks_the_api_for_unlevelled_lines_narrowed_to_level_markers(
    logs_api: FakeLogs,
) -> None:
    logs_api.records = errors_among_unlevelled(30)
    assert invoke(*GET, "--level", "error", "-o", "raw").status == 0
    assert {c.get("min_level") for c in logs_api.calls} == {"ERROR", None}
    narrowed = [c for c in logs_api.calls if "min_level" not in c]
    assert narrowed and all("traceback" in c["search_pattern"] for c in narrowed)


def test_level_with_grep_keeps_the_grep_on_the_unlevelled_query_too(logs_api: FakeLogs) -> None:
    # The survivor: `--level error --grep timeout` printed "ERROR: disk full" when the
    # second query (lines the API left without a level) lost the --grep.
    logs_api.records = [
        record((SINCE_MS + 1000) * MS, "ERROR: disk full", level=None),
        record((SINCE_MS + 2000) * MS, "ERROR: timeout reading", level=None),
        record((SINCE_MS + 3000) * MS, "timeout after 30 s", level="ERROR"),
        record((SINCE_MS + 4000) * MS, "timeout, retrying", level="INFO"),
    ]
    result = invoke(*GET, "--level", "error", "--grep", "timeout", "-o", "raw")
    assert result.status == 0, result.stderr
    assert result.stdout == "ERROR: timeout reading\ntimeout after 30 s\n"
    assert {c.get("search_pattern") for c in logs_api.calls} == {"timeout"}


def test_max_rps_paces_every_request_of_the_run(
    logs_api: FakeLogs, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:  # time passes only when the client waits
        slept.append(seconds)
        now[0] += seconds

    monkeypatch.setattr("baseten_logs.api.clock.sleep", sleep)
    monkeypatch.setattr("baseten_logs.api.clock.monotonic", lambda: now[0])
    logs_api.records = [record((SINCE_MS + i) * MS, f"m{i}") for i in range(2500)]
    result = invoke(*GET, "--all", "-o", "raw", "--concurrency", "1", "--max-rps", "2")
    assert result.stdout.splitlines() == [f"m{i}" for i in range(2500)]
    assert len(logs_api.calls) == 3
    interval = 1 / (2 * PACE_MARGIN)  # evenly spaced, a little under 2 a second
    assert slept == pytest.approx([interval, interval])
    slept.clear()
    assert invoke(*GET, "--all", "-o", "raw", "--concurrency", "1").status == 0
    assert slept == pytest.approx([1 / (100 * PACE_MARGIN)] * 2)  # the default: 100 a second


@pytest.mark.parametrize("output", ["text", "jsonl", "raw", "github"])
def test_fields_the_api_sends_as_lists_or_objects_are_shown_not_a_crash(
    logs_api: FakeLogs, output: str
) -> None:
    # The endpoint is beta: a message or replica that is not a string must not be exit 70.
    logs_api.records = [
        record((SINCE_MS + 1000) * MS, "plain"),
        {**record((SINCE_MS + 2000) * MS, "x"), "message": ["a", {"b": 1}], "replica": {"id": 7}},
        {**record((SINCE_MS + 2000) * MS, "x"), "message": ["a", {"b": 1}], "replica": {"id": 7}},
    ]
    # -n 2: a full page, so the lines at its seam are counted (and so must be hashable).
    result = invoke(*GET, "-n", "2", "-o", output, "--summary")
    assert result.status == ExitStatus.OK, result.stderr
    assert "internal error" not in result.stderr
    if output == "jsonl":  # both identical copies, every field as the API sent it
        shown = [json.loads(line) for line in result.stdout.splitlines()]
        assert [r["message"] for r in shown] == [["a", {"b": 1}], ["a", {"b": 1}]]


def in_an_hour() -> str:
    import time

    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            ("chain", "rag-pipeline", "--lines", "5"),
            "No such option: --lines (use -n N: journalctl's --lines is -n N here)",
        ),
        (
            ("get", MODEL, "--since-time", SINCE),
            "No such option: --since-time (use --since TIME: kubectl's --since-time is"
            " --since TIME here)",
        ),
        (
            ("get", MODEL, "--retries", "-1"),
            "--retries: must be at least 0, not -1 (0 fails at once; the default is 5)",
        ),
        (
            ("get", MODEL, "-f", "-o", "github"),
            "-f/--follow: cannot be combined with -o github, which groups a finished window by"
            " replica (in CI drop -f and give --since/--until; to watch, follow with -o text)",
        ),
    ],
)
def test_a_mistake_is_told_what_is_really_wrong_and_the_fix(
    httpx_mock: HTTPXMock, api_env: None, args: tuple[str, ...], error: str
) -> None:
    result = invoke(*args)  # strict pytest-httpx: any request would fail the test
    assert (result.status, result.stderr) == (ExitStatus.USAGE, f"baseten-logs: error: {error}\n")


def test_kubectls_tail_is_n(logs_api: FakeLogs) -> None:
    """`--tail N` (kubectl, issue #27) is -n N: the same request, the same newest N lines."""
    logs_api.records = sample(10)
    tail = invoke(*GET, "--tail", "2", "-o", "raw")
    tail_calls = list(logs_api.calls)
    logs_api.calls.clear()
    n = invoke(*GET, "-n", "2", "-o", "raw")
    assert tail.status == n.status == 0
    assert tail.stdout == n.stdout == "line 8\nline 9\n"
    assert tail_calls == logs_api.calls and tail_calls[0]["limit"] == "2"


def test_another_tools_flag_that_this_command_lacks_keeps_clicks_suggestions(
    api_env: None,
) -> None:
    result = invoke("stats", MODEL, "--tail", "5")  # stats shows no lines: it has no -n
    assert result.status == ExitStatus.USAGE
    assert result.stderr.startswith("baseten-logs: error: No such option: --tail (Possible")


def test_a_since_in_the_future_without_until_names_since_not_until(api_env: None) -> None:
    from baseten_logs.base.timeparse import format_ms, parse_when

    since = in_an_hour()
    shown = format_ms(parse_when(since, flag="--since", now_ms=0))
    result = invoke("get", MODEL, "--since", since)
    assert result.stderr == (
        f"baseten-logs: error: --since: {since!r} is {shown}, in the future, and --until defaults"
        " to now (give a past time, e.g. --since 2h (2 hours ago), or an --until after it)\n"
    )
    assert result.status == ExitStatus.USAGE


def levels_the_text_shows(text: str) -> list[str | None]:
    """The level column of each line of `--color never` text output (None: blank)."""
    shown: list[str | None] = []
    for line in text.splitlines():
        column = line[len("2025-11-26 09:00:00.000Z ") :][:7].strip()
        shown.append(column or None)
    return shown


def test_shown_level_is_the_level_the_text_shows_and_everything_counts_by_it(
    logs_api: FakeLogs, tmp_path: Path
) -> None:
    # The README's recipe `jq 'select(.shown_level=="ERROR")'` must find what `--level error`,
    # `view --level error`, `--fail-on error` and `stats` find: JSON-logged errors and
    # tracebacks have a null `level`, which the API's own field keeps.
    messages_and_levels = [
        ('{"levelname": "ERROR", "message": "CUDA out of memory"}', None),
        ("Traceback (most recent call last): boom", None),
        ("WARNING:root:low memory", None),
        ("plain words", None),
        ("fine", "INFO"),
        ("bad", "ERROR"),
        ("odd", "warn"),
    ]
    logs_api.records = [
        record((SINCE_MS + 1000 * i) * MS, message, level=level)
        for i, (message, level) in enumerate(messages_and_levels)
    ]
    saved = tmp_path / "saved.jsonl"
    result = invoke(*GET, "--all", "-o", "jsonl", "--save", str(saved), "--summary")
    assert result.status == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    wanted = ["ERROR", "ERROR", "WARNING", None, "INFO", "ERROR", "WARNING"]
    assert [line["shown_level"] for line in lines] == wanted
    assert [line["level"] for line in lines] == [level for _, level in messages_and_levels]
    assert [json.loads(line) for line in saved.read_text().splitlines()] == lines
    assert "ERROR 3, WARNING 2, INFO 1, no level 1" in result.stderr

    text = invoke(*GET, "--all", "--color", "never", "--utc").stdout
    assert levels_the_text_shows(text) == wanted

    errors = [line for line in lines if line["shown_level"] == "ERROR"]
    by_level = invoke(*GET, "--all", "--level", "error", "-o", "jsonl")
    assert [json.loads(line) for line in by_level.stdout.splitlines()] == errors
    viewed = invoke("view", str(saved), "--level", "error", "-o", "jsonl")
    assert [json.loads(line) for line in viewed.stdout.splitlines()] == errors
    failing = invoke(*GET, "--all", "--level", "error", "--fail-on", "error", "-q")
    assert failing.status == ExitStatus.MATCHED


def test_a_line_with_an_unknown_level_is_shown_selected_and_counted_by_its_text(
    logs_api: FakeLogs, tmp_path: Path
) -> None:
    # Issue #25: level "VERBOSE" with "ERROR: disk full" was shown and counted by --fail-on as
    # ERROR, yet --level error dropped it (view, training's local filter; and get, whose
    # second query left every line with a non-null level to the API's min_level, which drops it).
    logs_api.records = [
        record(SINCE_MS * MS, "ERROR: disk full", level="VERBOSE"),
        record((SINCE_MS + 1000) * MS, "all good", level="VERBOSE"),
        record((SINCE_MS + 2000) * MS, "fine", level="INFO"),
    ]
    saved = tmp_path / "saved.jsonl"
    result = invoke(*GET, "--all", "-o", "jsonl", "--save", str(saved))
    assert result.status == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["shown_level"] for line in lines] == ["ERROR", None, "INFO"]
    text = invoke(*GET, "--all", "--color", "never", "--utc").stdout
    assert levels_the_text_shows(text) == ["ERROR", None, "INFO"]

    by_level = invoke(*GET, "--all", "--level", "error", "-o", "jsonl")
    assert [json.loads(line) for line in by_level.stdout.splitlines()] == lines[:1]
    viewed = invoke("view", str(saved), "--level", "error", "-o", "jsonl")
    assert [json.loads(line) for line in viewed.stdout.splitlines()] == lines[:1]
    failing = invoke(*GET, "--all", "--fail-on", "error", "-q")
    assert failing.status == ExitStatus.MATCHED
    failing = invoke(*GET, "--all", "--level", "error", "--fail-on", "error", "-q")
    assert failing.status == ExitStatus.MATCHED
    for flags, lines_counted in (((), 3), (("--level", "error"), 1)):
        stats = invoke("stats", *GET[1:], *flags, "-o", "json")
        assert stats.status == 0, stats.stderr
        counted = json.loads(stats.stdout)
        assert (counted["lines"], counted["totals"]["ERROR"]) == (lines_counted, 1)


class ReplicaLogs(FakeLogs):
    """FakeLogs that also honours `replica` and `request_id`, exactly, as the API does."""

    def __call__(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        everything = self.records
        self.records = [
            r
            for r in everything
            if all(r.get(key) == params[key] for key in ("replica", "request_id") if key in params)
        ]
        try:
            return super().__call__(request)
        finally:
            self.records = everything


@pytest.fixture
def replica_api(httpx_mock: HTTPXMock, api_env: None) -> ReplicaLogs:
    fake = ReplicaLogs()
    httpx_mock.add_callback(fake, url=re.compile(rf"{API_URL}{LOGS_PATH}.*"), is_reusable=True)
    return fake


def three_replicas(count: int = 30) -> list[dict[str, Any]]:
    names = ("aaaaa", "bbbbb", "ccccc")
    return [
        record((SINCE_MS + 1000 * i) * MS, f"line {i}", replica=names[i % 3], request_id=f"req-{i}")
        for i in range(count)
    ]


@pytest.mark.parametrize("window", [("-n", "5"), ("--all",), ("--all", "--concurrency", "1")])
def test_repeated_replica_shows_the_lines_of_each_of_them(
    replica_api: ReplicaLogs, window: tuple[str, ...]
) -> None:
    replica_api.records = three_replicas()
    result = invoke(*GET, *window, "--replica", "aaaaa", "--replica", "ccccc", "-o", "raw")
    assert result.status == 0, result.stderr
    either = [f"line {i}" for i in range(30) if i % 3 != 1]
    # -n 5: the newest 5 of the union, not 5 of each; --all: every line, in time order.
    assert result.stdout.splitlines() == (either[-5:] if "-n" in window else either)
    # The API takes one replica a request: each asked for on its own, none forgotten.
    assert {call.get("replica") for call in replica_api.calls} == {"aaaaa", "ccccc"}


def test_repeated_replica_counts_in_the_summary(replica_api: ReplicaLogs) -> None:
    replica_api.records = three_replicas()
    result = invoke(*GET, "-n", "4", "--replica", "bbbbb", "--replica", "aaaaa", "--summary")
    assert result.status == 0, result.stderr
    assert "4 lines" in result.stderr and "2 replicas (aaaaa, bbbbb)" in result.stderr


def test_a_replica_in_another_case_is_named(replica_api: ReplicaLogs) -> None:
    replica_api.records = three_replicas()
    result = invoke(*GET, "--replica", "AAAAA")
    assert result.status == 0 and result.stdout == ""
    assert (
        "no replica 'AAAAA' in the window; did you mean 'aaaaa'? replica ids match exactly"
        in result.stderr
    )
    # One look at the window's replicas: the newest page without filters.
    assert len(replica_api.calls) == 2 and "replica" not in replica_api.calls[-1]
    # With another replica that has lines, the one in the wrong case is still named.
    both = invoke(*GET, "--replica", "ccccc", "--replica", "AAAAA", "-o", "raw")
    assert both.stdout and "did you mean 'aaaaa'?" in both.stderr


def test_a_replica_that_is_nowhere_gets_no_hint_and_q_sends_no_look(
    replica_api: ReplicaLogs,
) -> None:
    replica_api.records = three_replicas()
    assert "did you mean" not in invoke(*GET, "--replica", "zzzzz").stderr
    replica_api.calls.clear()
    assert invoke(*GET, "--replica", "AAAAA", "-q").stderr == ""
    assert len(replica_api.calls) == 1


def test_a_request_id_in_another_case_is_named(replica_api: ReplicaLogs) -> None:
    replica_api.records = three_replicas()
    result = invoke(*GET, "--request-id", "REQ-7")
    assert result.status == 0 and result.stdout == ""
    assert (
        "no request 'REQ-7' in the window; did you mean 'req-7'? request ids match exactly"
        in result.stderr
    )
    found = invoke(*GET, "--request-id", "req-7", "-o", "raw")
    assert found.stdout == "line 7\n" and "did you mean" not in found.stderr
