"""`-o template --template '{time} {replica} {message}'`: a line of the user's own design.

The format language is tiny on purpose, and parsed here rather than handed to `str.format`:
`str.format` reads `{0.__class__}` and `{x[key]}`, attribute access and indexing into whatever
the record holds, which is code a template must not run. Here a template is literal text and
`{name}` fields, optionally padded (`{level:7}`), `{{` and `}}` for braces; a name is one of
FIELDS, checked before any request is sent. It is compiled once into literal pieces and field
look-ups, so a line costs one join.

Every value is a server's text on its way to a terminal, so each goes through output/inert: a
one-line field stays one line, a message keeps its own newlines and tabs, nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TextIO

from baseten_logs.base.levels import effective_level
from baseten_logs.base.timeparse import Zone
from baseten_logs.base.timestamps import timestamp_ns
from baseten_logs.output.inert import inert
from baseten_logs.output.layout import Template
from baseten_logs.output.line_prefix import LinePrefix, cut
from baseten_logs.output.page_writer import PageWriter, as_text
from baseten_logs.output.palette import Palette
from baseten_logs.output.render_event import EVENT_FIELD, plain_event_line
from baseten_logs.output.render_text import SGR

__all__ = [
    "DEFAULT_TEMPLATE",
    "FIELDS",
    "Template",
    "TemplateError",
    "TemplateRenderer",
    "parse_template",
]

# What a template may name: the record's fields as the API sends them, and what we show of them.
FIELDS: dict[str, str] = {
    "time": "the time as text output shows it (date, milliseconds, Z in UTC)",
    "level": "the level shown (the API's, or the one the message announces)",
    "replica": "the replica's short id",
    "message": "the message, its own newlines kept",
    "request_id": "the inference request id",
    "timestamp": "the record's time as it came (epoch nanoseconds)",
    "chainlet": "a chain's chainlet",
}
# `-o template` without --template: text output's columns, uncoloured, as a starting point.
DEFAULT_TEMPLATE = "{time} {level:7} {replica:5}  {message}"
# Padding wider than a screen is a typo, not a layout.
MAX_PAD = 200
_FIELD = re.compile(r"\{([^{}:]*)(?::([^{}]*))?\}")
_NAME = re.compile(r"[a-z_]+")


class TemplateError(ValueError):
    """A template that cannot be used: what is wrong, in words for a one-line error."""


def parse_template(text: str) -> Template:
    """`text` checked and split into literal pieces and fields; TemplateError if it names an
    unknown field, pads oddly or leaves a brace unmatched."""
    pieces: list[str | tuple[str, int]] = []
    literal: list[str] = []
    index = 0
    while index < len(text):
        character = text[index]
        if text.startswith(("{{", "}}"), index):
            literal.append(character)
            index += 2
            continue
        if character == "}":
            raise TemplateError(f"a lone '}}' at character {index + 1}; write '}}}}' for a brace")
        if character != "{":
            literal.append(character)
            index += 1
            continue
        match = _FIELD.match(text, index)
        if match is None:
            raise TemplateError(f"a '{{' at character {index + 1} is not closed; '{{{{' is a brace")
        if literal:
            pieces.append("".join(literal))
            literal = []
        pieces.append(_field(match.group(1), match.group(2)))
        index = match.end()
    if literal:
        pieces.append("".join(literal))
    if not any(isinstance(piece, tuple) for piece in pieces):
        raise TemplateError("names no field; e.g. '{time} {replica} {message}'")
    return Template(tuple(pieces), text)


def _field(name: str, spec: str | None) -> tuple[str, int]:
    """One `{name}` or `{name:N}`, checked: a known name, a padding of plain digits."""
    name = name.strip()
    if not _NAME.fullmatch(name) or name not in FIELDS:
        shown = inert(name[:40])
        raise TemplateError(f"unknown field {{{shown}}}; known: {', '.join(FIELDS)}")
    if spec is None or spec == "":
        return name, 0
    if not spec.isdigit() or int(spec) > MAX_PAD:
        raise TemplateError(
            f"{{{name}:{inert(spec[:20])}}}: only a width is allowed after ':', 0 to {MAX_PAD}"
        )
    return name, int(spec)


class TemplateRenderer(PageWriter):
    """A line per record, laid out by the user's template; never coloured (the template is the
    user's own line, to read or to feed a tool)."""

    def __init__(
        self, stream: TextIO, template: Template, *, utc: bool = False, zone: Zone | None = None
    ) -> None:
        super().__init__(stream)
        # {time} as text output shows it: in the zone chosen, with its marker.
        self._prefix = LinePrefix(Palette(stream, color=False), utc=utc, zone=zone)
        self._last_second: str | None = None
        self._second = ""
        getters: dict[str, Callable[[Mapping[str, Any]], str]] = {
            "time": self._time,
            "level": lambda record: effective_level(record) or "",
            "replica": lambda record: _one_line(record.get("replica")),
            "message": _message,
            "request_id": lambda record: _one_line(record.get("request_id")),
            "timestamp": lambda record: _one_line(record.get("timestamp")),
            "chainlet": lambda record: _one_line(record.get("chainlet")),
        }
        self._parts: list[str | tuple[Callable[[Mapping[str, Any]], str], int]] = [
            piece if isinstance(piece, str) else (getters[piece[0]], piece[1])
            for piece in template.pieces
        ]

    def write_page(self, records: Sequence[Mapping[str, Any]]) -> None:
        lines: list[str] = []
        for record in records:
            if EVENT_FIELD in record:  # a start-up (--events) has none of a line's fields
                lines.append(plain_event_line(record) + "\n")
                continue
            line: list[str] = []
            for part in self._parts:
                if isinstance(part, str):
                    line.append(part)
                else:
                    get, pad = part
                    line.append(get(record).ljust(pad))
            lines.append("".join(line).rstrip(" ") + "\n")
        self._emit("".join(lines))

    def _time(self, record: Mapping[str, Any]) -> str:
        """The record's time as text output shows it; a time that cannot be read, as it came."""
        raw = record.get("timestamp")
        try:
            ns = timestamp_ns(raw)
            if ns is None:
                raise ValueError(f"not a time: {raw!r}")
        except (ValueError, OverflowError, TypeError):
            return inert(cut(as_text(raw)))
        digits = str(ns)
        prefix = self._prefix
        try:
            if digits[:-9] != self._last_second:
                self._second = prefix.format_second(digits)
                self._last_second = digits[:-9]
        except (ValueError, OverflowError, OSError):
            return inert(cut(as_text(raw)))
        return f"{self._second}{digits[-9:-6]}{prefix.timestamp_end}".rstrip(" ")


def _one_line(value: Any) -> str:
    """A one-line field made safe; absent or null, empty."""
    return "" if value is None else inert(as_text(value))


def _message(record: Mapping[str, Any]) -> str:
    """The message made safe: a program's own colours dropped, its layout kept."""
    message = as_text(record.get("message"))
    if message.isprintable():
        return message
    return inert(SGR.sub("", message).rstrip(), multiline=True)
