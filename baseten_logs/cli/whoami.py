"""`baseten-logs whoami`: which API key and URL a command would use, and where each came from.

The key is shown masked, never whole, and no OAuth token at all. With `--check`, one cheap request
(`GET /v1/users/me`) proves the key or login works and says whose it is (user and workspace: a
key that works in the wrong workspace is the usual surprise), refreshing a login first if it
must; without it, nothing is sent. When no key can be found, it lists every source it looked at,
in order.

Two tools keep logins (truss's ~/.trussrc and keyring, the `baseten` CLI's auth.json and
keyring), so it also says which store the key came from (`store`) and the order in which they
are tried (`order`, config.PRECEDENCE): a key from the "wrong" store is the other usual surprise.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Mapping
from typing import Any

from baseten_logs.access.baseten_cli import auth_path
from baseten_logs.access.config import (
    DEFAULT_REMOTE,
    PRECEDENCE,
    Credentials,
    mask_key,
    mask_url,
    resolve_credentials,
    trussrc_path,
)
from baseten_logs.base.errors import ConfigError, ExitStatus, UsageError
from baseten_logs.output import messages
from baseten_logs.output.inert import inert
from baseten_logs.output.pipes import stdout_guard
from baseten_logs.sources.cache import cache_dir
from baseten_logs.sources.paths import api_path

__all__ = ["WHOAMI_FORMATS", "run_whoami", "whoami"]

WHOAMI_FORMATS = ("text", "json")


def whoami(
    *,
    api_key: str | None,
    api_url: str | None,
    remote: str = DEFAULT_REMOTE,
    profile: str | None = None,
    remote_given: bool = False,
    check: bool = False,
    verbose: bool = False,
    env: Mapping[str, str] | None = None,
    checked: list[str] | None = None,
) -> dict[str, Any]:
    """The facts `run_whoami` prints, as a dict (raises ConfigError when there is no key)."""
    environ = os.environ if env is None else env
    credentials = resolve_credentials(
        api_key=api_key,
        api_url=api_url,
        remote=remote,
        profile=profile,
        remote_given=remote_given,
        env=environ,
        warn=messages.warn,
        checked=checked,
    )
    path = trussrc_path(environ)
    profiles = auth_path(environ)
    login = credentials.login
    facts: dict[str, Any] = {
        "auth": credentials.form,
        "api_key": None if login else mask_key(credentials.api_key),
        "api_key_source": credentials.key_source,
        "expires_at": int(login.expires_at) if login else None,
        "api_url": mask_url(credentials.api_url),
        "api_url_source": credentials.url_source,
        "trussrc": str(path),
        "trussrc_exists": path.is_file(),
        "remote": remote,
        "cache_dir": str(cache_dir(environ)),
        "user": None,  # with --check: who the key belongs to, as the API said
        "store": credentials.store,
        "store_detail": store_detail(credentials),
        "profile": credentials.profile,
        "profile_chosen_by": credentials.chosen_by,
        "auth_json": str(profiles),
        "auth_json_exists": profiles.is_file(),
        "precedence": list(PRECEDENCE),
    }
    if check:
        from baseten_logs.reading.fetch import open_client

        log = messages.info if verbose else None
        with open_client(credentials, log=log) as client:
            # AuthError (exit 3) says the key was refused; any answer at all proves it works.
            facts["user"] = _user(client.get_json(api_path("users", "me")))
        if login is not None:
            facts["expires_at"] = int(login.expires_at)  # refreshed, perhaps
    return facts


def store_detail(credentials: Credentials) -> str:
    """Which store the key came from, in words, for each of the five forms of login."""
    store, source = credentials.store, credentials.key_source
    if store == "--api-key":
        return "none: the key was given with --api-key"
    if store == "environment":
        return f"the environment: {source}"
    what = "an oauth login" if credentials.form == "oauth" else "an API key"
    in_keyring = source.startswith("keyring") or source.endswith("(keyring)")
    where = "in the keyring" if in_keyring else "in the file"
    if store == "baseten-cli":
        return (
            f"the baseten CLI's profile {credentials.profile!r} (chosen by "
            f"{credentials.chosen_by}): {what} {where}"
        )
    return f"truss's ~/.trussrc: {what} {where}"


def _user(body: Any) -> dict[str, str | None]:
    """The UserInfo fields (only user_id is required by the schema); anything else is None."""
    fields = ("user_id", "name", "email", "workspace_name")
    found = body if isinstance(body, dict) else {}
    return {key: found[key] if isinstance(found.get(key), str) else None for key in fields}


def run_whoami(
    *,
    api_key: str | None,
    api_url: str | None,
    remote: str = DEFAULT_REMOTE,
    output: str = "text",  # one of WHOAMI_FORMATS, already checked
    check: bool = False,
    verbose: bool = False,
) -> ExitStatus:
    from baseten_logs.cli.global_flags import login_choice

    checked: list[str] = []
    profile, remote_given = login_choice()
    try:
        facts = whoami(
            api_key=api_key,
            api_url=api_url,
            remote=remote,
            profile=profile,
            remote_given=remote_given,
            check=check,
            verbose=verbose,
            checked=checked,
        )
    except (ConfigError, UsageError) as exc:
        # A broken setup: say what was looked at (stdout), then the error (stderr, exit 2).
        path = trussrc_path(os.environ)
        with stdout_guard():
            if output == "json":
                report = {
                    "error": str(exc),
                    "checked": checked,
                    "trussrc": str(path),
                    "trussrc_exists": path.is_file(),
                    "remote": remote,
                }
                sys.stdout.write(json.dumps(report) + "\n")
            else:
                trussrc = f"{path} ({'exists' if path.is_file() else 'not found'})"
                rows = [("checked", line) for line in checked]
                rows.append(("trussrc", f"{trussrc}, section [{remote}]"))
                rows.append(("order", " > ".join(PRECEDENCE)))
                sys.stdout.write(_rows(rows))
            sys.stdout.flush()
        raise
    with stdout_guard():
        if output == "json":
            sys.stdout.write(json.dumps(facts) + "\n")
        else:
            sys.stdout.write(format_whoami(facts))
        sys.stdout.flush()
    return ExitStatus.OK


def expiry(expires_at: float, now: float) -> str:
    """When a login expires, e.g. "expires in 42 min", "expires in 3 h 5 min"."""
    if expires_at <= 0:
        return "expiry unknown (refreshed on first use)"
    minutes = round((expires_at - now) / 60)
    span = f"{abs(minutes) // 60} h {abs(minutes) % 60} min" if abs(minutes) >= 120 else None
    span = span or f"{abs(minutes)} min"
    if expires_at > now:
        return f"expires in {span}"
    return f"expired {span} ago (refreshed on first use)"


def _rows(rows: list[tuple[str, str]]) -> str:
    """Label and value per line; a label is shown once for a run of lines that share it."""
    out: list[str] = []
    previous = None
    for label, value in rows:
        out.append(f"{'' if label == previous else label:<9}{value}\n")
        previous = label
    return "".join(out)


def format_whoami(facts: Mapping[str, Any], *, now: float | None = None) -> str:
    trussrc = f"{facts['trussrc']} ({'exists' if facts['trussrc_exists'] else 'not found'})"
    if facts.get("auth") == "oauth":
        when = time.time() if now is None else now
        key = ("login", f"{facts['api_key_source']}, {expiry(facts['expires_at'], when)}")
    else:
        key = ("API key", f"{facts['api_key']}  from {facts['api_key_source']}")
    lines = [
        key,
        ("API URL", f"{facts['api_url']}  from {facts['api_url_source']}"),
        ("trussrc", f"{trussrc}, section [{facts['remote']}]"),
        ("cache", str(facts["cache_dir"])),
        ("store", str(facts["store_detail"])),
        ("order", " > ".join(facts["precedence"])),
    ]
    user = facts.get("user")
    if user is not None:
        what = "login" if facts.get("auth") == "oauth" else "key"
        lines.append(("check", f"ok: the {what} works"))
        workspace = inert(user.get("workspace_name") or "unknown")
        lines.append(("user", f"{_describe_user(user)}, workspace {workspace}"))
    return "".join(f"{label:<9}{value}\n" for label, value in lines)


def _describe_user(user: Mapping[str, str | None]) -> str:
    """`Ada <ada@example.com>`, or whichever of name, email and id the API sent (escaped)."""
    name, email = user.get("name"), user.get("email")
    if name and email:
        return f"{inert(name)} <{inert(email)}>"
    return inert(name or email or user.get("user_id") or "unknown")
