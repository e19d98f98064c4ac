"""`s` in `browse`: the lines loaded, saved as `--save` saves them (output/pipes.SaveFile: a
temporary file renamed over FILE, so a reader never sees half of it; the JSON lines renderer,
with `shown_level` and UTC, so `view FILE` reads it back as it reads a --save)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from baseten_logs.output.pipes import as_stream, open_save_file
from baseten_logs.output.render import make_renderer


def save_lines(path: str, records: Sequence[Mapping[str, Any]]) -> int:
    """Write `records` to `path` whole, atomically; how many. Raises OutputError (a
    BasetenLogsError naming the path) when the file cannot be written."""
    save = open_save_file(path)
    try:
        renderer = make_renderer(as_stream(save), output="jsonl", color=False, utc=True)
        renderer.write_page(records)
        renderer.close()
    except BaseException:
        save.finish(complete=False)
        raise
    save.finish(complete=True)
    return len(records)
