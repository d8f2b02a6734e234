"""The persistent compilation cache: a per-user folder, switched on once, size-capped."""

import os
import subprocess
import sys

# A bare environment (no user cache settings), but pellucid importable as it is here.
_BASE_ENV = {"PATH": "/usr/bin:/bin",
             **{k: os.environ[k] for k in ("PYTHONPATH",) if k in os.environ}}


def test_cache_is_on_in_its_folder_and_capped(tmp_path):
    script = (
        "import jax, pellucid\n"
        "from pellucid.backend import compilation_cache as c\n"
        "assert c.enable()\n"
        "assert jax.config.jax_compilation_cache_dir == str(c.cache_dir())\n"
        "assert jax.config.jax_compilation_cache_max_size == c.MAX_CACHE_BYTES\n"
        "assert jax.config.jax_persistent_cache_min_compile_time_secs == "
        "c.MIN_COMPILE_SECONDS\n"
        # An entry is written (a size cap without filelock would switch the cache off).
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
    entries = [p for p in (tmp_path / "cache").iterdir() if "cache" in p.name]
    assert entries, sorted(p.name for p in (tmp_path / "cache").iterdir())


def test_entries_written_without_a_cap_do_not_break_eviction(tmp_path):
    # An entry without its last-use stamp (written uncapped) made JAX's eviction fail
    # and warn on every later write.
    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / "jit_old-0123-cache").write_bytes(b"x" * 10)
    script = (
        "import warnings, jax, pellucid\n"
        "from pellucid.backend import compilation_cache as c\n"
        "warnings.simplefilter('error')\n"
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
