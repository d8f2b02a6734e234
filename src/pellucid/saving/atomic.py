"""Crash-safe file replacement.

A save never writes into the destination directly: it writes a temporary file in the
same folder (so the final rename stays on one filesystem), flushes and fsyncs it, then
``os.replace``s it over the destination. A crash at any point leaves either the old file
or the new one, never a mixture.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from typing import IO, Any


@contextlib.contextmanager
def atomic_write(path: Any) -> Iterator[IO[bytes]]:
    """Yield a binary file object whose contents replace ``path`` only on success."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise
    _fsync_folder(folder)


def write_bytes_atomically(path: Any, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically."""
    with atomic_write(path) as handle:
        handle.write(data)


def _fsync_folder(folder: str) -> None:
    # The rename itself lives in the folder's metadata; without this a power cut could
    # forget it. Not every platform lets a directory be opened, hence best effort.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
