"""The filters the API applies (the "Filters" panel of --help): --level, --replica,
--request-id, --component, --grep, -i, --include, --exclude.
"""

# No `from __future__ import annotations`: typer reads these signatures on every start, and
# string annotations cost it a compile and an eval each (tests/test_packaging.py).

from typing import Annotated

import typer

from baseten_logs.cli.flag_completion import complete_replica
from baseten_logs.cli.option_panels import FILTERS, choices

Level = Annotated[
    str | None,
    typer.Option(
        metavar="LEVEL",
        help="Minimum level: DEBUG, INFO, WARNING, ERROR. A line without a level counts at the "
        "level its text shows, as in the output.",
        autocompletion=choices("DEBUG", "INFO", "WARNING", "ERROR"),
        rich_help_panel=FILTERS,
    ),
]
Replica = Annotated[
    list[str] | None,
    typer.Option(
        metavar="ID",
        help="Only this replica (repeatable: lines of any of them). Ids match exactly.",
        autocompletion=complete_replica,
        rich_help_panel=FILTERS,
    ),
]
RequestId = Annotated[
    str | None,
    typer.Option(metavar="ID", help="Only this inference request.", rich_help_panel=FILTERS),
]
Component = Annotated[
    str | None,
    typer.Option(metavar="NAME", help="Only this component.", rich_help_panel=FILTERS),
]
Grep = Annotated[
    str | None,
    typer.Option(
        metavar="RE2", help="RE2 pattern the message must match.", rich_help_panel=FILTERS
    ),
]
IgnoreCase = Annotated[
    bool,
    typer.Option(
        "-i",
        "--ignore-case",
        help="--grep, --include and --exclude ignore case (--grep through RE2's (?i); the API "
        "matches substrings case-sensitively, so they are then matched here).",
        rich_help_panel=FILTERS,
    ),
]
Include = Annotated[
    list[str] | None,
    typer.Option(
        metavar="TEXT",
        help="Substring the message must contain (repeatable, up to 8, case-sensitive).",
        rich_help_panel=FILTERS,
    ),
]
Exclude = Annotated[
    list[str] | None,
    typer.Option(
        metavar="TEXT",
        help="Drop lines containing this substring (repeatable, up to 8).",
        rich_help_panel=FILTERS,
    ),
]
