"""A hint when a replica or request id was typed in the wrong case.

The API matches `replica` and `request_id` exactly, so `--replica 2WPCJ` for replica `2wpcj` shows
nothing, with nothing to say why. When an id asked for brought no line, one cheap look says
whether it exists in another case:

- replicas are few: one request per source, the newest page of the window without filters, and
  the replicas its lines name (a replica quiet for that whole page is not found: no hint, which
  is honest, never a wrong one);
- request ids are many, so no sample would hold the one typed: its all-lower and all-upper forms
  are asked for instead (one line each, at most two requests per source and 7-day piece).

Only an id found in another case is named; nothing is said otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from baseten_logs.api.page import Record

__all__ = ["did_you_mean", "other_case", "replicas_of", "spellings"]


def spellings(typed: str) -> list[str]:
    """The other forms of `typed` worth asking the API for (lower, then upper case)."""
    return [form for form in dict.fromkeys((typed.lower(), typed.upper())) if form != typed]


def other_case(typed: str, known: Iterable[str]) -> str | None:
    """The id among `known` that is `typed` in another case (None: none is)."""
    folded = typed.casefold()
    for name in sorted(set(known)):
        if name != typed and name.casefold() == folded:
            return name
    return None


def replicas_of(records: Iterable[Record]) -> set[str]:
    """The replicas `records` name."""
    return {r for record in records if isinstance(r := record.get("replica"), str)}


def did_you_mean(kind: str, typed: str, found: str) -> str:
    """`no replica '2WPCJ' in the window; did you mean '2wpcj'? replica ids match exactly`."""
    return f"no {kind} {typed!r} in the window; did you mean {found!r}? {kind} ids match exactly"


def replica_hints(missing: Sequence[str], sample: Callable[[], Iterable[Record]]) -> list[str]:
    """Hints for the replicas asked for that brought no line, from one `sample` of the window
    (fetched only if some missing id has letters: digits have no other case)."""
    cased = [name for name in missing if spellings(name)]
    if not cased:
        return []
    known = replicas_of(sample())
    hints = []
    for name in cased:
        found = other_case(name, known)
        if found is not None and name not in known:
            hints.append(did_you_mean("replica", name, found))
    return hints


def request_id_hint(typed: str, exists: Callable[[str], bool]) -> str | None:
    """The hint for a request id that brought no line, if one of its other spellings did
    (`exists` asks the API for one line of that id)."""
    for form in spellings(typed):
        if exists(form):
            return did_you_mean("request", typed, form)
    return None
