"""API paths, built in one place: every name or id in one is percent-encoded as one segment."""

from __future__ import annotations

from urllib.parse import quote


def api_path(*segments: str) -> str:
    """`/v1/` and `segments`, each percent-encoded whole, as Baseten's own clients encode them.

    A name or id is typed by the user or sent by the API: a `?` in it must not start a query, a
    `#` a fragment, a `%` an escape, nor a `/` another segment. Ids (letters and digits) and the
    literal segments (`models`, `logs`) are unchanged by the encoding."""
    return "/v1/" + "/".join(quote(segment, safe="") for segment in segments)
