"""The terminal and colour decision: flags, NO_COLOR, FORCE_COLOR, TERM, TTY_COMPATIBLE, isatty."""

from __future__ import annotations

import io
import os
import sys

import pytest

from baseten_logs.output.terminal import ColorMode, is_terminal, terminal_width, use_color


class FakeStream(io.StringIO):
    def __init__(self, *, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


TTY = FakeStream(tty=True)
PIPE = FakeStream(tty=False)


@pytest.mark.parametrize(
    ("mode", "tty", "env", "expected"),
    [
        # The flag beats everything.
        ("always", False, {}, True),
        ("always", False, {"NO_COLOR": "1", "TERM": "dumb"}, True),
        ("never", True, {}, False),
        ("never", True, {"FORCE_COLOR": "1"}, False),
        # auto: the stream decides...
        ("auto", True, {}, True),
        ("auto", False, {}, False),
        # ...unless FORCE_COLOR is set and not empty, whatever its value.
        ("auto", False, {"FORCE_COLOR": "1"}, True),
        ("auto", False, {"FORCE_COLOR": "0"}, True),
        ("auto", False, {"FORCE_COLOR": ""}, False),
        ("auto", True, {"FORCE_COLOR": ""}, True),
        # NO_COLOR, when not empty, turns colour off, even with FORCE_COLOR.
        ("auto", True, {"NO_COLOR": "1"}, False),
        # ...whatever its value (https://no-color.org): not only "1".
        ("auto", True, {"NO_COLOR": "true"}, False),
        ("auto", True, {"NO_COLOR": "0"}, False),
        ("auto", True, {"NO_COLOR": "yes"}, False),
        ("auto", False, {"NO_COLOR": "false", "FORCE_COLOR": "1"}, False),
        ("auto", False, {"NO_COLOR": "on", "GITHUB_ACTIONS": "true"}, False),
        ("auto", True, {"NO_COLOR": ""}, True),
        ("auto", False, {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),
        # A dumb terminal shows no escape codes at all.
        ("auto", True, {"TERM": "dumb"}, False),
        ("auto", True, {"TERM": "unknown"}, False),
        ("auto", False, {"TERM": "dumb", "FORCE_COLOR": "1"}, False),
        ("auto", True, {"TERM": "xterm-256color"}, True),
        # TTY_COMPATIBLE overrides detection, and FORCE_COLOR too (as in rich).
        ("auto", False, {"TTY_COMPATIBLE": "1"}, True),
        ("auto", True, {"TTY_COMPATIBLE": "0"}, False),
        ("auto", False, {"TTY_COMPATIBLE": "0", "FORCE_COLOR": "1"}, False),
        ("auto", True, {"TTY_COMPATIBLE": "yes"}, True),  # not 0/1: detect
        # GitHub Actions renders ANSI in its logs although stdout is a pipe.
        ("auto", False, {"GITHUB_ACTIONS": "true"}, True),
        ("auto", False, {"GITHUB_ACTIONS": "true", "NO_COLOR": "1"}, False),
        ("auto", False, {"GITHUB_ACTIONS": "false"}, False),
    ],
)
def test_use_color(mode: ColorMode, tty: bool, env: dict[str, str], expected: bool) -> None:
    assert use_color(mode, TTY if tty else PIPE, env) is expected


@pytest.mark.parametrize(
    ("tty", "env", "expected"),
    [
        (True, {}, True),
        (False, {}, False),
        (False, {"TTY_COMPATIBLE": "1"}, True),
        (True, {"TTY_COMPATIBLE": "0"}, False),
        # FORCE_COLOR asks for colour, not for a terminal's spinners or pager.
        (False, {"FORCE_COLOR": "1"}, False),
    ],
)
def test_is_terminal(tty: bool, env: dict[str, str], expected: bool) -> None:
    assert is_terminal(TTY if tty else PIPE, env) is expected


def test_closed_or_isatty_less_stream_is_no_terminal() -> None:
    closed = io.StringIO()
    closed.close()
    assert is_terminal(closed, {}) is False
    assert use_color("auto", closed, {}) is False

    class NoIsatty:
        def write(self, text: str) -> int:
            return len(text)

    assert is_terminal(NoIsatty(), {}) is False  # type: ignore[arg-type]


def test_terminal_width(monkeypatch: pytest.MonkeyPatch) -> None:
    assert terminal_width(env={"COLUMNS": "132"}) == 132

    def no_terminal(fd: int = 1) -> object:
        raise OSError("not a terminal")

    monkeypatch.setattr("os.get_terminal_size", no_terminal)
    assert terminal_width(env={}) == 100
    assert terminal_width(80, env={"COLUMNS": "wide"}) == 80
    assert terminal_width(80, env={"COLUMNS": "0"}) == 80
    assert terminal_width(80, env={"COLUMNS": "1"}) == 1
    assert terminal_width(80, env={"COLUMNS": "٣"}) == 80  # str.isdigit's, not a width


def test_terminal_width_asks_stderr_when_stdout_is_piped(monkeypatch: pytest.MonkeyPatch) -> None:
    sizes = {1: None, 2: 77}

    def size_of(fd: int = 1) -> os.terminal_size:
        columns = sizes[fd]
        if columns is None:
            raise OSError("not a terminal")
        return os.terminal_size((columns, 24))

    monkeypatch.setattr("os.get_terminal_size", size_of)
    assert terminal_width(env={}) == 77
    assert terminal_width(env={"COLUMNS": "132"}) == 132  # COLUMNS still wins
    sizes[1] = 0  # a terminal that reports no size is no answer
    assert terminal_width(env={}) == 77
    sizes[1] = 120
    assert terminal_width(env={}) == 120  # stdout first
    sizes[1], sizes[2] = 0, 0
    assert terminal_width(env={}) == 100
    sizes[1] = 1  # a one-column terminal is still a size
    assert terminal_width(env={}) == 1
    sizes[1] = None
    assert terminal_width(env={"COLUMNS": "1"}) == 1  # and so is COLUMNS=1


def test_terminal_module_does_not_import_rich() -> None:
    import subprocess

    code = "import sys, baseten_logs.output.terminal; print('rich' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr
