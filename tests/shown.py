"""What the JSON outputs write for a record: every field as it came, then `shown_level`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from baseten_logs.base.levels import effective_level


def as_written(record: Mapping[str, Any]) -> dict[str, Any]:
    """`record` as -o jsonl / -o json / --save write it: the level the text output shows added
    last (the API's own fields, `level` included, unchanged)."""
    fields = {key: value for key, value in record.items() if key != "shown_level"}
    return {**fields, "shown_level": effective_level(record)}


def all_written(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [as_written(record) for record in records]


def api_fields(line: Mapping[str, Any]) -> dict[str, Any]:
    """A line of JSON output without its `shown_level`, once that is checked to be there and to
    be the level the text output shows: what is left is what the API sent."""
    assert "shown_level" in line, line
    fields = {key: value for key, value in line.items() if key != "shown_level"}
    assert line["shown_level"] == effective_level(fields), line
    return fields
