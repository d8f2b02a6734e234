"""Freed host memory kept in the process for the next step (glibc's malloc, on Linux).

XLA's CPU runtime allocates a program's temporary buffers at every call and frees them
at its end. With glibc's defaults, an allocation above the mmap threshold (128 KiB,
raised adaptively up to 32 MiB) gets fresh pages from the kernel, and the top of the
heap goes back to the kernel once more than the trim threshold is free there. A
training step whose temporaries are megabytes each (a convolution's activations and
their gradients, a Dense kernel's gradient) then page-faults on the same memory at
every step. :func:`keep_freed_buffers` serves allocations up to 256 MiB from the heap
and keeps what is freed (``mallopt``: ``M_MMAP_THRESHOLD`` 256 MiB, ``M_TRIM_THRESHOLD``
1 GiB, ``M_TOP_PAD`` 64 MiB): the process holds on to about its peak of freed buffers
instead of returning them to the kernel.

Measured on the 2-core CPU (``bench.worker B3``, two threads, samples/s, runs
alternating, the settings given as ``MALLOC_*_`` variables): defaults 1,364-1,798; an
mmap threshold of 32 MiB 1,738-2,042; 256 MiB 1,902-2,076; 1 GiB 1,727-1,973 (with a
256 MiB top pad 1,776-2,073); peak RSS within the runs' spread (511-615 MB). Setting
only the mmap threshold or only the trim threshold made B3 slower (1,515-1,595): each
of them also switches off the adaptive threshold, so the other stays at its default.
B0, B1, B2n and B4 (32 MiB threshold): within the noise.

Only on Linux with glibc and only for the CPU backend. Left alone when the user tunes
malloc themselves (``MALLOC_*_`` variables or ``glibc.malloc`` tunables), and when
``PELLUCID_KEEP_HOST_MEMORY=0``.
"""

from __future__ import annotations

import ctypes
import os
import platform
import sys

from pellucid.backend.device import on_accelerator

__all__ = ["keep_freed_buffers"]

# mallopt's parameter numbers (glibc's malloc.h).
M_TRIM_THRESHOLD = -1
M_TOP_PAD = -2
M_MMAP_THRESHOLD = -3

SETTINGS = {M_MMAP_THRESHOLD: 256 * 1024**2,
            M_TRIM_THRESHOLD: 1024**3,
            M_TOP_PAD: 64 * 1024**2}

_applied: bool | None = None


def _user_tunes_malloc() -> bool:
    if any(name.startswith("MALLOC_") and name.endswith("_") for name in os.environ):
        return True
    return "glibc.malloc" in os.environ.get("GLIBC_TUNABLES", "")


def keep_freed_buffers() -> bool:
    """Applies the settings above once per process; returns whether they are in effect."""
    global _applied
    if _applied is not None:
        return _applied
    _applied = False
    if (os.environ.get("PELLUCID_KEEP_HOST_MEMORY", "1") == "0" or _user_tunes_malloc()
            or sys.platform != "linux" or platform.libc_ver()[0] != "glibc"
            or on_accelerator()):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # a glibc without that soname: malloc stays as it is, nothing breaks
        return False
    _applied = all(libc.mallopt(param, value) == 1 for param, value in SETTINGS.items())
    return _applied
