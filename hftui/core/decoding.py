"""A response body read as it arrives, decompressed as it arrives, and never kept past a limit.

A 250 MB gzip bomb is about 250 KB on the wire: under any cap on received bytes, and
`gzip.decompress` of it takes gigabytes. Here every decompressor is asked for at most what is still
wanted (`max_length`), so memory and time stay bounded by the limit whatever the ratio; what the
server sends past it is never decompressed. hftui asks only for the encodings it decodes this way
(gzip and deflate: `http.ACCEPTED_ENCODINGS`); a body in another one is kept as received, and said so.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

DECODED = ("gzip", "x-gzip", "deflate")


@dataclass
class _Stage:
    encoding: str
    decompressor: zlib._Decompress  # type: ignore[name-defined]
    first: bool = True


class BodyReader:
    """Collects at most `limit` bytes of a body from its raw (still encoded) chunks."""

    def __init__(self, content_encoding: str, limit: int) -> None:
        self.limit = limit
        codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        self.encoding = ", ".join(codings)
        self.undecoded = next((c for c in codings if c not in DECODED), None)  # e.g. br: kept as received
        self.decoding = bool(codings) and self.undecoded is None
        # Content-Encoding lists codings in the order they were applied: undo the last one first.
        self._stages = [_Stage(c, _decompressor(c)) for c in reversed(codings)] if self.decoding else []
        self._parts: list[bytes] = []
        self.kept = 0  # bytes kept (decoded, when decoding)
        self.produced = 0  # bytes of body seen: decoded, or received when not decoding
        self.failed: str | None = None  # why decompressing stopped, e.g. "not valid gzip data …"

    @property
    def full(self) -> bool:
        """More than `limit` bytes of body have been seen: nothing more is wanted."""
        return self.produced > self.limit

    def feed(self, chunk: bytes) -> None:
        """One raw chunk: decoded (at most up to the limit) and kept."""
        if self.full:
            return
        if self.failed is not None and self.decoding:
            return
        if self.decoding:
            try:
                chunk = self._decode(chunk, self.limit + 1 - self.produced)
            except zlib.error as exc:
                if self.produced:
                    self.failed = f"invalid {self.encoding} data after {self.produced:,} bytes ({exc})"
                    return
                # Not compressed at all, whatever the header says: keep it as it came.
                self.failed = f"not valid {self.encoding} data ({exc}), shown as received"
                self.decoding = False
        self.produced += len(chunk)
        piece = chunk[: max(self.limit - self.kept, 0)]
        self._parts.append(piece)
        self.kept += len(piece)

    def _decode(self, data: bytes, room: int) -> bytes:
        for stage in self._stages:
            data = _inflate(stage, data, room)
        return data

    @property
    def body(self) -> bytes:
        return b"".join(self._parts)


def _decompressor(coding: str) -> zlib._Decompress:  # type: ignore[name-defined]
    if coding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    return zlib.decompressobj()  # deflate: zlib-wrapped, as the RFC says (raw deflate is tried below)


def _inflate(stage: _Stage, data: bytes, room: int) -> bytes:
    """At most `room` bytes out of `data`; the input that would give more is dropped, not buffered."""
    try:
        out = stage.decompressor.decompress(data, room)
    except zlib.error:
        if not (stage.first and stage.encoding == "deflate"):
            raise
        # Some servers send raw deflate under "deflate" (httpx accepts it too).
        stage.decompressor = zlib.decompressobj(-zlib.MAX_WBITS)
        out = stage.decompressor.decompress(data, room)
    stage.first = False
    while stage.decompressor.eof and stage.decompressor.unused_data and len(out) < room and stage.encoding != "deflate":
        # Another gzip member follows (concatenated gzip files are one valid gzip stream).
        rest = stage.decompressor.unused_data
        stage.decompressor = _decompressor(stage.encoding)
        out += stage.decompressor.decompress(rest, room - len(out))
    return out
