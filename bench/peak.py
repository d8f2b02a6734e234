"""The machine's float32 matmul rate: a jitted 2048 x 2048 matmul, timed in JAX."""

from __future__ import annotations

import json
import statistics
import sys
import time

SIZE = 2048


def measure(repeats: int = 7) -> float:
    """Median GFLOP/s of ``a @ b`` for two 2048 x 2048 float32 matrices."""
    import jax  # noqa: PLC0415
    import jax.numpy as jnp  # noqa: PLC0415

    a = jax.random.normal(jax.random.PRNGKey(0), (SIZE, SIZE), jnp.float32)
    b = jax.random.normal(jax.random.PRNGKey(1), (SIZE, SIZE), jnp.float32)
    matmul = jax.jit(jnp.matmul)
    matmul(a, b).block_until_ready()
    rates = []
    for _ in range(repeats):
        t = time.perf_counter()
        matmul(a, b).block_until_ready()
        rates.append(2.0 * SIZE ** 3 / (time.perf_counter() - t) / 1e9)
    return statistics.median(rates)


if __name__ == "__main__":
    json.dump({"gflops": measure()}, sys.stdout)
    sys.stdout.write("\n")
