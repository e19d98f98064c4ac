"""Answers built to hurt a client: gzip bombs, endless and trickling bodies, deep JSON, bad bytes.

What a broken proxy, a hostile server or a man in the middle could send; the fault kinds of
faults.py use them so the end-to-end tests see them over real HTTP.
"""

from __future__ import annotations

import email.utils
import functools
import json
import struct
import time
import zlib
from collections.abc import Iterator

MIB = 1024 * 1024
_BLOCK = b" " * MIB


@functools.lru_cache(maxsize=4)
def gzip_bomb(inflated_bytes: int) -> bytes:
    """A gzip body of valid JSON (`{"logs": [] ... }` padded with spaces) that inflates to about
    `inflated_bytes`; 1 GiB is about 1 MB on the wire.

    Built from one compressed MiB repeated: after a full flush deflate starts afresh, so the
    same block compresses to the same bytes and the copies can simply be concatenated.
    """
    head, tail = b'{"logs": []', b"}"
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    start = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(_BLOCK) + packer.flush(zlib.Z_FULL_FLUSH)
    end = packer.compress(tail) + packer.flush(zlib.Z_FINISH)
    blocks = max(0, (inflated_bytes - len(head) - len(tail)) // MIB)
    crc = zlib.crc32(head)
    for _ in range(blocks):
        crc = zlib.crc32(_BLOCK, crc)
    crc = zlib.crc32(tail, crc)
    size = len(head) + blocks * MIB + len(tail)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", crc, size % 2**32)
    return b"".join([header, start, block * blocks, end, trailer])


def endless() -> Iterator[bytes]:
    """The start of a logs answer that never ends (spaces are valid JSON between tokens)."""
    yield b'{"logs": ['
    chunk = b" " * 65536
    while True:
        yield chunk


def trickle(body: bytes) -> Iterator[bytes]:
    """A body one byte at a time (the server waits between them)."""
    for index in range(len(body)):
        yield body[index : index + 1]


def deep_json(depth: int) -> bytes:
    """A logs answer whose `logs` is nested `depth` deep: legal JSON no parser should recurse on."""
    return b'{"logs": ' + b"[" * depth + b"]" * depth + b"}"


def not_utf8(body: bytes) -> bytes:
    """`body` with bytes that are not UTF-8 at the start of every message (or at its end, if
    it has none). Every message alike, so a line looks the same in every answer it is in."""
    marker = b'"message": "'
    if marker not in body:
        return body + b"\xff"
    return body.replace(marker, marker + b"caf\xe9 \xff\xfe ")


# What the lines that `hostile_lines` adds carry: a time that repeats the second of the line
# before and then moves the cursor up a line and back to its start (the line above is then
# overwritten: an ERROR disappears), a time too large for a float, one too long for int(), and
# a message on which `(a+)+$` backtracks for minutes.
HOSTILE_LINES = ("time_escape", "time_overflow", "time_digits", "redos")
_OVERFLOW = "\x00overflow\x00"  # stands for the JSON number 1e400, which json.dumps cannot write


def hostile_lines(body: bytes, variant: str) -> bytes:
    """A logs answer in which the middle line of every three of one second is a hostile one.

    The middle one: a client that prints a page in the other order still prints it right after
    a line of the same second, which its time repeats. Replaced, not added: the answer keeps
    its length, so a full page still looks full. The hostile line keeps the replica, and says
    what it is in its message (`INFO`); an answer that is not a list of logs, or whose times are
    not the documented nanosecond strings, is left alone.
    """
    if variant not in HOSTILE_LINES:
        raise ValueError(f"no hostile line {variant!r}")
    try:
        logs = json.loads(body)["logs"]
    except (ValueError, KeyError, TypeError):
        return body
    if not isinstance(logs, list):
        return body
    for index in range(1, len(logs) - 1):
        second = _second(logs[index - 1])
        if second is None or not second == _second(logs[index]) == _second(logs[index + 1]):
            continue
        line = {**logs[index], "level": "INFO", "message": f"a hostile line ({variant})"}
        if variant == "time_escape":
            line["timestamp"] = second + "\x1bM\r000000"  # 19 characters, like a time
        elif variant == "time_overflow":
            line["timestamp"] = _OVERFLOW
        elif variant == "time_digits":
            line["timestamp"] = "9" * 5000
        else:
            line["message"] = "a" * 34 + "!"
        logs[index] = line
    text = json.dumps({"logs": logs})
    return text.replace(json.dumps(_OVERFLOW), "1e400").encode()


def _second(line: object) -> str | None:
    """The epoch second of a line with a documented time (19 digits), else None."""
    if not isinstance(line, dict):
        return None
    stamp = line.get("timestamp")
    if not (isinstance(stamp, str) and len(stamp) == 19 and stamp.isdigit()):
        return None
    return stamp[:10]


def retry_after(variant: str, now: float | None = None) -> tuple[str, object]:
    """A hostile `Retry-After` header, and the body's `retry_after` to match (None: none)."""
    if variant == "soon":
        return "soon", "soon"
    if variant == "negative":
        return "-5", -5
    if variant == "nan":
        return "nan", float("nan")  # json.dumps writes NaN, which Python's parser accepts
    if variant == "past":
        moment = (time.time() if now is None else now) - 3600
        return email.utils.formatdate(moment, usegmt=True), None
    raise ValueError(f"no hostile Retry-After {variant!r}")
