"""The panels a command's --help groups its flags under, and the completion of a flag whose values
are a fixed set: what every group of flags (source_options.py, window_options.py, ...) uses to
declare itself, so it sits below them all.
"""

# No `from __future__ import annotations`: typer reads these signatures on every start, and
# string annotations cost it a compile and an eval each (tests/test_packaging.py).

from collections.abc import Callable

WINDOW = "Window"
FILTERS = "Filters (applied by the API)"
OUTPUT = "Output"
ACCESS = "Access"
SCRIPTS = "Scripts and CI"


def choices(*values: str) -> Callable[[str], list[str]]:
    """Shell completion for a flag with a fixed set of values, any case accepted.

    Candidates come back in the case the user started typing (`err` -> `error`): shells drop
    candidates that do not start with what was typed, exactly.
    """

    def complete(incomplete: str) -> list[str]:
        lower = incomplete.islower()
        return [
            v.lower() if lower else v for v in values if v.lower().startswith(incomplete.lower())
        ]

    return complete
