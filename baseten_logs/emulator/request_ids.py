"""Request ids of the emulated traffic: several forms, each holding when its request began.

The docs promise only "a string of at most 256 characters", so the emulator varies the form (a
UUID with or without dashes, in either case, and a prefixed ULID-like id) to keep clients from
leaning on one shape. Every form carries its request's start, as time-ordered ids (UUIDv7, ULID)
do, and that is the emulator's index: a `request_id` query is answered from the few minutes after
that time instead of generating a week of lines, as a real log store answers it from an index.
The answer is the one a full scan gives (a test checks); no client sees or relies on it.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from .deployments import DAY_MS, HOUR_MS, MINUTE_MS

# Every line of a request (retries on another replica included) is printed within this time of
# the millisecond in its id; the generator keeps to it and the index relies on it.
REQUEST_SPAN_MS = 5 * 60_000
FORMS = ("uuid", "hex", "upper", "ulid")
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
_HEX32 = re.compile(r"[0-9a-f]{32}", re.IGNORECASE)
_ULID = re.compile(rf"req_[{_CROCKFORD}]{{26}}")


def request_id(rng: random.Random, ms: int, form: str | None = None) -> str:
    """A fresh id for a request that began at epoch millisecond `ms`, in a form `rng` picks."""
    chosen = form if form is not None else FORMS[int(rng.random() * len(FORMS))]
    if chosen == "ulid":
        value = (ms << 80) | rng.getrandbits(80)
        return "req_" + "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in range(25, -1, -1))
    # UUIDv7: 48 bits of milliseconds, version 7, 12 random bits, variant 0b10, 62 random bits.
    value = (ms << 80) | (7 << 76) | (rng.getrandbits(12) << 64) | (2 << 62) | rng.getrandbits(62)
    text = f"{value:032x}"
    if chosen == "hex":
        return text
    dashed = f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
    return dashed.upper() if chosen == "upper" else dashed


def request_began_ms(text: str) -> int | None:
    """The millisecond an id of ours says its request began; None for any other string."""
    if _ULID.fullmatch(text):
        value = 0
        for char in text[4:]:
            value = value * 32 + _CROCKFORD.index(char)
        return value >> 80
    if _UUID.fullmatch(text):
        text = text.replace("-", "")
    elif not _HEX32.fullmatch(text):
        return None
    value = int(text, 16)
    if (value >> 76) & 0xF != 7 or (value >> 62) & 0b11 != 2:
        return None
    return value >> 80


@dataclass(frozen=True)
class PlantedRequest:
    """A request placed at a known time on the demo deployment, for the demo and tests: served
    by two replicas (the first one failed, with a traceback that carries no request id)."""

    deployment_id: str
    at_ms: int
    request_id: str


def planted_request(anchor_ms: int, seed: int, *, deployment_id: str) -> PlantedRequest:
    """Two days and 43 minutes before the anchor, well inside a chunk (none of its lines is cut),
    on the demo deployment (`deployment_id`: its id in the emulator's id style)."""
    at_ms = anchor_ms - 2 * DAY_MS - 43 * MINUTE_MS + 12_345
    rid = request_id(random.Random(f"planted request {seed}"), at_ms, form="uuid")
    return PlantedRequest(deployment_id, at_ms, rid)


def planted_chain_request(anchor_ms: int, seed: int, *, entrypoint_id: str) -> PlantedRequest:
    """Two days, 2 hours and 17 minutes before the anchor, well inside a chunk, on the entrypoint
    chainlet of the demo chain's production deployment (`entrypoint_id`: its id in the emulator's
    id style), which passes it down the chain: every chainlet logs it with the same id, and the
    entrypoint's first attempt dies with an untagged traceback."""
    at_ms = anchor_ms - 2 * DAY_MS - 2 * HOUR_MS - 17 * MINUTE_MS + 23_456
    rid = request_id(random.Random(f"planted chain request {seed}"), at_ms, form="hex")
    return PlantedRequest(entrypoint_id, at_ms, rid)
