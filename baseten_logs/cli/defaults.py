"""A run's settings where they were not typed: the flag > BASETEN_LOGS_<KEY> > the defaults file
(`config set`) > the command's own default, for the keys config_command.SETTINGS declares.

A flag counts as typed only when it came from the command line (click's parameter source), so a
flag's default (`--output text`) never hides the user's `config set output jsonl`. Each value is
checked by its flag's parser (config_command.SETTINGS), and a bad one names where it came from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from baseten_logs.base.errors import UsageError

if TYPE_CHECKING:
    from baseten_logs.base.timeparse import Zone


def typed(name: str) -> bool:
    """Whether the flag `name` of the running command was given on the command line (outside
    a command, as in tests calling a plan directly, every value counts as typed)."""
    from typer._click.core import ParameterSource
    from typer._click.globals import get_current_context

    ctx = get_current_context(silent=True)
    if ctx is None or name not in ctx.params:
        return True
    return ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE


def adopted(name: str) -> bool:
    """Whether the flag `name` was typed before the command (`--color always get ...`), which
    the command's own flags outrank (global_flags.adopt_globals)."""
    from typer._click.globals import get_current_context

    from baseten_logs.cli.global_flags import ADOPTED_KEY

    ctx = get_current_context(silent=True)
    return ctx is not None and name in ctx.meta.get(ADOPTED_KEY, ())


def chosen(key: str, name: str, value: Any) -> str:
    """The text of a flag's value in effect: typed, else the variable's, else the file's, else
    the flag's own default `value` (in the canonical form `config set` writes)."""
    from baseten_logs.cli.config_command import resolve_setting, setting_of

    flag_value = str(value) if typed(name) and value is not None else None
    found = resolve_setting(key, flag_value)
    if found is None:
        return str(value)
    return str(setting_of(key).to_file(found.value))


def color_of(color: str, no_color: bool) -> str:
    """--color's mode; --no-color is `--color never`, and contradicts any other mode typed after
    the command (one typed before it gives way, as any flag before the command does)."""
    if no_color:
        if typed("color") and not adopted("color") and color.strip().lower() != "never":
            raise UsageError("--no-color", f"contradicts --color {color}", hint="give one of them")
        return "never"
    return chosen("color", "color", color)


def zone_of(tz: str | None, utc: bool) -> Zone | None:
    """The zone times are read and shown in: --tz, --utc (its alias for utc), else the
    variable's or the file's `tz`; None when nothing chose one (local time, unmarked)."""
    from baseten_logs.base.timeparse import parse_zone
    from baseten_logs.cli.config_command import resolve_setting

    if utc and tz is not None and not parse_zone(tz, flag="--tz").is_utc:
        raise UsageError("--utc", f"is --tz utc, and --tz says {tz!r}", hint="give one of them")
    flag_value = tz if tz is not None else ("utc" if utc else None)
    found = resolve_setting("tz", flag_value)
    return None if found is None else found.value


def prefix_of(prefix: str | None) -> str | None:
    """--prefix as typed, else the variable's or the file's `prefix`; None when nothing chose a
    form, so the terminal's width decides (output.layout), as it would without a config."""
    from baseten_logs.cli.config_command import resolve_setting

    found = resolve_setting("prefix", prefix)
    return None if found is None else str(found.value)


def model_of(model: str | None) -> str:
    """MODEL as typed, else the default model (BASETEN_LOGS_MODEL, the config's `model`)."""
    from baseten_logs.cli.config_command import resolve_setting

    found = resolve_setting("model", model)
    if found is None:
        raise UsageError(
            "MODEL",
            "is missing",
            hint="name the model, or set a default: baseten-logs config set model NAME",
        )
    return str(found.value)
