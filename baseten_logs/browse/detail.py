"""`browse`'s two overlays, the detail pane (Enter) and the help screen (?), and what a row and
the pane both show of a line: its time column, its message, the level and time styles.

Apart from the main screen (screen.py) because an overlay is drawn once, whole, from one record,
while the main screen draws rows on demand and keeps the cursor, the filters and the reader.
Every server string here reaches the screen as Text passed through output/inert, never markup.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar, Protocol

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Static

from baseten_logs.base.levels import effective_level
from baseten_logs.base.timeparse import LOCAL, UTC, Zone, format_in_zone
from baseten_logs.base.timestamps import record_ms
from baseten_logs.output.inert import inert
from baseten_logs.output.palette import LEVEL_STYLES, TIMESTAMP_STYLE

__all__ = [
    "HELP",
    "LEVEL_STYLE",
    "TIME_STYLE",
    "DetailScreen",
    "Digging",
    "HelpScreen",
    "Record",
    "detail_text",
    "message_of",
    "pretty",
    "shown_zone",
    "time_column",
]

Record = Mapping[str, Any]

LEVEL_STYLE = {
    level: Style.parse(style) if style else Style() for level, style in LEVEL_STYLES.items()
}
TIME_STYLE = Style.parse(TIMESTAMP_STYLE)

HELP = """\
Keys
  up/down, j/k, PgUp/PgDn   move; moving up pauses following
  Home/g  End/G  f          the oldest line (then older ones, read), the newest (follow)
  Tab, left/right, Enter    along the strip (lines a minute) to a time; or click a bar
  Enter                     the line whole; there r: its request, a: the lines around
  d i w e                   show or hide DEBUG, INFO, WARNING, ERROR lines
  r  c                      pick the replicas (chainlets) whose lines show
  /  Esc                    search (RE2, as --grep): only the lines found; Esc clears
  n N                       the next / previous line found
  &                         show every line (matches highlighted) or only those found
  s                         save the lines loaded (JSON lines, as --save)
  q, Ctrl-C                 quit
  ?                         this help
"""


class Digging(Protocol):
    """The overlays the pane's keys open over it (browse/story.py: where they are made)."""

    def story(self, record: Record, *, utc: bool | Zone) -> Screen[None]: ...
    def around(self, record: Record, *, utc: bool | Zone) -> Screen[None]: ...


def message_of(record: Record) -> str:
    message = record.get("message")
    return message if isinstance(message, str) else "" if message is None else str(message)


def shown_zone(utc: bool | Zone) -> Zone:
    """The zone times are shown in: a Zone from `--tz`, or the older `--utc` switch."""
    return utc if isinstance(utc, Zone) else UTC if utc else LOCAL


def time_column(record: Record, *, utc: bool | Zone) -> str:
    ms = record_ms(record)
    if ms is None:
        return "?".ljust(12)
    return format_in_zone(ms, shown_zone(utc))[11:23]  # HH:MM:SS.mmm


class DetailScreen(ModalScreen[None]):
    """One line whole: its message (a traceback as it came, JSON pretty-printed) and fields."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,q", "dismiss", "Back"),
        Binding("r", "story", "Request story"),
        Binding("a", "around", "Lines around"),
    ]
    DEFAULT_CSS = """
    DetailScreen { align: center middle; }
    DetailScreen > VerticalScroll { width: 95%; height: 90%; border: round $accent; }
    """

    def __init__(self, record: Record, *, utc: bool | Zone, digging: Digging | None = None) -> None:
        super().__init__()
        self.record = record
        self.utc = utc
        self.digging = digging  # the line among those loaded, and the API (browse/story.py)

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(detail_text(self.record, utc=self.utc), id="detail", markup=False)
        yield Footer()

    def action_story(self) -> None:
        """Its request's story, over the pane (Esc comes back to it)."""
        if self.digging is not None:
            self.app.push_screen(self.digging.story(self.record, utc=self.utc))

    def action_around(self) -> None:
        """The lines around it on its replica, over the pane (Esc comes back to it)."""
        if self.digging is not None:
            self.app.push_screen(self.digging.around(self.record, utc=self.utc))


def detail_text(record: Record, *, utc: bool | Zone) -> Text:
    """The detail pane's text: a Text object (never markup), every server string inert."""
    message = message_of(record)
    text = Text()
    text.append(time_column(record, utc=utc) + "  ", TIME_STYLE)
    level = effective_level(record)
    text.append((level or "no level") + "\n\n", LEVEL_STYLE.get(level or "", Style()))
    text.append(inert(pretty(message), multiline=True) + "\n\n")
    for key, value in record.items():
        if key == "message":
            continue
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        text.append(f"{inert(str(key))}: ", Style(bold=True))
        text.append(inert(shown) + "\n")
    return text


def pretty(message: str) -> str:
    """A message that is a JSON object or array, indented; any other as it came."""
    stripped = message.strip()
    if stripped[:1] in ("{", "[") and len(stripped) <= 1_000_000:
        try:
            return json.dumps(json.loads(stripped), indent=2, ensure_ascii=False)
        except ValueError:
            pass
    return message


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,question_mark,q", "dismiss", "Back")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Static { width: auto; height: auto; border: round $accent; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        yield Static(HELP, markup=False)
