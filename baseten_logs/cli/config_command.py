"""`config set|get|list|unset`: the defaults file's commands, and the keys it holds.

Each key is checked by the parser of the flag it stands in for (`max_rps` by `--max-rps`'s), so
the file can never hold what the flag would refuse. Precedence is the flag > BASETEN_LOGS_<KEY> >
the file > the command's default (access/settings.resolve).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from baseten_logs.access.settings import (
    FileValue,
    Resolved,
    Setting,
    SettingsFile,
    complaint,
    config_path,
    load_file,
    render_toml,
    resolve,
    write_file,
)
from baseten_logs.base.errors import ConfigError, ExitStatus, UsageError
from baseten_logs.base.timeparse import Zone, parse_zone
from baseten_logs.cli.plan import max_rps_of
from baseten_logs.output import messages
from baseten_logs.output.inert import inert
from baseten_logs.output.pipes import stdout_guard
from baseten_logs.reading.query import COLOR_MODES, parse_choice

__all__ = [
    "KEYS",
    "SETTINGS",
    "resolve_setting",
    "run_config_get",
    "run_config_list",
    "run_config_set",
    "run_config_unset",
    "setting_of",
]

HEADER = (
    "baseten-logs defaults, written by `baseten-logs config set KEY VALUE`.\n"
    "A flag, or a BASETEN_LOGS_<KEY> variable, takes precedence over each."
)
NOT_SET = 1  # `config get` of a key nothing sets: exit 1 and no output, as `git config` does


def _zone(text: str) -> Zone:
    return parse_zone(text, flag="--tz")


def _output(text: str) -> str:
    from baseten_logs.output.render import OUTPUT_FORMATS  # the renderer's list; rich not loaded

    return parse_choice(text, flag="--output", choices=OUTPUT_FORMATS)


def _prefix(text: str) -> str:
    from baseten_logs.output.layout import PREFIX_FORMS  # --prefix's own list: one place

    return parse_choice(text, flag="--prefix", choices=PREFIX_FORMS)


def _model(text: str) -> str:
    # The check MODEL gets when typed (sources/resolve, being reworked elsewhere: its helper is
    # still private; the wiring round makes it public).
    from baseten_logs.sources.names import check_name

    check_name("MODEL", text, "model")
    return text


def _color(text: str) -> str:
    return parse_choice(text, flag="--color", choices=COLOR_MODES)


def _rps_in_file(rps: float) -> FileValue:
    return int(rps) if rps.is_integer() else rps


def _same(text: str) -> FileValue:
    return text


SETTINGS: tuple[Setting[Any], ...] = (
    Setting("tz", "--tz", _zone, lambda zone: zone.name, "time zone of times typed and shown"),
    Setting("output", "--output", _output, _same, "output format"),
    Setting("prefix", "--prefix", _prefix, _same, "what each text line starts with"),
    Setting("model", "MODEL", _model, _same, "the model read when none is named"),
    Setting("max_rps", "--max-rps", max_rps_of, _rps_in_file, "requests a second at most"),
    Setting("color", "--color", _color, _same, "colour: auto, always or never"),
)
KEYS = tuple(setting.key for setting in SETTINGS)
_BY_KEY = {setting.key: setting for setting in SETTINGS}


def setting_of(key: str) -> Setting[Any]:
    """The Setting of a key as typed: `max_rps`, or `max-rps` as the flag spells it."""
    found = _BY_KEY.get(key.strip().lower().replace("-", "_"))
    if found is None:
        raise UsageError("KEY", f"unknown key {key!r}", hint=f"one of {', '.join(KEYS)}")
    return found


def resolve_setting(
    key: str, flag_value: str | None, environ: Mapping[str, str] | None = None
) -> Resolved[Any] | None:
    """What a command's plan step calls for one key: the flag's value if given, else the
    environment's, else the file's (read only then); None leaves the command's default."""
    env = os.environ if environ is None else environ
    return resolve(_BY_KEY[key], flag_value, env, lambda: _user_file(env))


def _user_file(env: Mapping[str, str]) -> SettingsFile:
    """The user's file; none where there is no home to keep one in (a container without HOME
    or a passwd entry): nothing was ever set there, and a run must not fail for it."""
    try:
        path = config_path(env)
    except ConfigError:
        return SettingsFile(Path(os.devnull))
    return load_file(path)


def _checked(setting: Setting[Any], value: str) -> FileValue:
    """The file form of a value `config set` was given, checked by the flag's parser; its
    complaint names the key, since no flag was typed."""
    try:
        parsed = setting.parse(value)
    except UsageError as exc:
        raise UsageError(setting.key, complaint(exc), hint=exc.hint) from None
    return setting.to_file(parsed)


def _rewritable(settings: SettingsFile) -> dict[str, FileValue]:
    """The file's values, to be written back: a hand-written table or array would be lost, so
    such a file is not rewritten."""
    values: dict[str, FileValue] = {}
    for key, value in settings.values.items():
        if not isinstance(value, str | int | float | bool):
            raise ConfigError(
                f"the config file {settings.path} holds {key!r}, which is not a plain value",
                hint="edit it by hand: `config set` writes only keys with plain values",
            )
        values[key] = value
    return values


def run_config_set(*, key: str, value: str, environ: Mapping[str, str] | None = None) -> ExitStatus:
    """`config set KEY VALUE`: check VALUE as its flag would, write it to the file, and print the
    line the file now holds (`tz = "UTC"`) on stdout; where it went is said on stderr."""
    env = os.environ if environ is None else environ
    setting = setting_of(key)
    stored = _checked(setting, value)
    path = config_path(env)
    values = _rewritable(load_file(path))
    values[setting.key] = stored
    try:
        write_file(path, values, header=HEADER)
    except ValueError as exc:  # text TOML cannot hold (a lone surrogate from argv)
        raise UsageError(setting.key, str(exc), hint="give plain text") from None
    messages.info(f"{setting.key} = {stored} written to {path}")
    with stdout_guard():  # the line the file now holds, as a script or a reader checks it
        sys.stdout.write(inert(render_toml({setting.key: stored}).rstrip("\n")) + "\n")
    if env.get(setting.env):
        messages.warn(f"{setting.env} is set, and takes precedence over the file")
    return ExitStatus.OK


def run_config_unset(*, key: str, environ: Mapping[str, str] | None = None) -> ExitStatus:
    """`config unset KEY`: remove KEY from the file (the command's default applies again)."""
    env = os.environ if environ is None else environ
    setting = setting_of(key)
    path = config_path(env)
    settings = load_file(path)
    if setting.key not in settings.values:
        messages.info(f"{setting.key} is not set in {path}")
        return ExitStatus.OK
    values = _rewritable(settings)
    del values[setting.key]
    write_file(path, values, header=HEADER)
    messages.info(f"{setting.key} removed from {path}")
    return ExitStatus.OK


def _shown(setting: Setting[Any], found: Resolved[Any]) -> str:
    return inert(str(setting.to_file(found.value)))


def run_config_get(*, key: str, environ: Mapping[str, str] | None = None) -> int:
    """`config get KEY`: the value in effect (the variable's, else the file's) on stdout, for
    scripts; nothing and exit 1 when neither sets it."""
    setting = setting_of(key)
    found = resolve_setting(setting.key, None, environ)
    if found is None:
        return NOT_SET
    with stdout_guard():
        sys.stdout.write(_shown(setting, found) + "\n")
    return ExitStatus.OK


def run_config_list(*, environ: Mapping[str, str] | None = None) -> ExitStatus:
    """`config list`: every key, its value in effect and where it comes from (`-` where the
    command's default applies), then the file's path. A bad value is listed as such and named
    on stderr, exit 2; a key of the file that none reads is a warning."""
    env = os.environ if environ is None else environ
    path = config_path(env)
    settings = load_file(path)
    rows = [("KEY", "VALUE", "FROM")]
    bad: list[str] = []
    for setting in SETTINGS:
        try:
            found = resolve(setting, None, env, settings)
        except ConfigError as exc:
            bad.append(str(exc))
            source = setting.env if env.get(setting.env) else "file"
            rows.append((setting.key, "(invalid)", source))
            continue
        if found is None:
            rows.append((setting.key, "-", "-"))
        else:
            source = "file" if found.source == str(path) else found.source
            rows.append((setting.key, _shown(setting, found), source))
    width = max(len(key) for key, _, _ in rows) + 2
    value_width = max(len(value) for _, value, _ in rows) + 2
    lines = [f"{k:<{width}}{v:<{value_width}}{s}".rstrip() for k, v, s in rows]
    state = "" if settings.exists else " (not written yet)"
    lines.append(f"file: {inert(str(path))}{state}")
    with stdout_guard():
        sys.stdout.write("\n".join(lines) + "\n")
    for key in settings.unknown(KEYS):
        messages.warn(f"{path}: unknown key {key!r}, ignored (keys: {', '.join(KEYS)})")
    for message in bad:
        messages.error(message)
    return ExitStatus.USAGE if bad else ExitStatus.OK
