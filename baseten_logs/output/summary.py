"""Counts over the lines shown, for `--summary` and `--fail-on` (CI steps read these)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from baseten_logs.base.levels import LEVELS, effective_level, level_at_least
from baseten_logs.base.timeparse import Zone, format_in_zone, format_ms
from baseten_logs.base.timestamps import record_ns
from baseten_logs.output.inert import inert
from baseten_logs.output.render_event import EVENT_FIELD

ANY = "ANY"  # --fail-on ANY: any line at all


class Tally:
    """A renderer-shaped sink that counts lines by level and replica, and their time span."""

    def __init__(self, zone: Zone | None = None) -> None:
        self._zone = zone  # --tz's: the first and last times in it (None: UTC, marked Z)
        self.lines = 0
        self.by_level: Counter[str | None] = Counter()
        self.replicas: Counter[str | None] = Counter()
        self.first_ns: int | None = None
        self.last_ns: int | None = None

    def write_page(self, records: Sequence[Mapping[str, Any]]) -> None:
        counted = 0
        for record in records:
            if EVENT_FIELD in record:
                continue  # a start-up (--events) beside the lines is no line
            counted += 1
            self.by_level[effective_level(record)] += 1
            replica = record.get("replica")
            if replica is not None and replica.__class__ is not str:
                # A number, a list, an object: counted (and shown) as text, so ids of mixed
                # types neither fail to hash nor fail to sort.
                replica = str(replica)
            self.replicas[replica] += 1
            ns = record_ns(record)
            if ns is None:
                continue
            self.first_ns = ns if self.first_ns is None else min(self.first_ns, ns)
            self.last_ns = ns if self.last_ns is None else max(self.last_ns, ns)
        self.lines += counted

    def close(self) -> None:
        pass

    def count_at_or_above(self, level: str) -> int:
        """Lines at or above `level` (levels detected from the text where the API gave none)."""
        if level == ANY:
            return self.lines
        return sum(n for lvl, n in self.by_level.items() if level_at_least(lvl, level))

    def describe(self, *, requests: int) -> str:
        levels = ", ".join(
            f"{lvl} {self.by_level[lvl]}" for lvl in reversed(LEVELS) if self.by_level[lvl]
        )
        if self.by_level[None]:
            levels = f"{levels}, no level {self.by_level[None]}" if levels else "no level"
        named = sorted(r for r in self.replicas if r)
        replicas = f"{len(named)} replica{'s' if len(named) != 1 else ''}"
        if named:
            shown = ", ".join(inert(name) for name in named[:8])
            replicas += f" ({shown}{', …' if len(named) > 8 else ''})"
        span = ""
        if self.first_ns is not None and self.last_ns is not None:
            first, last = (self._time(ns // 1_000_000) for ns in (self.first_ns, self.last_ns))
            span = f", {first} to {last}"
        parts = _count(self.lines, "line") + (f" ({levels})" if levels else "")
        return f"summary: {parts}, {replicas}{span}, {_count(requests, 'request')}"

    def _time(self, ms: int) -> str:
        zone = self._zone
        return format_ms(ms) if zone is None else format_in_zone(ms, zone, sep="T")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")
