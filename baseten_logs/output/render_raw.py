"""`-o raw`: the message alone, for piping into tools that expect a program's own output."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TextIO

from baseten_logs.output.inert import inert
from baseten_logs.output.page_writer import PageWriter, as_text
from baseten_logs.output.render_event import is_event, plain_event_line


def _message(record: Mapping[str, Any]) -> str:
    """A line's message as text; a start-up (--events) as our own words about it."""
    return plain_event_line(record) if is_event(record) else as_text(record.get("message"))


class RawRenderer(PageWriter):
    """The message alone, one record per line (a message's own newlines are kept): unchanged
    into a pipe, with control characters made visible on a terminal (see inert.py)."""

    def __init__(self, stream: TextIO, *, terminal: bool = False) -> None:
        super().__init__(stream)
        self._terminal = terminal

    def write_page(self, records: Sequence[Mapping[str, Any]]) -> None:
        if not records:
            return
        try:
            text = "\n".join([record["message"] for record in records])
        except (KeyError, TypeError):  # a missing or non-string message: rare, so re-done slowly
            text = "\n".join([_message(record) for record in records])
        if self._terminal:
            text = inert(text, multiline=True)  # one C-speed scan of the page when clean
        self._emit(text + "\n")
