"""`baseten-logs whoami`: which API key and URL a command would use, and where each came from.

The key is shown masked, never whole. With `--check`, one cheap request (the model listing)
proves the key works; without it, nothing is sent.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from typing import Any

from baseten_logs import messages
from baseten_logs.cache import cache_dir
from baseten_logs.config import DEFAULT_REMOTE, mask_key, resolve_credentials, trussrc_path
from baseten_logs.errors import ExitStatus
from baseten_logs.pipes import stdout_guard

__all__ = ["WHOAMI_FORMATS", "run_whoami", "whoami"]

WHOAMI_FORMATS = ("text", "json")


def whoami(
    *,
    api_key: str | None,
    api_url: str | None,
    remote: str = DEFAULT_REMOTE,
    check: bool = False,
    verbose: bool = False,
    env: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The facts `run_whoami` prints, as a dict (raises ConfigError when there is no key)."""
    environ = os.environ if env is None else env
    credentials = resolve_credentials(
        api_key=api_key, api_url=api_url, remote=remote, env=environ, warn=messages.warn
    )
    path = trussrc_path(environ)
    facts: dict[str, Any] = {
        "api_key": mask_key(credentials.api_key),
        "api_key_source": credentials.key_source,
        "api_url": credentials.api_url,
        "api_url_source": credentials.url_source,
        "trussrc": str(path),
        "trussrc_exists": path.is_file(),
        "remote": remote,
        "cache_dir": str(cache_dir(environ)),
        "models_visible": None,
    }
    if check:
        from baseten_logs.fetch import open_client
        from baseten_logs.resolve import list_models

        log = messages.info if verbose else None
        with open_client(credentials, log=log) as client:
            # AuthError (exit 3) says the key was refused; any answer at all proves it works.
            facts["models_visible"] = len(list_models(client, cache=None))
    return facts


def run_whoami(
    *,
    api_key: str | None,
    api_url: str | None,
    remote: str = DEFAULT_REMOTE,
    output: str = "text",  # one of WHOAMI_FORMATS, already checked
    check: bool = False,
    verbose: bool = False,
) -> ExitStatus:
    facts = whoami(api_key=api_key, api_url=api_url, remote=remote, check=check, verbose=verbose)
    with stdout_guard():
        if output == "json":
            sys.stdout.write(json.dumps(facts) + "\n")
        else:
            sys.stdout.write(format_whoami(facts))
        sys.stdout.flush()
    return ExitStatus.OK


def format_whoami(facts: Mapping[str, Any]) -> str:
    trussrc = f"{facts['trussrc']} ({'exists' if facts['trussrc_exists'] else 'not found'})"
    lines = [
        ("API key", f"{facts['api_key']}  from {facts['api_key_source']}"),
        ("API URL", f"{facts['api_url']}  from {facts['api_url_source']}"),
        ("trussrc", f"{trussrc}, section [{facts['remote']}]"),
        ("cache", str(facts["cache_dir"])),
    ]
    if facts.get("models_visible") is not None:
        lines.append(("check", f"ok: the key works and sees {facts['models_visible']} models"))
    return "".join(f"{label:<9}{value}\n" for label, value in lines)
