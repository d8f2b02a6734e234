"""JAX's CPU client runs each program on its calling thread once pellucid is imported
(backend.dispatch), unless the environment asks for JAX's queued default; in fresh
processes, since the client is started once per process."""

import os
import subprocess
import sys

import pytest

_BASE_ENV = {"PATH": "/usr/bin:/bin", "JAX_PLATFORMS": "cpu",
             **{k: os.environ[k] for k in ("PYTHONPATH", "HOME") if k in os.environ}}

# A program's result is ready when the call returns only if it ran on the calling thread.
_SCRIPT = """
import jax
import jax.numpy as jnp
import numpy as np
import pellucid as keras

print("async", jax.config.read("jax_cpu_enable_async_dispatch"))
square = jax.jit(lambda a: a @ a @ a)
a = jnp.ones((1024, 1024))
square(a).block_until_ready()
print("ready", all(square(a).is_ready() for _ in range(3)))
model = keras.Sequential([keras.Input((4, 3)), keras.layers.LSTM(2), keras.layers.Dense(1)])
model.compile("adam", "mse")
history = model.fit(np.ones((64, 4, 3)), np.ones((64, 1)), batch_size=64, epochs=2, verbose=0)
print("trained", len(history.history["loss"]))
"""


def _run(**env: str) -> dict:
    out = subprocess.run([sys.executable, "-c", _SCRIPT], env={**_BASE_ENV, **env},
                         capture_output=True, text=True, timeout=300, check=True).stdout
    return dict(line.split(" ", 1) for line in out.strip().splitlines())


def test_programs_run_on_the_calling_thread_after_import():
    found = _run()
    assert found == {"async": "False", "ready": "True", "trained": "2"}


@pytest.mark.parametrize("env", [{"PELLUCID_CPU_ASYNC_DISPATCH": "1"},
                                 {"JAX_CPU_ENABLE_ASYNC_DISPATCH": "true"}])
def test_the_environment_keeps_the_queued_default(env):
    found = _run(**env)
    assert found["async"] == "True" and found["trained"] == "2"
