"""Every command's `--help`, byte for byte: moving code around must not change what users read.

The pages are drawn at a fixed width (COLUMNS=100) without colour (NO_COLOR) and compared with
tests/snapshots/help/<command>.txt. A deliberate change to a help text regenerates them:

    BASETEN_LOGS_UPDATE_SNAPSHOTS=1 .venv/bin/pytest -q tests/test_help_snapshots.py

then review `git diff tests/snapshots/` like any other change.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from baseten_logs.cli.app import app
from baseten_logs.cli.entry import command_names
from tests.conftest import invoke

SNAPSHOTS = Path(__file__).parent / "snapshots" / "help"
UPDATE = os.environ.get("BASETEN_LOGS_UPDATE_SNAPSHOTS") == "1"
PAGES = ["(top)", *sorted(command_names(app))]


def _help(page: str) -> str:
    args = () if page == "(top)" else (page,)
    result = invoke(*args, "--help", env={"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"})
    assert result.status == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("page", PAGES)
def test_help_page_is_unchanged(page: str) -> None:
    snapshot = SNAPSHOTS / f"{page.strip('()')}.txt"
    text = _help(page)
    if UPDATE:
        snapshot.write_text(text, encoding="utf-8")
    assert snapshot.exists(), f"no snapshot: run with BASETEN_LOGS_UPDATE_SNAPSHOTS=1 ({__doc__})"
    assert text == snapshot.read_text(encoding="utf-8")


def test_every_snapshot_belongs_to_a_command() -> None:
    """A removed or renamed command leaves no stale page behind."""
    assert {path.stem for path in SNAPSHOTS.glob("*.txt")} == {p.strip("()") for p in PAGES}
