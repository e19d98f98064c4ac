"""Quiet ends for closed pipes: `baseten-logs get … | head -1` must not print a traceback."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from .errors import BasetenLogsError, ExitStatus


class OutputClosed(BasetenLogsError):
    """The reader of stdout went away; that is the reader's choice, not our failure."""

    status = ExitStatus.OK


def silence_stdout() -> None:
    """Point stdout at devnull so the interpreter's final flush cannot fail noisily."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


@contextmanager
def stdout_guard() -> Iterator[None]:
    # Raised as our own error because click turns a bare BrokenPipeError into exit 1.
    try:
        yield
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
        raise OutputClosed("stdout closed") from None
