"""`browse`'s full-screen app (Textual): the loaded lines, following live, filtered as you type.

Every string a server sent reaches the screen as a plain Segment or Text passed through
output/inert: nothing here is ever read as Textual or rich markup. One line is one row (a
message's first line; the detail pane, Enter, shows it whole). The view follows the newest line
while the cursor is on the last row; moving up pauses it, and what arrives meanwhile is counted
in the status bar until End (or f) follows again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.timer import Timer
from textual.widgets import Footer, Input, Static

from baseten_logs.base.errors import BasetenLogsError
from baseten_logs.base.levels import LEVELS
from baseten_logs.base.timeparse import Zone
from baseten_logs.browse.detail import (
    DetailScreen,
    HelpScreen,
    Record,
)
from baseten_logs.browse.lines import LoadedLines, ViewFilter, next_row
from baseten_logs.browse.log_view import LogView
from baseten_logs.browse.older import (
    Older,
    add_newer,
    fill_hole,
    hole_of,
    refollow,
    scroll_back,
    status_of,
)
from baseten_logs.browse.picker import FIELDS, PickerScreen, seen
from baseten_logs.browse.saving import save_lines
from baseten_logs.browse.search_worker import Filtering
from baseten_logs.browse.server_filter import ServerAsk, ask_of
from baseten_logs.browse.story import Digging, Lookups
from baseten_logs.browse.strip import HistogramStrip
from baseten_logs.output.inert import inert

LEVEL_KEYS = {"d": "DEBUG", "i": "INFO", "w": "WARNING", "e": "ERROR"}
_MATCH_STYLE = Style(reverse=True, bold=True)
_CURSOR_STYLE = Style(reverse=True)
# Every segment has a style, if a plain one: NO_COLOR's filter reads each segment's style.
_PLAIN = Style()

SEARCH_PAUSE_S = 0.15


class BrowseApp(App[None]):
    """The browser. `start(app)` starts the reader once the screen is up; the reader hands
    pages over with `app.call_from_thread(app.add_lines, page)`."""

    TITLE = "baseten-logs browse"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
        Binding("question_mark", "help", "Help"),
        Binding("enter", "detail", "Detail"),
        Binding("slash", "search", "Search"),
        Binding("n", "next_match", "Next", show=False),
        Binding("N", "previous_match", "Prev", show=False),
        Binding("ampersand", "only_matches", "Only found", show=False),
        Binding("escape", "clear_search", "Clear", show=False),
        *(
            Binding(key, f"level('{level}')", level.title(), show=False)
            for key, level in LEVEL_KEYS.items()
        ),
        Binding("r", "pick('replica')", "Replicas"),
        Binding("c", "pick('chainlet')", "Chainlets", show=False),
        Binding("s", "save", "Save"),
        Binding("f", "follow", "Follow"),
    ]
    DEFAULT_CSS = """
    #lines { height: 1fr; }
    #prompt { display: none; }
    #hole { display: none; height: 1; background: $warning 30%; }
    #status { height: 1; background: $panel; }
    """

    def __init__(
        self,
        *,
        title: str,
        lines: LoadedLines,
        utc: bool | Zone = False,
        save_name: str = "baseten-logs.jsonl",
        start: Callable[[BrowseApp], Callable[[], None]] | None = None,
        view_filter: ViewFilter | None = None,
    ) -> None:
        super().__init__()
        self.lines = lines
        self.utc = utc
        self.save_name = save_name
        self.view_filter = view_filter or ViewFilter()  # --level and --grep: where it starts
        self.following = True
        self.new_while_paused = 0
        self.note = ""  # the last word from the reader or an action
        self.failure: BasetenLogsError | None = None
        self._start = start
        self._stop: Callable[[], None] | None = None
        self._prompting: str | None = None  # "search" or "save" while the prompt is open
        self._typing: Timer | None = None  # the search waiting for typing to pause
        self.title_text = inert(title)  # what is browsed, first in the status bar
        self.view = LogView(
            lines, utc=utc, on_click=self.move_cursor_to, on_wheel_back=self._wheel_back
        )
        self.strip = HistogramStrip(lines, utc=utc, jump=self.move_cursor_to)
        self.older: Older | None = None  # reading back past the oldest line (set by session)
        self.prompt = Input(id="prompt")
        self.status_bar = Static("", id="status", markup=False)
        # Above the lines: the edge of lines read with a narrower filter (browse/server_filter).
        self.hole_marker = Static("", id="hole", markup=False)
        self.filtering = Filtering(self, lines, self.view, self.view_filter, spans_of)
        self.lookups: Lookups | None = None  # the API, for a line's request and replica

    # --- layout --------------------------------------------------------------------------
    # Top to bottom: the lines, the prompt (while open), the status bar, then the footer (the
    # one docked widget: two docked at the bottom would cover each other).
    # The widgets are held, not queried for each page that comes (many a second when busy).
    def compose(self) -> ComposeResult:
        yield self.strip
        yield self.hole_marker
        yield self.view
        yield self.prompt
        yield self.status_bar
        yield Footer()

    def on_mount(self) -> None:
        self.view.focus()
        if self.view_filter != ViewFilter():
            self.refilter()
        self.view.refresh_rows()
        self.view.move_to(self.view.rows - 1)  # lines given before the screen was up: the newest
        self.show_status()
        # Textual redirects stdout and stderr while it runs; their lines come here.
        self.begin_capture_print(self, stdout=True, stderr=True)
        self.start_reading()

    def on_print(self, event: events.Print) -> None:
        """What the pipeline says on stderr (the follower's heartbeat, a reconnection, a
        warning), caught while the app runs, shown in the status bar instead."""
        said = status_words(event.text)
        if said:
            self.tell(said)

    def on_unmount(self) -> None:
        self.stop_reading()

    def start_reading(self) -> None:
        self._stop = self._start(self) if self._start is not None else None

    def stop_reading(self) -> None:
        if self._stop is not None:
            self._stop()
            self._stop = None

    # --- from the reader -----------------------------------------------------------------
    def add_lines(self, records: list[Record]) -> None:
        """A page from the reader: kept lines appended; the view follows or counts them."""
        view = self.view
        paused_on = None if self.following or not view.rows else self.lines.visible[view.cursor]
        rows_before, top = view.rows, view.scroll_offset.y
        kept = add_newer(self, records)  # past the cap, the lines furthest from the cursor go
        view.refresh_rows()
        self.strip.refresh()
        if self.following:
            view.move_to(view.rows - 1)
        else:
            self.new_while_paused += kept
        if paused_on is not None:
            # Paused: the cursor stays on its line, and the screen with it, while the oldest
            # lines go past the cap (rows taken off the top).
            gone = rows_before + kept - view.rows
            view.cursor = self.lines.row_of(paused_on)
            view.scroll_to(y=max(0, top - gone), animate=False)
        self.show_status()

    def tell(self, text: str) -> None:
        self.note = inert(text)
        self.show_status()

    def reader_failed(self, error: BasetenLogsError) -> None:
        """Before any line, a failure ends the browser (the command says it and exits with its
        status); later, the lines stay and the status bar says why no more come."""
        if not len(self.lines) and not self.lines.dropped:
            self.failure = error
            self.exit()
        else:
            self.tell(f"stopped reading: {error}")

    # --- status --------------------------------------------------------------------------
    def show_status(self) -> None:
        parts = [self.title_text, f"{len(self.lines.visible)}/{len(self.lines)} lines"]
        if self.following:
            if not self.note.startswith("following"):  # the follower's heartbeat says it
                parts.append("following")
        else:
            parts.append(f"paused, {self.new_while_paused} new (End follows)")
        hidden = [level for level in LEVELS if level not in self.view_filter.levels.shown]
        if hidden:
            parts.append("hiding " + ",".join(hidden))
        if self.view_filter.search:
            mode = "only found" if self.view_filter.only_matches else "highlighted"
            parts.append(f"/{inert(self.view_filter.search)} ({mode})")
        parts += self.filtering.picks.active()
        if self.filtering.busy:
            searching = self.filtering.searching
            parts.append(f"searching /{inert(searching)}" if searching else "filtering")
        if self.lines.dropped:
            parts.append(f"{self.lines.dropped} oldest dropped (cap {self.lines.max_lines})")
        parts += status_of(self)
        if self.note:
            parts.append(self.note)
        self.status_bar.update(Text(" | ".join(parts)), layout=False)  # one row, whatever it says
        hole = hole_of(self)
        self.hole_marker.display = hole is not None
        if hole is not None:
            self.hole_marker.update(Text(hole.words()))

    def asked(self) -> ServerAsk:
        """What a look back asks the API: the view's filter, a search once kept (Enter)."""
        kept = self._prompting != "search"
        return ask_of(self.view_filter, self.filtering.picks, kept_search=kept)

    def showing(self) -> ServerAsk:
        """The same of the view's filter as it is now, a search being typed too: lines read
        with an ask that does not cover it are a hole (the marker)."""
        return ask_of(self.view_filter, self.filtering.picks)

    # --- moving --------------------------------------------------------------------------
    def _moved(self) -> None:
        view = self.view
        scroll_back(self)
        if view.at_end and not self.following and not self.lines.dropped_newest:
            self.action_follow()
        elif not view.at_end and self.following:
            self.following = False
            self.new_while_paused = 0
        self.show_status()

    def _wheel_back(self) -> None:
        """The wheel scrolling up pauses, as moving up does (new lines must not pull the view
        down while it is read), and at the top reads older lines."""
        self.pause()
        scroll_back(self, wheel=True)

    def move_cursor_to(self, row: int) -> None:
        self.view.move_to(row)
        self._moved()

    def pause(self) -> None:
        if self.following:
            self.following = False
            self.new_while_paused = 0
            self.show_status()

    def action_move(self, step: int) -> None:
        self.view.move_to(self.view.cursor + step)
        self._moved()

    def action_page(self, step: int) -> None:
        self.view.move_to(self.view.cursor + step * max(1, self.view.size.height - 1))
        self._moved()

    def action_top(self) -> None:
        if fill_hole(self):  # the marker shown: g reads the lines before its edge anew
            return
        self.view.move_to(0)
        self._moved()

    def action_follow(self) -> None:
        refollow(self)
        self.following = True
        self.new_while_paused = 0
        self.view.move_to(self.view.rows - 1)
        self.show_status()

    # --- filters -------------------------------------------------------------------------
    def action_level(self, level: str) -> None:
        self.view_filter.levels.toggle(level)
        self.refilter()

    def refilter(self) -> bool:
        """The filter applied anew (browse/search_worker; False: the search is not a pattern,
        and was said); the cursor stays on its line, or on the newest while following."""
        return self.filtering.refilter()

    def action_pick(self, field: str) -> None:
        """The replica (or chainlet) picker over the names seen in the lines loaded."""
        names = seen(self.lines.records(), field)
        if not names:
            self.tell(f"no {FIELDS[field]} named in the lines loaded")
            return
        chosen = getattr(self.filtering.picks, field)
        self.push_screen(PickerScreen(field, names, chosen, partial(self.filtering.pick, field)))

    def action_search(self) -> None:
        self._prompt("search", self.view_filter.search, "search (RE2, as --grep); Enter keeps it")

    def action_clear_search(self) -> None:
        if self._prompting is not None:
            self._close_prompt()
            return
        if self.view_filter.search:
            self.view_filter.search = ""
            self.refilter()

    def action_only_matches(self) -> None:
        self.view_filter.only_matches = not self.view_filter.only_matches
        self.refilter()

    def action_next_match(self) -> None:
        self._jump(1)

    def action_previous_match(self) -> None:
        self._jump(-1)

    def _jump(self, step: int) -> None:
        finds = self.filtering.finds
        if finds is None:
            return
        view = self.view
        visible = self.lines.visible
        row = next_row(visible, view.cursor, lambda p: finds(self.lines[p]), step)
        view.move_to(row)
        self._moved()

    # --- the prompt (search, save) -------------------------------------------------------
    def _prompt(self, purpose: str, value: str, placeholder: str) -> None:
        prompt = self.prompt
        self._prompting = purpose
        prompt.placeholder = placeholder
        prompt.value = value
        prompt.display = True
        prompt.focus()

    def _close_prompt(self) -> None:
        prompt = self.prompt
        prompt.display = False
        self._prompting = None
        self.view.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        """Filters as you type, once typing pauses: a regular expression over 100,000 lines
        takes a good part of a second, which each keystroke must not wait for."""
        if self._prompting == "search":
            if self._typing is not None:
                self._typing.stop()
            self._typing = self.set_timer(SEARCH_PAUSE_S, lambda: self._search_for(event.value))

    def _search_for(self, pattern: str) -> None:
        self._typing = None
        before = self.view_filter.search
        if pattern != before:
            self.view_filter.search = pattern
            if not self.refilter():  # a pattern RE2 refuses: said, and the last one kept
                self.view_filter.search = before

    def on_input_submitted(self, event: Input.Submitted) -> None:
        purpose = self._prompting
        self._close_prompt()
        if purpose == "search":  # Enter: at once, without waiting for the pause
            if self._typing is not None:
                self._typing.stop()
            self._search_for(event.value)
        elif purpose == "save":
            self.save_to(event.value)

    # --- detail, save, help --------------------------------------------------------------
    def action_detail(self) -> None:
        if self.lines.visible:
            record = self.lines[self.lines.visible[self.view.cursor]]
            position = self.lines.visible[self.view.cursor]
            digging = Digging(self.lines, position, self.lookups)
            self.push_screen(DetailScreen(record, utc=self.utc, digging=digging))

    def action_save(self) -> None:
        self._prompt("save", self.save_name, "save the lines loaded to (JSON lines)")

    def save_to(self, path: str) -> None:
        if not path.strip():
            return
        try:
            count = save_lines(path, self.lines.records())
        except BasetenLogsError as error:
            self.tell(str(error))
            return
        self.tell(f"saved {count} lines to {path}")

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        self.stop_reading()
        self.exit()


# What our own status lines add around their words (output/messages.StatusLine): a carriage
# return, erase-line and dim. Server text in them was made inert before it was written.
_OWN_CONTROLS = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_PROGRAM = "baseten-logs: "


def status_words(text: str) -> str:
    """The last thing `text` (a stderr write) says, as one line for the status bar ("" for a
    status line being erased)."""
    plain = _OWN_CONTROLS.sub("", text)
    pieces = [piece.strip() for piece in re.split(r"[\r\n]", plain)]
    said = next((piece for piece in reversed(pieces) if piece), "")
    return inert(said.removeprefix(_PROGRAM))


def spans_of(pattern: str) -> Callable[[str], list[tuple[int, int]]]:
    """Where `pattern` (RE2, as --grep) is found in a shown text, to highlight it."""
    from baseten_logs.browse.lines import finder

    return finder(pattern)
