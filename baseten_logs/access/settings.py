"""Defaults a person sets once (`config set tz utc`): a small TOML file and BASETEN_LOGS_*
variables, below the flags in precedence.

Precedence, for every key: the flag > its environment variable (BASETEN_LOGS_TZ, ...) > the file
> the command's own default. The file is read whole but each value is checked only when it is
used, with the same parser as its flag, so a bad value names its key, the file and the fix, and
never stops `config set` from repairing it. Which keys exist, and their parsers, the command
layer declares (`Setting`): the parsers live above this layer (`--max-rps`'s in cli/plan).
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import stat
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from baseten_logs.base.errors import ConfigError, UsageError

__all__ = [
    "CONFIG_ENV",
    "ENV_PREFIX",
    "FileValue",
    "Resolved",
    "Setting",
    "SettingsFile",
    "complaint",
    "config_path",
    "load_file",
    "render_toml",
    "resolve",
    "write_file",
]

T = TypeVar("T")
FileValue = str | int | float | bool  # what the flat file holds; bool for hand-written keys
CONFIG_ENV = "BASETEN_LOGS_CONFIG"  # the file itself, for tests and for several setups
ENV_PREFIX = "BASETEN_LOGS_"
MAX_FILE_BYTES = 64 * 1024  # a few keys: anything larger is not this file
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_INT64 = 2**63  # TOML integers are 64-bit
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f"}
_ESCAPES["\r"] = "\\r"


@dataclass(frozen=True)
class Setting(Generic[T]):
    """One key: its name in the file, the flag it stands in for, and that flag's parser.

    `parse` raises UsageError naming `flag`; `to_file` gives the form `config set` writes
    (the canonical one: `Europe/Paris` for `europe/paris`, 50 for `50.0`)."""

    key: str
    flag: str
    parse: Callable[[str], T]
    to_file: Callable[[T], FileValue]
    about: str = ""

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.key.upper()


@dataclass(frozen=True)
class Resolved(Generic[T]):
    """A value and where it came from: the flag, the variable's name, or the file's path."""

    value: T
    source: str


@dataclass(frozen=True)
class SettingsFile:
    """The file as read: its values unchecked (each is checked when used)."""

    path: Path
    values: Mapping[str, Any] = field(default_factory=dict)
    exists: bool = False

    def unknown(self, keys: tuple[str, ...]) -> list[str]:
        """Keys of the file that no Setting reads: a typo, or a newer version's key."""
        return [key for key in self.values if key not in keys]


def config_path(env: Mapping[str, str] | None = None, *, platform: str | None = None) -> Path:
    """The file: $BASETEN_LOGS_CONFIG, else $XDG_CONFIG_HOME/baseten-logs/config.toml, else the
    platform's usual place (as the cache's, sources/cache.cache_dir, is found)."""
    environ = os.environ if env is None else env
    system = sys.platform if platform is None else platform
    if environ.get(CONFIG_ENV):
        return Path(environ[CONFIG_ENV]).expanduser()
    xdg = environ.get("XDG_CONFIG_HOME", "")
    if xdg and os.path.isabs(xdg):  # XDG says a relative one is to be ignored
        return Path(xdg) / "baseten-logs" / "config.toml"
    if system == "win32" and environ.get("APPDATA"):
        return Path(environ["APPDATA"]) / "baseten-logs" / "config.toml"
    try:
        home = Path(environ.get("HOME") or Path.home())
    except RuntimeError:  # no HOME and no passwd entry (some containers)
        raise ConfigError(
            "cannot tell where the config file is: no home directory",
            hint=f"set HOME, or {CONFIG_ENV} to the file",
        ) from None
    if system == "darwin":
        return home / "Library" / "Application Support" / "baseten-logs" / "config.toml"
    return home / ".config" / "baseten-logs" / "config.toml"


def _toml_loads(text: str) -> dict[str, Any]:
    # Imported here: a run without a config file never pays for a TOML parser.
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib
    return tomllib.loads(text)


def load_file(path: Path) -> SettingsFile:
    """The file's values; a missing file is an empty one. What cannot be read is a ConfigError
    naming the file: a run must not go on without defaults its user set."""
    fix = f"fix or remove it (`config set` writes a new one), or point {CONFIG_ENV} elsewhere"
    if path == Path(os.devnull):  # `BASETEN_LOGS_CONFIG=/dev/null`: no defaults, on purpose
        return SettingsFile(path)
    try:
        # A FIFO or a terminal would wait for a writer, forever: only a file is read.
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise ConfigError(f"the config file {path} is not a regular file", hint=fix)
        with open(path, "rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return SettingsFile(path)
    except OSError as exc:
        raise ConfigError(
            f"cannot read the config file {path}: {exc.strerror or exc}", hint=fix
        ) from None
    if len(data) > MAX_FILE_BYTES:
        raise ConfigError(
            f"the config file {path} is larger than {MAX_FILE_BYTES // 1024} KiB", hint=fix
        )
    try:
        text = data.decode("utf-8-sig")  # a byte-order mark, as Windows editors write, is fine
    except UnicodeDecodeError:
        raise ConfigError(f"the config file {path} is not UTF-8 text", hint=fix) from None
    try:
        values = _toml_loads(text)
    except (ValueError, RecursionError) as exc:  # TOMLDecodeError is a ValueError
        raise ConfigError(f"the config file {path} is not valid TOML: {exc}", hint=fix) from None
    return SettingsFile(path, values, exists=True)


def _file_text(setting: Setting[Any], value: object, path: Path) -> str:
    """A file value as its flag would be typed: `50` for 50, `0.5` for 0.5."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return repr(value)  # inf and nan reach the parser, which refuses them
    kind = {bool: "true/false", dict: "a table", list: "an array"}.get(type(value), "a date")
    raise ConfigError(
        f"{setting.key} in {path} is {kind}, not a value of {setting.flag}",
        hint=f"set it with `baseten-logs config set {setting.key} VALUE`",
    )


def complaint(error: UsageError) -> str:
    """What a flag's parser said, without the flag's name: to name another source instead."""
    prefix = f"{error.flag}: "
    return error.message[len(prefix) :] if error.message.startswith(prefix) else error.message


def _reworded(error: UsageError, where: str, fix: str) -> ConfigError:
    """The flag parser's complaint, naming where the value came from instead of the flag."""
    hint = f"{error.hint}; {fix}" if error.hint else fix
    return ConfigError(f"{where}: {complaint(error)}", hint=hint)


def resolve(
    setting: Setting[T],
    flag_value: str | None,
    environ: Mapping[str, str],
    file: SettingsFile | Callable[[], SettingsFile],
) -> Resolved[T] | None:
    """The value in effect and its source; None when nothing sets it (the command's default
    applies). `file` may be a function, so the file is read only when flag and variable are
    both silent."""
    # 1. The flag: its parser's error names the flag, as without a config.
    if flag_value is not None:
        return Resolved(setting.parse(flag_value), setting.flag)
    # 2. The environment: an empty variable is unset (`BASETEN_LOGS_TZ= cmd` turns it off).
    if text := environ.get(setting.env, ""):
        try:
            return Resolved(setting.parse(text), setting.env)
        except UsageError as exc:
            raise _reworded(exc, setting.env, f"change or unset {setting.env}") from None
    # 3. The file.
    settings = file if isinstance(file, SettingsFile) else file()
    if setting.key not in settings.values:
        return None
    text = _file_text(setting, settings.values[setting.key], settings.path)
    try:
        return Resolved(setting.parse(text), str(settings.path))
    except UsageError as exc:
        where = f"{setting.key} in {settings.path}"
        fix = f"change it with `baseten-logs config set {setting.key} VALUE`"
        raise _reworded(exc, where, fix) from None


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _toml_string(key)


def _toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped, the rest as is."""
    out = []
    for char in text:
        code = ord(char)
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04X}")
        elif 0xD800 <= code <= 0xDFFF:  # a lone surrogate (undecodable argv): no TOML text
            raise ValueError(f"{text!r} is not valid text")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _toml_value(value: FileValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if not -_INT64 <= value < _INT64:
            raise ValueError(f"{value} does not fit a TOML integer")
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value} is not a finite number")
        return repr(value)  # 0.5, 1e+20: both TOML floats
    return _toml_string(value)


def render_toml(values: Mapping[str, FileValue], *, header: str = "") -> str:
    """A flat TOML document, one `key = value` a line, in the mapping's order."""
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    lines += [f"{_toml_key(key)} = {_toml_value(value)}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


def write_file(path: Path, values: Mapping[str, FileValue], *, header: str = "") -> None:
    """Write the file whole, atomically: a temporary file (created 0600, as the file then stays)
    beside it, renamed over it, so a reader never sees half a file.

    A symbolic link is refused, not followed and not replaced: it points somewhere its owner
    chose (a dotfiles repository), and either way would change a file this command does not own.
    """
    text = render_toml(values, header=header)  # before anything is touched: ValueError for bad text
    if path.is_symlink():
        raise ConfigError(
            f"the config file {path} is a symbolic link: not written",
            hint=f"edit {os.path.realpath(path)} by hand, or remove the link",
        )
    if path.exists() and not path.is_file():
        # os.replace would put a file where a device (/dev/null), a FIFO or a folder was.
        raise ConfigError(
            f"the config file {path} is not a regular file: not written",
            hint=f"point {CONFIG_ENV} at a file",
        )
    temp: str | None = None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)  # replaces a link's name, never writes through one
        temp = None
    except OSError as exc:
        raise ConfigError(
            f"cannot write the config file {path}: {exc.strerror or exc}",
            hint=f"check its folder's permissions, or point {CONFIG_ENV} elsewhere",
        ) from None
    finally:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)
