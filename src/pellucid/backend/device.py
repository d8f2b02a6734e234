"""Where JAX runs, for the few choices that differ between XLA's CPU backend and
accelerators (each measured; see bench/README.md):

- recurrent layers project every step's input in one matmul before the scan only on
  accelerators (on the CPU the extra memory traffic costs more than it saves);
- convolution models run one training step per dispatch only on the CPU (XLA's CPU
  compiler keeps gradient convolutions in a slow layout inside loops);
- predict runs a block's batches side by side only on accelerators;
- recurrent scans run 8 steps per loop iteration only on accelerators.
"""

from __future__ import annotations

import jax


def on_accelerator() -> bool:
    """Whether JAX's default backend is a GPU or TPU rather than XLA's CPU backend."""
    return jax.default_backend() != "cpu"
