"""Truss's own credential stores: a remote's section of ~/.trussrc, and the OS keyring.

Read the way truss reads them: a section with `auth_type` keeps its secrets inline, or in the
keyring under service `baseten-truss`, account = the section's name, as one JSON object. An OAuth
section is read inline only when all three `oauth_*` keys are there; else the keyring supplies
what the section lacks (a key the section has wins). Written back (a refreshed OAuth login) as
truss writes it, so truss and this tool keep agreeing: into the keyring whenever one is usable
(not disabled by BASETEN_TRUSS_AUTH_KEYRING_DISABLED, a real backend), the section's inline
secrets then removed; else into the section. The keyring entry is replaced whole; the trussrc is
edited line by line (every other section, key and comment kept), written to a temporary file and
renamed over the old one, mode 0600, under a lock.

`keyring` is imported only when a section needs it: start-up stays fast.
"""

from __future__ import annotations

import configparser
import contextlib
import json
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from baseten_logs.base.errors import ConfigError

KEYRING_SERVICE = "baseten-truss"
KEYRING_DISABLED_ENV = "BASETEN_TRUSS_AUTH_KEYRING_DISABLED"
OAUTH_KEYS = ("oauth_access_token", "oauth_refresh_token", "oauth_expires_at")
# What truss takes out of a section once the keyring holds the login (every inline secret).
INLINE_SECRETS = ("api_key", *OAUTH_KEYS)

_SECTION = re.compile(r"\s*\[(?P<name>[^\]]+)\]\s*$")
_OPTION = re.compile(r"(?P<key>[^=:\s][^=:]*?)\s*[=:]")


def trussrc_path(env: Mapping[str, str]) -> Path:
    override = env.get("USER_TRUSSRC_PATH")
    return Path(override).expanduser() if override else Path.home() / ".trussrc"


def read_sections(path: Path) -> dict[str, dict[str, str]] | None:
    """Every section of the file, or None when there is no file (ConfigError if unreadable)."""
    if not path.is_file():
        return None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"cannot read {path}: {exc.__class__.__name__}", hint="fix or remove the file"
        ) from None
    return {name: dict(parser[name]) for name in parser.sections()}


def keyring_disabled(env: Mapping[str, str]) -> bool:
    return env.get(KEYRING_DISABLED_ENV, "").strip().lower() in ("1", "true", "yes")


def _usable_keyring(remote: str, env: Mapping[str, str]) -> Any:
    """The keyring module, or one clear error when the secrets cannot be reached."""
    fallback = (
        f"log in without it: {KEYRING_DISABLED_ENV}=1 truss login (the login is then kept in "
        "~/.trussrc), or set BASETEN_API_KEY"
    )
    if keyring_disabled(env):
        raise ConfigError(
            f"the login of remote {remote!r} is in the OS keyring, but {KEYRING_DISABLED_ENV} "
            "is set",
            hint=fallback,
        )
    try:
        import keyring
        import keyring.backends.fail
        import keyring.backends.null

        backend = keyring.get_keyring()
    except Exception as exc:  # keyring missing or broken: same advice
        raise ConfigError(
            f"the login of remote {remote!r} is in the OS keyring, which cannot be opened "
            f"({exc.__class__.__name__})",
            hint=fallback,
        ) from None
    if isinstance(backend, keyring.backends.fail.Keyring | keyring.backends.null.Keyring):
        raise ConfigError(
            f"the login of remote {remote!r} is in the OS keyring, and no keyring backend is "
            "usable here",
            hint=fallback,
        )
    return keyring


def keyring_usable(env: Mapping[str, str]) -> bool:
    """Whether truss would save a login into the keyring here: not disabled by the environment,
    and a backend that stores (not keyring's `fail` or `null` stand-ins)."""
    if keyring_disabled(env):
        return False
    try:
        _usable_keyring("", env)
    except ConfigError:
        return False
    return True


def read_keyring(remote: str, auth_type: str, env: Mapping[str, str]) -> dict[str, Any]:
    """The JSON object truss keeps for `remote`; ConfigError when it is missing or malformed."""
    keyring = _usable_keyring(remote, env)
    try:
        blob = keyring.get_password(KEYRING_SERVICE, remote)
    except Exception as exc:
        raise ConfigError(
            f"cannot read the login of remote {remote!r} from the keyring "
            f"({exc.__class__.__name__})",
            hint="unlock the keyring, or run truss login",
        ) from None
    if not blob:
        raise ConfigError(f"no login for remote {remote!r} in the keyring", hint="run truss login")
    try:
        payload = json.loads(blob)
    except ValueError:
        payload = None
    if not isinstance(payload, dict) or payload.get("auth_type") != auth_type:
        raise ConfigError(
            f"the keyring's entry for remote {remote!r} is not a {auth_type} login",
            hint="run truss login",
        )
    return payload


def write_keyring(remote: str, payload: Mapping[str, Any]) -> None:
    import keyring

    keyring.set_password(KEYRING_SERVICE, remote, json.dumps(dict(payload)))


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on the trussrc, so two runs refreshing at once take turns.

    The file itself is locked (no stray lock file in HOME). A rewrite replaces its inode, so a
    lock won on an inode that has since been renamed over is let go and taken again.
    """
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; the rename still keeps the file whole
        yield
        return
    target = path.resolve()
    while True:
        fd = os.open(target, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                same = os.fstat(fd).st_ino == os.stat(target).st_ino
            except FileNotFoundError:
                same = False
            if same:
                try:
                    yield
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
                return
        finally:
            os.close(fd)


def update_section(
    path: Path, remote: str, values: Mapping[str, str], *, remove: tuple[str, ...] = ()
) -> None:
    """Set `values` in section [remote] and take the keys `remove` out of it, keeping every
    other line; atomic, mode 0600."""
    target = path.resolve()  # a symlinked ~/.trussrc stays a symlink
    text = target.read_text(encoding="utf-8")
    atomic_write(target, _edited(text, remote, values, remove))


def atomic_write(target: Path, new_text: str) -> None:
    """`target` replaced whole by `new_text`, mode 0600 from the start: a new file beside it
    (created exclusively, so no link planted there is followed), synced, then renamed over it.

    A reader sees the old file or the new one, never half of one; a crash leaves the old. The
    rename replaces `target` itself: a symlink there is replaced, never written through (callers
    that mean to keep a link pass its resolved path).
    """
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.chmod(temporary, 0o600)
            handle.write(new_text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _edited(text: str, remote: str, values: Mapping[str, str], remove: tuple[str, ...] = ()) -> str:
    """`text` with the options of [remote] set to `values` (added when missing), and those
    named in `remove` taken out (with their continuation lines)."""
    out: list[str] = []
    written: set[str] = set()
    inside = found = skipping = False

    def add_missing() -> None:
        blanks: list[str] = []
        while out and not out[-1].strip():
            blanks.append(out.pop())
        if out and not out[-1].endswith("\n"):
            out[-1] += "\n"
        out.extend(f"{key} = {value}\n" for key, value in values.items() if key not in written)
        written.update(values)
        out.extend(reversed(blanks))

    for line in text.splitlines(keepends=True):
        header = _SECTION.match(line)
        if header:
            if inside:
                add_missing()
            inside = header.group("name").strip() == remote
            found = found or inside
            skipping = False
            out.append(line)
            continue
        if inside:
            indented = line[:1] in (" ", "\t")
            if skipping and indented and line.strip():
                continue  # the continuation of a value being replaced
            skipping = False
            option = None if indented else _OPTION.match(line)
            key = option.group("key").strip().lower() if option else None
            if key is not None and (key in values or key in remove):
                if key in values and key not in written:
                    out.append(f"{key} = {values[key]}\n")
                    written.add(key)
                skipping = True
                continue
        out.append(line)
    if inside:
        add_missing()
    if not found and values:
        if out and not out[-1].endswith("\n"):
            out[-1] += "\n"
        out.append(f"\n[{remote}]\n")
        out.extend(f"{key} = {value}\n" for key, value in values.items())
    return "".join(out)
