"""Where a run's lines go: the screen's renderer, --save's JSON lines, the --summary/--fail-on
tally, written together as one sink.

Built by the command before the run and handed down to the pipeline (reading/run.py) as one
`SinkSet`: the pipeline writes pages to it and never reaches back up. Its writes wait out a
signal (interrupts.deferred), which lives with the commands, so the set is built here.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, cast

from baseten_logs.base.timeparse import Zone
from baseten_logs.cli import interrupts
from baseten_logs.output.layout import LayoutFlags
from baseten_logs.output.pipes import as_stream
from baseten_logs.output.render import OutputFormat, make_renderer
from baseten_logs.output.summary import Tally
from baseten_logs.output.terminal import ColorMode, is_terminal, screen_layout, use_color
from baseten_logs.reading.outcome import Extras


class Sink(Protocol):
    def write_page(self, records: Sequence[Mapping[str, Any]]) -> None: ...
    def close(self) -> None: ...


def screen_sink(
    output: str,
    color: str,
    zone: Zone | None,
    *,
    label_width: int = 0,
    layout: LayoutFlags | None = None,
    timestamps: bool = True,
) -> Sink:
    """The renderer for stdout: colour, terminal and layout decided once, as for every command
    (`label_width`: a chain's lines, with their chainlet's column; `zone`: the one chosen,
    None for local time unmarked)."""
    stream = sys.stdout
    return make_renderer(
        stream,
        output=cast(OutputFormat, output),
        color=use_color(cast(ColorMode, color), stream, os.environ),
        zone=zone,
        terminal=is_terminal(stream, os.environ),
        label_width=label_width,
        layout=screen_layout(layout, stream, os.environ),
        timestamps=timestamps,
    )


def extra_sinks(extras: Extras, zone: Zone | None = None) -> tuple[list[Sink], Tally | None]:
    """--save's JSON lines and the tally for --summary/--fail-on, as the extras ask for them."""
    sinks: list[Sink] = []
    if extras.save_file is not None:
        save_stream = as_stream(extras.save_file)
        sinks.append(make_renderer(save_stream, output="jsonl", color=False, utc=True))
    tally = Tally(zone) if extras.summary or extras.fail_on else None
    if tally is not None:
        sinks.append(tally)
    return sinks, tally


def write_all(sinks: Sequence[Sink], records: Sequence[Mapping[str, Any]], late: int = 0) -> None:
    """A page to every sink (the screen, --save, the --summary tally), whole: a signal meanwhile
    waits until all of them have it (see interrupts), so none shows a line cut short and they
    agree on what was shown. `late`: the first lines came after later ones (marked if a sink
    can)."""
    with interrupts.deferred():
        for sink in sinks:
            mark = getattr(sink, "write_late", None) if late else None
            if mark is None:
                sink.write_page(records)
            else:
                mark(records[:late])
                sink.write_page(records[late:])


def close_all(sinks: Sequence[Sink]) -> None:
    """Every sink closed (-o json's `]`, -o github's groups), a signal meanwhile waiting."""
    with interrupts.deferred():
        for sink in sinks:
            sink.close()


class SinkSet:
    """Every sink of a run as one (reading/run.Sinks): written and closed together."""

    def __init__(self, sinks: Sequence[Sink]) -> None:
        self.sinks = list(sinks)

    def write(self, records: Sequence[Mapping[str, Any]], late: int = 0) -> None:
        write_all(self.sinks, records, late)

    def close(self) -> None:
        close_all(self.sinks)


def run_sinks(
    output: str,
    color: str,
    zone: Zone | None,
    extras: Extras,
    *,
    label_width: int = 0,
    layout: LayoutFlags | None = None,
    timestamps: bool = True,
) -> tuple[SinkSet, Tally | None]:
    """The screen first, then --save and the tally; the tally is the run's outcome's too."""
    others, tally = extra_sinks(extras, zone)
    screen = screen_sink(
        output, color, zone, label_width=label_width, layout=layout, timestamps=timestamps
    )
    return SinkSet([screen, *others]), tally
