"""The colours of text output, and the ANSI codes for them.

Red and yellow belong to levels; replicas (and a chain's chainlets) each get a colour no other
one in the view has, stable from run to run. rich owns the styles: every code written is what
rich renders for the same style, asked once per style (a rich call per line costs 80-750x a
plain write). rich is imported only inside these methods, only when colour is on, so piped
output never pays for importing it; this is why this module is in ruff's TID251 exceptions.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, Literal, TextIO

if TYPE_CHECKING:
    from rich.color import ColorSystem

ColorSystemName = Literal["standard", "256", "truecolor"]

# Level colours: red and yellow are kept for what needs attention, and INFO, most lines, stays plain
# so those stand out (it also leaves green free for replicas).
LEVEL_STYLES: dict[str, str] = {
    "DEBUG": "dim",
    "INFO": "",
    "WARNING": "yellow",
    "ERROR": "bold red",
}
TIMESTAMP_STYLE = "dim"
LATE_STYLE = "yellow"
FIELDS_STYLE = "dim"  # a JSON log's other fields, after its message (--message-only)
EVENT_STYLE = "bold"  # --events' start-ups: no level's or replica's colour, they stand apart
# Replica colours: the standard colours that read well on dark and light backgrounds and are not
# level colours, so every terminal shows them alike (their codes are the same in every colour
# system). Blue is last: it is the hardest to read on black.
REPLICA_STANDARD_PALETTE: tuple[str, ...] = (
    "cyan",
    "magenta",
    "green",
    "bright_blue",
    "bright_cyan",
    "bright_magenta",
    "bright_green",
    "blue",
)
# More replicas than that: 256-colour slots of medium lightness, with reds, oranges and yellows
# left out so that no replica looks like a level; then every other cube colour, so colours only
# repeat beyond ~200 replicas in one view.
_CURATED_256 = (
    33, 37, 41, 63, 69, 73, 75, 79, 98, 99, 105, 109, 111, 114, 115, 135, 140, 141,
    147, 151, 170, 171, 176, 177, 183, 207, 213, 38, 44, 35, 36, 42, 48, 72, 78, 80,
    81, 86, 104, 110, 116, 117, 120, 122, 128, 134, 139, 146, 152, 159, 165, 182,
)  # fmt: skip
REPLICA_EXTENDED_PALETTE: tuple[str, ...] = tuple(
    f"color({index})"
    for index in (*_CURATED_256, *(i for i in range(16, 232) if i not in _CURATED_256))
)

# On a 16-colour terminal the 256-colour slots would fall back onto the eight colours above, so
# replicas nine to sixteen get those colours underlined instead; past sixteen, looks repeat and
# the replica id (always printed) is what tells them apart.
REPLICA_UNDERLINED_PALETTE: tuple[str, ...] = tuple(
    f"underline {color}" for color in REPLICA_STANDARD_PALETTE
)


class Palette:
    """Styles as (before, after) ANSI codes, cached; and a colour per replica, kept apart.

    `color` False: every style is ("", ""). `color_system` pins the depth of the colours past
    the eight standard ones; None asks rich to detect it from the environment of `stream` (only
    once more than eight replicas show up)."""

    def __init__(
        self, stream: TextIO, *, color: bool, color_system: ColorSystemName | None = None
    ) -> None:
        self.color = color
        self._stream = stream
        self._color_system_name = color_system
        self._style_cache: dict[str, tuple[str, str]] = {}
        self._taken_slots: set[int] = set()
        self._detected: ColorSystem | None = None  # the terminal's, asked once past 8 replicas

    def style(self, definition: str, *, extended: bool = False) -> tuple[str, str]:
        """The ANSI codes rich writes before and after text in this style ("" without colour)."""
        if not self.color or not definition:
            return "", ""
        cached = self._style_cache.get(definition)
        if cached is None:
            from rich.color import ColorSystem
            from rich.style import Style

            # Level, timestamp and the first eight replica colours are standard colours, whose
            # codes are the same in every colour system, so only the 256-colour slots need to know
            # what the terminal can show.
            system = self._detect_color_system() if extended else ColorSystem.STANDARD
            # A sentinel in place of the text: what surrounds it is exactly rich's rendering.
            rendered = Style.parse(definition).render("\x00", color_system=system)
            on, _, off = rendered.partition("\x00")
            cached = self._style_cache[definition] = (on, off)
        return cached

    def _detect_color_system(self) -> ColorSystem:
        from rich.color import ColorSystem

        name: str | None = self._color_system_name
        if name is None and self._detected is not None:
            return self._detected
        if name is None:
            # Only needed past eight replicas, so rich's console module is imported only then.
            from rich.console import Console

            name = Console(file=self._stream, force_terminal=True).color_system
        systems = {
            "standard": ColorSystem.STANDARD,
            "256": ColorSystem.EIGHT_BIT,
            "truecolor": ColorSystem.TRUECOLOR,
            "windows": ColorSystem.WINDOWS,
        }
        # None means rich thinks the terminal shows no colour at all (TERM=dumb with --color
        # always): standard colours are the safe choice, rich maps 256-colour slots onto them.
        self._detected = systems.get(name or "standard", ColorSystem.STANDARD)
        return self._detected

    def replica_style(self, replica: str) -> tuple[str, str]:
        """The codes of a colour no other replica in this view has, while there are any."""
        # A stable hash (not hash(), which changes per process) so a replica keeps its colour from
        # one run to the next unless another replica already holds that colour in this view.
        digest = zlib.crc32(replica.encode("utf-8", "surrogatepass"))
        standard = len(REPLICA_STANDARD_PALETTE)
        for offset in range(standard):
            slot = (digest + offset) % standard
            if slot not in self._taken_slots:
                self._taken_slots.add(slot)
                return self.style(REPLICA_STANDARD_PALETTE[slot])
        from rich.color import ColorSystem

        palette = REPLICA_EXTENDED_PALETTE
        if self._detect_color_system() in (ColorSystem.STANDARD, ColorSystem.WINDOWS):
            palette = REPLICA_UNDERLINED_PALETTE  # the same colours: another look, not another hue
        extended = len(palette)
        for offset in range(extended):
            slot = (digest + offset) % extended
            if standard + slot not in self._taken_slots:
                self._taken_slots.add(standard + slot)
                return self.style(palette[slot], extended=True)
        # More replicas than colours: sharing cannot be avoided, so keep the preferred one.
        return self.style(REPLICA_STANDARD_PALETTE[digest % standard])
