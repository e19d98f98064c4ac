"""Messages and the status line on stderr: never wrapped, never left behind, never in a pipe."""

from __future__ import annotations

import io

import pytest

from baseten_logs import messages
from baseten_logs.terminal import shows_progress


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_status_longer_than_the_terminal_is_cut_to_fit(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = messages.StatusLine(enabled=True, width=lambda: 40)
    status.show("reconnecting… " + "x" * 100)
    shown = capsys.readouterr().err
    text = shown.removeprefix("\r\x1b[2K\x1b[2m").removesuffix("\x1b[0m")
    assert len(text) == 39 and text.endswith("…")  # the last column is left free: no wrap


def test_a_message_first_erases_the_status_line(capsys: pytest.CaptureFixture[str]) -> None:
    status = messages.StatusLine(enabled=True, width=lambda: 80)
    status.show("following…")
    messages.warn("polling failed")
    err = capsys.readouterr().err
    assert err.endswith("\x1b[0m\r\x1b[2Kbaseten-logs: warning: polling failed\n")
    status.clear()  # already erased: nothing more is written
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("stdout", "stderr", "shown"),
    [(Tty(), Tty(), True), (io.StringIO(), Tty(), False), (Tty(), io.StringIO(), False)],
)
def test_progress_only_when_stdout_and_stderr_are_the_terminal(
    stdout: io.StringIO, stderr: io.StringIO, shown: bool
) -> None:
    assert shows_progress(stdout, stderr, {}) is shown
