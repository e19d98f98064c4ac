"""How a text line is laid out on the screen: the prefix's form, and a message fitted to the width.

A 60-column terminal left to wrap a line itself restarts it at column 0, under the time, and a
traceback's indentation is lost in the prefix's noise. So when the width is known (stdout is a
terminal) the renderer fits each message to it: wrapped under the message column, or cut with an
ellipsis (`--no-wrap`). Into a pipe a line stays whole: scripts read lines, not screens.

Everything here runs only for a line longer than the room it has (a length check per line, at C
speed, otherwise), so the fast path stays a string join.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "NARROW_COLUMNS",
    "PREFIX_FORMS",
    "Layout",
    "LayoutFlags",
    "PrefixForm",
    "Template",
    "cells",
    "choose_layout",
    "fit",
]

PrefixForm = Literal["full", "short", "none"]
PREFIX_FORMS: tuple[PrefixForm, ...] = ("full", "short", "none")
# Below this many columns the full prefix (39 columns) leaves a message too little room: the
# short one (21) is chosen unless --prefix says otherwise.
NARROW_COLUMNS = 80
# A message gets at least this much room, however wide the prefix: narrower, wrapping under the
# message column would make a ribbon of a few characters (the terminal wraps what is left over).
MIN_ROOM = 16
ELLIPSIS = "…"


@dataclass(frozen=True)
class Template:
    """A parsed `--template` (output/render_template.parse_template): literal text and (field
    name, padding) pairs, in order."""

    pieces: tuple[str | tuple[str, int], ...]
    source: str


@dataclass(frozen=True)
class Layout:
    """What a line looks like: the prefix's form, the width lines are fitted to (None: left
    whole, as into a pipe), wrapped or cut, whether messages are reshaped (message_only), and
    for `-o template` the user's template.

    The default is the layout of a pipe: full prefix, lines whole, messages verbatim."""

    prefix: PrefixForm = "full"
    width: int | None = None
    wrap: bool = True
    message_only: bool = False
    template: Template | None = None


@dataclass(frozen=True)
class LayoutFlags:
    """The layout as the flags asked for it, before the terminal is known: `prefix` None and
    `message_only` None are decided by it (choose_layout)."""

    prefix: PrefixForm | None = None
    no_wrap: bool = False
    message_only: bool | None = None
    template: Template | None = None


def choose_layout(flags: LayoutFlags | None, *, terminal: bool, width: int | None) -> Layout:
    """The layout for stdout: the flags as given, the rest decided by the terminal.

    `prefix` None: short on a terminal narrower than NARROW_COLUMNS, else full. `message_only`
    None: on for a terminal (a person reads it there), off into a pipe (a script reads the
    server's text as it came). `width` (None: unknown) counts only on a terminal: into a pipe
    lines stay whole."""
    flags = flags or LayoutFlags()
    narrow = terminal and width is not None and width < NARROW_COLUMNS
    return Layout(
        prefix=flags.prefix or ("short" if narrow else "full"),
        width=width if terminal else None,
        wrap=not flags.no_wrap,
        message_only=terminal if flags.message_only is None else flags.message_only,
        template=flags.template,
    )


def cells(text: str) -> int:
    """Columns `text` takes on a terminal: wide (East Asian) characters two, combining marks
    none. ASCII is answered by len() alone."""
    if text.isascii():
        return len(text)
    total = 0
    for character in text:
        if unicodedata.combining(character):
            continue
        total += 2 if unicodedata.east_asian_width(character) in ("W", "F") else 1
    return total


def _take(text: str, room: int) -> int:
    """How many characters of `text` fit in `room` columns (at least one, so a line always
    advances)."""
    if text.isascii():
        return max(1, min(room, len(text)))
    used = 0
    for index, character in enumerate(text):
        width = 0 if unicodedata.combining(character) else cells(character)
        if used + width > room:
            return max(1, index)
        used += width
    return len(text)


def fit(line: str, room: int, *, wrap: bool) -> list[str]:
    """One line (no newline in it) fitted to `room` columns: wrapped into several, or cut with an
    ellipsis. A wrap breaks at a space in the piece's second half when there is one (words stay
    whole, long tokens such as URLs are cut where they must be), and a wrapped line's pieces keep
    its own indentation (a traceback's `File ...` lines stay apart from its code lines)."""
    room = max(room, MIN_ROOM)
    if "\t" in line:
        line = line.expandtabs(8)
    if cells(line) <= room:
        return [line]
    if not wrap:
        return [line[: _take(line, room - 1)] + ELLIPSIS]
    hanging = line[: min(len(line) - len(line.lstrip(" ")), room // 2)]
    pieces: list[str] = []
    while cells(line) > room:
        end = _take(line, room)
        space = line.rfind(" ", max(len(hanging), end // 2), end + 1)
        if space > len(hanging):
            pieces.append(line[:space].rstrip(" "))
            line = hanging + line[space + 1 :]
        else:
            pieces.append(line[:end])
            line = hanging + line[end:]
    pieces.append(line)
    return pieces
