"""Where callbacks print their one-line notices."""

from __future__ import annotations

import sys


def print_msg(message: str) -> None:
    """Writes `message` and a newline to the current `sys.stdout`, then flushes.

    Looked up at each call so redirected or captured output receives it.
    """
    sys.stdout.write(message + "\n")
    sys.stdout.flush()
