"""Flags and arguments that several commands share, declared once (pip's cmdoptions idea).

Each is an Annotated alias a command's signature names (`since: Since = None`): one spelling, one
help text, one completion for every command that takes it, so `get`, `chain` and `training`
cannot drift apart (tests/test_shared_flags.py). Imports only typer and, while completing, the
completion layer: the app imports this on every start.
"""

# No `from __future__ import annotations`: typer reads these signatures on every start, and
# string annotations cost it a compile and an eval each (tests/test_packaging.py).

from collections.abc import Callable
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperOption


class UsageCommand(TyperCommand):
    """Usage lines as people write them, `get MODEL [DEPLOYMENT]`: typer writes `{MODEL}`.

    Every command that reads credentials (it declares --remote) also takes --profile, declared
    once here and added after --remote: its value goes to the run's context (`login_choice`),
    not to the command's body, so no command's signature has to carry it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = [param.name for param in self.params]
        if "remote" in names and "profile" not in names:
            self.params.insert(names.index("remote") + 1, profile_option())

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:  # type: ignore[override]
        rest = super().parse_args(ctx, args)
        adopt_globals(ctx)  # `baseten-logs -v get ...`: -v typed before the command
        return rest

    def collect_usage_pieces(self, ctx: typer.Context) -> list[str]:  # type: ignore[override]
        return [
            piece[1:-1] if piece.startswith("{") and piece.endswith("}") else piece
            for piece in super().collect_usage_pieces(ctx)
        ]


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


# Completion of real names reads the on-disk cache of listings (complete.py); the words typed
# so far are re-parsed there because click leaves parameters unset while completing.
def access(params: dict[str, Any]) -> dict[str, Any]:
    """Where completion's listings come from: the key, the URL and the remote typed so far."""
    return {
        "api_key": params.get("api_key"),
        "api_url": params.get("api_url"),
        "remote": params.get("remote") or "baseten",
    }


def team_access(params: dict[str, Any]) -> dict[str, Any]:
    """`access` and --team: models (their deployments, environments, replicas) are a team's;
    chains and training projects are completed from one listing whatever the team."""
    return {**access(params), "team": params.get("team")}


def complete_model(ctx: typer.Context, incomplete: str) -> list[str]:
    from baseten_logs.completion.complete import complete_models, completion_params

    return complete_models(incomplete, **team_access(completion_params(ctx)))


def complete_deployment(ctx: typer.Context, incomplete: str) -> list[str]:
    from baseten_logs.completion.complete import complete_deployments, completion_params

    params = completion_params(ctx)
    return complete_deployments(params.get("model"), incomplete, **team_access(params))


def complete_env(ctx: typer.Context, incomplete: str) -> list[str]:
    from baseten_logs.completion.complete import complete_environments, completion_params

    params = completion_params(ctx)
    return complete_environments(params.get("model"), incomplete, **team_access(params))


def complete_replica(ctx: typer.Context, incomplete: str) -> list[str]:
    from baseten_logs.completion.complete import complete_replicas, completion_params

    params = completion_params(ctx)
    return complete_replicas(
        params.get("model"),
        params.get("deployment"),
        incomplete,
        environment=params.get("env"),
        **team_access(params),
    )


# --- Flags shared by several commands --------------------------------------------------------
Model = Annotated[
    str | None,
    typer.Argument(
        metavar="MODEL",
        help="The model's name or id. Default: BASETEN_LOGS_MODEL, else the config's model "
        "(config set model NAME).",
        show_default=False,
        autocompletion=complete_model,
    ),
]
Deployment = Annotated[
    str | None,
    typer.Argument(
        metavar="DEPLOYMENT",
        help="A deployment's name or id, or production / development. Default: production.",
        show_default=False,
        autocompletion=complete_deployment,
    ),
]
Team = Annotated[
    str | None,
    typer.Option(
        "--team",
        metavar="NAME",
        help="When models of several teams share the name: the one of this team.",
        show_default=False,
    ),
]
Env = Annotated[
    str | None,
    typer.Option(
        "--env",
        metavar="NAME",
        help="An environment's logs (every deployment that served it), not one deployment's.",
        show_default=False,
        autocompletion=complete_env,
    ),
]
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


def complete_chainlet(ctx: typer.Context, incomplete: str) -> list[str]:
    from baseten_logs.completion.complete import complete_chainlets, completion_params

    params = completion_params(ctx, needed="chain")
    return complete_chainlets(params.get("chain"), incomplete, **access(params))


def complete_chain(ctx: typer.Context, incomplete: str) -> list[str]:
    from baseten_logs.completion.complete import complete_chains, completion_params

    return complete_chains(incomplete, **access(completion_params(ctx)))


def complete_training_job(ctx: typer.Context, incomplete: str) -> list[str]:
    from baseten_logs.completion.complete import complete_training_jobs, completion_params

    params = completion_params(ctx, needed="project")
    return complete_training_jobs(params.get("project"), incomplete, **access(params))


def complete_sandbox(ctx: typer.Context, incomplete: str) -> list[str]:
    from baseten_logs.completion.complete import complete_sandboxes, completion_params

    return complete_sandboxes(incomplete, **access(completion_params(ctx, needed="name")))


def complete_training_project(ctx: typer.Context, incomplete: str) -> list[str]:
    from baseten_logs.completion.complete import complete_training_projects, completion_params

    return complete_training_projects(incomplete, **access(completion_params(ctx)))


def complete_loops_run(ctx: typer.Context, incomplete: str) -> list[str]:
    from baseten_logs.completion.complete import complete_loops_runs, completion_params

    return complete_loops_runs(incomplete, **access(completion_params(ctx)))


# --- --profile: a login of Baseten's `baseten` CLI --------------------------------------------
PROFILE_HELP = (
    "A login of Baseten's baseten CLI (auth.json). Default: BASETEN_PROFILE, then ~/.trussrc, "
    "then the baseten CLI's current profile."
)
_PROFILE_KEY = "baseten_logs.profile"


def remember_profile(ctx: typer.Context, param: Any, value: str | None) -> str | None:
    """Keep --profile for the run (the global option's, or a command's, which comes later)."""
    if value is not None:
        ctx.meta[_PROFILE_KEY] = value
    return value


def complete_profile(incomplete: str) -> list[str]:
    """The profile names in auth.json (no keyring, no request); none when it cannot be read."""
    import os

    from baseten_logs.access.baseten_cli import auth_path, read_auth_file

    try:
        found = read_auth_file(auth_path(os.environ))
    except Exception:
        return []
    names = sorted(found.profiles) if found else []
    return [name for name in names if name.startswith(incomplete) and name.isprintable()]


# --- Flags before the command: `baseten-logs -v get ...` -----------------------------------------
_GLOBALS_KEY = "baseten_logs.globals"
ADOPTED_KEY = "baseten_logs.adopted"  # the names a command took from before it


def remember_global(ctx: typer.Context, param: Any, value: Any) -> Any:
    """Keep a flag typed before the command (app.py's callback) for the command that takes it."""
    from typer._click.core import ParameterSource

    if ctx.get_parameter_source(param.name) is ParameterSource.COMMANDLINE:
        ctx.meta.setdefault(_GLOBALS_KEY, {})[param.name] = value
    return value


def adopt_globals(ctx: typer.Context) -> None:
    """A command's flags not typed after it take the values typed before it, as if typed there
    (so a config default never outranks them); the command's own typed flags win."""
    from typer._click.core import ParameterSource

    for name, value in ctx.meta.get(_GLOBALS_KEY, {}).items():
        if name in ctx.params and ctx.get_parameter_source(name) is not ParameterSource.COMMANDLINE:
            ctx.params[name] = value
            ctx.set_parameter_source(name, ParameterSource.COMMANDLINE)
            ctx.meta.setdefault(ADOPTED_KEY, set()).add(name)


def profile_option() -> TyperOption:
    """--profile for a command (the global one, in app.py's callback, shares its help)."""
    return TyperOption(
        param_decls=["--profile"],
        type=str,
        metavar="NAME",
        help=PROFILE_HELP,
        callback=remember_profile,
        expose_value=False,
        autocompletion=complete_profile,
        rich_help_panel=ACCESS,
    )


def login_choice() -> tuple[str | None, bool]:
    """(--profile's value, whether --remote was given on the command line) of this run.

    resolve_credentials needs both: an explicit --remote outranks BASETEN_PROFILE, and the
    default `--remote baseten` does not. Outside a command (library use) neither was given.
    """
    from typer._click.core import ParameterSource
    from typer._click.globals import get_current_context

    ctx = get_current_context(silent=True)
    if ctx is None:
        return None, False
    source = ctx.get_parameter_source("remote")
    return ctx.meta.get(_PROFILE_KEY), source is ParameterSource.COMMANDLINE
