"""The flags that say which stretch of time is read and how: --since, --until, -n, --all, -f,
--overlap, --concurrency (the Window panel of --help).
"""

# No `from __future__ import annotations`: typer reads these signatures on every start, and
# string annotations cost it a compile and an eval each (tests/test_packaging.py).

from typing import Annotated

import typer

from baseten_logs.cli.option_panels import WINDOW, choices

Since = Annotated[
    str | None,
    typer.Option(
        metavar="WHEN",
        help="Start: 15m, 2h30m, 3d, 1w ago; 20:00, today, yesterday, monday; RFC 3339 (no "
        "zone = --tz's, else local); epoch s/ms; now. Default: 30 minutes before --until.",
        rich_help_panel=WINDOW,
    ),
]
Until = Annotated[
    str | None,
    typer.Option(
        metavar="WHEN",
        help="End, same formats, or +DURATION after --since. Default: now.",
        rich_help_panel=WINDOW,
    ),
]

Concurrency = Annotated[
    str,
    typer.Option(
        metavar="N",
        help="Requests of a whole window in flight at once: auto (grows while answers come "
        "back well, within --max-rps) or a fixed number, 1 = one after another.",
        autocompletion=choices("auto"),
        rich_help_panel=WINDOW,
    ),
]

Limit = Annotated[
    str | None,
    typer.Option(
        "-n",
        "--limit",
        "--tail",
        metavar="N",
        help="Show the newest N lines of the window, oldest first. Default 500; with -f a "
        "screenful, and -f -n 0 shows only lines that arrive from now on.",
        rich_help_panel=WINDOW,
    ),
]
AllLines = Annotated[
    bool,
    typer.Option("--all", help="Every line in the window, streamed.", rich_help_panel=WINDOW),
]
Follow = Annotated[
    bool,
    typer.Option(
        "-f",
        "--follow",
        help="Keep printing new lines until Ctrl-C (or until --until has passed).",
        rich_help_panel=WINDOW,
    ),
]
Overlap = Annotated[
    str,
    typer.Option(
        metavar="DURATION",
        help="With -f: how late a line may arrive and still be shown.",
        rich_help_panel=WINDOW,
    ),
]
