"""Logs query parameters: validation with the documented limits, and the line filter."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .generate import LEVEL_RANK, Line

MAX_LIMIT = 1000
DEFAULT_LIMIT = 500
MAX_STRING = 256
MAX_LIST = 8
DEFAULT_WINDOW_MS = 30 * 60 * 1000
MAX_WINDOW_MS = 7 * 24 * 60 * 60 * 1000
_INT = re.compile(r"-?[0-9]+")


class QueryError(ValueError):
    """A parameter the API would refuse with 400; the message names the parameter."""


@dataclass(frozen=True)
class LineFilter:
    """The documented filters; an empty filter keeps every line."""

    min_rank: int | None = None
    replica: str | None = None
    request_id: str | None = None
    component: str | None = None
    pattern: re.Pattern[str] | None = None
    includes: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return self == _NO_FILTER

    def matches(self, line: Line) -> bool:
        if self.min_rank is not None and line.rank < self.min_rank:
            return False
        if self.replica is not None and line.replica != self.replica:
            return False
        if self.request_id is not None and line.request_id != self.request_id:
            return False
        if self.component is not None and line.component != self.component:
            return False
        message = line.message
        if self.pattern is not None and self.pattern.search(message) is None:
            return False
        if not all(s in message for s in self.includes):
            return False
        return not any(s in message for s in self.excludes)


_NO_FILTER = LineFilter()


@dataclass(frozen=True)
class LogQuery:
    """A validated logs request. `end_ms` is as sent; inclusiveness is the server's choice."""

    start_ms: int
    end_ms: int
    direction: str
    limit: int
    filter: LineFilter


def _string(name: str, value: str | None) -> str | None:
    if value is not None and len(value) > MAX_STRING:
        raise QueryError(f"{name}: must be at most {MAX_STRING} characters")
    return value


def _strings(name: str, values: Sequence[str]) -> tuple[str, ...]:
    # The schema caps how many (8), not how long each is (unlike the scalars' 256).
    if len(values) > MAX_LIST:
        raise QueryError(f"{name}: at most {MAX_LIST} values are allowed, got {len(values)}")
    return tuple(values)


def _re2_unsupported(pattern: str) -> str | None:
    """What RE2 would refuse and Python's re accepts: look-around, back-references, atomics."""
    i = 0
    in_class = False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            nxt = pattern[i + 1 : i + 2]
            if nxt in tuple("123456789") and not in_class:
                return "back-references are not supported"
            i += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
        elif c == "[":
            in_class = True
            # A "]" right after "[" or "[^" is a literal, not the end of the class.
            if pattern[i + 1 : i + 2] == "^":
                i += 1
            if pattern[i + 1 : i + 2] == "]":
                i += 1
        elif c == "(":
            head = pattern[i : i + 4]
            if head.startswith(("(?=", "(?!", "(?<=", "(?<!")):
                return "look-around is not supported"
            if head.startswith("(?P="):
                return "back-references are not supported"
            if head.startswith("(?>"):
                return "atomic groups are not supported"
        elif c in "*+?}" and pattern[i + 1 : i + 2] == "+":
            return "possessive quantifiers are not supported"
        i += 1
    return None


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a search_pattern the way an RE2 server would accept or refuse it."""
    _string("search_pattern", pattern)
    problem = _re2_unsupported(pattern)
    if problem is not None:
        raise QueryError(f"search_pattern: invalid RE2 regular expression: {problem}")
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise QueryError(f"search_pattern: invalid RE2 regular expression: {exc}") from None


def build_filter(
    *,
    min_level: str | None = None,
    replica: str | None = None,
    request_id: str | None = None,
    component: str | None = None,
    search_pattern: str | None = None,
    includes: Iterable[str] = (),
    excludes: Iterable[str] = (),
) -> LineFilter:
    """Validate the filter parameters; raises QueryError as the API answers 400."""
    min_rank = None
    if min_level is not None:
        if min_level not in LEVEL_RANK:
            raise QueryError(
                f"min_level: must be one of {', '.join(LEVEL_RANK)}, got {min_level!r}"
            )
        min_rank = LEVEL_RANK[min_level]
    return LineFilter(
        min_rank=min_rank,
        replica=_string("replica", replica),
        request_id=_string("request_id", request_id),
        component=_string("component", component),
        pattern=compile_pattern(search_pattern) if search_pattern is not None else None,
        includes=_strings("includes", list(includes)),
        excludes=_strings("excludes", list(excludes)),
    )


def _last(params: dict[str, list[str]], name: str) -> str | None:
    # A scalar sent twice: the last value wins, as in most web frameworks.
    values = params.get(name)
    return values[-1] if values else None


def _int(params: dict[str, list[str]], name: str) -> int | None:
    value = _last(params, name)
    if value is None:
        return None
    if not _INT.fullmatch(value):
        raise QueryError(f"{name}: must be an integer, got {value[:40]!r}")
    return int(value)


def parse_log_query(
    params: dict[str, list[str]], *, now_ms: int, limit_over_max: str = "reject"
) -> LogQuery:
    """Validate the logs endpoint's query string (repeated keys kept as lists)."""
    start = _int(params, "start_epoch_millis")
    end = _int(params, "end_epoch_millis")
    if end is None:
        end = now_ms
    if start is None:
        start = end - DEFAULT_WINDOW_MS
    if start > end:
        raise QueryError("start_epoch_millis: must not be after end_epoch_millis")
    if end - start > MAX_WINDOW_MS:
        raise QueryError(
            "end_epoch_millis: the window from start_epoch_millis to end_epoch_millis "
            "must not exceed 7 days"
        )
    direction = _last(params, "direction")
    if direction is None:
        direction = "desc"
    elif direction not in ("asc", "desc"):
        raise QueryError(f"direction: must be 'asc' or 'desc', got {direction[:40]!r}")
    limit = _int(params, "limit")
    if limit is None:
        limit = DEFAULT_LIMIT
    elif limit < 1:
        raise QueryError(f"limit: must be between 1 and {MAX_LIMIT}, got {limit}")
    elif limit > MAX_LIMIT:
        if limit_over_max == "reject":
            raise QueryError(f"limit: must be between 1 and {MAX_LIMIT}, got {limit}")
        limit = MAX_LIMIT
    line_filter = build_filter(
        min_level=_last(params, "min_level"),
        replica=_last(params, "replica"),
        request_id=_last(params, "request_id"),
        component=_last(params, "component"),
        search_pattern=_last(params, "search_pattern"),
        includes=params.get("includes", []),
        excludes=params.get("excludes", []),
    )
    return LogQuery(start, end, direction, limit, line_filter)
