"""Messages and the status line on stderr: never wrapped, never left behind, never in a pipe."""

from __future__ import annotations

import io

import pytest

from baseten_logs.output import messages
from baseten_logs.output.terminal import shows_progress


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
    status.clear()


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


def interrupted_get(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make `get` stop as Ctrl-C stops it: after showing its first page."""
    from baseten_logs.reading import feed, fetch

    real = fetch.display_pages  # what feed calls, by the name patched below

    def pages(*args: object, **kwargs: object) -> object:
        for page in real(*args, **kwargs):  # type: ignore[arg-type]
            yield page
            raise KeyboardInterrupt

    monkeypatch.setattr(feed, "display_pages", pages)


@pytest.mark.parametrize("flags", [(), ("-q", "--summary")])
def test_ctrl_c_on_a_terminal_ends_on_a_clean_line(
    logs_api: object, monkeypatch: pytest.MonkeyPatch, flags: tuple[str, ...]
) -> None:
    from tests.conftest import invoke
    from tests.fakeapi import record

    logs_api.records = [record(1_764_147_600_000 * 1_000_000, "x")]  # type: ignore[attr-defined]
    interrupted_get(monkeypatch)
    since = ("--since", "2025-11-26T09:00:00Z", "--until", "+1h", "-o", "raw")
    result = invoke("get", "mdl1234", "dep5678", *since, *flags, env={"TTY_COMPATIBLE": "1"})
    assert result.status == 130
    # past the echoed `^C` first: the summary (or the prompt) starts a line of its own
    assert result.stderr.startswith("\n")
    assert result.stderr.count("\n") == 1 + ("--summary" in flags)


def test_ctrl_c_in_a_pipe_adds_nothing(logs_api: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import invoke
    from tests.fakeapi import record

    logs_api.records = [record(1_764_147_600_000 * 1_000_000, "x")]  # type: ignore[attr-defined]
    interrupted_get(monkeypatch)
    since = ("--since", "2025-11-26T09:00:00Z", "--until", "+1h", "-o", "raw")
    result = invoke("get", "mdl1234", "dep5678", *since)
    assert result.status == 130 and result.stderr == ""
