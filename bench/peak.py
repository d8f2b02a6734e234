"""The machine's float32 matmul rate: a jitted square matmul, timed in JAX.

2048 x 2048 on the CPU; on an accelerator that size finishes in tens of microseconds,
mostly launch latency, so there it is 8192 x 8192. JAX's default precision applies
(TF32 on recent NVIDIA GPUs), the same that the benchmarked models run at.
"""

from __future__ import annotations

import json
import statistics
import sys
import time

CPU_SIZE = 2048
ACCELERATOR_SIZE = 8192


def measure(repeats: int = 7) -> dict:
    """``{"gflops": median GFLOP/s of a @ b, "size": n, "device": name}``."""
    import jax  # noqa: PLC0415
    import jax.numpy as jnp  # noqa: PLC0415

    device = jax.local_devices()[0]
    size = CPU_SIZE if device.platform == "cpu" else ACCELERATOR_SIZE
    a = jax.random.normal(jax.random.PRNGKey(0), (size, size), jnp.float32)
    b = jax.random.normal(jax.random.PRNGKey(1), (size, size), jnp.float32)
    matmul = jax.jit(jnp.matmul)
    matmul(a, b).block_until_ready()
    rates = []
    for _ in range(repeats):
        t = time.perf_counter()
        matmul(a, b).block_until_ready()
        rates.append(2.0 * size ** 3 / (time.perf_counter() - t) / 1e9)
    return {"gflops": statistics.median(rates), "size": size, "device": device.device_kind}


if __name__ == "__main__":
    json.dump(measure(), sys.stdout)
    sys.stdout.write("\n")
