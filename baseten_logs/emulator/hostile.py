"""Answers built to hurt a client: gzip bombs, endless and trickling bodies, deep JSON, bad bytes.

What a broken proxy, a hostile server or a man in the middle could send; the fault kinds of
faults.py use them so the end-to-end tests see them over real HTTP.
"""

from __future__ import annotations

import email.utils
import functools
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
