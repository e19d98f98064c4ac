"""Where output goes: quiet ends for closed pipes (`… | head -1`), and the --save file."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from .errors import BasetenLogsError, ExitStatus, UsageError


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


def open_save_file(path: str) -> TextIO:
    """--save's file, opened before any request so a bad path is bad input (exit 2)."""
    try:
        return open(path, "w", encoding="utf-8")  # closed by run_get
    except OSError as exc:
        raise UsageError(
            "--save", f"cannot write {path!r}: {exc.strerror}", hint="give a writable file path"
        ) from None
