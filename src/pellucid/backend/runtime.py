"""The process-wide settings that training and inference programs run under."""

from __future__ import annotations

from pellucid.backend import compilation_cache, host_memory

__all__ = ["prepare"]


def prepare() -> None:
    """Turns on the persistent compilation cache and, on CPUs, keeps freed host buffers
    for reuse (:mod:`pellucid.backend.host_memory`); each once per process."""
    compilation_cache.enable()
    host_memory.keep_freed_buffers()
