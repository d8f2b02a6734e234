"""JAX's persistent compilation cache, kept in a per-user folder.

Compiling a training step on CPU takes seconds (an LSTM step, longer). With the cache on,
a second run of the same model loads the compiled executables from disk instead.

Folder: ``$PELLUCID_CACHE_DIR`` if set, else ``~/.cache/pellucid/jax``. Set
``PELLUCID_NO_CACHE=1`` to leave the cache off. A folder the user already gave JAX
(``jax_compilation_cache_dir``) is kept. The folder is capped at ``MAX_CACHE_BYTES``
(JAX evicts the least recently used entries; it needs the ``filelock`` package for
that), unless JAX was given a size already.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import jax

# Executables that compiled faster than this are cheaper to rebuild than to read back.
MIN_COMPILE_SECONDS = 0.2
# A user training many models would otherwise fill their home folder over the months.
MAX_CACHE_BYTES = 2 * 1024**3

_enabled: bool | None = None


def cache_dir() -> Path:
    """The folder the cache uses (created on first write)."""
    override = os.environ.get("PELLUCID_CACHE_DIR")
    if override:
        return Path(override).expanduser()
    return Path.home() / ".cache" / "pellucid" / "jax"


def _stamp_unstamped_entries(folder: Path) -> None:
    """Give every entry without a last-use stamp the oldest possible one.

    JAX's eviction reads a ``KEY-atime`` file beside each ``KEY-cache`` entry and fails
    every later write (with a warning per compile) when one is missing; entries written
    without a size cap (an older pellucid, or no ``filelock``) have none. Stamped as never
    used, they are the first to go.
    """
    try:
        for entry in folder.glob("*-cache"):
            stamp = entry.with_name(entry.name[: -len("cache")] + "atime")
            if not stamp.exists():
                stamp.write_bytes((0).to_bytes(8, "little"))
    except OSError:  # a read-only or vanishing folder: JAX reports its own errors
        pass


def enable() -> bool:
    """Turns the cache on once per process; returns whether it is on."""
    global _enabled
    if _enabled is not None:
        return _enabled
    if os.environ.get("PELLUCID_NO_CACHE", "") not in ("", "0"):
        _enabled = False
        return False
    if not jax.config.jax_compilation_cache_dir:
        try:
            cache_dir().mkdir(parents=True, exist_ok=True)
        except OSError:
            _enabled = False
            return False
        jax.config.update("jax_compilation_cache_dir", str(cache_dir()))
        if jax.config.jax_persistent_cache_min_compile_time_secs == 1.0:  # JAX's default
            jax.config.update("jax_persistent_cache_min_compile_time_secs",
                              MIN_COMPILE_SECONDS)
        # JAX needs `filelock` to evict; without it a size would switch the cache off.
        if (getattr(jax.config, "jax_compilation_cache_max_size", None) == -1
                and importlib.util.find_spec("filelock") is not None):
            jax.config.update("jax_compilation_cache_max_size", MAX_CACHE_BYTES)
            _stamp_unstamped_entries(cache_dir())
        # Compiles that ran before the folder was set made JAX remember "no cache";
        # forget that so the next compile looks at the folder.
        from jax.experimental.compilation_cache import compilation_cache  # noqa: PLC0415

        compilation_cache.reset_cache()
    _enabled = True
    return True
