"""The answers of injected faults: errors in place of a real answer, or a real answer spoilt."""

from __future__ import annotations

import json
from typing import Any

from . import hostile
from .faults import HOSTILE_TEXT, Fault
from .replies import Response, error_reply, json_reply

RATE_LIMITED = "Rate limit exceeded. Please try again later."
_HTML_PAGE = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)
_FAULT_ERRORS = {
    "404": (404, "Deployment not found"),
    "500": (500, "Internal server error"),
    "502": (502, "Bad gateway"),
    "503": (503, "Service unavailable"),
    "504": (504, "Gateway timeout"),
}


def fault_reply(fault: Fault, now_s: float) -> Response:
    """The answer a fault gives in place of the real one."""
    kind = fault.kind
    if kind == "drop":
        return Response(0, drop=True, fault=kind)
    if kind == "429" and fault.variant is not None:
        header, wait = hostile.retry_after(fault.variant, now_s)
        hostile_payload: dict[str, object] = {"error": RATE_LIMITED}
        if wait is not None:
            hostile_payload["retry_after"] = wait
        response = json_reply(429, hostile_payload, {"Retry-After": header})
    elif kind == "429":
        headers = {"Retry-After": str(fault.retry_after)} if fault.header else {}
        payload = {"error": RATE_LIMITED, "retry_after": fault.retry_after}
        response = json_reply(429, payload, headers)
    elif kind == "gzip_bomb":
        response = Response(200, hostile.gzip_bomb(fault.amount))
        response.headers["Content-Encoding"] = "gzip"
    elif kind == "endless":
        response = Response(200, chunks=hostile.endless())
    elif kind == "deep_json":
        response = Response(200, hostile.deep_json(fault.amount))
    elif kind == "wrong_shape":
        response = json_reply(200, {"data": [], "detail": "unexpected upstream response"})
    elif fault.variant == "html":
        response = Response(int(kind), _HTML_PAGE.replace(b"502 Bad Gateway", _status_line(kind)))
        response.content_type = "text/html"
    else:
        status, message = _FAULT_ERRORS[kind]
        response = error_reply(status, message)
    response.fault = kind
    return response


def spoil(fault: Fault, response: Response, slow_s: float) -> Response:
    """Faults that change a real answer: delay it, or replace its body."""
    if fault.kind == "slow":
        response.delay_s += slow_s
    elif fault.kind == "ignore_limit":
        pass  # already answered with more lines than asked (see _logs)
    elif fault.kind == "trickle":
        interval = fault.slow_s if fault.slow_s is not None else 2.0
        response.chunks, response.chunk_delay_s = hostile.trickle(response.body), interval
        response.trickle_headers = fault.variant == "headers"
    elif fault.kind == "not_utf8":
        response.body = hostile.not_utf8(response.body)
    elif fault.kind == "escapes":
        response.body = _hostile(response.body)
    elif fault.kind == "hostile_lines":
        response.body = hostile.hostile_lines(response.body, fault.variant or "time_escape")
    elif fault.variant == "truncated":
        body = response.body
        response = Response(200, body[: max(1, len(body) // 2)] or b"{")
    else:
        response = Response(200, _HTML_PAGE, content_type="text/html")
    response.fault = fault.kind
    return response


# Fields that stay as they are under the "escapes" fault: what addresses things (ids, used in
# paths) and what is parsed as a number or time. Everything else is text someone else wrote.
_KEPT_FIELDS = frozenset(
    {"id", "model_id", "deployment_id", "production_deployment_id", "development_deployment_id"}
    | {"timestamp", "created_at", "level", "retry_after"}
)


def _hostile(body: bytes) -> bytes:
    """The JSON `body` with HOSTILE_TEXT added to every string field but ids and times (error
    bodies included); escaped JSON, as the lone surrogate cannot be sent raw."""
    try:
        payload = json.loads(body)
    except ValueError:
        return body

    def spoilt(value: Any, key: str | None) -> Any:
        if isinstance(value, dict):
            return {k: spoilt(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [spoilt(v, key) for v in value]
        if isinstance(value, str) and key not in _KEPT_FIELDS:
            return value + HOSTILE_TEXT
        return value

    return json.dumps(spoilt(payload, None)).encode()


def _status_line(kind: str) -> bytes:
    reasons = {"502": "Bad Gateway", "504": "Gateway Time-out"}
    return f"{kind} {reasons.get(kind, 'Error')}".encode()
