"""A few of `browse`'s screens, as text, against tests/snapshots/browse/*.txt: what a change to
the layout does is seen in review. The same lines each time (fixed times, shown in UTC), no
reader. The README's picture, docs/browse.svg, is the first screen, written by this test:

    BASETEN_LOGS_UPDATE_SNAPSHOTS=1 .venv/bin/pytest -q tests/test_browse_screens.py
"""

from __future__ import annotations

import asyncio
import html
import os
import re
from pathlib import Path

import pytest

from baseten_logs.browse.lines import LoadedLines
from baseten_logs.browse.screen import BrowseApp

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOTS = Path(__file__).parent / "snapshots" / "browse"
PICTURE = ROOT / "docs" / "browse.svg"
UPDATE = os.environ.get("BASETEN_LOGS_UPDATE_SNAPSHOTS") == "1"
T0_MS = 1_796_000_000_000
TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "model.py", line 42, in predict\n'
    "    out = self.pipe(x)\n"
    "RuntimeError: CUDA out of memory"
)
LINES = [
    ("Received request (143 prompt tokens)", "INFO", "a1b2c"),
    ("Generated 784 tokens in 2.00 s (392.0 tok/s)", "INFO", "a1b2c"),
    ('{"severity": "DEBUG", "message": "kv-cache usage 52.4%"}', None, "d4e5f"),
    ("request timed out after 30 s; retrying", "WARNING", "d4e5f"),
    (TRACEBACK, "ERROR", "a1b2c"),
    ("Received request (2248 prompt tokens)", "INFO", "d4e5f"),
    ("Generated 1005 tokens in 3.91 s (257.3 tok/s)", "INFO", "d4e5f"),
]
# Each screen: the keys pressed once the lines are shown.
SCREENS = {
    "following": [],
    "search": ["slash", *"request", "enter", "ampersand"],
    "errors-and-warnings": ["d", "i"],
    "detail": ["up", "up", "enter"],
    "help": ["question_mark"],
}


def records() -> list[dict[str, object]]:
    return [
        {
            "timestamp": str((T0_MS + i * 1500) * 1_000_000),
            "message": message,
            "level": level,
            "replica": replica,
            "request_id": f"req_{i:04d}",
        }
        for i, (message, level, replica) in enumerate(LINES)
    ]


def screen_text(svg: str) -> str:
    """The screen's characters, row by row, read from Textual's SVG screenshot."""
    rows: dict[float, list[tuple[float, str]]] = {}
    for text in re.finditer(r'<text[^>]*x="([\d.]+)" y="([\d.]+)"[^>]*>(.*?)</text>', svg):
        rows.setdefault(float(text[2]), []).append((float(text[1]), html.unescape(text[3])))
    shown = (
        "".join(t for _, t in sorted(row)).replace("\xa0", " ") for _, row in sorted(rows.items())
    )
    return "\n".join(line.rstrip() for line in shown) + "\n"


def screenshot(keys: list[str]) -> str:
    async def scenario() -> str:
        lines = LoadedLines()
        lines.add(records())
        app = BrowseApp(title="llama-3-8b production", lines=lines, utc=True)
        async with app.run_test(size=(100, 16)) as pilot:
            await pilot.press(*keys)
            await pilot.pause()
            return app.export_screenshot(title="baseten-logs browse llama-3-8b")

    return asyncio.run(scenario())


@pytest.mark.parametrize("name", SCREENS)
def test_screen_is_unchanged(name: str) -> None:
    svg = screenshot(SCREENS[name])
    text = screen_text(svg)
    snapshot = SNAPSHOTS / f"{name}.txt"
    if UPDATE:
        snapshot.write_text(text, encoding="utf-8")
        if name == "search":
            PICTURE.write_text(svg, encoding="utf-8")
    assert snapshot.exists(), f"no snapshot: run with BASETEN_LOGS_UPDATE_SNAPSHOTS=1 ({__doc__})"
    assert text == snapshot.read_text(encoding="utf-8")


def test_the_readme_shows_the_picture_this_test_writes() -> None:
    assert "docs/browse.svg" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert screen_text(PICTURE.read_text(encoding="utf-8")) == (SNAPSHOTS / "search.txt").read_text(
        encoding="utf-8"
    )
