"""Text the help pages share: the `Examples:` blocks, epilogs, and what each exit status means.

Its own module because every module of command signatures (app.py, stats_command.py, ...)
draws its epilogs the same way, and none of them may import another's.
"""

from __future__ import annotations

EXIT_STATUSES = (
    "Exit statuses: 0 ok, 1 --fail-on matched, 2 bad input, 3 authentication failed, "
    "4 not found, 5 API or network failure, 6 incomplete output, 70 internal error, "
    "74 cannot write output, 129/130/143 SIGHUP/Ctrl-C/SIGTERM."
)
STATS_EXIT_STATUSES = (
    "Exit statuses: 0 ok, 2 bad input, 3 authentication failed, 4 not found, "
    "5 API or network failure, 6 incomplete counts, 70 internal error, 130 interrupted."
)
BROWSE_EXIT_STATUSES = (
    "Exit statuses: 0 closed (q or Ctrl-C), 2 bad input or no terminal, 3 authentication "
    "failed, 4 not found, 5 API or network failure before the first line, 70 internal error."
)
VIEW_EXIT_STATUSES = "Exit statuses: 0 ok, 2 bad input or file, 70 internal error, 130 interrupted."
CONFIG_EXIT_STATUSES = (
    "Exit statuses: 0 ok, 1 `config get` of a key nothing sets, 2 bad key or value (or a bad "
    "value in effect, for list), 70 internal error."
)


def examples(*lines: str) -> str:
    """An `Examples:` block for a help page, kept as written ("\b" stops click rewrapping it)."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


def epilog(*parts: str) -> str:
    """A help page's epilog: its blocks (examples, exit statuses) a blank line apart."""
    return "\n\n".join(parts)
