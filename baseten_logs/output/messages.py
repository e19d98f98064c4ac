"""One-line messages on stderr (stdout carries data only).

Errors and warnings quote what servers and logs said (an error body, a deployment's status, a
name), so every line passes `inert` on its way out: control characters are shown, not obeyed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from baseten_logs.output.inert import inert

PROG = "baseten-logs"
_quiet = False


def set_quiet(quiet: bool) -> None:
    """-q: nothing but log lines (and errors, which a script must still see)."""
    global _quiet, _line_ended
    _quiet = quiet
    _line_ended = False  # per invocation, like -q (tests run many in one process)


def quiet() -> bool:
    """Whether -q is on: what would only be said (a hint) need not be worked out at all."""
    return _quiet


def _say(text: str) -> None:
    if _active_status is not None:
        _active_status.clear()  # a message never lands on the end of a status line
    try:
        sys.stderr.write(inert(text) + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):  # stderr gone (a closed pipe or terminal): nothing left to do
        pass


def error(text: str) -> None:
    _say(f"{PROG}: error: {text}")


def warn(text: str) -> None:
    if not _quiet:
        _say(f"{PROG}: warning: {text}")


def info(text: str) -> None:
    if not _quiet:
        _say(f"{PROG}: {text}")


class StatusLine:
    """A discreet, rewritable status on a terminal's stderr (follow mode's heartbeat).

    Cleared before log lines and before any other message are written, so it never mixes with
    them; cut to the terminal's width, since a wrapped line could not be erased; silent off a
    terminal (see terminal.shows_progress).
    """

    def __init__(self, *, enabled: bool, width: Callable[[], int] | None = None) -> None:
        self._enabled = enabled and not _quiet
        self._showing = False
        self._width = width

    def show(self, text: str) -> None:
        global _active_status
        if not self._enabled:
            return
        columns = self._columns()
        text = inert(text)  # before cutting: an escape is wider than what it stands for
        if len(text) >= columns:  # the last column would wrap on some terminals
            text = text[: max(0, columns - 2)] + "…"
        try:
            sys.stderr.write(f"\r\x1b[2K\x1b[2m{text}\x1b[0m")
            sys.stderr.flush()
            self._showing = True
            _active_status = self
        except (OSError, ValueError):
            self._enabled = False

    def clear(self) -> None:
        global _active_status
        if _active_status is self:
            _active_status = None
        if self._showing:
            try:
                sys.stderr.write("\r\x1b[2K")
                sys.stderr.flush()
            except (OSError, ValueError):
                self._enabled = False
            self._showing = False

    def _columns(self) -> int:
        if self._width is not None:
            return self._width()
        from baseten_logs.output.terminal import terminal_width

        return terminal_width(80)


_active_status: StatusLine | None = None


_line_ended = False


def end_interrupted_line() -> None:
    """After Ctrl-C, move past the `^C` the terminal echoed, once, before anything else is said:
    else the summary, or the shell's prompt, would start on that line."""
    global _line_ended
    if _line_ended:
        return
    _line_ended = True
    import os

    from baseten_logs.output.terminal import is_terminal

    if is_terminal(sys.stderr, os.environ):
        if _active_status is not None:
            _active_status.clear()
        try:
            sys.stderr.write("\n")
            sys.stderr.flush()
        except (BrokenPipeError, ValueError):
            pass


def report(text: str) -> None:
    """Asked-for reports (`--summary`): shown even with -q."""
    _say(f"{PROG}: {text}")
