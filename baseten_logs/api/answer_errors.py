"""The API's answers that are not a page: its error shapes, and answers that are not its own.

Baseten's API answers JSON, errors included (`{"error": ...}`, `{"message": ...}` or
`{"detail": ...}`); a redirect or an HTML page comes from something else at that URL (a static
file server, a proxy's login page), and saying so beats "not found". Each status becomes the
domain error the commands turn into an exit status. Answers are read through `Answer`, the
few things an httpx response offers, so this module needs no httpx.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from baseten_logs.api.masking import mask_url
from baseten_logs.base.errors import ApiError, AuthError, NotFoundError, UsageError


class Answer(Protocol):
    """What is read of an HTTP answer (an httpx.Response is one)."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def content(self) -> bytes: ...

    def json(self, **kwargs: Any) -> Any: ...


def _server_message(response: Answer) -> str:
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError, RecursionError):
        return ""
    if isinstance(body, dict):
        for key in ("error", "message", "detail"):
            if isinstance(body.get(key), str):
                return str(body[key])
    return ""


def describe(response: Answer) -> str:
    """The status and the server's own message, if it gave one: "HTTP 503: overloaded"."""
    message = _server_message(response)
    return f"HTTP {response.status_code}" + (f": {message}" if message else "")


def _answer_kind(response: Answer) -> str | None:
    """What a non-JSON answer is ("HTML answer"), or None when the body is JSON or empty."""
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if "html" in content_type:
        return "HTML answer"
    if not response.content.strip():
        return None
    try:
        response.json()
    except (ValueError, UnicodeDecodeError):
        return f"{content_type or 'untyped'} answer, not JSON"
    return None


def not_the_api(response: Answer, *, base_url: str, url_source: str) -> ApiError | None:
    """An error naming the URL when the answer cannot be the Baseten API's: a redirect, or a
    page that is not JSON. None when it may well be the API. Both URLs are shown masked."""
    status = response.status_code
    where = f"{mask_url(base_url)} (from {url_source})"
    check = "check --api-url / BASETEN_API_URL"
    if 300 <= status < 400:
        target = response.headers.get("location")
        points = (
            f"redirects to {mask_url(target)}"
            if target
            else f"answered with a redirect (HTTP {status})"
        )
        return ApiError(f"{where} {points}, which the Baseten API never does; {check}")
    kind = _answer_kind(response)
    if kind is None:
        return None
    return ApiError(f"{where} does not look like the Baseten API ({kind}, HTTP {status}); {check}")


def error_for(
    response: Answer, path: str, *, base_url: str, url_source: str, key_source: str
) -> Exception:
    """The domain error for an answer that is neither a page nor worth retrying."""
    status = response.status_code
    wrong = not_the_api(response, base_url=base_url, url_source=url_source)
    if wrong is not None:
        return wrong  # not the API: a 404 from it says nothing about the model
    detail = describe(response)
    if status in (401, 403):
        return AuthError(
            f"the API refused the key from {key_source} ({detail})",
            hint="check that the key is current and belongs to the model's workspace",
        )
    if status == 404:
        return NotFoundError(
            f"not found: {path} ({detail})",
            hint="check the model and deployment ids; a brand-new deployment may need a moment",
        )
    if status in (400, 422):
        return UsageError("the API rejected the query", detail)
    return ApiError(f"unexpected answer from the API for {path}: {detail}")
