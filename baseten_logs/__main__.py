"""Entry point for `baseten-logs` and `python -m baseten_logs`.

`baseten-logs --version` and the help pages are answered first, before typer is imported
(cli/early.py: typer and building the app are most of the CLI's start-up). Anything else, and
any such answer that is not certain or cannot be written, goes through the app, whose errors and
exit statuses stay the only ones.
"""

from __future__ import annotations

import sys

from baseten_logs.cli.early import VERSION_LINE, help_page, write_plain


def main() -> None:
    argv = sys.argv[1:]
    try:
        early = VERSION_LINE if argv == ["--version"] else help_page(argv)
        answered = early is not None and write_plain(early)
    except KeyboardInterrupt:  # Ctrl-C before the app's handlers exist: its status, no traceback
        sys.exit(130)
    if answered:
        sys.exit(0)
    sys.exit(run_app(argv))


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
