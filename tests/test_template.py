"""`-o template --template`: the tiny format language, refused names, hostile values, and the
flag end to end (a bad template is exit 2 before any request)."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from baseten_logs.base.errors import ExitStatus
from baseten_logs.output.layout import Layout
from baseten_logs.output.render import make_renderer
from baseten_logs.output.render_template import (
    DEFAULT_TEMPLATE,
    FIELDS,
    TemplateError,
    parse_template,
)
from tests.conftest import invoke
from tests.fakeapi import DEPLOYMENT, MODEL, FakeLogs, record

T1 = "1764150001123456789"  # 2025-11-26 09:40:01.123 UTC
LINE = {
    "timestamp": T1,
    "message": "ready",
    "replica": "a1b2c",
    "request_id": "req-1",
    "level": "INFO",
}


def render(template: str, records: Sequence[Mapping[str, Any]], *, utc: bool = True) -> str:
    stream = io.StringIO()
    layout = Layout(template=parse_template(template))
    make_renderer(stream, output="template", color=True, utc=utc, layout=layout).write_page(records)
    return stream.getvalue()


@pytest.mark.parametrize(
    ("template", "shown"),
    [
        ("{time} {replica} {message}", "2025-11-26 09:40:01.123Z a1b2c ready"),
        ("{level:7}|{replica}|{request_id}", "INFO   |a1b2c|req-1"),
        ("{timestamp} {message}", f"{T1} ready"),
        ("{{literal}} {message}", "{literal} ready"),
        ("}}{message}{{", "}ready{"),
        ("[{ message }]", "[ready]"),
        ("{chainlet}{message}", "ready"),  # absent: empty
    ],
)
def test_fields(template: str, shown: str) -> None:
    assert render(template, [LINE]) == shown + "\n"


def test_the_shown_level_and_null_fields() -> None:
    line = {"timestamp": T1, "message": "ERROR: disk full", "replica": None, "level": None}
    assert (
        render("{level}|{replica}|{request_id}|{message}", [line]) == "ERROR|||ERROR: disk full\n"
    )


def test_an_unreadable_time_is_shown_as_it_came_and_cut() -> None:
    line = {**LINE, "timestamp": "soon" + "9" * 100}
    assert render("{time} {message}", [line]) == "soon" + "9" * 36 + "… ready\n"


def test_never_coloured_and_the_default_template() -> None:
    assert "\x1b" not in render("{time} {level} {message}", [LINE])
    assert render(DEFAULT_TEMPLATE, [LINE]) == "2025-11-26 09:40:01.123Z INFO    a1b2c  ready\n"
    stream = io.StringIO()
    make_renderer(stream, output="template", color=False, utc=True).write_page([LINE])
    assert stream.getvalue() == render(DEFAULT_TEMPLATE, [LINE])


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        ("message", "\x1b]52;c;cHduZWQ=\x07", "\\x1b]52;c;cHduZWQ=\\x07"),
        ("message", "a\u202eb", "a\\u202eb"),
        ("message", "line one\n\tline two\x1b[31m", "line one\n\tline two"),
        ("replica", "a\nb\x9b", "a\\x0ab\\x9b"),
        ("request_id", "\x1b[2J", "\\x1b[2J"),
        ("request_id", {"__class__": 1}, "{'__class__': 1}"),
    ],
)
def test_hostile_values_are_made_inert(field: str, value: Any, shown: str) -> None:
    line = {**LINE, field: value}
    assert render(f"{{{field}}}", [line]) == shown + "\n"


def test_a_value_is_never_read_as_a_template() -> None:
    line = {**LINE, "message": "{time.__class__} {0} {{"}
    assert render("{message}", [line]) == "{time.__class__} {0} {{\n"


@pytest.mark.parametrize(
    ("template", "error"),
    [
        ("{nope}", "unknown field {nope}; known: " + ", ".join(FIELDS)),
        ("{message.__class__}", "unknown field {message.__class__}"),
        ("{message[0]}", "unknown field {message[0]}"),
        ("{0}", "unknown field {0}"),
        ("{}", "unknown field {}"),
        ("{__import__('os')}", "unknown field {__import__('os')}"),
        ("{message!r}", "unknown field {message!r}"),
        ("{level:>7}", "{level:>7}: only a width is allowed after ':', 0 to 200"),
        ("{level:9999}", "{level:9999}: only a width is allowed after ':', 0 to 200"),
        ("{message", "a '{' at character 1 is not closed; '{{' is a brace"),
        ("a } b {message}", "a lone '}' at character 3; write '}}' for a brace"),
        ("just text", "names no field; e.g. '{time} {replica} {message}'"),
        ("{\x1b[2J}", "unknown field {\\x1b[2J}"),
    ],
)
def test_bad_templates_are_refused(template: str, error: str) -> None:
    with pytest.raises(TemplateError) as raised:
        parse_template(template)
    assert str(raised.value).startswith(error)


# --- through the command -------------------------------------------------------------------------

GET = (
    "get",
    MODEL,
    DEPLOYMENT,
    "--since",
    "2025-11-26T09:00:00Z",
    "--until",
    "2025-11-26T10:00:00Z",
    "--utc",
)


def test_template_alone_means_o_template(logs_api: FakeLogs) -> None:
    logs_api.records = [record(int(T1), "ready", level="INFO")]
    assert invoke(*GET, "--template", "{level} {message}").stdout == "INFO ready\n"
    result = invoke(*GET, "-o", "template", "--template", "{replica}: {message}")
    assert result.stdout == "a1b2c: ready\n"


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            ("--template", "{message.upper}"),
            "--template: unknown field {message.upper}; known: time, level, replica, message, "
            "request_id, timestamp, chainlet (e.g. --template '{time} {replica} {message}')",
        ),
        (
            ("-o", "jsonl", "--template", "{message}"),
            "--template: cannot be combined with -o jsonl (use -o template)",
        ),
    ],
)
def test_a_bad_template_is_exit_2_before_any_request(
    httpx_mock: HTTPXMock, api_env: None, args: tuple[str, ...], error: str
) -> None:
    result = invoke(*GET, *args)
    assert (result.status, result.stderr) == (ExitStatus.USAGE, f"baseten-logs: error: {error}\n")
    assert httpx_mock.get_requests() == []


def test_view_takes_a_template(tmp_path: Any) -> None:
    saved = tmp_path / "saved.jsonl"
    saved.write_text(json.dumps({"timestamp": T1, "message": "ready", "replica": "a1b2c"}) + "\n")
    result = invoke("view", str(saved), "--utc", "--template", "{time}|{message}")
    assert result.stdout == "2025-11-26 09:40:01.123Z|ready\n"
