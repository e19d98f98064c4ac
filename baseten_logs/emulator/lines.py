"""A log line as the emulator holds it, and the record the API makes of it.

Apart from the generators (generate.py, training_logs.py) so that what reads lines (the query
filter, the store, the sandbox endpoints) need not import what writes them.
"""

from __future__ import annotations

import time
from json.encoder import encode_basestring
from typing import Any

CHUNK_MS = 60_000
NS_PER_MS = 1_000_000
CHUNK_NS = CHUNK_MS * NS_PER_MS
LEVEL_RANK = {"DEBUG": 0, "INFO": 1, "WARNING": 2, "ERROR": 3}
NO_LEVEL_RANK = -1


class Line:
    """One log line, plus what only the emulator knows: when it becomes visible."""

    __slots__ = (
        "ts",
        "arrival",
        "message",
        "replica",
        "request_id",
        "level",
        "rank",
        "component",
        "deployment_id",
        "_json",
    )

    def __init__(
        self,
        ts: int,
        arrival: int,
        message: str,
        replica: str | None,
        request_id: str | None,
        level: str | None,
        component: str,
        deployment_id: str,
    ) -> None:
        self.ts = ts
        self.arrival = arrival
        self.message = message
        self.replica = replica
        self.request_id = request_id
        self.level = level
        self.rank = LEVEL_RANK[level] if level is not None else NO_LEVEL_RANK
        self.component = component
        self.deployment_id = deployment_id
        self._json: str | None = None

    def timestamp(self, form: str = "ns") -> str:
        """The line's time in one of the forms a beta endpoint may send (see TimestampForm)."""
        if form == "ms":  # a string, as the schema types every form: only the unit differs
            return str(self.ts // 1_000_000)
        if form == "iso":
            seconds, ns = divmod(self.ts, 1_000_000_000)
            moment = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
            return f"{moment}.{ns:09d}Z"
        return str(self.ts)

    def to_dict(self, extra_fields: bool, form: str = "ns") -> dict[str, Any]:
        """The record exactly as the API returns it."""
        record: dict[str, Any] = {
            "timestamp": self.timestamp(form),
            "message": self.message,
            "replica": self.replica,
            "request_id": self.request_id,
            "level": self.level,
        }
        if extra_fields:
            record["component"] = self.component
            record["deployment_id"] = self.deployment_id
        return record

    def to_json(self, extra_fields: bool, form: str = "ns") -> str:
        """`to_dict` as JSON, built by hand: json.dumps of a dict is several times slower."""
        # Cached: pages overlap at their seams and benchmarks re-read the same lines. One
        # emulator serves one form, so the cache need not know which.
        if self._json is None:
            stamp = self.timestamp(form) if form != "ns" else self.ts
            quoted = f'"{stamp}"'
            text = (
                f'{{"timestamp": {quoted}, "message": {_quote(self.message)}, '
                f'"replica": {_quote(self.replica)}, "request_id": {_quote(self.request_id)}, '
                f'"level": {_quote(self.level)}'
            )
            if extra_fields:
                text += (
                    f', "component": {_quote(self.component)}, '
                    f'"deployment_id": {_quote(self.deployment_id)}'
                )
            self._json = text + "}"
        return self._json


def _quote(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)
