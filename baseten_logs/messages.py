"""One-line messages on stderr (stdout carries data only).

Errors and warnings quote what servers and logs said (an error body, a deployment's status, a
name), so every line passes `inert` on its way out: control characters are shown, not obeyed.
"""

from __future__ import annotations

import sys

from .inert import inert

PROG = "baseten-logs"
_quiet = False


def set_quiet(quiet: bool) -> None:
    """-q: nothing but log lines (and errors, which a script must still see)."""
    global _quiet
    _quiet = quiet


def _say(text: str) -> None:
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

    Cleared before log lines are written, so it never mixes with them; silent off a terminal.
    """

    def __init__(self, *, enabled: bool) -> None:
        self._enabled = enabled and not _quiet
        self._showing = False

    def show(self, text: str) -> None:
        if not self._enabled:
            return
        try:
            sys.stderr.write(f"\r\x1b[2K\x1b[2m{inert(text)}\x1b[0m")
            sys.stderr.flush()
            self._showing = True
        except (OSError, ValueError):
            self._enabled = False

    def clear(self) -> None:
        if self._showing:
            try:
                sys.stderr.write("\r\x1b[2K")
                sys.stderr.flush()
            except (OSError, ValueError):
                self._enabled = False
            self._showing = False


def report(text: str) -> None:
    """Asked-for reports (`--summary`): shown even with -q."""
    _say(f"{PROG}: {text}")
