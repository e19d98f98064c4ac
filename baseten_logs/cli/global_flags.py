"""Flags that are not in a command's signature: --profile (a login of Baseten's `baseten` CLI),
which every command reading credentials takes and app.py's callback takes too, and the flags
typed before the command (`baseten-logs -v get ...`), handed to the command that takes them.

Their values travel in the run's click context, not in a command's parameters, so no command's
body has to carry them: `login_choice` reads them where credentials are resolved.
"""

# No `from __future__ import annotations`: typer reads these signatures on every start, and
# string annotations cost it a compile and an eval each (tests/test_packaging.py).

from typing import Any

import typer
from typer.core import TyperOption

from baseten_logs.cli.option_panels import ACCESS

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


def _complete_profile_option(ctx: Any, args: list[str], incomplete: str) -> list[str]:
    """complete_profile as a TyperOption built by hand calls it: (ctx, args, incomplete).
    typer adapts a typed flag's completer to what it asks for, not one given to TyperOption, so
    `complete_profile` there met a TypeError and a command's `--profile <Tab>` offered nothing."""
    return complete_profile(incomplete)


def profile_option() -> TyperOption:
    """--profile for a command (the global one, in app.py's callback, shares its help)."""
    return TyperOption(
        param_decls=["--profile"],
        type=str,
        metavar="NAME",
        help=PROFILE_HELP,
        callback=remember_profile,
        expose_value=False,
        autocompletion=_complete_profile_option,
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
