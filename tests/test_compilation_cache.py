"""The persistent compilation cache: a per-user folder, switched on once, size-capped by
pellucid rather than by JAX's per-write eviction."""

import os
import subprocess
import sys
import time

from pellucid.backend import compilation_cache

# A bare environment (no user cache settings), but pellucid importable as it is here.
_BASE_ENV = {"PATH": "/usr/bin:/bin",
             **{k: os.environ[k] for k in ("PYTHONPATH",) if k in os.environ}}


def test_cache_is_on_in_its_folder_and_capped(tmp_path):
    script = (
        "import jax, pellucid\n"
        "from pellucid.backend import compilation_cache as c\n"
        "assert c.enable()\n"
        "assert jax.config.jax_compilation_cache_dir == str(c.cache_dir())\n"
        # JAX's eviction lists the folder on every write; pellucid prunes it instead.
        "assert jax.config.jax_compilation_cache_max_size == -1\n"
        "assert jax.config.jax_persistent_cache_min_compile_time_secs == "
        "c.MIN_COMPILE_SECONDS\n"
        "jax.config.update('jax_persistent_cache_min_compile_time_secs', 0)\n"
        "jax.jit(lambda x: x * 2 + 1)(jax.numpy.ones(3)).block_until_ready()\n"
        "print(c.cache_dir())\n"
    )
    env = {"PELLUCID_CACHE_DIR": str(tmp_path / "cache"), **_BASE_ENV,
           "JAX_PLATFORMS": "cpu"}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == str(tmp_path / "cache")
    entries = [p for p in (tmp_path / "cache").iterdir() if p.name.endswith("-cache")]
    assert entries, sorted(p.name for p in (tmp_path / "cache").iterdir())
    assert (tmp_path / "cache" / ".pruned").exists()


def _entry(folder, key, size, last_used):
    path = folder / f"{key}-cache"
    path.write_bytes(b"x" * size)
    os.utime(path, (last_used, last_used))
    (folder / f"{key}-atime").write_bytes(bytes(8))
    return path


def test_prune_removes_the_least_recently_used_entries_until_the_rest_fit(tmp_path):
    now = time.time()
    old = _entry(tmp_path, "jit_old", 400, now - 3000)
    middle = _entry(tmp_path, "jit_middle", 300, now - 2000)
    read_lately = _entry(tmp_path, "jit_read", 200, now - 5000)
    os.utime(read_lately, (now - 10, now - 5000))  # written long ago, read just now
    new = _entry(tmp_path, "jit_new", 250, now - 1000)
    (tmp_path / "notes.txt").write_text("not an entry")

    assert compilation_cache.prune(tmp_path, 600) == 2
    assert not old.exists() and not (tmp_path / "jit_old-atime").exists()
    assert not middle.exists() and not (tmp_path / "jit_middle-atime").exists()
    assert read_lately.exists() and new.exists() and (tmp_path / "jit_new-atime").exists()
    assert (tmp_path / "notes.txt").exists()
    assert compilation_cache.prune(tmp_path, 600) == 0
    assert compilation_cache.prune(tmp_path / "missing", 0) == 0


def test_enable_prunes_the_folder_at_most_once_an_interval(tmp_path):
    folder = tmp_path / "cache"
    folder.mkdir()
    now = time.time()
    for i in range(3):
        _entry(folder, f"jit_{i}", 100, now - 100 * (3 - i))
    script = (
        "import jax, pellucid\n"
        "from pellucid.backend import compilation_cache as c\n"
        "c.MAX_CACHE_BYTES = 250\n"
        "assert c.enable()\n"
    )
    env = {"PELLUCID_CACHE_DIR": str(folder), **_BASE_ENV, "JAX_PLATFORMS": "cpu"}

    def run():
        done = subprocess.run([sys.executable, "-c", script], env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        return sorted(p.name for p in folder.iterdir() if p.name.endswith("-cache"))

    assert run() == ["jit_1-cache", "jit_2-cache"]
    _entry(folder, "jit_3", 100, now)
    assert run() == ["jit_1-cache", "jit_2-cache", "jit_3-cache"]  # pruned this hour
    mark = folder / ".pruned"
    an_hour_ago = now - compilation_cache.PRUNE_INTERVAL_SECONDS - 1
    os.utime(mark, (an_hour_ago, an_hour_ago))
    assert run() == ["jit_2-cache", "jit_3-cache"]


def test_entries_written_by_pellucid_do_not_break_evictions_the_user_asked_jax_for(
        tmp_path):
    # An entry without its last-use stamp (pellucid writes none) made JAX's eviction
    # fail and warn on every later write.
    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / "jit_old-0123-cache").write_bytes(b"x" * 10)
    script = (
        "import warnings, jax, pellucid\n"
        "from pellucid.backend import compilation_cache as c\n"
        "warnings.simplefilter('error')\n"
        "jax.config.update('jax_compilation_cache_max_size', 10**9)\n"
        "assert c.enable()\n"
        "jax.config.update('jax_persistent_cache_min_compile_time_secs', 0)\n"
        "jax.jit(lambda x: x * 3 - 1)(jax.numpy.ones(3)).block_until_ready()\n"
    )
    env = {"PELLUCID_CACHE_DIR": str(folder), **_BASE_ENV, "JAX_PLATFORMS": "cpu"}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Error writing" not in done.stderr, done.stderr[-2000:]
    assert (folder / "jit_old-0123-atime").read_bytes() == bytes(8)
    written = [p for p in folder.iterdir() if p.name.endswith("-cache")
               and not p.name.startswith("jit_old")]
    assert written, sorted(p.name for p in folder.iterdir())


def test_no_cache_leaves_jax_alone(tmp_path):
    script = (
        "import jax\n"
        "from pellucid.backend import compilation_cache as c\n"
        "assert not c.enable()\n"
        "assert not jax.config.jax_compilation_cache_dir\n"
    )
    env = {"PELLUCID_NO_CACHE": "1", "PELLUCID_CACHE_DIR": str(tmp_path / "cache"),
           **_BASE_ENV, "JAX_PLATFORMS": "cpu"}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert not (tmp_path / "cache").exists()
