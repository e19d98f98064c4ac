"""`browse`'s view of the loaded lines: one row a line, drawn a row at a time, the cursor's
keys, and search matches highlighted.

A widget of its own so the app (screen.py) holds what the keys do and this holds how a line
looks: every server string reaches the screen as a plain Segment passed through output/inert,
never read as Textual or rich markup. A click or the wheel is handed to the app's callbacks, so
the widget never reaches up to the app.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from baseten_logs.base.levels import effective_level
from baseten_logs.base.timeparse import Zone
from baseten_logs.browse.chainlets import chainlet_column
from baseten_logs.browse.detail import LEVEL_STYLE, TIME_STYLE, Record, message_of, time_column
from baseten_logs.browse.lines import LoadedLines
from baseten_logs.output.inert import inert

_MATCH_STYLE = Style(reverse=True, bold=True)
_CURSOR_STYLE = Style(reverse=True)
# Every segment has a style, if a plain one: NO_COLOR's filter reads each segment's style.
_PLAIN = Style()
# Rows drawn, kept to be drawn again: a scroll or a level toggle mostly shows lines drawn
# before, and Textual asks for every row of the screen each time.
ROWS_KEPT = 512


def one_line(record: Record) -> str:
    """A message's first line, inert; how many more lines it has, noted."""
    first, _, rest = message_of(record).partition("\n")
    more = f"  [+{rest.count(chr(10)) + 1} lines]" if rest else ""
    return inert(first) + more


class LogView(ScrollView, can_focus=True):
    """The view's rows, drawn a row at a time (Textual's line API): a million lines cost no
    more to show than a screenful."""

    # The cursor's keys, here because a focused scroll view's own (scroll a row, a page, home,
    # end) would otherwise answer first; each moves the app's cursor, which pauses or follows.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "app.move(-1)", "Up", show=False),
        Binding("down,j", "app.move(1)", "Down", show=False),
        Binding("pageup", "app.page(-1)", "PgUp", show=False),
        Binding("pagedown", "app.page(1)", "PgDn", show=False),
        Binding("home,g", "app.top", "Top", show=False),
        Binding("end,G", "app.follow", "Follow", show=False),
    ]

    def __init__(
        self,
        lines: LoadedLines,
        *,
        utc: bool | Zone,
        on_click: Callable[[int], None] = lambda row: None,
        on_wheel_back: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__(id="lines")
        self.lines = lines
        self.utc = utc
        self._row_clicked = on_click  # the app's, so this widget never reaches up to it
        self._wheel_back = on_wheel_back
        self.cursor = 0
        self.spans: Callable[[str], list[tuple[int, int]]] | None = None
        self._drawn: dict[int, tuple[Record, Strip]] = {}  # position: its line, as drawn
        self._drawn_as: tuple[object, int, int] | None = None  # the spans, x and width then

    @property
    def rows(self) -> int:
        return len(self.lines.visible)

    def render_line(self, y: int) -> Strip:
        row = self.scroll_offset.y + y
        width = self.size.width
        if row >= self.rows:
            return Strip.blank(width, _PLAIN)
        strip = self._drawn_row(self.lines.visible[row], width)
        return strip.apply_style(_CURSOR_STYLE) if row == self.cursor else strip

    def _drawn_row(self, position: int, width: int) -> Strip:
        """The line at `position` as a row, drawn once for the same highlights, scroll and
        width (the line held there is compared too: positions start again after a clear)."""
        record, x = self.lines[position], self.scroll_offset.x
        drawn_as = (self.spans, x, width)
        if drawn_as != self._drawn_as or len(self._drawn) >= ROWS_KEPT:
            self._drawn.clear()
            self._drawn_as = drawn_as
        kept = self._drawn.get(position)
        if kept is not None and kept[0] is record:
            return kept[1]
        strip = Strip(self.segments(record)).crop_extend(x, x + width, _PLAIN)
        self._drawn[position] = (record, strip)
        return strip

    def segments(self, record: Record) -> list[Segment]:
        level = effective_level(record)
        replica = record.get("replica")
        replica_text = inert(replica if isinstance(replica, str) else "")[:5]
        message = one_line(record)
        out = [
            Segment(time_column(record, utc=self.utc) + " ", TIME_STYLE),
            Segment((level or "").ljust(8), LEVEL_STYLE.get(level or "", Style())),
            Segment(replica_text.ljust(6), _PLAIN),
            *chainlet_column(record),  # a chain's line: its chainlet (browse/chainlets.py)
        ]
        return out + _highlighted(message, self.spans)

    def on_click(self, event: events.Click) -> None:
        """A click puts the cursor on that line (pausing, unless it is the newest)."""
        self._row_clicked(self.scroll_offset.y + event.y)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        """Scrolling back with the wheel pauses, as moving up does: new lines must not pull
        the view down while it is read."""
        self._wheel_back()

    def on_resize(self, event: events.Resize) -> None:
        self.refresh_rows()

    def refresh_rows(self) -> None:
        size = Size(self.size.width, self.rows)
        if size != self.virtual_size:
            # As Textual sets it when no layout is asked for (Widget._size_updated): the rows
            # are this widget's own business, and a layout of the whole screen on every level
            # toggle cost more than the toggle. A scrollbar shown or hidden still lays out.
            self.set_reactive(LogView.virtual_size, size)
            self._scroll_update(size)
        self.cursor = min(self.cursor, max(0, self.rows - 1))
        self.refresh()

    def move_to(self, row: int) -> None:
        self.cursor = max(0, min(row, self.rows - 1))
        top, height = self.scroll_offset.y, max(1, self.size.height)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)
        self.refresh()

    @property
    def at_end(self) -> bool:
        return self.cursor >= self.rows - 1


def _highlighted(text: str, spans: Callable[[str], list[tuple[int, int]]] | None) -> list[Segment]:
    if spans is None:
        return [Segment(text, _PLAIN)]
    out: list[Segment] = []
    at = 0
    for start, end in spans(text):
        if start < at or end <= start:
            continue
        out += [Segment(text[at:start], _PLAIN), Segment(text[start:end], _MATCH_STYLE)]
        at = end
    out.append(Segment(text[at:], _PLAIN))
    return out
