"""Logs query parameters: validation with the documented limits, and the line filter.

`search_pattern` runs on RE2, as on Baseten's servers (the `re2` module of google-re2): the same
syntax, the same meaning (`$` is the end of the text, `(?i)` folds all of Unicode, `\\d` is ASCII)
and linear time, so a client's tests meet the API's regular expressions, not Python's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from .lines import LEVEL_RANK, Line

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
    pattern: Callable[[str], bool] | None = None  # whether RE2 finds search_pattern in a text
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
        if self.pattern is not None and not self.pattern(message):
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


def compile_pattern(pattern: str) -> Callable[[str], bool]:
    """Compile a search_pattern the way an RE2 server would accept or refuse it."""
    import re2  # type: ignore[import-untyped]  # google-re2 ships no type hints

    # RE2 itself refuses what it lacks (look-around, back-references, atomic groups, possessive
    # quantifiers), as the server does.
    _string("search_pattern", pattern)
    options = re2.Options()
    options.log_errors = False
    try:
        compiled = re2.compile(pattern, options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else "invalid"
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise QueryError(f"search_pattern: invalid RE2 regular expression: {reason}") from None

    def search(text: str) -> bool:
        try:
            return compiled.search(text) is not None
        except UnicodeEncodeError:  # a server holds UTF-8, where a lone surrogate cannot be
            return compiled.search(text.encode("utf-8", "replace").decode()) is not None

    return search


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


def _duration(ms: int) -> str:
    """`7 days`, `2 hours`: the limit as the error says it."""
    for unit, size in (("day", 86_400_000), ("hour", 3_600_000), ("minute", 60_000)):
        if ms >= size and ms % size == 0:
            count = ms // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{ms} milliseconds"


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
    params: dict[str, list[str]],
    *,
    now_ms: int,
    limit_over_max: str = "reject",
    max_window_ms: int = MAX_WINDOW_MS,
) -> LogQuery:
    """Validate the logs endpoint's query string (repeated keys kept as lists); windows up to
    `max_window_ms` (the schema's 7 days unless an endpoint is emulated stricter)."""
    start = _int(params, "start_epoch_millis")
    end = _int(params, "end_epoch_millis")
    if end is None:
        end = now_ms
    if start is None:
        start = end - DEFAULT_WINDOW_MS
    if start > end:
        raise QueryError("start_epoch_millis: must not be after end_epoch_millis")
    if end - start > max_window_ms:
        raise QueryError(
            "end_epoch_millis: the window from start_epoch_millis to end_epoch_millis "
            f"must not exceed {_duration(max_window_ms)}"
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
