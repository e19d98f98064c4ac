"""Commands declared away from the app: a module of signatures records its commands, and app.py
adds them with `register(app)` where they belong in `--help`.

So a module of signatures never imports app.py (which imports it): no circle, and `--help`
lists the commands in the order app.py registers the modules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer

Function = Callable[..., Any]


class Commands:
    """`app.command(...)` recorded by `command`, replayed on the app by `register`.

    `defaults`: arguments every command of the module takes unless it says otherwise (a module
    whose commands all read credentials gives `cls=UsageCommand`, so each takes --profile)."""

    def __init__(self, **defaults: Any) -> None:
        self._defaults = defaults
        self._recorded: list[tuple[tuple[Any, ...], dict[str, Any], Function | typer.Typer]] = []

    def command(self, *args: Any, **kwargs: Any) -> Callable[[Function], Function]:
        """Record a command, with the arguments `typer.Typer.command` takes."""

        def record(function: Function) -> Function:
            self._recorded.append((args, {**self._defaults, **kwargs}, function))
            return function

        return record

    def group(self, group: typer.Typer, **kwargs: Any) -> None:
        """Record a command with subcommands (`config set|get|list`), added where declared."""
        self._recorded.append(((), kwargs, group))

    def register(self, app: typer.Typer) -> None:
        """Add the recorded commands to `app`, in the order they were declared."""
        for args, kwargs, function in self._recorded:
            if isinstance(function, typer.Typer):
                app.add_typer(function, **kwargs)
            else:
                app.command(*args, **kwargs)(function)
