"""JAX's persistent compilation cache, kept in a per-user folder.

Compiling a training step on CPU takes seconds (an LSTM step, longer). With the cache on,
a second run of the same model loads the compiled executables from disk instead.

Folder: ``$PELLUCID_CACHE_DIR`` if set, else ``~/.cache/pellucid/jax``. Set
``PELLUCID_NO_CACHE=1`` to leave the cache off. A folder the user already gave JAX
(``jax_compilation_cache_dir``) is kept as it is.

pellucid's folder is capped at ``MAX_CACHE_BYTES`` by :func:`prune`, which runs when the
cache is switched on, at most once every ``PRUNE_INTERVAL_SECONDS``, and removes the
least recently used entries. pellucid does not hand the cap to JAX: JAX's own eviction
lists the whole folder and reads a stamp file per entry on every write: with 5,753
entries (90 MB) each new compile took 0.35 s longer, and a full 2 GiB folder would add
seconds to each. A size the user gave JAX
(``jax_compilation_cache_max_size``) is kept, and JAX then evicts.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import jax

# Every executable is kept: even a lone eager operation takes 30-50 ms to compile on a
# 2-core Zen 1 and about 10 ms to read back. Five test files of eager layer calls
# (tests/test_step_layout.py and others) ran in 43-44 s with every executable cached,
# against 77-82 s with those that compiled in over 0.2 s.
MIN_COMPILE_SECONDS = 0.0
# A user training many models would otherwise fill their home folder over the months.
MAX_CACHE_BYTES = 2 * 1024**3
# A scan of the folder takes about 40 ms per 6,000 entries.
PRUNE_INTERVAL_SECONDS = 3600
# JAX names an entry KEY-cache and its last-use stamp (for JAX's eviction) KEY-atime.
_ENTRY, _STAMP = "-cache", "-atime"
_PRUNED_MARK = ".pruned"

_enabled: bool | None = None


def cache_dir() -> Path:
    """The folder the cache uses (created on first write)."""
    override = os.environ.get("PELLUCID_CACHE_DIR")
    if override:
        return Path(override).expanduser()
    return Path.home() / ".cache" / "pellucid" / "jax"


def _stamp_of(entry: Path) -> Path:
    """The last-use stamp JAX's eviction keeps beside ``entry``."""
    return entry.with_name(entry.name[: -len(_ENTRY)] + _STAMP)


def prune(folder: Path, max_bytes: int) -> int:
    """Removes the least recently used entries of ``folder`` until the rest fit in
    ``max_bytes``; returns how many it removed.

    An entry's last use is its file's access time, or its write time if later: Linux's
    default ``relatime`` mount updates the access time on the first read after a write
    and then about once a day, which is fine enough to pick what to drop.
    """
    entries = []
    try:
        with os.scandir(folder) as listing:
            for item in listing:
                if not item.name.endswith(_ENTRY):
                    continue
                try:
                    info = item.stat()
                except FileNotFoundError:  # another process removed it meanwhile
                    continue
                entries.append((max(info.st_atime, info.st_mtime), info.st_size,
                                Path(item.path)))
    except OSError:  # no folder yet, or one we cannot read: nothing to prune
        return 0
    total = sum(size for _, size, _ in entries)
    removed = 0
    for _, size, path in sorted(entries):
        if total <= max_bytes:
            break
        for name in (path, _stamp_of(path)):
            name.unlink(missing_ok=True)  # another process may have removed it first
        total -= size
        removed += 1
    return removed


def _prune_when_due(folder: Path) -> None:
    """Prunes ``folder`` unless that was done in the last ``PRUNE_INTERVAL_SECONDS``."""
    mark = folder / _PRUNED_MARK
    try:
        if mark.exists() and time.time() - mark.stat().st_mtime < PRUNE_INTERVAL_SECONDS:
            return
        mark.touch()
    except OSError:  # a read-only folder: JAX reports its own errors
        return
    prune(folder, MAX_CACHE_BYTES)


def _stamp_unstamped_entries(folder: Path) -> None:
    """Give every entry without a last-use stamp the oldest possible one.

    Only for a size the user gave JAX: JAX's eviction reads a ``KEY-atime`` file beside
    each ``KEY-cache`` entry and fails every later write (with a warning per compile) when
    one is missing, and pellucid writes entries without them. Stamped as never used, they
    are the first to go.
    """
    try:
        for entry in folder.glob("*" + _ENTRY):
            stamp = _stamp_of(entry)
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
        folder = cache_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            _enabled = False
            return False
        jax.config.update("jax_compilation_cache_dir", str(folder))
        if jax.config.jax_persistent_cache_min_compile_time_secs == 1.0:  # JAX's default
            jax.config.update("jax_persistent_cache_min_compile_time_secs",
                              MIN_COMPILE_SECONDS)
        if getattr(jax.config, "jax_compilation_cache_max_size", -1) == -1:
            _prune_when_due(folder)
        else:
            _stamp_unstamped_entries(folder)
        # Compiles that ran before the folder was set made JAX remember "no cache";
        # forget that so the next compile looks at the folder.
        from jax.experimental.compilation_cache import compilation_cache  # noqa: PLC0415

        compilation_cache.reset_cache()
    _enabled = True
    return True
