"""The output formats and the one door to them: `make_renderer` picks the renderer for `-o`.

Each format is a module of its own: aligned text, coloured or not (`render_text`, laid out by
`line_prefix`, fitted to the screen by `layout`), the user's own line (`render_template`), JSON
lines and a JSON array (`render_json`), raw messages (`render_raw`) and GitHub Actions workflow
commands (`render_github`). Every renderer
writes a page as one string and one `write()` (`page_writer`): per-page and per-style work is
done once, never per line (a rich `Console.print` per line, measured, costs 80-750x a plain
write, piped too; a 1000-line page through it is over half a second of CPU).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, Protocol, TextIO

from baseten_logs.base.timeparse import Zone
from baseten_logs.output.layout import Layout
from baseten_logs.output.palette import ColorSystemName
from baseten_logs.output.render_github import GithubRenderer
from baseten_logs.output.render_json import JsonArrayRenderer, JsonLinesRenderer
from baseten_logs.output.render_raw import RawRenderer
from baseten_logs.output.render_template import (
    DEFAULT_TEMPLATE,
    TemplateRenderer,
    parse_template,
)
from baseten_logs.output.render_text import TextRenderer

__all__ = ["OUTPUT_FORMATS", "OutputFormat", "Renderer", "make_renderer"]

OutputFormat = Literal["text", "jsonl", "json", "raw", "github", "template"]
OUTPUT_FORMATS: tuple[OutputFormat, ...] = ("text", "jsonl", "json", "raw", "github", "template")


class Renderer(Protocol):
    """Writes pages of records to one stream: one `write()` and one `flush()` per page."""

    def write_page(self, records: Sequence[Mapping[str, Any]]) -> None:
        """Write the records (a page from the API, or one record when following)."""

    def close(self) -> None:
        """Finish the output (the closing `]` of a JSON array); the stream itself stays open."""


def make_renderer(
    stream: TextIO,
    *,
    output: OutputFormat,
    color: bool,
    utc: bool = False,
    zone: Zone | None = None,
    color_system: ColorSystemName | None = None,
    terminal: bool = False,
    label_width: int = 0,
    layout: Layout | None = None,
    timestamps: bool = True,
) -> Renderer:
    """The renderer for `output`. `color` comes from `terminal.use_color` and only affects text.

    `label_width` > 0: lines carry a `chainlet` label (a chain's lines), shown by text output in
    a coloured column that wide; the JSON outputs show the field as it is.

    `layout` (text only): the prefix's form, the width lines are fitted to, --message-only;
    None: the layout of a pipe (full prefix, lines whole, messages verbatim).

    `color_system` pins the palette depth for replica colours beyond the eight standard ones;
    None asks rich to detect it from the environment (only once more than eight replicas show up).
    `zone`: the zone text output shows its times in, marked (None: local, unmarked; `utc`
    is `zone=UTC`).
    `terminal` (from `terminal.is_terminal`) says whether `-o raw` goes to a terminal, where its
    messages are made inert like every other format's; into a pipe they stay byte-exact.
    """
    if output == "text":
        return TextRenderer(
            stream,
            color=color,
            utc=utc,
            zone=zone,
            color_system=color_system,
            label_width=label_width,
            layout=layout,
            timestamps=timestamps,
        )
    if output == "template":
        template = layout.template if layout is not None else None
        return TemplateRenderer(
            stream, template or parse_template(DEFAULT_TEMPLATE), utc=utc, zone=zone
        )
    if output == "jsonl":
        return JsonLinesRenderer(stream)
    if output == "json":
        return JsonArrayRenderer(stream)
    if output == "raw":
        return RawRenderer(stream, terminal=terminal)
    if output == "github":
        # Always UTC: the Actions log viewer puts its own (UTC) time on every line.
        return GithubRenderer(stream, color=color, color_system=color_system)
    raise ValueError(f"unknown output format {output!r}; expected one of {OUTPUT_FORMATS}")
