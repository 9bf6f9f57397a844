"""Length-prefixed frames on raw file descriptors: the wire format between grader and workers.

A frame is a 4-byte big-endian length and that many bytes of UTF-8 JSON. Every
pipe between the grader, the worker server (``zygote``) and a notebook's process
carries frames, never pickle: the grader decodes nothing but JSON from a process
that ran a learner's code.
"""

from __future__ import annotations

import json
import os
import select
import struct
import time

HEADER = struct.Struct(">I")
#: Largest frame a notebook's process (or the worker server's child) reads: a job with its
#: files, or a test's request with its arguments, bytes.
MAX_REQUEST_BYTES = 256 * 2**20
#: Bytes asked of one ``os.read``: a pipe's whole buffer. Asking for more costs time on
#: every read (Python allocates the buffer asked for: 15 µs for 1 MiB, 1 µs for 64 KiB,
#: and a test's call into a notebook takes four reads each way).
READ_SIZE = 1 << 16


class FrameError(Exception):
    """A stream that does not hold well-formed frames (or ended inside one)."""


def encode(message) -> bytes:
    data = json.dumps(message, allow_nan=True, separators=(",", ":")).encode()
    return HEADER.pack(len(data)) + data


def write(fd: int, message) -> None:
    """Write one frame holding ``message`` to ``fd``, all of it."""
    _write_all(fd, encode(message))


def write_raw(fd: int, payload: bytes) -> None:
    """Write one frame holding ``payload`` (JSON bytes already) to ``fd``."""
    _write_all(fd, HEADER.pack(len(payload)) + payload)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def read_exactly(fd: int, size: int) -> bytes | None:
    """``size`` bytes from ``fd``; None at end of stream before the first byte."""
    parts, left = [], size
    while left:
        chunk = os.read(fd, min(left, READ_SIZE))
        if not chunk:
            if left == size:
                return None
            raise FrameError("the stream ended inside a frame")
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


def read(fd: int, limit: int):
    """One decoded frame from a blocking ``fd``; None at end of stream."""
    header = read_exactly(fd, HEADER.size)
    if header is None:
        return None
    (size,) = HEADER.unpack(header)
    if size > limit:
        raise FrameError(f"a frame of {size} bytes is over the limit of {limit}")
    data = read_exactly(fd, size) if size else b""
    if data is None:
        raise FrameError("the stream ended inside a frame")
    try:
        return json.loads(data)
    except ValueError:
        raise FrameError("a frame that is not JSON") from None


class Splitter:
    """Cut frames out of bytes that arrive in pieces (for non-blocking reads)."""

    def __init__(self, limit: int):
        self.limit, self.buffer = limit, bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        """The complete frames' payloads (raw JSON bytes) now available."""
        self.buffer += data
        frames = []
        while len(self.buffer) >= HEADER.size:
            (size,) = HEADER.unpack_from(self.buffer)
            if size > self.limit:
                raise FrameError(f"a frame of {size} bytes is over the limit of {self.limit}")
            if len(self.buffer) < HEADER.size + size:
                break
            frames.append(bytes(self.buffer[HEADER.size : HEADER.size + size]))
            del self.buffer[: HEADER.size + size]
        return frames

    @property
    def partial(self) -> bool:
        return bool(self.buffer)


class FrameReader:
    """Frames from a pipe, each read within a time limit (``select``; the pipe stays blocking)."""

    def __init__(self, fd: int, limit: int):
        self.fd = fd
        self.splitter = Splitter(limit)
        self.pending: list[bytes] = []

    def next(self, deadline: float, step: float = 1.0):
        """The next frame's payload; ``"timeout"`` at ``deadline``; None at end of stream.

        Waits at most ``step`` seconds at a time. Raises :class:`FrameError` on garbage.
        """
        while not self.pending:
            left = deadline - time.monotonic()
            if left <= 0:
                return "timeout"
            readable, _, _ = select.select([self.fd], [], [], min(left, step))
            if not readable:
                continue
            data = os.read(self.fd, READ_SIZE)
            if not data:
                return None
            self.pending.extend(self.splitter.feed(data))
        return self.pending.pop(0)
