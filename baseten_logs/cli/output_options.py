"""The flags that say how lines are shown (the Output panel: format, colour, time zone, a text
line's layout) and what a run leaves for scripts (the "Scripts and CI" panel: --fail-on, --save,
--summary, -q).
"""

# No `from __future__ import annotations`: typer reads these signatures on every start, and
# string annotations cost it a compile and an eval each (tests/test_packaging.py).

from typing import Annotated

import typer

from baseten_logs.cli.option_panels import OUTPUT, SCRIPTS, choices

LogOutput = Annotated[
    str,
    typer.Option(
        "-o",
        "--output",
        metavar="FORMAT",
        help="text, jsonl (API fields unchanged), json (one array), raw (messages), "
        "github (Actions groups and annotations) or template (see --template).",
        autocompletion=choices("text", "jsonl", "json", "raw", "github", "template"),
        rich_help_panel=OUTPUT,
    ),
]
# `request` has no --template: its formats are the others.
RequestOutput = Annotated[
    str,
    typer.Option(
        "-o",
        "--output",
        metavar="FORMAT",
        help="text, jsonl (API fields unchanged), json (one array), raw (messages) or "
        "github (Actions groups and annotations).",
        autocompletion=choices("text", "jsonl", "json", "raw", "github"),
        rich_help_panel=OUTPUT,
    ),
]
Reverse = Annotated[bool, typer.Option("--reverse", help="Newest first.", rich_help_panel=OUTPUT)]
Events = Annotated[
    bool,
    typer.Option(
        "--events",
        help="Replica start-ups (each start attempt and its outcome) among the lines, by time.",
        rich_help_panel=OUTPUT,
    ),
]
Color = Annotated[
    str,
    typer.Option(
        metavar="WHEN",
        help="auto, always or never. auto follows the terminal, NO_COLOR and FORCE_COLOR.",
        autocompletion=choices("auto", "always", "never"),
        rich_help_panel=OUTPUT,
    ),
]
Prefix = Annotated[
    str | None,
    typer.Option(
        metavar="FORM",
        help="What text lines start with: full, short (time without date, level letter) or "
        "none. Default: short on a terminal narrower than 80 columns, else full.",
        autocompletion=choices("full", "short", "none"),
        rich_help_panel=OUTPUT,
        show_default=False,
    ),
]
NoWrap = Annotated[
    bool,
    typer.Option(
        "--no-wrap",
        help="On a terminal, cut long lines at its width (ending them with an ellipsis) "
        "instead of wrapping them under the message column.",
        rich_help_panel=OUTPUT,
    ),
]
MessageOnly = Annotated[
    bool,
    typer.Option(
        "--message-only",
        help="A JSON log as its message and dimmed key=value fields; a logging line's time and "
        "level dropped when they repeat ours. Default for -o text on a terminal.",
        rich_help_panel=OUTPUT,
    ),
]
# Two flags, not `--message-only/--verbatim`: a pair that long would widen every help page.
Verbatim = Annotated[
    bool,
    typer.Option(
        "--verbatim",
        help="Messages exactly as they came, also on a terminal (see --message-only).",
        rich_help_panel=OUTPUT,
    ),
]
Template = Annotated[
    str | None,
    typer.Option(
        metavar="TEMPLATE",
        help="Your own line (-o template): e.g. '{time} {replica} {message}'; fields time, "
        "level, replica, message, request_id, timestamp, chainlet; {level:7} pads; {{ is {.",
        rich_help_panel=OUTPUT,
        show_default=False,
    ),
]
Utc = Annotated[bool, typer.Option("--utc", help="Same as --tz utc.", rich_help_panel=OUTPUT)]
Tz = Annotated[
    str | None,
    typer.Option(
        "--tz",
        metavar="ZONE",
        help="Time zone of the times typed (--since 20:00) and shown, marked (Z, +01:00): utc, "
        "local, a name such as Europe/Paris, or an offset such as +05:30. Default: "
        "BASETEN_LOGS_TZ, the config's tz, else local time unmarked.",
        autocompletion=choices("utc", "local"),
        rich_help_panel=OUTPUT,
        show_default=False,
    ),
]
Timestamps = Annotated[
    bool,
    typer.Option(
        "--timestamps/--no-timestamps",
        help="Text output: each line's time first (the default), or no time column.",
        rich_help_panel=OUTPUT,
    ),
]
NoColor = Annotated[
    bool, typer.Option("--no-color", help="Same as --color never.", rich_help_panel=OUTPUT)
]

FailOn = Annotated[
    str | None,
    typer.Option(
        metavar="LEVEL",
        help="Exit 1 if a line at or above LEVEL (or ANY line) was shown.",
        rich_help_panel=SCRIPTS,
        autocompletion=choices("ANY", "DEBUG", "INFO", "WARNING", "ERROR"),
    ),
]
Save = Annotated[
    str | None,
    typer.Option(
        metavar="FILE",
        help="Also write the full JSON lines of what was shown to FILE.",
        rich_help_panel=SCRIPTS,
    ),
]
Summary = Annotated[
    bool,
    typer.Option(
        "--summary",
        help="At the end, counts on stderr: lines, levels, replicas, span, requests.",
        rich_help_panel=SCRIPTS,
    ),
]
Quiet = Annotated[
    bool,
    typer.Option(
        "-q", "--quiet", help="Nothing but log lines (and errors).", rich_help_panel=SCRIPTS
    ),
]
