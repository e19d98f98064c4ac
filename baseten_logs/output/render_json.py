"""The JSON outputs: one object per line (`-o jsonl`) or one array (`-o json`).

Every field goes out as the API sent it, in the order it sent them, plus `shown_level`, so that
`jq` selects what `--level`, `--fail-on` and `stats` count. The encoder is a fast path for
records of strings and nulls (what the API sends), byte-identical to `json.dumps`, because
JSON lines are what scripts and `--save` read at full speed.

Always valid JSON: a number the server sent too big for a float (`1e400`, parsed as infinity)
or the `NaN`/`Infinity` Python's parser also accepts would come out as `Infinity`/`NaN`, which
JSON has no words for and `jq` rejects. Such a number is written as `null`, as JavaScript's
JSON.stringify does: the field stays a number-or-null for scripts (a string `"1e400"` would
compare above every number in `jq`, and `-1e400` with it), and one odd value never costs the
line. `json_text` is that encoder for any document (audit events, listings).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping, Sequence
from json.encoder import encode_basestring_ascii
from typing import Any, TextIO

from baseten_logs.base.levels import LEVELS, effective_level
from baseten_logs.output.page_writer import PageWriter, write_whole
from baseten_logs.output.render_event import EVENT_FIELD

# Compact separators: smaller output and faster for jq. ensure_ascii (the default) keeps the output
# valid whatever the stream's encoding. allow_nan=False: see json_text.
_JSON_ENCODER = json.JSONEncoder(separators=(",", ":"), allow_nan=False)
_KEY_PREFIXES: dict[str, str] = {}  # '"message":' per key: records share a handful of keys
_MAX_CACHED_KEYS = 1024


# The one field the JSON outputs add to every line: the level the text output shows (the API's
# `level`, else the one its text shows, see levels.effective_level), so that `jq` selects what
# `--level`, `--fail-on` and `stats` count. The API's `level` stays as it was sent (often null).
SHOWN_LEVEL_FIELD = "shown_level"
_SHOWN_LEVEL_PARTS: dict[str | None, str] = {
    level: f'"{SHOWN_LEVEL_FIELD}":' + ("null" if level is None else f'"{level}"')
    for level in (None, *LEVELS)
}
_API_LEVEL_PARTS = {level: part for level, part in _SHOWN_LEVEL_PARTS.items() if level}


def json_text(value: Any) -> str:
    """`value` as compact JSON, exactly `json.dumps(value, separators=(",", ":"))` unless it
    holds a non-finite float (infinity, NaN): each of those is written as `null`, so the text
    is always valid JSON (see the module's docstring). Only such a value pays for the copy."""
    try:
        return _JSON_ENCODER.encode(value)
    except ValueError:
        return _JSON_ENCODER.encode(_finite(value))


def _finite(value: Any) -> Any:
    """A copy of parsed JSON with every non-finite float made None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def encode_record(record: Mapping[str, Any]) -> str:
    """One record as compact JSON, exactly what `json_text` writes."""
    return _encode_records([record])[0]


def _encode_records(
    records: Sequence[Mapping[str, Any]], *, shown_level: bool = False
) -> list[str]:
    """Each record as compact JSON, identical to `json_text(record)`;
    with `shown_level`, as if SHOWN_LEVEL_FIELD were set last (replacing one the record has,
    as in a saved file read back: its value is worked out afresh).

    json.dumps manages ~220k records/s; API records hold only strings and nulls, which the C
    string encoder handles at well over twice that. Any other value (a number, a nested object
    in an extra field) sends just that record through `json_text`. The shown level of
    a line the API gave a level costs two dict look-ups; only the others are detected.
    """
    encode = encode_basestring_ascii
    keys = _KEY_PREFIXES
    api_levels = _API_LEVEL_PARTS
    out: list[str] = []
    append = out.append
    for record in records:
        if shown_level and SHOWN_LEVEL_FIELD in record:
            record = {k: v for k, v in record.items() if k != SHOWN_LEVEL_FIELD}
        parts: list[str] = []
        add = parts.append
        for key, value in record.items():
            prefix = keys.get(key)
            if prefix is None:
                if key.__class__ is not str:
                    break  # json.dumps turns int/float/bool/None keys into strings: let it
                prefix = encode(key) + ":"
                if len(keys) < _MAX_CACHED_KEYS:
                    keys[key] = prefix
            if value.__class__ is str:
                add(prefix + encode(value))
            elif value is None:
                add(prefix + "null")
            else:
                break
        else:
            if shown_level:
                level = record.get("level")
                part = api_levels.get(level) if level.__class__ is str else None
                add(part or _SHOWN_LEVEL_PARTS[effective_level(record)])
            append("{" + ",".join(parts) + "}")
            continue
        if shown_level and EVENT_FIELD not in record:  # an event (a dict: never the fast path)
            record = {**record, SHOWN_LEVEL_FIELD: effective_level(record)}
        append(json_text(record))
    return out


# Records encoded at a time by the JSON renderers (a quarter page): a page of big lines (1000 of
# 20 KB) is not held a second and third time as text (its lines, then joined) while it is
# written; fewer at a time cost speed (64: a fifth slower), more cost memory.
ENCODE_BATCH = 256


def _batches(records: Sequence[Mapping[str, Any]]) -> Iterator[list[str]]:
    for start in range(0, len(records), ENCODE_BATCH):
        yield _encode_records(records[start : start + ENCODE_BATCH], shown_level=True)


class JsonLinesRenderer(PageWriter):
    """One JSON object per line, every field as the API sent it, in the order it sent them,
    and `shown_level` last."""

    def write_page(self, records: Sequence[Mapping[str, Any]]) -> None:
        if not records:
            return
        for batch in _batches(records):
            write_whole(self._stream, "\n".join(batch) + "\n")
        self._stream.flush()


class JsonArrayRenderer(PageWriter):
    """One JSON array, one object per line, streamed page by page; `[]` when there is nothing."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        self._opened = False
        self._closed = False

    def write_page(self, records: Sequence[Mapping[str, Any]]) -> None:
        if not records:
            return
        for batch in _batches(records):
            lead = ",\n" if self._opened else "[\n"
            self._opened = True
            write_whole(self._stream, lead + ",\n".join(batch))
        self._stream.flush()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._emit("\n]\n" if self._opened else "[]\n")
