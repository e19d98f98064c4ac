"""Entry point for `baseten-logs` and `python -m baseten_logs`.

`baseten-logs --version` alone is answered here, before typer is imported: typer and the app's
construction are most of the CLI's start-up, and a version check (scripts, bug reports, CI
logs) should cost little more than Python itself. Anything else, and a version that cannot be
written, goes through the app, whose errors and exit statuses stay the only ones.
"""

from __future__ import annotations

import os
import sys

from baseten_logs.base.version import __version__

# What the app's own `--version` prints (cli/app.py); tests/test_packaging.py holds them equal.
VERSION_LINE = f"baseten-logs {__version__}\n"


def main() -> None:
    argv = sys.argv[1:]
    if argv == ["--version"] and _wrote_version():
        sys.exit(0)
    sys.exit(run_app(argv))


def _wrote_version() -> bool:
    """Write the version line to stdout; False when it could not be written (a closed stdout,
    a full disk, a reader gone), so that the app reports that as it reports any write error.

    Written straight to the descriptor, unbuffered: a failed attempt leaves nothing in
    sys.stdout's buffer that the app's own attempt, or the exit's flush, would write again."""
    stream = sys.stdout
    if stream is None:  # the shell closed stdout (`>&-`): the app has the stand-in for that
        return False
    try:
        data = VERSION_LINE.encode("ascii")
        fd = stream.fileno()
        while data:
            data = data[os.write(fd, data) :]
    except (OSError, ValueError, AttributeError):  # no descriptor, closed, or refused
        return False
    return True


def run_app(argv: list[str]) -> int:
    """The whole CLI: the app parses `argv`, and every error becomes its one-line message and
    exit status there."""
    from baseten_logs.cli import interrupts
    from baseten_logs.cli.app import run
    from baseten_logs.output.pipes import guard_closed_stdout

    guard_closed_stdout()
    interrupts.install()  # the real process only: tests call run() in-process
    return run(argv)


if __name__ == "__main__":
    main()
