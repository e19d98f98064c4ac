"""The `demo` command: a real session against the built-in emulator, no account needed.

Its steps go through the CLI's own entry (`run`, app.py's), as a user's would; so app.py adds it
with `register(app, run)`, last in `--help`, and this module does not import the app.
"""

# No `from __future__ import annotations`: typer reads these signatures on every start, and
# string annotations cost it a compile and an eval each (tests/test_packaging.py).

from collections.abc import Callable
from typing import Annotated

import typer


def register(app: typer.Typer, run: Callable[[list[str]], int]) -> None:
    """Add `demo` to `app`: its steps go through `run`, the CLI's own entry, as a user's would."""

    @app.command(short_help="A real session against the built-in emulator, no account needed.")
    def demo(
        follow_seconds: Annotated[
            float, typer.Option(metavar="SECONDS", help="How long the follow step runs.", min=0)
        ] = 6.0,
        browse: Annotated[
            bool,
            typer.Option(
                "--browse",
                help="Instead: browse the demo model full-screen against an emulator of its own "
                "(a free port), stopped when you quit.",
            ),
        ] = False,
    ) -> None:
        """Show a real session against the built-in emulator: no account needed."""
        from baseten_logs.cli.demo import browse_demo, run_demo

        if browse:
            raise typer.Exit(browse_demo(run=run))
        raise typer.Exit(run_demo(follow_seconds=follow_seconds, run=run))
