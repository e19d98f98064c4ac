"""`browse`'s search (`--grep`'s meaning) run over many held lines at once, not a call a line.

The meaning is reading/filtering's matcher (RE2, the API's engine, searched in the message);
what differs is the cost. Asking RE2 about one line costs a few microseconds of binding
overhead whatever the line (about 0.3 s over 100,000 lines), so:

- a pattern with no special character is a substring test (as the matcher does it), a C-speed
  `in` over the messages held as text (`LoadedLines` keeps each line's text once it comes);
- any other pattern is searched by RE2 in one text: the messages of a chunk joined by the byte
  0xFF, which UTF-8 never holds and so no RE2 pattern can match (bar `\\C`, any byte), so no
  match spans two lines. Each match is mapped back to its line by counting separators, and the
  search goes on from the next line's start: one call per line found, not per line held;
- a pattern whose meaning depends on where the text ends (`^`, `$`, `\\A`, `\\z`) or that can
  match any byte (`\\C`) is asked line by line, as the matcher asks it.

tests/test_browse_grep.py checks all three against the matcher, line by line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import compress
from typing import Any

from baseten_logs.reading.filtering import Matcher, matcher, re2_search
from baseten_logs.reading.query import build_filters

__all__ = ["Grep", "searched_text"]

SEPARATOR = b"\xff"  # never in UTF-8 (nor in surrogatepass's), so never in a match
# Characters with a meaning in RE2 syntax: a pattern without any is a literal (a superset of
# reading/filtering's own list would do as well: RE2 on a literal is the substring test).
_SPECIAL = frozenset("\\.+*?()|[]{}^$")
# What makes a pattern read the text's ends, or a byte that is not a character.
_WHOLE_TEXT = ("^", "$", "\\A", "\\z", "\\C")


def searched_text(record: Mapping[str, Any]) -> str:
    """The text a search looks in: the message (reading/filtering's rule: none is "", a
    non-string its str)."""
    message = record.get("message")
    if isinstance(message, str):
        return message
    return "" if message is None else str(message)


@dataclass(frozen=True)
class Grep:
    """A --grep pattern, checked as the flag checks it, ready to search many lines."""

    pattern: str  # as RE2 reads it (build_filters' search_pattern)
    finds: Matcher  # the same on one record: reading/filtering's matcher

    @classmethod
    def of(cls, pattern: str) -> Grep:
        """Raises UsageError (naming --grep) for a pattern RE2 refuses."""
        filters = build_filters(grep=pattern)
        return cls(filters.search_pattern or pattern, matcher(filters))

    def rows(self, texts: Sequence[str], mask: bytes | None) -> list[int]:
        """The indexes of `texts` the pattern is found in, among those whose byte in `mask` is
        not 0 (None: all of them), ascending."""
        pattern = self.pattern
        if not _SPECIAL.intersection(pattern):
            if mask is None:
                return [i for i, text in enumerate(texts) if pattern in text]
            return [i for i in compress(range(len(texts)), mask) if pattern in texts[i]]
        if any(piece in pattern for piece in _WHOLE_TEXT):
            search = re2_search(pattern)
            if mask is None:
                return [i for i, text in enumerate(texts) if search(text)]
            return [i for i in compress(range(len(texts)), mask) if search(texts[i])]
        found = joined_rows(_compiled_search(pattern), texts)
        return found if mask is None else [i for i in found if mask[i]]


def _compiled_search(pattern: str) -> Callable[[bytes, int], Any]:
    """RE2's search on bytes from a position (the pattern was checked by Grep.of)."""
    import re2  # type: ignore[import-untyped]  # google-re2 ships no type hints

    options = re2.Options()
    options.log_errors = False
    search: Callable[[bytes, int], Any] = re2.compile(
        pattern.encode("utf-8", "surrogatepass"), options
    ).search
    return search


def joined(texts: Sequence[str]) -> bytes:
    """The texts as UTF-8, each followed by SEPARATOR but the last."""
    blob = "\x00".join(texts).encode("utf-8", "surrogatepass")
    if blob.count(b"\x00") == len(texts) - 1:  # no NUL in a message: one C-speed swap
        return blob.replace(b"\x00", SEPARATOR)
    return SEPARATOR.join(text.encode("utf-8", "surrogatepass") for text in texts)


def joined_rows(search: Callable[[bytes, int], Any], texts: Sequence[str]) -> list[int]:
    """The indexes of the texts `search` finds something in, by one search of them joined."""
    if not texts:
        return []
    blob = joined(texts)
    found: list[int] = []
    at, row, end = 0, 0, len(blob)  # `at` is the start of text `row`
    while at <= end:
        match = search(blob, at)
        if match is None:
            break
        start = match.start()
        row += blob.count(SEPARATOR, at, start)  # a match never holds a separator
        found.append(row)
        after = blob.find(SEPARATOR, start)  # the end of its text: the next one is searched
        if after < 0:
            break
        at, row = after + 1, row + 1
    return found
