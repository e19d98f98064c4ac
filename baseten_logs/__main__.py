"""Entry point for `baseten-logs` and `python -m baseten_logs`."""

from __future__ import annotations

import sys


def main() -> None:
    from baseten_logs.cli import interrupts
    from baseten_logs.cli.app import run
    from baseten_logs.output.pipes import guard_closed_stdout

    guard_closed_stdout()
    interrupts.install()  # the real process only: tests call run() in-process
    sys.exit(run(sys.argv[1:]))


if __name__ == "__main__":
    main()
