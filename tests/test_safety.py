"""What the tool guarantees whatever the outside does: --save never half-written or destroyed by a
failed run, write errors and odd replica ids never an internal error, signals end like Ctrl-C."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpx import HTTPXMock

from baseten_logs.base.errors import ExitStatus, UsageError
from baseten_logs.cli import interrupts
from baseten_logs.output.pipes import OutputError, SaveFile, stdout_guard
from tests.conftest import invoke
from tests.fakeapi import FakeLogs, record
from tests.test_cli import GET, MS, SINCE_MS


def test_summary_with_replica_ids_of_mixed_types(logs_api: FakeLogs) -> None:
    logs_api.records = [
        record((SINCE_MS + 1) * MS, "a", replica="bbbbb"),
        record((SINCE_MS + 2) * MS, "b", replica=7),  # type: ignore[arg-type]
        record((SINCE_MS + 3) * MS, "c", replica=["x"]),  # type: ignore[arg-type]
    ]
    result = invoke(*GET, "--summary", "-o", "jsonl")
    assert result.status == 0, result.stderr
    assert "3 replicas (7, ['x'], bbbbb)" in result.stderr


# --- --save ---------------------------------------------------------------------------------------


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_save_is_written_beside_the_file_and_renamed_at_the_end(out: Path) -> None:
    target = out / "run.jsonl"
    target.write_text("old\n")
    save = SaveFile(str(target))
    save.write('{"a":1}\n')
    save.flush()
    assert target.read_text() == "old\n"  # readers never see half a file
    assert len(leftovers(out)) == 2
    save.finish(complete=False)  # a line was written: kept, even when the run failed after it
    assert target.read_text() == '{"a":1}\n'
    assert leftovers(out) == ["run.jsonl"]


def test_a_save_with_nothing_written_leaves_the_file_untouched_unless_the_run_completed(
    out: Path,
) -> None:
    target = out / "run.jsonl"
    target.write_text("old\n")
    SaveFile(str(target)).finish(complete=False)
    assert target.read_text() == "old\n"
    assert leftovers(out) == ["run.jsonl"]
    SaveFile(str(target)).finish(complete=True)  # a run that showed no line saves no line
    assert target.read_text() == ""


def test_save_through_a_symlink_replaces_the_target(out: Path) -> None:
    real = out / "real.jsonl"
    real.write_text("old\n")
    link = out / "link.jsonl"
    link.symlink_to(real)
    save = SaveFile(str(link))
    save.write("new\n")
    save.finish(complete=True)
    assert link.is_symlink() and real.read_text() == "new\n"


def test_save_to_a_directory_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="is a directory"):
        SaveFile(str(tmp_path))


def test_save_to_a_device_writes_in_place(out: Path) -> None:
    save = SaveFile(os.devnull)
    save.write("x\n")
    save.finish(complete=True)
    assert leftovers(out) == []


def test_a_failed_run_keeps_the_last_artefact(
    httpx_mock: HTTPXMock, api_env: None, out: Path
) -> None:
    target = out / "run.jsonl"
    target.write_text("old\n")
    httpx_mock.add_response(status_code=401, json={"error": "Invalid API key"})
    result = invoke(*GET, "--save", str(target))
    assert result.status == ExitStatus.AUTH
    assert target.read_text() == "old\n"
    assert "run.jsonl" in leftovers(out) and not any(
        name.endswith(".tmp") for name in leftovers(out)
    )


# --- write errors ---------------------------------------------------------------------------------


class _Full:
    def write(self, text: str) -> int:
        raise OSError(28, "No space left on device")

    def flush(self) -> None:
        raise OSError(28, "No space left on device")

    def fileno(self) -> int:
        raise OSError(9, "Bad file descriptor")


def test_a_write_error_on_stdout_is_one_line_with_its_own_status(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "stdout", _Full())
    with pytest.raises(OutputError) as caught, stdout_guard():
        sys.stdout.write("line\n")
    assert str(caught.value) == "cannot write to stdout: No space left on device"
    assert caught.value.status == int(ExitStatus.WRITE) == 74


def test_a_write_error_on_save_names_the_file(out: Path) -> None:
    save = SaveFile(str(out / "run.jsonl"))
    save._file.close()
    save._file = _Full()  # type: ignore[assignment]
    with pytest.raises(OutputError, match=r"cannot write to .*run.jsonl: No space left on device"):
        save.write("x\n")


# --- signals --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("signum", "status"), [(15, 143), (1, 129)])
def test_sigterm_and_sighup_end_like_ctrl_c_with_their_own_status(
    httpx_mock: HTTPXMock, api_env: None, monkeypatch: pytest.MonkeyPatch, signum: int, status: int
) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        monkeypatch.setattr(interrupts, "_received", signum)  # what the handler records
        raise interrupts.Terminated(signum)

    monkeypatch.setattr("baseten_logs.reading.feed.display_pages", interrupted)
    result = invoke(*GET, "-o", "json", "--summary")
    assert result.status == status
    assert result.stdout == "[]\n"  # the array is closed, as on Ctrl-C
    assert "summary: 0 lines" in result.stderr


@pytest.fixture
def handlers() -> Iterator[None]:
    """interrupts.install() for one test, this process's own handlers put back after it.

    As in a terminal, Ctrl-C starts with Python's own handler: a suite started in the
    background (`make mutate &`) inherits SIGINT ignored, which install() rightly keeps."""
    saved = {
        each: signal.getsignal(each) for each in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    }
    interrupts.reset()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    interrupts.install()
    try:
        yield
    finally:
        for each, handler in saved.items():
            signal.signal(each, handler)
        interrupts.reset()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_signal_inside_deferred_is_raised_once_the_block_is_done(
    handlers: None, signum: int
) -> None:
    done = []
    with pytest.raises(KeyboardInterrupt), interrupts.deferred():
        signal.raise_signal(signum)
        done.append("the rest of the page")
    assert done == ["the rest of the page"]
    interrupts.caught()  # what the entry point does with it
    with interrupts.deferred():  # raised once: nothing is left pending
        pass


def test_the_blocks_own_failure_wins_over_a_waiting_signal(handlers: None) -> None:
    with pytest.raises(OutputError), interrupts.deferred():
        signal.raise_signal(signal.SIGINT)
        raise OutputError("cannot write to stdout: No space left on device")
    with interrupts.deferred():  # the signal is not raised later, out of place
        pass


def test_a_second_ctrl_c_while_one_waits_is_raised_at_once(handlers: None) -> None:
    done = []
    with pytest.raises(KeyboardInterrupt), interrupts.deferred():
        signal.raise_signal(signal.SIGINT)
        signal.raise_signal(signal.SIGINT)
        done.append("never")
    assert done == []


def _lost(signum: int) -> None:
    """What CPython does now and then (base/interruption): the handler ran inside a builtin, and
    the builtin's own error took the place of its exception."""
    try:
        signal.pthread_kill(threading.main_thread().ident or 0, signum)
        int("2026-12-07T14:03:55Z")
    except (KeyboardInterrupt, ValueError):
        pass


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_signal_python_lost_is_raised_before_the_next_page(handlers: None, signum: int) -> None:
    _lost(signum)
    written = []
    with pytest.raises(KeyboardInterrupt), interrupts.deferred():
        written.append("a page")
    assert written == []


def test_a_signal_raised_at_a_blocks_end_and_lost_is_raised_again(handlers: None) -> None:
    try:
        with interrupts.deferred():
            signal.raise_signal(signal.SIGTERM)
    except KeyboardInterrupt:
        pass  # as if lost
    with pytest.raises(interrupts.Terminated), interrupts.deferred():
        pass


def test_a_signal_python_lost_sends_no_more_requests(handlers: None) -> None:
    from baseten_logs.api.client import ApiClient

    _lost(signal.SIGTERM)
    with ApiClient(base_url="https://api.example.test", api_key="k") as api:  # nothing mocked
        with pytest.raises(interrupts.Terminated):
            api.get_json("/v1/models")
        assert api.requests_made == 0


def test_reset_forgets_a_lost_signal(handlers: None) -> None:
    _lost(signal.SIGINT)
    interrupts.reset()
    with interrupts.deferred():
        pass


def test_an_ignored_sigint_stays_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    saved = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        interrupts.install()
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        for each in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(each, signal.SIG_DFL)
        signal.signal(signal.SIGINT, saved)
