"""Freed host buffers kept in the process (glibc's malloc settings), in fresh processes."""

import os
import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    sys.platform != "linux" or platform.libc_ver()[0] != "glibc",
    reason="the settings are glibc's; elsewhere malloc is left as it is")

_BASE_ENV = {"PATH": "/usr/bin:/bin", "JAX_PLATFORMS": "cpu",
             **{k: os.environ[k] for k in ("PYTHONPATH",) if k in os.environ}}

# Prints whether a 24 MiB block is mmapped (fresh pages from the kernel, returned when
# freed) or served from the heap once a model has trained, and whether the heap keeps
# its size when that block, at its top, is freed (glibc trims it back by default).
_SCRIPT = """
import ctypes
import numpy as np
import pellucid as keras
from pellucid.backend import host_memory

libc = ctypes.CDLL("libc.so.6")

class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
        "uordblks", "fordblks", "keepcost")]

libc.mallinfo2.restype = MallInfo2
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]

model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
model.compile("sgd", "mse")
model.fit(np.ones((4, 3)), np.ones((4, 1)), verbose=0)
print("applied", host_memory.keep_freed_buffers())
mapped_before = libc.mallinfo2().hblkhd
block = libc.malloc(24 * 1024 * 1024)
held = libc.mallinfo2()
print("mmapped", held.hblkhd - mapped_before >= 24 * 1024 * 1024)
libc.free(block)
print("kept", libc.mallinfo2().arena >= held.arena)
"""


def _run(**env: str) -> dict:
    done = subprocess.run([sys.executable, "-c", _SCRIPT], env={**_BASE_ENV, **env},
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    return dict(line.split() for line in done.stdout.strip().splitlines())


def test_training_keeps_freed_buffers_in_the_heap(tmp_path):
    seen = _run(PELLUCID_CACHE_DIR=str(tmp_path))
    assert seen == {"applied": "True", "mmapped": "False", "kept": "True"}


@pytest.mark.parametrize("env", [{"PELLUCID_KEEP_HOST_MEMORY": "0"},
                                 {"MALLOC_ARENA_MAX": "2", "MALLOC_TOP_PAD_": "0"},
                                 {"GLIBC_TUNABLES": "glibc.malloc.trim_threshold=1"}])
def test_left_alone_when_turned_off_or_tuned_by_the_user(tmp_path, env):
    seen = _run(PELLUCID_CACHE_DIR=str(tmp_path), **env)
    assert seen == {"applied": "False", "mmapped": "True", "kept": "True"}
