"""`browse`'s strip across the top: lines per minute over the loaded span, errors in red, one
bar a column; choosing a bar (a click, or Tab to the strip, arrows and Enter) puts the cursor on
the first line of its time.

The bucketing is the `stats` histogram's (output/time_axis: the smallest round bucket that fits
the span into the columns, aligned to round times in the display zone), never finer than a
minute: the strip adds up the per-minute counts LoadedLines keeps as lines come and go, so
drawing it costs the minutes loaded, not the lines. Colours follow NO_COLOR (Textual drops
them); the bars are characters of their own, so a narrow or colourless terminal still reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.widget import Widget

from baseten_logs.base.timeparse import Zone
from baseten_logs.browse.detail import shown_zone
from baseten_logs.browse.lines import MINUTE_MS, LoadedLines
from baseten_logs.output.time_axis import bucket_origin, choose_bucket_ms, utc_offset_ms

BLOCKS = " ▁▂▃▄▅▆▇█"
_ERROR_STYLE = Style(color="red", bold=True)
_BAR_STYLE = Style(color="cyan")
_CHOSEN_STYLE = Style(reverse=True)
JumpTo = Callable[[int], None]  # the view's cursor to a row (the app's move_cursor_to)


@dataclass(frozen=True)
class Bars:
    """The strip's numbers: bucket i spans [origin_ms + i * bucket_ms, + bucket_ms)."""

    origin_ms: int
    bucket_ms: int
    totals: list[int]
    errors: list[int]

    def start_of(self, bar: int) -> int:
        return self.origin_ms + bar * self.bucket_ms


def bars_of(lines: LoadedLines, columns: int, *, utc: bool | Zone) -> Bars | None:
    """The loaded lines per bucket, at most `columns` buckets (None: no line with a time)."""
    minutes = lines.per_minute
    if not minutes or columns < 1:
        return None
    first, last = min(minutes), max(minutes)
    span_ms = last + MINUTE_MS - first
    bucket_ms = max(MINUTE_MS, choose_bucket_ms(span_ms, columns))
    offset = utc_offset_ms(first, shown_zone(utc).tz)  # round times in the zone shown
    origin = bucket_origin(first, bucket_ms, offset)
    count = min(columns, (last - origin) // bucket_ms + 1)
    totals, errors = [0] * count, [0] * count
    for minute, lines_then in minutes.items():
        slot = min(count - 1, (minute - origin) // bucket_ms)
        totals[slot] += lines_then
        errors[slot] += lines.errors_per_minute.get(minute, 0)
    return Bars(origin, bucket_ms, totals, errors)


def drawn(bars: Bars, chosen: int | None) -> Text:
    """The bars as characters: height by lines (a line or more is never blank), red with an
    error among them, the chosen one reversed."""
    top = max(bars.totals) or 1
    text = Text(no_wrap=True, overflow="crop")
    for bar, (total, errors) in enumerate(zip(bars.totals, bars.errors, strict=True)):
        height = 0 if not total else max(1, round(total * (len(BLOCKS) - 1) / top))
        style = _ERROR_STYLE if errors else _BAR_STYLE
        if bar == chosen:
            style = style + _CHOSEN_STYLE
        text.append(BLOCKS[height], style)
    return text


class HistogramStrip(Widget, can_focus=True):
    """The strip (one row). Its keys, while it has the focus (Tab): arrows move along it,
    Enter jumps the view to the chosen bar's first line."""

    DEFAULT_CSS = """
    HistogramStrip { height: 1; }
    HistogramStrip:focus { background: $boost; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,h", "along(-1)", "Earlier", show=False),
        Binding("right,l", "along(1)", "Later", show=False),
        Binding("enter", "choose", "Jump"),
    ]

    def __init__(self, lines: LoadedLines, *, utc: bool | Zone, jump: JumpTo | None = None) -> None:
        super().__init__(id="strip")
        self.lines = lines
        self.utc = utc
        self.chosen: int | None = None
        self.jump = jump

    def bars(self) -> Bars | None:
        return bars_of(self.lines, self.size.width, utc=self.utc)

    def render(self) -> Text:
        bars = self.bars()
        if bars is None:
            return Text("")
        chosen = self.chosen if self.has_focus else None
        return drawn(bars, None if chosen is None else min(chosen, len(bars.totals) - 1))

    def on_click(self, event: events.Click) -> None:
        self.choose(event.x)

    def action_along(self, step: int) -> None:
        bars = self.bars()
        if bars is None:
            return
        last = len(bars.totals) - 1
        self.chosen = last if self.chosen is None else max(0, min(last, self.chosen + step))
        self.refresh()

    def action_choose(self) -> None:
        if self.chosen is not None:
            self.choose(self.chosen)

    def choose(self, bar: int) -> None:
        """The view's cursor on the first line kept at or after the bar's start."""
        bars = self.bars()
        if bars is None or not 0 <= bar < len(bars.totals) or self.jump is None:
            return
        self.chosen = bar
        self.jump(self.lines.row_at_time(bars.start_of(bar)))
        self.refresh()
        self.screen.focus_next("#lines")  # the view's keys again, on the line jumped to
