"""The help of a time a command reads says which zone a time typed without one is in: --tz's
when the command takes --tz (the plan reads --since in it), never plain "local"."""

from __future__ import annotations

from typing import Any

import pytest
from typer.main import get_command

from baseten_logs.cli.app import app


def _commands() -> list[tuple[str, Any]]:
    group: Any = get_command(app)
    return sorted(group.commands.items())


@pytest.mark.parametrize(("name", "command"), _commands(), ids=[n for n, _ in _commands()])
def test_a_time_typed_without_a_zone_is_said_to_be_in_tzs_zone(name: str, command: Any) -> None:
    options = {p.name: p for p in command.params if p.param_type_name == "option"}
    if "tz" not in options:
        return
    for flag in ("since", "until"):
        help_text = getattr(options.get(flag), "help", None) or ""
        if "no zone" in help_text:
            assert "--tz" in help_text, f"{name} --{flag}: {help_text}"
