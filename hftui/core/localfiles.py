"""Reading a small local file that may be anything: bounded in size and in time, never a hang.

A token file path comes from the environment (HF_TOKEN_PATH, HF_HOME) and may name /dev/zero (endless),
a FIFO (open() waits for a writer forever), a huge file, a directory, or a file on a network mount
that stopped answering. Only a regular file is read, at most `cap` bytes of it, in a daemon thread
that is abandoned after `timeout` seconds.
"""

from __future__ import annotations

import os
import stat
from concurrent.futures import wait
from pathlib import Path

from hftui.core.background import in_background

SMALL_FILE_CAP = 64 * 1024  # a token file holds one token; stored_tokens a few dozen
READ_TIMEOUT = 2.0

_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


class Unreadable(Exception):
    """The file exists but was not read; str() says why, in a few words."""


def read_small_file(path: Path, cap: int = SMALL_FILE_CAP, timeout: float = READ_TIMEOUT,
                    kind: str = "a token file") -> str | None:
    """The file's text (a byte that is not UTF-8 kept as a lone surrogate, to be flagged rather than
    crash anything), None if there is no such file; raises Unreadable (`kind` names what such a file
    usually is, in the reason a huge one gives)."""
    reading = in_background(_read, Path(path), cap, kind, name="hftui-read-file")
    wait([reading], timeout=timeout)
    if not reading.done():
        raise Unreadable(f"did not answer within {timeout:g} s (a network file system that hangs?); not read")
    data = reading.result()  # Unreadable, or the bytes
    return None if data is None else data.decode("utf-8", errors="surrogateescape")


def _read(path: Path, cap: int, kind: str) -> bytes | None:
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise Unreadable(f"cannot read: {exc.strerror or type(exc).__name__}") from None
    _check(info, cap, kind)
    try:
        # O_NONBLOCK: if it became a FIFO since the stat, open() must not wait for a writer.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise Unreadable(f"cannot read: {exc.strerror or type(exc).__name__}") from None
    try:
        _check(os.fstat(fd), cap, kind)
        data = b""
        while len(data) <= cap and (piece := os.read(fd, cap + 1 - len(data))):
            data += piece
    except OSError as exc:
        raise Unreadable(f"cannot read: {exc.strerror or type(exc).__name__}") from None
    finally:
        os.close(fd)
    if len(data) > cap:
        raise Unreadable(f"holds more than {cap:,} bytes, far more than {kind}; not read")
    return data


def _check(info: os.stat_result, cap: int, kind: str) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise Unreadable("is a directory, not a file")
    for test, special in _KINDS:
        if test(info.st_mode):
            raise Unreadable(f"is {special}, not a regular file; not read (it could block or never end)")
    if info.st_size > cap:
        raise Unreadable(f"is {info.st_size:,} bytes, far more than {kind}; not read")
