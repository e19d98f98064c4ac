"""base/interruption: a signal's exception that Python lost is raised again, once the run goes on
as if it never came; never in a worker thread, never while an exception is on its way up."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator

import pytest

from baseten_logs.base import interruption
from baseten_logs.cli import interrupts


@pytest.fixture(autouse=True)
def nothing_noted() -> Iterator[None]:
    interruption.clear()
    yield
    interruption.clear()


def test_nothing_noted_raises_nothing() -> None:
    interruption.check()
    interruption.sleep(0)


def test_a_noted_signal_is_raised_at_the_next_check_and_each_wait() -> None:
    lost = interrupts.Terminated(signal.SIGTERM)
    interruption.note(lost)
    with pytest.raises(interrupts.Terminated) as raised:
        interruption.check()
    assert raised.value is lost
    with pytest.raises(interrupts.Terminated):
        interruption.sleep(0)


def test_the_wait_itself_is_cut_short_afterwards(monkeypatch: pytest.MonkeyPatch) -> None:
    """A signal lost while sleeping (handled and taken in another wait's C code) is raised as the
    wait ends, not only at the next one."""
    lost = KeyboardInterrupt()
    monkeypatch.setattr("time.sleep", lambda seconds: interruption.note(lost))
    with pytest.raises(KeyboardInterrupt) as raised:
        interruption.sleep(5)
    assert raised.value is lost


def test_not_while_an_exception_is_being_handled() -> None:
    """In a `finally` or an `except` the exception is already on its way up (or was caught on
    purpose, as the entry point does): raising it again there would cut the cleanup short."""
    interruption.note(KeyboardInterrupt())
    try:
        raise ValueError("a cleanup's own trouble")
    except ValueError:
        interruption.check()  # nothing raised here
    with pytest.raises(KeyboardInterrupt):
        interruption.check()


def test_not_in_a_worker_thread() -> None:
    """Signals are the main thread's: a worker that raised one would end with a traceback."""
    interruption.note(KeyboardInterrupt())
    failures: list[BaseException] = []

    def work() -> None:
        try:
            interruption.check()
            interruption.sleep(0)
        except BaseException as exc:
            failures.append(exc)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    assert failures == []


def test_clear_forgets_it() -> None:
    interruption.note(KeyboardInterrupt())
    interruption.clear()
    interruption.check()
