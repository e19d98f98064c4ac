"""Help pages and usage messages a new user reads first: examples, honest lists, exact hints."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from pytest_httpx import HTTPXMock

from baseten_logs.base.errors import ExitStatus
from tests.conftest import invoke
from tests.fakeapi import API_URL, LOGS_PATH, record

GET = ("get", "mdl1234", "dep5678")


@pytest.mark.parametrize("command", [(), ("get",), ("stats",), ("view",)])
def test_help_pages_show_examples(command: tuple[str, ...]) -> None:
    out = invoke(*command, "--help").stdout
    assert "Examples:\n    baseten-logs " in out


@pytest.mark.parametrize("command", ["get", "stats", "view", "deployments"])
def test_usage_lines_name_arguments_plainly(command: str) -> None:
    usage = invoke(command, "--help").stdout.splitlines()[0]
    assert "{" not in usage and "}" not in usage


@pytest.mark.parametrize("command", ["stats", "view"])
def test_commands_without_fail_on_do_not_list_its_exit_status(command: str) -> None:
    out = invoke(command, "--help", env={"COLUMNS": "200"}).stdout
    assert "Exit statuses: 0 ok, 2 bad input" in out and "--fail-on" not in out


def test_limit_help_tells_the_follow_default_and_n_0() -> None:
    out = " ".join(invoke("get", "--help", env={"COLUMNS": "200"}).stdout.split())
    assert "with -f a screenful" in out and "-f -n 0" in out


def test_emulator_help_has_no_type_placeholders() -> None:
    out = invoke("emulator", "--help").stdout
    assert "<int" not in out and "<float" not in out and "<str" not in out
    assert "--port PORT" in out and "--error-rate SHARE" in out


@pytest.mark.parametrize("columns", ["80", "200"])
def test_top_level_help_shows_every_command_summary_whole(columns: str) -> None:
    out = invoke("--help", env={"COLUMNS": columns}).stdout
    commands = out.split("Commands:")[1].split("Examples:")[0]
    assert "..." not in commands


def test_a_mistyped_command_points_at_the_top_level_help() -> None:
    result = invoke("gett")
    assert result.status == ExitStatus.USAGE
    assert "(see 'baseten-logs --help')" in result.stderr and "gett --help" not in result.stderr


@pytest.mark.parametrize(
    ("flags", "present", "absent"),
    [
        (("--concurrency", "0"), "(auto, or 1 to 64)", "100"),
        (("--concurrency", "many"), "(auto, or 1 to 64)", "100"),
        (("--max-rps", "0"), "--max-rps: must be above 0", "Traceback"),
        (("--max-rps", "nan"), "--max-rps: must be above 0", "Traceback"),
        (("--max-rps", "fast"), "'fast' is not a number (requests a second", "Traceback"),
        (("--reverse", "-f"), "drop --reverse", "jsonl"),
        (("-f", "-o", "json"), "use -o jsonl", "--reverse"),
        (("--grep", r"(\w)\1"), r"'(\w)\1'", r"\\"),  # as typed, not doubled
        (("--grep", "["), "'[' is not a valid RE2 regular expression", "Traceback"),
        (("--grep", "(a"), "is not a valid RE2 regular expression", "Traceback"),
    ],
)
def test_bad_input_hints_fit_the_mistake_and_send_nothing(
    httpx_mock: HTTPXMock, api_env: None, flags: tuple[str, ...], present: str, absent: str
) -> None:
    result = invoke(*GET, *flags)  # strict pytest-httpx: any request would fail the test
    assert result.status == ExitStatus.USAGE
    assert present in result.stderr and absent not in result.stderr


def test_a_valid_re2_pattern_python_lacks_is_left_to_the_api(
    httpx_mock: HTTPXMock, api_env: None
) -> None:
    # Python's re cannot read \pN: sent as typed, and what the API matched is shown, not
    # re-filtered here (which would drop it, or fail).
    line = record((int(time.time()) - 60) * 1_000_000_000, "digit 7", level="INFO")

    def api(request: httpx.Request) -> httpx.Response:
        assert request.url.params.get("search_pattern") == r"\pN"
        return httpx.Response(200, json={"logs": [line]})

    httpx_mock.add_callback(api, url=re.compile(rf"{API_URL}{LOGS_PATH}.*"), is_reusable=True)
    # --since: an empty default window would look further back (and read the deployment).
    result = invoke(*GET, "--since", "1h", "--grep", r"\pN", "-o", "raw")
    assert (result.status, result.stdout, result.stderr) == (0, "digit 7\n", "")
