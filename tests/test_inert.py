"""Hostile bytes stay inert: every output path, fed the same hostile strings, shows them escaped.

A replica id, a message, a request id, a model or deployment name, a team, a status or an error
body is written by someone else; a terminal obeys the control sequences in what it is sent. Each
path below puts one hostile string in every outside field it shows and checks what would reach
the terminal: no control character but our own colours, and the string shown visibly escaped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpx import HTTPXMock

from baseten_logs.output import messages
from baseten_logs.output.inert import inert
from baseten_logs.output.summary import Tally
from tests.conftest import Result, invoke
from tests.fakeapi import API_URL, LOGS_PATH, FakeLogs, record
from tests.fakecatalog import LLAMA, FakeCatalog, serve
from tests.shown import as_written
from tests.test_cli import GET, MS, SINCE_MS

HOSTILE = {
    "title-and-clear": "r\x1b]0;T\x07\x1b[2J",  # retitles the window, clears the screen
    "osc52-clipboard": "\x1b]52;c;cHduZWQ=\x07",  # writes the clipboard
    "cursor-report": "\x1b[6n",  # makes the terminal type ^[[2;16R into the prompt
    "bidi-override": "cod\u202egnp.exe",  # U+202E: reads as "codexe.png"
    "c1-csi": "\x9b2J",  # a one-byte CSI: clears the screen on some terminals
    "del": "x\x7fy",
    "lone-surrogate": "half \ud800",  # legal JSON ("\ud800"), not encodable
}
# What must never reach a terminal from outside (tab and newline are a message's own layout).
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
OUR_CODES = re.compile(r"\x1b\[[0-9;]*m|\r\x1b\[2K")  # colours; the status line's redraw


def assert_inert(text: str, hostile: str) -> None:
    """Nothing a terminal would obey but our own codes, and the hostile string visibly there."""
    bare = OUR_CODES.sub("", text)
    found = UNSAFE.search(bare)
    assert found is None, f"{found.group()!r} reached the terminal in {text!r}"
    assert inert(hostile) in bare or inert(hostile).replace(":", "%3A") in bare, bare


def hostile_record(hostile: str, offset_ms: int = 1, level: str = "ERROR") -> dict[str, object]:
    return record(
        (SINCE_MS + offset_ms) * MS,
        f"boom {hostile}",
        replica=hostile,
        request_id=hostile,
        level=level,
    )


def both(result: Result) -> str:
    return result.stdout + result.stderr


# --- the paths: each shows `hostile` in every outside field it has ------------------------------


def get_text(h: str, logs: FakeLogs, *_: object) -> str:
    logs.records = [hostile_record(h), record((SINCE_MS + 2) * MS, h, replica="a1b2c")]
    return both(invoke(*GET, "--color", "never"))


def get_text_coloured(h: str, logs: FakeLogs, *_: object) -> str:
    logs.records = [hostile_record(h)]
    return both(invoke(*GET, "--color", "always"))


def get_summary(h: str, logs: FakeLogs, *_: object) -> str:
    logs.records = [hostile_record(h), record((SINCE_MS + 2) * MS, "x", replica=7)]  # type: ignore[arg-type]
    result = invoke(*GET, "--summary", "-o", "jsonl")
    assert result.status == 0, result.stderr
    return result.stderr


def get_github(h: str, logs: FakeLogs, *_: object) -> str:
    logs.records = [hostile_record(h), hostile_record(h, 2, "WARNING")]
    return both(invoke(*GET, "-o", "github"))


def get_raw_on_a_terminal(h: str, logs: FakeLogs, *_: object) -> str:
    logs.records = [hostile_record(h)]
    return both(invoke(*GET, "-o", "raw", env={"TTY_COMPATIBLE": "1"}))


def view_text(h: str, logs: FakeLogs, tmp: Path, *_: object) -> str:
    saved = tmp / "saved.jsonl"
    saved.write_text(json.dumps(hostile_record(h)) + "\n", encoding="utf-8")
    return both(invoke("view", str(saved)))


def stats_drawn(h: str, logs: FakeLogs, *_: object) -> str:
    logs.records = [hostile_record(h), hostile_record(h, 2)]
    return both(invoke("stats", *GET[1:], env={"TTY_COMPATIBLE": "1", "COLUMNS": "200"}))


def error_body(h: str, logs: FakeLogs, tmp: Path, httpx_mock: HTTPXMock) -> str:
    httpx_mock.add_response(
        url=re.compile(rf"{API_URL}/v1/models/m0bad00/.*"),
        status_code=400,
        content=json.dumps({"error": h}).encode(),  # escaped, as a JSON API sends it
    )
    result = invoke("get", "m0bad00", "d0bad00", "--since", "1h")
    assert result.status == 2
    return both(result)


def messages_and_status(h: str, *_: object) -> str:
    import io
    import sys

    stream = io.StringIO()
    saved, sys.stderr = sys.stderr, stream
    try:
        messages.warn(f"poll failed: {h}")
        messages.info(f"stopped following: the deployment is {h}")
        messages.error(h)
        status = messages.StatusLine(enabled=True)
        status.show(f"last poll 10:00:00 · {h}")
        status.clear()
    finally:
        sys.stderr = saved
    return stream.getvalue()


def listing(*command: str) -> Callable[..., str]:
    """`models` or `deployments` as a table, every name, team and status hostile."""

    def draw(h: str, logs: FakeLogs, tmp: Path, httpx_mock: HTTPXMock) -> str:
        catalog: FakeCatalog = serve(httpx_mock)
        for each in catalog.models:
            each["name"] = each["name"] + h
            each["team_name"] = h
        for each in catalog.deployments[LLAMA]:
            each["name"] = h
            each["status"] = h
        result = invoke(*command, "--no-cache", "-o", "table", "--color", "always")
        assert result.status == 0, result.stderr
        return both(result)

    return draw


def tally_describe(h: str, *_: object) -> str:
    tally = Tally()
    tally.write_page([hostile_record(h)])
    return tally.describe(requests=1)


PATHS: dict[str, Callable[..., str]] = {
    "get text": get_text,
    "get text, coloured": get_text_coloured,
    "get --summary": get_summary,
    "get -o github": get_github,
    "get -o raw on a terminal": get_raw_on_a_terminal,
    "view": view_text,
    "stats": stats_drawn,
    "models table": listing("models"),
    "deployments table": listing("deployments", LLAMA),
    "error line from a 400 body": error_body,
    "warnings, info, errors, status line": messages_and_status,
    "summary counts": tally_describe,
}


@pytest.mark.parametrize("hostile", HOSTILE.values(), ids=HOSTILE.keys())
@pytest.mark.parametrize("path", PATHS.values(), ids=PATHS.keys())
def test_every_output_path_shows_hostile_text_inert(
    path: Callable[..., str],
    hostile: str,
    httpx_mock: HTTPXMock,
    api_env: None,
    tmp_path: Path,
) -> None:
    logs = FakeLogs()
    httpx_mock.add_callback(
        logs,
        url=re.compile(rf"{API_URL}{LOGS_PATH}.*"),
        is_reusable=True,
        is_optional=True,
    )
    assert_inert(path(hostile, logs, tmp_path, httpx_mock), hostile)


def test_raw_into_a_pipe_stays_byte_exact(logs_api: FakeLogs) -> None:
    message = "\x1b[31mred\x1b[0m \x1b]0;T\x07 \u202e"
    logs_api.records = [record((SINCE_MS + 1) * MS, message)]
    assert invoke(*GET, "-o", "raw").stdout == message + "\n"


def test_jsonl_is_unchanged_json(logs_api: FakeLogs) -> None:
    logs_api.records = [hostile_record(HOSTILE["title-and-clear"])]
    line = invoke(*GET, "-o", "jsonl").stdout
    assert "\x1b" not in line  # JSON escapes control characters itself
    assert json.loads(line) == as_written(logs_api.records[0])


@pytest.mark.parametrize("output", ["text", "raw", "github", "jsonl", "json"])
def test_lone_surrogates_are_written_escaped_in_every_format(
    logs_api: FakeLogs, output: str, tmp_path: Path
) -> None:
    logs_api.records = [record((SINCE_MS + 1) * MS, "half \ud800 a pair", replica="r\udc80")]
    saved = tmp_path / "saved.jsonl"
    result = invoke(*GET, "-o", output, "--summary", "--save", str(saved))
    assert result.status == 0, result.stderr
    assert "\\ud800" in result.stdout and "\\udc80" in result.stderr
    assert json.loads(saved.read_text(encoding="utf-8")) == as_written(logs_api.records[0])


def test_inert_leaves_ordinary_text_alone() -> None:
    for text in ("plain", "tab\tand\nnewline", "naïve café ✓ 日本語", "emoji 👩‍💻 joiner", ""):
        assert inert(text, multiline=True) == text
    assert inert("a\tb\nc") == "a\\x09b\\x0ac"  # one-line fields keep to one line
    assert inert("\x1b[2J\u2066\ud800") == "\\x1b[2J\\u2066\\ud800"


# 19 characters that repeat the second of the line before and then move the cursor up a line and
# back to its start: what is printed next overwrites that line (an ERROR disappears).
CURSOR_UP = "\x1bM\r000000"


@pytest.mark.parametrize("output", ["text", "github"])
def test_a_time_that_repeats_the_second_before_it_is_still_made_inert(
    output: str, tmp_path: Path
) -> None:
    first = hostile_record("", level="ERROR")
    second = {**first, "timestamp": str(first["timestamp"])[:10] + CURSOR_UP, "level": "INFO"}
    saved = tmp_path / "saved.jsonl"
    saved.write_text(f"{json.dumps(first)}\n{json.dumps(second)}\n", encoding="utf-8")
    result = invoke("view", str(saved), "-o", output, "--color", "always")
    assert result.status == 0, result.stderr
    assert_inert(both(result), CURSOR_UP)
