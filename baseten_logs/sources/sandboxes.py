"""Sandboxes: one by name, its logs, its image's build logs, and the listing.

What the management API promises (the `baseten` SDK's models): a sandbox is named by the name
it was created with (`GET /v1/sandboxes/instances/{name}`); its logs come in an RFC 3339 window
(`start_time` and `end_time`, both required, `limit` up to 1000) paged by an opaque
`next_cursor`, each entry with a `timestamp`, a `message`, a numeric `severity`, a `trace_id`
("" when none) and maybe an `action`. Its `image` is a reference with a tag
(`baseten/base-image:latest`), while the build logs take the image's repository name
(`GET /v1/sandboxes/images/{name}/logs`, `offset` paging up to 10000 with a `total_count`): the
name is the reference's last path segment without its tag or digest.

Entries become records the renderers know: `level` is the severity's level name (below), and
every field the API sent stays (`severity`, `trace_id`, `action` reach -o jsonl).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from baseten_logs.api.page import Record
from baseten_logs.base.errors import ApiError, NotFoundError, UsageError
from baseten_logs.base.levels import LEVEL_SPELLINGS
from baseten_logs.base.timeparse import format_ms
from baseten_logs.sources.names import check_name, listed_objects
from baseten_logs.sources.paths import api_path

if TYPE_CHECKING:
    from baseten_logs.api.client import ApiClient
    from baseten_logs.sources.cache import Cache

MAX_LOGS_LIMIT = 1000  # a sandbox's and an image's logs: `limit` 1..1000
# A crowded millisecond, as the gap warning words it: the SDK's GetSandboxLogsParams has a
# window, `limit` and `cursor` only, so its newest page is the last of the millisecond read
# through oldest first (reading/cursor.py), and no `replica` narrows it.
SANDBOX_REACH = (
    "a page from each end; the sandbox endpoint takes neither `direction` nor `replica`, "
    "so its last page is found by reading the millisecond forward"
)
MAX_OFFSET = 10_000  # build logs: `offset` 0..10000 ("narrow the time range beyond")
LIST_LIMIT = 100  # the listing's `limit` 1..100
MAX_LIST_PAGES = 50  # 5,000 sandboxes: a listing stops there rather than page forever
# Statuses after which a sandbox prints no more (-f stops); the SDK's enum.
ENDED_STATUSES = frozenset({"FAILED", "DEACTIVATED", "TERMINATED", "ARCHIVED", "DELETING"})

# OpenTelemetry's severity numbers, which the API sends: 1-4 TRACE, 5-8 DEBUG, 9-12 INFO,
# 13-16 WARN, 17-20 ERROR, 21-24 FATAL. Our four levels take them as LEVEL_SPELLINGS takes the
# words: TRACE is DEBUG, FATAL is ERROR. 0 (UNSPECIFIED) is no level (the text may show one).
# Out of range: above 24 is ERROR, below 0 DEBUG (the nearest); not a number: no level.
_SEVERITY_FLOORS = ((17, "ERROR"), (13, "WARNING"), (9, "INFO"), (1, "DEBUG"))
# One request (reading/cursor.AskPage): client, window, page size, token -> records, next token.
Ask = Callable[["ApiClient", int, int, int, "str | None"], "tuple[list[Record], str | None]"]


def severity_level(value: object) -> str | None:
    """Our level name for an entry's `severity`: OpenTelemetry's numbers (see above), a
    number sent as text or a float, or a level word; None for none. Never raises."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in LEVEL_SPELLINGS:
            return LEVEL_SPELLINGS[text.lower()]
        try:
            value = float(text)
        except ValueError:
            return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        value = max(-1.0, min(value, 25.0))  # infinities too: the nearest end
    if not isinstance(value, int | float):
        return None
    number = math.floor(value)
    if number == 0:
        return None
    if number < 0:
        return "DEBUG"
    return next(level for floor, level in _SEVERITY_FLOORS if number >= floor)


def as_record(entry: dict[str, Any]) -> Record:
    """An entry as the pipeline's record: its fields as sent, `level` from `severity`."""
    record = dict(entry)
    record["level"] = severity_level(entry.get("severity"))
    return record


def rfc3339_ms(epoch_ms: int) -> str:
    """A window's edge as the endpoint takes it (RFC 3339 with an offset: `Z`)."""
    return format_ms(epoch_ms)


def check_sandbox_name(name: str) -> None:
    """Refuse, unsent, what cannot be a sandbox's name (it goes into the URL path as one
    segment: names are checked as names.check_name checks models', with this command's hint)."""
    if not name.strip():
        raise UsageError("NAME", "is empty", hint=_LIST_HINT)
    try:
        check_name("NAME", name, "sandbox")
    except UsageError:
        raise UsageError("NAME", f"{name[:80]!r} is not a sandbox name", hint=_LIST_HINT) from None


_LIST_HINT = "list them: baseten-logs sandboxes"


@dataclass(frozen=True)
class SandboxTarget:
    name: str
    status: str | None
    image: str | None  # the reference, as the API sent it
    created: str | None

    @property
    def logs_path(self) -> str:
        return api_path("sandboxes", "instances", self.name, "logs")

    @property
    def image_name(self) -> str | None:
        return image_name(self.image)

    @property
    def ended(self) -> bool:
        return self.status in ENDED_STATUSES


def image_name(reference: str | None) -> str | None:
    """The repository name of an image reference: `docker.io/b10/base-image:latest@sha256:..`
    is `base-image`; a bare name is itself. None when nothing is left."""
    if not isinstance(reference, str):
        return None
    name = reference.strip().split("@", 1)[0].rsplit("/", 1)[-1]
    name = name.split(":", 1)[0]
    return name or None


def find_sandbox(client: ApiClient, name: str) -> SandboxTarget:
    """The sandbox named `name` (a 404 says how to list them)."""
    path = api_path("sandboxes", "instances", name)
    try:
        body = client.get_json(path)
    except NotFoundError:
        raise NotFoundError(f"no sandbox named {name!r}", hint=_LIST_HINT) from None
    if not isinstance(body, dict):
        raise ApiError(f"the API's answer for {path} is not a sandbox")

    def text(key: str) -> str | None:
        value = body.get(key)
        return value if isinstance(value, str) else None

    return SandboxTarget(name, text("status"), text("image"), text("created_at"))


def sandbox_state(client: ApiClient, name: str) -> str | None:
    """In words, why a sandbox shows no lines (not running), or None; best effort."""
    try:
        target = find_sandbox(client, name)
    except (ApiError, NotFoundError):
        return None
    if target.status in (None, "DEPLOYED"):
        return None
    return f"the sandbox is {target.status}"


def sandbox_ended(client: ApiClient, name: str) -> Callable[[], str | None]:
    """For -f: a check that says why following should stop (the sandbox ended), or None."""

    def check() -> str | None:
        try:
            target = find_sandbox(client, name)
        except (ApiError, NotFoundError):
            return None  # a failed check is no reason to stop; the polls report trouble
        return f"the sandbox is {target.status}" if target.ended else None

    return check


def _entries(body: Any, path: str) -> list[Record]:
    logs = body.get("logs") if isinstance(body, dict) else None
    if not isinstance(logs, list) or not all(isinstance(item, dict) for item in logs):
        raise ApiError(
            f"the API's answer for {path} is not a list of logs",
            hint="please report this with -v output",
        )
    return [as_record(item) for item in logs]


def logs_pages(name: str) -> Ask:
    """One request for a sandbox's logs (cursor.AskPage): a window, a page size, a cursor."""
    path = api_path("sandboxes", "instances", name, "logs")

    def ask(
        client: ApiClient, start_ms: int, end_ms: int, limit: int, token: str | None
    ) -> tuple[list[Record], str | None]:
        params = [
            ("start_time", rfc3339_ms(start_ms)),
            ("end_time", rfc3339_ms(max(start_ms, end_ms))),
            ("limit", str(max(1, min(limit, MAX_LOGS_LIMIT)))),
        ]
        if token is not None:
            params.append(("cursor", token))
        body = client.get_json(path, params)
        following = body.get("next_cursor") if isinstance(body, dict) else None
        cursor = following if isinstance(following, str) and following else None
        return _entries(body, path), cursor

    return ask


def build_pages(image: str, warn: Callable[[str], None] | None = None) -> Ask:
    """One request for an image's build logs (cursor.AskPage), the offset as the token."""
    path = api_path("sandboxes", "images", image, "logs")

    def ask(
        client: ApiClient, start_ms: int, end_ms: int, limit: int, token: str | None
    ) -> tuple[list[Record], str | None]:
        offset = int(token) if token is not None else 0
        params = [
            ("start_time", rfc3339_ms(start_ms)),
            ("end_time", rfc3339_ms(max(start_ms, end_ms))),
            ("limit", str(max(1, min(limit, MAX_LOGS_LIMIT)))),
            ("offset", str(offset)),
        ]
        body = client.get_json(path, params)
        records = _entries(body, path)
        total = body.get("total_count")
        after = offset + len(records)
        more = isinstance(total, int) and not isinstance(total, bool) and after < total
        if not records or not more:
            return records, None
        if after > MAX_OFFSET:
            if warn is not None:
                warn(
                    f"image {image}: more than {MAX_OFFSET} build lines in one window, which "
                    "the API does not page past; give a shorter --since/--until"
                )
            return records, None
        return records, str(after)

    return ask


def list_sandboxes(client: ApiClient, *, cache: Cache | None = None) -> list[dict[str, Any]]:
    """Every sandbox (cursor pages of 100, at most MAX_LIST_PAGES); their names kept in the
    cache for completion."""
    path = api_path("sandboxes", "instances")
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    given: set[str] = set()
    for _ in range(MAX_LIST_PAGES):
        params = [("limit", str(LIST_LIMIT))] + ([("cursor", cursor)] if cursor else [])
        body = client.get_json(path, params)
        items += listed_objects(body, "items", path)
        pagination = body.get("pagination") if isinstance(body, dict) else None
        following = pagination.get("cursor") if isinstance(pagination, dict) else None
        if not isinstance(following, str) or not following or following in given:
            break
        given.add(following)
        cursor = following
    if cache is not None:
        from baseten_logs.sources.cache import LISTING_TTL, cache_key

        names = [{"name": item.get("name")} for item in items if isinstance(item.get("name"), str)]
        cache.put(cache_key("sandboxes"), names, ttl=LISTING_TTL)
    return items
