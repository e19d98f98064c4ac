"""The logs API's filters applied locally, to records already at hand (a saved file, a cache).

`matcher(filters)` answers, for one record, what the API would have answered: would it have
returned this line for these query parameters? Semantics, from the endpoint's reference:

- `min_level`: lines shown at or above it (`levels.shown_at_least`), as `get --level` selects
  them: by the record's own `level` field when it is a level spelling (`warn`, `error` in a
  hand-edited file read leniently), else by the level its text shows (a null, empty or unknown
  `level`, such as "VERBOSE"), which is the level the text output shows and --fail-on counts.
- `replica`, `request_id`, `component`: exact, case-sensitive match on the field of that name;
  a record without the field (`component` is not in every record) does not match. Several
  replicas (`replicas`, --replica given more than once): any of them, each matched exactly.
- `search_pattern`: a regular expression searched for anywhere in the message. The API uses RE2,
  and so does this (the `re2` module of google-re2, imported only when a local `--grep` runs):
  the same syntax and meaning, and time linear in the message, whatever the pattern. Python's
  backtracking `re` would take minutes on `(a+)+$` against 34 `a`s and a `!` that a server
  sends. A pattern without any special character is a plain substring test, which is the same.
- `includes`: every substring must appear in the message; `excludes`: none may. Case-sensitive.

Built for speed: one closure per filter that is set, nothing at all per line for a filter that
is not.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from baseten_logs.base.errors import UsageError
from baseten_logs.base.levels import shown_at_least
from baseten_logs.reading.query import Filters

__all__ = ["Matcher", "matcher", "re2_search"]

Matcher = Callable[[Mapping[str, Any]], bool]


def matcher(filters: Filters) -> Matcher:
    """A predicate that keeps exactly the records the API would return for `filters`."""
    checks: list[Matcher] = []
    # Cheapest and most selective first: a dict look-up and a comparison before any text search.
    for key in ("replica", "request_id", "component"):
        wanted = getattr(filters, key)
        if wanted is not None:
            checks.append(_field_equals(key, wanted))
    if filters.replicas:
        checks.append(_field_in("replica", frozenset(filters.replicas)))
    if filters.min_level is not None:
        checks.append(shown_at_least(filters.min_level))
    if filters.ignore_case and (filters.includes or filters.excludes):  # -i
        checks.append(_without_case(filters.includes, filters.excludes))
    else:
        if filters.includes:
            checks.append(_includes(filters.includes))
        if filters.excludes:
            checks.append(_excludes(filters.excludes))
    if filters.search_pattern is not None:
        checks.append(_searches(filters.search_pattern))

    if not checks:
        return _everything
    if len(checks) == 1:
        return checks[0]
    all_checks = tuple(checks)

    def every(record: Mapping[str, Any]) -> bool:
        for check in all_checks:
            if not check(record):
                return False
        return True

    return every


def _everything(record: Mapping[str, Any]) -> bool:
    return True


def _message(record: Mapping[str, Any]) -> str:
    message = record.get("message")
    if isinstance(message, str):
        return message
    return "" if message is None else str(message)


def _field_equals(key: str, wanted: str) -> Matcher:
    def equals(record: Mapping[str, Any]) -> bool:
        return bool(record.get(key) == wanted)

    return equals


def _field_in(key: str, wanted: frozenset[str]) -> Matcher:
    """Several values given (--replica a --replica b): any of them, each matched exactly."""

    def is_one_of(record: Mapping[str, Any]) -> bool:
        value = record.get(key)
        return value.__class__ is str and value in wanted

    return is_one_of


def _includes(texts: tuple[str, ...]) -> Matcher:
    if len(texts) == 1:
        (text,) = texts

        def includes_one(record: Mapping[str, Any]) -> bool:
            return text in _message(record)

        return includes_one

    def includes_all(record: Mapping[str, Any]) -> bool:
        message = _message(record)
        for text in texts:
            if text not in message:
                return False
        return True

    return includes_all


def _without_case(includes: tuple[str, ...], excludes: tuple[str, ...]) -> Matcher:
    """-i's --include and --exclude: the same tests, with the message and texts casefolded."""
    wanted = tuple(text.casefold() for text in includes)
    unwanted = tuple(text.casefold() for text in excludes)

    def matches(record: Mapping[str, Any]) -> bool:
        message = _message(record).casefold()
        return all(text in message for text in wanted) and not any(
            text in message for text in unwanted
        )

    return matches


def _excludes(texts: tuple[str, ...]) -> Matcher:
    def excludes_any(record: Mapping[str, Any]) -> bool:
        message = _message(record)
        for text in texts:
            if text in message:
                return False
        return True

    return excludes_any


# Characters with a meaning in RE2 syntax; a pattern without any is a literal.
_SPECIAL = frozenset("\\.+*?()|[]{}^$")


def _searches(pattern: str) -> Matcher:
    if not _SPECIAL.intersection(pattern):  # a word to find: no engine needed, same answer

        def contains(record: Mapping[str, Any]) -> bool:
            return pattern in _message(record)

        return contains

    search = re2_search(pattern)

    def searches(record: Mapping[str, Any]) -> bool:
        return search(_message(record))

    return searches


def re2_search(pattern: str) -> Callable[[str], bool]:
    """Whether RE2 finds `pattern` in a text: the API's engine and meaning, in linear time.

    Raises UsageError (naming --grep) for a pattern RE2 refuses, or when google-re2 is missing:
    a backtracking engine is no substitute, as one pattern could hang the run on a hostile line.
    """
    try:
        import re2  # type: ignore[import-untyped]  # google-re2 ships no type hints
    except ImportError:
        raise UsageError(
            "--grep",
            "applying a pattern here (not on the server) needs the google-re2 package",
            hint="pip install google-re2, or filter with --include/--exclude",
        ) from None
    options = re2.Options()
    options.log_errors = False  # RE2 would also print its complaint to stderr
    try:
        # Bytes in, bytes searched: the str API re-encodes and maps offsets on every call.
        match = re2.compile(pattern.encode("utf-8", "surrogatepass"), options).search
    except re2.error as error:
        reason = error.args[0] if error.args else "invalid"
        if isinstance(reason, bytes):  # RE2's own message, as bytes
            reason = reason.decode("utf-8", "replace")
        raise UsageError(
            "--grep",
            f"'{pattern}' is not a valid RE2 regular expression: {reason}",
            hint="use RE2 syntax (no look-around, no back-references); \\ escapes a character",
        ) from None

    def search(text: str) -> bool:
        # surrogatepass: a lone surrogate (legal in JSON) is bytes RE2 reads as invalid UTF-8.
        return match(text.encode("utf-8", "surrogatepass")) is not None

    return search
