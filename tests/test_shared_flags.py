"""`get`, `chain` and `training` read logs the same way, so their shared flags must not drift.

The three commands declare the same reading, filtering, output and access options; a flag added to
one, or a default changed in one, would make `chain` or `training` behave unlike `get`. The click
parameters are read from the Typer app itself, as the shell sees them.
"""

from __future__ import annotations

from typing import Any

import pytest
from typer.main import get_command

from baseten_logs.cli.app import app

READERS = ("get", "chain", "training", "loops")

# Every flag the three share. A new shared flag belongs here and in all three commands.
SHARED = {
    "all_lines", "api_key", "api_url", "color", "component", "concurrency", "exclude", "fail_on",
    "follow", "grep", "include", "level", "limit", "max_rps", "message_only", "no_wrap", "output",
    "overlap", "prefix", "quiet", "template",
    "profile", "remote", "replica", "request_id", "retries", "reverse", "save", "since", "summary",
    "until",
    "utc", "verbatim", "verbose", "tz", "no_color", "ignore_case", "timestamps",
}  # fmt: skip

# What each command takes beyond them: its own arguments, and where it differs on purpose.
OWN = {
    "get": {"model", "deployment", "env", "team", "no_cache", "events"},
    "chain": {"chain", "deployment", "chainlet", "env", "no_cache"},
    "training": {"project", "job"},  # no name cache: a training job is looked up by id or listing
    "loops": {"run", "sampler", "no_cache"},  # a name's look-up refreshes completion's run names
}


def _params(command: str) -> dict[str, Any]:
    """The click parameters of one command (typer's own click: its types are not `click`'s)."""
    group: Any = get_command(app)
    return {param.name or "": param for param in group.commands[command].params}


def _shape(param: Any) -> dict[str, Any]:
    """What a user sees and gets of one flag: its spellings, default, type, help and metavar."""
    return {
        "opts": param.opts,
        "secondary_opts": param.secondary_opts,
        "default": param.default,
        "type": param.type.name,
        "flag": getattr(param, "is_flag", None),
        "count": getattr(param, "count", None),
        "multiple": param.multiple,
        "required": param.required,
        "envvar": param.envvar,
        "metavar": param.metavar,
        "help": getattr(param, "help", None),
        "hidden": getattr(param, "hidden", None),
        "show_default": getattr(param, "show_default", None),
    }


@pytest.mark.parametrize("command", READERS)
def test_each_reader_has_the_shared_flags_and_its_own(command: str) -> None:
    assert set(_params(command)) == SHARED | OWN[command]


@pytest.mark.parametrize("name", sorted(SHARED))
def test_a_shared_flag_is_the_same_in_every_reader(name: str) -> None:
    get, *others = (_shape(_params(command)[name]) for command in READERS)
    for command, shape in zip(READERS[1:], others, strict=True):
        assert shape == get, f"{command} --{name} differs from get's"


def test_no_cache_is_the_same_where_it_exists() -> None:
    assert _shape(_params("chain")["no_cache"]) == _shape(_params("get")["no_cache"])


# sandbox's endpoints know no replica, request id or component, and one sandbox is one stream.
SANDBOX_LACKS = {"replica", "request_id", "component", "concurrency"}


@pytest.mark.parametrize("name", sorted(SHARED - SANDBOX_LACKS))
def test_sandbox_has_the_other_shared_flags_as_get_has_them(name: str) -> None:
    """`sandbox` reads through get's plan (plan_of): a shared flag it lacked would be a KeyError
    there, and one shaped differently would behave unlike get's."""
    sandbox = _params("sandbox")
    assert name in sandbox, f"sandbox lacks --{name}"
    assert _shape(sandbox[name]) == _shape(_params("get")[name])
