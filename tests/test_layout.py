"""Text lines laid out for the screen (issue 27): prefix forms, wrapping under the message
column, --no-wrap, tracebacks and JSON logs, at 60 and 120 columns, compared with the text a
person sees; the choice of layout for a terminal and a pipe; the flags end to end."""

from __future__ import annotations

import fcntl
import io
import json
import os
import pty
import struct
import termios
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TextIO

import pytest
from pytest_httpx import HTTPXMock

from baseten_logs.base.errors import ExitStatus
from baseten_logs.output.layout import (
    Layout,
    LayoutFlags,
    PrefixForm,
    cells,
    choose_layout,
    fit,
)
from baseten_logs.output.render import make_renderer
from baseten_logs.output.terminal import screen_layout, stream_width
from tests.conftest import invoke
from tests.fakeapi import DEPLOYMENT, MODEL, FakeLogs, record

# 2025-11-26 09:40:00 UTC and the second after it.
T0 = "1764150000123456789"
T1 = "1764150001123456789"
TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "/app/model/model.py", line 42, in predict\n'
    "    result = self._pipeline(inputs, max_new_tokens=request.max_tokens, temperature=0.7)\n"
    "ValueError: bad input"
)
JSON_LOG = '{"levelname": "INFO", "message": "Received request", "path": "/v1", "ms": 5}'
LOGGER_LINE = "2025-11-26 09:40:01,123 - model - INFO - Loaded weights in 3.2 s"
RECORDS: list[dict[str, Any]] = [
    {"timestamp": T0, "message": TRACEBACK, "replica": "a1b2c", "level": "ERROR"},
    {"timestamp": T1, "message": JSON_LOG, "replica": "a1b2c", "level": "INFO"},
    {"timestamp": T1, "message": LOGGER_LINE, "replica": "x9y8z", "level": "INFO"},
]


def render(
    records: Sequence[Mapping[str, Any]],
    *,
    prefix: PrefixForm = "full",
    width: int | None = None,
    wrap: bool = True,
    message_only: bool = False,
    color: bool = False,
    label_width: int = 0,
) -> str:
    stream = io.StringIO()
    layout = Layout(prefix=prefix, width=width, wrap=wrap, message_only=message_only)
    renderer = make_renderer(
        stream, output="text", color=color, utc=True, layout=layout, label_width=label_width
    )
    renderer.write_page(records)
    return stream.getvalue()


def test_the_default_layout_is_the_old_one() -> None:
    assert render(RECORDS) == render(RECORDS, prefix="full", width=None, message_only=False)
    stream = io.StringIO()
    make_renderer(stream, output="text", color=False, utc=True).write_page(RECORDS)
    assert stream.getvalue() == render(RECORDS)


# --- prefix forms --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "shown"),
    [
        ("full", "2025-11-26 09:40:01.123Z INFO    x9y8z  ready\n"),
        ("short", "09:40:01.123Z I x9y8z ready\n"),
        ("none", "ready\n"),
    ],
)
def test_prefix_forms(prefix: PrefixForm, shown: str) -> None:
    line = {"timestamp": T1, "message": "ready", "replica": "x9y8z", "level": "INFO"}
    assert render([line], prefix=prefix) == shown
    # The careful path (a timestamp in another form) lays the line out alike.
    odd = {**line, "timestamp": int(T1)}
    assert render([odd], prefix=prefix) == shown


def test_short_prefix_letters_blanks_and_long_replicas() -> None:
    lines: list[dict[str, Any]] = [
        {"timestamp": T0, "message": "w", "replica": "a1b2c", "level": "WARNING"},
        {"timestamp": T0, "message": "no level", "replica": None, "level": None},
        {"timestamp": T0, "message": "long", "replica": "replica-0123456", "level": "DEBUG"},
    ]
    assert render(lines, prefix="short") == (
        "09:40:00.123Z W a1b2c w\n09:40:00.123Z         no level\n09:40:00.123Z D repl… long\n"
    )


def test_short_prefix_keeps_colours_on_the_letter() -> None:
    line = {"timestamp": T0, "message": "boom", "replica": None, "level": "ERROR"}
    shown = render([line], prefix="short", color=True)
    assert "\x1b[1;31mE\x1b[0m" in shown


def test_a_chains_label_column_in_the_short_form() -> None:
    line = {"timestamp": T0, "message": "hi", "replica": "a1b2c", "level": "INFO"}
    line["chainlet"] = "Splitter"
    assert render([line], prefix="short", label_width=8) == "09:40:00.123Z I Splitter a1b2c hi\n"
    assert render([line], prefix="none", label_width=8) == "hi\n"


# --- fitted to the width: 60 and 120 columns --------------------------------------------------


LOADED = "Loaded weights for llama-3-8b from /app/data/model in 3.2 s, warming up the engine now"
FULL = "2025-11-26 09:40:01.123Z INFO    x9y8z  "
SHORT = "09:40:01.123Z I x9y8z "


@pytest.mark.parametrize(
    ("prefix", "width", "shown"),
    [
        (
            "full",
            60,
            f"{FULL}Loaded weights for\n"
            + "".join(
                " " * 40 + row + "\n"
                for row in ("llama-3-8b from", "/app/data/model in", "3.2 s, warming up")
            )
            + " " * 40
            + "the engine now\n",
        ),
        (
            "full",
            120,
            f"{FULL}Loaded weights for llama-3-8b from /app/data/model in 3.2 s, warming up the\n"
            + " " * 40
            + "engine now\n",
        ),
        (
            "short",
            60,
            f"{SHORT}Loaded weights for llama-3-8b from\n"
            + " " * 22
            + "/app/data/model in 3.2 s, warming up\n"
            + " " * 22
            + "the engine now\n",
        ),
        ("short", 120, f"{SHORT}{LOADED}\n"),
        (
            "none",
            60,
            "Loaded weights for llama-3-8b from /app/data/model in 3.2 s,\n"
            "warming up the engine now\n",
        ),
        ("none", 120, f"{LOADED}\n"),
    ],
)
def test_each_prefix_form_at_60_and_120_columns(prefix: PrefixForm, width: int, shown: str) -> None:
    line = {"timestamp": T1, "message": LOADED, "replica": "x9y8z", "level": "INFO"}
    assert render([line], prefix=prefix, width=width) == shown


def test_short_at_60_columns_wraps_under_the_message_column() -> None:
    assert render(RECORDS, prefix="short", width=60, message_only=True) == (
        "09:40:00.123Z E a1b2c Traceback (most recent call last):\n"
        '                        File "/app/model/model.py", line 42,\n'
        "                        in predict\n"
        "                          result = self._pipeline(inputs,\n"
        "                          max_new_tokens=request.max_tokens,\n"
        "                          temperature=0.7)\n"
        "                      ValueError: bad input\n"
        "09:40:01.123Z I a1b2c Received request  path=/v1 ms=5\n"
        "09:40:01.123Z I x9y8z model - Loaded weights in 3.2 s\n"
    )


def test_full_at_120_columns_wraps_only_what_is_longer() -> None:
    assert render(RECORDS, prefix="full", width=120) == (
        "2025-11-26 09:40:00.123Z ERROR   a1b2c  Traceback (most recent call last):\n"
        '                                          File "/app/model/model.py", line 42, in '
        "predict\n"
        "                                            result = self._pipeline(inputs, "
        "max_new_tokens=request.max_tokens,\n"
        "                                            temperature=0.7)\n"
        "                                        ValueError: bad input\n"
        f"2025-11-26 09:40:01.123Z INFO    a1b2c  {JSON_LOG}\n"
        f"2025-11-26 09:40:01.123Z INFO    x9y8z  {LOGGER_LINE}\n"
    )


def test_no_wrap_at_60_columns_cuts_each_line_with_an_ellipsis() -> None:
    shown = render(RECORDS, prefix="short", width=60, wrap=False, message_only=True)
    assert shown == (
        "09:40:00.123Z E a1b2c Traceback (most recent call last):\n"
        '                        File "/app/model/model.py", line 42…\n'
        "                          result = self._pipeline(inputs, m…\n"
        "                      ValueError: bad input\n"
        "09:40:01.123Z I a1b2c Received request  path=/v1 ms=5\n"
        "09:40:01.123Z I x9y8z model - Loaded weights in 3.2 s\n"
    )
    assert all(cells(line) <= 60 for line in shown.splitlines())


def test_no_wrap_at_120_columns_and_none_prefix() -> None:
    long = {"timestamp": T0, "message": "x" * 200, "replica": None, "level": None}
    assert render([long], prefix="none", width=120, wrap=False) == "x" * 119 + "…\n"
    assert render([long], prefix="none", width=120) == "x" * 120 + "\n" + "x" * 80 + "\n"


def test_every_wrapped_line_fits_the_width_and_keeps_every_character() -> None:
    words = " ".join(f"word{i}" for i in range(60))
    line = {"timestamp": T0, "message": words, "replica": "a1b2c", "level": "INFO"}
    for width in (60, 120):
        shown = render([line], prefix="short", width=width)
        rows = shown.splitlines()
        assert all(len(row) <= width for row in rows)
        assert all(row.startswith(" " * 22) for row in rows[1:])
        assert " ".join(row[22:] for row in rows) == words


def test_a_wrapped_line_in_colour_still_fits() -> None:
    line = {"timestamp": T0, "message": "y" * 100, "replica": "a1b2c", "level": "ERROR"}
    shown = render([line], prefix="short", width=60, color=True)
    assert shown.count("\n") == 3  # 38 columns of room: 38 + 38 + 24


def test_wide_characters_count_two_columns() -> None:
    line = {"timestamp": T0, "message": "日本語" * 10, "replica": None, "level": None}
    shown = render([line], prefix="none", width=20)
    assert shown.splitlines() == [
        "日本語日本語日本語日",
        "本語日本語日本語日本",
        "語日本語日本語日本語",
    ]
    assert render([line], prefix="none", width=20, wrap=False) == "日本語日本語日本語…\n"


def test_fit_keeps_short_lines_and_a_minimum_room() -> None:
    assert fit("short", 40, wrap=True) == ["short"]
    assert fit("z" * 40, 2, wrap=True) == ["z" * 16, "z" * 16, "z" * 8]  # MIN_ROOM
    assert fit("a\tb", 40, wrap=True) == ["a       b"]


def test_hostile_text_is_still_escaped_when_fitted() -> None:
    line = {"timestamp": T0, "message": "\x1b]52;c;AAAA\x07" + "q" * 80, "replica": None}
    shown = render([line], prefix="none", width=40)
    assert "\x1b" not in shown and "\\x1b" in shown


# --- JSON logs and logging lines (--message-only) ------------------------------------------------


def test_a_json_logs_fields_are_dimmed_after_its_message() -> None:
    line = {"timestamp": T1, "message": JSON_LOG, "replica": None, "level": "INFO"}
    shown = render([line], prefix="none", message_only=True, color=True)
    assert shown == "Received request \x1b[2m path=/v1 ms=5\x1b[0m\n"


def test_verbatim_keeps_the_message_as_it_came() -> None:
    assert render(RECORDS, prefix="none") == f"{TRACEBACK}\n{JSON_LOG}\n{LOGGER_LINE}\n"


@pytest.mark.parametrize(
    ("message", "level", "shown"),
    [
        ('{"msg": "hi", "level": "info", "ts": 1764150001.5}', "INFO", "hi"),
        ('{"event": "hi", "severity": "ERROR"}', "INFO", "hi  severity=ERROR"),
        (
            '{"message": "hi", "time": "2020-01-01T00:00:00Z"}',
            "INFO",
            "hi  time=2020-01-01T00:00:00Z",
        ),
        ('{"message": "hi", "user": "a b", "n": [1, 2]}', None, 'hi  user="a b" n=[1,2]'),
        ('{"message": "hi", "x": "\\u001b[2J"}', None, "hi  x=\\x1b[2J"),
        ('{"x": 1}', None, '{"x": 1}'),
        ("{not json}", None, "{not json}"),
        ("[1, 2]", None, "[1, 2]"),
        ("2025-11-26 09:40:01,123 - INFO - model - Loaded", "INFO", "model - Loaded"),
        ("2025-11-26 09:40:01,123 - model - INFO - Loaded", "INFO", "model - Loaded"),
        ("[2025-11-26T09:40:01.123Z] [INFO] x", "INFO", "x"),
        ("2025-11-26 09:40:01 WARNING w", "INFO", "WARNING w"),
        ("2020-01-01 00:00:00 INFO an old time", "INFO", "2020-01-01 00:00:00 INFO an old time"),
        ("INFO:root:hello", "INFO", "root:hello"),
        ("INFO:     Started server process", "INFO", "Started server process"),
        ("ERROR budget exceeded", "ERROR", "ERROR budget exceeded"),
        ("ERROR: disk full", "WARNING", "ERROR: disk full"),
    ],
)
def test_message_only_shapes(message: str, level: str | None, shown: str) -> None:
    line = {"timestamp": T1, "message": message, "replica": None, "level": level}
    assert render([line], prefix="none", message_only=True) == shown + "\n"


def test_a_json_logs_fields_wrap_and_stay_dimmed() -> None:
    fields = ", ".join(f'"k{i}": "v{i}"' for i in range(12))
    line = {"timestamp": T1, "message": f'{{"message": "hi", {fields}}}', "level": "INFO"}
    shown = render([line], prefix="none", width=40, message_only=True)
    assert shown == (
        "hi  k0=v0 k1=v1 k2=v2 k3=v3 k4=v4 k5=v5\nk6=v6 k7=v7 k8=v8 k9=v9 k10=v10 k11=v11\n"
    )


# --- the layout for a terminal, and for a pipe ----------------------------------------------------


@pytest.mark.parametrize(
    ("terminal", "width", "expected"),
    [
        (True, 60, Layout(prefix="short", width=60, message_only=True)),
        (True, 79, Layout(prefix="short", width=79, message_only=True)),
        (True, 80, Layout(prefix="full", width=80, message_only=True)),
        (True, 120, Layout(prefix="full", width=120, message_only=True)),
        (True, None, Layout(prefix="full", message_only=True)),  # a terminal of unknown width
        (False, 60, Layout()),  # into a pipe: full, whole lines, verbatim
    ],
)
def test_choose_layout(terminal: bool, width: int | None, expected: Layout) -> None:
    assert choose_layout(None, terminal=terminal, width=width) == expected


def test_flags_beat_the_terminal() -> None:
    flags = LayoutFlags(prefix="full", no_wrap=True, message_only=False)
    assert choose_layout(flags, terminal=True, width=60) == Layout(
        prefix="full", width=60, wrap=False, message_only=False
    )
    forced = LayoutFlags(prefix="none", message_only=True)
    assert choose_layout(forced, terminal=False, width=0) == Layout(
        prefix="none", message_only=True
    )


def test_screen_layout_reads_columns_on_a_terminal_only() -> None:
    env = {"TTY_COMPATIBLE": "1", "COLUMNS": "60"}
    assert screen_layout(None, io.StringIO(), env).width == 60
    assert screen_layout(None, io.StringIO(), {"COLUMNS": "60"}).width is None
    # A terminal of unknown width (a log viewer, TTY_COMPATIBLE=1): full prefix, lines whole.
    unknown = screen_layout(None, io.StringIO(), {"TTY_COMPATIBLE": "1"})
    assert unknown == Layout(prefix="full", width=None, message_only=True)


# --- end to end through the command ------------------------------------------------------------


SINCE = ("--since", "2025-11-26T09:00:00Z", "--until", "2025-11-26T10:00:00Z")
GET = ("get", MODEL, DEPLOYMENT, *SINCE, "--utc")


def test_get_on_a_narrow_terminal_is_short_and_wrapped(logs_api: FakeLogs) -> None:
    logs_api.records = [record(int(T1), JSON_LOG, level="INFO")]
    env = {"TTY_COMPATIBLE": "1", "COLUMNS": "60", "NO_COLOR": "1"}
    result = invoke(*GET, env=env)
    assert result.stdout == "09:40:01.123Z I a1b2c Received request  path=/v1 ms=5\n"
    result = invoke(*GET, "--prefix", "full", "--verbatim", env=env)
    assert result.stdout.splitlines()[0] == (
        '2025-11-26 09:40:01.123Z INFO    a1b2c  {"levelname":'
    )


def test_get_into_a_pipe_is_unchanged(logs_api: FakeLogs) -> None:
    logs_api.records = [record(int(T1), JSON_LOG, level="INFO")]
    assert invoke(*GET).stdout == f"2025-11-26 09:40:01.123Z INFO    a1b2c  {JSON_LOG}\n"
    result = invoke(*GET, "--message-only", "--prefix", "none")
    assert result.stdout == "Received request  path=/v1 ms=5\n"


def test_jsonl_stays_verbatim_with_message_only(logs_api: FakeLogs) -> None:
    logs_api.records = [record(int(T1), JSON_LOG, level="INFO")]
    result = invoke(*GET, "-o", "jsonl", "--message-only")
    assert [json.loads(line)["message"] for line in result.stdout.splitlines()] == [JSON_LOG]


def test_a_bad_prefix_is_refused_before_any_request(httpx_mock: HTTPXMock, api_env: None) -> None:
    result = invoke(*GET, "--prefix", "wide")
    assert result.status == ExitStatus.USAGE
    assert result.stderr == (
        "baseten-logs: error: --prefix: unknown value 'wide' (use one of full, short, none)\n"
    )
    assert httpx_mock.get_requests() == []


def test_message_only_and_verbatim_are_one_choice(httpx_mock: HTTPXMock, api_env: None) -> None:
    result = invoke(*GET, "--message-only", "--verbatim")
    assert (result.status, result.stderr) == (
        ExitStatus.USAGE,
        "baseten-logs: error: --message-only: cannot be combined with --verbatim (choose one)\n",
    )
    assert httpx_mock.get_requests() == []


def test_view_on_a_narrow_terminal(tmp_path: Any) -> None:
    saved = tmp_path / "saved.jsonl"
    saved.write_text("".join(json.dumps(line) + "\n" for line in RECORDS))
    env = {"TTY_COMPATIBLE": "1", "COLUMNS": "60", "NO_COLOR": "1"}
    result = invoke("view", str(saved), "--utc", "--no-wrap", env=env)
    assert result.stdout == render(RECORDS, prefix="short", width=60, wrap=False, message_only=True)
    result = invoke("view", str(saved), "--utc", "--verbatim", "--prefix", "none", env=env)
    assert result.stdout == render(RECORDS, prefix="none", width=60)


@contextmanager
def terminal_of(columns: int) -> Iterator[TextIO]:
    """A stream written to a pseudo-terminal that says it is `columns` wide."""
    leader, follower = pty.openpty()
    try:
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
        with open(follower, "w", closefd=False) as stream:
            yield stream
    finally:
        os.close(leader)
        os.close(follower)


def test_the_width_of_stdouts_own_terminal() -> None:
    with terminal_of(60) as stream:
        assert stream_width(stream, {}) == 60
        assert stream_width(stream, {"COLUMNS": "132"}) == 132
        assert screen_layout(None, stream, {}) == Layout("short", 60, message_only=True)


@pytest.mark.parametrize(
    ("columns", "width"),
    [("1", 1), ("0", 60), ("", 60), ("-5", 60), ("80x", 60), ("٣", 60)],
)
def test_columns_is_taken_when_it_is_a_positive_whole_number(columns: str, width: int) -> None:
    """COLUMNS=1 is a width (a very narrow one); 0, empty or not a number is no width at all,
    and the terminal is asked instead (60 columns here)."""
    with terminal_of(60) as stream:
        assert stream_width(stream, {"COLUMNS": columns}) == width


@pytest.mark.parametrize(("reported", "width"), [(0, None), (1, 1), (2, 2)])
def test_a_terminal_that_reports_no_columns_has_no_width(reported: int, width: int | None) -> None:
    """A pseudo-terminal nobody sized (a serial console, some CI runners) says 0 columns: that
    is unknown, not a width to fit lines into."""
    with terminal_of(reported) as stream:
        assert stream_width(stream, {}) == width


def test_an_odd_records_json_log_drops_what_its_prefix_shows_too() -> None:
    """A record the fast path cannot take (a time sent as a number) is shaped the same: its
    fields that repeat the line's level and time are not shown twice."""
    message = '{"msg": "hi", "level": "info", "ts": 1764150001.5, "n": 1}'
    line = {"timestamp": int(T1), "message": message, "replica": None, "level": "INFO"}
    assert render([line], prefix="none", message_only=True) == "hi  n=1\n"


def test_a_short_line_of_wide_characters_is_fitted_by_its_columns() -> None:
    line = {"timestamp": T0, "message": "日本語" * 5, "replica": None, "level": None}
    assert render([line], prefix="none", width=20).splitlines() == [
        "日本語日本語日本語日",
        "本語日本語",
    ]


def test_a_private_use_character_in_a_plain_line_dims_nothing() -> None:
    """The renderer dims from the mark the shaper puts before a JSON log's fields; the same
    character arriving in a line is not that mark: it is shown as U+FFFD, in a JSON log too."""
    for message in ("\ue000starts", "plain \ue000 then", "a\ue000b\ue000c", '{"msg": "\ue000"}'):
        line = {"timestamp": T1, "message": message, "replica": None, "level": "INFO"}
        shown = render([line], prefix="none", message_only=True, color=True)
        assert "\x1b[2m" not in shown and "\ufffd" in shown, shown


def test_a_line_without_a_readable_time_has_no_time_column_when_none_is_shown() -> None:
    line = {"timestamp": "yesterday", "message": "hi", "replica": None, "level": "INFO"}
    assert render([line], prefix="none") == "hi\n"
    assert render([line], prefix="none", color=True) == "hi\n"
