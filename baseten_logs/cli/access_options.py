"""The flags that say how the API is reached (the Access panel): the key, the URL, the trussrc
remote, the name cache, retries and the request rate; and -v, which shows those requests.
--profile, which every command reading credentials takes, is global_flags.py's.
"""

# No `from __future__ import annotations`: typer reads these signatures on every start, and
# string annotations cost it a compile and an eval each (tests/test_packaging.py).

from typing import Annotated

import typer

from baseten_logs.cli.option_panels import ACCESS

ApiKey = Annotated[
    str | None,
    typer.Option(
        metavar="KEY",
        help="API key. Default: BASETEN_API_KEY, truss's BASETEN_TRUSS_AUTH_* pair, then "
        "a login: ~/.trussrc (truss) or auth.json (the baseten CLI), inline or in the keyring.",
        rich_help_panel=ACCESS,
        show_default=False,
    ),
]
ApiUrl = Annotated[
    str | None,
    typer.Option(
        metavar="URL",
        help="API URL (https, or http to this machine). Default: BASETEN_API_URL, the "
        "BASETEN_TRUSS_AUTH_* pair, the login's remote_url, https://api.baseten.co.",
        rich_help_panel=ACCESS,
    ),
]
Remote = Annotated[
    str,
    typer.Option(metavar="NAME", help="~/.trussrc section to read.", rich_help_panel=ACCESS),
]
NoCache = Annotated[
    bool,
    typer.Option(
        "--no-cache",
        help="Resolve names afresh, without the on-disk cache of names and ids.",
        rich_help_panel=ACCESS,
    ),
]
Retries = Annotated[
    str,
    typer.Option(
        metavar="N",
        help="Retries of a failed request (429, 5xx, timeouts) before giving up; 0 = none.",
        rich_help_panel=ACCESS,
    ),
]

MaxRps = Annotated[
    str,
    typer.Option(
        metavar="N",
        help="At most N requests a second, on average, for everything this run sends "
        "(the API allows a key 100); lower it when several jobs share a key.",
        rich_help_panel=ACCESS,
    ),
]
Verbose = Annotated[
    bool,
    typer.Option("-v", "--verbose", help="Requests and timings on stderr (key redacted)."),
]
