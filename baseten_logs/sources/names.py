"""Ids and names as people type them and as the API lists them, checked before they are used.

Baseten promises no length or case for ids (7 and 8 characters, mixed case and letters only
all occur), and a name may look like an id (`mistral7`, `nightly`), so nothing here guesses
from the shape: whether text is an id only the API can tell. What is checked is what could
change a URL path (ids and names go into it) and the shape of each listing the API answers.
Models, deployments, chains and training projects are all found with these.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal

from baseten_logs.base.errors import ApiError, NotFoundError, UsageError

if TYPE_CHECKING:
    from baseten_logs.sources.cache import Cache

_MAX_NAME = 256  # characters of a name or id as typed
SHOWN_NAMES = 8  # names listed in an error before "and N more"


class AmbiguousName(UsageError):
    """A name that several models (or deployments) carry: the user must pick one by id."""


def could_be_id(text: str) -> bool:
    """Whether `text` could be a Baseten id: letters and digits, of any length and case.

    That is all Baseten's clients say of ids ("[a-z0-9]+", and mixed case in its SDK's
    examples); whether it *is* one only the API can tell. A hyphen, a dot or a space makes a
    name, and such text never goes into a URL path as an id.
    """
    return text.isascii() and text.isalnum()


def is_id_text(value: Any) -> bool:
    """Whether an id the API (or the cache) gave may go into a URL path as it is."""
    # Ids go into URL paths: refuse what would change the path, whatever the API sent.
    return isinstance(value, str) and bool(value) and not any(c in value for c in "/?#%\\ ")


def text_or_none(value: Any) -> str | None:
    """A field that should hold text: its text, or None when empty or of another type."""
    return value if isinstance(value, str) and value else None


NameKind = Literal[
    "model",
    "deployment",
    "chain",
    "chain deployment",
    "chainlet",
    "environment",
    "training project",
    "training job",
    "sandbox",
]
# Where each kind's names are listed: the command, spelled as it is registered, and what it
# needs. Written out rather than derived (kind + "s" made `sandboxs`, `chain deployments`),
# and tests/test_names.py holds every command named here to one that exists.
LISTED_BY: dict[str, str] = {
    "model": "`baseten-logs models`",
    "deployment": "`baseten-logs deployments` MODEL",
    "chain": "`baseten-logs chains`",
    "chain deployment": "`baseten-logs chain-deployments` CHAIN",
    "chainlet": "`baseten-logs chainlets` CHAIN",
    "environment": "`baseten-logs chain-deployments` CHAIN",  # its ENVIRONMENT column
    "training project": "`baseten-logs training-projects`",
    "training job": "`baseten-logs training-jobs` PROJECT",
    "sandbox": "`baseten-logs sandboxes`",
}


def a_kind(kind: str) -> str:
    """`a model`, `an environment`: the article the kind's first sound takes."""
    return ("an " if kind[:1] in "aeiou" else "a ") + kind


def check_name(flag: str, value: str, kind: NameKind) -> None:
    """Refuse, unsent, what is neither a name nor an id (ids may go into the URL path)."""
    if not value.strip():
        raise UsageError(flag, "is empty", hint=f"give {a_kind(kind)} name or id")
    if (
        value.strip() != value
        or len(value) > _MAX_NAME
        or not value.isprintable()
        or any(c in value for c in "/\\")
    ):
        raise UsageError(
            flag,
            f"{value!r} is not {a_kind(kind)} name or id",
            hint=f"copy one from {LISTED_BY[kind]}",
        )


def listed_objects(body: Any, field: str, path: str) -> list[dict[str, Any]]:
    """The objects a listing answer holds under `field`, checked for shape (ApiError if not)."""
    items = body.get(field) if isinstance(body, dict) else None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ApiError(
            f"the API's answer for {path} is not a list of {field}",
            hint="please report this with -v output",
        )
    return items


def cached_list(cache: Cache, key: str) -> list[dict[str, Any]] | None:
    """A listing kept in the cache, or None when absent, stale or not of that shape."""
    value = cache.get(key)
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        return None
    return value


def some_names(names: Sequence[str]) -> str:
    """The first SHOWN_NAMES names, "and N more": an error's hint stays one line."""
    shown = ", ".join(names[:SHOWN_NAMES])
    return shown + (f" and {len(names) - SHOWN_NAMES} more" if len(names) > SHOWN_NAMES else "")


def find_by_id_or_name(
    wanted: str,
    *,
    children: Callable[[str], list[dict[str, Any]]],
    listing: Callable[[], list[dict[str, Any]]],
    flag: str,
    kind: str,
    plural: str,
    seen: str,
    none_seen: str,
    teams_in_ambiguity: bool = False,
) -> tuple[str, str | None, list[dict[str, Any]]]:
    """(id, name, children) of what `wanted` names: tried as an id first (its children's
    listing answers 200), and only after a 404 looked up by exact name in `listing`, as for
    models (ask the API, never guess from the shape). Chains and training projects use it."""
    try:
        return wanted, None, children(wanted)
    except NotFoundError:
        pass
    everything = listing()
    named = [o for o in everything if o.get("name") == wanted and is_id_text(o.get("id"))]
    if not named:
        names = sorted({str(o["name"]) for o in everything if isinstance(o.get("name"), str)})
        hint = f"{seen} this key can see: {some_names(names)}" if names else none_seen
        raise NotFoundError(f"no {kind} named {wanted!r} or with that id", hint=hint)
    if len(named) > 1:
        teams = ""
        if teams_in_ambiguity:
            teams = " (teams " + ", ".join(sorted(str(o.get("team_name")) for o in named)) + ")"
        raise UsageError(
            flag, f"{len(named)} {plural} are named {wanted!r}{teams}", hint="use its id"
        )
    found = str(named[0]["id"])
    return found, wanted, children(found)
