"""Flags -> a validated LogQuery -> query parameters; every check runs before a request is sent."""

from __future__ import annotations

import os
import re
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from baseten_logs.base.errors import UsageError
from baseten_logs.base.levels import FLAG_SPELLINGS, LEVEL_SPELLINGS, LEVELS
from baseten_logs.base.timeparse import (
    EARLIEST_MS,
    LOCAL,
    Zone,
    format_in_zone,
    format_ms,
    parse_duration_ms,
    parse_when,
)
from baseten_logs.reading.patterns import python_pattern
from baseten_logs.sources.paths import api_path

if TYPE_CHECKING:
    from baseten_logs.reading.follow import FollowSettings
    from baseten_logs.sources.source import LogsSource

COLOR_MODES = ("auto", "always", "never")
MAX_VALUE_LENGTH = 256
MAX_SUBSTRINGS = 8
DEFAULT_WINDOW_MS = 30 * 60_000
DEFAULT_LIMIT = 500
LATEST_AHEAD_MS = 7 * 86_400_000  # -f --until may look ahead, but not by years
MAX_CONCURRENCY = 64  # as automatic concurrency's ceiling; the rate limiter keeps the pace

Direction = Literal["asc", "desc"]

# RE2 has no look-around, back-references, atomic groups or possessive quantifiers;
# the API would answer 400, so say so before sending anything.
_NOT_RE2 = re.compile(r"\(\?<?[=!]|\\[1-9]|\(\?P=|\(\?>|[*+?}][+]")


@dataclass(frozen=True)
class Filters:
    """Server-side filters, shared by every log endpoint."""

    min_level: str | None = None
    replica: str | None = None
    request_id: str | None = None
    component: str | None = None
    search_pattern: str | None = None
    includes: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    # --replica given more than once: lines of any of them (`replica` is then None). The API
    # takes one `replica` a request, so such filters are sent as one query per replica
    # (`each_replica`), merged in time order (feed.py, fetch.page_fetcher).
    replicas: tuple[str, ...] = ()
    # -i: --grep's pattern carries RE2's (?i); the endpoint's includes/excludes are
    # case-sensitive, so under -i they are not sent but applied locally (feed.local_filter).
    ignore_case: bool = False

    def each_replica(self) -> tuple[Filters, ...]:
        """The filters of one query each: one per replica asked for, or these alone."""
        if not self.replicas:
            return (self,)
        return tuple(replace(self, replica=name, replicas=()) for name in self.replicas)

    def asked_replicas(self) -> tuple[str, ...]:
        """Every replica the lines must come from (none: any)."""
        return self.replicas or (() if self.replica is None else (self.replica,))

    def params(self) -> list[tuple[str, str]]:
        if self.replicas:  # sending none of them would show every replica's lines
            raise ValueError("several replicas are one query each: send each_replica()")
        pairs: list[tuple[str, str]] = []
        for key in ("min_level", "replica", "request_id", "component", "search_pattern"):
            value = getattr(self, key)
            if value is not None:
                pairs.append((key, value))
        # Repeated keys (`includes=a&includes=b`) as the API documents, not `includes[]`.
        if not self.ignore_case:
            pairs.extend(("includes", text) for text in self.includes)
            pairs.extend(("excludes", text) for text in self.excludes)
        return pairs

    def local_only(self) -> Filters | None:
        """What the endpoint cannot apply and must be applied here: -i's includes and
        excludes, which it would match case-sensitively (None: nothing)."""
        if not (self.ignore_case and (self.includes or self.excludes)):
            return None
        return Filters(includes=self.includes, excludes=self.excludes, ignore_case=True)


@dataclass(frozen=True)
class LogQuery:
    """What to fetch: a target, a window in epoch milliseconds (inclusive both ends), filters."""

    path: str
    since_ms: int
    until_ms: int
    filters: Filters = field(default_factory=Filters)
    limit: int | None = DEFAULT_LIMIT  # None: every line in the window (--all)
    # Where `path` may still be a guess (ids as typed): the first logs request settles it.
    source: LogsSource | None = field(default=None, compare=False)

    @property
    def logs_path(self) -> str:
        """The path logs are read from, as settled so far."""
        return self.source.path if self.source is not None else self.path

    def params(
        self, *, start_ms: int, end_ms: int, direction: Direction, limit: int
    ) -> list[tuple[str, str]]:
        """Query parameters for one request; direction and limit are always explicit."""
        return [
            ("start_epoch_millis", str(start_ms)),
            ("end_epoch_millis", str(end_ms)),
            ("direction", direction),
            ("limit", str(limit)),
            *self.filters.params(),
        ]


def logs_path(model_id: str, deployment_id: str) -> str:
    return api_path("models", model_id, "deployments", deployment_id, "logs")


def _nonempty(flag: str, value: str) -> str:
    if not value:
        raise UsageError(flag, "is empty", hint="give a value or leave the flag out")
    return value


def _checked_text(flag: str, value: str | None) -> str | None:
    """A scalar filter: the schema caps each at 256 characters."""
    if value is None:
        return None
    if len(_nonempty(flag, value)) > MAX_VALUE_LENGTH:
        raise UsageError(
            flag,
            f"is {len(value)} characters long; the API takes at most {MAX_VALUE_LENGTH}",
            hint="shorten it",
        )
    return value


def parse_level(value: str | None, *, flag: str = "--level") -> str | None:
    """A level flag's value as the API spells it (levels.FLAG_SPELLINGS, any case)."""
    if value is None:
        return None
    spelling = value.strip().lower()
    level = LEVEL_SPELLINGS.get(spelling) if spelling in FLAG_SPELLINGS else None
    if level is None:
        raise UsageError(flag, f"unknown level {value!r}", hint=f"use one of {', '.join(LEVELS)}")
    return level


def parse_fail_on(value: str | None) -> str | None:
    """--fail-on takes a level, or ANY for "any line at all"."""
    if value is None or value.strip().upper() != "ANY":
        return parse_level(value, flag="--fail-on")
    return "ANY"


def parse_choice(value: str, *, flag: str, choices: Sequence[str]) -> str:
    choice = value.strip().lower()
    if choice not in choices:
        raise UsageError(flag, f"unknown value {value!r}", hint=f"use one of {', '.join(choices)}")
    return choice


def parse_count(value: str, *, flag: str, minimum: int = 1, hint: str = "e.g. 100") -> int:
    try:
        count = int(value)
    except ValueError:
        raise UsageError(flag, f"{value!r} is not a whole number", hint=hint) from None
    if count < minimum:
        raise UsageError(flag, f"must be at least {minimum}, not {count}", hint=hint)
    return count


def build_filters(
    *,
    level: str | None = None,
    replica: str | Sequence[str] | None = None,
    request_id: str | None = None,
    component: str | None = None,
    grep: str | None = None,
    includes: Sequence[str] = (),
    excludes: Sequence[str] = (),
    ignore_case: bool = False,
) -> Filters:
    """The filters of the flags, each checked (UsageError naming the flag); `replica` may be
    several (--replica given more than once): lines of any of them."""
    for flag, texts in (("--include", includes), ("--exclude", excludes)):
        if len(texts) > MAX_SUBSTRINGS:
            raise UsageError(
                flag,
                f"given {len(texts)} times; the API takes at most {MAX_SUBSTRINGS}",
                hint="use --grep with an alternation for more",
            )
        for text in texts:
            _nonempty(flag, text)  # of any length: the schema caps their number, not their size
    pattern = _checked_text("--grep", grep)
    if pattern is not None and _NOT_RE2.search(pattern):
        raise UsageError(
            "--grep",
            f"'{pattern}' uses look-around, a back-reference or an atomic group, which RE2 lacks",
            hint="rewrite it without them, or use --include/--exclude",
        )
    if pattern is not None:
        _check_syntax(pattern)
        if ignore_case:  # RE2's flag: the endpoint searches without regard to case
            pattern = "(?i)" + pattern
            if len(pattern) > MAX_VALUE_LENGTH:  # what is sent is capped, not what was typed
                raise UsageError(
                    "--grep",
                    f"is {len(pattern) - 4} characters long, and -i sends it after (?i): "
                    f"{len(pattern)}; the API takes at most {MAX_VALUE_LENGTH}",
                    hint=f"shorten it by {len(pattern) - MAX_VALUE_LENGTH}",
                )
    replicas = _replicas(replica)
    return Filters(
        min_level=parse_level(level),
        replica=replicas[0] if len(replicas) == 1 else None,
        replicas=replicas if len(replicas) > 1 else (),
        request_id=_checked_text("--request-id", request_id),
        component=_checked_text("--component", component),
        search_pattern=pattern,
        includes=tuple(includes),
        excludes=tuple(excludes),
        ignore_case=ignore_case,
    )


MAX_REPLICAS = 16  # one query each: more is a typo or a job for no filter at all


def _replicas(replica: str | Sequence[str] | None) -> tuple[str, ...]:
    """--replica's values, each checked, in the order given, each once."""
    given = () if replica is None else (replica,) if isinstance(replica, str) else replica
    names = tuple(dict.fromkeys(_checked_text("--replica", name) or "" for name in given))
    if len(names) > MAX_REPLICAS:
        raise UsageError(
            "--replica",
            f"given {len(names)} times; at most {MAX_REPLICAS} (each is a query of its own)",
            hint="leave --replica out to see every replica",
        )
    return names


# Errors of Python's `re` that RE2 reports too (an unclosed `[` or `(`, a stray quantifier):
# refused before any request. Others (`\pN` is RE2 but not Python) are left to the API.
_SYNTAX_ERRORS = (
    "unterminated character set",
    "missing ), unterminated subpattern",
    "unbalanced parenthesis",
    "nothing to repeat",
    "multiple repeat",
)


def _check_syntax(pattern: str) -> None:
    try:
        # Python's warnings on a pattern are about its own `re`, not RE2's syntax: 3.10's flag
        # group not at the start (`a(?m)^`), a set that may nest one day (`[[a]`, FutureWarning
        # on every version). Shown, they were a Python source line on stderr; with a warning
        # filter set to error (PYTHONWARNINGS, -W), an internal error.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            re.compile(python_pattern(pattern))
    except re.error as error:
        if str(error).startswith(_SYNTAX_ERRORS):
            raise UsageError(
                "--grep",
                f"'{pattern}' is not a valid RE2 regular expression: {error}",
                hint="escape special characters with \\, e.g. \\[ for a literal [",
            ) from None


def resolve_window(
    *, since: str | None, until: str | None, now_ms: int | None = None, zone: Zone | None = None
) -> tuple[int, int]:
    """(since_ms, until_ms). Default: the 30 minutes before --until, which defaults to now.
    Wall-clock times (20:00, yesterday, an ISO time without offset) are read in `zone` (None:
    local time)."""
    where = LOCAL if zone is None else zone

    def shown(ms: int) -> str:  # a time in an error as the user reads times: in their zone
        return format_ms(ms) if zone is None else format_in_zone(ms, zone, sep="T")

    now = int(time.time() * 1000) if now_ms is None else now_ms
    # --since is read first so that `--until +10m` can count from it; a relative --since
    # (`15m`) still counts back from now, as users expect.
    since_ms = None if since is None else parse_when(since, flag="--since", now_ms=now, zone=where)
    until_ms = (
        now
        if until is None
        else parse_when(until, flag="--until", now_ms=now, relative_to_ms=since_ms, zone=where)
    )
    if since_ms is None:
        since_ms = until_ms - DEFAULT_WINDOW_MS
    # Times no log can have are typos (a bare `90` is 1970; 2062 for 2026): refuse them rather
    # than send thousands of 7-day requests.
    for flag, value, typed in (("--until", until_ms, until), ("--since", since_ms, since)):
        if typed is None:
            continue  # a default is derived from the other end, which was checked
        if value < EARLIEST_MS:
            raise UsageError(
                flag,
                f"{typed!r} is {shown(value)}, before any Baseten log",
                hint="a bare number is epoch seconds or milliseconds; e.g. 2h or 2026-11-27T10:00Z",
            )
        if value > now + LATEST_AHEAD_MS:
            raise UsageError(
                flag,
                f"{typed!r} is {shown(value)}, more than a week ahead",
                hint="check the date",
            )
    if until is None and since is not None and since_ms > until_ms:
        # Not "--until is before --since": the user gave no --until, and a future --since is
        # usually a date typed for tomorrow or a local time read as UTC.
        raise UsageError(
            "--since",
            f"{since!r} is {shown(since_ms)}, in the future, and --until defaults to now",
            hint="give a past time, e.g. --since 2h (2 hours ago), or an --until after it",
        )
    if until_ms < since_ms:
        raise UsageError(
            "--until",
            "is before --since",
            hint="swap them, or give --until a later time",
        )
    return since_ms, until_ms


def screenful(*, fallback: int = 25) -> int:
    """-f's default opening: what fits on the terminal (less two lines), else `fallback`."""
    try:
        rows = os.get_terminal_size(sys.stdout.fileno()).lines
    except (OSError, ValueError):
        return fallback
    return max(10, rows - 2)


def follow_settings_for(overlap: str) -> FollowSettings:
    from baseten_logs.reading.follow import FollowSettings

    overlap_ms = parse_duration_ms(overlap.strip())
    if overlap_ms is None or not 0 < overlap_ms <= 3_600_000:
        raise UsageError(
            "--overlap", f"{overlap!r} is not a duration up to 1h", hint="e.g. 60s or 2m"
        )
    return FollowSettings(overlap_ms=overlap_ms)
